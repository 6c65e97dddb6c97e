"""Confidant accounts as records: their roles, how one is looked up, the stamp a session carries.
"""

from __future__ import annotations

import enum
import hmac

from kring.core.context import CoreContext
from kring.core.errors import KringError
from kring.core.models import Confidant

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled


class Role(enum.StrEnum):
    """What an account may do: admins also manage accounts and settings.

    Insights viewers (HR, management, works council) see only the anonymous
    statistics pages: never a conversation, an item or another account.
    """

    ADMIN = "admin"
    CONFIDANT = "confidant"
    INSIGHTS = "insights"


class LoginFailed(KringError):
    """Username, password or code is wrong (which one is not said)."""


class AccountNotFound(KringError):
    """No such account (or it was deleted)."""


class EnrolmentOrder(KringError):
    """An enrolment step was tried out of order (e.g. TOTP before the own password)."""


def session_stamp(account: Confidant) -> str:
    """A value that changes when the password, TOTP secret or role changes.

    Kept in the session; a session whose stamp no longer matches ends, so a
    reset or a disabled account logs out everywhere.
    """
    material = (
        f"{account.password_hash}|{account.totp_secret}|{account.totp_confirmed}|"
        f"{account.role}|{account.is_active}"
    )
    return hmac.new(b"kring-session-stamp", material.encode(), "sha256").hexdigest()[:32]


def account_row(db: object, account_id: int) -> Confidant:
    """The account's row in this session; AccountNotFound if deleted or never an account."""
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)  # noqa: S101 - internal helper
    account = db.get(Confidant, account_id)
    if account is None or account.username is None:
        raise AccountNotFound("no such account")
    return account


def get_account(ctx: CoreContext, account_id: int) -> Confidant:
    """The account with this id (AccountNotFound if deleted or never an account)."""
    with ctx.sessions() as db:
        return account_row(db, account_id)
