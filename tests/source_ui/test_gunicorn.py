"""The reporter flow through gunicorn on loopback: real server, real KDF, large files."""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from kring.core.accounts.confidants import add_confidant
from kring.core.context import build_context
from kring.core.instance import init_instance
from kring.core.models import Reporter
from kring.core.settings import load_settings
from kring_devkit.multipart import MultipartBody, repeating_chunks
from kring_devkit.servers import RunningServer, run_gunicorn
from tests.conftest import ConfidantKeyPair

pytestmark = pytest.mark.gunicorn

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def server(tmp_path: Path, confidant_key: ConfidantKeyPair) -> Iterator[RunningServer]:
    """source_ui under gunicorn on a fresh instance with the real KDF cost."""
    instance = tmp_path / "instance"
    settings = init_instance(instance, organisation_name="Gunicorn test")
    ctx = build_context(settings)
    add_confidant(ctx, display_name="Anna", public_key=confidant_key.public_key)
    ctx.engine.dispose()
    with run_gunicorn(
        "kring.source_ui.wsgi:app", instance, log_path=tmp_path / "gunicorn.log"
    ) as running:
        yield running


def new_reporter(server: RunningServer) -> tuple[requests.Session, str, str]:
    """A browser session with a fresh codename; returns (session, codename, csrf)."""
    browser = requests.Session()
    page = browser.get(server.url + "/en/codename", timeout=30).text
    words = re.findall(r"<span>([a-z]+)</span>", page)
    form = browser.get(server.url + "/en/submit", timeout=30).text
    return browser, " ".join(words), CSRF_RE.search(form).group(1)  # type: ignore[union-attr]


def stream_submit(
    browser: requests.Session, server: RunningServer, body: MultipartBody
) -> requests.Response:
    """POST a lazily generated multipart body with a Content-Length (not chunked)."""
    return browser.post(
        server.url + "/en/submit",
        data=body,
        headers={"Content-Type": body.content_type, "Content-Length": str(len(body))},
        allow_redirects=False,
        timeout=300,
    )


def stored_items(instance: Path) -> list[tuple[str, bytes]]:
    settings = load_settings({"KRING_INSTANCE": str(instance)})
    ctx = build_context(settings)
    try:
        with ctx.sessions() as db:
            reporter = db.scalar(select(Reporter))
            if reporter is None:
                return []
            return [
                (i.kind, ctx.store.blob_path(reporter.lookup_id, i.blob_name).read_bytes())
                for i in reporter.items
            ]
    finally:
        ctx.engine.dispose()


def test_large_file_through_gunicorn_decrypts_exactly(
    server: RunningServer, tmp_path: Path, confidant_key: ConfidantKeyPair
) -> None:
    browser, codename, csrf = new_reporter(server)
    size = 20 * 1024 * 1024
    source = repeating_chunks(size)
    body = MultipartBody(
        [
            ("csrf_token", csrf),
            ("recipient", "all"),
            ("path", "advice"),
            ("category", ""),
            ("message", "see attachment"),
        ],
        [("files", "recording.m4a", size, source)],
    )
    response = stream_submit(browser, server, body)
    assert response.status_code == 302, response.text[:500]
    items = stored_items(tmp_path / "instance")
    assert [kind for kind, _ in items] == ["message", "file"]
    plain, name = confidant_key.decrypt(items[1][1])
    assert plain == b"".join(source())
    assert name == "recording.m4a"

    # A second browser logs in with the codename (real argon2id cost).
    other = requests.Session()
    login = other.get(server.url + "/en/login", timeout=30).text
    started = time.monotonic()
    response = other.post(
        server.url + "/en/login",
        data={"codename": codename, "csrf_token": CSRF_RE.search(login).group(1)},  # type: ignore[union-attr]
        timeout=30,
    )
    assert time.monotonic() - started >= 0.1  # argon2id really ran
    assert response.status_code == 200
    assert "recording.m4a" in response.text


def test_aborted_upload_leaves_nothing(server: RunningServer, tmp_path: Path) -> None:
    browser, _, csrf = new_reporter(server)
    cookie = browser.cookies.get("kring_source")
    body = MultipartBody(
        [
            ("csrf_token", csrf),
            ("recipient", "all"),
            ("path", ""),
            ("category", ""),
            ("message", ""),
        ],
        [("files", "big.bin", 50 * 1024 * 1024, repeating_chunks(50 * 1024 * 1024))],
    )
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        head = (
            f"POST /en/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: kring_source={cookie}\r\n"
            f"Content-Type: {body.content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode())
        sock.sendall(body.read(8 * 1024 * 1024))
        time.sleep(0.5)  # let the server start encrypting before the client vanishes
    store = tmp_path / "instance" / "store"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        leftovers = [p for p in store.rglob("*") if p.is_file()]
        if not leftovers:
            break
        time.sleep(0.2)
    assert [p for p in store.rglob("*") if p.is_file()] == []
    assert stored_items(tmp_path / "instance") == []
    # The server is still fine.
    assert requests.get(server.url + "/en/", timeout=10).status_code == 200


def test_oversized_content_length_refused_at_once(server: RunningServer) -> None:
    """A declared size over the limit gets the 413 page before any byte is read."""
    browser, _, _ = new_reporter(server)
    cookie = browser.cookies.get("kring_source")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /en/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: kring_source={cookie}\r\n"
                "Content-Type: multipart/form-data; boundary=abc\r\n"
                f"Content-Length: {600 * 1000 * 1000}\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        reply = b""
        while b"</html>" not in reply:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    text = reply.decode("utf-8", "replace")
    assert text.startswith("HTTP/1.1 413")
    assert "too large" in text
    head = text.split("\r\n\r\n", 1)[0].lower()
    assert "server: kring\r\n" in head + "\r\n"
    assert "gunicorn" not in head


def _read_responses(sock: socket.socket, count: int) -> list[str]:
    """Read ``count`` HTTP responses (or until the server closes)."""
    data = b""
    sock.settimeout(20)
    while data.count(b"HTTP/1.1 ") < count or not data.rstrip().endswith(b"</html>"):
        try:
            piece = sock.recv(65536)
        except TimeoutError:
            break
        if not piece:
            break
        data += piece
    return [("HTTP/1.1 " + part) for part in data.decode("utf-8", "replace").split("HTTP/1.1 ")[1:]]


def test_pipelined_request_after_upload_is_served(server: RunningServer) -> None:
    """The fast body reader hands back bytes of the next request on the connection."""
    browser, _, csrf = new_reporter(server)
    cookie = browser.cookies.get("kring_source")
    body = MultipartBody(
        [
            ("csrf_token", csrf),
            ("recipient", "all"),
            ("path", ""),
            ("category", ""),
            ("message", "pipelined"),
        ],
        [("files", "f.bin", 300_000, repeating_chunks(300_000))],
    )
    payload = body.read()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: kring_source={cookie}\r\n"
                f"Content-Type: {body.content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
            ).encode()
            + payload
            + b"GET /en/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        responses = _read_responses(sock, 2)
    assert responses[0].startswith("HTTP/1.1 302")
    assert responses[1].startswith("HTTP/1.1 200")
    assert "Talk to a confidant" in responses[1]


def test_rest_of_a_refused_upload_is_never_parsed_as_a_request(server: RunningServer) -> None:
    """After an early refusal the connection closes instead of reading body bytes as HTTP."""
    browser, _, _ = new_reporter(server)
    cookie = browser.cookies.get("kring_source")
    smuggled = b"GET /en/login HTTP/1.1\r\nHost: x\r\n\r\n"
    body = MultipartBody(
        [("csrf_token", "forged"), ("recipient", "all")],
        [
            (
                "files",
                "f.bin",
                2_000_000,
                lambda: iter(
                    [smuggled * (2_000_000 // len(smuggled)) + b"x" * (2_000_000 % len(smuggled))]
                ),
            )
        ],
    )
    payload = body.read()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: kring_source={cookie}\r\n"
                f"Content-Type: {body.content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
            ).encode()
        )
        # The server may close while we still send: that is the point.
        with contextlib.suppress(OSError):
            sock.sendall(payload)
        responses = _read_responses(sock, 2)
    assert responses[0].startswith("HTTP/1.1 400")
    assert len(responses) == 1
