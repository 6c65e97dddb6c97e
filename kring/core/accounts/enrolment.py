"""Enrolment: a new account's TOTP and public key, in that order, before it receives reports.
"""

from __future__ import annotations

import pyotp

from kring.core.accounts.notices import AccountNotice, PendingNotice, add_notice
from kring.core.accounts.passwords import change_password, password_ok
from kring.core.accounts.records import LoginFailed, account_row
from kring.core.accounts.totp import (
    TOTP_STEP,
    begin_totp_enrolment,
    confirm_totp,
    verify_fresh_totp,
)
from kring.core.audit import Action, record
from kring.core.context import CoreContext

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled
from kring.crypto.keys import PublicKeyInfo, inspect_public_key


def set_public_key(
    ctx: CoreContext,
    account_id: int,
    armored: str,
    *,
    password: str,
    code: str,
    at: float,
    failures: FailureThrottle,
) -> PublicKeyInfo:
    """Store the holder's own public key after checking it (see inspect_public_key).

    Needs the account's password and a fresh TOTP code (LoginFailed /
    InvalidTotp otherwise); the key is checked before the code is spent, so a
    bad key costs no code. Raises InvalidPublicKey / WeakPublicKey and stores
    nothing then. A stored key leaves a KEY_CHANGED notice for the holder and
    an audit line.
    """
    info = inspect_public_key(armored, today=ctx.today())
    with ctx.sessions() as db:
        holder = account_row(db, account_id)
        key = holder.username or ""
        failures.check(key)
        accepted = password_ok(ctx, holder, password)
    if not accepted:
        failures.fail(key)
        raise LoginFailed("the password is wrong")
    verify_fresh_totp(ctx, account_id, code, at=at, failures=failures)
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        previous = account.fingerprint
        account.public_key = armored
        account.fingerprint = info.fingerprint
        if previous != info.fingerprint:
            add_notice(
                account,
                PendingNotice(AccountNotice.KEY_CHANGED, ctx.today().isoformat(), info.fingerprint),
            )
        record(
            db,
            day=ctx.today(),
            actor=account.username or "",
            action=Action.KEY_CHANGED,
            account=account.username,
        )
    return info


def complete_enrolment(
    ctx: CoreContext, account_id: int, *, temporary: str, own: str, at: float
) -> str:
    """Walk the holder's whole enrolment at once; return the TOTP secret.

    For the demo and benchmarks, where the holder is the script itself: it
    chooses ``own`` as password, makes a fresh secret and confirms the code of
    two steps before ``at``, so codes of the previous and current step stay
    unused (a key upload and a login right after are not replays).
    """
    change_password(ctx, account_id, current=temporary, new=own)
    secret = begin_totp_enrolment(ctx, account_id)
    confirm_totp(
        ctx,
        account_id,
        pyotp.TOTP(secret).at(at - 2 * TOTP_STEP),
        at=at - TOTP_STEP,
        failures=FailureThrottle(),
    )
    return secret
