"""Creating the confidant's key pair in a dedicated gpg home on the workstation."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from kring.atomic import write_atomic
from kring.crypto.errors import KeyGenerationFailed
from kring.crypto.gpg import GpgHome
from kring.readable import group_by_four
from kring.workstation.home import secret_key_fingerprints

Algorithm = Literal["cv25519", "rsa4096"]


@dataclasses.dataclass(frozen=True)
class ConfidantKey:
    """The new key: its fingerprint and where the public key was exported."""

    fingerprint: str
    public_key_path: Path


def format_fingerprint(fingerprint: str) -> str:
    """Group a fingerprint in blocks of four for reading aloud and comparing."""
    return group_by_four(fingerprint)


def fingerprint_qr(fingerprint: str) -> str:
    """A terminal QR code of ``OPENPGP4FPR:<fingerprint>`` (the scheme key apps scan)."""
    from kring.qr import qr_terminal  # only keygen needs qrcode; keeps `open` quick to start

    return qr_terminal(f"OPENPGP4FPR:{fingerprint}", border=2)


def _quick(home: GpgHome, passphrase: str, args: list[str]) -> str:
    made = home.run_unlocked(passphrase, ["--status-fd", "2", *args], timeout=600)
    for line in made.stderr.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if parts[:2] == ["[GNUPG:]", "KEY_CREATED"] and len(parts) >= 4:
            return parts[3]
    raise KeyGenerationFailed(made.stderr.decode("utf-8", "replace")[-300:])


def generate_confidant_key(
    home: GpgHome,
    *,
    name: str,
    passphrase: str,
    public_key_path: Path,
    algorithm: Algorithm = "cv25519",
) -> ConfidantKey:
    """Create the confidant's key pair in ``home`` and export the public half.

    Invariant: the secret key is created inside ``home`` (mode 0700), locked
    with ``passphrase`` (handed to gpg through a pipe, never argv) and never
    exported; only the public key is written to ``public_key_path``. Refuses a
    home that already holds a secret key, so a key is never replaced silently.
    """
    home.ensure()
    if secret_key_fingerprints(home):
        raise KeyGenerationFailed(
            f"{home.path} already holds a secret key; use another --gnupg-home for a new one"
        )
    if not name.strip() or any(c in name for c in "<>\n\r:"):
        raise KeyGenerationFailed("the name may not be empty or contain <, >, : or line breaks")
    user_id = f"{name.strip()} (Kring confidant)"
    if algorithm == "cv25519":
        # future-default = ed25519 primary key (sign, certify) + cv25519 encryption subkey.
        fingerprint = _quick(
            home, passphrase, ["--quick-gen-key", user_id, "future-default", "default", "never"]
        )
    else:
        fingerprint = _quick(
            home, passphrase, ["--quick-gen-key", user_id, "rsa4096", "sign,cert", "never"]
        )
        _quick(home, passphrase, ["--quick-add-key", fingerprint, "rsa4096", "encr", "never"])
    exported = home.run(["--armor", "--export", fingerprint])
    if exported.returncode != 0 or not exported.stdout:
        raise KeyGenerationFailed("gpg exported no public key")
    public_key_path = write_atomic(Path(public_key_path), exported.stdout, mode=0o644)
    return ConfidantKey(fingerprint=fingerprint, public_key_path=public_key_path)
