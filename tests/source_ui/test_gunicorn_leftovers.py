"""A gunicorn worker killed (SIGKILL) mid-upload leaves nothing once its successor starts:
no partial file, no folder, no gpg home holding the reporter's key."""

from __future__ import annotations

import os
import re
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kring.core.accounts.confidants import add_confidant
from kring.core.context import build_context
from kring.core.instance import init_instance
from kring.crypto.ephemeral import ephemeral_parent
from kring_devkit.multipart import MultipartBody, repeating_chunks
from kring_devkit.servers import RunningServer, run_gunicorn
from tests.conftest import ConfidantKeyPair, eventually

pytestmark = pytest.mark.gunicorn

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def server(tmp_path: Path, confidant_key: ConfidantKeyPair) -> Iterator[RunningServer]:
    """source_ui under gunicorn on a fresh instance."""
    settings = init_instance(tmp_path / "instance", organisation_name="Leftovers test")
    ctx = build_context(settings)
    add_confidant(ctx, display_name="Anna", public_key=confidant_key.public_key)
    ctx.engine.dispose()
    with run_gunicorn(
        "kring.source_ui.wsgi:app", settings.instance_dir, log_path=tmp_path / "gunicorn.log"
    ) as running:
        yield running


def _partials(store: Path) -> list[Path]:
    return [p for p in store.rglob(".partial-*")]


def _homes_of(pid: int) -> list[Path]:
    """The throwaway gpg homes process ``pid`` made (other runs share the folder)."""
    return list(ephemeral_parent().glob(f"kring-*-{pid}-*"))


def test_a_killed_upload_leaves_no_partial_file_no_folder_and_no_gpg_home(
    server: RunningServer, tmp_path: Path
) -> None:
    store = tmp_path / "instance" / "store"
    browser = requests.Session()
    browser.get(server.url + "/en/codename", timeout=30)
    form = browser.get(server.url + "/en/submit", timeout=30).text
    csrf = CSRF_RE.search(form).group(1)  # type: ignore[union-attr]
    size = 64 * 1024 * 1024
    body = MultipartBody(
        [("csrf_token", csrf), ("recipient", "all"), ("path", "advice"), ("category", "")],
        [("files", "recording.m4a", size, repeating_chunks(size))],
    )
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    head = (
        f"POST /en/submit HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: {body.content_type}\r\nContent-Length: {len(body)}\r\n"
        f"Cookie: {cookies}\r\n\r\n"
    ).encode()
    worker = server.worker_pids()
    assert len(worker) == 1
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as upload:
        upload.sendall(head)
        upload.sendall(body.read(4 * 1024 * 1024))  # a quarter of the file, then it stalls
        assert eventually(lambda: _partials(store), 30), "the upload never reached the store"
        # The reporter's key is unlocked for signing in the worker's home while it uploads.
        assert len(_homes_of(worker[0])) == 1
        os.kill(worker[0], signal.SIGKILL)
        assert eventually(lambda: server.worker_pids() not in ([], worker), 30)
    # The new worker sweeps a few seconds after it starts; "within a minute" is the promise.
    assert eventually(lambda: not _partials(store) and not any(store.iterdir()), 60), [
        p.name for p in store.rglob("*")
    ]
    assert eventually(lambda: not _homes_of(worker[0]), 60), "the killed worker's gpg home stayed"
    assert requests.get(server.url + "/en/", timeout=30).status_code == 200
