"""Plaintext canary: a unique marker sent through every reporter action is never on disk.

Invariant 1: no plaintext of a report, file, file name, reply or codename is
written to the server's disk — store, database, temp folders, logs.
"""

from __future__ import annotations

import os
import re
import socket
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from kring.core.accounts.confidants import add_confidant
from kring.core.cases import replies
from kring.core.context import build_context
from kring.core.instance import init_instance
from kring.core.models import Reporter
from kring_devkit.multipart import MultipartBody, repeating_chunks
from kring_devkit.servers import run_gunicorn
from tests.conftest import ConfidantKeyPair

pytestmark = pytest.mark.gunicorn

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SCAN_ROOTS = [Path("/tmp"), Path("/dev/shm"), Path("/var/tmp")]


def files_under(root: Path, since: float) -> Iterator[Path]:
    """Regular, non-empty files under ``root`` changed since ``since``, on root's filesystem.

    A file last written before the test began cannot hold its random marker,
    so on a busy shared /tmp only what changed during the test is read. The walk
    does not cross into other filesystems: a /proc or /dev mounted somewhere under
    /tmp (a chroot) holds files that never end (/proc/kmsg blocks on read) and none
    of the server's writes.
    """
    device = root.stat().st_dev
    for dirpath, dirs, names in os.walk(root, onerror=lambda _e: None):
        dirs[:] = [d for d in dirs if same_device(Path(dirpath) / d, device)]
        for name in names:
            path = Path(dirpath) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode) or info.st_dev != device:
                continue
            if info.st_size == 0 or info.st_mtime < since:
                continue
            yield path


def same_device(path: Path, device: int) -> bool:
    try:
        return path.lstat().st_dev == device
    except OSError:
        return False


def contains(path: Path, needles: list[bytes]) -> bytes | None:
    """The first needle found in the file, reading in overlapping chunks."""
    overlap = max(len(n) for n in needles)
    tail = b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(4 * 1024 * 1024):
                window = tail + chunk
                for needle in needles:
                    if needle in window:
                        return needle
                tail = window[-overlap:]
    except OSError:
        return None
    return None


def scan(roots: list[Path], needles: list[bytes], since: float) -> list[tuple[str, bytes]]:
    found = []
    for root in roots:
        for path in files_under(root, since):
            hit = contains(path, needles)
            if hit is not None:
                found.append((str(path), hit))
    return found


def test_no_plaintext_anywhere(tmp_path: Path, confidant_key: ConfidantKeyPair) -> None:
    started = time.time() - 1
    marker = f"KRINGCANARY{uuid.uuid4().hex}"
    instance = tmp_path / "instance"
    settings = init_instance(instance, organisation_name="Canary")
    ctx = build_context(settings)
    confidant_id = add_confidant(ctx, display_name="Anna", public_key=confidant_key.public_key).id
    log_path = instance / "gunicorn.log"
    with run_gunicorn("kring.source_ui.wsgi:app", instance, log_path=log_path) as server:
        browser = requests.Session()
        page = browser.get(server.url + "/en/codename", timeout=30).text
        codename = " ".join(re.findall(r"<span>([a-z]+)</span>", page))
        csrf = CSRF_RE.search(browser.get(server.url + "/en/submit", timeout=30).text).group(1)  # type: ignore[union-attr]
        size = 50 * 1024 * 1024
        body = MultipartBody(
            [
                ("csrf_token", csrf),
                ("recipient", "all"),
                ("path", "wrongdoing"),
                ("category", "integrity"),
                # The reporter keeps a copy to reread: it is encrypted to their own key and
                # shown decrypted after login, so that path is watched too.
                ("keep_copy", "yes"),
                ("message", f"The secret is {marker} indeed."),
            ],
            [("files", f"{marker}.pdf", size, repeating_chunks(size, marker=marker.encode()))],
        )
        response = browser.post(
            server.url + "/en/submit",
            data=body,
            headers={"Content-Type": body.content_type, "Content-Length": str(len(body))},
            allow_redirects=False,
            timeout=300,
        )
        assert response.status_code == 302

        with ctx.sessions() as db:
            reporter_id = db.scalar(select(Reporter.id))
        assert reporter_id is not None
        reply = replies.reply_to_reporter(
            ctx, reporter_id=reporter_id, confidant_id=confidant_id, text=f"Reply {marker}"
        )

        returning = requests.Session()
        login = returning.get(server.url + "/en/login", timeout=30).text
        page = returning.post(
            server.url + "/en/login",
            data={"codename": codename, "csrf_token": CSRF_RE.search(login).group(1)},  # type: ignore[union-attr]
            timeout=60,
        ).text
        assert f"Reply {marker}" in page  # decrypted for the reporter, in memory
        assert f"The secret is {marker}" in page  # their own copy, decrypted in memory too
        assert f"{marker}.pdf" in page
        csrf = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
        deleted = returning.post(
            server.url + f"/en/reply/{reply.id}/delete", data={"csrf_token": csrf}, timeout=30
        )
        assert deleted.status_code == 200

        # An aborted upload carrying the marker.
        cookie = returning.cookies.get("kring_source")
        aborted = MultipartBody(
            [("csrf_token", csrf), ("message", f"aborted {marker}")],
            [
                (
                    "files",
                    f"aborted-{marker}.bin",
                    size,
                    repeating_chunks(size, marker=marker.encode()),
                )
            ],
        )
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(
                (
                    f"POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: kring_source={cookie}\r\n"
                    f"Content-Type: {aborted.content_type}\r\nContent-Length: {len(aborted)}\r\n\r\n"
                ).encode()
            )
            sock.sendall(aborted.read(10 * 1024 * 1024))
            time.sleep(0.5)
        time.sleep(1.0)

        needles = [marker.encode(), codename.encode()]
        roots = [*SCAN_ROOTS, instance]
        assert scan(roots, needles, started) == []
        assert marker.encode() not in log_path.read_bytes()

        # And after deleting everything, too.
        csrf = CSRF_RE.search(returning.get(server.url + "/en/delete", timeout=30).text).group(1)  # type: ignore[union-attr]
        done = returning.post(
            server.url + "/en/delete", data={"csrf_token": csrf, "confirm": "yes"}, timeout=30
        )
        assert done.status_code == 200
        assert scan(roots, needles, started) == []
    ctx.engine.dispose()
    # The log holds no client address either.
    assert "127.0.0.1" not in log_path.read_text(errors="replace")
