"""The legal clock on fixed days: month ends, leap days, urgency, SQL order."""

from __future__ import annotations

import datetime as dt

import pytest

from kring.core.cases.legal_clock import (
    Stage,
    Urgency,
    acknowledge_by,
    add_months,
    clock_for,
    feedback_by,
)

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 11, 30), 3, D(2027, 2, 28)),  # no 30 February: last day of the month
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
        (D(2026, 8, 31), 3, D(2026, 11, 30)),
        (D(2026, 10, 31), 3, D(2027, 1, 31)),  # across the year end
        (D(2028, 2, 29), 3, D(2028, 5, 29)),  # from a leap day
        (D(2027, 12, 15), 3, D(2028, 3, 15)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_deadlines_across_month_and_year_ends() -> None:
    assert acknowledge_by(D(2026, 12, 28)) == D(2027, 1, 4)
    assert acknowledge_by(D(2028, 2, 25)) == D(2028, 3, 3)  # 29 February counted
    assert acknowledge_by(D(2027, 2, 25)) == D(2027, 3, 4)
    assert feedback_by(D(2026, 11, 30)) == D(2027, 2, 28)


def _clock(
    today: dt.date, *, ack: dt.date | None = None, path: str = "wrongdoing", status: str = "new"
):
    return clock_for(
        path=path, status=status, received_on=D(2028, 2, 25), acknowledged_on=ack, today=today
    )


def test_acknowledgement_clock_states() -> None:
    ok = _clock(D(2028, 2, 26))
    assert ok is not None and ok.stage is Stage.ACKNOWLEDGE and ok.due_on == D(2028, 3, 3)
    assert ok.urgency is Urgency.OK and ok.days_left == 6
    soon = _clock(D(2028, 3, 1))
    assert soon is not None and soon.urgency is Urgency.DUE_SOON and soon.days_left == 2
    last_day = _clock(D(2028, 3, 3))
    assert last_day is not None and last_day.urgency is Urgency.DUE_SOON and last_day.days_left == 0
    late = _clock(D(2028, 3, 4))
    assert late is not None and late.urgency is Urgency.OVERDUE and late.days_left == -1


def test_feedback_clock_after_acknowledgement() -> None:
    state = _clock(D(2028, 3, 1), ack=D(2028, 2, 29), status="acknowledged")
    assert state is not None and state.stage is Stage.FEEDBACK
    assert state.due_on == D(2028, 5, 29) and state.urgency is Urgency.OK
    soon = _clock(D(2028, 5, 20), ack=D(2028, 2, 29), status="in_progress")
    assert soon is not None and soon.urgency is Urgency.DUE_SOON
    late = _clock(D(2028, 5, 30), ack=D(2028, 2, 29), status="in_progress")
    assert late is not None and late.urgency is Urgency.OVERDUE


def test_recorded_feedback_stops_the_clock() -> None:
    overdue = clock_for(path="wrongdoing", status="in_progress", received_on=D(2028, 2, 25),
                        acknowledged_on=D(2028, 2, 29), today=D(2028, 6, 1))
    assert overdue is not None and overdue.urgency is Urgency.OVERDUE
    given = clock_for(path="wrongdoing", status="in_progress", received_on=D(2028, 2, 25),
                      acknowledged_on=D(2028, 2, 29), today=D(2028, 6, 1),
                      feedback_given_on=D(2028, 5, 2))
    assert given is None


def test_no_clock_for_other_paths_or_closed() -> None:
    assert _clock(D(2028, 3, 10), path="advice") is None
    assert _clock(D(2028, 3, 10), path="formal") is None
    assert _clock(D(2028, 3, 10), status="closed", ack=D(2028, 2, 26)) is None
