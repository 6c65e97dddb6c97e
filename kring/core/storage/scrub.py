"""The scrub: at fixed clock moments, file times stop telling when a reporter acted.

Writes already set modification and access times to the day's start
(kring.core.storage.store), but a file's change time (ctime) and birth time cannot be
set: they record the moment of the write. The scrub, run by a timer (hourly by
default), gives every file and folder changed since its last run a fresh
inode, so both become the scrub's own moment, the same few seconds for all of
them, in the order of the folders' random names.

Invariants:
- nothing is lost when the scrub is killed at any point: a folder is rebuilt
  as a twin beside it (``store/.scrub-<id>``), each new file copied and
  fsync'd before its original goes, and the twin renamed into place; the next
  run finishes a half-built twin;
- a folder with an upload in progress is left for the next run, and an
  upload or deletion that arrives while its folder is rebuilt waits for the
  folder's lock (kring.core.storage.store.folder_lock), so a deleted conversation
  never comes back and an upload never lands in a folder being replaced;
- ``scrub.state`` keeps the moment the last complete run started and the
  (inode, change time) of every entry it left; an entry changed after that
  moment and not in that list is new, and only new entries are copied again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from kring.atomic import fsync_folder, write_atomic
from kring.core.settings import Settings
from kring.core.storage.store import (
    _LOOKUP_RE,
    TEMP_PREFIX,
    TWIN_PREFIX,
    Store,
    folder_lock,
    is_held,
    open_without_atime,
    settle_times,
    try_lock,
)

log = logging.getLogger("kring.scrub")

STATE_FILE = "scrub.state"
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


class ScrubBusy(Exception):
    """Another scrub of this instance is running."""


@dataclasses.dataclass
class ScrubResult:
    """What one run did (counts only: nothing about which conversation)."""

    folders_rebuilt: int = 0
    files_copied: int = 0
    folders_deferred: int = 0
    leftovers_removed: int = 0


@dataclasses.dataclass
class _Ledger:
    """What the last complete run left, and what this run leaves."""

    since_ns: int = 0
    left: set[tuple[int, int]] = dataclasses.field(default_factory=set)
    leaving: set[tuple[int, int]] = dataclasses.field(default_factory=set)
    # Folders a run had to leave (an upload in progress): rebuilt whatever their times.
    pending: set[str] = dataclasses.field(default_factory=set)
    deferred: set[str] = dataclasses.field(default_factory=set)

    def is_new(self, path: Path, *, whatever_time: bool = False) -> bool:
        st = os.lstat(path)
        recent = whatever_time or st.st_ctime_ns >= self.since_ns
        return recent and (st.st_ino, st.st_ctime_ns) not in self.left

    def record(self, path: Path) -> None:
        st = os.lstat(path)
        self.leaving.add((st.st_ino, st.st_ctime_ns))


def _copy_to_fresh_inode(source: Path, target: Path, *, moment_ns: int) -> None:
    """Copy ``source`` to ``target`` through an fsync'd temp file in target's folder."""
    temp = target.with_name(f"{TEMP_PREFIX}scrub-{secrets.token_hex(8)}")
    in_fd = open_without_atime(source)
    try:
        out_fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with (
                os.fdopen(in_fd, "rb", closefd=False) as reader,
                os.fdopen(out_fd, "wb", closefd=False) as writer,
            ):
                shutil.copyfileobj(reader, writer, 1024 * 1024)
            os.fsync(out_fd)
        finally:
            os.close(out_fd)
    finally:
        os.close(in_fd)
    settle_times(temp, access_ns=moment_ns)
    os.rename(temp, target)


class _StoreScrub:
    def __init__(self, store: Store, *, ledger: _Ledger, moment_ns: int) -> None:
        self.store = store
        self.ledger = ledger
        self.moment_ns = moment_ns
        self.result = ScrubResult()

    def run(self) -> None:
        root = self.store.root
        if not root.is_dir():
            return
        names = sorted(os.listdir(root))
        lookups = {n for n in names if _LOOKUP_RE.match(n)}
        twins = {n[len(TWIN_PREFIX) :] for n in names if n.startswith(TWIN_PREFIX)}
        for lookup_id in sorted(lookups | twins):
            self._scrub_folder(lookup_id)
        settle_times(root, access_ns=self.moment_ns)

    def _scrub_folder(self, lookup_id: str) -> None:
        folder = self.store.folder(lookup_id)
        twin = self.store.twin(lookup_id)
        if not folder.exists():
            if twin.exists():
                # Only a hand-made state leaves a twin without its folder: keep its data.
                os.rename(twin, folder)
                log.warning("scrub: restored a folder from its twin")
            else:
                return
        forced = lookup_id in self.ledger.pending
        with folder_lock(folder, exclusive=True, wait=False) as fd:
            if fd is None or not self._clear_leftovers(folder):
                self.result.folders_deferred += 1
                self.ledger.deferred.add(lookup_id)
                return
            if forced or twin.exists() or self._needs_rebuild(folder):
                self._rebuild(folder, twin, forced=forced)

    def _clear_leftovers(self, folder: Path) -> bool:
        """Remove temp files nobody holds; False if an upload is still writing."""
        for entry in list(folder.iterdir()):
            if not entry.name.startswith(TEMP_PREFIX):
                continue
            if is_held(entry):
                return False
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
                self.result.leftovers_removed += 1
        return True

    def _needs_rebuild(self, folder: Path) -> bool:
        if self.ledger.is_new(folder):
            return True
        return any(self.ledger.is_new(entry) for entry in folder.iterdir())

    def _rebuild(self, folder: Path, twin: Path, *, forced: bool) -> None:
        twin.mkdir(mode=0o700, exist_ok=True)
        for entry in sorted(folder.iterdir()):
            target = twin / entry.name
            if target.exists():
                # A killed run had copied it already (fsync'd before the rename).
                entry.unlink()
                continue
            if self.ledger.is_new(entry, whatever_time=forced):
                _copy_to_fresh_inode(entry, target, moment_ns=self.moment_ns)
                entry.unlink()
                self.result.files_copied += 1
            else:
                os.rename(entry, target)
        for leftover in twin.iterdir():
            if leftover.name.startswith(TEMP_PREFIX):
                leftover.unlink()  # a killed run's half copy; the original was kept
            else:
                settle_times(leftover, access_ns=self.moment_ns)
        fsync_folder(twin)
        # The original is empty now: rename(2) replaces an empty folder atomically.
        os.rename(twin, folder)
        settle_times(folder, access_ns=self.moment_ns)
        fsync_folder(self.store.root)
        for entry in [folder, *folder.iterdir()]:
            self.ledger.record(entry)
        self.result.folders_rebuilt += 1


def _scrub_plain_folder(folder: Path, *, ledger: _Ledger, moment_ns: int) -> int:
    """Fresh inodes for regular files changed since the last run (the gpg home)."""
    copied = 0
    if not folder.is_dir():
        return 0
    for entry in sorted(folder.iterdir()):
        if not entry.is_file() or entry.is_symlink() or entry.name.startswith(".#"):
            continue  # sockets, gpg's lock files
        if ledger.is_new(entry):
            _copy_to_fresh_inode(entry, entry, moment_ns=moment_ns)
            copied += 1
        settle_times(entry, access_ns=moment_ns)
        ledger.record(entry)
    settle_times(folder, access_ns=moment_ns)
    return copied


def _sqlite_files(settings: Settings) -> list[Path]:
    prefix = "sqlite:///"
    if not settings.database_url.startswith(prefix):
        return []
    database = Path(settings.database_url[len(prefix) :])
    return [database.with_name(database.name + suffix) for suffix in _SQLITE_SUFFIXES]


def _settle_database(files: Iterable[Path], *, moment_ns: int) -> None:
    """Checkpoint the WAL into the database and truncate it, then settle the times.

    The database file and its WAL stay the same inodes (the apps hold them
    open); their change time becomes this moment.
    """
    files = list(files)
    if files and files[0].exists():
        with contextlib.closing(sqlite3.connect(files[0], timeout=30)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    for path in files:
        settle_times(path, access_ns=moment_ns)


def _read_state(path: Path) -> _Ledger:
    """The last complete run's ledger; an unreadable one means: everything is new."""
    try:
        first, *rest = path.read_text(encoding="ascii").splitlines()
        fields = [line.split() for line in rest if line]
        left = {(int(a), int(b)) for a, b in fields if a != "pending"}
        pending = {b for a, b in fields if a == "pending"}
        return _Ledger(since_ns=int(first), left=left, pending=pending)
    except (FileNotFoundError, ValueError):
        return _Ledger()


def _write_state(path: Path, ledger: _Ledger, started_ns: int) -> None:
    lines = [
        str(started_ns),
        *(f"{ino} {ctime}" for ino, ctime in sorted(ledger.leaving)),
        *(f"pending {lookup_id}" for lookup_id in sorted(ledger.deferred)),
    ]
    write_atomic(path, ("\n".join(lines) + "\n").encode("ascii"), mode=0o644)


def scrub_instance(settings: Settings, *, now_ns: int | None = None) -> ScrubResult:
    """Give everything a reporter's action changed since the last run fresh times.

    Covers the store, the server's gpg home, the database with its WAL, and the
    instance, store and gpg folders. Raises ScrubBusy if another run holds
    the instance.
    """
    moment = time.time_ns() if now_ns is None else now_ns
    instance = settings.instance_dir
    state_path = instance / STATE_FILE
    lock_fd = os.open(instance, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not try_lock(lock_fd):
            raise ScrubBusy("another scrub is running")
        ledger = _read_state(state_path)
        store_scrub = _StoreScrub(Store(settings.store_dir), ledger=ledger, moment_ns=moment)
        store_scrub.run()
        result = store_scrub.result
        result.files_copied += _scrub_plain_folder(
            settings.gpg_home, ledger=ledger, moment_ns=moment
        )
        _settle_database(_sqlite_files(settings), moment_ns=moment)
        _write_state(state_path, ledger, moment)
        settle_times(state_path, access_ns=moment)
        settle_times(instance, access_ns=moment)
    finally:
        os.close(lock_fd)
    log.info(
        "scrub: %d folders rebuilt, %d files copied, %d deferred, %d leftovers removed",
        result.folders_rebuilt,
        result.files_copied,
        result.folders_deferred,
        result.leftovers_removed,
    )
    return result
