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


def _drain(body: Any, reader: Any, sock: Any) -> bool:
    """Read and discard what is left of a small body; False if it did not all come."""
    deadline = time.monotonic() + DRAIN_SECONDS
    prior = sock.gettimeout()
    try:
        while reader.length > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            sock.settimeout(remaining)
            if not body.read(min(64 * 1024, reader.length)):
                return False
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
    if body.failed:  # a read raised, or kring.web.body took the body and stopped early
        return False
    reader = body.reader
    if not isinstance(reader, LengthReader):
        return False  # chunked or read-to-EOF: where it ends is not known cheaply
    if reader.length == 0:
        return True
    if reader.length > DRAIN_MAX_BYTES:
        return False
    sock = environ.get("gunicorn.socket")
    return sock is not None and _drain(body, reader, sock)


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
