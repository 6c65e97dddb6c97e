"""One atomic write for keys, public files, the workstation's outputs and the scrub's ledger."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from kring import atomic
from kring.atomic import PARTIAL_PREFIX, write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mode", [0o600, 0o644])
@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_the_file_has_exactly_the_mode_asked_for_whatever_the_umask(
    tmp_path: Path, mode: int, umask: int
) -> None:
    old = os.umask(umask)
    try:
        target = write_atomic(tmp_path / "key", b"secret", mode=mode)
    finally:
        os.umask(old)
    assert target.read_bytes() == b"secret"
    assert _mode(target) == mode


def test_a_secret_is_never_readable_by_others_while_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every byte lands in a file that is already 0600 (never chmod'ed down afterwards)."""
    seen: list[int] = []
    real_write = os.write

    def watching_write(fd: int, data: bytes | memoryview) -> int:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_write(fd, data)

    old = os.umask(0)
    monkeypatch.setattr(atomic.os, "write", watching_write)
    try:
        write_atomic(tmp_path / "key", b"x" * 100_000, mode=0o600)
    finally:
        os.umask(old)
    assert seen
    assert set(seen) == {0o600}


def test_replacing_keeps_nothing_of_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "hostname"
    target.write_bytes(b"a much longer old content than the new one\n")
    write_atomic(target, b"new\n", mode=0o644)
    assert target.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["hostname"]


def test_a_failed_write_leaves_the_old_file_and_no_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ledger"
    target.write_bytes(b"old")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, b"new", mode=0o600)
    assert target.read_bytes() == b"old"
    assert not list(tmp_path.glob(f"{PARTIAL_PREFIX}*"))


def test_a_write_into_a_missing_folder_fails_without_leaving_anything(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "absent" / "file", b"data")
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    """A link planted where a key goes does not make the key land at the link's target."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"untouched")
    link = tmp_path / "key"
    link.symlink_to(elsewhere)
    write_atomic(link, b"secret", mode=0o600)
    assert not link.is_symlink()
    assert link.read_bytes() == b"secret"
    assert elsewhere.read_bytes() == b"untouched"


def test_the_helper_imports_the_standard_library_only() -> None:
    """The workstation may be installed without any dependency: this module needs none."""
    import ast
    import sys

    tree = ast.parse(Path(atomic.__file__).read_text())
    imported = {
        (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - {"__future__"} <= sys.stdlib_module_names
