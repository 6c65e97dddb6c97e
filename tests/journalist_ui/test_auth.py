"""Login with password and TOTP, enrolment, sessions, throttling and CSRF."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kring.core.accounts import admin as accounts_admin
from kring.core.context import CoreContext
from kring.journalist_ui.state import JournalistState
from tests.journalist_ui.conftest import Account, Clock, csrf, login


def _login_form(
    client: FlaskClient, account: Account, *, password: str | None = None, code: str = ""
) -> tuple[int, str]:
    token = csrf(client)
    with client.post(
        "/en/login",
        data={
            "csrf_token": token,
            "username": account.username,
            "password": account.password if password is None else password,
            "totp": code,
        },
    ) as response:
        return response.status_code, response.get_data(as_text=True)


def test_factory_and_login_page(app: Flask, client: FlaskClient) -> None:
    assert app.config["SESSION_COOKIE_NAME"] == "kring_journalist"
    with client.get("/en/login") as page:
        assert page.status_code == 200
        assert 'name="totp"' in page.get_data(as_text=True)
    with client.get("/") as root:
        assert root.status_code == 302


def test_login_gives_a_new_session_id(client: FlaskClient, admin: Account, clock: Clock) -> None:
    with client.get("/en/login"):
        pass
    before = client.get_cookie("kring_journalist")
    login(client, admin, clock)
    after = client.get_cookie("kring_journalist")
    assert after is not None and (before is None or before.value != after.value)
    with client.get("/en/") as inbox:
        assert inbox.status_code == 200


def test_wrong_password_or_code_is_refused(
    client: FlaskClient, admin: Account, clock: Clock
) -> None:
    status, html = _login_form(client, admin, password="not the password", code=admin.code(clock))
    assert status == 403 and "The username, password or code is wrong." in html
    wrong = "000000" if admin.code(clock) != "000000" else "111111"
    status, html = _login_form(client, admin, code=wrong)
    assert status == 403 and "The username, password or code is wrong." in html
    status, _ = _login_form(client, admin, code="")
    assert status == 403
    with client.get("/en/") as inbox:
        assert inbox.status_code == 401


def test_a_used_code_cannot_be_replayed(
    client: FlaskClient, admin: Account, clock: Clock, app: Flask
) -> None:
    code = admin.code(clock)
    assert _login_form(client, admin, code=code)[0] == 302
    other = app.test_client()
    status, html = _login_form(other, admin, code=code)
    assert status == 403 and "already used" in html
    with other.get("/en/") as inbox:
        assert inbox.status_code == 401


def test_more_than_five_failures_per_minute_are_refused(
    client: FlaskClient, admin: Account, clock: Clock
) -> None:
    for _ in range(5):
        assert _login_form(client, admin, password="wrong password", code="123456")[0] == 403
    status, html = _login_form(client, admin, code=admin.code(clock))
    assert status == 429 and "Too many failed attempts" in html
    clock.advance(61)
    assert _login_form(client, admin, code=admin.code(clock))[0] == 302


def test_session_ends_after_idle_time(client: FlaskClient, admin: Account, clock: Clock) -> None:
    login(client, admin, clock)
    clock.advance(29 * 60)
    with client.get("/en/") as page:
        assert page.status_code == 200
    clock.advance(31 * 60)
    with client.get("/en/") as page:
        assert page.status_code == 401
        assert "Your session has ended" in page.get_data(as_text=True)


def test_session_ends_after_two_hours_however_active(
    client: FlaskClient, admin: Account, clock: Clock
) -> None:
    login(client, admin, clock)
    for _ in range(7):  # active every 20 minutes, 140 minutes in all
        clock.advance(20 * 60)
        with client.get("/en/") as page:
            status = page.status_code
    assert status == 401


def test_post_after_session_expired_is_refused_without_change(
    client: FlaskClient, admin: Account, clock: Clock
) -> None:
    login(client, admin, clock)
    token = csrf(client, "/en/account/")
    clock.advance(31 * 60)
    with client.post(
        "/en/account/password",
        data={
            "csrf_token": token,
            "current_password": admin.password,
            "new_password": "x" * 20,
            "new_password_again": "x" * 20,
        },
    ) as r:
        assert r.status_code == 400
        assert "This form has expired" in r.get_data(as_text=True)


def test_csrf_failure_is_a_clear_400(client: FlaskClient, admin: Account, clock: Clock) -> None:
    with client.post(
        "/en/login",
        data={"username": admin.username, "password": admin.password, "totp": admin.code(clock)},
    ) as r:
        assert r.status_code == 400 and "This form has expired" in r.get_data(as_text=True)
    with client.get("/en/") as inbox:  # never logged in: plainly to the login page
        assert inbox.status_code == 302 and "/en/login" in inbox.headers["Location"]


def test_disabled_account_is_logged_out(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock, jctx: CoreContext
) -> None:
    login(client, bart, clock)
    accounts_admin.set_active(jctx, bart.id, active=False, actor="anna")
    with client.get("/en/") as page:
        assert page.status_code == 401
    assert _login_form(client, bart, code=bart.code(clock))[0] == 403


def test_logout(client: FlaskClient, admin: Account, clock: Clock) -> None:
    login(client, admin, clock)
    token = csrf(client, "/en/")
    with client.post("/en/logout", data={"csrf_token": token}) as r:
        assert r.status_code == 302
    with client.get("/en/") as page:  # the cookie went with the session
        assert page.status_code == 302 and "/en/login" in page.headers["Location"]


def test_unknown_language_is_404(client: FlaskClient, admin: Account, clock: Clock) -> None:
    login(client, admin, clock)
    with client.get("/xx/") as page:
        assert page.status_code == 404


def test_state_clock_is_shared(app: Flask, clock: Clock) -> None:
    state: JournalistState = app.extensions["kring_journalist"]
    assert state.now() == clock.now


def test_first_visit_opens_the_login_page_without_an_error(client: FlaskClient) -> None:
    with client.get("/en/") as first:
        assert first.status_code == 302 and first.headers["Location"].endswith("/en/login")
    with client.get("/en/login") as page:
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Your session has ended" not in text


def test_an_ended_session_is_still_told_so(
    client: FlaskClient, admin: Account, clock: Clock
) -> None:
    login(client, admin, clock)
    clock.advance(3 * 60 * 60)  # past every session limit
    with client.get("/en/") as page:
        assert page.status_code == 401
        assert "Your session has ended" in page.get_data(as_text=True)
