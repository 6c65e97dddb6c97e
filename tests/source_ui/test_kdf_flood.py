"""A flood of new-codename requests and of guessed codenames, under real gunicorn.

The reporter who comes back with their codename gets in on the first try;
pages that derive nothing stay fast; whoever is turned away gets a "busy"
page within a second, with what they typed kept.
"""

from __future__ import annotations

import concurrent.futures
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kring.core.codenames.phrases import generate_codename
from kring_devkit.servers import RunningServer
from tests.conftest import ConfidantKeyPair
from tests.source_ui.gunicorn_instance import source_server

pytestmark = pytest.mark.gunicorn

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def server(tmp_path: Path, confidant_key: ConfidantKeyPair) -> Iterator[RunningServer]:
    """source_ui with a one-worker derivation pool (queue of two, one kept for logins)."""
    with source_server(tmp_path, confidant_key.public_key, {"KRING_KDF_WORKERS": "1"}) as running:
        yield running


def real_reporter(server: RunningServer) -> str:
    """A reporter who sent a first message; returns their codename."""
    browser = requests.Session()
    page = browser.get(server.url + "/en/codename", timeout=30).text
    codename = " ".join(re.findall(r"<span>([a-z-]+)</span>", page))
    form = browser.get(server.url + "/en/submit", timeout=30).text
    fields = {
        "csrf_token": CSRF_RE.search(form).group(1),  # type: ignore[union-attr]
        "recipient": "all",
        "path": "advice",
        "category": "",
        "message": "hello",
    }
    token = FORM_TOKEN_RE.search(form)
    if token:
        fields["form_token"] = token.group(1)
    sent = browser.post(
        server.url + "/en/submit", files={k: (None, v) for k, v in fields.items()}, timeout=60
    )
    assert sent.status_code == 200 and "Your conversation" in sent.text, sent.text[:300]
    return codename


def login(server: RunningServer, codename: str) -> requests.Response:
    browser = requests.Session()
    page = browser.get(server.url + "/en/login", timeout=30).text
    return browser.post(
        server.url + "/en/login",
        data={"codename": codename, "csrf_token": CSRF_RE.search(page).group(1)},  # type: ignore[union-attr]
        timeout=30,
    )


def test_codename_flood_gets_busy_pages_while_pages_and_logins_go_on(
    server: RunningServer,
) -> None:
    codename = real_reporter(server)
    stop = threading.Event()
    busy_times: list[float] = []
    made = [0]

    def flood() -> None:
        while not stop.is_set():
            started = time.monotonic()
            answer = requests.get(server.url + "/en/codename", timeout=30)
            if answer.status_code == 503:
                busy_times.append(time.monotonic() - started)
                assert "Busy" in answer.text and answer.headers["Retry-After"] == "60"
            else:
                assert answer.status_code == 200
                made[0] += 1

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        flooders = [pool.submit(flood) for _ in range(8)]  # eight at once, for one worker
        try:
            time.sleep(1.5)
            landing = []
            for _ in range(10):
                started = time.monotonic()
                assert requests.get(server.url + "/en/", timeout=10).status_code == 200
                landing.append(time.monotonic() - started)
            logged_in = login(server, codename)
        finally:
            stop.set()
        for flooder in flooders:
            flooder.result()
    assert logged_in.status_code == 200 and "Your conversation" in logged_in.text
    assert busy_times, "the flood never filled the pool"
    # 0.9 s of waiting at most, then the page (the 1 s p95 target is the bench's, on an idle
    # machine; this machine is shared with other test runs).
    assert max(busy_times) < 3.0, busy_times
    assert made[0] > 0
    assert max(landing) < 2.0, landing


def test_busy_login_keeps_what_was_typed(server: RunningServer) -> None:
    codename = real_reporter(server)
    stop = threading.Event()

    def flood() -> None:
        while not stop.is_set():
            requests.get(server.url + "/en/codename", timeout=30)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        flooders = [pool.submit(flood) for _ in range(8)]
        try:
            time.sleep(1.0)
            answers = [login(server, codename) for _ in range(3)]
        finally:
            stop.set()
        for flooder in flooders:
            flooder.result()
    # The logins' share of the queue is kept: each login got in or, at worst, a busy page
    # that keeps the codename typed in.
    for answer in answers:
        assert answer.status_code in (200, 503)
        if answer.status_code == 503:
            assert "busy" in answer.text and codename.split()[0] in answer.text
    assert any(a.status_code == 200 for a in answers)


def test_guessing_codenames_does_not_refuse_the_real_reporter(server: RunningServer) -> None:
    codename = real_reporter(server)
    stop = threading.Event()
    refused = []

    def guess() -> None:  # well-formed wrong codenames, as fast as they are answered
        while not stop.is_set():
            answer = login(server, generate_codename("en"))
            refused.append(answer.status_code)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        guessers = [pool.submit(guess) for _ in range(4)]
        try:
            time.sleep(2)
            started = time.monotonic()
            answer = login(server, codename)
            took = time.monotonic() - started
        finally:
            stop.set()
        for guesser in guessers:
            guesser.result()
    assert answer.status_code == 200 and "Your conversation" in answer.text
    assert took < 10.0  # the 2 s target is the bench's (bench/under_attack.py), on an idle machine
    assert len(refused) > 20 and set(refused) == {403}
