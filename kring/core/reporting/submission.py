"""A submission, all or nothing: first report or follow-up, files and message.

Security invariants kept here:
- plaintext (messages, files, file names, codenames) only ever passes
  through memory and gpg pipes; the store and database get ciphertext;
- a reporter's records carry dates, never times;
- every ciphertext file is published and then the rows are committed in one
  transaction; on any failure the published files are removed again and the
  reporter is told nothing was sent.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kring.core.accounts.confidants import resolve_recipients
from kring.core.codenames.kdf import ReporterSecrets
from kring.core.codenames.kdf_pool import Purpose
from kring.core.codenames.phrases import generate_designation
from kring.core.context import CoreContext
from kring.core.errors import EmptySubmission, InvalidChoice, MessageTooLong, SubmissionFailed
from kring.core.insights.counters import count_consent
from kring.core.models import (
    Category,
    Confidant,
    Item,
    ItemKind,
    ItemRecipient,
    Reporter,
    ReporterPath,
)
from kring.core.reporting.access import find_reporter
from kring.core.reporting.fields import check_file_name, parse_category, parse_path, parse_unit
from kring.core.reporting.keypair import _KeyPairInBackground
from kring.core.reporting.uploads import FileUpload, _PendingFile
from kring.core.storage.sizes import size_bucket
from kring.crypto.encrypt import encrypt_bytes
from kring.crypto.errors import CryptoError
from kring.crypto.keys import GeneratedKeyPair, generate_reporter_keypair
from kring.crypto.signing import ReporterSigner


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
        self._reporter = find_reporter(ctx, self.lookup_id)
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
