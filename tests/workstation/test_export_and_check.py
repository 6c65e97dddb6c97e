"""Export through mat2, and the workstation's safety checks."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest

from kring.workstation.checks import check_gpg_home, check_network, check_swap
from tests.workstation.conftest import WorkstationKey, copy_home, tree

needs_mat2 = pytest.mark.skipif(shutil.which("mat2") is None, reason="apt-get install mat2")


def _png_with_author(path: Path, author: str) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    pixels = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Author\x00" + author.encode())
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )
    return path


@needs_mat2
def test_export_removes_metadata_and_names_what_mat2_cannot_clean(tmp_path: Path, run_cli) -> None:
    photo = _png_with_author(tmp_path / "photo.png", "Jan Secretname")
    blob = tmp_path / "data.bin"
    blob.write_bytes(b"\x00\x01 unknown format")
    code, out, err = run_cli(["export", str(photo), str(blob), "--to", str(tmp_path / "share")])
    assert code == 1
    cleaned = tmp_path / "share" / "photo.png"
    assert b"Secretname" not in cleaned.read_bytes() and cleaned.read_bytes().startswith(b"\x89PNG")
    assert b"Secretname" in photo.read_bytes()  # the original is untouched
    assert "NOT EXPORTED" in err and "application/octet-stream" in err and "not supported" in err
    # The reason names the file, not the private work folder it was cleaned in.
    assert ".kring-export-" not in err and "data.bin's format" in err
    assert tree(tmp_path / "share") == ["photo.png"]


def test_gpg_home_permissions_are_checked(tmp_path: Path, anna: WorkstationKey) -> None:
    home = copy_home(anna, tmp_path / "gnupg")
    home.path.chmod(0o700)
    assert check_gpg_home(home.path) == []
    home.path.chmod(0o755)
    key_file = next((home.path / "private-keys-v1.d").iterdir())
    key_file.chmod(0o644)
    messages = [f.message for f in check_gpg_home(home.path)]
    assert any("mode 0755" in m for m in messages)
    assert any(key_file.name in m for m in messages)


def _fake_iface(root: Path, name: str, flags: int, state: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "flags").write_text(f"{flags:#x}\n")
    (root / name / "operstate").write_text(state + "\n")


def test_network_check_reports_interfaces_other_than_loopback(tmp_path: Path) -> None:
    sysnet = tmp_path / "net"
    _fake_iface(sysnet, "lo", 0x9, "unknown")
    _fake_iface(sysnet, "wlan0", 0x1003, "up")
    _fake_iface(sysnet, "eth0", 0x1002, "down")
    findings = check_network(sysnet)
    assert [f.message.split()[2] for f in findings] == ["wlan0"]


def test_network_check_on_this_machine_matches_sysfs() -> None:
    real = Path("/sys/class/net")
    up = [
        p.name
        for p in real.iterdir()
        if int((p / "flags").read_text(), 16) & 1 and not int((p / "flags").read_text(), 16) & 8
    ]
    assert sorted(f.message.split()[2] for f in check_network(real)) == sorted(up)


def test_swap_on_a_plain_file_is_reported(tmp_path: Path) -> None:
    swapfile = tmp_path / "swapfile"
    swapfile.write_bytes(b"")
    swaps = tmp_path / "swaps"
    swaps.write_text(
        "Filename\tType\tSize\tUsed\tPriority\n"
        f"{swapfile}\tfile\t1024\t0\t-2\n"
        "/dev/zram0\tpartition\t1024\t0\t100\n"
    )
    findings = check_swap(swaps, Path("/sys/dev/block"))
    assert len(findings) == 1 and "NOT encrypted" in findings[0].message
    assert str(swapfile) in findings[0].message


def test_check_command_is_loud(tmp_path: Path, anna: WorkstationKey, run_cli) -> None:
    home = copy_home(anna, tmp_path / "gnupg")
    home.path.chmod(0o750)
    code, _, err = run_cli(["--gnupg-home", str(home.path), "check"])
    assert code == 1 and "!!! WARNING (gpg home)" in err


def test_the_workstation_imports_nothing_of_the_web_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys, kring.workstation.cli as c; c.build_parser();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask','sqlalchemy','alembic','argon2','stem'} or m.startswith('kring.core')))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.strip() == "[]"


def test_check_prints_the_local_key_fingerprint(
    tmp_path: Path, anna: WorkstationKey, run_cli
) -> None:
    """Confidants compare it with the fingerprint journalist_ui encrypts to."""
    home = copy_home(anna, tmp_path / "gnupg")
    _code, out, _err = run_cli(["--gnupg-home", str(home.path), "check"])
    grouped = " ".join(anna.fingerprint[i : i + 4] for i in range(0, len(anna.fingerprint), 4))
    assert "Your key's fingerprint" in out and grouped in out
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o700)
    _code, out, _err = run_cli(["--gnupg-home", str(empty), "check"])
    assert "No key in" in out and "keygen" in out
