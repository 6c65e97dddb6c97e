"""Aggregate counters the statistics are built from (``insight_counts``).

Invariant: a counter is only ever raised, by one, in the same transaction as
the event it counts, and only for a conversation whose reporter agreed to be
counted:

- the reporter's consent with the first message: its category, path and unit
  as reported, in the quarter of that first message;
- the confidant's closing classification (first one only): closing category
  and outcome, in the quarter of the closing;
- for a report of wrongdoing, the acknowledgement and the feedback (first one
  only): whole days since the first message / the acknowledgement, in the
  quarter of the acknowledgement / the feedback (the medians of the legal clock).

Every event is counted in the quarter it happens in or, for the first message,
the quarter that is current then; so no counter of a quarter already shown is
ever raised (they are shown only after they end). Nothing lowers a counter:
closing later, retention and a reporter's deletion change no number, so the
tables built from them cannot be differenced by watching a conversation come
and go.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from kring.core.context import CoreContext
from kring.core.insights.tables import NO_VALUE, Counts, quarter_of
from kring.core.models import InsightCount, Reporter, ReporterPath

CATEGORY = "category"
PATH = "path"
UNIT = "unit"
CLOSING_CATEGORY = "closing_category"
OUTCOME = "outcome"
DAYS_TO_ACKNOWLEDGEMENT = "days_to_acknowledgement"
DAYS_TO_FEEDBACK = "days_to_feedback"


def _raise(db: Session, quarter: str, dimension: str, value: str | None) -> None:
    stmt = insert(InsightCount).values(
        quarter=quarter, dimension=dimension, value=value or NO_VALUE, count=1
    )
    db.execute(
        stmt.on_conflict_do_update(
            index_elements=["quarter", "dimension", "value"],
            set_={"count": InsightCount.count + 1},
        )
    )


def count_consent(db: Session, reporter: Reporter, *, unit: str | None) -> None:
    """Count a new conversation (category, path, unit as reported), if consented.

    The unit is passed in, not read from the row: it is never stored with the
    conversation, only here.
    """
    if not reporter.counted:
        return
    quarter = quarter_of(reporter.created_on)
    _raise(db, quarter, CATEGORY, reporter.category)
    _raise(db, quarter, PATH, reporter.path)
    _raise(db, quarter, UNIT, unit)


def count_closing(db: Session, reporter: Reporter, *, category: str, outcome: str) -> None:
    """Count the first closing classification, in the quarter of the closing day.

    Marks the conversation ``classified`` (also when not counted), so a
    conversation closed, reopened and closed again is counted once; the
    category and outcome themselves stay only in the counters.
    """
    if reporter.classified:
        return
    reporter.classified = True
    if not reporter.counted:
        return
    quarter = quarter_of(reporter.closed_on or reporter.created_on)
    _raise(db, quarter, CLOSING_CATEGORY, category)
    _raise(db, quarter, OUTCOME, outcome)


def _is_counted_wrongdoing(reporter: Reporter) -> bool:
    return reporter.counted and reporter.path == ReporterPath.WRONGDOING.value


def count_acknowledgement(db: Session, reporter: Reporter, day: dt.date) -> None:
    """Count the days to acknowledgement of a counted report of wrongdoing (call once)."""
    if _is_counted_wrongdoing(reporter):
        days = max((day - reporter.created_on).days, 0)
        _raise(db, quarter_of(day), DAYS_TO_ACKNOWLEDGEMENT, str(days))


def count_feedback(db: Session, reporter: Reporter, day: dt.date) -> None:
    """Count the days from acknowledgement to feedback of a counted report of wrongdoing."""
    if _is_counted_wrongdoing(reporter) and reporter.acknowledged_on is not None:
        days = max((day - reporter.acknowledged_on).days, 0)
        _raise(db, quarter_of(day), DAYS_TO_FEEDBACK, str(days))


def read_counts(ctx: CoreContext) -> Counts:
    """Every counter, in one query: {(dimension, value, quarter): count}."""
    with ctx.sessions() as db:
        rows = db.execute(
            select(
                InsightCount.dimension, InsightCount.value, InsightCount.quarter, InsightCount.count
            )
        ).all()
    return Counter({(dimension, value, quarter): n for dimension, value, quarter, n in rows})
