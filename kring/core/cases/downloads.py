"""What a confidant downloads: one item or a bundle, ciphertext only.

Security invariants kept here:
- only items addressed (and encrypted) to the confidant are handed out;
- downloads hand out ciphertext only; the bundle's manifest holds days,
  kinds and sizes, never file names;
- every export leaves an audit line (account, action, designation, day).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from kring.core.audit import Action, record_conversation
from kring.core.cases.inbox import find_visible, visible_items_stmt
from kring.core.context import CoreContext
from kring.core.errors import ItemNotFound
from kring.core.models import Confidant, Item, ItemKind, ReadMark
from kring.crypto.bundle import CONFIDANT_PREFIX, REPORTER, BundleItem


@dataclasses.dataclass(frozen=True)
class DownloadableItem:
    """Where one item's ciphertext lies, and the name to offer it under."""

    lookup_id: str
    blob_name: str
    download_name: str
    seq: int


def item_for_download(
    ctx: CoreContext, confidant_id: int, slug: str, item_id: int, *, actor: str
) -> DownloadableItem:
    """One item encrypted to this confidant, ready to be streamed (the download is audited)."""
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        item = db.scalar(visible_items_stmt(confidant_id, reporter.id).where(Item.id == item_id))
        if item is None:
            raise ItemNotFound("no such item")
        record_conversation(
            db, reporter, day=ctx.today(), actor=actor, action=Action.DOWNLOADED_ITEM
        )
        name = f"{reporter.designation.replace(' ', '-')}-{item.seq}-{item.kind}.gpg"
        return DownloadableItem(reporter.lookup_id, item.blob_name, name, item.seq)


def bundle_items(
    ctx: CoreContext, confidant_id: int, slug: str, *, only_unread: bool, actor: str
) -> tuple[str, list[BundleItem], str]:
    """The designation, the items and the reporter's public key for a bundle.

    The key (kring.crypto.bundle's ``reporter_key``) lets the workstation check
    that each reporter item is signed by the key only the codename unlocks.

    Only items encrypted to this confidant; with ``only_unread`` only those not
    yet marked read. Raises ConversationNotFound for a deleted conversation.
    Audited as a download only when there is something to send.
    """
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        stmt = visible_items_stmt(confidant_id, reporter.id)
        if only_unread:
            read = select(ReadMark.item_id).where(ReadMark.confidant_id == confidant_id)
            stmt = stmt.where(Item.id.not_in(read))
        items = list(db.scalars(stmt))
        authors = {
            c.id: reply_author(c.display_name, c.username)
            for c in db.scalars(
                select(Confidant).where(Confidant.id.in_({i.author_id for i in items}))
            )
        }
        if items:  # an empty bundle is not sent, so it is not a download
            record_conversation(
                db, reporter, day=ctx.today(), actor=actor, action=Action.DOWNLOADED_BUNDLE
            )
        lookup_id, designation = reporter.lookup_id, reporter.designation
        reporter_key = reporter.public_key
    bundle = [
        BundleItem(
            seq=item.seq,
            kind=item.kind,  # type: ignore[arg-type]
            author=(
                CONFIDANT_PREFIX + authors.get(item.author_id or 0, "?")
                if item.kind == ItemKind.REPLY.value
                else REPORTER
            ),
            day=item.created_on,
            ciphertext=ctx.store.blob_path(lookup_id, item.blob_name),
        )
        for item in items
    ]
    return designation, bundle, reporter_key


def reply_author(display_name: str, username: str | None) -> str:
    """How a reply's writer is named in a bundle: display name and account.

    Replies are not signed (the confidant's key is not on the server), so the
    account that wrote one is said outright; kept within the bundle's 120 characters.
    """
    if not username:
        return display_name[:120]
    suffix = f" (account {username})"
    return display_name[: 120 - len(suffix)] + suffix


def bundle_name(designation: str, day: dt.date) -> str:
    """``brave-otter-2026-11-29.zip``."""
    return f"{designation.replace(' ', '-')}-{day.isoformat()}.zip"
