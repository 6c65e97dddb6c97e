"""What a returning reporter sees and may remove: their conversation, decrypted in memory.

Invariant: decryption happens only with the key unlocked by the codename,
in memory and a throwaway tmpfs gpg home; nothing decrypted is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from kring.core.audit import forget_conversation
from kring.core.cases.deletion_notices import record_deletion
from kring.core.cases.retention import deletion_day
from kring.core.codenames.kdf import ReporterSecrets
from kring.core.context import CoreContext
from kring.core.errors import ItemNotFound, SubmissionFailed, UnknownCodename
from kring.core.models import Confidant, Item, ItemKind, Reporter
from kring.core.storage.leftovers import remove_conversation_files
from kring.crypto.decrypt import decrypt_with_locked_key
from kring.crypto.errors import CryptoError


@dataclasses.dataclass(frozen=True)
class ConversationEntry:
    """One line of the reporter's view of their conversation."""

    item_id: int
    seq: int
    kind: str
    day: dt.date
    # File name (files), reply text (replies), or the reporter's own message
    # when they keep a copy; None for a message without a copy.
    text: str | None
    author: str | None


@dataclasses.dataclass(frozen=True)
class ConversationView:
    """What a returning reporter sees."""

    entries: list[ConversationEntry]
    path: str
    category: str | None
    recipient_name: str | None
    created_on: dt.date
    last_activity_on: dt.date
    # The day it is deleted if nothing happens before (retention).
    deleted_on_if_idle: dt.date
    # The reporter keeps a copy of their messages (shown in ``entries``).
    keep_copy: bool = False
    # Replies ever received, including those the reporter removed from view.
    replies_received: int = 0


def _read_blob(ctx: CoreContext, lookup_id: str, blob_name: str) -> bytes:
    return ctx.store.read_blob(lookup_id, blob_name)


def _own_conversation(db: Session, secrets_: ReporterSecrets) -> Reporter:
    """The conversation of these secrets; UnknownCodename when it no longer exists."""
    reporter = db.scalar(select(Reporter).where(Reporter.lookup_id == secrets_.lookup_id))
    if reporter is None:
        raise UnknownCodename("conversation no longer exists")
    return reporter


def load_conversation(ctx: CoreContext, secrets_: ReporterSecrets) -> ConversationView:
    """The reporter's conversation, replies and file names decrypted in memory.

    Invariant: decryption happens in a throwaway tmpfs gpg home with the key
    unlocked by the passphrase from the codename (kring.crypto.decrypt);
    nothing decrypted is stored or cached.
    """
    with ctx.sessions() as db:
        reporter = _own_conversation(db, secrets_)
        items = list(reporter.items)
        authors = {
            c.id: c.display_name
            for c in db.scalars(
                select(Confidant).where(
                    Confidant.id.in_({i.author_id for i in items if i.author_id})
                )
            )
        }
        recipient_name = reporter.recipient.display_name if reporter.recipient else None
    to_decrypt: list[bytes] = []
    wanted: list[int] = []
    replies_received = sum(1 for item in items if item.kind == ItemKind.REPLY.value)
    items = [item for item in items if not item.hidden_from_reporter]
    for index, item in enumerate(items):
        if item.kind == ItemKind.REPLY.value:
            to_decrypt.append(_read_blob(ctx, reporter.lookup_id, item.blob_name))
            wanted.append(index)
        elif item.kind in (ItemKind.FILE.value, ItemKind.MESSAGE.value) and item.reporter_label:
            to_decrypt.append(item.reporter_label)
            wanted.append(index)
    try:
        plain = decrypt_with_locked_key(reporter.secret_key, secrets_.passphrase, to_decrypt)
    except CryptoError as exc:
        raise SubmissionFailed("your replies could not be decrypted") from exc
    texts = {
        index: data.decode("utf-8", "replace") for index, data in zip(wanted, plain, strict=True)
    }
    entries = [
        ConversationEntry(
            item_id=item.id,
            seq=item.seq,
            kind=item.kind,
            day=item.created_on,
            text=texts.get(index),
            author=authors.get(item.author_id) if item.author_id else None,
        )
        for index, item in enumerate(items)
    ]
    return ConversationView(
        entries=entries,
        path=reporter.path,
        category=reporter.category,
        recipient_name=recipient_name,
        created_on=reporter.created_on,
        last_activity_on=reporter.last_activity_on,
        deleted_on_if_idle=deletion_day(
            reporter.last_activity_on, ctx.settings.retention_inactive_days
        ),
        replies_received=replies_received,
        keep_copy=reporter.keep_copy,
    )


def set_keep_copy(ctx: CoreContext, secrets_: ReporterSecrets, *, keep: bool) -> None:
    """Change whether the reporter keeps a copy of their messages.

    Keeping applies to messages sent from now on. Not keeping removes every
    copy already kept (the confidants' items are untouched), so whoever learns
    the codename later finds no message text on the server to read with it.
    """
    with ctx.sessions.begin() as db:
        reporter = _own_conversation(db, secrets_)
        reporter.keep_copy = keep
        if not keep:
            for item in reporter.items:
                if item.kind == ItemKind.MESSAGE.value:
                    item.reporter_label = None


def delete_reply(ctx: CoreContext, secrets_: ReporterSecrets, item_id: int) -> None:
    """Remove one confidant reply from the reporter's view, at their request.

    Only the reporter's view changes: the confidant's record keeps the reply
    (its ciphertext and row) and shows that the reporter removed it, until the
    whole conversation is deleted.
    """
    with ctx.sessions.begin() as db:
        reporter = _own_conversation(db, secrets_)
        item = db.get(Item, item_id)
        if (
            item is None
            or item.reporter_id != reporter.id
            or item.kind != ItemKind.REPLY.value
            or item.hidden_from_reporter
        ):
            raise ItemNotFound("no such reply")
        item.hidden_from_reporter = True


def delete_conversation(ctx: CoreContext, secrets_: ReporterSecrets) -> None:
    """Delete the whole conversation: every ciphertext, the reply key, the rows.

    Invariant: once the row holding the locked reply key is gone (SQLite
    secure_delete overwrites it) and the store folder is removed, nothing on
    the server opens or identifies the conversation any more; the confidants
    it was addressed to keep only a content-free notice with its designation
    and the day (deletion_notices), for 30 days.
    """
    with ctx.sessions.begin() as db:
        reporter = db.scalar(select(Reporter).where(Reporter.lookup_id == secrets_.lookup_id))
        if reporter is not None:
            record_deletion(db, reporter, ctx.today())
            forget_conversation(db, reporter.designation)
            db.delete(reporter)
    remove_conversation_files(ctx, secrets_.lookup_id)


def read_blob_stream(ctx: CoreContext, lookup_id: str, blob_name: str) -> IO[bytes]:
    """Open a stored ciphertext for streaming to a confidant's download."""
    return ctx.store.open_blob(lookup_id, blob_name)
