"""Leftovers: what a killed process or a failed deletion left in the store, removed.

Invariants:
- a temp file is removed only when no live process holds its upload lock,
  and a folder only while this sweep holds it exclusively (so no submission is
  writing into it, kring.core.storage.store);
- a conversation folder without a conversation row (its deletion failed
  halfway, or a first submission died before its commit) is removed; the row
  is looked up while the folder is held, so a submission that commits just
  before is never mistaken for a leftover;
- a deletion that fails is never silent: it is logged and an audit line tells
  the admins, and the next sweep tries again;
- after deletions the WAL is checkpointed and truncated, so deleted rows
  (``secure_delete`` zeroes them in the database) do not live on in old WAL frames;
- the throwaway gpg homes a killed process left on tmpfs (a reporter's locked key) go
  too, never one a live process uses (kring.crypto.ephemeral).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from pathlib import Path

from sqlalchemy import Engine, select

from kring.core.audit import Action, record
from kring.core.context import CoreContext
from kring.core.models import Reporter
from kring.core.storage.store import (
    _LOOKUP_RE,
    TEMP_PREFIX,
    StoreDeletionFailed,
    folder_lock,
    is_held,
    remove_tree,
    settle_times,
)
from kring.crypto.ephemeral import sweep_ephemeral_homes
from kring.crypto.errors import CryptoError

log = logging.getLogger("kring.leftovers")

SYSTEM_ACTOR = "kring"
# A worker's start sweeps after this delay: its own start is not slowed, and
# the killed worker's temp files are released by then.
STARTUP_SWEEP_DELAY_SECONDS = 5.0


@dataclasses.dataclass
class SweepResult:
    """Counts only: nothing about which conversation."""

    temp_files_removed: int = 0
    folders_removed: int = 0
    folders_busy: int = 0
    failures: int = 0
    gpg_homes_removed: int = 0


def truncate_wal(engine: Engine, *, busy_ms: int = 2000) -> bool:
    """Checkpoint the WAL into the database and truncate it to zero bytes.

    Returns False when readers kept it from finishing within ``busy_ms`` (the
    hourly scrub truncates again). Other databases than SQLite: nothing to do.
    """
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
    finally:
        raw.close()
    return not busy


def report_deletion_failure(ctx: CoreContext, exc: Exception) -> None:
    """Tell IT (the log) and the admins (an audit line) that ciphertext stayed on disk."""
    log.error("a conversation's files could not be removed (%s); the sweep will retry", exc)
    with ctx.sessions.begin() as db:
        record(db, day=ctx.today(), actor=SYSTEM_ACTOR, action=Action.DELETION_FAILED)


def remove_conversation_files(ctx: CoreContext, lookup_id: str) -> bool:
    """Remove a deleted conversation's folder; on failure report it. Then truncate the WAL.

    Call after the conversation's row is committed as deleted. Returns False
    if files stayed (reported; the sweep retries, as the row is gone).
    """
    removed = True
    try:
        ctx.store.delete_folder(lookup_id)
    except StoreDeletionFailed as exc:
        report_deletion_failure(ctx, exc)
        removed = False
    truncate_wal(ctx.engine)
    return removed


def _has_conversation(ctx: CoreContext, lookup_id: str) -> bool:
    with ctx.sessions() as db:
        return db.scalar(select(Reporter.id).where(Reporter.lookup_id == lookup_id)) is not None


def _sweep_folder(ctx: CoreContext, folder: Path, result: SweepResult) -> None:
    with folder_lock(folder, exclusive=True, wait=False) as fd:
        if fd is None:
            if folder.exists():
                result.folders_busy += 1
            return
        if ctx.store.twin(folder.name).exists():
            return  # the scrub finishes this one (kring.core.storage.scrub)
        for entry in list(folder.iterdir()):
            if entry.name.startswith(TEMP_PREFIX) and not is_held(entry):
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                    result.temp_files_removed += 1
        if _has_conversation(ctx, folder.name):
            if not any(folder.iterdir()):
                folder.rmdir()
                result.folders_removed += 1
            else:
                settle_times(folder)
            return
        if any(e.name.startswith(TEMP_PREFIX) for e in folder.iterdir()):
            result.folders_busy += 1  # a first submission still uploading
            return
        remove_tree(folder)
        result.folders_removed += 1


def sweep_leftovers(ctx: CoreContext) -> SweepResult:
    """Remove temp files no process writes, empty folders and folders of deleted rows.

    Run by every worker shortly after it starts and by the retention job.
    Failures are reported (log and audit line), never raised to the caller.
    """
    result = SweepResult()
    try:
        result.gpg_homes_removed = sweep_ephemeral_homes()
    except (OSError, CryptoError) as exc:  # no path logged: a home's name holds a pid
        log.error("the throwaway gpg homes could not be swept (%s)", type(exc).__name__)
        result.failures += 1
    root = ctx.store.root
    if not root.is_dir():
        return result
    for name in sorted(os.listdir(root)):
        if not _LOOKUP_RE.match(name):
            continue
        try:
            _sweep_folder(ctx, root / name, result)
        except (OSError, StoreDeletionFailed) as exc:
            result.failures += 1
            report_deletion_failure(ctx, exc)
    if result.folders_removed:
        settle_times(root)
        truncate_wal(ctx.engine)
    if (
        result.temp_files_removed
        or result.folders_removed
        or result.failures
        or result.gpg_homes_removed
    ):
        log.info(
            "sweep: %d temp files, %d folders and %d gpg homes removed, %d failures",
            result.temp_files_removed,
            result.folders_removed,
            result.gpg_homes_removed,
            result.failures,
        )
    return result


def sweep_soon(ctx: CoreContext, delay: float = STARTUP_SWEEP_DELAY_SECONDS) -> threading.Timer:
    """Sweep in a background thread ``delay`` seconds from now (a worker's start)."""

    def run() -> None:
        try:
            sweep_leftovers(ctx)
        except Exception:  # a start-up sweep must never take the worker down
            log.exception("the start-up sweep failed")

    timer = threading.Timer(delay, run)
    timer.daemon = True
    timer.start()
    return timer
