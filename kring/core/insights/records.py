"""The coarse case records statistics are built from, read in one SQL query.

Invariant: only conversations whose reporter agreed to be counted
(``Reporter.counted``) are ever read; nothing else leaves this module but the
coarse fields of ``CaseRecord`` (quarter, category, path, unit, outcome,
whole days). No designation, id or exact day is returned.

Days to feedback: the model records when feedback is *due*
(``feedback_due_on``) but not when it was *given*, so ``days_to_feedback`` is
always ``None`` until a feedback day is recorded (see docs/insights.md).
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
    ).where(Reporter.counted.is_(True))
    quarters: dict[dt.date, str] = {}
    records = []
    with ctx.sessions() as db:
        rows = db.execute(stmt).all()
    for created, category, closing, path, unit, outcome, acknowledged in rows:
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
                days_to_feedback=None,
            )
        )
    return records
