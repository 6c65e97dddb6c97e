"""Content-free notices that a reporter deleted their conversation.

A confidant with a legal duty (a report of wrongdoing has a clock) must know
why a conversation vanished, not meet a bare 404. When a reporter deletes
their conversation, each confidant it was addressed to gets one line,
"<designation>: deleted by the reporter on <day>", for NOTICE_DAYS days.

Invariant: a notice holds only the random designation and the day (never a
time, content, category or path), goes only to the confidants who could see the
conversation, and is gone after NOTICE_DAYS (read filters it, retention
removes it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kring.core.context import CoreContext
from kring.core.models import Confidant, DeletionNotice, Reporter

NOTICE_DAYS = 30


@dataclasses.dataclass(frozen=True)
class Notice:
    """One inbox line about a deleted conversation."""

    designation: str
    deleted_on: dt.date


def record_deletion(db: Session, reporter: Reporter, today: dt.date) -> None:
    """Leave a notice for every confidant ``reporter``'s conversation was addressed to."""
    if reporter.recipient_id is not None:
        confidant_ids = [reporter.recipient_id]
    else:
        confidant_ids = list(db.scalars(select(Confidant.id)))
    for confidant_id in confidant_ids:
        db.add(
            DeletionNotice(
                confidant_id=confidant_id, designation=reporter.designation, deleted_on=today
            )
        )


def _oldest_shown(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=NOTICE_DAYS)


def notices_for(ctx: CoreContext, confidant_id: int) -> list[Notice]:
    """This confidant's notices of the last NOTICE_DAYS days, newest first."""
    with ctx.sessions() as db:
        rows = db.scalars(
            select(DeletionNotice)
            .where(
                DeletionNotice.confidant_id == confidant_id,
                DeletionNotice.deleted_on > _oldest_shown(ctx.today()),
            )
            .order_by(DeletionNotice.deleted_on.desc(), DeletionNotice.id.desc())
        )
        return [Notice(row.designation, row.deleted_on) for row in rows]


def notice_for(ctx: CoreContext, confidant_id: int, designation: str) -> Notice | None:
    """The notice about ``designation`` for this confidant, if one is still shown."""
    for notice in notices_for(ctx, confidant_id):
        if notice.designation == designation:
            return notice
    return None


def purge_expired(ctx: CoreContext) -> int:
    """Remove notices older than NOTICE_DAYS; return how many went."""
    with ctx.sessions.begin() as db:
        result = db.execute(
            delete(DeletionNotice).where(DeletionNotice.deleted_on <= _oldest_shown(ctx.today()))
        )
        return int(getattr(result, "rowcount", 0) or 0)
