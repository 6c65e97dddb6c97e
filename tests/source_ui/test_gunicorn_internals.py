"""The gunicorn internals Kring relies on are still there and still behave.

kring.web.body reads a submission straight off gunicorn's socket,
kring.web.framing settles unread bodies, and kring.web.gunicorn_worker hooks
gthread's connection handling. If a gunicorn release changes what they use,
these tests fail before a reporter meets a slow or broken upload.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from gunicorn.http.unreader import SocketUnreader
from gunicorn.http.wsgi import create
from gunicorn.workers.gthread import TConn, ThreadWorker

from kring.web import framing
from kring.web.body import fast_path_applies, iter_body
from kring.web.gunicorn_worker import KringThreadWorker, _TimedConn
from kring.web.head_deadline import DeadlineUnreader, HeadTimeout


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def parse(server: socket.socket) -> tuple[Any, dict[str, Any]]:
    """The request gunicorn parses off ``server`` and the WSGI environ it builds."""
    cfg = Config()
    parser = RequestParser(cfg, server, ("127.0.0.1", 1))
    req = next(parser)
    _, environ = create(req, server, ("127.0.0.1", 1), ("127.0.0.1", 8080), cfg)
    return req, environ


def post(client: socket.socket, body: bytes, declared: int | None = None) -> None:
    """Send a POST from a thread (a socket pair buffers less than a body)."""
    length = len(body) if declared is None else declared
    data = f"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: {length}\r\n\r\n".encode() + body
    threading.Thread(target=client.sendall, args=(data,), daemon=True).start()


def test_fast_body_path_is_taken_and_reads_every_byte(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    body = bytes(range(256)) * 1000
    post(client, body)
    _, environ = parse(server)
    assert fast_path_applies(environ)

    class Fallback:
        def read(self, _size: int) -> bytes:
            raise AssertionError("the slow path was taken")

    assert b"".join(iter_body(environ, Fallback(), 65536)) == body
    assert framing.body_settled(environ)


def test_half_read_fast_body_is_not_settled(pair: tuple[socket.socket, socket.socket]) -> None:
    server, client = pair
    post(client, b"a" * 100_000, declared=200_000)
    _, environ = parse(server)
    chunks = iter_body(environ, None, 65536)
    next(chunks)
    assert not framing.body_settled(environ)


def test_half_read_fast_body_with_small_rest_is_drained(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    post(client, b"e" * 150_000)
    _, environ = parse(server)
    chunks = iter_body(environ, None, 16_384)
    next(chunks)
    assert framing.body_settled(environ)
    assert not environ["wsgi.input"].failed


def test_small_unread_body_is_drained_and_large_is_not(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    post(client, b"b" * 70_000)
    _, environ = parse(server)
    assert framing.body_settled(environ)  # drained
    assert environ["wsgi.input"].reader.length == 0

    post(client, b"c" * 1000, declared=framing.DRAIN_MAX_BYTES + 1)
    _, environ = parse(server)
    assert not framing.body_settled(environ)


def test_forced_close_reaches_gunicorn_response(pair: tuple[socket.socket, socket.socket]) -> None:
    server, client = pair
    post(client, b"d" * 10, declared=framing.DRAIN_MAX_BYTES * 4)
    req, environ = parse(server)

    def app(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("302 Found", [("Content-Length", "0")])
        return [b""]

    with framing.serving(req):
        framing.SettleBodyMiddleware(app)(environ, lambda *a: None)
    assert req.should_close()


def test_worker_hooks_exist_where_kring_expects_them() -> None:
    assert issubclass(KringThreadWorker, ThreadWorker)
    for name in ("enqueue_req", "handle_request", "handle"):
        assert callable(getattr(ThreadWorker, name))
    assert issubclass(_TimedConn, TConn)
    assert callable(TConn.init)


def test_parser_reads_the_head_through_a_socket_unreader_that_the_deadline_can_replace(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    """kring.web.head_deadline swaps the class of this unreader; its reads must go through chunk."""
    server, client = pair
    parser = RequestParser(Config(), server, ("127.0.0.1", 1))
    assert type(parser.unreader) is SocketUnreader
    parser.unreader.__class__ = DeadlineUnreader
    parser.unreader.arm(0.5)
    client.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")  # the head never ends
    started = time.monotonic()
    with pytest.raises(HeadTimeout):
        next(parser)
    assert time.monotonic() - started < 2
