"""What one opening run writes, so that a failed or cancelled run takes all of it back."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

from kring.atomic import PARTIAL_PREFIX, write_atomic
from kring.crypto.errors import TargetDiskFull
from kring.workstation.filenames import free_path


@contextlib.contextmanager
def disk_full_is_target_full() -> Iterator[None]:
    """A full disk or quota (ENOSPC, EDQUOT) becomes TargetDiskFull: the run stops, whole."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TargetDiskFull("the disk is full") from exc
        raise


class RunWriter:
    """Tracks what this run created, so an aborted run can take it all back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[Path] = []

    def mkdir(self, path: Path) -> Path:
        """Make ``path`` (0700) unless it exists; only a folder made here is rolled back."""
        if not path.exists():
            path.mkdir(mode=0o700)
            self.created.append(path)
        return path

    def write_atomic(self, name: str, data: bytes) -> Path:
        """Write ``data`` under a free name like ``name`` in the folder (0600, never over
        anything), and remember it for :meth:`roll_back`."""
        with disk_full_is_target_full():
            final = write_atomic(free_path(self.folder, name), data, mode=0o600)
        self.created.append(final)
        return final

    def roll_back(self) -> None:
        """Remove what this run wrote, newest first; a folder only if it is empty."""
        for path in reversed(self.created):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()  # only if empty: never remove what was there before
                else:
                    path.unlink()


def remove_stale_partials(*folders: Path) -> None:
    """Delete the hidden partial files a killed run (power cut) left in ``folders``."""
    for sub in folders:
        if sub.is_dir():
            for stale in sub.glob(f"{PARTIAL_PREFIX}*"):
                with contextlib.suppress(OSError):
                    stale.unlink()
