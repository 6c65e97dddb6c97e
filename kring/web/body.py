"""Reading a large request body with as few copies as possible.

gunicorn hands the app a body reader that buffers through two BytesIO layers
(about six copies of every byte); Werkzeug's LimitedStream adds one more. For
a 500 MB upload that is gigabytes of memcpy on a 2-core machine that also runs
gpg. When the body has a known length and gunicorn's reader is the one we know,
this module reads what gunicorn already buffered and then ``recv`` straight
from the socket. Anything else falls back to
``wsgi.input`` (Flask's test client, other servers, chunked bodies).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

try:  # gunicorn is the production server; its absence only disables the fast path.
    from gunicorn.http.body import Body, LengthReader
    from gunicorn.http.unreader import SocketUnreader
except ImportError:  # pragma: no cover - gunicorn is a server dependency
    Body = LengthReader = SocketUnreader = None  # type: ignore[assignment,misc]


def read_timeout_seconds() -> float:
    """Seconds of silence after which Kring's worker gives up reading a request's head."""
    return float(os.environ.get("KRING_READ_TIMEOUT", "30"))


FAST_BODY_LEFT = "kring.fast_body_left"


class BodyTruncated(OSError):
    """The client closed the connection before the declared length arrived."""


class BodyTooSlow(OSError):
    """The client went silent, or sent slower than the minimum rate."""


@dataclasses.dataclass(frozen=True)
class UploadPace:
    """How slow a body may arrive before the upload is given up.

    ``read_timeout_s``: the longest silence between two reads.
    ``min_bytes_per_s``: the lowest average rate, checked once ``grace_s`` have
    passed, so a slow start over Tor is not punished but a client trickling a
    few bytes a second cannot hold a thread for hours.
    """

    read_timeout_s: float = 60.0
    min_bytes_per_s: int = 500
    grace_s: float = 30.0

    def check(self, received: int, started: float, now: float) -> None:
        """Raise BodyTooSlow if ``received`` bytes since ``started`` is below the minimum."""
        elapsed = now - started
        if elapsed > self.grace_s and received < self.min_bytes_per_s * elapsed:
            raise BodyTooSlow("the upload is slower than the minimum rate")


def _gunicorn_parts(environ: dict[str, Any]) -> tuple[Any, bytes, socket.socket, int] | None:
    if not fast_path_applies(environ):
        return None
    body = environ["wsgi.input"]
    sock = environ["gunicorn.socket"]
    reader = body.reader
    # Bytes gunicorn already pulled off the socket: its Body buffer first,
    # then the unreader's read-ahead, limited to what belongs to this body.
    held = body.buf.getvalue()
    body.buf.seek(0)
    body.buf.truncate()
    ahead = reader.unreader.take_buffered()
    remaining = reader.length
    mine, rest = ahead[:remaining], ahead[remaining:]
    if rest:
        reader.unreader.unread(rest)  # pipelined next request: give it back
    reader.length = 0  # the body is ours now; gunicorn must not read it again
    # Until every byte is read, the connection must not be reused: gunicorn
    # closes it instead of parsing the rest of this body as a new request.
    body.failed = True
    return body, held + mine, sock, remaining - len(mine)


def fast_path_applies(environ: dict[str, Any]) -> bool:
    """Whether ``iter_body`` would read this request straight from gunicorn's socket."""
    body = environ.get("wsgi.input")
    reader = getattr(body, "reader", None)
    return (
        Body is not None
        and isinstance(body, Body)
        and isinstance(environ.get("gunicorn.socket"), socket.socket)
        and isinstance(reader, LengthReader)
        and isinstance(reader.unreader, SocketUnreader)
        and reader.unreader.sock is environ.get("gunicorn.socket")
    )


def iter_body(
    environ: dict[str, Any], fallback: Any, chunk_size: int, pace: UploadPace | None = None
) -> Iterator[bytes]:
    """Yield the request body in chunks of at most ``chunk_size`` bytes.

    ``fallback`` is a file-like to read when the fast path does not apply
    (normally ``request.stream``). Raises BodyTruncated when the client goes
    away before the declared length, BodyTooSlow when it breaks ``pace``.
    """
    pace = pace or UploadPace()
    started = time.monotonic()
    parts = _gunicorn_parts(environ)
    if parts is None:
        received = 0
        while chunk := fallback.read(chunk_size):
            received += len(chunk)
            pace.check(received, started, time.monotonic())
            yield chunk
        return
    body, first, sock, remaining = parts
    # What is left on the socket, for kring.web.framing to drain or close on
    # when the caller stops reading early.
    environ[FAST_BODY_LEFT] = remaining
    received = len(first)
    if first:
        yield first
    prior_timeout = sock.gettimeout()
    # The worker set its head-reading timeout; a caller that set a shorter
    # one before reading (salvaging a refused form's text) keeps it.
    if prior_timeout is None or prior_timeout >= pace.read_timeout_s or (
        prior_timeout >= read_timeout_seconds()
    ):
        sock.settimeout(pace.read_timeout_s)
    try:
        while remaining > 0:
            # recv() builds the bytes object straight from the socket: one copy, where
            # recv_into a reused buffer plus bytes() for the parser would be two.
            try:
                chunk = sock.recv(min(chunk_size, remaining))
                if not chunk:
                    raise BodyTruncated("client closed the connection")
                remaining -= len(chunk)
                environ[FAST_BODY_LEFT] = remaining
                if remaining == 0:
                    body.failed = False  # every byte is off the socket
                received += len(chunk)
                pace.check(received, started, time.monotonic())
            except TimeoutError as exc:
                environ[FAST_BODY_LEFT] = None  # not worth draining: close after the answer
                raise BodyTooSlow("the client went silent") from exc
            except OSError:
                environ[FAST_BODY_LEFT] = None
                raise
            yield chunk
    finally:
        sock.settimeout(prior_timeout)
    body.failed = False  # also when the whole body was already buffered
