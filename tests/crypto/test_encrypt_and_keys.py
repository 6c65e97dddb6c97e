"""OpenPGP adapter: streaming encryption, reporter keys, confidant key checks."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kring.crypto.decrypt import decrypt_with_locked_key
from kring.crypto.encrypt import StreamEncryptor, encrypt_bytes
from kring.crypto.errors import EncryptionFailed, InvalidPublicKey, WeakPublicKey
from kring.crypto.gpg import GpgHome, day_start_utc
from kring.crypto.keys import generate_reporter_keypair, inspect_public_key
from tests.conftest import ConfidantKeyPair


def test_stream_encrypt_large_input_decrypts(
    tmp_path: Path, confidant_key: ConfidantKeyPair
) -> None:
    home = GpgHome(tmp_path / "server").ensure()
    out = tmp_path / "out.gpg"
    chunk = os.urandom(1024 * 1024)
    with out.open("wb") as handle:
        enc = StreamEncryptor(home, [confidant_key.public_key], handle, filename="v.mp4")
        for _ in range(30):
            enc.write(chunk)
        enc.finish()
    plain, name = confidant_key.decrypt(out.read_bytes())
    assert plain == chunk * 30
    assert name == "v.mp4"


def test_literal_packet_time_is_day_granular(
    tmp_path: Path, confidant_key: ConfidantKeyPair
) -> None:
    home = GpgHome(tmp_path / "server").ensure()
    ciphertext = encrypt_bytes(home, b"x", [confidant_key.public_key])
    out = confidant_key.home.run(["--status-fd", "2", "--decrypt"], input_bytes=ciphertext)
    stamp = next(
        int(line.split()[3])
        for line in out.stderr.decode().splitlines()
        if line.startswith("[GNUPG:] PLAINTEXT ")
    )
    assert stamp % 86400 == 0
    assert dt.datetime.fromtimestamp(stamp, dt.UTC).date() == dt.datetime.now(dt.UTC).date()
    assert day_start_utc(dt.date(2026, 2, 3)) == "20260203T000000!"


def test_encrypt_refuses_without_recipients(tmp_path: Path) -> None:
    with pytest.raises(EncryptionFailed):
        encrypt_bytes(GpgHome(tmp_path).ensure(), b"x", [])


def test_encrypt_with_broken_key_fails_cleanly(tmp_path: Path) -> None:
    home = GpgHome(tmp_path / "h").ensure()
    with (tmp_path / "o").open("wb") as handle:
        enc = StreamEncryptor(home, ["not a key"], handle)

        def feed() -> None:
            for _ in range(50):
                enc.write(b"y" * 1024 * 1024)
            enc.finish()

        with pytest.raises(EncryptionFailed):
            feed()
        enc.abort()


def test_reporter_keypair_round_trip() -> None:
    pair = generate_reporter_keypair("p" * 64)
    assert "PRIVATE KEY" in pair.secret_key and "PUBLIC KEY" in pair.public_key
    info = inspect_public_key(pair.public_key)
    assert info.algorithm == "cv25519"
    home_dir = Path("/dev/shm") / f"kring-test-{os.getpid()}"
    home = GpgHome(home_dir).ensure()
    try:
        ciphertext = encrypt_bytes(home, b"reply", [pair.public_key])
    finally:
        home.kill_agent()
        import shutil

        shutil.rmtree(home_dir, ignore_errors=True)
    assert decrypt_with_locked_key(pair.secret_key, "p" * 64, [ciphertext]) == [b"reply"]


def test_ephemeral_homes_are_removed(private_tmpfs: Path) -> None:
    from kring.crypto.ephemeral import ephemeral_parent

    generate_reporter_keypair("q" * 64)
    assert list(ephemeral_parent().iterdir()) == []


def _gen(home: GpgHome, params: str) -> str:
    made = home.run(["--gen-key"], input_bytes=params.encode())
    assert made.returncode == 0, made.stderr
    return home.run(["--armor", "--export"]).stdout.decode()


def test_key_checks(
    gpg_homes: Callable[[str], GpgHome], confidant_key: ConfidantKeyPair
) -> None:
    assert inspect_public_key(confidant_key.public_key).fingerprint == confidant_key.fingerprint
    home = gpg_homes("k")
    rsa2048 = _gen(
        home, "%no-protection\nKey-Type: RSA\nKey-Length: 2048\nName-Real: Weak\n%commit\n"
    )
    with pytest.raises(WeakPublicKey, match="3072"):
        inspect_public_key(rsa2048)
    home2 = gpg_homes("k2")
    sign_only = _gen(
        home2, "%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nName-Real: S\n%commit\n"
    )
    with pytest.raises(WeakPublicKey, match="cannot encrypt"):
        inspect_public_key(sign_only)
    with pytest.raises(InvalidPublicKey):
        inspect_public_key("hello")
    with pytest.raises(InvalidPublicKey, match="private"):
        inspect_public_key("-----BEGIN PGP PRIVATE KEY BLOCK-----\n...")
