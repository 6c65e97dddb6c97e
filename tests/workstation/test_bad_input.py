"""Every bad input gets a clear message; nothing is written outside DIR, and no
half-written file is left under a name that looks complete."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.workstation.conftest import (
    DAY1,
    DAY2,
    BundleMaker,
    Spec,
    WorkstationKey,
    rewrite_bundle,
    tree,
)


def _open(run_cli, key: WorkstationKey, bundle: Path, out: Path, passphrase: str | None = None):
    return run_cli(
        ["--gnupg-home", str(key.home.path), "open", str(bundle), "--to", str(out)],
        passphrase=key.passphrase if passphrase is None else passphrase,
    )


def _three_items(anna: WorkstationKey, make_bundle: BundleMaker) -> Path:
    key = (anna.public_key,)
    return make_bundle(
        [
            Spec("message", "reporter", DAY1, b"first message", key),
            Spec("file", "reporter", DAY1, os.urandom(50_000), key, filename="evidence.pdf"),
            Spec("message", "reporter", DAY2, b"third message", key),
        ]
    )


def test_wrong_passphrase_writes_nothing(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    bundle = _three_items(anna, make_bundle)
    code, _, err = _open(run_cli, anna, bundle, tmp_path / "out", passphrase="not my passphrase")
    assert code == 2
    assert "wrong passphrase" in err and "nothing was written" in err
    assert tree(tmp_path / "out") == []


def test_bundle_for_another_confidant_names_the_key_it_needs(
    tmp_path: Path, anna: WorkstationKey, bart: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    bundle = make_bundle([Spec("message", "reporter", DAY1, b"for bart", (bart.public_key,))])
    code, out, _ = _open(run_cli, anna, bundle, tmp_path / "out")
    assert code == 1
    bart_keys = subprocess.run(
        ["gpg", "--homedir", str(bart.home.path), "--with-colons", "--list-keys"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bart_subkey = next(
        line.split(":")[4] for line in bart_keys.splitlines() if line.startswith("sub")
    )
    assert f"REFUSED item 1: encrypted for key 0x{bart_subkey}" in out
    assert "not on this workstation" in out
    text = (tmp_path / "out" / "amber-falcon" / "transcript.txt").read_text()
    assert "NOT OPENED" in text and "for bart" not in text


def test_a_reply_for_another_confidant_is_skipped_and_the_rest_opened(
    tmp_path: Path, anna: WorkstationKey, bart: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    bundle = make_bundle(
        [
            Spec("message", "reporter", DAY1, b"to both", (anna.public_key, bart.public_key)),
            Spec("reply", "confidant:Bart", DAY2, b"bart only", (bart.public_key,)),
        ]
    )
    code, out, _ = _open(run_cli, anna, bundle, tmp_path / "out")
    assert code == 1 and "REFUSED item 2" in out and "REFUSED item 1" not in out
    assert "to both" in (tmp_path / "out" / "amber-falcon" / "transcript.txt").read_text()


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_item_is_refused_and_the_rest_opened(
    damage: str, tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    good = _three_items(anna, make_bundle)

    def mutate(name: str, data: bytes) -> bytes:
        if name != "items/2.gpg":
            return data
        if damage == "truncate":
            return data[: len(data) // 2]
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    bundle = rewrite_bundle(good, tmp_path / "damaged.zip", mutate)
    code, out, _ = _open(run_cli, anna, bundle, tmp_path / "out")
    assert code == 1
    assert "REFUSED item 2: checksum mismatch" in out
    folder = tmp_path / "out" / "amber-falcon"
    text = (folder / "transcript.txt").read_text()
    assert "first message" in text and "third message" in text
    assert not (folder / "files").exists() or tree(folder / "files") == []


def test_zip_crc_and_manifest_both_forged_still_fails_at_gpg(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    """An attacker who rewrites the entry and its sha256 still meets gpg's integrity check."""
    good = _three_items(anna, make_bundle)
    with zipfile.ZipFile(good) as src:
        manifest = json.loads(src.read("manifest.json"))
        entries = {name: src.read(name) for name in src.namelist()}
    data = bytearray(entries["items/2.gpg"])
    data[len(data) // 2] ^= 0x01
    import hashlib

    manifest["items"][1]["sha256"] = hashlib.sha256(data).hexdigest()
    bundle = tmp_path / "forged.zip"
    with zipfile.ZipFile(bundle, "w") as dst:
        for name, content in entries.items():
            if name == "items/2.gpg":
                content = bytes(data)
            elif name == "manifest.json":
                content = json.dumps(manifest).encode()
            dst.writestr(name, content)
    code, out, _ = _open(run_cli, anna, bundle, tmp_path / "out")
    assert code == 1 and "REFUSED item 2: could not be decrypted" in out
    files = tmp_path / "out" / "amber-falcon" / "files"
    assert not files.exists() or tree(files) == []


def _with_extra_entry(good: Path, target: Path, info: zipfile.ZipInfo, data: bytes) -> Path:
    rewrite_bundle(good, target, lambda name, d: d)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr(info, data)
    return target


@pytest.mark.parametrize(
    ("entry", "symlink", "message"),
    [
        ("../../escape.txt", False, "unsafe entry name"),
        ("items/../../escape.gpg", False, "unsafe entry name"),
        ("/etc/cron.d/evil", False, "unsafe entry name"),
        ("items/9.gpg", True, "is a symlink"),
        ("notes.txt", False, "unexpected entry"),
    ],
)
def test_unsafe_zip_entries_refuse_the_whole_bundle(
    entry: str,
    symlink: bool,
    message: str,
    tmp_path: Path,
    anna: WorkstationKey,
    make_bundle: BundleMaker,
    run_cli,
) -> None:
    good = _three_items(anna, make_bundle)
    info = zipfile.ZipInfo(entry)
    if symlink:
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
    bundle = _with_extra_entry(good, tmp_path / "evil.zip", info, b"/etc/passwd")
    code, _, err = _open(run_cli, anna, bundle, tmp_path / "out")
    assert code == 2 and message in err and "nothing was written" in err
    assert tree(tmp_path / "out") == []
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path.parent / "escape.txt").exists()


def test_zip_bomb_by_ratio_is_refused(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    good = make_bundle([Spec("message", "reporter", DAY1, b"x", (anna.public_key,))])
    zeros = bytes(20 * 1024 * 1024)

    def mutate(name: str, data: bytes) -> bytes:
        return zeros if name == "items/1.gpg" else data

    bundle = tmp_path / "bomb.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, mutate(info.filename, src.read(info)))
    code, _, err = _open(run_cli, anna, bundle, tmp_path / "out")
    assert code == 2 and "zip bomb" in err
    assert tree(tmp_path / "out") == []


def test_total_size_limit_is_enforced(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    bundle = make_bundle(
        [
            Spec(
                "file",
                "reporter",
                DAY1,
                os.urandom(2 * 1024 * 1024),
                (anna.public_key,),
                filename="a",
            )
        ]
    )
    code, _, err = run_cli(
        [
            "--gnupg-home",
            str(anna.home.path),
            "open",
            str(bundle),
            "--to",
            str(tmp_path / "out"),
            "--max-total-gb",
            "0.001",
        ],
        passphrase=anna.passphrase,
    )
    assert code == 2 and "limit" in err
    assert tree(tmp_path / "out") == []


def test_unknown_manifest_version_is_named(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    good = _three_items(anna, make_bundle)

    def mutate(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        doc = json.loads(data)
        doc["version"] = 2
        return json.dumps(doc).encode()

    bundle = rewrite_bundle(good, tmp_path / "v2.zip", mutate)
    code, _, err = _open(run_cli, anna, bundle, tmp_path / "out")
    assert code == 2 and "bundle format version 2 is not supported" in err
    assert tree(tmp_path / "out") == []


def test_not_a_zip_is_refused(tmp_path: Path, anna: WorkstationKey, run_cli) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    code, _, err = _open(run_cli, anna, junk, tmp_path / "out")
    assert code == 2 and "not a zip file" in err


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 1 MiB tmpfs: a real full disk (needs root, as in CI)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)], check=True
    )
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_full_disk_midway_keeps_nothing_from_the_bundle(
    small_disk: Path, tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    key = (anna.public_key,)
    bundle = make_bundle(
        [
            Spec("message", "reporter", DAY1, b"hello", key),
            Spec("file", "reporter", DAY1, os.urandom(400_000), key, filename="one.bin"),
            Spec("file", "reporter", DAY1, os.urandom(400_000), key, filename="two.bin"),
            Spec("file", "reporter", DAY1, os.urandom(400_000), key, filename="three.bin"),
        ]
    )
    (small_disk / "mine.txt").write_text("was here before")
    code, _, err = _open(run_cli, anna, bundle, small_disk)
    assert code == 2
    assert "is full" in err and "nothing from this bundle was kept" in err
    assert tree(small_disk) == ["mine.txt"]
