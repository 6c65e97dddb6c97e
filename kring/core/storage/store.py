"""The store: ciphertext files under ``store/<lookup-id>/``.

Invariants:
- only ciphertext is ever written here. Every file is created under a
  temporary name in its final folder, fsync'd, then renamed, so a crash or an
  aborted upload never leaves a file that looks complete;
- no file or folder keeps the moment a reporter acted in its access or
  modification time: every write sets both back to the start of the (UTC) day,
  and reads do not touch the access time. Change and birth times cannot be
  set; ``kring.core.storage.scrub`` replaces them at fixed moments;
- every change to a conversation's folder holds a shared ``flock`` on the
  folder, so the scrub (which takes it exclusively while it rebuilds the
  folder) never races an upload or a deletion;
- an upload holds an exclusive ``flock`` on its temp file while it writes, so
  a temp file nobody holds is a leftover of a killed process and can go.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kring.daytime import day_start_ns

_LOOKUP_RE = re.compile(r"^[0-9a-f]{32,128}$")
_BLOB_RE = re.compile(r"^[0-9a-f]{32}\.gpg$")
TEMP_PREFIX = ".partial-"
# The scrub rebuilds a folder as a twin beside it, then renames it into place.
TWIN_PREFIX = ".scrub-"


class StoreError(Exception):
    """A path given to the store is not one the store made."""


class StoreDeletionFailed(Exception):
    """Ciphertext that should be gone could not be removed (it is still on disk)."""


def settle_times(path: Path | int, *, access_ns: int | None = None) -> None:
    """Set a file's or folder's modification time to the day's start.

    The access time is the day's start too, unless ``access_ns`` is given (the
    scrub gives its own moment: with ``relatime`` an access time later than
    the modification time is not updated by the next read). A path that is
    already gone is fine.
    """
    day = day_start_ns()
    with contextlib.suppress(FileNotFoundError):
        os.utime(path, ns=(day if access_ns is None else access_ns, day))


def open_without_atime(path: Path) -> int:
    """Open a file read-only without updating its access time (where allowed)."""
    try:
        return os.open(path, os.O_RDONLY | os.O_NOATIME)
    except PermissionError:
        # O_NOATIME needs ownership; the store's owner always has it.
        return os.open(path, os.O_RDONLY)


def try_lock(fd: int, *, exclusive: bool = True) -> bool:
    """Take an ``flock`` without waiting; False if another process holds it."""
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True


def is_held(path: Path) -> bool:
    """Whether a live process holds the upload lock on this temp file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return False
    try:
        return not try_lock(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def folder_lock(
    folder: Path, *, exclusive: bool = False, create: bool = False, wait: bool = True
) -> Iterator[int | None]:
    """Hold an ``flock`` on the folder that is at ``folder`` now; yield its fd.

    The scrub may replace a folder by a new one under the same name while we
    wait, so the lock is taken, then checked to be on the folder the path
    names, and taken again if not. Yields None when the folder does not exist
    (and ``create`` is false) or when ``wait`` is false and it is busy.
    """
    while True:
        if create and not folder.exists():
            folder.mkdir(mode=0o700, exist_ok=True)
            settle_times(folder.parent)
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            if create:
                continue
            yield None
            return
        try:
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            if wait:
                fcntl.flock(fd, mode)
            elif not try_lock(fd, exclusive=exclusive):
                yield None
                return
            try:
                current = os.stat(folder)
            except FileNotFoundError:
                current = None
            held = os.fstat(fd)
            if current is not None and (current.st_ino, current.st_dev) == (
                held.st_ino,
                held.st_dev,
            ):
                yield fd
                return
        finally:
            os.close(fd)
        if current is None and not create:
            yield None
            return


def remove_tree(path: Path) -> None:
    """Remove a folder and everything in it; a missing one is fine.

    Raises StoreDeletionFailed if anything could not be removed: a deletion
    the reporter or the retention asked for must never fail silently.
    """
    failures: list[str] = []

    def note(_func: object, failed: str, exc_info: tuple[type[BaseException], ...]) -> None:
        if not issubclass(exc_info[0], FileNotFoundError):
            failures.append(Path(failed).name)

    if not path.exists():
        return
    shutil.rmtree(path, onerror=note)  # type: ignore[arg-type]
    if failures or path.exists():
        raise StoreDeletionFailed(f"could not remove {len(failures) or 1} entries of a folder")


class Store:
    """Ciphertext files, one folder per conversation."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, lookup_id: str) -> Path:
        """The folder of one conversation (validated: no path tricks)."""
        if not _LOOKUP_RE.match(lookup_id):
            raise StoreError("bad lookup id")
        return self.root / lookup_id

    def twin(self, lookup_id: str) -> Path:
        """Where the scrub rebuilds a conversation's folder."""
        return self.root / f"{TWIN_PREFIX}{self.folder(lookup_id).name}"

    def blob_path(self, lookup_id: str, blob_name: str) -> Path:
        """Path of a stored ciphertext file."""
        if not _BLOB_RE.match(blob_name):
            raise StoreError("bad blob name")
        return self.folder(lookup_id) / blob_name

    def open_blob(self, lookup_id: str, blob_name: str) -> IO[bytes]:
        """Open a stored ciphertext for reading without touching its access time.

        Invariant: a reporter reading their replies, or a confidant a file,
        leaves no time of it on the file.
        """
        return os.fdopen(open_without_atime(self.blob_path(lookup_id, blob_name)), "rb")

    def read_blob(self, lookup_id: str, blob_name: str) -> bytes:
        """A stored ciphertext, read whole (replies: small)."""
        with self.open_blob(lookup_id, blob_name) as handle:
            return handle.read()

    def hold(self, lookup_id: str) -> contextlib.ExitStack:
        """A shared lock on the folder, kept by a submission from its first file to its commit.

        While it is held, neither the scrub nor the sweep touches the folder, so
        published files whose rows are not committed yet are never taken for
        leftovers. ``close()`` the result to release it.
        """
        stack = contextlib.ExitStack()
        stack.enter_context(folder_lock(self.folder(lookup_id), create=True))
        return stack

    def open_temp(self, lookup_id: str) -> tuple[Path, IO[bytes]]:
        """Create a new temp file for ciphertext in the conversation's folder.

        The caller's process holds an exclusive lock on it until ``publish``
        or ``discard`` closes it: a temp file without that lock is a leftover.
        """
        folder = self.folder(lookup_id)
        with folder_lock(folder, create=True):
            path = folder / f"{TEMP_PREFIX}{secrets.token_hex(16)}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            settle_times(fd)
            settle_times(folder)
        return path, os.fdopen(fd, "wb")

    def publish(self, lookup_id: str, temp_path: Path, handle: IO[bytes]) -> str:
        """fsync and rename a finished temp file; return its blob name.

        The rename happens while the upload lock is still held, so a sweep
        never takes a finished file for a leftover.
        """
        handle.flush()
        settle_times(handle.fileno())
        os.fsync(handle.fileno())
        blob_name = f"{secrets.token_hex(16)}.gpg"
        final = self.blob_path(lookup_id, blob_name)
        try:
            with folder_lock(final.parent):
                os.rename(temp_path, final)
                settle_times(final.parent)
                self._fsync_folder(final.parent)
        finally:
            handle.close()
        return blob_name

    def write_blob(self, lookup_id: str, ciphertext: bytes) -> str:
        """Store a small ciphertext atomically; return its blob name."""
        temp_path, handle = self.open_temp(lookup_id)
        try:
            handle.write(ciphertext)
            return self.publish(lookup_id, temp_path, handle)
        except BaseException:
            self.discard(temp_path, handle)
            raise

    @staticmethod
    def discard(temp_path: Path, handle: IO[bytes] | None = None) -> None:
        """Remove a temp file (aborted upload, failed encryption)."""
        # Unlinked before the handle closes: the lock is held until it is gone.
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()
        settle_times(temp_path.parent)
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()

    def delete_blob(self, lookup_id: str, blob_name: str) -> None:
        """Delete one ciphertext file (missing is fine: deletion is idempotent)."""
        path = self.blob_path(lookup_id, blob_name)
        with folder_lock(path.parent):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            settle_times(path.parent)

    def delete_folder(self, lookup_id: str) -> None:
        """Delete a whole conversation's ciphertext (and a scrub's half-built twin).

        Raises StoreDeletionFailed if anything stays on disk.
        """
        folder = self.folder(lookup_id)
        with folder_lock(folder):
            remove_tree(self.twin(lookup_id))
            remove_tree(folder)
        settle_times(self.root)

    def remove_empty_folder(self, lookup_id: str) -> None:
        """Remove the folder if an aborted first upload left it empty."""
        folder = self.folder(lookup_id)
        with folder_lock(folder), contextlib.suppress(OSError):
            folder.rmdir()
        settle_times(self.root)

    @staticmethod
    def _fsync_folder(folder: Path) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
