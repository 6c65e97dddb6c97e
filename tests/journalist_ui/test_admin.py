"""Admin pages and one's own account: accounts, keys, settings, the audit log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kring.core.context import CoreContext
from kring.core.models import AuditEntry, Confidant
from kring.crypto.gpg import GpgHome
from tests.conftest import ConfidantKeyPair
from tests.journalist_ui.conftest import (
    Account,
    Clock,
    login,
    make_account,
    post,
    write_report,
)


@pytest.fixture
def weak_rsa_key(tmp_path_factory: pytest.TempPathFactory) -> str:
    home = GpgHome(tmp_path_factory.mktemp("weak")).ensure()
    made = home.run(
        ["--gen-key"],
        input_bytes=b"%no-protection\nKey-Type: RSA\nKey-Length: 2048\nName-Real: Weak\n%commit\n",
    )
    assert made.returncode == 0
    key = home.run(["--armor", "--export"]).stdout.decode()
    home.kill_agent()
    return key


def _accounts(ctx: CoreContext) -> int:
    with ctx.sessions() as db:
        return db.scalar(select(func.count()).select_from(Confidant)) or 0


def test_admin_adds_a_confidant_with_a_fresh_code(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    login(client, admin, clock)
    page = "/en/admin/accounts"
    status, html = post(
        client,
        page,
        {"username": "carla", "display_name": "Carla", "role": "confidant", "totp": "000000"},
        page=page,
    )
    assert status == 403 and _accounts(jctx) == 1
    status, html = post(
        client,
        page,
        {
            "username": "carla",
            "display_name": "Carla",
            "role": "confidant",
            "totp": admin.code(clock),
        },
        page=page,
    )
    assert status == 200
    password = re.search(r'<p class="password"><code>([^<]+)</code>', html)
    assert password and len(password.group(1).split(" ")) == 7
    assert _accounts(jctx) == 2
    clock.advance()
    status, html = post(
        client,
        page,
        {"username": "carla", "display_name": "C", "totp": admin.code(clock)},
        page=page,
    )
    assert status == 409 and "taken" in html
    # The new confidant logs in with the shown password and must choose their own.
    other = client.application.test_client()
    from tests.journalist_ui.conftest import csrf

    token = csrf(other)
    with other.post(
        "/en/login",
        data={"csrf_token": token, "username": "carla", "password": password.group(1), "totp": ""},
    ) as r:
        assert r.status_code == 302 and r.headers["Location"].endswith("/en/welcome/password")


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"role": "superuser"}, 400, "We could not understand that request"),
        ({"username": "C"}, 400, "That username or name is not allowed"),
        ({"display_name": "   "}, 400, "That username or name is not allowed"),
        ({"display_name": "x" * 121}, 400, "That username or name is not allowed"),
        ({"display_name": "Carla\x07"}, 400, "That username or name is not allowed"),
    ],
)
def test_a_bad_new_account_is_refused_before_the_code_is_asked(
    client: FlaskClient,
    admin: Account,
    clock: Clock,
    jctx: CoreContext,
    form: dict[str, str],
    status: int,
    says: str,
) -> None:
    """The form is checked first (a wrong code then would hide what to fix); nothing is added."""
    login(client, admin, clock)
    page = "/en/admin/accounts"
    good = {"username": "carla", "display_name": "Carla", "role": "confidant", "totp": "000000"}
    got, html = post(client, page, {**good, **form}, page=page)
    assert got == status and says in html
    assert _accounts(jctx) == 1


def test_confidants_cannot_open_admin_pages(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock
) -> None:
    login(client, bart, clock)
    for url in ("/en/admin/accounts", "/en/admin/settings", "/en/admin/audit"):
        with client.get(url) as r:
            assert r.status_code == 403, url
    status, _ = post(
        client,
        "/en/admin/accounts",
        {"username": "eve", "display_name": "Eve", "totp": bart.code(clock)},
    )
    assert status == 403


def test_disable_reset_and_delete(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock, jctx: CoreContext
) -> None:
    login(client, admin, clock)
    base = f"/en/admin/accounts/{bart.id}"
    page = "/en/admin/accounts"
    assert post(client, f"{base}/active", {"active": "0"}, page=page)[0] == 302
    with jctx.sessions() as db:
        assert db.get(Confidant, bart.id).is_active is False  # type: ignore[union-attr]
    assert post(client, f"{base}/active", {"active": "1"}, page=page)[0] == 302
    assert post(client, f"{base}/reset-totp", {"totp": admin.code(clock)}, page=page)[0] == 302
    with jctx.sessions() as db:
        row = db.get(Confidant, bart.id)
        assert row is not None and not row.totp_confirmed and row.totp_secret is None
    clock.advance()
    # The same admin cannot also reset the password: that would open the account.
    status, html = post(client, f"{base}/reset-password", {"totp": admin.code(clock)}, page=page)
    assert status == 409 and "different admin" in html
    clock.advance()
    assert post(client, f"{base}/delete", {"totp": admin.code(clock)}, page=page)[0] == 302
    assert _accounts(jctx) == 1
    clock.advance()
    assert post(client, f"{base}/delete", {"totp": admin.code(clock)}, page=page)[0] == 404
    clock.advance()
    status, html = post(
        client, f"/en/admin/accounts/{admin.id}/delete", {"totp": admin.code(clock)}, page=page
    )
    assert status == 409 and "last active admin" in html


def test_confidant_with_own_conversations_cannot_be_deleted(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock, jctx: CoreContext
) -> None:
    write_report(jctx, "alpha bravo charlie delta echo fox golf", message="m", recipient=bart.id)
    login(client, admin, clock)
    status, html = post(
        client,
        f"/en/admin/accounts/{bart.id}/delete",
        {"totp": admin.code(clock)},
        page="/en/admin/accounts",
    )
    assert status == 409 and "Disable the account instead" in html
    assert _accounts(jctx) == 2


def test_own_key_upload_checked_and_fingerprint_in_groups(
    client: FlaskClient,
    jctx: CoreContext,
    clock: Clock,
    other_confidant_key: ConfidantKeyPair,
    weak_rsa_key: str,
) -> None:
    carla = make_account(jctx, clock, "carla")
    login(client, carla, clock)
    page = "/en/account/"
    for bad, words in (("garbage", "refused"), (weak_rsa_key, "refused")):
        status, html = post(
            client,
            "/en/account/key",
            {"public_key": bad, "password": carla.password, "totp": carla.code(clock)},
            page=page,
        )
        assert status == 400 and words in html
        clock.advance()
    assert jctx.sessions().get(Confidant, carla.id).public_key is None  # type: ignore[union-attr]
    status, _ = post(
        client,
        "/en/account/key",
        {
            "public_key": other_confidant_key.public_key,
            "password": carla.password,
            "totp": carla.code(clock),
        },
        page=page,
    )
    assert status == 302
    with client.get(page) as r:
        html = r.get_data(as_text=True)
    fpr = other_confidant_key.fingerprint
    grouped = " ".join(fpr[i : i + 4] for i in range(0, len(fpr), 4))
    assert grouped in html


def test_change_own_password(client: FlaskClient, admin: Account, clock: Clock) -> None:
    login(client, admin, clock)
    page = "/en/account/"
    status, html = post(
        client,
        "/en/account/password",
        {
            "current_password": admin.password,
            "new_password": "too short",
            "new_password_again": "too short",
        },
        page=page,
    )
    assert status == 400 and "14 characters" in html
    new = "correct horse battery staple"
    status, _ = post(
        client,
        "/en/account/password",
        {"current_password": admin.password, "new_password": new, "new_password_again": new},
        page=page,
    )
    assert status == 302
    with client.get("/en/") as r:  # the session goes on after one's own change
        assert r.status_code == 200


def test_instance_settings(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    login(client, admin, clock)
    page = "/en/admin/settings"
    good = {
        "organisation_name": "Acme Care",
        "max_submission_mb": "200",
        "session_idle_minutes": "15",
        "session_absolute_minutes": "60",
    }
    status, html = post(client, page, {**good, "session_idle_minutes": "1"}, page=page)
    assert status == 400 and "out of range" in html
    assert post(client, page, good, page=page)[0] == 302
    with client.get(page) as r:
        html = r.get_data(as_text=True)
    assert "Acme Care" in html and 'value="200"' in html
    from kring.core.instance_settings import current_options

    assert current_options(jctx).max_submission_bytes == 200_000_000
    clock.advance(16 * 60)  # the new idle limit applies at once
    with client.get("/en/") as r:
        assert r.status_code == 401


def test_audit_log_names_and_days_never_content(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    from tests.journalist_ui.conftest import designation_of

    slug = designation_of(
        jctx, write_report(jctx, "alpha bravo charlie delta echo fox golf", message="m")
    )
    login(client, admin, clock)
    post(client, f"/en/c/{slug}/reply", {"text": "Secret-reply-text"})
    with client.get("/en/admin/audit") as r:
        html = r.get_data(as_text=True)
    assert "replied in" in html and slug.replace("-", " ") in html and "anna" in html
    assert "Secret-reply-text" not in html
    with jctx.sessions() as db:
        for entry in db.scalars(select(AuditEntry)):
            assert "Secret" not in f"{entry.actor}{entry.action}{entry.designation}{entry.account}"


def test_security_headers_and_no_scripts(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    login(client, admin, clock)
    slug = None
    for url in (
        "/en/login",
        "/en/",
        "/en/account/",
        "/en/admin/accounts",
        "/en/admin/settings",
        "/en/admin/audit",
    ):
        with client.get(url) as r:
            assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
            assert (
                r.headers["Cache-Control"] == "no-store" and r.headers["X-Frame-Options"] == "DENY"
            )
            html = r.get_data(as_text=True)
            assert "<script" not in html and "style=" not in html
            for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S):
                assert 'name="csrf_token"' in form
    assert slug is None
    assert Path(jctx.settings.instance_dir).exists()


def test_content_editor_is_mounted_behind_the_admin_check(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock
) -> None:
    with client.get("/en/admin/content/") as anonymous:  # a first visit: to the login page
        assert anonymous.status_code == 302 and "/en/login" in anonymous.headers["Location"]
    login(client, bart, clock)
    with client.get("/en/admin/content/") as confidant:
        assert confidant.status_code == 403
    other = client.application.test_client()
    login(other, admin, clock)
    with other.get("/en/admin/content/") as page:
        assert page.status_code == 200
