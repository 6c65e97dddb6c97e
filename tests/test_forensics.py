"""The server thief's view: after the scrub, nothing on disk dates a reporter's action.

Reporters submit (message and file), a confidant replies through the journalist
app, a reporter logs in again, reads the reply and writes once more, another
reporter deletes their conversation; all with real gpg and a real SQLite
database. Then ``kring scrub`` runs. Every file and folder under the instance
is stat'ed (access, modification, change and, where the filesystem keeps it,
birth time), and every value in the database, its WAL and the OpenPGP packets
it and the store hold is read: no time may fall inside the reporters' activity.
Day starts are allowed (the day is what Kring keeps). The folder of throwaway gpg
homes on tmpfs (codename creation, signing, reply decryption) holds nothing after
and its access and modification times are the day's start.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from kring.cli import main as kring_cli
from kring.core.accounts import records
from kring.core.context import CoreContext
from kring.core.reporting import access as reporting_access
from kring.crypto.ephemeral import prepare_ephemeral_parent
from kring.journalist_ui import create_app as create_journalist_app
from kring.journalist_ui.state import JournalistState
from kring.source_ui import create_app as create_source_app
from tests.conftest import ConfidantKeyPair
from tests.journalist_ui.conftest import Clock, designation_of, login, make_account, post
from tests.source_ui.conftest import csrf_from, get_codename, submit

DAY_NS = 86_400 * 10**9
ISO_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\b\d{2}:\d{2}:\d{2}\b")
PACKET_TIME = re.compile(r"(?:created|mtime|timestamp)[ :]+(\d{9,11})")


def _birth_ns(path: Path) -> int | None:
    """Birth time through statx (coreutils ``stat %W``); None where not kept."""
    out = subprocess.run(
        ["stat", "--format=%W %.9W", str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    if out[0] in {"0", "-"}:
        return None
    seconds, _, fraction = out[1].partition(".")
    return int(seconds) * 10**9 + int((fraction or "0").ljust(9, "0")[:9])


def _every_path(root: Path) -> Iterator[Path]:
    yield root
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            yield Path(folder) / name


def _file_times(path: Path) -> dict[str, int | None]:
    st = os.lstat(path)
    return {
        "atime": st.st_atime_ns,
        "mtime": st.st_mtime_ns,
        "ctime": st.st_ctime_ns,
        "btime": _birth_ns(path),
    }


def _inside(value: int, window: tuple[int, int]) -> bool:
    return window[0] <= value < window[1] and value % DAY_NS != 0


def _login_and_write(client: FlaskClient, codename: str) -> None:
    page = client.get("/en/login").get_data(as_text=True)
    response = client.post("/en/login", data={"codename": codename, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    conversation = client.get("/en/conversation")
    assert conversation.status_code == 200
    assert "Thank you for telling us" in conversation.get_data(as_text=True)
    status, _ = submit(client, message="One more thing.", path="formal")
    assert status == 302


def _delete_conversation(client: FlaskClient, codename: str) -> None:
    page = client.get("/en/login").get_data(as_text=True)
    client.post("/en/login", data={"codename": codename, "csrf_token": csrf_from(page)})
    form = client.get("/en/delete").get_data(as_text=True)
    response = client.post("/en/delete", data={"confirm": "yes", "csrf_token": csrf_from(form)})
    assert response.status_code == 200


@dataclasses.dataclass
class _Running:
    """Both apps started, a confidant logged in: what is there before reporters come."""

    source: Flask
    confidant_browser: FlaskClient


def _start_apps(ctx: CoreContext, confidant_key: ConfidantKeyPair) -> _Running:
    clock = Clock(now=time.time())
    admin = make_account(ctx, clock, "anna", role=records.Role.ADMIN, key=confidant_key)
    journalist = create_journalist_app(ctx.settings, context=ctx)
    journalist.config["TESTING"] = True
    state: JournalistState = journalist.extensions["kring_journalist"]
    state.clock = clock
    confidant_browser = journalist.test_client()
    login(confidant_browser, admin, clock)
    source = create_source_app(ctx.settings, context=ctx)
    source.config["TESTING"] = True
    return _Running(source, confidant_browser)


def _reporters_act(ctx: CoreContext, running: _Running) -> None:
    """Everything a reporter does, with a confidant's reply in between."""
    source = running.source
    first = source.test_client()
    codename = get_codename(first)
    status, _ = submit(
        first, message="My manager shouts at me.", files=[("notes.txt", b"on the 3rd")]
    )
    assert status == 302
    leaving = source.test_client()
    leaving_codename = get_codename(leaving)
    assert submit(leaving, message="I changed my mind later.")[0] == 302

    slug = designation_of(ctx, reporting_access.derive_secrets(ctx, codename))
    status, _ = post(
        running.confidant_browser, f"/en/c/{slug}/reply", {"text": "Thank you for telling us"}
    )
    assert status == 302

    _login_and_write(source.test_client(), codename)
    _delete_conversation(source.test_client(), leaving_codename)


def _database_values(database: Path) -> Iterator[tuple[str, object]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from schema
                for value in row:
                    yield table, value


def _packet_times(key: ConfidantKeyPair, data: bytes) -> list[int]:
    listed = key.home.run(["--list-packets"], input_bytes=data)
    return [int(t) for t in PACKET_TIME.findall(listed.stdout.decode("utf-8", "replace"))]


def test_after_the_scrub_nothing_dates_a_reporters_action(
    ctx: CoreContext, confidant_key: ConfidantKeyPair, private_tmpfs: Path
) -> None:
    instance = ctx.settings.instance_dir
    gpg_homes = prepare_ephemeral_parent()  # as a worker's start does (kring.web.wsgi)
    running = _start_apps(ctx, confidant_key)
    # File times come from the kernel's coarse clock (a few ms behind
    # time.time_ns()): the margins keep setup and scrub out of the window.
    time.sleep(0.05)
    started = time.time_ns() - 10_000_000
    _reporters_act(ctx, running)
    time.sleep(0.02)
    scrub_start = time.time_ns()
    time.sleep(0.05)
    result = CliRunner().invoke(kring_cli, ["scrub", "--instance", str(instance)])
    assert result.exit_code == 0, result.output
    window = (started, scrub_start)

    # Times before the listing: reading a folder moves its access time (relatime). Its
    # change time cannot be set; it lives in memory only (docs/threat-model.md).
    st = os.stat(gpg_homes)
    assert not [t for t in (st.st_atime_ns, st.st_mtime_ns) if _inside(t, window)]
    assert list(gpg_homes.iterdir()) == []

    leaks = [
        f"{path.relative_to(instance.parent)} {kind}"
        for path in _every_path(instance)
        for kind, value in _file_times(path).items()
        if value is not None and _inside(value, window)
    ]
    assert leaks == []

    seconds = (started // 10**9, scrub_start // 10**9 + 1)
    database = instance / "kring.sqlite"
    for table, value in _database_values(database):
        if isinstance(value, int) and not isinstance(value, bool):
            for scale in (1, 1000, 10**6, 10**9):
                assert not seconds[0] <= value // scale < seconds[1], (table, value)
        elif isinstance(value, str):
            assert not ISO_TIME.search(value.encode()), (table, value)
        if isinstance(value, (str, bytes)) and (
            b"PGP" in (value.encode() if isinstance(value, str) else value)[:40]
            or isinstance(value, bytes)
        ):
            data = value.encode() if isinstance(value, str) else value
            for moment in _packet_times(confidant_key, data):
                assert not seconds[0] <= moment < seconds[1], (table, moment)
    for raw in (database, database.with_name("kring.sqlite-wal")):
        if raw.exists():
            assert not ISO_TIME.search(raw.read_bytes()), raw.name
    blobs = [p for p in (instance / "store").rglob("*.gpg")]
    assert len(blobs) == 4  # message, file, reply, follow-up; the deleted one is gone
    for blob in blobs:
        for moment in _packet_times(confidant_key, blob.read_bytes()):
            assert not seconds[0] <= moment < seconds[1], (blob.name, moment)
