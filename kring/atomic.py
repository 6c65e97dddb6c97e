"""Replace a small file all at once: a crash leaves the old file or the new one, never half.

A stdlib-only leaf: the onion keys, the workstation's outputs and the scrub's ledger write
through it, so each gets the same guarantees — a temp file in the target's own folder
(same file system, so the rename is atomic), created exclusively with the final mode
(never wider first), its bytes fsync'd before the rename, the folder fsync'd after it.
It imports nothing from Kring.

Not for the store's ciphertext (kring.core.storage.store, the scrub's copies): those are
streamed rather than held in memory, written under a folder lock, and have their times set
to the day's start and their reads made without access times; those writes keep their own
functions. Nor for the workstation's decrypted files (kring.crypto.decrypt_stream), which
stream too and are named only once their content is known — they share ``PARTIAL_PREFIX``
and ``fsync_folder`` with this module, so an aborted run's leftovers look alike everywhere.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

# Temp files of an unfinished write start with this; nothing complete ever does.
PARTIAL_PREFIX = ".kring-partial-"


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new name in ``folder`` survive a power cut (fsync the folder)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> Path:
    """Replace ``path`` with ``data``, its permission bits exactly ``mode``; return ``path``.

    Invariants: the file never exists with a mode wider than ``mode`` (it is created with
    ``mode`` and only the umask's bits are given back); readers see the old content or the
    new, never a mix; a failure removes the temp file and leaves ``path`` as it was; on
    return the data and the name are on the disk (both fsync'd).
    """
    path = Path(path)
    temp = path.with_name(f"{PARTIAL_PREFIX}{secrets.token_hex(8)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have taken bits the caller asked for
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    fsync_folder(path.parent)
    return path
