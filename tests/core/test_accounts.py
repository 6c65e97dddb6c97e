"""Accounts: argon2id passwords, diceware, TOTP without replay, throttling, admin rules."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyotp
import pytest

from kring.core import audit, throttle
from kring.core.accounts import admin as accounts_admin
from kring.core.accounts import (
    enrolment,
    login,
    passwords,
    records,
    totp,
)
from kring.core.accounts import notices as accounts_notices
from kring.core.cases import notifications
from kring.core.codenames.wordlists import load_wordlist
from kring.core.context import CoreContext
from kring.core.models import Confidant
from kring.crypto.errors import InvalidPublicKey, WeakPublicKey
from kring.crypto.keys import PublicKeyInfo
from tests.conftest import ConfidantKeyPair
from tests.core.test_notifications import Inbox, smtp_server  # noqa: F401,F811 - fixture

T = 1_800_000_000.0


@dataclasses.dataclass(frozen=True)
class Made:
    """An account after its holder enrolled: own password, own TOTP secret."""

    account_id: int
    username: str
    password: str
    totp_secret: str
    issued: str  # the temporary password the admin was shown


def _new(ctx: CoreContext, name: str = "anna", role: records.Role = records.Role.ADMIN) -> Made:
    made = accounts_admin.create_account(
        ctx, username=name, display_name=name.title(), role=role, actor="t"
    )
    own = f"{name} chose this password"
    passwords.change_password(ctx, made.account_id, current=made.password, new=own)
    secret = totp.begin_totp_enrolment(ctx, made.account_id)
    totp.confirm_totp(
        ctx,
        made.account_id,
        pyotp.TOTP(secret).at(T),
        at=T,
        failures=throttle.FailureThrottle(),
    )
    return Made(made.account_id, made.username, own, secret, made.password)


def _auth(
    ctx: CoreContext,
    made: Made,
    *,
    at: float,
    code: str | None = None,
    password: str | None = None,
    failures: throttle.FailureThrottle | None = None,
) -> login.LoggedIn:
    return login.authenticate(
        ctx,
        username=made.username,
        password=made.password if password is None else password,
        code=pyotp.TOTP(made.totp_secret).at(at) if code is None else code,
        at=at,
        failures=failures or throttle.FailureThrottle(),
    )


def test_generated_password_is_seven_diceware_words_and_hashed_with_argon2id(
    ctx: CoreContext,
) -> None:
    made = _new(ctx)
    words = made.issued.split(" ")
    assert len(words) == 7 and set(words) <= set(load_wordlist("en"))
    with ctx.sessions() as db:
        row = db.get(Confidant, made.account_id)
        assert row is not None and row.password_hash is not None
        assert row.password_hash.startswith("$argon2id$") and made.issued not in row.password_hash


def test_login_needs_password_and_a_fresh_code(ctx: CoreContext) -> None:
    made = _new(ctx)
    logged = _auth(ctx, made, at=T + 60)
    assert logged.account_id == made.account_id and not logged.needs_enrolment
    with pytest.raises(totp.TotpReplayed):
        _auth(ctx, made, at=T + 60)
    with pytest.raises(records.LoginFailed):
        _auth(ctx, made, at=T + 120, password="wrong " * 3)
    with pytest.raises(records.LoginFailed):
        _auth(
            ctx,
            made,
            at=T + 120,
            code="000000" if pyotp.TOTP(made.totp_secret).at(T + 120) != "000000" else "111111",
        )
    with pytest.raises(records.LoginFailed):
        login.authenticate(
            ctx,
            username="nobody",
            password="x",
            code="123456",
            at=T,
            failures=throttle.FailureThrottle(),
        )
    assert _auth(ctx, made, at=T + 120).account_id == made.account_id


def test_the_enrolment_code_cannot_be_replayed_at_login(ctx: CoreContext) -> None:
    made = _new(ctx)
    with pytest.raises(totp.TotpReplayed):
        _auth(ctx, made, at=T)


def test_more_than_five_failures_a_minute_are_refused(ctx: CoreContext) -> None:
    now = [T + 60]
    failures = throttle.FailureThrottle(clock=lambda: now[0])
    made = _new(ctx)
    for _ in range(5):
        with pytest.raises(records.LoginFailed):
            _auth(ctx, made, at=now[0], password="wrong password!", failures=failures)
    with pytest.raises(throttle.LoginThrottled):
        _auth(ctx, made, at=now[0], failures=failures)  # even the right password
    now[0] += 61
    assert _auth(ctx, made, at=now[0], failures=failures).account_id == made.account_id


def test_new_account_has_a_temporary_password_and_no_totp_secret(ctx: CoreContext) -> None:
    made = accounts_admin.create_account(
        ctx, username="bart", display_name="Bart", role=records.Role.CONFIDANT, actor="admin"
    )
    row = records.get_account(ctx, made.account_id)
    assert row.password_temporary and row.totp_secret is None and not row.totp_confirmed
    logged = login.authenticate(
        ctx,
        username="bart",
        password=made.password,
        code="",
        at=T,
        failures=throttle.FailureThrottle(),
    )
    assert logged.needs_password and logged.needs_enrolment
    # Nothing to scan or confirm before the holder chose their own password.
    with pytest.raises(records.EnrolmentOrder):
        totp.begin_totp_enrolment(ctx, made.account_id)
    with pytest.raises(records.EnrolmentOrder):
        totp.confirm_totp(
            ctx, made.account_id, "000000", at=T, failures=throttle.FailureThrottle()
        )
    with pytest.raises(passwords.SamePassword):
        passwords.change_password(ctx, made.account_id, current=made.password, new=made.password)
    passwords.change_password(ctx, made.account_id, current=made.password, new="bart's own password")
    first = totp.begin_totp_enrolment(ctx, made.account_id)
    second = totp.begin_totp_enrolment(ctx, made.account_id)  # the page opened again
    assert first != second
    with pytest.raises(totp.InvalidTotp):  # the key shown first no longer works
        totp.confirm_totp(
            ctx,
            made.account_id,
            pyotp.TOTP(first).at(T),
            at=T,
            failures=throttle.FailureThrottle(),
        )
    totp.confirm_totp(
        ctx, made.account_id, pyotp.TOTP(second).at(T), at=T, failures=throttle.FailureThrottle()
    )
    with pytest.raises(records.EnrolmentOrder):  # enrolled: no new key, no second confirm
        totp.begin_totp_enrolment(ctx, made.account_id)
    actions = [e.action for e in audit.list_entries(ctx, viewer_id=made.account_id, page=1).entries]
    for step in ("account_created", "password_set", "totp_issued", "totp_enrolled"):
        assert step in actions


def test_resets_leave_the_holder_a_notice_and_need_their_own_steps(ctx: CoreContext) -> None:
    made = _new(ctx)
    issued = accounts_admin.reset_password(ctx, made.account_id, actor="root")
    # A reset password alone does not log in: the holder's TOTP is still required.
    with pytest.raises(records.LoginFailed):
        _auth(ctx, made, at=T + 60, password=issued.password, code="")
    logged = _auth(ctx, made, at=T + 60, password=issued.password)
    assert logged.needs_password and not logged.needs_enrolment
    # With both reset, the temporary password alone would open the account:
    # the admin who reset the password cannot also reset the TOTP.
    with pytest.raises(accounts_admin.ResetNeedsSecondAdmin):
        accounts_admin.reset_totp(ctx, made.account_id, actor="root")
    assert records.get_account(ctx, made.account_id).totp_confirmed
    accounts_admin.reset_totp(ctx, made.account_id, actor="second-admin")
    assert records.get_account(ctx, made.account_id).totp_secret is None
    notices = accounts_notices.take_notices(ctx, made.account_id)
    assert [(n.kind, n.detail) for n in notices] == [
        (accounts_notices.AccountNotice.PASSWORD_RESET, "root"),
        (accounts_notices.AccountNotice.TOTP_RESET, "second-admin"),
    ]
    assert accounts_notices.take_notices(ctx, made.account_id) == []  # handed out once


def test_chosen_password_needs_fourteen_characters(ctx: CoreContext) -> None:
    made = _new(ctx)
    with pytest.raises(passwords.WeakPassword):
        passwords.change_password(ctx, made.account_id, current=made.password, new="short pass 13")
    with pytest.raises(records.LoginFailed):
        passwords.change_password(
            ctx, made.account_id, current="wrong", new="a long enough password"
        )
    passwords.change_password(
        ctx, made.account_id, current=made.password, new="a long enough password"
    )
    assert (
        _auth(ctx, made, at=T + 60, password="a long enough password").account_id == made.account_id
    )


def test_usernames_are_checked_and_unique(ctx: CoreContext) -> None:
    _new(ctx)
    with pytest.raises(accounts_admin.UsernameTaken):
        accounts_admin.create_account(
            ctx, username="Anna", display_name="Other", role=records.Role.CONFIDANT, actor="t"
        )
    with pytest.raises(accounts_admin.InvalidUsername):
        accounts_admin.create_account(
            ctx, username="a b", display_name="X", role=records.Role.CONFIDANT, actor="t"
        )


def test_last_admin_cannot_be_disabled_or_deleted(ctx: CoreContext) -> None:
    made = _new(ctx)
    with pytest.raises(accounts_admin.LastAdmin):
        accounts_admin.set_active(ctx, made.account_id, active=False, actor="t")
    with pytest.raises(accounts_admin.LastAdmin):
        accounts_admin.delete_account(ctx, made.account_id, actor="t")


def _upload(
    ctx: CoreContext,
    made: Made,
    armored: str,
    *,
    at: float,
    password: str | None = None,
    code: str | None = None,
) -> object:
    return enrolment.set_public_key(
        ctx,
        made.account_id,
        armored,
        password=made.password if password is None else password,
        code=pyotp.TOTP(made.totp_secret).at(at) if code is None else code,
        at=at,
        failures=throttle.FailureThrottle(),
    )


def test_key_upload_is_checked(ctx: CoreContext, confidant_key: ConfidantKeyPair) -> None:
    made = _new(ctx)
    with pytest.raises(InvalidPublicKey):
        _upload(ctx, made, "not a key", at=T + 60)
    info = _upload(ctx, made, confidant_key.public_key, at=T + 60)
    assert isinstance(info, PublicKeyInfo) and info.fingerprint == confidant_key.fingerprint
    assert records.get_account(ctx, made.account_id).fingerprint == confidant_key.fingerprint
    assert issubclass(WeakPublicKey, InvalidPublicKey)


def test_key_change_needs_password_and_fresh_code_and_is_announced(
    ctx: CoreContext, confidant_key: ConfidantKeyPair, other_confidant_key: ConfidantKeyPair
) -> None:
    made = _new(ctx)
    _upload(ctx, made, confidant_key.public_key, at=T + 60)
    accounts_notices.take_notices(ctx, made.account_id)
    with pytest.raises(records.LoginFailed):
        _upload(ctx, made, other_confidant_key.public_key, at=T + 120, password="not my password")
    with pytest.raises(totp.InvalidTotp):  # a wrong code
        _upload(
            ctx,
            made,
            other_confidant_key.public_key,
            at=T + 120,
            code="000000" if pyotp.TOTP(made.totp_secret).at(T + 120) != "000000" else "111111",
        )
    with pytest.raises(totp.InvalidTotp):  # the code of the previous upload, replayed
        _upload(ctx, made, other_confidant_key.public_key, at=T + 60)
    assert records.get_account(ctx, made.account_id).fingerprint == confidant_key.fingerprint
    _upload(ctx, made, other_confidant_key.public_key, at=T + 120)
    row = records.get_account(ctx, made.account_id)
    assert row.fingerprint == other_confidant_key.fingerprint and row.notice_mail_due
    notices = accounts_notices.take_notices(ctx, made.account_id)
    assert [(n.kind, n.detail) for n in notices] == [
        (accounts_notices.AccountNotice.KEY_CHANGED, other_confidant_key.fingerprint)
    ]


def test_key_change_sends_the_content_free_notice_to_an_opted_in_holder(
    ctx: CoreContext,
    smtp_server: tuple[Inbox, int],  # noqa: F811 - the imported fixture
    confidant_key: ConfidantKeyPair,
) -> None:
    inbox, port = smtp_server
    smtp = notifications.SmtpSettings(host="127.0.0.1", port=port, starttls=False)
    made = _new(ctx, "bart", records.Role.CONFIDANT)
    notifications.set_notice_preferences(
        ctx, made.account_id, email="bart@example.org", notify=True
    )
    assert notifications.due_account_notices(ctx) == []
    _upload(ctx, made, confidant_key.public_key, at=T + 60)
    assert notifications.run_notices(ctx, smtp) == 1
    assert [m["To"] for m in inbox.messages] == ["bart@example.org"]
    body = inbox.messages[0].get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body == notifications.NOTICE_BODY  # nothing about what changed
    # Once: the next day's run has nothing left to say about it.
    tomorrow = ctx.today() + dt.timedelta(days=1)
    ctx.today = lambda: tomorrow
    assert notifications.run_notices(ctx, smtp) == 0 and len(inbox.messages) == 1
