"""Accounts: argon2id passwords, diceware, TOTP without replay, throttling, admin rules."""

from __future__ import annotations

import pyotp
import pytest

from kring.core import accounts
from kring.core.context import CoreContext
from kring.core.models import Confidant
from kring.core.wordlists import load_wordlist
from kring.crypto.errors import InvalidPublicKey, WeakPublicKey
from tests.conftest import ConfidantKeyPair

T = 1_800_000_000.0


def _new(ctx: CoreContext, name: str = "anna", role: accounts.Role = accounts.Role.ADMIN):
    made = accounts.create_account(
        ctx, username=name, display_name=name.title(), role=role, actor="t"
    )
    accounts.confirm_totp(
        ctx,
        made.account_id,
        pyotp.TOTP(made.totp_secret).at(T),
        at=T,
        failures=accounts.FailureThrottle(),
    )
    return made


def _auth(
    ctx: CoreContext,
    made: accounts.NewCredentials,
    *,
    at: float,
    code: str | None = None,
    password: str | None = None,
    failures: accounts.FailureThrottle | None = None,
):
    return accounts.authenticate(
        ctx,
        username=made.username,
        password=made.password if password is None else password,
        code=pyotp.TOTP(made.totp_secret).at(at) if code is None else code,
        at=at,
        failures=failures or accounts.FailureThrottle(),
    )


def test_generated_password_is_seven_diceware_words_and_hashed_with_argon2id(
    ctx: CoreContext,
) -> None:
    made = _new(ctx)
    words = made.password.split(" ")
    assert len(words) == 7 and set(words) <= set(load_wordlist("en"))
    with ctx.sessions() as db:
        row = db.get(Confidant, made.account_id)
        assert row is not None and row.password_hash is not None
        assert row.password_hash.startswith("$argon2id$") and made.password not in row.password_hash


def test_login_needs_password_and_a_fresh_code(ctx: CoreContext) -> None:
    made = _new(ctx)
    logged = _auth(ctx, made, at=T + 60)
    assert logged.account_id == made.account_id and not logged.needs_enrolment
    with pytest.raises(accounts.TotpReplayed):
        _auth(ctx, made, at=T + 60)
    with pytest.raises(accounts.LoginFailed):
        _auth(ctx, made, at=T + 120, password="wrong " * 3)
    with pytest.raises(accounts.LoginFailed):
        _auth(
            ctx,
            made,
            at=T + 120,
            code="000000" if pyotp.TOTP(made.totp_secret).at(T + 120) != "000000" else "111111",
        )
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(
            ctx,
            username="nobody",
            password="x",
            code="123456",
            at=T,
            failures=accounts.FailureThrottle(),
        )
    assert _auth(ctx, made, at=T + 120).account_id == made.account_id


def test_the_enrolment_code_cannot_be_replayed_at_login(ctx: CoreContext) -> None:
    made = _new(ctx)
    with pytest.raises(accounts.TotpReplayed):
        _auth(ctx, made, at=T)


def test_more_than_five_failures_a_minute_are_refused(ctx: CoreContext) -> None:
    now = [T + 60]
    failures = accounts.FailureThrottle(clock=lambda: now[0])
    made = _new(ctx)
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            _auth(ctx, made, at=now[0], password="wrong password!", failures=failures)
    with pytest.raises(accounts.LoginThrottled):
        _auth(ctx, made, at=now[0], failures=failures)  # even the right password
    now[0] += 61
    assert _auth(ctx, made, at=now[0], failures=failures).account_id == made.account_id


def test_unenrolled_account_logs_in_only_into_enrolment(ctx: CoreContext) -> None:
    made = accounts.create_account(
        ctx, username="bart", display_name="Bart", role=accounts.Role.CONFIDANT, actor="t"
    )
    logged = _auth(ctx, made, at=T, code="")
    assert logged.needs_enrolment
    with pytest.raises(accounts.InvalidTotp):
        accounts.confirm_totp(
            ctx, made.account_id, "000000", at=T, failures=accounts.FailureThrottle()
        )


def test_chosen_password_needs_fourteen_characters(ctx: CoreContext) -> None:
    made = _new(ctx)
    with pytest.raises(accounts.WeakPassword):
        accounts.change_password(ctx, made.account_id, current=made.password, new="short pass 13")
    with pytest.raises(accounts.LoginFailed):
        accounts.change_password(
            ctx, made.account_id, current="wrong", new="a long enough password"
        )
    accounts.change_password(
        ctx, made.account_id, current=made.password, new="a long enough password"
    )
    assert (
        _auth(ctx, made, at=T + 60, password="a long enough password").account_id == made.account_id
    )


def test_usernames_are_checked_and_unique(ctx: CoreContext) -> None:
    _new(ctx)
    with pytest.raises(accounts.UsernameTaken):
        accounts.create_account(
            ctx, username="Anna", display_name="Other", role=accounts.Role.CONFIDANT, actor="t"
        )
    with pytest.raises(accounts.InvalidUsername):
        accounts.create_account(
            ctx, username="a b", display_name="X", role=accounts.Role.CONFIDANT, actor="t"
        )


def test_last_admin_cannot_be_disabled_or_deleted(ctx: CoreContext) -> None:
    made = _new(ctx)
    with pytest.raises(accounts.LastAdmin):
        accounts.set_active(ctx, made.account_id, active=False, actor="t")
    with pytest.raises(accounts.LastAdmin):
        accounts.delete_account(ctx, made.account_id, actor="t")


def test_key_upload_is_checked(ctx: CoreContext, confidant_key: ConfidantKeyPair) -> None:
    made = _new(ctx)
    with pytest.raises(InvalidPublicKey):
        accounts.set_public_key(ctx, made.account_id, "not a key")
    info = accounts.set_public_key(ctx, made.account_id, confidant_key.public_key)
    assert info.fingerprint == confidant_key.fingerprint
    assert accounts.get_account(ctx, made.account_id).fingerprint == confidant_key.fingerprint
    assert issubclass(WeakPublicKey, InvalidPublicKey)
