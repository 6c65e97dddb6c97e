"""The coarse case records statistics are built from, read in one SQL query.

Invariant: only conversations whose reporter agreed to be counted
(``Reporter.counted``) are ever read; nothing else leaves this module but the
coarse fields of ``CaseRecord`` (quarter, category, path, unit, outcome,
whole days). No designation, id or exact day is returned.

Days to feedback: from the acknowledgement to the day a confidant recorded that
the reporter got feedback (``feedback_given_on``, journalist_ui's "feedback
given" button); ``None`` while no feedback is recorded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.insights.tables import CaseRecord, quarter_of
from kring.core.models import Reporter


def _days(start: dt.date, end: dt.date | None) -> int | None:
    if end is None:
        return None
    return max((end - start).days, 0)


def case_records(ctx: CoreContext) -> list[CaseRecord]:
    """Every counted conversation as a coarse record (one query, counted rows only)."""
    stmt = select(
        Reporter.created_on,
        Reporter.category,
        Reporter.closing_category,
        Reporter.path,
        Reporter.unit,
        Reporter.outcome,
        Reporter.acknowledged_on,
        Reporter.feedback_given_on,
    ).where(Reporter.counted.is_(True))
    quarters: dict[dt.date, str] = {}
    records = []
    with ctx.sessions() as db:
        rows = db.execute(stmt).all()
    for created, category, closing, path, unit, outcome, acknowledged, feedback in rows:
        quarter = quarters.get(created)
        if quarter is None:
            quarter = quarters[created] = quarter_of(created)
        records.append(
            CaseRecord(
                quarter=quarter,
                category=closing or category,
                path=path,
                unit=unit,
                outcome=outcome,
                days_to_acknowledgement=_days(created, acknowledged),
                days_to_feedback=_days(acknowledged, feedback) if acknowledged else None,
            )
        )
    return records
