"""Hostile and broken clients against source_ui under real gunicorn on loopback.

Each test is what a reporter would notice: the next page on the same
connection comes, a slow stranger does not take the site down, a too-slow
upload gets a clear page and leaves nothing behind.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kring_devkit.multipart import MultipartBody, repeating_chunks
from kring_devkit.rawhttp import Reader, request_head, start_trickle
from kring_devkit.servers import RunningServer
from tests.conftest import ConfidantKeyPair
from tests.source_ui.gunicorn_instance import source_server

pytestmark = pytest.mark.gunicorn

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')

SLOW_ENV = {
    "KRING_READ_TIMEOUT": "2",
    "KRING_HEAD_TIMEOUT": "4",
    "KRING_UPLOAD_READ_TIMEOUT_SECONDS": "3",
    "KRING_UPLOAD_MIN_BYTES_PER_SECOND": "2000",
    "KRING_UPLOAD_RATE_GRACE_SECONDS": "2",
}


@pytest.fixture
def server(tmp_path: Path, confidant_key: ConfidantKeyPair) -> Iterator[RunningServer]:
    """source_ui under gunicorn, with short read timeouts and a high minimum rate."""
    with source_server(tmp_path, confidant_key.public_key, SLOW_ENV) as running:
        yield running


def reporter(server: RunningServer) -> tuple[str, str]:
    """A reporter session with a codename: (cookie value, CSRF token)."""
    browser = requests.Session()
    browser.get(server.url + "/en/codename", timeout=30)
    form = browser.get(server.url + "/en/submit", timeout=30).text
    return browser.cookies["kring_source"], CSRF_RE.search(form).group(1)  # type: ignore[union-attr]


def returning_reporter(server: RunningServer) -> tuple[str, str]:
    """A reporter who has sent a first message: (cookie value, CSRF token of the next form).

    A first submission's key pair is made in the bounded key-derivation pool, so forty first
    submissions at once from one codename are (rightly) turned away as busy; tests of slow
    connections use a returning reporter so that what they measure is the connections.
    """
    browser = requests.Session()
    browser.get(server.url + "/en/codename", timeout=30)
    form = browser.get(server.url + "/en/submit", timeout=30).text
    fields = {"csrf_token": CSRF_RE.search(form).group(1),  # type: ignore[union-attr]
              "recipient": "all", "path": "advice", "category": "", "message": "first"}
    if token := FORM_TOKEN_RE.search(form):
        fields["form_token"] = token.group(1)
    sent = browser.post(server.url + "/en/submit",
                        files={k: (None, v) for k, v in fields.items()}, timeout=120)
    assert sent.status_code == 200, sent.status_code
    assert "Your conversation" in sent.text
    form = browser.get(server.url + "/en/submit", timeout=30).text
    return browser.cookies["kring_source"], CSRF_RE.search(form).group(1)  # type: ignore[union-attr]


def submission(csrf: str, *, recipient: str = "all", file_size: int = 0) -> MultipartBody:
    files = [("files", "a.bin", file_size, repeating_chunks(file_size))] if file_size else []
    return MultipartBody(
        [
            ("csrf_token", csrf),
            ("recipient", recipient),
            ("path", "advice"),
            ("category", ""),
            ("message", "hello"),
        ],
        files,
    )


def submit_head(body: MultipartBody, cookie: str) -> bytes:
    """The head of a POST /en/submit carrying ``body`` in the session of ``cookie``."""
    return request_head(
        "POST",
        "/en/submit",
        headers={"Content-Type": body.content_type, "Cookie": f"kring_source={cookie}"},
        length=len(body),
    )


def connect(server: RunningServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=20)


def store_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "instance" / "store").rglob("*") if p.is_file()]


def assert_next_request_answered_or_closed(reader: Reader, server: RunningServer) -> None:
    """After an answer, the connection either carries the next request or was closed."""
    first = reader.answer()
    assert first.status < 500
    if first.keep_alive:
        reader.sock.sendall(request_head("GET", "/en/"))
        second = reader.answer()
        assert second.status == 200, second
    else:
        assert reader.closed()


def test_early_answer_with_small_unread_body_keeps_the_connection_usable(
    server: RunningServer,
) -> None:
    # No session: the submit view answers (the login page) without reading the 70 KB file.
    body = submission("x", file_size=70_000)
    with connect(server) as sock:
        head = request_head(
            "POST", "/en/submit", headers={"Content-Type": body.content_type}, length=len(body)
        )
        sock.sendall(head + body.read())
        reader = Reader(sock)
        first = reader.answer()
        assert first.status < 500
        assert first.keep_alive  # the small rest was drained, so the connection is reusable
        sock.sendall(request_head("GET", "/en/"))
        assert reader.answer().status == 200


def test_early_answer_with_large_unread_body_says_close(server: RunningServer) -> None:
    body = submission("x", file_size=5_000_000)
    with connect(server) as sock:
        head = request_head(
            "POST", "/en/submit", headers={"Content-Type": body.content_type}, length=len(body)
        )
        sock.sendall(head + body.read(1_000_000))
        reader = Reader(sock)
        answer = reader.answer()
        assert answer.status < 500
        assert not answer.keep_alive
        assert reader.closed()


def test_bad_recipient_after_file_started_never_leaves_a_dead_keep_alive(
    server: RunningServer, tmp_path: Path
) -> None:
    cookie, csrf = reporter(server)
    body = submission(csrf, recipient="999999", file_size=70_000)
    with connect(server) as sock:
        head = submit_head(body, cookie)
        sock.sendall(head + body.read())
        assert_next_request_answered_or_closed(Reader(sock), server)
    assert store_files(tmp_path) == []


def test_silent_header_sender_gets_a_timeout_answer(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /en/ HTTP/1.1\r\nHo")
        started = time.monotonic()
        sock.settimeout(10)
        reader = Reader(sock)
        answer = reader.answer()  # after the 2 s read timeout of this server
        assert answer.status == 408
        assert b"too long to arrive" in answer.body
        assert not answer.keep_alive
        assert reader.closed()
        assert time.monotonic() - started < 8


def trickle_head(sock: socket.socket, head: bytes, every_s: float, stop: threading.Event) -> None:
    """Send ``head`` one byte every ``every_s`` from a thread until it is sent or ``stop``."""

    def send() -> None:
        for i in range(len(head)):
            if stop.wait(every_s):
                return
            with contextlib.suppress(OSError):
                sock.sendall(head[i : i + 1])

    threading.Thread(target=send, daemon=True).start()


def test_head_trickled_below_the_read_timeout_is_cut_off_at_the_head_deadline(
    server: RunningServer,
) -> None:
    """One byte a second never trips the 2 s read timeout; the 4 s total deadline does."""
    head = request_head("GET", "/en/", headers={f"X-Pad-{i}": "a" * 20 for i in range(20)})
    stop = threading.Event()
    with connect(server) as sock:
        sock.sendall(head[:1])
        started = time.monotonic()
        trickle_head(sock, head[1:], 1.0, stop)
        try:
            reader = Reader(sock)
            answer = reader.answer()
            took = time.monotonic() - started
        finally:
            stop.set()
        assert answer.status == 408, answer
        assert not answer.keep_alive
        assert 3.5 < took < 8, took
        assert reader.closed()


def test_slowish_head_within_the_deadline_is_answered_and_each_request_gets_its_own(
    server: RunningServer,
) -> None:
    """A head sent in pieces over 3 s is served; so is the next one on the kept-alive connection."""
    head = request_head("GET", "/en/")
    with connect(server) as sock:
        reader = Reader(sock)
        for _ in range(2):  # 6 s on one connection in all: longer than one deadline
            sock.sendall(head[:10])
            time.sleep(1.2)  # each gap below the 2 s read timeout, 2.4 s in all
            sock.sendall(head[10:20])
            time.sleep(1.2)
            sock.sendall(head[20:])
            answer = reader.answer()
            assert answer.status == 200, answer
            assert answer.keep_alive


def test_upload_body_longer_than_the_head_deadline_is_stored(
    server: RunningServer, tmp_path: Path
) -> None:
    """The head deadline ends with the head: a 6 s upload above the minimum rate goes through."""
    cookie, csrf = returning_reporter(server)
    before = len(store_files(tmp_path))
    body = submission(csrf, file_size=36_000)
    with connect(server) as sock:
        sock.sendall(submit_head(body, cookie))
        while chunk := body.read(3000):  # 6 kB/s, three times the minimum rate
            sock.sendall(chunk)
            time.sleep(0.5)
        answer = Reader(sock).answer()
    assert answer.status == 302, answer  # sent: on to the conversation page
    assert "/conversation" in answer.headers["location"]
    assert len(store_files(tmp_path)) > before


def test_upload_below_minimum_rate_gets_too_slow_page_and_stores_nothing(
    server: RunningServer, tmp_path: Path
) -> None:
    cookie, csrf = reporter(server)
    body = submission(csrf, file_size=200_000)
    with connect(server) as sock:
        head = submit_head(body, cookie)
        sock.sendall(head + body.read(2000))
        sock.settimeout(0.2)
        answer_bytes = b""
        deadline = time.monotonic() + 15
        # 500 bytes a second: a quarter of the minimum rate set for this test.
        while time.monotonic() < deadline:
            try:
                sock.sendall(body.read(100))
                answer_bytes += sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if b"\r\n\r\n" in answer_bytes:
                break
        assert answer_bytes.startswith(b"HTTP/1.1 408"), answer_bytes[:200]
        assert b"Connection: close" in answer_bytes
        sock.settimeout(10)
        while chunk := sock.recv(65536):  # the page, then the server closes
            answer_bytes += chunk
    page = answer_bytes.decode("utf-8", "replace")
    assert "too slow" in page
    assert store_files(tmp_path) == []


def test_silent_upload_times_out_with_too_slow_page(server: RunningServer, tmp_path: Path) -> None:
    cookie, csrf = reporter(server)
    body = submission(csrf, file_size=200_000)
    with connect(server) as sock:
        head = submit_head(body, cookie)
        sock.sendall(head + body.read(50_000))
        started = time.monotonic()
        answer = Reader(sock).answer()
        assert answer.status == 408
        assert 2 < time.monotonic() - started < 10
        assert not answer.keep_alive
    assert store_files(tmp_path) == []


@pytest.fixture
def default_server(tmp_path: Path, confidant_key: ConfidantKeyPair) -> Iterator[RunningServer]:
    """source_ui under gunicorn with the shipped timeouts and rates."""
    with source_server(tmp_path, confidant_key.public_key) as running:
        yield running


def test_pages_answer_while_many_slow_uploads_are_open(default_server: RunningServer) -> None:
    """Five times more uploads at 1 KB/s than the old thread count; the landing page stays fast."""
    server = default_server
    cookie, csrf = returning_reporter(server)
    slow: list[tuple[socket.socket, MultipartBody]] = []
    stop = threading.Event()
    try:
        for _ in range(40):
            body = submission(csrf, file_size=10_000_000)
            sock = connect(server)
            sock.sendall(
                submit_head(body, cookie)
                + body.read(1000)
            )
            slow.append((sock, body))
        start_trickle(slow, stop)  # 1 KB/s each
        time.sleep(2)  # every upload now holds a thread in its body read

        def landing() -> float:
            started = time.monotonic()
            assert requests.get(server.url + "/en/", timeout=10).status_code == 200
            return time.monotonic() - started

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            times = sorted(pool.map(lambda _: landing(), range(24)))
        assert times[-1] < 2.0, times
        for sock, _ in slow:  # still being received, none was answered
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)
    finally:
        stop.set()
        for sock, _ in slow:
            sock.close()


def test_clients_that_keep_a_closed_connection_open_do_not_stall_others(
    server: RunningServer,
) -> None:
    """gunicorn lingers up to 2 s on each close; that must not happen in its main loop."""
    held = []
    try:
        for _ in range(10):
            body = submission("x", file_size=5_000_000)
            sock = connect(server)
            sock.sendall(
                request_head(
                    "POST", "/en/submit", headers={"Content-Type": body.content_type},
                    length=len(body),
                )
                + body.read(1000)  # the fields and the start of the file, then silence
            )
            held.append(sock)
        for sock in held:  # each is answered with Connection: close; the client never closes
            assert not Reader(sock).answer().keep_alive
        started = time.monotonic()
        assert requests.get(server.url + "/en/", timeout=30).status_code == 200
        assert time.monotonic() - started < 1.0
    finally:
        for sock in held:
            sock.close()


def test_submission_larger_than_the_free_space_is_refused_before_it_is_read(
    tmp_path: Path, confidant_key: ConfidantKeyPair
) -> None:
    free_mb = shutil.disk_usage(tmp_path).free // 1_000_000
    # Keep all but 300 MB free: a 450 MB submission does not fit, a message does.
    env = {"KRING_STORE_MIN_FREE_MB": str(free_mb - 300)}
    with source_server(tmp_path, confidant_key.public_key, env) as server:
        cookie, csrf = reporter(server)
        body = submission(csrf, file_size=450_000_000)
        with connect(server) as sock:
            sock.sendall(
                submit_head(body, cookie)
            )  # not a byte of the body: the answer comes all the same
            answer = Reader(sock).answer()
        assert answer.status == 507
        assert not answer.keep_alive
        assert "no room" in answer.body.decode()
        assert store_files(tmp_path) == []
        small = submission(csrf)
        with connect(server) as sock:
            sock.sendall(
                submit_head(small, cookie)
                + small.read()
            )
            assert Reader(sock).answer().status in (302, 303)


def test_submission_past_the_store_quota_is_refused_before_it_is_read(
    tmp_path: Path, confidant_key: ConfidantKeyPair
) -> None:
    # A 100 MB quota on an empty store: a 450 MB submission is refused from its head.
    env = {"KRING_STORE_QUOTA_MB": "100", "KRING_CONVERSATION_QUOTA_MB": "1000"}
    with source_server(tmp_path, confidant_key.public_key, env) as server:
        cookie, csrf = reporter(server)
        body = submission(csrf, file_size=450_000_000)
        with connect(server) as sock:
            sock.sendall(submit_head(body, cookie))  # the head only: no byte of the body
            answer = Reader(sock).answer()
        assert answer.status == 507
        assert not answer.keep_alive
        assert "no room" in answer.body.decode()
        assert store_files(tmp_path) == []
