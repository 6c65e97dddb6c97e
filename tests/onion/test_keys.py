"""Unit tests of key encodings and key files (no tor needed)."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest

from kring.onion.errors import BadClientKey, ServiceKeyInvalid
from kring.onion.keys import (
    format_auth_line,
    format_auth_private_line,
    generate_client_keypair,
    generate_service_key,
    load_service_key,
    onion_service_id,
    parse_auth_line,
    parse_auth_private_line,
    public_from_private,
    save_service_key,
    validate_client_public_key,
    validate_service_id,
)

# A v3 address from the Tor documentation, computed elsewhere: its checksum must verify here.
KNOWN_ADDRESS = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_known_address_round_trips() -> None:
    bare = validate_service_id(KNOWN_ADDRESS)
    public = base64.b32decode(bare.upper())[:32]
    assert onion_service_id(public) == bare


def test_address_with_bad_checksum_is_refused() -> None:
    bare = KNOWN_ADDRESS.removesuffix(".onion")
    broken = bare[:50] + ("a" if bare[50] != "a" else "b") + bare[51:]
    with pytest.raises(ValueError, match="checksum"):
        validate_service_id(broken)
    with pytest.raises(ValueError, match="not a v3"):
        validate_service_id("example.onion")


def test_generated_service_key_matches_its_address() -> None:
    key = generate_service_key()
    expanded = base64.b64decode(key.key_blob)
    assert len(expanded) == 64
    # Clamped like tor's expanded ed25519 keys.
    assert expanded[0] & 7 == 0
    assert expanded[31] & 128 == 0
    assert expanded[31] & 64 == 64
    assert validate_service_id(key.address) == key.service_id
    assert key.key_blob not in repr(key)


def test_saved_service_key_is_0600_and_loads_back(tmp_path: Path) -> None:
    key = generate_service_key()
    save_service_key(tmp_path / "svc", key)
    assert mode(tmp_path / "svc" / "private_key") == 0o600
    assert mode(tmp_path / "svc") == 0o700
    assert (tmp_path / "svc" / "hostname").read_text() == f"{key.address}\n"
    assert load_service_key(tmp_path / "svc") == key
    assert load_service_key(tmp_path / "nothing") is None


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    save_service_key(tmp_path, generate_service_key())
    (tmp_path / "private_key").chmod(0o644)
    with pytest.raises(ServiceKeyInvalid, match="chmod 600"):
        load_service_key(tmp_path)


def test_damaged_key_file_is_refused(tmp_path: Path) -> None:
    save_service_key(tmp_path, generate_service_key())
    (tmp_path / "private_key").write_text("ED25519-V3:not base64!\n")
    with pytest.raises(ServiceKeyInvalid, match="damaged"):
        load_service_key(tmp_path)
    (tmp_path / "private_key").write_text("RSA1024:" + base64.b64encode(b"x" * 64).decode())
    with pytest.raises(ServiceKeyInvalid, match="not an ED25519-V3"):
        load_service_key(tmp_path)


def test_client_key_pair_lines() -> None:
    pair = generate_client_keypair()
    assert len(pair.public_b32) == 52
    assert len(pair.private_b32) == 52
    assert public_from_private(pair.private_b32) == pair.public_b32
    assert base64.b64decode(pair.private_b64) == base64.b32decode(pair.private_b32 + "====")
    assert pair.private_b32 not in repr(pair)

    auth = format_auth_line(pair.public_b32)
    assert auth == f"descriptor:x25519:{pair.public_b32}"
    assert parse_auth_line(auth) == pair.public_b32

    bare = KNOWN_ADDRESS.removesuffix(".onion")
    line = format_auth_private_line(KNOWN_ADDRESS, pair.private_b32)
    assert line == f"{bare}:descriptor:x25519:{pair.private_b32}"
    assert len(line.split(":")[0]) == 56
    assert parse_auth_private_line(line) == (bare, pair.private_b32)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "descriptor:x25519:",
        "descriptor:ed25519:" + "A" * 52,
        "descriptor:x25519:" + "A" * 51,
        "descriptor:x25519:" + "1" * 52,  # 0 and 1 are not base32
        "x25519:" + "A" * 52,
    ],
)
def test_malformed_auth_lines_raise_bad_client_key(bad: str) -> None:
    with pytest.raises(BadClientKey):
        parse_auth_line(bad)


def test_malformed_auth_private_lines_raise_bad_client_key() -> None:
    key = generate_client_keypair().private_b32
    with pytest.raises(BadClientKey):
        parse_auth_private_line(f"example:descriptor:x25519:{key}")
    with pytest.raises(BadClientKey):
        parse_auth_private_line(f"{KNOWN_ADDRESS.removesuffix('.onion')}:descriptor:x25519:abc")
    with pytest.raises(BadClientKey):
        validate_client_public_key(hashlib.sha256(b"x").hexdigest())
