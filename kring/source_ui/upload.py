"""Streaming multipart parsing of a submission straight into gpg.

Werkzeug's form parser would spool large files to /tmp in plaintext, so the
submit view never touches ``request.form``/``request.files``: this module reads
``request.stream`` in 1 MiB chunks and hands each file's bytes to a
``core.reporting.FileUpload``, which pipes them into ``gpg --encrypt``. Memory
stays flat (the parser's chunk plus gpg's bounded queue) whatever the size.

The form puts the small fields (CSRF token, recipient, path, category,
message) before the files; a file arriving before them is refused, because the
recipients must be known before a single byte is encrypted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from streaming_form_data import StreamingFormDataParser
from streaming_form_data.parser import ParseFailedException, parse_content_boundary
from streaming_form_data.targets import BaseTarget
from werkzeug.exceptions import ClientDisconnected

from kring.core.errors import KringError
from kring.core.reporting.submission import SubmissionDraft
from kring.core.reporting.uploads import FileUpload
from kring.source_ui.refill import FormEcho
from kring.web.body import BodyTooSlow

READ_CHUNK = 1024 * 1024
SMALL_FIELDS = (
    "csrf_token",
    "form_token",
    "recipient",
    "path",
    "category",
    "counted",
    "unit",
    "keep_copy",
)


class UploadError(Exception):
    """The body is not an acceptable submission; ``status`` says which 4xx."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class BadCsrf(UploadError):
    """The form's security token is missing its match, forged or expired."""

    def __init__(self) -> None:
        super().__init__("the form's security token is not valid", 400)


class TooLarge(UploadError):
    """The submission is larger than the instance allows."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 413)


class ClientGone(UploadError):
    """The body ended before the multipart end marker (aborted upload)."""


class TooSlow(UploadError):
    """The body arrived slower than the instance's minimum upload rate."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 408)


class _ValueTarget(BaseTarget):
    """A small text field kept in memory, with a hard size cap."""

    def __init__(self, limit: int, on_finish: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0
        self._on_finish = on_finish
        self.seen = False

    def on_start(self) -> None:
        self.seen = True

    def on_data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            raise UploadError("a form field is too long", 413)
        self._chunks.append(chunk)

    def on_finish(self) -> None:
        if self._on_finish is not None:
            self._on_finish()

    @property
    def text(self) -> str:
        try:
            return b"".join(self._chunks).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UploadError("the form text is not valid UTF-8") from exc

    @property
    def lenient_text(self) -> str:
        """What arrived so far, for refilling the form (never raises)."""
        return b"".join(self._chunks).decode("utf-8", "replace")


class _FilesTarget(BaseTarget):
    """Every file part named ``files``: each is streamed into its own FileUpload."""

    def __init__(self, begin_file: Callable[[str], FileUpload]) -> None:
        super().__init__()
        self._begin_file = begin_file
        self._current: FileUpload | None = None
        self._pending_empty = False
        self.count = 0

    def on_start(self) -> None:
        raw_name: str | None = getattr(self, "multipart_filename", None)
        self.multipart_filename = None
        if raw_name is None:
            raise UploadError("a file part has no file name")
        if raw_name == "":
            # A browser sends an empty part with no name when no file was
            # chosen: nothing to store.
            self._pending_empty = True
            return
        self._current = self._begin_file(raw_name)
        self.count += 1

    def on_data_received(self, chunk: bytes) -> None:
        if self._pending_empty:
            if chunk:
                raise UploadError("a file without a name")
            return
        if self._current is None:
            raise UploadError("file data outside a file")
        self._current.write(chunk)

    def on_finish(self) -> None:
        if self._pending_empty:
            self._pending_empty = False
            return
        if self._current is not None:
            current, self._current = self._current, None
            current.finish()


@dataclasses.dataclass
class ParsedSubmission:
    """The small fields of a parsed submission (files are already in the draft)."""

    csrf_token: str
    message: str
    files: int
    form_token: str = ""


def parse_submission(
    *,
    chunks: Iterator[bytes],
    content_type: str,
    content_length: int | None,
    max_bytes: int,
    max_message_bytes: int,
    draft: SubmissionDraft,
    check_csrf: Callable[[str], None],
    echo: FormEcho | None = None,
) -> ParsedSubmission:
    """Parse the body into ``draft``; raise UploadError (4xx) on bad input.

    Invariant: plaintext leaves this function only into gpg's pipe and, when
    given, ``echo`` (memory, to refill the form after an error); on any error
    the caller discards the draft, which removes every temp and published file
    of this submission.
    """
    if content_length is not None and content_length > max_bytes:
        raise TooLarge("the submission is larger than allowed")
    try:
        headers = {"Content-Type": content_type}
        ender = b"--" + parse_content_boundary(headers) + b"--"
        parser = StreamingFormDataParser(headers=headers)
    except ParseFailedException as exc:
        raise UploadError("this is not a form upload") from exc

    fields: dict[str, _ValueTarget] = {name: _ValueTarget(4096) for name in SMALL_FIELDS}
    message = _ValueTarget(max_message_bytes)
    csrf_checked = False

    def ensure_ready() -> None:
        nonlocal csrf_checked
        if not csrf_checked:
            if not fields["csrf_token"].seen:
                raise UploadError("the form is incomplete (security token missing)")
            check_csrf(fields["csrf_token"].text)
            csrf_checked = True
        if not draft.chosen:
            draft.choose(
                recipient=fields["recipient"].text or None,
                path=fields["path"].text or None,
                category=fields["category"].text or None,
                counted=fields["counted"].text or None,
                unit=fields["unit"].text or None,
                keep_copy=fields["keep_copy"].text or None,
            )

    def begin_file(name: str) -> FileUpload:
        ensure_ready()
        return draft.open_file(name)

    files = _FilesTarget(begin_file)
    for name, target in fields.items():
        parser.register(name, target)
    parser.register("message", message)
    parser.register("files", files)

    received = 0
    tail = b""
    try:
        for chunk in chunks:
            received += len(chunk)
            if received > max_bytes:
                raise TooLarge("the submission is larger than allowed")
            tail = (tail + chunk[-512:])[-512:]
            parser.data_received(chunk)
    except ParseFailedException as exc:
        raise UploadError("the upload could not be read") from exc
    except (KringError, UploadError):
        raise
    except BodyTooSlow as exc:
        raise TooSlow("the upload was too slow") from exc
    except (OSError, ClientDisconnected) as exc:
        raise ClientGone("the upload was interrupted") from exc
    finally:
        if echo is not None:
            _fill_echo(echo, fields, message, files.count)
    # A complete multipart body ends with "--<boundary>--"; anything else is an
    # upload cut off between parts.
    if content_length is not None and received < content_length:
        raise ClientGone("the upload was interrupted")
    if ender not in tail:
        raise ClientGone("the upload was interrupted")
    ensure_ready()
    text = message.text
    draft.set_message(text.replace("\r\n", "\n"))
    return ParsedSubmission(
        csrf_token=fields["csrf_token"].text,
        message=text,
        files=files.count,
        form_token=fields["form_token"].text,
    )


def _fill_echo(
    echo: FormEcho, fields: dict[str, _ValueTarget], message: _ValueTarget, files: int
) -> None:
    for name, target in fields.items():
        echo.set(name, target.lenient_text)
    echo.set("message", message.lenient_text.replace("\r\n", "\n"))
    echo.files = max(echo.files, files)


class _StopAtFirstFile(Exception):
    """Raised by the salvage parser once the small fields are all in."""


class _CountFileThenStop(BaseTarget):
    def __init__(self, echo: FormEcho) -> None:
        super().__init__()
        self._echo = echo

    def on_start(self) -> None:
        if getattr(self, "multipart_filename", None):
            self._echo.files += 1
        # The form puts every small field before the files: nothing more to read.
        raise _StopAtFirstFile


def salvage_fields(
    *, chunks: Iterator[bytes], content_type: str, limit: int, max_message_bytes: int
) -> FormEcho:
    """Read a refused submission's small fields and message, and nothing else.

    Used when a submission is refused before it is stored (too large, session
    ended) so the reporter gets the form back with what they chose and typed.
    Reads at most ``limit`` bytes and stops at the first file part; no file
    byte is kept and nothing reaches gpg or disk. Never raises: a body that
    cannot be read gives whatever arrived.
    """
    echo = FormEcho()
    try:
        parser = StreamingFormDataParser(headers={"Content-Type": content_type})
    except (ParseFailedException, ValueError):
        return echo
    fields = {name: _ValueTarget(4096) for name in SMALL_FIELDS}
    message = _ValueTarget(max_message_bytes)
    for name, target in fields.items():
        parser.register(name, target)
    parser.register("message", message)
    parser.register("files", _CountFileThenStop(echo))
    received = 0
    try:
        for chunk in chunks:
            received += len(chunk)
            parser.data_received(chunk)
            if received >= limit:
                break
    except (_StopAtFirstFile, ParseFailedException, UploadError, OSError, ClientDisconnected):
        pass
    _fill_echo(echo, fields, message, 0)
    return echo
