"""Second factor: TOTP enrolment and codes that are each accepted once.

Invariant: a code already used (or an older one) is refused, so a code
seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import hmac
import re

import pyotp

from kring.core.accounts.records import EnrolmentOrder, account_row, session_stamp
from kring.core.audit import Action, record
from kring.core.context import CoreContext
from kring.core.errors import KringError

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled

TOTP_STEP = 30


class TotpReplayed(KringError):
    """The code was already used; the user must wait for the next one."""


class InvalidTotp(KringError):
    """A fresh TOTP code was required and the one given is wrong."""


def new_totp_secret() -> str:
    """A 160-bit base32 TOTP secret."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def match_code(secret: str, code: str, at: float, last: int | None) -> int | None:
    """The time step ``code`` belongs to (now ±1 step), if it is newer than ``last``."""
    code = code.replace(" ", "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return None
    hotp = pyotp.HOTP(secret)
    now = int(at // TOTP_STEP)
    for counter in (now - 1, now, now + 1):
        if hmac.compare_digest(hotp.at(counter), code) and (last is None or counter > last):
            return counter
    return None


def was_replayed(secret: str, code: str, at: float, last: int | None) -> bool:
    """Whether a valid code is refused only because its step was already used."""
    code = code.replace(" ", "").strip()
    if last is None or not re.fullmatch(r"\d{6}", code):
        return False
    hotp = pyotp.HOTP(secret)
    now = int(at // TOTP_STEP)
    return any(
        counter <= last and hmac.compare_digest(hotp.at(counter), code)
        for counter in (now - 1, now, now + 1)
    )


def begin_totp_enrolment(ctx: CoreContext, account_id: int) -> str:
    """Make a fresh TOTP secret for the holder to scan; return it (to show once).

    Only after the holder chose their own password, and only while not
    enrolled; each call replaces the pending secret, so a secret shown earlier
    (to whoever saw it) stops working. Raises EnrolmentOrder otherwise.
    """
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        if account.password_temporary or account.totp_confirmed:
            raise EnrolmentOrder("choose your own password first, or already enrolled")
        secret = new_totp_secret()
        account.totp_secret = secret
        account.totp_last_counter = None
        record(db, day=ctx.today(), actor=account.username or "", action=Action.TOTP_ISSUED)
        return secret


def confirm_totp(
    ctx: CoreContext, account_id: int, code: str, *, at: float, failures: FailureThrottle
) -> str:
    """Confirm enrolment with one code from the pending secret; return the new session stamp.

    Raises EnrolmentOrder when there is nothing to confirm (temporary password,
    no pending secret, or already enrolled), InvalidTotp for a wrong code.
    """
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        key = account.username or ""
        failures.check(key)
        if account.password_temporary or account.totp_confirmed or not account.totp_secret:
            raise EnrolmentOrder("nothing to confirm")
        counter = (
            match_code(account.totp_secret, code, at, account.totp_last_counter)
            if account.totp_secret
            else None
        )
        if counter is None:
            failures.fail(key)
            raise InvalidTotp("wrong code")
        account.totp_confirmed = True
        account.totp_last_counter = counter
        account.reset_by = None
        record(db, day=ctx.today(), actor=key, action=Action.TOTP_ENROLLED)
        return session_stamp(account)


def verify_fresh_totp(
    ctx: CoreContext, account_id: int, code: str, *, at: float, failures: FailureThrottle
) -> None:
    """Require a new (never used) TOTP code for a sensitive action, and consume it.

    Raises InvalidTotp (wrong or already used) or LoginThrottled.
    """
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        key = account.username or ""
        failures.check(key)
        counter = (
            match_code(account.totp_secret, code, at, account.totp_last_counter)
            if account.totp_secret and account.totp_confirmed
            else None
        )
        if counter is None:
            failures.fail(key)
            raise InvalidTotp("wrong or used code")
        account.totp_last_counter = counter
