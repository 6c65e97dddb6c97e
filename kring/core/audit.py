"""The audit log: who did what to which designation or account, on which day.

Invariant: an entry holds an account name, an action name, a designation or
account name and a day — never content, never a time, never a codename.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kring.core.context import CoreContext
from kring.core.models import AuditEntry

PAGE_SIZE = 50


class Action(enum.StrEnum):
    """Everything that is logged."""

    LOGIN = "login"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ACCOUNT_DELETED = "account_deleted"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an action name, not a password
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action name, not a password
    TOTP_RESET = "totp_reset"
    TOTP_ISSUED = "totp_issued"
    TOTP_ENROLLED = "totp_enrolled"
    PASSWORD_SET = "password_set"  # noqa: S105 - an action name, not a password
    KEY_CHANGED = "key_changed"
    SETTINGS_CHANGED = "settings_changed"
    DOWNLOADED_ITEM = "downloaded_item"
    DOWNLOADED_BUNDLE = "downloaded_bundle"
    REPLIED = "replied"
    STATUS_CHANGED = "status_changed"
    FEEDBACK_RECORDED = "feedback_recorded"
    ITEMS_DELETED = "items_deleted"
    CONVERSATION_DELETED = "conversation_deleted"
    # Ciphertext of a deleted conversation stayed on disk (kring.core.leftovers).
    DELETION_FAILED = "deletion_failed"


def record(
    db: Session,
    *,
    day: dt.date,
    actor: str,
    action: Action,
    designation: str | None = None,
    account: str | None = None,
) -> None:
    """Add an audit line inside the caller's transaction (so it commits with the change).

    Invariant: only names and a day are accepted; there is no field for content.
    """
    db.add(
        AuditEntry(
            day=day, actor=actor[:60], action=action.value, designation=designation, account=account
        )
    )


@dataclasses.dataclass(frozen=True)
class AuditPage:
    """One page of the audit log, newest first."""

    entries: list[AuditEntry]
    page: int
    pages: int


def list_entries(ctx: CoreContext, *, page: int = 1) -> AuditPage:
    """The audit log, newest first, ``PAGE_SIZE`` lines a page (admins only)."""
    with ctx.sessions() as db:
        total = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        entries = list(
            db.scalars(
                select(AuditEntry)
                .order_by(AuditEntry.id.desc())
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
        )
    return AuditPage(entries=entries, page=page, pages=pages)
