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

import socket
from collections.abc import Iterator
from typing import Any

try:  # gunicorn is the production server; its absence only disables the fast path.
    from gunicorn.http.body import Body, LengthReader
    from gunicorn.http.unreader import SocketUnreader
except ImportError:  # pragma: no cover - gunicorn is a server dependency
    Body = LengthReader = SocketUnreader = None  # type: ignore[assignment,misc]


class BodyTruncated(OSError):
    """The client closed the connection before the declared length arrived."""


def _gunicorn_parts(environ: dict[str, Any]) -> tuple[Any, bytes, socket.socket, int] | None:
    body = environ.get("wsgi.input")
    sock = environ.get("gunicorn.socket")
    if Body is None or not isinstance(body, Body) or not isinstance(sock, socket.socket):
        return None
    reader = body.reader
    if not isinstance(reader, LengthReader) or not isinstance(reader.unreader, SocketUnreader):
        return None
    if reader.unreader.sock is not sock:
        return None
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


def iter_body(environ: dict[str, Any], fallback: Any, chunk_size: int) -> Iterator[bytes]:
    """Yield the request body in chunks of at most ``chunk_size`` bytes.

    ``fallback`` is a file-like to read when the fast path does not apply
    (normally ``request.stream``). Raises BodyTruncated when the client goes
    away before the declared length.
    """
    parts = _gunicorn_parts(environ)
    if parts is None:
        while chunk := fallback.read(chunk_size):
            yield chunk
        return
    body, first, sock, remaining = parts
    if first:
        yield first
    while remaining > 0:
        # recv() builds the bytes object straight from the socket: one copy, where
        # recv_into a reused buffer plus bytes() for the parser would be two.
        chunk = sock.recv(min(chunk_size, remaining))
        if not chunk:
            raise BodyTruncated("client closed the connection")
        remaining -= len(chunk)
        yield chunk
    body.failed = False
