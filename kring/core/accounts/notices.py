"""One-time notices an account sees at its next login (its password or TOTP was reset).
"""

from __future__ import annotations

import dataclasses
import enum
import json

from kring.core.accounts.records import account_row
from kring.core.context import CoreContext
from kring.core.models import Confidant

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled


class AccountNotice(enum.StrEnum):
    """What the holder is told at their next login about their account."""

    KEY_CHANGED = "key_changed"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a notice name, not a password
    TOTP_RESET = "totp_reset"


@dataclasses.dataclass(frozen=True)
class PendingNotice:
    """One security notice: what happened, on which day, and a public detail."""

    kind: AccountNotice
    day: str
    detail: str = ""


def add_notice(account: Confidant, notice: PendingNotice) -> None:
    """Queue a notice on the account (the last 20 kept) and mark its notice mail due."""
    pending = _parse_notices(account.account_notices)
    pending.append(notice)
    account.account_notices = json.dumps([[n.kind.value, n.day, n.detail] for n in pending[-20:]])
    account.notice_mail_due = True


def _parse_notices(raw: str) -> list[PendingNotice]:
    try:
        rows = json.loads(raw) if raw else []
    except ValueError:
        return []
    out: list[PendingNotice] = []
    for row in rows if isinstance(rows, list) else []:
        try:
            out.append(PendingNotice(AccountNotice(row[0]), str(row[1]), str(row[2])))
        except (ValueError, IndexError, TypeError):
            continue
    return out


def take_notices(ctx: CoreContext, account_id: int) -> list[PendingNotice]:
    """The holder's pending security notices, cleared as they are handed out (at login)."""
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        pending = _parse_notices(account.account_notices)
        account.account_notices = ""
        return pending
