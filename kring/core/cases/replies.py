"""A confidant's reply to a reporter, encrypted to the reporter's key.

Invariant: the reply's plaintext reaches only gpg; the store gets
ciphertext, the database a size bucket and a day.
"""

from __future__ import annotations

from kring.core.context import CoreContext
from kring.core.errors import EmptySubmission, ItemNotFound, MessageTooLong, SubmissionFailed
from kring.core.models import Confidant, Item, ItemKind, ItemRecipient, Reporter
from kring.core.storage.sizes import size_bucket
from kring.crypto.encrypt import encrypt_bytes
from kring.crypto.errors import CryptoError


def reply_to_reporter(ctx: CoreContext, *, reporter_id: int, confidant_id: int, text: str) -> Item:
    """Store a confidant's reply, encrypted at once to the reporter and that confidant.

    Invariant: the plaintext reply exists only in memory and the gpg pipe; it
    can be read with the reporter's key (after their codename unlocks it) or
    the replying confidant's key, and no other.
    """
    body = text.strip()
    if not body:
        raise EmptySubmission("a reply needs text")
    if len(body) > ctx.settings.max_reply_chars:
        raise MessageTooLong(f"at most {ctx.settings.max_reply_chars} characters")
    with ctx.sessions() as db:
        reporter = db.get(Reporter, reporter_id)
        confidant = db.get(Confidant, confidant_id)
        if reporter is None:
            raise ItemNotFound("no such conversation")
        if confidant is None or not confidant.public_key:
            raise SubmissionFailed("the replying confidant has no public key")
        lookup_id = reporter.lookup_id
        keys = [reporter.public_key, confidant.public_key]
    try:
        ciphertext = encrypt_bytes(ctx.gpg, body.encode("utf-8"), keys)
    except CryptoError as exc:
        raise SubmissionFailed(str(exc)) from exc
    blob = ctx.store.write_blob(lookup_id, ciphertext)
    try:
        with ctx.sessions.begin() as db:
            reporter = db.get(Reporter, reporter_id)
            if reporter is None:
                raise ItemNotFound("no such conversation")
            item = Item(
                reporter_id=reporter.id,
                seq=reporter.next_seq,
                kind=ItemKind.REPLY.value,
                author_id=confidant_id,
                created_on=ctx.today(),
                size=size_bucket(len(ciphertext)),
                blob_name=blob,
            )
            item.recipients = [ItemRecipient(confidant_id=confidant_id)]
            reporter.next_seq += 1
            db.add(item)
    except BaseException:
        ctx.store.delete_blob(lookup_id, blob)
        raise
    return item
