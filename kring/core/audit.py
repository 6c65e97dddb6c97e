"""The audit log: who did what to which designation or account, on which day.

Invariants: an entry holds an account name, an action name, a designation or
account name and a day — never content, never a time, never a codename. An
admin reads only lines about accounts and about conversations addressed to
them (or to all); the lines about a conversation are deleted with it, so the
log never keeps a trace of a conversation that is gone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from kring.core.context import CoreContext
from kring.core.models import AuditEntry, Reporter

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
    # Ciphertext of a deleted conversation stayed on disk (kring.core.storage.leftovers).
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


def record_conversation(
    db: Session, reporter: Reporter, *, day: dt.date, actor: str, action: Action
) -> None:
    """An audit line about a conversation: its designation only (see ``record``)."""
    record(db, day=day, actor=actor, action=action, designation=reporter.designation)


@dataclasses.dataclass(frozen=True)
class AuditPage:
    """One page of the audit log, newest first."""

    entries: list[AuditEntry]
    page: int
    pages: int


def forget_conversation(db: Session, designation: str) -> None:
    """Delete every line about this conversation, inside the caller's deletion."""
    db.execute(delete(AuditEntry).where(AuditEntry.designation == designation))


def _readable_by(viewer_id: int) -> ColumnElement[bool]:
    # The same rule as the inbox (kring.core.cases.inbox.visible_to): addressed to
    # this confidant or to all.
    visible = select(Reporter.designation).where(
        or_(Reporter.recipient_id == viewer_id, Reporter.recipient_id.is_(None))
    )
    return or_(AuditEntry.designation.is_(None), AuditEntry.designation.in_(visible))


def list_entries(ctx: CoreContext, *, viewer_id: int, page: int = 1) -> AuditPage:
    """The audit log as admin ``viewer_id`` may read it, newest first, a page at a time.

    Lines about conversations addressed to another confidant are left out.
    """
    readable = _readable_by(viewer_id)
    with ctx.sessions() as db:
        total = db.scalar(select(func.count()).select_from(AuditEntry).where(readable)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        entries = list(
            db.scalars(
                select(AuditEntry)
                .where(readable)
                .order_by(AuditEntry.id.desc())
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
        )
    return AuditPage(entries=entries, page=page, pages=pages)
