"""A total deadline for a request's head (request line and headers).

gunicorn bounds each read of a request head only by the socket's timeout
(``KRING_READ_TIMEOUT`` of silence, set by kring.web.gunicorn_worker), so a
client that sends one byte just before each read times out holds a thread for
as long as it likes: a slowloris. Kring's worker swaps each connection's
gunicorn unreader for a ``DeadlineUnreader`` and arms it whenever a thread
takes the connection up for a new request; while armed, every read waits at
most until the deadline. Past it, or after a read timeout while the head is
still coming, ``HeadTimeout`` is raised and the worker answers
``HEAD_TIMEOUT_ANSWER`` (408, ``Connection: close``) and closes.

Invariant: the deadline covers only the head. It is disarmed as soon as the
request is parsed, before the app runs, so a slow upload's body is governed by
kring.web.body's own timeout and minimum rate, never by this deadline.
"""

from __future__ import annotations

import os
import time

from gunicorn.http.unreader import SocketUnreader

from kring.web.body import read_timeout_seconds


def head_timeout_seconds() -> float:
    """Seconds a client has, in total, to send a request's line and headers."""
    return float(os.environ.get("KRING_HEAD_TIMEOUT", "20"))


class HeadTimeout(Exception):
    """The request head did not arrive in time (total deadline or a silent read)."""


_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Request timeout</title>"
    b"<h1>The request took too long to arrive</h1>"
    b"<p>The connection was too slow, so nothing was received. "
    b"Please reload the page and try again.</p>"
    b"<p lang=nl>De verbinding was te traag; er is niets ontvangen. "
    b"Laad de pagina opnieuw en probeer het nog eens.</p></html>"
)

HEAD_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"Server: kring\r\n"
    b"Connection: close\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Length: " + str(len(_PAGE)).encode() + b"\r\n"
    b"Cache-Control: no-store\r\n"
    b"\r\n" + _PAGE
)


class DeadlineUnreader(SocketUnreader):  # type: ignore[misc]
    """gunicorn's socket unreader with an optional total deadline on its reads.

    Reads held in the buffer are untouched; only reads from the socket wait, and
    while a deadline is armed each waits at most until it.
    """

    deadline: float | None = None

    def arm(self, seconds: float) -> None:
        """Start the head deadline: reads from now on must finish within ``seconds``."""
        self.deadline = time.monotonic() + seconds

    def disarm(self) -> None:
        """End the head deadline; reads go back to the plain read timeout."""
        self.deadline = None
        self.sock.settimeout(read_timeout_seconds())

    def chunk(self, size_hint: int | None = None) -> bytes:
        """The next bytes from the socket; ``HeadTimeout`` once the armed deadline passes."""
        if self.deadline is None:
            return bytes(super().chunk(size_hint))
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise HeadTimeout
        self.sock.settimeout(min(remaining, read_timeout_seconds()))
        try:
            return bytes(super().chunk(size_hint))
        except TimeoutError as exc:
            raise HeadTimeout from exc
