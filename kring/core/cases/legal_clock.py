"""The legal clock of a report of wrongdoing (Dutch Whistleblower Protection Act).

Acknowledge receipt within 7 days; give feedback within 3 months of the
acknowledgement. Days only: the clock works on the day-granular dates Kring
keeps, never on times.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import enum
from typing import Any, Protocol

from sqlalchemy import Date, case
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from kring.core.models import ConversationStatus, Reporter, ReporterPath

ACKNOWLEDGE_DAYS = 7
FEEDBACK_MONTHS = 3
# How early a deadline is shown as "due soon".
ACKNOWLEDGE_SOON_DAYS = 2
FEEDBACK_SOON_DAYS = 14


class Stage(enum.StrEnum):
    """Which obligation the clock is counting down to."""

    ACKNOWLEDGE = "acknowledge"
    FEEDBACK = "feedback"


class Urgency(enum.StrEnum):
    """How the deadline looks at a glance."""

    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclasses.dataclass(frozen=True)
class ClockState:
    """The next legal deadline of one conversation, as of ``today``."""

    stage: Stage
    due_on: dt.date
    days_left: int
    urgency: Urgency


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months, clamped to the end of a shorter month.

    30 November + 3 months is 28 (or 29) February, not some day in March:
    a legal term in months ends on the corresponding day, or on the last day
    of the month when that day does not exist.
    """
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def acknowledge_by(received_on: dt.date) -> dt.date:
    """The last day to acknowledge a report received on ``received_on``."""
    return received_on + dt.timedelta(days=ACKNOWLEDGE_DAYS)


def feedback_by(acknowledged_on: dt.date) -> dt.date:
    """The last day to give feedback on a report acknowledged on ``acknowledged_on``."""
    return add_months(acknowledged_on, FEEDBACK_MONTHS)


def clock_for(
    *,
    path: str,
    status: str,
    received_on: dt.date,
    acknowledged_on: dt.date | None,
    today: dt.date,
    feedback_given_on: dt.date | None = None,
) -> ClockState | None:
    """The running legal deadline, or None when no clock applies.

    Only reports of wrongdoing have a clock; it stops when the conversation is
    closed or feedback was recorded. Before acknowledgement it counts to
    ``received_on`` + 7 days, after it to the feedback day.
    """
    if path != ReporterPath.WRONGDOING.value or status == ConversationStatus.CLOSED.value:
        return None
    if feedback_given_on is not None:
        return None
    if acknowledged_on is None:
        stage, due, soon = Stage.ACKNOWLEDGE, acknowledge_by(received_on), ACKNOWLEDGE_SOON_DAYS
    else:
        stage, due, soon = Stage.FEEDBACK, feedback_by(acknowledged_on), FEEDBACK_SOON_DAYS
    left = (due - today).days
    if left < 0:
        urgency = Urgency.OVERDUE
    elif left <= soon:
        urgency = Urgency.DUE_SOON
    else:
        urgency = Urgency.OK
    return ClockState(stage=stage, due_on=due, days_left=left, urgency=urgency)


class CaseDates(Protocol):
    """What the clock reads of a conversation: a Reporter, or a query row with these columns."""

    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_on(self) -> dt.date: ...
    @property
    def acknowledged_on(self) -> dt.date | None: ...
    @property
    def feedback_given_on(self) -> dt.date | None: ...


def clock_of(conversation: CaseDates, today: dt.date) -> ClockState | None:
    """``clock_for`` of a conversation's recorded dates; it was received the day it was made."""
    return clock_for(
        path=conversation.path,
        status=conversation.status,
        received_on=conversation.created_on,
        acknowledged_on=conversation.acknowledged_on,
        today=today,
        feedback_given_on=conversation.feedback_given_on,
    )


class _DatePlusDays(FunctionElement[dt.date]):
    """``date + n days`` in SQL (dialects spell it differently)."""

    type = Date()
    inherit_cache = True
    name = "date_plus_days"


@compiles(_DatePlusDays)
def _date_plus_days_default(element: _DatePlusDays, compiler: Any, **kw: Any) -> str:
    column, days = list(element.clauses)
    return f"({compiler.process(column, **kw)} + {compiler.process(days, **kw)})"


@compiles(_DatePlusDays, "sqlite")
def _date_plus_days_sqlite(element: _DatePlusDays, compiler: Any, **kw: Any) -> str:
    column, days = list(element.clauses)
    day, offset = compiler.process(column, **kw), compiler.process(days, **kw)
    return f"date({day}, '+' || {offset} || ' days')"


def deadline_sql() -> ColumnElement[Any]:
    """The running deadline of a conversation as an SQL expression (NULL: none).

    Same rule as ``clock_for``, so the inbox can sort and paginate by deadline
    in the database.
    """
    from sqlalchemy import literal

    return case(
        (
            (Reporter.path == ReporterPath.WRONGDOING.value)
            & (Reporter.status != ConversationStatus.CLOSED.value)
            & Reporter.feedback_given_on.is_(None),
            case(
                (
                    Reporter.acknowledged_on.is_(None),
                    _DatePlusDays(Reporter.created_on, literal(ACKNOWLEDGE_DAYS)),
                ),
                else_=Reporter.feedback_due_on,
            ),
        ),
        else_=None,
    )
