"""Reporter services with real gpg and a real SQLite database."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from kring.core.cases import replies
from kring.core.context import CoreContext
from kring.core.errors import (
    EmptySubmission,
    InvalidFileName,
    ItemNotFound,
    MessageTooLong,
    NoRecipientAvailable,
    SubmissionFailed,
    UnknownCodename,
    UnknownRecipient,
)
from kring.core.models import Item, ItemRecipient, Reporter
from kring.core.reporting import access, submission
from kring.core.reporting import conversation as reporting_conversation
from tests.conftest import ConfidantKeyPair


def _secrets(ctx: CoreContext, codename: str = "alpha bravo charlie delta echo fox golf"):
    return access.derive_secrets(ctx, codename)


def _submit(ctx, secrets_, *, message="", files=(), recipient=None, path=None, category=None):
    draft = submission.SubmissionDraft(ctx, secrets_)
    try:
        draft.choose(recipient=recipient, path=path, category=category)
        for name, data in files:
            upload = draft.open_file(name)
            for start in range(0, len(data), 65536):
                upload.write(data[start : start + 65536])
            upload.finish()
        draft.set_message(message)
        return draft.commit()
    finally:
        draft.discard()


def _blobs(ctx: CoreContext, lookup_id: str) -> list[tuple[Item, bytes]]:
    with ctx.sessions() as db:
        reporter = db.scalar(select(Reporter).where(Reporter.lookup_id == lookup_id))
        assert reporter is not None
        return [
            (item, ctx.store.blob_path(lookup_id, item.blob_name).read_bytes())
            for item in reporter.items
        ]


def test_submission_decrypts_to_exactly_what_was_sent(
    ctx: CoreContext, confidant_a: int, confidant_key: ConfidantKeyPair
) -> None:
    secrets_ = _secrets(ctx)
    payload = bytes(range(256)) * 5000
    stored = _submit(
        ctx, secrets_, message="It happened on Tuesday.", files=[("bewijs één.pdf", payload)]
    )
    assert stored == 2
    (message_item, message_ct), (file_item, file_ct) = _blobs(ctx, secrets_.lookup_id)
    assert message_item.kind == "message" and file_item.kind == "file"
    assert confidant_key.decrypt(message_ct)[0] == b"It happened on Tuesday."
    plain, name = confidant_key.decrypt(file_ct)
    assert plain == payload
    assert name.encode("latin-1", "replace")  # name is embedded inside the ciphertext
    assert b"Tuesday" not in message_ct and payload[:1000] not in file_ct


def test_addressed_to_one_confidant_is_unreadable_for_another(
    ctx: CoreContext,
    confidant_a: int,
    confidant_b: int,
    confidant_key: ConfidantKeyPair,
    other_confidant_key: ConfidantKeyPair,
) -> None:
    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="only for A", recipient=str(confidant_a))
    [(item, ciphertext)] = _blobs(ctx, secrets_.lookup_id)
    assert confidant_key.can_decrypt(ciphertext)
    assert not other_confidant_key.can_decrypt(ciphertext)
    with ctx.sessions() as db:
        recipients = db.scalars(select(ItemRecipient.confidant_id)).all()
    assert recipients == [confidant_a]


def test_all_confidants_can_read_by_default(
    ctx: CoreContext,
    confidant_a: int,
    confidant_b: int,
    confidant_key: ConfidantKeyPair,
    other_confidant_key: ConfidantKeyPair,
) -> None:
    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="for everyone")
    [(_, ciphertext)] = _blobs(ctx, secrets_.lookup_id)
    assert confidant_key.can_decrypt(ciphertext)
    assert other_confidant_key.can_decrypt(ciphertext)


def test_follow_up_goes_to_the_same_confidant(
    ctx: CoreContext, confidant_a: int, confidant_b: int, other_confidant_key: ConfidantKeyPair
) -> None:
    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="first", recipient=str(confidant_a))
    _submit(ctx, secrets_, message="second", recipient=str(confidant_b))
    items = _blobs(ctx, secrets_.lookup_id)
    assert [i.seq for i, _ in items] == [1, 2]
    assert not any(other_confidant_key.can_decrypt(ct) for _, ct in items)


def test_reply_readable_by_reporter_and_replier_only(
    ctx: CoreContext,
    confidant_a: int,
    confidant_b: int,
    confidant_key: ConfidantKeyPair,
    other_confidant_key: ConfidantKeyPair,
) -> None:
    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="hello", files=[("a.txt", b"file body")])
    with ctx.sessions() as db:
        reporter_id = db.scalar(select(Reporter.id))
    replies.reply_to_reporter(
        ctx, reporter_id=reporter_id, confidant_id=confidant_a, text="We hear you."
    )
    view = reporting_conversation.load_conversation(ctx, secrets_)
    assert [e.kind for e in view.entries] == ["message", "file", "reply"]
    assert view.entries[0].text is None  # the server cannot show the message back
    assert view.entries[1].text == "a.txt"
    assert view.entries[2].text == "We hear you."
    assert view.entries[2].author == "Anna Confidant"
    reply_ct = _blobs(ctx, secrets_.lookup_id)[2][1]
    assert confidant_key.decrypt(reply_ct)[0] == b"We hear you."
    assert not other_confidant_key.can_decrypt(reply_ct)


def test_empty_submission_is_refused_and_nothing_stored(ctx: CoreContext, confidant_a: int) -> None:
    secrets_ = _secrets(ctx)
    with pytest.raises(EmptySubmission):
        _submit(ctx, secrets_, message="   ")
    assert not ctx.store.folder(secrets_.lookup_id).exists()
    assert not access.has_conversation(ctx, secrets_)


def test_message_too_long(ctx: CoreContext, confidant_a: int) -> None:
    with pytest.raises(MessageTooLong):
        _submit(ctx, _secrets(ctx), message="x" * (ctx.settings.max_message_chars + 1))


@pytest.mark.parametrize("name", ["../etc/passwd", "a\\b", "bad\x00name", "line\nbreak", ".."])
def test_bad_file_names_refused(ctx: CoreContext, confidant_a: int, name: str) -> None:
    secrets_ = _secrets(ctx)
    with pytest.raises(InvalidFileName):
        _submit(ctx, secrets_, files=[(name, b"x")])
    assert not access.has_conversation(ctx, secrets_)


def test_unknown_recipient(ctx: CoreContext, confidant_a: int) -> None:
    with pytest.raises(UnknownRecipient):
        _submit(ctx, _secrets(ctx), message="x", recipient="999")


def test_no_confidant_with_key(ctx: CoreContext) -> None:
    with pytest.raises(NoRecipientAvailable):
        _submit(ctx, _secrets(ctx), message="x")


def test_gpg_failure_stores_nothing(ctx: CoreContext, confidant_a: int) -> None:
    """A key gpg cannot use: the reporter is told, and no file or row remains."""
    from kring.core.models import Confidant

    with ctx.sessions.begin() as db:
        confidant = db.get(Confidant, confidant_a)
        assert confidant is not None
        confidant.public_key = (
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbroken\n-----END PGP PUBLIC KEY BLOCK-----\n"
        )
    secrets_ = _secrets(ctx)
    with pytest.raises(SubmissionFailed):
        _submit(ctx, secrets_, message="x", files=[("a.bin", b"y" * 200_000)])
    folder = ctx.store.folder(secrets_.lookup_id)
    assert not folder.exists() or not any(folder.iterdir())
    assert not access.has_conversation(ctx, secrets_)


def test_aborted_file_leaves_nothing(ctx: CoreContext, confidant_a: int) -> None:
    secrets_ = _secrets(ctx)
    draft = submission.SubmissionDraft(ctx, secrets_)
    draft.choose(recipient=None, path=None, category=None)
    upload = draft.open_file("half.bin")
    upload.write(b"z" * 300_000)
    draft.discard()
    folder = ctx.store.folder(secrets_.lookup_id)
    assert not folder.exists() or not any(folder.iterdir())


def test_delete_reply_and_conversation(ctx: CoreContext, confidant_a: int) -> None:
    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="hello")
    with ctx.sessions() as db:
        reporter_id = db.scalar(select(Reporter.id))
    reply = replies.reply_to_reporter(
        ctx, reporter_id=reporter_id, confidant_id=confidant_a, text="reply"
    )
    with pytest.raises(ItemNotFound):
        reporting_conversation.delete_reply(ctx, secrets_, reply.id + 100)
    reporting_conversation.delete_reply(ctx, secrets_, reply.id)
    assert [e.kind for e in reporting_conversation.load_conversation(ctx, secrets_).entries] == ["message"]
    reporting_conversation.delete_conversation(ctx, secrets_)
    assert not ctx.store.folder(secrets_.lookup_id).exists()
    with pytest.raises(UnknownCodename):
        reporting_conversation.load_conversation(ctx, secrets_)
    with ctx.sessions() as db:
        assert db.scalar(select(Item.id)) is None


def test_reporter_dates_are_days_and_keys_have_fixed_time(
    ctx: CoreContext, confidant_a: int
) -> None:
    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="x")
    with ctx.sessions() as db:
        reporter = db.scalar(select(Reporter))
        assert reporter is not None
        assert type(reporter.created_on).__name__ == "date"
        public = reporter.public_key
    from kring.crypto.ephemeral import ephemeral_home

    with ephemeral_home() as home:
        shown = home.run(
            ["--with-colons", "--import-options", "show-only", "--import"],
            input_bytes=public.encode(),
        )
    created = {
        line.split(":")[5]
        for line in shown.stdout.decode().splitlines()
        if line.startswith(("pub", "sub"))
    }
    assert created == {"946684800"}  # 2000-01-01: reveals nothing


def test_reporter_key_locked_with_derived_passphrase(ctx: CoreContext, confidant_a: int) -> None:
    from kring.crypto.decrypt import decrypt_with_locked_key
    from kring.crypto.errors import DecryptionFailed

    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="x")
    with ctx.sessions() as db:
        reporter_id = db.scalar(select(Reporter.id))
        secret_key = db.scalar(select(Reporter.secret_key))
    replies.reply_to_reporter(ctx, reporter_id=reporter_id, confidant_id=confidant_a, text="r")
    [(_, _), (_, reply_ct)] = _blobs(ctx, secrets_.lookup_id)
    assert decrypt_with_locked_key(secret_key, secrets_.passphrase, [reply_ct]) == [b"r"]
    other = _secrets(ctx, "other words entirely for a test here")
    with pytest.raises(DecryptionFailed):
        decrypt_with_locked_key(secret_key, other.passphrase, [reply_ct])


def test_read_blob_stream(ctx: CoreContext, confidant_a: int) -> None:
    secrets_ = _secrets(ctx)
    _submit(ctx, secrets_, message="x")
    [(item, ciphertext)] = _blobs(ctx, secrets_.lookup_id)
    with reporting_conversation.read_blob_stream(ctx, secrets_.lookup_id, item.blob_name) as stream:
        assert isinstance(stream, io.BufferedReader)
        assert stream.read() == ciphertext


def test_login_derives_for_known_codenames_and_filters_unknown_ones_first(
    ctx: CoreContext, confidant_a: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A known codename costs both derivations; one no conversation can have costs none.

    A codename whose pre-filter tag collides with a conversation's is derived in
    full, like a known one (kring.core.codenames.prefilter).
    """
    from kring.core.codenames import kdf, prefilter

    known, _ = access.new_codename(ctx, "en")
    _submit(ctx, access.derive_secrets(ctx, known), message="x")
    unknown, _ = access.new_codename(ctx, "en")
    calls: list[int] = []
    original = kdf._derive

    def counting(codename: str, salt: bytes, cost):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(codename, salt, cost)

    monkeypatch.setattr(kdf, "_derive", counting)
    access.login(ctx, known)
    assert len(calls) == 2
    with pytest.raises(UnknownCodename):
        access.login(ctx, unknown)
    assert len(calls) == 2  # filtered out before any derivation
    # A tag that collides: derived in full, then not found.
    monkeypatch.setattr(access, "prefilter_tag", lambda _c, _s: prefilter.prefilter_tag(known, _s))
    with pytest.raises(UnknownCodename):
        access.login(ctx, unknown)
    assert len(calls) == 4
