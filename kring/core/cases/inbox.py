"""What a confidant sees: the inbox of conversations and one conversation's items.

Security invariants kept here:
- a confidant sees a conversation only when it is addressed to them or to
  all, and an item only when an ItemRecipient row says it was encrypted to
  them; anything else is reported as "not found", so its existence does not
  leak;
- listings show designations, never lookup ids or codenames;
- an inbox page costs a fixed number of queries, whatever the number of
  conversations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Exists, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from kring.core.cases.legal_clock import ClockState, clock_of, deadline_sql
from kring.core.context import CoreContext
from kring.core.errors import InvalidChoice, KringError
from kring.core.models import (
    Confidant,
    ConversationStatus,
    Item,
    ItemRecipient,
    ReadMark,
    Reporter,
    ReporterPath,
    Star,
)

PAGE_SIZE = 25
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


class ConversationNotFound(KringError):
    """No conversation with this designation is visible to this confidant."""


class Sort(enum.StrEnum):
    """Inbox orderings."""

    ACTIVITY = "activity"
    DEADLINE = "deadline"


@dataclasses.dataclass(frozen=True)
class InboxQuery:
    """Filters, order and page of an inbox request."""

    status: ConversationStatus | None = None
    path: ReporterPath | None = None
    starred: bool = False
    sort: Sort = Sort.ACTIVITY
    page: int = 1


def parse_inbox_query(args: dict[str, str]) -> InboxQuery:
    """An InboxQuery from request arguments; unknown values raise InvalidChoice."""
    try:
        status = ConversationStatus(args["status"]) if args.get("status") else None
        path = ReporterPath(args["path"]) if args.get("path") else None
        sort = Sort(args.get("sort") or Sort.ACTIVITY.value)
        page = int(args.get("page") or 1)
    except ValueError as exc:
        raise InvalidChoice("unknown filter or page") from exc
    if page < 1 or page > 1_000_000:
        raise InvalidChoice("no such page")
    return InboxQuery(status, path, args.get("starred") == "1", sort, page)


@dataclasses.dataclass(frozen=True)
class CaseHeading:
    """What the inbox and a conversation page both show of a conversation first."""

    designation: str
    path: str
    category: str | None
    status: str

    @property
    def slug(self) -> str:
        """The designation as a URL segment."""
        return designation_slug(self.designation)


@dataclasses.dataclass(frozen=True)
class InboxRow(CaseHeading):
    """One conversation in the inbox."""

    last_activity_on: dt.date
    unread: int
    starred: bool
    clock: ClockState | None


@dataclasses.dataclass(frozen=True)
class InboxPage:
    """One page of the inbox."""

    rows: list[InboxRow]
    page: int
    pages: int
    total: int


def designation_slug(designation: str) -> str:
    """``"brave otter"`` -> ``"brave-otter"`` (URLs and bundle names)."""
    return designation.replace(" ", "-")


def visible_to(confidant_id: int) -> ColumnElement[bool]:
    """SQL condition: the conversation is addressed to this confidant or to all."""
    return or_(Reporter.recipient_id == confidant_id, Reporter.recipient_id.is_(None))


def _item_visible(confidant_id: int) -> ColumnElement[bool]:
    return exists().where(
        ItemRecipient.item_id == Item.id, ItemRecipient.confidant_id == confidant_id
    )


def _starred_by(confidant_id: int) -> Exists:
    """SQL condition: this confidant starred the conversation."""
    return exists().where(Star.reporter_id == Reporter.id, Star.confidant_id == confidant_id)


def _read_by(confidant_id: int) -> Exists:
    """SQL condition: this confidant has read the item."""
    return exists().where(ReadMark.item_id == Item.id, ReadMark.confidant_id == confidant_id)


def _in_conversation(stmt: SelectT, confidant_id: int, reporter_id: int) -> SelectT:
    """``stmt`` narrowed to one conversation's items encrypted to this confidant, in order."""
    return stmt.where(Item.reporter_id == reporter_id, _item_visible(confidant_id)).order_by(
        Item.seq
    )


def _filtered(stmt: SelectT, confidant_id: int, query: InboxQuery) -> SelectT:
    stmt = stmt.where(visible_to(confidant_id))
    if query.status is not None:
        stmt = stmt.where(Reporter.status == query.status.value)
    if query.path is not None:
        stmt = stmt.where(Reporter.path == query.path.value)
    if query.starred:
        stmt = stmt.where(_starred_by(confidant_id))
    return stmt


def list_inbox(ctx: CoreContext, confidant_id: int, query: InboxQuery) -> InboxPage:
    """One page of the confidant's inbox, in three queries whatever its size."""
    today = ctx.today()
    starred = _starred_by(confidant_id).label("starred")
    with ctx.sessions() as db:
        total = (
            db.scalar(_filtered(select(func.count()).select_from(Reporter), confidant_id, query))
            or 0
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(query.page, pages)
        stmt = _filtered(
            select(
                Reporter.id,
                Reporter.designation,
                Reporter.path,
                Reporter.category,
                Reporter.status,
                Reporter.created_on,
                Reporter.acknowledged_on,
                Reporter.feedback_given_on,
                Reporter.last_activity_on,
                starred,
            ),
            confidant_id,
            query,
        )
        if query.sort is Sort.DEADLINE:
            stmt = stmt.order_by(
                deadline_sql().asc().nulls_last(), Reporter.last_activity_on.desc(), Reporter.id
            )
        else:
            stmt = stmt.order_by(Reporter.last_activity_on.desc(), Reporter.id.desc())
        rows = db.execute(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        unread = _unread_counts(db, confidant_id, [row.id for row in rows])
    return InboxPage(
        rows=[
            InboxRow(
                designation=row.designation,
                path=row.path,
                category=row.category,
                status=row.status,
                last_activity_on=row.last_activity_on,
                unread=unread.get(row.id, 0),
                starred=bool(row.starred),
                clock=clock_of(row, today),
            )
            for row in rows
        ],
        page=page,
        pages=pages,
        total=total,
    )


def _unread_counts(db: Session, confidant_id: int, reporter_ids: list[int]) -> dict[int, int]:
    if not reporter_ids:
        return {}
    stmt = (
        select(Item.reporter_id, func.count())
        .join(
            ItemRecipient,
            and_(ItemRecipient.item_id == Item.id, ItemRecipient.confidant_id == confidant_id),
        )
        .where(
            Item.reporter_id.in_(reporter_ids),
            ~_read_by(confidant_id),
        )
        .group_by(Item.reporter_id)
    )
    return {reporter_id: count for reporter_id, count in db.execute(stmt)}


def find_visible(db: Session, confidant_id: int, slug: str) -> Reporter:
    """The conversation with designation ``slug`` if this confidant may see it.

    Raises ConversationNotFound both when it does not exist and when it is
    addressed to someone else, so the two cannot be told apart.
    """
    if len(slug) > 80:
        raise ConversationNotFound(slug[:20])
    reporter = db.scalar(
        select(Reporter).where(
            Reporter.designation == slug.replace("-", " "), visible_to(confidant_id)
        )
    )
    if reporter is None:
        raise ConversationNotFound("no such conversation")
    return reporter


@dataclasses.dataclass(frozen=True)
class ItemRow:
    """One item of a conversation, as a confidant sees it (no content)."""

    id: int
    seq: int
    kind: str
    size: int
    day: dt.date
    author: str | None
    read: bool
    # A reply the reporter removed from their own view (the record keeps it).
    hidden_from_reporter: bool = False


@dataclasses.dataclass(frozen=True)
class ConversationDetail(CaseHeading):
    """A conversation page: its case data and the items this confidant may download."""

    created_on: dt.date
    acknowledged_on: dt.date | None
    feedback_given_on: dt.date | None
    closed_on: dt.date | None
    last_activity_on: dt.date
    addressed_to_all: bool
    starred: bool
    clock: ClockState | None
    items: list[ItemRow]

    @property
    def unread(self) -> int:
        """How many of the visible items are unread."""
        return sum(1 for item in self.items if not item.read)


def visible_items_stmt(confidant_id: int, reporter_id: int) -> Select[Item]:
    """Items of one conversation that were encrypted to this confidant, in order."""
    return _in_conversation(select(Item), confidant_id, reporter_id)


def load_conversation(ctx: CoreContext, confidant_id: int, slug: str) -> ConversationDetail:
    """The conversation page data (raises ConversationNotFound)."""
    with ctx.sessions() as db:
        reporter = find_visible(db, confidant_id, slug)
        items = select(
            Item.id,
            Item.seq,
            Item.kind,
            Item.size,
            Item.created_on,
            Item.hidden_from_reporter,
            Confidant.display_name,
            _read_by(confidant_id).label("read"),
        ).outerjoin(Confidant, Confidant.id == Item.author_id)
        rows = db.execute(_in_conversation(items, confidant_id, reporter.id)).all()
        starred = db.get(Star, (confidant_id, reporter.id)) is not None
    return ConversationDetail(
        designation=reporter.designation,
        path=reporter.path,
        category=reporter.category,
        status=reporter.status,
        created_on=reporter.created_on,
        acknowledged_on=reporter.acknowledged_on,
        feedback_given_on=reporter.feedback_given_on,
        closed_on=reporter.closed_on,
        last_activity_on=reporter.last_activity_on,
        addressed_to_all=reporter.recipient_id is None,
        starred=starred,
        clock=clock_of(reporter, ctx.today()),
        items=[
            ItemRow(
                id=row.id,
                seq=row.seq,
                kind=row.kind,
                size=row.size,
                day=row.created_on,
                author=row.display_name,
                read=bool(row.read),
                hidden_from_reporter=bool(row.hidden_from_reporter),
            )
            for row in rows
        ],
    )
