"""Confidant and admin accounts: passwords, TOTP, keys, roles.

Security invariants kept here:
- passwords are stored only as argon2id hashes; generated ones are 7 diceware
  words (about 90 bits), chosen ones at least 14 characters;
- a TOTP code is accepted at most once: the highest accepted time step is
  stored and no code at or below it is accepted again (login or fresh check);
- more than ``FAILURES_PER_MINUTE`` failed attempts per account per minute
  are refused before any password is checked;
- an unknown username costs the same argon2 work as a known one;
- only public keys that pass ``inspect_public_key`` are stored;
- only the holder sees their credentials: an admin-issued password
  is temporary and lets its holder do nothing but choose their own; the TOTP
  secret is made when the holder enrols (after choosing their password), never
  when an admin creates or resets the account; an account does nothing but
  enrol until both are done;
- changing the public key needs the password and a fresh code, and leaves a
  notice for the holder (next login, and the content-free e-mail if opted in).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hmac
import json
import re
import secrets

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kring.core.audit import Action, record
from kring.core.context import CoreContext
from kring.core.errors import KringError
from kring.core.models import Confidant, Reporter

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled
from kring.core.wordlists import load_wordlist
from kring.crypto.keys import PublicKeyInfo, inspect_public_key

PASSWORD_WORDS = 7
MIN_CHOSEN_PASSWORD = 14
MAX_PASSWORD = 256
TOTP_STEP = 30
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


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


class TotpReplayed(KringError):
    """The code was already used; the user must wait for the next one."""


class InvalidTotp(KringError):
    """A fresh TOTP code was required and the one given is wrong."""


class WeakPassword(KringError):
    """A chosen password is shorter than 14 characters (or absurdly long)."""


class InvalidUsername(KringError):
    """A username must be 2-40 lower-case letters, digits, dots, dashes or underscores."""


class UsernameTaken(KringError):
    """Another account already has this username."""


class AccountNotFound(KringError):
    """No such account (or it was deleted)."""


class LastAdmin(KringError):
    """The last active admin cannot be disabled, demoted or deleted."""


class AccountHasConversations(KringError):
    """Conversations are addressed to this confidant alone; deleting would orphan them."""


class EnrolmentOrder(KringError):
    """An enrolment step was tried out of order (e.g. TOTP before the own password)."""


class ResetNeedsSecondAdmin(KringError):
    """The other half of a pending reset must be done by a different admin.

    Resetting both password and TOTP leaves an account that the temporary
    password alone opens; one admin alone must never hold that.
    """


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


@dataclasses.dataclass(frozen=True)
class NewCredentials:
    """A temporary password for a new or reset account, shown once, stored only hashed.

    It lets its holder only choose their own password (``password_temporary``).
    """

    account_id: int
    username: str
    password: str


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


def _hasher(ctx: CoreContext) -> PasswordHasher:
    cost = ctx.settings.kdf
    return PasswordHasher(
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        type=Type.ID,
    )


def generate_password() -> str:
    """Seven diceware words from the EFF large list, drawn with ``secrets``."""
    words = load_wordlist("en")
    return " ".join(secrets.choice(words) for _ in range(PASSWORD_WORDS))


def check_chosen_password(password: str) -> str:
    """Accept a password a user chose, or raise WeakPassword."""
    if len(password) < MIN_CHOSEN_PASSWORD or len(password) > MAX_PASSWORD:
        raise WeakPassword(f"at least {MIN_CHOSEN_PASSWORD} characters")
    return password


def new_totp_secret() -> str:
    """A 160-bit base32 TOTP secret."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


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


def _match_code(secret: str, code: str, at: float, last: int | None) -> int | None:
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


def _was_replayed(secret: str, code: str, at: float, last: int | None) -> bool:
    code = code.replace(" ", "").strip()
    if last is None or not re.fullmatch(r"\d{6}", code):
        return False
    hotp = pyotp.HOTP(secret)
    now = int(at // TOTP_STEP)
    return any(
        counter <= last and hmac.compare_digest(hotp.at(counter), code)
        for counter in (now - 1, now, now + 1)
    )


def normalise_username(raw: str) -> str:
    """Lower-cased, stripped username; raise InvalidUsername if not allowed."""
    name = raw.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise InvalidUsername("2-40 of a-z 0-9 . _ -")
    return name


def create_account(
    ctx: CoreContext, *, username: str, display_name: str, role: Role, actor: str
) -> NewCredentials:
    """Create an account with a temporary diceware password and no TOTP secret.

    Invariant: the password is returned once and stored only as an argon2id
    hash; it lets its holder only choose their own. The TOTP secret is made
    later, by the holder (``begin_totp_enrolment``), so the creator never sees it.
    """
    name = normalise_username(username)
    shown = display_name.strip()
    if not shown or len(shown) > 120 or not shown.isprintable():
        raise ValueError("a display name of 1 to 120 printable characters is required")
    password = generate_password()
    try:
        with ctx.sessions.begin() as db:
            account = Confidant(
                display_name=shown,
                username=name,
                password_hash=_hasher(ctx).hash(password),
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


_DUMMY_HASH: dict[tuple[int, int, int], str] = {}


def _spend_equal_work(ctx: CoreContext, password: str) -> None:
    # An unknown username costs one argon2 verification like a known one, so
    # timing does not tell which usernames exist.
    key = (ctx.settings.kdf.time_cost, ctx.settings.kdf.memory_kib, ctx.settings.kdf.parallelism)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = _hasher(ctx).hash(secrets.token_hex(16))
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher(ctx).verify(_DUMMY_HASH[key], password)


def _password_ok(ctx: CoreContext, account: Confidant, password: str) -> bool:
    if not account.password_hash:
        _spend_equal_work(ctx, password)
        return False
    try:
        return _hasher(ctx).verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
            _spend_equal_work(ctx, password)
            failures.fail(key)
            raise LoginFailed("wrong username, password or code")
        if not _password_ok(ctx, account, password) or not account.is_active:
            failures.fail(key)
            raise LoginFailed("wrong username, password or code")
        if account.totp_confirmed and account.totp_secret:
            counter = _match_code(account.totp_secret, code, at, account.totp_last_counter)
            if counter is None:
                failures.fail(key)
                if _was_replayed(account.totp_secret, code, at, account.totp_last_counter):
                    raise TotpReplayed("code already used")
                raise LoginFailed("wrong username, password or code")
            account.totp_last_counter = counter
            record(db, day=ctx.today(), actor=account.username or "", action=Action.LOGIN)
        if account.password_hash and _hasher(ctx).check_needs_rehash(account.password_hash):
            account.password_hash = _hasher(ctx).hash(password)
        return LoggedIn(
            account.id,
            account.password_temporary,
            not account.totp_confirmed,
            session_stamp(account),
        )


def _get(db: object, account_id: int) -> Confidant:
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)  # noqa: S101 - internal helper
    account = db.get(Confidant, account_id)
    if account is None or account.username is None:
        raise AccountNotFound("no such account")
    return account


def get_account(ctx: CoreContext, account_id: int) -> Confidant:
    """The account with this id (AccountNotFound if deleted or never an account)."""
    with ctx.sessions() as db:
        return _get(db, account_id)


def begin_totp_enrolment(ctx: CoreContext, account_id: int) -> str:
    """Make a fresh TOTP secret for the holder to scan; return it (to show once).

    Only after the holder chose their own password, and only while not
    enrolled; each call replaces the pending secret, so a secret shown earlier
    (to whoever saw it) stops working. Raises EnrolmentOrder otherwise.
    """
    with ctx.sessions.begin() as db:
        account = _get(db, account_id)
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
        account = _get(db, account_id)
        key = account.username or ""
        failures.check(key)
        if account.password_temporary or account.totp_confirmed or not account.totp_secret:
            raise EnrolmentOrder("nothing to confirm")
        counter = (
            _match_code(account.totp_secret, code, at, account.totp_last_counter)
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
        account = _get(db, account_id)
        key = account.username or ""
        failures.check(key)
        counter = (
            _match_code(account.totp_secret, code, at, account.totp_last_counter)
            if account.totp_secret and account.totp_confirmed
            else None
        )
        if counter is None:
            failures.fail(key)
            raise InvalidTotp("wrong or used code")
        account.totp_last_counter = counter


class SamePassword(KringError):
    """The new password must differ from the one an admin issued."""


def change_password(ctx: CoreContext, account_id: int, *, current: str, new: str) -> str:
    """Replace a password after checking the current one; return the new session stamp.

    A temporary (admin-issued) password becomes the holder's own here: it must
    be replaced by a different one (SamePassword), and the audit line says
    ``password_set`` rather than ``password_changed``.
    """
    check_chosen_password(new)
    with ctx.sessions.begin() as db:
        account = _get(db, account_id)
        if not _password_ok(ctx, account, current):
            raise LoginFailed("the current password is wrong")
        if hmac.compare_digest(current.encode(), new.encode()):
            raise SamePassword("choose a new password")
        first_own = account.password_temporary
        account.password_hash = _hasher(ctx).hash(new)
        account.password_temporary = False
        if account.totp_confirmed:
            account.reset_by = None
        record(
            db,
            day=ctx.today(),
            actor=account.username or "",
            action=Action.PASSWORD_SET if first_own else Action.PASSWORD_CHANGED,
            account=account.username,
        )
        return session_stamp(account)


def _add_notice(account: Confidant, notice: PendingNotice) -> None:
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
        account = _get(db, account_id)
        pending = _parse_notices(account.account_notices)
        account.account_notices = ""
        return pending


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
        holder = _get(db, account_id)
        key = holder.username or ""
        failures.check(key)
        password_ok = _password_ok(ctx, holder, password)
    if not password_ok:
        failures.fail(key)
        raise LoginFailed("the password is wrong")
    verify_fresh_totp(ctx, account_id, code, at=at, failures=failures)
    with ctx.sessions.begin() as db:
        account = _get(db, account_id)
        previous = account.fingerprint
        account.public_key = armored
        account.fingerprint = info.fingerprint
        if previous != info.fingerprint:
            _add_notice(
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
        account = _get(db, account_id)
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
        account = _get(db, account_id)
        _claim_reset(account, actor, other_half_pending=not account.totp_confirmed)
        account.password_hash = _hasher(ctx).hash(password)
        account.password_temporary = True
        _add_notice(
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
        account = _get(db, account_id)
        _claim_reset(account, actor, other_half_pending=account.password_temporary)
        account.totp_secret = None
        account.totp_confirmed = False
        account.totp_last_counter = None
        _add_notice(
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
        account = _get(db, account_id)
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
