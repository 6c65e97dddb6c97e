"""The inbox service on real SQLite: visibility, unread counts, filters, order, query count."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from kring.core.cases import actions, inbox
from kring.core.context import CoreContext
from kring.core.errors import InvalidChoice
from kring.core.models import Confidant, Item, ItemRecipient, Reporter

TODAY = dt.date(2028, 3, 1)


def _confidant(ctx: CoreContext, name: str) -> int:
    with ctx.sessions.begin() as db:
        row = Confidant(display_name=name, created_on=TODAY, username=name.lower())
        db.add(row)
        db.flush()
        return row.id


def _conversations(
    ctx: CoreContext,
    count: int,
    *,
    recipients: list[int],
    addressed_to: int | None = None,
    path: str = "just_talk",
    start: int = 0,
    created_on: dt.date = TODAY,
) -> None:
    """Rows as a submission leaves them (the inbox never reads ciphertext)."""
    with ctx.sessions.begin() as db:
        for n in range(start, start + count):
            reporter = Reporter(
                lookup_id=f"lookup{n:06d}",
                designation=f"word{n:06d} other",
                public_key="-",
                secret_key="-",
                path=path,
                recipient_id=addressed_to,
                created_on=created_on,
                last_activity_on=created_on - dt.timedelta(days=n % 50),
                next_seq=4,
            )
            db.add(reporter)
            db.flush()
            for seq in (1, 2, 3):
                item = Item(
                    reporter_id=reporter.id,
                    seq=seq,
                    kind="message",
                    created_on=created_on,
                    size=100,
                    blob_name=f"b{seq}",
                )
                item.recipients = [ItemRecipient(confidant_id=c) for c in recipients]
                db.add(item)


@pytest.fixture
def two(ctx: CoreContext) -> tuple[int, int]:
    ctx.today = lambda: TODAY
    return _confidant(ctx, "Anna"), _confidant(ctx, "Bart")


def test_only_conversations_addressed_to_me_or_all(ctx: CoreContext, two: tuple[int, int]) -> None:
    a, b = two
    _conversations(ctx, 2, recipients=[a, b])
    _conversations(ctx, 3, recipients=[a], addressed_to=a, start=10)
    page_a = inbox.list_inbox(ctx, a, inbox.InboxQuery())
    page_b = inbox.list_inbox(ctx, b, inbox.InboxQuery())
    assert page_a.total == 5 and page_b.total == 2
    assert all(row.unread == 3 for row in page_a.rows)
    with ctx.sessions() as db, pytest.raises(inbox.ConversationNotFound):
        inbox.find_visible(db, b, "word000010-other")
    with pytest.raises(inbox.ConversationNotFound):
        inbox.load_conversation(ctx, b, "word000010-other")


def test_unread_counts_are_per_confidant(ctx: CoreContext, two: tuple[int, int]) -> None:
    a, b = two
    _conversations(ctx, 1, recipients=[a, b])
    assert actions.mark_read(ctx, a, "word000000-other") == 3
    assert inbox.list_inbox(ctx, a, inbox.InboxQuery()).rows[0].unread == 0
    assert inbox.list_inbox(ctx, b, inbox.InboxQuery()).rows[0].unread == 3
    assert actions.mark_read(ctx, a, "word000000-other") == 0


def test_filters_star_and_pages(ctx: CoreContext, two: tuple[int, int]) -> None:
    a, _ = two
    _conversations(ctx, 30, recipients=[a])
    _conversations(ctx, 2, recipients=[a], path="wrongdoing", start=100)
    actions.set_star(ctx, a, "word000100-other", starred=True)
    actions.set_status(ctx, a, "word000003-other", "closed", actor="anna")
    assert inbox.list_inbox(ctx, a, inbox.parse_inbox_query({"path": "wrongdoing"})).total == 2
    assert inbox.list_inbox(ctx, a, inbox.parse_inbox_query({"starred": "1"})).total == 1
    assert inbox.list_inbox(ctx, a, inbox.parse_inbox_query({"status": "closed"})).total == 1
    first = inbox.list_inbox(ctx, a, inbox.InboxQuery())
    second = inbox.list_inbox(ctx, a, inbox.parse_inbox_query({"page": "2"}))
    assert (first.pages, len(first.rows), len(second.rows)) == (2, 25, 7)
    days = [r.last_activity_on for r in first.rows + second.rows]
    assert days == sorted(days, reverse=True)
    assert not {r.designation for r in first.rows} & {r.designation for r in second.rows}
    for bad in ({"status": "bogus"}, {"path": "x"}, {"sort": "y"}, {"page": "0"}, {"page": "z"}):
        with pytest.raises(InvalidChoice):
            inbox.parse_inbox_query(bad)


def test_recorded_feedback_acknowledges_stops_the_clock_and_keeps_its_day(
    ctx: CoreContext, two: tuple[int, int]
) -> None:
    a, _ = two
    _conversations(ctx, 2, recipients=[a], path="wrongdoing", created_on=dt.date(2028, 2, 1))
    ctx.today = lambda: dt.date(2028, 2, 5)
    assert actions.record_feedback(ctx, a, "word000000-other", actor="anna") == dt.date(2028, 2, 5)
    ctx.today = lambda: TODAY
    # A second press later does not move the day the legal term was met.
    assert actions.record_feedback(ctx, a, "word000000-other", actor="anna") == dt.date(2028, 2, 5)
    detail = inbox.load_conversation(ctx, a, "word000000-other")
    assert (detail.status, detail.acknowledged_on, detail.feedback_given_on) == (
        "acknowledged", dt.date(2028, 2, 5), dt.date(2028, 2, 5)
    )
    assert detail.clock is None
    rows = inbox.list_inbox(ctx, a, inbox.parse_inbox_query({"sort": "deadline"})).rows
    # The one still waiting (overdue since 8 February) sorts first; the other has no clock.
    assert [(r.designation, r.clock is None) for r in rows] == [
        ("word000001 other", False),
        ("word000000 other", True),
    ]


def test_sort_by_deadline_matches_the_clock(ctx: CoreContext, two: tuple[int, int]) -> None:
    a, _ = two
    _conversations(ctx, 3, recipients=[a], path="just_talk")
    # Received 2028-02-25: acknowledge by 3 March (29 February counted).
    _conversations(
        ctx, 1, recipients=[a], path="wrongdoing", start=50, created_on=dt.date(2028, 2, 25)
    )
    # Received 2028-02-20: overdue on 1 March? No: due 27 February -> overdue.
    _conversations(
        ctx, 1, recipients=[a], path="wrongdoing", start=60, created_on=dt.date(2028, 2, 20)
    )
    # Acknowledged on 2028-01-31: feedback by 30 April.
    _conversations(
        ctx, 1, recipients=[a], path="wrongdoing", start=70, created_on=dt.date(2028, 1, 30)
    )
    ctx.today = lambda: dt.date(2028, 1, 31)
    actions.set_status(ctx, a, "word000070-other", "acknowledged", actor="anna")
    ctx.today = lambda: TODAY
    rows = inbox.list_inbox(ctx, a, inbox.parse_inbox_query({"sort": "deadline"})).rows
    assert [r.designation for r in rows[:3]] == [
        "word000060 other",
        "word000050 other",
        "word000070 other",
    ]
    assert [r.clock.due_on for r in rows[:3] if r.clock] == [
        dt.date(2028, 2, 27),
        dt.date(2028, 3, 3),
        dt.date(2028, 4, 30),
    ]
    assert [r.clock.urgency.value for r in rows[:3] if r.clock] == ["overdue", "due_soon", "ok"]
    assert all(r.clock is None for r in rows[3:])


def _count_queries(ctx: CoreContext, confidant: int, query: inbox.InboxQuery) -> int:
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("q")

    event.listen(ctx.engine, "before_cursor_execute", count)
    try:
        inbox.list_inbox(ctx, confidant, query)
    finally:
        event.remove(ctx.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("sort", ["activity", "deadline"])
def test_queries_per_page_do_not_grow_with_conversations(
    ctx: CoreContext, two: tuple[int, int], sort: str
) -> None:
    a, _ = two
    query = inbox.parse_inbox_query({"sort": sort})
    _conversations(ctx, 3, recipients=[a])
    small = _count_queries(ctx, a, query)
    _conversations(ctx, 120, recipients=[a], path="wrongdoing", start=10)
    large = _count_queries(ctx, a, query)
    assert small == large <= 3
