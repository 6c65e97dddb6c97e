"""Start writing a growing file to disk early, so the final fsync only waits for the tail.

Large ciphertext files (an upload into the store, a decrypted item on the workstation) are
fsync'd before they are renamed to their final name. Left alone, the kernel keeps the whole
file as dirty pages until that fsync, which then writes 500 MB in one go (about a quarter of
a second here) while the user waits. ``sync_file_range(SYNC_FILE_RANGE_WRITE)`` starts
writeback of what is written so far without waiting for it.

Only durability timing changes: the fsync before the rename is still what makes the file
safe, so no file looks complete before it is.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

NUDGE_EVERY = 16 * 1024 * 1024
_SYNC_FILE_RANGE_WRITE = 2


def _load_sync_file_range() -> Callable[[int, int, int, int], int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.sync_file_range
    except (OSError, AttributeError):  # not Linux/glibc: the fsync simply does all the work
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func  # type: ignore[no-any-return]


_SYNC_FILE_RANGE = _load_sync_file_range()


class EarlyWriteback:
    """Call ``progress(bytes_so_far)`` as a file grows; every 16 MiB it nudges writeback.

    Invariant: never blocks on the disk and never raises; it only starts writeback.
    """

    def __init__(self, fd: int, *, every: int = NUDGE_EVERY) -> None:
        self._fd = fd
        self._every = every
        self._next = every

    def progress(self, done: int) -> None:
        """Note that ``done`` bytes have gone towards the file (plaintext or ciphertext)."""
        if done < self._next:
            return
        self._next = done + self._every
        if _SYNC_FILE_RANGE is not None:
            _SYNC_FILE_RANGE(self._fd, 0, 0, _SYNC_FILE_RANGE_WRITE)
