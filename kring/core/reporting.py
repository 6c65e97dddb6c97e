"""The reporter's side of a conversation: codenames, submissions, replies, deletion.

Security invariants kept here:
- plaintext (messages, files, file names, replies, codenames) only ever passes
  through memory and gpg pipes; the store and database get ciphertext;
- a reporter's records carry dates, never times;
- a submission is all or nothing: every ciphertext file is published and then
  the rows are committed in one transaction; on any failure the published
  files are removed again and the reporter is told nothing was sent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
import unicodedata
from collections.abc import Callable
from typing import IO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kring.core.audit import forget_conversation
from kring.core.codenames import generate_codename, generate_designation, normalise_codename
from kring.core.confidants import resolve_recipients
from kring.core.context import CoreContext
from kring.core.deletion_notices import record_deletion
from kring.core.errors import (
    EmptySubmission,
    InvalidChoice,
    InvalidFileName,
    ItemNotFound,
    MessageTooLong,
    SubmissionFailed,
    UnknownCodename,
)
from kring.core.insights.counters import count_consent
from kring.core.kdf import ReporterSecrets, derive_reporter_secrets
from kring.core.kdf_pool import Purpose
from kring.core.leftovers import remove_conversation_files
from kring.core.models import (
    Category,
    Confidant,
    Item,
    ItemKind,
    ItemRecipient,
    Reporter,
    ReporterPath,
    Unit,
)
from kring.core.prefilter import may_be_known, prefilter_tag
from kring.core.retention import deletion_day
from kring.core.sizes import size_bucket
from kring.crypto.decrypt import decrypt_with_locked_key
from kring.crypto.encrypt import StreamEncryptor, encrypt_bytes
from kring.crypto.errors import CryptoError
from kring.crypto.keys import GeneratedKeyPair, generate_reporter_keypair
from kring.crypto.signing import ReporterSigner
from kring.crypto.writeback import EarlyWriteback

MAX_FILE_NAME_BYTES = 255


def derive_secrets(ctx: CoreContext, codename: str) -> ReporterSecrets:
    """argon2id-derive the lookup id and passphrase with this instance's salts and cost.

    Costly (two 64 MiB derivations): callers run it in ``ctx.kdf_pool``.
    """
    s = ctx.settings
    secrets_ = derive_reporter_secrets(
        codename, lookup_salt=s.lookup_salt, passphrase_salt=s.passphrase_salt, cost=s.kdf
    )
    return dataclasses.replace(secrets_, prefilter_tag=prefilter_tag(codename, s.lookup_salt))


def _find_reporter(ctx: CoreContext, lookup_id: str) -> Reporter | None:
    with ctx.sessions() as db:
        return db.scalar(select(Reporter).where(Reporter.lookup_id == lookup_id))


def new_codename(ctx: CoreContext, language: str) -> tuple[str, ReporterSecrets]:
    """A fresh codename and its derived secrets, for a reporter's first visit.

    Invariant: nothing is stored; the conversation (and reply key) is created
    only with the first submission, so handing out codenames costs no disk and
    leaves no trace of visitors who never wrote.
    """

    def fresh() -> tuple[str, ReporterSecrets]:
        while True:
            codename = generate_codename(language)
            secrets_ = derive_secrets(ctx, codename)
            if _find_reporter(ctx, secrets_.lookup_id) is None:
                return codename, secrets_

    # Raises KdfBusy when the pool (or this minute's creation cap) is full.
    return ctx.kdf_pool.run(Purpose.NEW_CODENAME, fresh)


def login(ctx: CoreContext, raw_codename: str) -> ReporterSecrets:
    """Check a codename and return its secrets for the reporter's session.

    Raises MalformedCodename, LoginThrottled, KdfBusy or UnknownCodename. A
    codename no conversation can have (kring.core.prefilter) is refused before
    any derivation, so guessing costs the server an HMAC; the rest are
    counted against the global throttle and derived in the pool's login share
    (both derivations always run, so known and unknown codenames that pass the
    filter take the same time).
    """
    codename = normalise_codename(raw_codename)
    if not may_be_known(ctx, prefilter_tag(codename, ctx.settings.lookup_salt)):
        raise UnknownCodename("no conversation for this codename")  # no derivation spent
    ctx.throttle.check_global()
    secrets_ = ctx.kdf_pool.run(Purpose.LOGIN, lambda: derive_secrets(ctx, codename))
    ctx.throttle.check_lookup(secrets_.lookup_id)
    reporter = _find_reporter(ctx, secrets_.lookup_id)
    if reporter is None:
        raise UnknownCodename("no conversation for this codename")
    if reporter.prefilter_tag is None:
        _set_prefilter_tag(ctx, reporter.id, secrets_.prefilter_tag)
    return secrets_


def _set_prefilter_tag(ctx: CoreContext, reporter_id: int, tag: int | None) -> None:
    """Give a conversation from before the pre-filter its tag, at its reporter's login."""
    with ctx.sessions.begin() as db:
        found = db.get(Reporter, reporter_id)
        if found is not None:
            found.prefilter_tag = tag


def has_conversation(ctx: CoreContext, secrets_: ReporterSecrets) -> bool:
    """Whether this codename has sent anything yet."""
    return _find_reporter(ctx, secrets_.lookup_id) is not None


def current_path(ctx: CoreContext, secrets_: ReporterSecrets) -> str | None:
    """The path the conversation is on, or None before the first message."""
    reporter = _find_reporter(ctx, secrets_.lookup_id)
    return reporter.path if reporter is not None else None


def check_file_name(name: str) -> str:
    """Accept a file name as the reporter's browser sent it, or raise InvalidFileName.

    No path separators, no control characters, at most 255 bytes: the name is
    only ever stored inside ciphertext, but the workstation writes files under
    it, so it must not be able to point anywhere else.
    """
    if not name or name in {".", ".."}:
        raise InvalidFileName("empty file name")
    if "/" in name or "\\" in name:
        raise InvalidFileName("file names cannot contain / or \\")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        raise InvalidFileName("file names cannot contain control characters")
    if len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        raise InvalidFileName("file name too long")
    return name


def parse_path(value: str | None) -> ReporterPath:
    """The reporter's chosen path; empty means 'just talk'."""
    if not value:
        return ReporterPath.JUST_TALK
    try:
        return ReporterPath(value)
    except ValueError as exc:
        raise InvalidChoice("unknown path") from exc


def parse_category(value: str | None) -> Category | None:
    """The optional category; empty means not given."""
    if not value:
        return None
    try:
        return Category(value)
    except ValueError as exc:
        raise InvalidChoice("unknown category") from exc


def parse_unit(ctx: CoreContext, value: str | None) -> str | None:
    """The optional coarse unit; it must be one from the admin's list."""
    if not value:
        return None
    with ctx.sessions() as db:
        if db.scalar(select(Unit.name).where(Unit.name == value)) is None:
            raise InvalidChoice("unknown unit")
    return value


@dataclasses.dataclass
class _PendingFile:
    name: str
    blob_name: str
    size: int


class FileUpload:
    """One file being encrypted into the store while its bytes arrive."""

    def __init__(self, draft: SubmissionDraft, name: str) -> None:
        self._draft = draft
        self.name = name
        self._temp_path, self._handle = draft.ctx.store.open_temp(draft.lookup_id)
        try:
            self._encryptor = StreamEncryptor(
                draft.ctx.gpg,
                draft.recipient_keys,
                self._handle,
                filename=name,
                signer=draft.signer(),
            )
        except BaseException:
            draft.ctx.store.discard(self._temp_path, self._handle)
            raise
        # gpg writes the ciphertext file; nudging its writeback as the plaintext streams in
        # keeps the fsync in finish() from writing the whole file while the reporter waits.
        self._writeback = EarlyWriteback(self._handle.fileno())
        self._done = False

    def write(self, chunk: bytes) -> None:
        """Pass plaintext on to gpg (memory only)."""
        try:
            self._encryptor.write(chunk)
            self._writeback.progress(self._encryptor.bytes_in)
        except CryptoError as exc:
            self.abort()
            raise SubmissionFailed(str(exc)) from exc

    def finish(self) -> None:
        """Wait for gpg, then publish the ciphertext file under its final name."""
        try:
            self._encryptor.finish()
            size = self._handle.tell()
            blob = self._draft.ctx.store.publish(
                self._draft.lookup_id, self._temp_path, self._handle
            )
        except (CryptoError, OSError) as exc:
            self.abort()
            raise SubmissionFailed(str(exc)) from exc
        self._done = True
        self._draft._files.append(_PendingFile(self.name, blob, size))
        self._draft._open_upload = None

    def abort(self) -> None:
        """Stop gpg and remove the temp file."""
        if self._done:
            return
        self._done = True
        self._encryptor.abort()
        self._draft.ctx.store.discard(self._temp_path, self._handle)
        self._draft._open_upload = None


class SubmissionDraft:
    """Collects one submission; nothing counts until ``commit``.

    Use: ``choose(...)`` first (recipients must be known before any file is
    encrypted), then any number of ``open_file``/``set_message``, then
    ``commit`` or ``discard``. Always call ``discard`` in a ``finally``: it
    removes whatever an unfinished submission left.
    """

    def __init__(self, ctx: CoreContext, secrets_: ReporterSecrets) -> None:
        self.ctx = ctx
        self.secrets = secrets_
        self.lookup_id = secrets_.lookup_id
        self._reporter = _find_reporter(ctx, self.lookup_id)
        self._new_keys: GeneratedKeyPair | None = None
        self._keys_in_background: _KeyPairInBackground | None = None
        self.recipients: list[Confidant] = []
        self.recipient_keys: list[str] = []
        self._recipient_id: int | None = None
        self._path: ReporterPath | None = None
        self._counted = False
        self._keep_copy = False
        self._unit: str | None = None
        self._category: Category | None = None
        self._message = ""
        self._files: list[_PendingFile] = []
        self._open_upload: FileUpload | None = None
        self._committed = False
        self._signer: ReporterSigner | None = None
        self._hold: contextlib.ExitStack | None = None

    def _hold_folder(self) -> None:
        # From the first file stored to the commit, the folder is held: the sweep
        # must not take published files without rows for leftovers.
        if self._hold is None:
            self._hold = self.ctx.store.hold(self.lookup_id)

    def _release_folder(self) -> None:
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    @property
    def is_new_conversation(self) -> bool:
        """True for a reporter's first submission."""
        return self._reporter is None

    @property
    def committed(self) -> bool:
        """Whether ``commit`` stored this submission."""
        return self._committed

    @property
    def chosen(self) -> bool:
        """Whether recipients are resolved (files may be opened)."""
        return bool(self.recipient_keys)

    def choose(
        self,
        *,
        recipient: str | None,
        path: str | None,
        category: str | None,
        counted: str | None = None,
        unit: str | None = None,
        keep_copy: str | None = None,
    ) -> None:
        """Resolve who may read this submission and what the reporter wants.

        The first submission fixes the conversation's addressee ("all" or one
        confidant); later ones go to the same confidants. ``counted`` is the
        reporter's explicit answer to "may this be counted in anonymous
        statistics?": only "yes" counts; no answer means not counted.
        ``keep_copy`` ("yes") at the first message keeps a copy the reporter
        can reread; later messages follow the conversation's setting.
        """
        if keep_copy not in (None, "", "yes", "no"):
            raise InvalidChoice("unknown copy answer")
        self._keep_copy = (
            self._reporter.keep_copy if self._reporter is not None else keep_copy == "yes"
        )
        self._path = parse_path(path) if path is not None else None
        self._category = parse_category(category)
        if counted not in (None, "", "yes", "no"):
            raise InvalidChoice("unknown statistics answer")
        self._counted = counted == "yes"
        self._unit = parse_unit(self.ctx, unit)
        if self._reporter is not None:
            recipient_id = self._reporter.recipient_id
        elif recipient in (None, "", "all"):
            recipient_id = None
        else:
            try:
                recipient_id = int(str(recipient))
            except ValueError as exc:
                raise InvalidChoice("unknown recipient") from exc
        self.recipients = resolve_recipients(self.ctx, recipient_id)
        self.recipient_keys = [c.public_key for c in self.recipients if c.public_key]
        self._recipient_id = recipient_id
        if self._reporter is None and self._keys_in_background is None:
            # A first submission signs with a key pair made now (~70 ms of gpg),
            # while the rest of the form and any file are still arriving.
            self._keys_in_background = _KeyPairInBackground(self._make_key_pair)

    def signer(self) -> ReporterSigner:
        """The reporter's key, unlocked for this submission, that signs every item.

        A first submission makes the key pair here (before the first byte is
        encrypted) rather than at commit, so its files can be signed too.
        """
        if self._signer is None:
            keys = self._reporter_keys()
            try:
                self._signer = ReporterSigner(keys.secret_key, self.secrets.passphrase)
            except CryptoError as exc:
                raise SubmissionFailed(str(exc)) from exc
        return self._signer

    def _close_signer(self) -> None:
        if self._signer is not None:
            self._signer.close()
            self._signer = None

    def open_file(self, name: str) -> FileUpload:
        """Start encrypting a file; its bytes follow through ``write``."""
        if not self.chosen:
            raise InvalidChoice("choose who may read this before adding files")
        check_file_name(name)
        self._hold_folder()
        if self._reporter is None and self._keys_in_background is None:
            # A first submission needs the reporter's key pair (~70 ms of gpg) only at
            # commit; made while the file streams in, the reporter does not wait for it.
            self._keys_in_background = _KeyPairInBackground(self._make_key_pair)
        upload = FileUpload(self, name)
        self._open_upload = upload
        return upload

    def set_message(self, text: str) -> None:
        """The message text (kept in memory until commit encrypts it)."""
        if len(text) > self.ctx.settings.max_message_chars:
            raise MessageTooLong(f"at most {self.ctx.settings.max_message_chars} characters")
        self._message = text

    def commit(self) -> int:
        """Encrypt the message, store everything, add the rows; return items stored.

        All or nothing: on any failure every file this draft published is
        deleted again and SubmissionFailed (or the specific error) is raised.
        """
        if self._open_upload is not None:
            raise SubmissionFailed("a file upload did not finish")
        message = self._message.strip()
        if not message and not self._files:
            raise EmptySubmission("write a message or add a file")
        if not self.chosen:
            raise InvalidChoice("no recipient chosen")
        store = self.ctx.store
        published: list[str] = []
        self._hold_folder()
        try:
            keys = self._reporter_keys()
            entries: list[tuple[ItemKind, str, int, bytes | None]] = []
            if message:
                ciphertext = encrypt_bytes(
                    self.ctx.gpg,
                    message.encode("utf-8"),
                    self.recipient_keys,
                    signer=self.signer(),
                )
                blob = store.write_blob(self.lookup_id, ciphertext)
                published.append(blob)
                # The reporter's own copy, only if they chose one: readable with
                # their key alone, which only the codename unlocks.
                copy = (
                    encrypt_bytes(self.ctx.gpg, message.encode("utf-8"), [keys.public_key])
                    if self._keep_copy
                    else None
                )
                entries.append((ItemKind.MESSAGE, blob, len(ciphertext), copy))
            for pending in self._files:
                published.append(pending.blob_name)
                # The file name, readable only with the reporter's own key, so
                # their conversation page can list what they sent.
                label = encrypt_bytes(self.ctx.gpg, pending.name.encode("utf-8"), [keys.public_key])
                entries.append((ItemKind.FILE, pending.blob_name, pending.size, label))
            self._store_rows(keys, entries)
        except CryptoError as exc:
            self._remove(published)
            raise SubmissionFailed(str(exc)) from exc
        except (OSError, IntegrityError) as exc:
            self._remove(published)
            raise SubmissionFailed("storage failed") from exc
        except BaseException:
            self._remove(published)
            raise
        finally:
            self._close_signer()
            self._release_folder()
        self._committed = True
        return len(entries)

    def _reporter_keys(self) -> GeneratedKeyPair:
        if self._reporter is not None:
            return GeneratedKeyPair("", self._reporter.public_key, self._reporter.secret_key)
        if self._new_keys is None:
            if self._keys_in_background is not None:
                self._new_keys = self._keys_in_background.result()
            else:
                self._new_keys = self._make_key_pair()
        return self._new_keys

    def _make_key_pair(self) -> GeneratedKeyPair:
        """The first submission's key pair, made in a slot of the pool (KdfBusy when full).

        Invariant: no reporter key pair is made outside the pool, so first
        submissions, however many at once, start no more gpg processes than
        the pool has workers.
        """
        passphrase = self.secrets.passphrase
        return self.ctx.kdf_pool.run(
            Purpose.KEY_PAIR, lambda: generate_reporter_keypair(passphrase)
        )

    def _store_rows(
        self, keys: GeneratedKeyPair, entries: list[tuple[ItemKind, str, int, bytes | None]]
    ) -> None:
        today = self.ctx.today()
        with self.ctx.sessions.begin() as db:
            if self._reporter is None:
                reporter = Reporter(
                    lookup_id=self.lookup_id,
                    prefilter_tag=self.secrets.prefilter_tag,
                    designation=_free_designation(self.ctx),
                    public_key=keys.public_key,
                    secret_key=keys.secret_key,
                    path=(self._path or ReporterPath.JUST_TALK).value,
                    category=self._category.value if self._category else None,
                    recipient_id=self._recipient_id,
                    counted=self._counted,
                    keep_copy=self._keep_copy,
                    created_on=today,
                    last_activity_on=today,
                    next_seq=1,
                )
                db.add(reporter)
                db.flush()
                count_consent(db, reporter, unit=self._unit)
            else:
                found = db.get(Reporter, self._reporter.id)
                if found is None:
                    raise SubmissionFailed("conversation was deleted")
                reporter = found
                _advance_path(reporter, self._path)
                if self._category is not None and reporter.category is None:
                    reporter.category = self._category.value
                reporter.last_activity_on = today
            for kind, blob, size, label in entries:
                item = Item(
                    reporter_id=reporter.id,
                    seq=reporter.next_seq,
                    kind=kind.value,
                    created_on=today,
                    size=size_bucket(size),
                    blob_name=blob,
                    reporter_label=label,
                )
                item.recipients = [ItemRecipient(confidant_id=c.id) for c in self.recipients]
                reporter.next_seq += 1
                db.add(item)

    def _remove(self, blobs: list[str]) -> None:
        for blob in blobs:
            self.ctx.store.delete_blob(self.lookup_id, blob)
        if self._reporter is None:
            self.ctx.store.remove_empty_folder(self.lookup_id)

    def discard(self) -> None:
        """Undo an unfinished submission: abort uploads, delete its files, drop the key."""
        self._close_signer()
        if self._committed:
            return
        if self._open_upload is not None:
            self._open_upload.abort()
        if self._keys_in_background is not None:
            # Let its gpg finish and its tmpfs home go before the request ends.
            self._keys_in_background.wait()
        self._remove([f.blob_name for f in self._files])
        self._files = []
        self._release_folder()


class _KeyPairInBackground:
    """The draft's key-pair maker in a thread (it only waits on gpg, so the GIL is free).

    Invariant: the same function as in the foreground (through the pool), so the
    same guarantees: the unprotected secret exists only in gpg's tmpfs home; what
    comes back is locked with the codename's passphrase and stays in memory; a
    full pool's KdfBusy reaches the request thread in result().
    """

    def __init__(self, make: Callable[[], GeneratedKeyPair]) -> None:
        self._keys: GeneratedKeyPair | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(make,), daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], GeneratedKeyPair]) -> None:
        try:
            self._keys = make()
        except BaseException as exc:  # handed to the request thread in result()
            self._error = exc

    def wait(self) -> None:
        """Block until the key pair is made (or failed)."""
        self._thread.join()

    def result(self) -> GeneratedKeyPair:
        """The key pair, or the exception generating it raised."""
        self.wait()
        if self._error is not None:
            raise self._error
        assert self._keys is not None  # noqa: S101 - set when no error
        return self._keys


_PATH_ORDER = list(ReporterPath)


def _advance_path(reporter: Reporter, path: ReporterPath | None) -> None:
    """A reporter's path only moves forward, and only by their own choice."""
    if path is None:
        return
    if _PATH_ORDER.index(path) > _PATH_ORDER.index(ReporterPath(reporter.path)):
        reporter.path = path.value


def _free_designation(ctx: CoreContext) -> str:
    with ctx.sessions() as db:
        while True:
            candidate = generate_designation()
            if db.scalar(select(Reporter.id).where(Reporter.designation == candidate)) is None:
                return candidate


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


def load_conversation(ctx: CoreContext, secrets_: ReporterSecrets) -> ConversationView:
    """The reporter's conversation, replies and file names decrypted in memory.

    Invariant: decryption happens in a throwaway tmpfs gpg home with the key
    unlocked by the passphrase from the codename (kring.crypto.decrypt);
    nothing decrypted is stored or cached.
    """
    with ctx.sessions() as db:
        reporter = db.scalar(select(Reporter).where(Reporter.lookup_id == secrets_.lookup_id))
        if reporter is None:
            raise UnknownCodename("conversation no longer exists")
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
        reporter = db.scalar(select(Reporter).where(Reporter.lookup_id == secrets_.lookup_id))
        if reporter is None:
            raise UnknownCodename("conversation no longer exists")
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
        reporter = db.scalar(select(Reporter).where(Reporter.lookup_id == secrets_.lookup_id))
        if reporter is None:
            raise UnknownCodename("conversation no longer exists")
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


def read_blob_stream(ctx: CoreContext, lookup_id: str, blob_name: str) -> IO[bytes]:
    """Open a stored ciphertext for streaming to a confidant's download."""
    return ctx.store.open_blob(lookup_id, blob_name)
