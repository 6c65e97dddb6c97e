"""HTTP/1.1 framing after an early answer: drain a small unread body or close.

When a view answers before it has read the request body (a redirect to the
login page, a 413, a bad choice in the submit form), the unread bytes are still
on the connection. If the answer said ``keep-alive``, the browser sends its next
request on that connection, and the server parses leftover body bytes as that
request, or closes the connection under it: the page the reporter clicks next
never comes. This middleware settles the body at the moment the answer starts:

- nothing left unread: keep-alive as usual;
- at most ``DRAIN_MAX_BYTES`` left: read and discard it, within
  ``DRAIN_SECONDS``;
- anything else (a large or stalled body, a chunked body, a body the fast
  path of kring.web.body left half read): the answer says
  ``Connection: close`` and gunicorn closes gracefully after sending it
  (half-close, then a short linger), so the browser reads the page and opens a
  new connection for its next request.

It needs the gunicorn request of the current thread, which
``kring.web.gunicorn_worker`` provides; under other servers it does nothing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kring.web.body import FAST_BODY_LEFT

try:  # gunicorn is the production server; without it there is nothing to settle.
    from gunicorn.http.body import Body, LengthReader
except ImportError:  # pragma: no cover - gunicorn is a server dependency
    Body = LengthReader = None  # type: ignore[assignment,misc]

DRAIN_MAX_BYTES = 256 * 1024
DRAIN_SECONDS = 2.0

_current = threading.local()

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@contextlib.contextmanager
def serving(request: Any) -> Iterator[None]:
    """Make gunicorn's ``request`` the current thread's while it is served."""
    _current.request = request
    try:
        yield
    finally:
        _current.request = None


def _drain(left: int, read: Callable[[int], bytes], sock: Any) -> bool:
    """Read and discard ``left`` bytes with ``read``; False if they did not all come in time."""
    deadline = time.monotonic() + DRAIN_SECONDS
    prior = sock.gettimeout()
    try:
        while left > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            sock.settimeout(remaining)
            data = read(min(64 * 1024, left))
            if not data:
                return False
            left -= len(data)
    except OSError:  # timeout or reset: the rest of the body never came
        return False
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(prior)
    return True


def body_settled(environ: dict[str, Any]) -> bool:
    """Whether the connection can carry another request after this answer.

    Invariant: True only when every byte of this request's body has been taken
    off the connection (drained here if it was small), so the next bytes on it
    are the next request.
    """
    body = environ.get("wsgi.input")
    if Body is None or not isinstance(body, Body):
        return True
    sock = environ.get("gunicorn.socket")
    if body.failed:
        # kring.web.body took the body off gunicorn and its reader stopped
        # early (or a read raised: then nothing says how much is left).
        left = environ.get(FAST_BODY_LEFT)
        if left is None or left > DRAIN_MAX_BYTES or sock is None:
            return False
        if not _drain(left, sock.recv, sock):
            return False
        environ[FAST_BODY_LEFT] = 0
        body.failed = False
        return True
    reader = body.reader
    if not isinstance(reader, LengthReader):
        return False  # chunked or read-to-EOF: where it ends is not known cheaply
    if reader.length == 0:
        return True
    if reader.length > DRAIN_MAX_BYTES:
        return False
    return sock is not None and _drain(reader.length, body.read, sock)


class SettleBodyMiddleware:
    """WSGI middleware: at the start of every answer, settle the request body."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Run the app; force ``Connection: close`` when the body cannot be settled."""

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            request = getattr(_current, "request", None)
            if request is not None and not body_settled(environ):
                request.force_close()
            return start_response(status, headers, exc_info)

        return self._app(environ, start)
