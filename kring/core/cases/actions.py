"""What a confidant does with a conversation: star, read, status, reply, delete.

Security invariants kept here:
- every action first finds the conversation through ``inbox.find_visible``
  and items through their ItemRecipient rows: a confidant can act only on what
  was addressed (and encrypted) to them;
- a reply's plaintext only passes through memory and gpg
  (``cases.replies.reply_to_reporter``);
- every action that changes a conversation leaves an audit line
  (account, action, designation, day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kring.core.audit import Action, forget_conversation, record, record_conversation
from kring.core.cases import replies
from kring.core.cases.inbox import ConversationNotFound, find_visible, visible_items_stmt
from kring.core.cases.legal_clock import feedback_by
from kring.core.context import CoreContext
from kring.core.errors import InvalidChoice, ItemNotFound
from kring.core.insights.counters import count_acknowledgement, count_feedback
from kring.core.models import ConversationStatus, Item, ItemRecipient, ReadMark, Reporter, Star
from kring.core.storage.leftovers import remove_conversation_files, truncate_wal


def set_star(ctx: CoreContext, confidant_id: int, slug: str, *, starred: bool) -> None:
    """Star or unstar a conversation for this confidant only."""
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        existing = db.get(Star, (confidant_id, reporter.id))
        if starred and existing is None:
            db.add(Star(confidant_id=confidant_id, reporter_id=reporter.id))
        elif not starred and existing is not None:
            db.delete(existing)


def mark_read(ctx: CoreContext, confidant_id: int, slug: str) -> int:
    """Mark every item this confidant can see in the conversation read; return how many."""
    with ctx.sessions.begin() as db:
        return _mark_visible_read(db, confidant_id, find_visible(db, confidant_id, slug).id)


def mark_items_read(ctx: CoreContext, confidant_id: int, slug: str, seqs: Iterable[int]) -> int:
    """Mark the items with these sequence numbers read (after a finished download).

    Only items this confidant can see; already read ones are left alone. Returns how many
    became read. A conversation deleted meanwhile marks nothing.
    """
    with ctx.sessions.begin() as db:
        try:
            reporter = find_visible(db, confidant_id, slug)
        except ConversationNotFound:
            return 0
        return _mark_visible_read(db, confidant_id, reporter.id, seqs=set(seqs))


def _mark_visible_read(
    db: Session, confidant_id: int, reporter_id: int, *, seqs: set[int] | None = None
) -> int:
    """Read marks for this confidant's visible items of one conversation (``seqs``: only
    those); returns how many were new."""
    read = set(
        db.scalars(
            select(ReadMark.item_id)
            .join(Item, Item.id == ReadMark.item_id)
            .where(ReadMark.confidant_id == confidant_id, Item.reporter_id == reporter_id)
        )
    )
    new = [
        item.id
        for item in db.scalars(visible_items_stmt(confidant_id, reporter_id))
        if item.id not in read and (seqs is None or item.seq in seqs)
    ]
    db.add_all(ReadMark(confidant_id=confidant_id, item_id=item_id) for item_id in new)
    return len(new)


_ORDER = list(ConversationStatus)


def _acknowledge(db: Session, reporter: Reporter, today: dt.date) -> None:
    """Record the acknowledgement (once): the feedback term runs three months from it."""
    if reporter.acknowledged_on is None:
        count_acknowledgement(db, reporter, today)
        reporter.acknowledged_on = today
        reporter.feedback_due_on = feedback_by(today)


def set_status(ctx: CoreContext, confidant_id: int, slug: str, status: str, *, actor: str) -> None:
    """Move a conversation to ``status``; the first move past "new" records the day.

    That day is the acknowledgement of the legal clock (feedback is due three
    months later). Going back to "new" after acknowledgement is refused: the
    acknowledgement happened. Closing records the day (retention counts from it).
    """
    try:
        target = ConversationStatus(status)
    except ValueError as exc:
        raise InvalidChoice("unknown status") from exc
    today = ctx.today()
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        if target is ConversationStatus.NEW and reporter.acknowledged_on is not None:
            raise InvalidChoice("an acknowledged conversation cannot become new again")
        if target is not ConversationStatus.NEW:
            _acknowledge(db, reporter, today)
        reporter.closed_on = today if target is ConversationStatus.CLOSED else None
        reporter.status = target.value
        record_conversation(db, reporter, day=today, actor=actor, action=Action.STATUS_CHANGED)


def record_feedback(ctx: CoreContext, confidant_id: int, slug: str, *, actor: str) -> dt.date:
    """Record that the reporter got feedback today; return the day on record.

    Feedback (what was done with the report, or will be) ends the legal clock's second
    term, and its day gives the statistics their "days to feedback". Feedback implies
    receipt: an unacknowledged conversation is acknowledged on the same day. Recording
    twice keeps the first day (the legal term was met then).
    """
    today = ctx.today()
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        if reporter.feedback_given_on is not None:
            return reporter.feedback_given_on
        _acknowledge(db, reporter, today)
        if reporter.status == ConversationStatus.NEW.value:
            reporter.status = ConversationStatus.ACKNOWLEDGED.value
        count_feedback(db, reporter, today)
        reporter.feedback_given_on = today
        record_conversation(db, reporter, day=today, actor=actor, action=Action.FEEDBACK_RECORDED)
        return today


def reply(ctx: CoreContext, confidant_id: int, slug: str, text: str, *, actor: str) -> None:
    """Send a reply, encrypted at once to the reporter's key and this confidant's key.

    Raises ConversationNotFound, EmptySubmission, MessageTooLong or
    SubmissionFailed (no key of one's own yet, gpg failure); nothing is stored
    then.
    """
    with ctx.sessions() as db:
        reporter_id = find_visible(db, confidant_id, slug).id
    item = replies.reply_to_reporter(
        ctx, reporter_id=reporter_id, confidant_id=confidant_id, text=text
    )
    with ctx.sessions.begin() as db:
        reporter = db.get(Reporter, reporter_id)
        if reporter is not None:
            reporter.last_activity_on = ctx.today()
            db.add(ReadMark(confidant_id=confidant_id, item_id=item.id))
            record_conversation(db, reporter, day=ctx.today(), actor=actor, action=Action.REPLIED)


def delete_items(
    ctx: CoreContext, confidant_id: int, slug: str, item_ids: list[int], *, actor: str
) -> int:
    """Delete the chosen items (rows and ciphertext) that this confidant can see.

    Raises ItemNotFound if any id is not a visible item of this conversation;
    then nothing is deleted.
    """
    if not item_ids:
        raise ItemNotFound("choose at least one item")
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        items = list(
            db.scalars(visible_items_stmt(confidant_id, reporter.id).where(Item.id.in_(item_ids)))
        )
        if len(items) != len(set(item_ids)):
            raise ItemNotFound("an item is not in this conversation")
        lookup_id = reporter.lookup_id
        blobs = [item.blob_name for item in items]
        db.execute(delete(ItemRecipient).where(ItemRecipient.item_id.in_(item_ids)))
        for item in items:
            db.delete(item)
        record_conversation(db, reporter, day=ctx.today(), actor=actor, action=Action.ITEMS_DELETED)
    for blob in blobs:
        ctx.store.delete_blob(lookup_id, blob)
    truncate_wal(ctx.engine)
    return len(blobs)


def delete_conversation(ctx: CoreContext, confidant_id: int, slug: str, *, actor: str) -> None:
    """Delete the whole conversation: rows, the reporter's keys, every ciphertext.

    Same crypto-shredding as the reporter's own deletion (secure_delete plus
    removing the store folder).
    """
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        lookup_id = reporter.lookup_id
        # Its lines go with it; the deletion itself is logged without a name.
        forget_conversation(db, reporter.designation)
        db.delete(reporter)
        record(db, day=ctx.today(), actor=actor, action=Action.CONVERSATION_DELETED)
    remove_conversation_files(ctx, lookup_id)
