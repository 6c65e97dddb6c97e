"""Enrolment only the account holder sees, and the admin takeover it stops.

Everything goes through the real app (Flask test client, no JavaScript),
real argon2, real SQLite; TOTP codes come from pyotp on the app's clock.
"""

from __future__ import annotations

import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from kring.core import audit
from kring.core.accounts import records
from kring.core.context import CoreContext
from tests.conftest import ConfidantKeyPair
from tests.journalist_ui.conftest import Account, Clock, csrf, login, post

SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
PASSWORD_RE = re.compile(r'<p class="password"><code>([^<]+)</code>')


def _login(client: FlaskClient, username: str, password: str, code: str) -> tuple[int, str]:
    token = csrf(client)
    with client.post(
        "/en/login",
        data={"csrf_token": token, "username": username, "password": password, "totp": code},
    ) as response:
        return response.status_code, response.headers.get("Location", "") or response.get_data(
            as_text=True
        )


def _create(client: FlaskClient, admin: Account, clock: Clock, username: str) -> str:
    """The admin adds an account in the web UI; returns the one-time password shown."""
    status, html = post(
        client,
        "/en/admin/accounts",
        {"username": username, "display_name": username.title(), "totp": admin.code(clock)},
        page="/en/admin/accounts",
    )
    clock.advance()
    assert status == 200, html
    shown = PASSWORD_RE.search(html)
    assert shown
    assert "otpauth" not in html and 'class="secret"' not in html  # no TOTP secret for the admin
    return shown.group(1)


def _choose_password(client: FlaskClient, issued: str, own: str) -> tuple[int, str]:
    token = csrf(client, "/en/welcome/password")
    with client.post(
        "/en/welcome/password",
        data={
            "csrf_token": token,
            "current_password": issued,
            "new_password": own,
            "new_password_again": own,
        },
    ) as response:
        return response.status_code, response.headers.get("Location", "") or response.get_data(
            as_text=True
        )


def _enrol_page(client: FlaskClient) -> tuple[str | None, str]:
    with client.get("/en/enrol") as page:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
    found = SECRET_RE.search(html)
    return (found.group(1).replace(" ", "") if found else None), html


def _confirm(client: FlaskClient, code: str) -> int:
    token = csrf(client, "/en/enrol")
    with client.post("/en/enrol", data={"csrf_token": token, "totp": code}) as response:
        return response.status_code


def test_holder_chooses_a_password_then_scans_a_key_shown_once(
    app: Flask, client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    login(client, admin, clock)
    issued = _create(client, admin, clock, "carla")
    holder = app.test_client()
    status, where = _login(holder, "carla", issued, "")
    assert status == 302 and where.endswith("/en/welcome/password")
    # Nothing but enrolment: the inbox, the account page and the key page send back.
    for path in ("/en/", "/en/account/", "/en/enrol", "/en/admin/accounts"):
        with holder.get(path) as page:
            assert page.status_code == 302, path
            assert page.headers["Location"].endswith("/en/welcome/password"), path
    status, html = _choose_password(holder, issued, issued)
    assert status == 400 and "not the one you were given" in html
    status, html = _choose_password(holder, "a wrong given password", "carla's own password")
    assert status == 400
    status, where = _choose_password(holder, issued, "carla's own password")
    assert status == 302 and where.endswith("/en/enrol")
    with holder.get("/en/") as inbox:  # still only enrolment
        assert inbox.status_code == 302 and inbox.headers["Location"].endswith("/en/enrol")
    secret, html = _enrol_page(holder)
    assert secret and "<svg" in html and "<script" not in html and "<img" not in html
    # Opened twice: the key is not shown again.
    again, html = _enrol_page(holder)
    assert again is None and "already shown" in html and secret not in html.replace(" ", "")
    assert (
        _confirm(holder, "000000" if pyotp.TOTP(secret).at(clock.now) != "000000" else "1") == 403
    )
    code = pyotp.TOTP(secret).at(clock.now)
    assert _confirm(holder, code) == 302
    with holder.get("/en/") as inbox:
        assert inbox.status_code == 200
    with holder.get("/en/enrol") as page:  # enrolled: nothing to show
        assert page.status_code == 302
    # The code used to enrol cannot be replayed to log in.
    token = csrf(holder, "/en/")
    holder.post("/en/logout", data={"csrf_token": token})
    status, html = _login(holder, "carla", "carla's own password", code)
    assert status == 403 and "already used" in html
    clock.advance()
    status, _ = _login(holder, "carla", "carla's own password", pyotp.TOTP(secret).at(clock.now))
    assert status == 302
    actions = [
        (e.actor, e.action) for e in audit.list_entries(jctx, viewer_id=admin.id, page=1).entries
    ]
    for step in (
        ("anna", "account_created"),
        ("carla", "password_set"),
        ("carla", "totp_issued"),
        ("carla", "totp_enrolled"),
    ):
        assert step in actions


def test_a_new_key_on_request_and_the_first_one_stops_working(
    app: Flask, client: FlaskClient, admin: Account, clock: Clock
) -> None:
    login(client, admin, clock)
    issued = _create(client, admin, clock, "dirk")
    holder = app.test_client()
    _login(holder, "dirk", issued, "")
    _choose_password(holder, issued, "dirk's own password!")
    first, _ = _enrol_page(holder)
    token = csrf(holder, "/en/enrol")
    with holder.post("/en/enrol/new", data={"csrf_token": token}) as response:
        assert response.status_code == 302
    second, _ = _enrol_page(holder)
    assert first and second and first != second
    assert _confirm(holder, pyotp.TOTP(first).at(clock.now)) == 403
    assert _confirm(holder, pyotp.TOTP(second).at(clock.now)) == 302


def test_the_old_admin_takeover_fails_at_each_step(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    bart: Account,
    clock: Clock,
    jctx: CoreContext,
    third_key: ConfidantKeyPair,
) -> None:
    """Anna (admin) tries to become Bart, as she could when admins saw the password and TOTP secret."""
    login(client, admin, clock)
    attacker = app.test_client()
    # 1. She never saw Bart's password: the one she was shown was temporary and
    #    Bart replaced it (the fixture walked Bart's own steps).
    accounts_page = client.get("/en/admin/accounts").get_data(as_text=True)
    assert bart.secret not in accounts_page and bart.password not in accounts_page
    # 2. She resets his password: it logs in only with Bart's own TOTP code.
    base = f"/en/admin/accounts/{bart.id}"
    status, html = post(
        client, f"{base}/reset-password", {"totp": admin.code(clock)}, page="/en/admin/accounts"
    )
    clock.advance()
    issued = PASSWORD_RE.search(html)
    assert status == 200 and issued
    status, _ = _login(attacker, "bart", issued.group(1), "")
    assert status == 403
    status, _ = _login(attacker, "bart", issued.group(1), "123456")
    assert status == 403
    # 3. She also resets his TOTP: refused, one admin cannot hold both.
    status, html = post(
        client, f"{base}/reset-totp", {"totp": admin.code(clock)}, page="/en/admin/accounts"
    )
    clock.advance()
    assert status == 409 and "different admin" in html
    # 4. The enrolment page shows her nothing: she is not logged in as Bart.
    with attacker.get("/en/enrol") as page:
        assert page.status_code == 401 and "secret" not in page.get_data(as_text=True)
    # 5. Her own account cannot change Bart's key: the key form is per session
    #    and asks for the holder's password and code.
    status, _ = post(
        attacker,
        "/en/account/key",
        {"public_key": third_key.public_key, "password": issued.group(1), "totp": "123456"},
        page="/en/login",
    )
    assert status in (401, 403)
    assert records.get_account(jctx, bart.id).fingerprint != third_key.fingerprint
    # Bart logs in with the reset password and his own code, chooses a new
    # password, and is told what happened.
    holder = app.test_client()
    status, where = _login(holder, "bart", issued.group(1), bart.code(clock))
    assert status == 302 and where.endswith("/en/welcome/password")
    status, where = _choose_password(holder, issued.group(1), "bart's brand new password")
    assert status == 302
    with holder.get(where) as page:
        html = page.get_data(as_text=True)
    assert "admin anna reset your password" in html


def test_key_change_needs_password_and_code_and_is_announced_at_next_login(
    app: Flask,
    client: FlaskClient,
    bart: Account,
    clock: Clock,
    jctx: CoreContext,
    third_key: ConfidantKeyPair,
) -> None:
    login(client, bart, clock)
    page = "/en/account/"
    wrong = "000000" if bart.code(clock) != "000000" else "111111"
    for data, status_wanted in (
        ({"password": bart.password, "totp": wrong}, 403),
        ({"password": "not bart's password", "totp": bart.code(clock)}, 403),
    ):
        status, _ = post(
            client, "/en/account/key", {"public_key": third_key.public_key, **data}, page=page
        )
        assert status == status_wanted
    assert records.get_account(jctx, bart.id).fingerprint != third_key.fingerprint
    status, _ = post(
        client,
        "/en/account/key",
        {"public_key": third_key.public_key, "password": bart.password, "totp": bart.code(clock)},
        page=page,
    )
    clock.advance()
    assert status == 302
    assert records.get_account(jctx, bart.id).fingerprint == third_key.fingerprint
    assert ("bart", "key_changed") in [
        (e.actor, e.action) for e in audit.list_entries(jctx, viewer_id=bart.id, page=1).entries
    ]
    other = app.test_client()
    login(other, bart, clock)
    with other.get("/en/") as inbox:
        html = inbox.get_data(as_text=True)
    fpr = third_key.fingerprint
    assert "public key of your account was changed" in html
    assert " ".join(fpr[i : i + 4] for i in range(0, len(fpr), 4)) in html
    with other.get("/en/") as again:  # told once
        assert "public key of your account was changed" not in again.get_data(as_text=True)


def test_account_page_shows_the_fingerprint_reports_are_encrypted_to(
    client: FlaskClient, bart: Account, clock: Clock, other_confidant_key: ConfidantKeyPair
) -> None:
    login(client, bart, clock)
    with client.get("/en/account/") as page:
        html = page.get_data(as_text=True)
    fpr = other_confidant_key.fingerprint
    grouped = " ".join(fpr[i : i + 4] for i in range(0, len(fpr), 4))
    assert f'<code class="fingerprint" id="encrypts-to">{grouped}</code>' in html
    assert "Everything sent to you is encrypted to the key with this fingerprint" in html
    assert "kring-workstation check" in html
