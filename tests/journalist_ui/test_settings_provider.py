"""One settings provider: the file's values as defaults, an admin's save on top, in both apps.

The two apps are separate processes on one database; here each gets its own
core context (its own engine, so its own provider cache), both on this
test's real SQLite instance. The admin saves through the real settings form
of journalist_ui; what each former inconsistency read is checked in the app
that reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import csrf as wtf_csrf
from sqlalchemy import event

from kring import source_ui
from kring.core.accounts import totp
from kring.core.context import CoreContext, build_context
from kring.journalist_ui.auth import inline_qr
from kring.web.sessions import MemorySessionStore
from tests.journalist_ui.conftest import Account, Clock, csrf, login, make_account, post
from tests.source_ui.conftest import get_codename

SETTINGS = "/en/admin/settings"
DEFAULTS = {
    "organisation_name": "Test organisation",
    "max_submission_mb": "500",
    "session_idle_minutes": "30",
    "session_absolute_minutes": "120",
    "insights_k": "5",
}
TITLE_RE = re.compile(r"<title>[^<]*· ([^<]*)</title>")


@pytest.fixture
def reporters_app(jctx: CoreContext) -> Iterator[Flask]:
    """source_ui as its own process has it: another core context on the same database."""
    other = build_context(jctx.settings)
    application = source_ui.create_app(other.settings, context=other)
    application.config["TESTING"] = True
    yield application
    other.engine.dispose()


def _save(client: FlaskClient, **changes: str) -> None:
    status, html = post(client, SETTINGS, {**DEFAULTS, **changes}, page=SETTINGS)
    assert status == 302, html


def _title(client: FlaskClient, path: str) -> str:
    with client.get(path) as page:
        found = TITLE_RE.search(page.get_data(as_text=True))
    assert found
    return found.group(1)


def test_an_admins_save_reaches_the_other_apps_pages_at_its_next_request(
    client: FlaskClient, admin: Account, clock: Clock, reporters_app: Flask
) -> None:
    reporter = reporters_app.test_client()
    assert _title(reporter, "/en/") == "Test organisation"  # its cache is filled now
    get_codename(reporter)
    assert "up to 500 MB in total" in reporter.get("/en/submit").get_data(as_text=True)
    login(client, admin, clock)
    _save(client, organisation_name="Acme Care", max_submission_mb="7")
    assert _title(client, "/en/") == "Acme Care"  # the saving app at once
    assert _title(reporter, "/en/") == "Acme Care"  # the other process at its next request
    assert "up to 7 MB in total" in reporter.get("/en/submit").get_data(as_text=True)


def test_the_totp_issuer_is_the_organisation_name_in_force(
    app: Flask, client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    """Formerly read from the file while every page showed the admin's name."""
    login(client, admin, clock)
    _save(client, organisation_name="Acme Care")
    holder = make_account(jctx, clock, "carla", enrol=False)
    browser = app.test_client()
    token = csrf(browser)
    form = {"csrf_token": token, "username": "carla", "password": holder.password, "totp": ""}
    with browser.post("/en/login", data=form) as response:
        assert response.headers["Location"].endswith("/en/enrol")
    with browser.get("/en/enrol") as page:
        html = page.get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html)
    assert secret
    plain = secret.group(1).replace(" ", "")
    scanned = inline_qr(totp.provisioning_uri(plain, "carla", "Acme Care"))
    assert scanned in html
    assert inline_qr(totp.provisioning_uri(plain, "carla", "Test organisation")) not in html


def test_reporters_sessions_follow_the_idle_minutes_an_admin_sets(
    client: FlaskClient, admin: Account, clock: Clock, reporters_app: Flask
) -> None:
    """Formerly the file's 30 minutes for reporters, whatever an admin had set."""
    store = reporters_app.session_interface.store  # type: ignore[attr-defined]
    assert isinstance(store, MemorySessionStore)
    reporter_clock = Clock()
    store.clock = reporter_clock
    reporter = reporters_app.test_client()
    get_codename(reporter)
    reporter_clock.advance(6 * 60)
    assert reporter.get("/en/submit").status_code == 200  # 6 idle minutes: under 30
    login(client, admin, clock)
    _save(client, session_idle_minutes="5", session_absolute_minutes="60")
    reporter_clock.advance(6 * 60)
    with reporter.get("/en/submit") as page:  # 6 idle minutes: over 5
        assert page.status_code == 302 and page.headers["Location"].endswith("/en/login")


def test_the_confidants_form_tokens_live_as_long_as_a_session_may_after_a_save(
    client: FlaskClient, admin: Account, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Formerly fixed at the app's start: a shorter session length left tokens alive for 2 hours."""
    now = [1_900_000_000]
    # A Flask-WTF token carries its signer's timestamp: move that clock only.
    signer = wtf_csrf.URLSafeTimedSerializer.default_signer
    monkeypatch.setattr(signer, "get_timestamp", lambda _signer: now[0])
    login(client, admin, clock)
    old_token = csrf(client, SETTINGS)
    now[0] += 16 * 60
    with client.post(SETTINGS, data={"csrf_token": old_token, **DEFAULTS}) as response:
        assert response.status_code == 302  # 16 minutes old: under 120
    _save(client, session_idle_minutes="15", session_absolute_minutes="15")
    old_token = csrf(client, SETTINGS)
    now[0] += 16 * 60
    with client.post(SETTINGS, data={"csrf_token": old_token, **DEFAULTS}) as response:
        assert response.status_code == 400
        assert "This form has expired" in response.get_data(as_text=True)


def test_the_confidants_sessions_follow_a_save_without_a_view_patching_them(
    client: FlaskClient, admin: Account, clock: Clock
) -> None:
    login(client, admin, clock)
    _save(client, session_idle_minutes="10", session_absolute_minutes="20")
    clock.advance(9 * 60)
    assert client.get("/en/").status_code == 200
    clock.advance(12 * 60)  # 21 minutes since login, active: the absolute limit
    assert client.get("/en/").status_code == 401


def test_the_statistics_threshold_an_admin_sets_is_named_to_reporters(
    client: FlaskClient, admin: Account, clock: Clock, reporters_app: Flask
) -> None:
    reporter = reporters_app.test_client()
    get_codename(reporter)
    assert "never a number smaller than 5." in reporter.get("/en/submit").get_data(as_text=True)
    login(client, admin, clock)
    _save(client, insights_k="8")
    assert "never a number smaller than 8." in reporter.get("/en/submit").get_data(as_text=True)


def test_a_page_reads_the_options_once_and_only_their_change_counter(
    reporters_app: Flask,
) -> None:
    """Formerly every context processor loaded every override from the database."""
    reporter = reporters_app.test_client()
    reporter.get("/en/")  # the cache is filled
    engine = reporters_app.extensions["kring"].engine
    statements: list[str] = []

    def _seen(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", _seen)
    try:
        assert reporter.get("/en/").status_code == 200
        assert reporter.get("/en/login").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _seen)
    reads = [s for s in statements if "instance_settings" in s]
    assert len(reads) == 2  # one per request
    assert all("WHERE instance_settings.name = " in s for s in reads)
