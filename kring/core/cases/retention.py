"""Retention: conversations are deleted when they are no longer needed.

Invariant: deletion is crypto-shredding plus removal — the row holding the
reporter's locked reply key goes (SQLite ``secure_delete`` overwrites it), and
so does every ciphertext file; nothing that opens or identifies the
conversation stays on the live system. Only a count is logged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import select

from kring.core.audit import forget_conversation
from kring.core.cases.deletion_notices import purge_expired
from kring.core.context import CoreContext
from kring.core.models import Reporter
from kring.core.storage.leftovers import remove_conversation_files, sweep_leftovers

log = logging.getLogger("kring.retention")


def deletion_day(last_activity_on: dt.date, inactive_days: int) -> dt.date:
    """The day a conversation is deleted if nothing happens before then."""
    return last_activity_on + dt.timedelta(days=inactive_days)


@dataclasses.dataclass(frozen=True)
class RetentionResult:
    """What a retention run did (counts only)."""

    deleted_inactive: int
    deleted_closed: int


def _closed_before(ctx: CoreContext, cutoff: dt.date) -> list[tuple[int, str]]:
    """Closed conversations whose closing day is on or before ``cutoff``.

    Uses ``Reporter.closed_on`` when the model has it (journalist_ui records
    the day a conversation was closed).
    """
    closed_on = getattr(Reporter, "closed_on", None)
    if closed_on is None:
        return []
    with ctx.sessions() as db:
        rows = db.execute(
            select(Reporter.id, Reporter.lookup_id).where(
                Reporter.status == "closed", closed_on.is_not(None), closed_on <= cutoff
            )
        )
        return [(row[0], row[1]) for row in rows]


def run_retention(ctx: CoreContext) -> RetentionResult:
    """Delete every conversation past its retention; return how many went."""
    today = ctx.today()
    inactive_cutoff = today - dt.timedelta(days=ctx.settings.retention_inactive_days)
    closed_cutoff = today - dt.timedelta(days=ctx.settings.retention_closed_days)
    with ctx.sessions() as db:
        inactive = [
            (row[0], row[1])
            for row in db.execute(
                select(Reporter.id, Reporter.lookup_id).where(
                    Reporter.last_activity_on <= inactive_cutoff
                )
            )
        ]
    inactive_ids = {rid for rid, _ in inactive}
    closed = [
        (rid, lid) for rid, lid in _closed_before(ctx, closed_cutoff) if rid not in inactive_ids
    ]
    for reporter_id, lookup_id in [*inactive, *closed]:
        with ctx.sessions.begin() as db:
            reporter = db.get(Reporter, reporter_id)
            if reporter is not None:
                forget_conversation(db, reporter.designation)
                db.delete(reporter)
        remove_conversation_files(ctx, lookup_id)
    # Deletion notices expire too (kring.core.cases.deletion_notices).
    purge_expired(ctx)
    # Also what killed workers and failed deletions left (kring.core.storage.leftovers).
    sweep_leftovers(ctx)
    result = RetentionResult(deleted_inactive=len(inactive), deleted_closed=len(closed))
    log.info(
        "retention: deleted %d inactive and %d closed conversations",
        result.deleted_inactive,
        result.deleted_closed,
    )
    return result
