"""A confidant's login: password, then TOTP, with equal work for unknown names.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from kring.core.accounts.passwords import (
    MAX_PASSWORD,
    password_hasher,
    password_ok,
    spend_equal_work,
)
from kring.core.accounts.records import LoginFailed, session_stamp
from kring.core.accounts.totp import TotpReplayed, match_code, was_replayed
from kring.core.audit import Action, record
from kring.core.context import CoreContext
from kring.core.models import Confidant

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled


@dataclasses.dataclass(frozen=True)
class LoggedIn:
    """A successful password (and, once enrolled, TOTP) check.

    ``needs_password``: the password was admin-issued, the holder must choose
    their own first; ``needs_enrolment``: no confirmed TOTP yet.
    """

    account_id: int
    needs_password: bool
    needs_enrolment: bool
    stamp: str


def authenticate(
    ctx: CoreContext,
    *,
    username: str,
    password: str,
    code: str,
    at: float,
    failures: FailureThrottle,
) -> LoggedIn:
    """Check username, password and TOTP code; consume the code.

    Raises LoginThrottled (checked first), TotpReplayed (right password, a code
    already used) or LoginFailed. An account whose TOTP is not yet confirmed
    logs in with the password alone, into enrolment only (``needs_password`` /
    ``needs_enrolment``); a confirmed TOTP is always required, a temporary
    password or not.
    """
    key = username.strip().lower()[:60]
    failures.check(key)
    if len(password) > MAX_PASSWORD:
        failures.fail(key)
        raise LoginFailed("wrong username, password or code")
    with ctx.sessions.begin() as db:
        account = db.scalar(select(Confidant).where(Confidant.username == key))
        if account is None:
            spend_equal_work(ctx, password)
            failures.fail(key)
            raise LoginFailed("wrong username, password or code")
        if not password_ok(ctx, account, password) or not account.is_active:
            failures.fail(key)
            raise LoginFailed("wrong username, password or code")
        if account.totp_confirmed and account.totp_secret:
            counter = match_code(account.totp_secret, code, at, account.totp_last_counter)
            if counter is None:
                failures.fail(key)
                if was_replayed(account.totp_secret, code, at, account.totp_last_counter):
                    raise TotpReplayed("code already used")
                raise LoginFailed("wrong username, password or code")
            account.totp_last_counter = counter
            record(db, day=ctx.today(), actor=account.username or "", action=Action.LOGIN)
        if account.password_hash and password_hasher(ctx).check_needs_rehash(account.password_hash):
            account.password_hash = password_hasher(ctx).hash(password)
        return LoggedIn(
            account.id,
            account.password_temporary,
            not account.totp_confirmed,
            session_stamp(account),
        )
