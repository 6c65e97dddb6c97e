"""The bundle format (writer and reader) and streaming decryption, with real gpg."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from kring.crypto.bundle import (
    BundleItem,
    BundleLimits,
    open_bundle,
    parse_manifest,
    write_bundle,
)
from kring.crypto.decrypt_stream import decrypt_stream, decrypt_to_directory
from kring.crypto.encrypt import encrypt_bytes
from kring.crypto.errors import (
    BundleTooLarge,
    ItemChecksumMismatch,
    MalformedBundle,
    NoSecretKey,
    OutputTooLarge,
    UnknownBundleVersion,
)
from kring.crypto.gpg import GpgHome
from tests.conftest import ConfidantKeyPair

DAY = dt.date(2026, 4, 1)


@pytest.fixture
def server_home(tmp_path: Path) -> GpgHome:
    """The server's (keyless) gpg home."""
    return GpgHome(tmp_path / "server-gpg").ensure()


def _blob(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


class _PipeLike(io.RawIOBase):
    """An output that cannot seek or tell, like a streaming HTTP response."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def test_write_then_read_round_trips_and_hashes_the_ciphertext(
    tmp_path: Path, server_home: GpgHome, confidant_key: ConfidantKeyPair
) -> None:
    secret_name = "salary-list-secretname.xlsx"
    ct1 = encrypt_bytes(server_home, b"hello", [confidant_key.public_key])
    ct2 = encrypt_bytes(server_home, b"file", [confidant_key.public_key], filename=secret_name)
    items = [
        BundleItem(2, "file", "reporter", DAY, _blob(tmp_path, "b", ct2)),
        BundleItem(1, "message", "reporter", DAY, lambda: io.BytesIO(ct1)),
        BundleItem(3, "reply", "confidant:Anna de Vries", DAY, _blob(tmp_path, "c", ct1)),
    ]
    out = _PipeLike()
    manifest = write_bundle(out, "amber falcon", DAY, items)  # type: ignore[arg-type]
    raw = bytes(out.data)
    assert secret_name.encode() not in raw  # names live only inside the ciphertext
    path = _blob(tmp_path, "bundle.zip", raw)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == (2026, 4, 1, 0, 0, 0)
        doc = json.loads(archive.read("manifest.json"))
    assert doc["format"] == "kring-bundle" and doc["version"] == 1
    assert [i["seq"] for i in doc["items"]] == [1, 2, 3]
    assert doc["items"][1] == {
        "seq": 2,
        "kind": "file",
        "author": "reporter",
        "day": "2026-04-01",
        "entry": "items/2.gpg",
        "sha256": hashlib.sha256(ct2).hexdigest(),
        "size": len(ct2),
    }
    with open_bundle(path) as bundle:
        assert bundle.manifest == manifest
        got = []
        for item in bundle:
            with bundle.open_item(item) as stream:
                got.append(b"".join(iter(lambda s=stream: s.read(7), b"")))
    assert got == [ct1, ct2, ct1]


def test_writer_refuses_bad_items(tmp_path: Path) -> None:
    blob = _blob(tmp_path, "x", b"x")
    with pytest.raises(ValueError, match="repeated"):
        write_bundle(
            io.BytesIO(), "a b", DAY, [BundleItem(1, "message", "reporter", DAY, blob)] * 2
        )
    with pytest.raises(ValueError, match="confidant"):
        write_bundle(io.BytesIO(), "a b", DAY, [BundleItem(1, "reply", "reporter", DAY, blob)])
    with pytest.raises(MalformedBundle, match="designation"):
        write_bundle(io.BytesIO(), "../etc", DAY, [])


def _manifest(**changes: object) -> bytes:
    doc: dict[str, object] = {
        "format": "kring-bundle",
        "version": 1,
        "designation": "amber falcon",
        "created_on": "2026-04-01",
        "items": [
            {
                "seq": 1,
                "kind": "message",
                "author": "reporter",
                "day": "2026-04-01",
                "entry": "items/1.gpg",
                "sha256": "0" * 64,
                "size": 3,
            }
        ],
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def test_parse_manifest_accepts_the_contract() -> None:
    manifest = parse_manifest(_manifest())
    assert manifest.designation == "amber falcon" and manifest.items[0].size == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"format": "zip"},
        {"version": "1"},
        {"version": True},
        {"designation": "../../etc"},
        {"designation": "a/b"},
        {"created_on": "yesterday"},
        {
            "items": [
                {
                    "seq": 1,
                    "kind": "message",
                    "author": "reporter",
                    "day": "2026-04-01",
                    "entry": "../x.gpg",
                    "sha256": "0" * 64,
                    "size": 3,
                }
            ]
        },
        {
            "items": [
                {
                    "seq": 1,
                    "kind": "exe",
                    "author": "reporter",
                    "day": "2026-04-01",
                    "entry": "items/1.gpg",
                    "sha256": "0" * 64,
                    "size": 3,
                }
            ]
        },
        {
            "items": [
                {
                    "seq": 1,
                    "kind": "reply",
                    "author": "hr",
                    "day": "2026-04-01",
                    "entry": "items/1.gpg",
                    "sha256": "0" * 64,
                    "size": 3,
                }
            ]
        },
        {
            "items": [
                {
                    "seq": 1,
                    "kind": "message",
                    "author": "reporter",
                    "day": "2026-04-01",
                    "entry": "items/1.gpg",
                    "sha256": "XYZ",
                    "size": 3,
                }
            ]
        },
    ],
)
def test_parse_manifest_refuses_malformed(changes: dict[str, object]) -> None:
    with pytest.raises(MalformedBundle):
        parse_manifest(_manifest(**changes))


def test_unknown_version_has_its_own_exception() -> None:
    with pytest.raises(UnknownBundleVersion, match="version 7"):
        parse_manifest(_manifest(version=7))
    with pytest.raises(MalformedBundle):
        parse_manifest(b"\xff not json")


def _bundle_with(tmp_path: Path, entry_data: bytes, manifest_data: bytes) -> Path:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("items/1.gpg", entry_data)
        archive.writestr("manifest.json", manifest_data)
    return path


def test_verified_stream_raises_at_the_end_on_a_mismatch(tmp_path: Path) -> None:
    path = _bundle_with(tmp_path, b"abc", _manifest())  # sha256 of zeros: wrong
    with open_bundle(path) as bundle, bundle.open_item(bundle.manifest.items[0]) as stream:
        assert stream.read(10) == b"abc"
        with pytest.raises(ItemChecksumMismatch, match="sha256"):
            stream.read(10)


def test_limits_refuse_ratio_and_total(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("items/1.gpg", bytes(5 * 1024 * 1024))
        archive.writestr("manifest.json", _manifest())
    with pytest.raises(BundleTooLarge, match="ratio"):
        open_bundle(path)
    with pytest.raises(BundleTooLarge, match="limit 100"):
        open_bundle(
            _bundle_with(tmp_path, b"x" * 1000, _manifest()), BundleLimits(max_total_bytes=100)
        )


def test_decrypt_stream_returns_the_escaped_embedded_name(
    tmp_path: Path, server_home: GpgHome, confidant_key: ConfidantKeyPair
) -> None:
    name = "Verslag 50% klaar – é.pdf"
    ct = encrypt_bytes(server_home, b"data", [confidant_key.public_key], filename=name)
    with (tmp_path / "out").open("wb") as out:
        result = decrypt_stream(confidant_key.home, io.BytesIO(ct), out, passphrase="")
    assert result.embedded_filename == name and result.bytes_in == len(ct)
    assert (tmp_path / "out").read_bytes() == b"data"


def test_no_secret_key_names_the_key_ids(
    tmp_path: Path,
    server_home: GpgHome,
    confidant_key: ConfidantKeyPair,
    other_confidant_key: ConfidantKeyPair,
) -> None:
    ct = encrypt_bytes(server_home, b"for b", [other_confidant_key.public_key])
    listed = other_confidant_key.home.run(["--with-colons", "--list-keys"]).stdout.decode()
    subkey = next(line.split(":")[4] for line in listed.splitlines() if line.startswith("sub"))
    with pytest.raises(NoSecretKey) as caught:
        decrypt_to_directory(
            confidant_key.home,
            io.BytesIO(ct),
            tmp_path,
            passphrase="",
            name_for=lambda n: tmp_path / "x",
        )
    assert caught.value.key_ids == (subkey,)
    assert os.listdir(tmp_path) == ["server-gpg"]


def test_compression_bomb_inside_the_ciphertext_is_stopped(
    tmp_path: Path, server_home: GpgHome, confidant_key: ConfidantKeyPair
) -> None:
    key_file = tmp_path / "key.asc"
    key_file.write_text(confidant_key.public_key)
    bomb = subprocess.run(
        server_home.args(
            "--compress-algo",
            "zlib",
            "--compress-level",
            "9",
            "--recipient-file",
            str(key_file),
            "--encrypt",
        ),
        input=bytes(8 * 1024 * 1024),
        capture_output=True,
        check=True,
    ).stdout
    assert len(bomb) < 100_000
    folder = tmp_path / "target"
    folder.mkdir()
    with pytest.raises(OutputTooLarge):
        decrypt_to_directory(
            confidant_key.home,
            io.BytesIO(bomb),
            folder,
            passphrase="",
            name_for=lambda n: folder / "x",
            max_output_bytes=1024 * 1024,
        )
    assert os.listdir(folder) == []


def test_checksum_mismatch_leaves_no_file(
    tmp_path: Path, server_home: GpgHome, confidant_key: ConfidantKeyPair
) -> None:
    ct = encrypt_bytes(server_home, b"payload", [confidant_key.public_key], filename="a.txt")
    path = _bundle_with(
        tmp_path,
        ct,
        _manifest(
            items=[
                {
                    "seq": 1,
                    "kind": "file",
                    "author": "reporter",
                    "day": "2026-04-01",
                    "entry": "items/1.gpg",
                    "sha256": "1" * 64,
                    "size": len(ct),
                }
            ]
        ),
    )
    folder = tmp_path / "target"
    folder.mkdir()
    with (
        open_bundle(path) as bundle,
        bundle.open_item(bundle.manifest.items[0]) as stream,
        pytest.raises(ItemChecksumMismatch),
    ):
        decrypt_to_directory(
            confidant_key.home, stream, folder, passphrase="", name_for=lambda n: folder / n
        )
    assert os.listdir(folder) == []
