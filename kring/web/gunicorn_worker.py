"""Kring's gunicorn worker: gthread with read timeouts and the current request known.

gunicorn's gthread worker already parks idle and kept-alive connections in a
selector (no thread each) and waits up to 5 s for a new connection's first
bytes before giving it a thread. What it does not bound is a client that sends
its request line and headers one byte at a time: the socket is blocking with
no timeout, so each such client holds a thread for as long as it likes. This
worker gives every connection's socket a read timeout (``KRING_READ_TIMEOUT``,
default 30 s of silence) whenever a thread takes it up, and each request's
head a total deadline (``KRING_HEAD_TIMEOUT``, default 20 s; past it a 408
answer and the connection is closed: kring.web.head_deadline); the body reader
of the submit view applies its own timeout and minimum rate (kring.web.body).

It also tells kring.web.framing which gunicorn request the current thread is
answering, so that an early answer can say ``Connection: close``.

Depends on gunicorn internals (``TConn``, its parser's ``SocketUnreader``,
``ThreadWorker.enqueue_req``, ``handle_request`` and ``handle_error``):
pyproject pins the tested gunicorn range, and
tests/source_ui/test_gunicorn_internals.py fails if they change.
"""

from __future__ import annotations

import concurrent.futures
import socket
import threading
from typing import Any

from gunicorn import util
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from kring.web import framing
from kring.web.body import read_timeout_seconds
from kring.web.head_deadline import (
    HEAD_TIMEOUT_ANSWER,
    DeadlineUnreader,
    HeadTimeout,
    head_timeout_seconds,
)

# Lingering closes run here, not in the worker's main loop (see _TimedConn.close).
_LINGER_THREADS = 16
_LINGER_BACKLOG = 512
_lingering = concurrent.futures.ThreadPoolExecutor(_LINGER_THREADS, "kring-linger")
_lingering_count = 0
_lingering_lock = threading.Lock()


def _linger_then_close(sock: socket.socket) -> None:
    global _lingering_count
    try:
        util.close_graceful(sock)
    finally:
        with _lingering_lock:
            _lingering_count -= 1


class _TimedConn(TConn):  # type: ignore[misc]
    """A connection whose socket times out reads each time a thread takes it up.

    Each time, its parser's unreader is armed with the head deadline too: a
    thread takes a connection up only when a new request's first bytes are there.

    Its graceful close (half-close, then up to 2 s of reading what the client
    still sends) runs in a small pool of its own: gunicorn runs it in the
    worker's main loop, so a client that kept its end open after a
    ``Connection: close`` answer stalled every other connection for 2 s.
    Past a backlog the close is immediate (the client may then see a reset).
    """

    def init(self) -> None:
        super().init()  # returns early on a kept-alive connection; the timeout is still set
        self.sock.settimeout(read_timeout_seconds())
        unreader = getattr(self.parser, "unreader", None)
        if unreader is not None and type(unreader) is SocketUnreader:
            unreader.__class__ = DeadlineUnreader
        if isinstance(unreader, DeadlineUnreader):
            unreader.arm(head_timeout_seconds())

    def close(self, graceful: bool = False) -> None:
        global _lingering_count
        if not graceful:
            super().close()
            return
        with _lingering_lock:
            room = _lingering_count < _LINGER_BACKLOG
            if room:
                _lingering_count += 1
        if not room:
            super().close()
            return
        self.sock.setblocking(True)
        _lingering.submit(_linger_then_close, self.sock)


class KringThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gthread with read timeouts, a head deadline and the request of each thread made known."""

    def enqueue_req(self, conn: Any) -> None:
        """Give ``conn`` a thread; its socket gets a read timeout there."""
        if type(conn) is TConn:
            conn.__class__ = _TimedConn
        super().enqueue_req(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        """Serve ``req`` with it known to kring.web.framing for this thread.

        The head has been parsed: its deadline ends here, before the app reads the body.
        """
        unreader = getattr(conn.parser, "unreader", None)
        if isinstance(unreader, DeadlineUnreader):
            unreader.disarm()
        with framing.serving(req):
            return super().handle_request(req, conn)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Answer a head that came too slowly with a 408 page; other errors as gunicorn does."""
        if not isinstance(exc, HeadTimeout):
            super().handle_error(req, client, addr, exc)
            return
        self.log.info("request head too slow: 408")
        try:
            client.settimeout(2)
            client.sendall(HEAD_TIMEOUT_ANSWER)
        except OSError:
            pass  # the client is gone; the connection is closed either way
