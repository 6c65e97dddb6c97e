"""Key pairs for reporters and checks of public keys that confidants upload."""

from __future__ import annotations

import dataclasses
import datetime as dt

from kring.crypto.ephemeral import ephemeral_home
from kring.crypto.errors import (
    EncryptionFailed,
    InvalidPublicKey,
    KeyGenerationFailed,
    WeakPublicKey,
)
from kring.crypto.gpg import FAST_S2K_COUNT, GpgHome

# A fixed creation time for every reporter key: a key's timestamp would
# otherwise tell when the reporter first wrote.
REPORTER_KEY_CREATION = "20000101T000000"

# OpenPGP public-key algorithm ids (RFC 4880 / RFC 6637 / draft-koch-eddsa).
_ALGO_RSA = {1, 2, 3}
_ALGO_ECDH = 18
_ALGO_EDDSA = 22
_SHA1_DIGEST = 2


@dataclasses.dataclass(frozen=True)
class GeneratedKeyPair:
    """A fresh key pair: armored public key, passphrase-locked armored secret key."""

    fingerprint: str
    public_key: str
    secret_key: str


@dataclasses.dataclass(frozen=True)
class PublicKeyInfo:
    """What Kring needs to know about an uploaded public key."""

    fingerprint: str
    user_ids: tuple[str, ...]
    algorithm: str  # "rsa4096", "cv25519", ...
    can_encrypt: bool
    expires: dt.date | None


def generate_reporter_keypair(passphrase: str) -> GeneratedKeyPair:
    """Create a Curve25519 key pair whose secret half only ``passphrase`` unlocks.

    Invariant: the unprotected secret key exists only in a tmpfs gpg home that
    is destroyed before this returns; what comes back is locked with the
    passphrase derived from the reporter's codename. The creation time is a
    fixed date, so the key reveals nothing about when it was made.
    """
    params = "\n".join(
        [
            "Key-Type: EDDSA",
            "Key-Curve: ed25519",
            "Key-Usage: sign",
            "Subkey-Type: ECDH",
            "Subkey-Curve: cv25519",
            "Subkey-Usage: encrypt",
            "Name-Real: Kring reporter",
            f"Creation-Date: {REPORTER_KEY_CREATION}",
            "Expire-Date: 0",
            f"Passphrase: {passphrase}",
            "%commit",
            "",
        ]
    ).encode()
    with ephemeral_home("kring-keygen-") as home:
        made = home.run(
            ["--pinentry-mode", "loopback", "--status-fd", "2", "--gen-key"],
            input_bytes=params,
        )
        fingerprint = _created_fingerprint(made.stderr)
        if made.returncode != 0 or fingerprint is None:
            raise KeyGenerationFailed(made.stderr.decode("utf-8", "replace")[-300:])
        public = home.run(["--armor", "--export", fingerprint])
        secret = home.run_unlocked(
            passphrase,
            ["--s2k-count", str(FAST_S2K_COUNT), "--armor", "--export-secret-keys", fingerprint],
        )
        if not public.stdout or not secret.stdout:
            raise KeyGenerationFailed("gpg exported no key")
        return GeneratedKeyPair(
            fingerprint=fingerprint,
            public_key=public.stdout.decode("ascii"),
            secret_key=secret.stdout.decode("ascii"),
        )


def _created_fingerprint(status: bytes) -> str | None:
    for line in status.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if parts[:2] == ["[GNUPG:]", "KEY_CREATED"] and len(parts) >= 4:
            return parts[3]
    return None


def _colon_records(home: GpgHome, armored: str) -> list[list[str]]:
    shown = home.run(
        ["--with-colons", "--with-fingerprint", "--import-options", "show-only", "--import"],
        input_bytes=armored.encode("utf-8", "replace"),
    )
    return [line.split(":") for line in shown.stdout.decode("utf-8", "replace").splitlines()]


def _sha1_self_signature(home: GpgHome, armored: str) -> bool:
    """True if any signature packet of the key uses SHA-1 (digest algo 2)."""
    packets = home.run(["--list-packets"], input_bytes=armored.encode("utf-8", "replace"))
    for line in packets.stdout.decode("utf-8", "replace").splitlines():
        if "digest algo" in line:
            algo = line.split("digest algo", 1)[1].strip().split(",")[0].strip()
            if algo == str(_SHA1_DIGEST):
                return True
    return False


def _check_encryption_works(home: GpgHome, armored: str) -> None:
    """Encrypt a few bytes to the key exactly as submissions and replies will be.

    Whatever gpg or the way Kring hands it keys cannot use (a size, an
    unusual packet) is then refused at upload, with a message, instead of
    failing every later submission to this confidant.
    """
    # Imported here: encrypt imports signing, which needs nothing from keys.
    from kring.crypto.encrypt import encrypt_bytes

    try:
        encrypt_bytes(home, b"kring key check", [armored])
    except (EncryptionFailed, ValueError, OSError) as exc:
        raise InvalidPublicKey(
            "gpg cannot encrypt to this key the way Kring will; export it again "
            "(gpg --armor --export) or make a new one"
        ) from exc


def inspect_public_key(armored: str, *, today: dt.date | None = None) -> PublicKeyInfo:
    """Read one OpenPGP public key and check that it is fit to receive reports.

    Invariant: only keys that can encrypt, have not expired, carry no SHA-1
    self-signature and are RSA >= 3072 bits or Curve25519 are accepted, so
    reports are never encrypted to a weak or dead key; and only keys that a
    trial encryption through Kring's own path accepts, whatever their size. Raises InvalidPublicKey
    (unreadable, secret key, several keys) or WeakPublicKey.
    """
    if "PRIVATE KEY BLOCK" in armored:
        raise InvalidPublicKey("this is a private key: upload only the public key")
    today = today or dt.datetime.now(dt.UTC).date()
    with ephemeral_home("kring-inspect-") as home:
        records = _colon_records(home, armored)
        primaries = [r for r in records if r[0] == "pub"]
        if not primaries:
            raise InvalidPublicKey("no OpenPGP public key found")
        if len(primaries) > 1:
            raise InvalidPublicKey("upload exactly one public key")
        sha1 = _sha1_self_signature(home, armored)
    fingerprint = next((r[9] for r in records if r[0] == "fpr"), "")
    uids = tuple(r[9] for r in records if r[0] == "uid")
    keys = [r for r in records if r[0] in {"pub", "sub"}]
    usable_encrypt: list[tuple[int, int, list[str]]] = []
    for rec in keys:
        validity, caps, expires = rec[1], rec[11], rec[6]
        if validity in {"r", "e"}:
            continue
        if expires and dt.datetime.fromtimestamp(int(expires), dt.UTC).date() <= today:
            continue
        # Lower-case letters are this (sub)key's own capabilities; upper-case
        # ones on the primary summarise the whole key.
        if "e" in caps:
            usable_encrypt.append((int(rec[3]), int(rec[2] or 0), rec))
    if not usable_encrypt:
        raise WeakPublicKey("this key cannot encrypt (expired, revoked or sign-only)")
    algo, length, rec = usable_encrypt[-1]
    curve = rec[16] if len(rec) > 16 else ""
    if algo in _ALGO_RSA:
        if length < 3072:
            raise WeakPublicKey(f"RSA keys need at least 3072 bits; this one has {length}")
        name = f"rsa{length}"
    elif algo == _ALGO_ECDH and curve in {"cv25519", "1.3.6.1.4.1.3029.1.5.1"}:
        name = "cv25519"
    else:
        raise WeakPublicKey("only RSA (3072 bits or more) or Curve25519 keys are accepted")
    if sha1:
        raise WeakPublicKey("the key is signed with SHA-1; create a new key")
    primary_expiry = primaries[0][6]
    expires_on = (
        dt.datetime.fromtimestamp(int(primary_expiry), dt.UTC).date() if primary_expiry else None
    )
    if expires_on is not None and expires_on <= today:
        raise WeakPublicKey("this key has expired")
    with ephemeral_home("kring-inspect-") as home:
        _check_encryption_works(home, armored)
    return PublicKeyInfo(
        fingerprint=fingerprint,
        user_ids=uids,
        algorithm=name,
        can_encrypt=True,
        expires=expires_on,
    )
