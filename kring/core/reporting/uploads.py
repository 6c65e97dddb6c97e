"""One file of a submission, encrypted into the store while its bytes arrive.

Invariant: plaintext only passes through memory and gpg's pipe; the store
only ever gets a temp file that is published complete or removed.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kring.core.errors import SubmissionFailed
from kring.crypto.encrypt import StreamEncryptor
from kring.crypto.errors import CryptoError
from kring.crypto.writeback import EarlyWriteback

if TYPE_CHECKING:  # the draft creates its uploads; an upload only reports back to it
    from kring.core.reporting.submission import SubmissionDraft


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
