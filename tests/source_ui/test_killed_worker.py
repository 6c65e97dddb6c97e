"""A killed gunicorn worker: the reporter whose session it held is told to log in again.

Sessions live in the worker's memory by design (nothing about a reporter on
disk), so a killed worker ends them; what must not happen is a 500, a blank
page or a silent loss: the next page says the session ended and asks for the
codename, and the conversation is all there after logging in.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kring_devkit.servers import RunningServer, wait_until_answering
from tests.conftest import ConfidantKeyPair
from tests.source_ui.gunicorn_instance import source_server
from tests.source_ui.test_kdf_flood import login, real_reporter

pytestmark = pytest.mark.gunicorn


@pytest.fixture
def server(tmp_path: Path, confidant_key: ConfidantKeyPair) -> Iterator[RunningServer]:
    with source_server(tmp_path, confidant_key.public_key) as running:
        yield running


def test_after_a_worker_kill_the_reporter_is_asked_to_log_in_again(server: RunningServer) -> None:
    browser = requests.Session()
    page = browser.get(server.url + "/en/codename", timeout=60).text
    codename = " ".join(re.findall(r"<span>([a-z-]+)</span>", page))
    assert browser.get(server.url + "/en/submit", timeout=30).status_code == 200
    (worker,) = server.worker_pids()
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.worker_pids() in ([], [worker]):
        time.sleep(0.2)
    wait_until_answering(server.url + "/en/")
    answer = browser.get(server.url + "/en/submit", timeout=30)
    assert answer.status_code == 200
    assert "/en/login" in answer.url
    assert "Your session has ended. Log in with your codename to continue." in answer.text
    # The codename was never used, so nothing was lost: a new one is the way on.
    assert login(server, codename).status_code == 403


def test_a_sent_conversation_survives_a_worker_kill(server: RunningServer) -> None:
    codename = real_reporter(server)
    (worker,) = server.worker_pids()
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.worker_pids() in ([], [worker]):
        time.sleep(0.2)
    wait_until_answering(server.url + "/en/")
    again = login(server, codename)
    assert again.status_code == 200 and "Your conversation" in again.text
