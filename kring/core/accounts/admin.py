"""Admins managing accounts: creating, deactivating, resetting, deleting.

Invariants: the last active admin cannot be removed or deactivated; a reset
of both password and TOTP needs a second admin; an account that still has
conversations is not deleted.
"""

from __future__ import annotations

import dataclasses
import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kring.core.accounts.notices import AccountNotice, PendingNotice, add_notice
from kring.core.accounts.passwords import generate_password, password_hasher
from kring.core.accounts.records import Role, account_row
from kring.core.audit import Action, record
from kring.core.context import CoreContext
from kring.core.errors import InvalidChoice, KringError
from kring.core.models import Confidant, Reporter

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


class InvalidUsername(KringError):
    """A username must be 2-40 lower-case letters, digits, dots, dashes or underscores."""


class UsernameTaken(KringError):
    """Another account already has this username."""


class LastAdmin(KringError):
    """The last active admin cannot be disabled, demoted or deleted."""


class AccountHasConversations(KringError):
    """Conversations are addressed to this confidant alone; deleting would orphan them."""


class ResetNeedsSecondAdmin(KringError):
    """The other half of a pending reset must be done by a different admin.

    Resetting both password and TOTP leaves an account that the temporary
    password alone opens; one admin alone must never hold that.
    """


@dataclasses.dataclass(frozen=True)
class NewCredentials:
    """A temporary password for a new or reset account, shown once, stored only hashed.

    It lets its holder only choose their own password (``password_temporary``).
    """

    account_id: int
    username: str
    password: str


def normalise_username(raw: str) -> str:
    """Lower-cased, stripped username; raise InvalidUsername if not allowed."""
    name = raw.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise InvalidUsername("2-40 of a-z 0-9 . _ -")
    return name


def display_name_of(raw: str) -> str:
    """The stripped display name; InvalidUsername unless 1 to 120 printable characters."""
    shown = raw.strip()
    if not shown or len(shown) > 120 or not shown.isprintable():
        raise InvalidUsername("display name")
    return shown


@dataclasses.dataclass(frozen=True)
class NewAccount:
    """An account an admin asked for, its fields checked (nothing is stored yet)."""

    username: str
    display_name: str
    role: Role


def parse_new_account(*, username: str, display_name: str, role: str) -> NewAccount:
    """Check an admin's new-account form: the role (empty: confidant), username, display name.

    Raises InvalidChoice for an unknown role, InvalidUsername for a bad
    username or display name, in that order; a view checks this before it
    asks for the admin's fresh code.
    """
    try:
        chosen = Role(role or Role.CONFIDANT.value)
    except ValueError as exc:
        raise InvalidChoice("unknown role") from exc
    return NewAccount(normalise_username(username), display_name_of(display_name), chosen)


def create_account(
    ctx: CoreContext, *, username: str, display_name: str, role: Role, actor: str
) -> NewCredentials:
    """Create an account with a temporary diceware password and no TOTP secret.

    Invariant: the password is returned once and stored only as an argon2id
    hash; it lets its holder only choose their own. The TOTP secret is made
    later, by the holder (``begin_totp_enrolment``), so the creator never sees it.
    """
    name = normalise_username(username)
    shown = display_name_of(display_name)
    password = generate_password()
    try:
        with ctx.sessions.begin() as db:
            account = Confidant(
                display_name=shown,
                username=name,
                password_hash=password_hasher(ctx).hash(password),
                password_temporary=True,
                totp_secret=None,
                totp_confirmed=False,
                role=role.value,
                created_on=ctx.today(),
            )
            db.add(account)
            db.flush()
            record(db, day=ctx.today(), actor=actor, action=Action.ACCOUNT_CREATED, account=name)
    except IntegrityError as exc:
        raise UsernameTaken(name) from exc
    return NewCredentials(account.id, name, password)


def list_accounts(ctx: CoreContext) -> list[Confidant]:
    """Every account (and legacy confidant without one), admins first, then by name."""
    with ctx.sessions() as db:
        return list(db.scalars(select(Confidant).order_by(Confidant.role, Confidant.display_name)))


def _active_admins(db: object) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)  # noqa: S101 - internal helper
    return (
        db.scalar(
            select(func.count())
            .select_from(Confidant)
            .where(Confidant.role == Role.ADMIN.value, Confidant.is_active)
        )
        or 0
    )


def set_active(ctx: CoreContext, account_id: int, *, active: bool, actor: str) -> None:
    """Disable or enable an account; a disabled account cannot log in or receive reports."""
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        last_admin = account.role == Role.ADMIN.value and _active_admins(db) <= 1
        if not active and account.is_active and last_admin:
            raise LastAdmin("keep at least one active admin")
        account.is_active = active
        record(
            db,
            day=ctx.today(),
            actor=actor,
            action=Action.ACCOUNT_ENABLED if active else Action.ACCOUNT_DISABLED,
            account=account.username,
        )


def _claim_reset(account: Confidant, actor: str, *, other_half_pending: bool) -> None:
    """Refuse the second half of a full reset by the admin who did the first half."""
    if other_half_pending and account.reset_by == actor:
        raise ResetNeedsSecondAdmin(actor)
    account.reset_by = actor


def reset_password(ctx: CoreContext, account_id: int, *, actor: str) -> NewCredentials:
    """Give an account a temporary password (shown once to the admin).

    It lets the holder only choose their own, and a confirmed TOTP is still
    required to log in with it: a password reset alone does not let the admin
    in. The holder gets a notice.
    """
    password = generate_password()
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        _claim_reset(account, actor, other_half_pending=not account.totp_confirmed)
        account.password_hash = password_hasher(ctx).hash(password)
        account.password_temporary = True
        add_notice(
            account, PendingNotice(AccountNotice.PASSWORD_RESET, ctx.today().isoformat(), actor)
        )
        record(
            db, day=ctx.today(), actor=actor, action=Action.PASSWORD_RESET, account=account.username
        )
        return NewCredentials(account.id, account.username or "", password)


def reset_totp(ctx: CoreContext, account_id: int, *, actor: str) -> None:
    """Drop the TOTP secret; the holder enrols afresh (with their own password) next login.

    No new secret is made here: the holder's enrolment makes it, so the admin
    never sees it. The holder gets a notice.
    """
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        _claim_reset(account, actor, other_half_pending=account.password_temporary)
        account.totp_secret = None
        account.totp_confirmed = False
        account.totp_last_counter = None
        add_notice(
            account, PendingNotice(AccountNotice.TOTP_RESET, ctx.today().isoformat(), actor)
        )
        record(db, day=ctx.today(), actor=actor, action=Action.TOTP_RESET, account=account.username)


def delete_account(ctx: CoreContext, account_id: int, *, actor: str) -> None:
    """Delete an account and its read marks and stars.

    Refused (AccountHasConversations) while conversations are addressed to this
    confidant alone: deleting the row would turn them into conversations "to
    all" and show them to confidants the reporter did not choose.
    """
    with ctx.sessions.begin() as db:
        account = account_row(db, account_id)
        if account.role == Role.ADMIN.value and account.is_active and _active_admins(db) <= 1:
            raise LastAdmin("keep at least one active admin")
        addressed = db.scalar(
            select(func.count()).select_from(Reporter).where(Reporter.recipient_id == account.id)
        )
        if addressed:
            raise AccountHasConversations(str(addressed))
        name = account.username
        db.delete(account)
        record(db, day=ctx.today(), actor=actor, action=Action.ACCOUNT_DELETED, account=name)
