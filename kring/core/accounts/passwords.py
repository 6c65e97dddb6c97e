"""Confidants' passwords: generated or chosen, hashed with argon2id, changed.

Invariant: a password is kept only as an argon2id hash; a login for an
unknown name spends the same work as one for a known name.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from kring.core.accounts.records import LoginFailed, account_row, session_stamp
from kring.core.audit import Action, record
from kring.core.codenames.wordlists import load_wordlist
from kring.core.context import CoreContext
from kring.core.errors import KringError
from kring.core.models import Confidant

# Re-exported: the confidants' throttle is the one in kring.core.throttle.
from kring.core.throttle import FAILURES_PER_MINUTE as FAILURES_PER_MINUTE
from kring.core.throttle import FailureThrottle as FailureThrottle
from kring.core.throttle import LoginThrottled as LoginThrottled

PASSWORD_WORDS = 7


MIN_CHOSEN_PASSWORD = 14


MAX_PASSWORD = 256


class WeakPassword(KringError):
    """A chosen password is shorter than 14 characters (or absurdly long)."""


def password_hasher(ctx: CoreContext) -> PasswordHasher:
    """The argon2id hasher at the instance's configured cost."""
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


_DUMMY_HASH: dict[tuple[int, int, int], str] = {}


def spend_equal_work(ctx: CoreContext, password: str) -> None:
    """One argon2 verification against a dummy hash, as a real check would cost."""
    # An unknown username costs one argon2 verification like a known one, so
    # timing does not tell which usernames exist.
    key = (ctx.settings.kdf.time_cost, ctx.settings.kdf.memory_kib, ctx.settings.kdf.parallelism)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = password_hasher(ctx).hash(secrets.token_hex(16))
    with contextlib.suppress(VerificationError, InvalidHashError):
        password_hasher(ctx).verify(_DUMMY_HASH[key], password)


def password_ok(ctx: CoreContext, account: Confidant, password: str) -> bool:
    """Whether the password is the account's; the same argon2 work whether it has one or not."""
    if not account.password_hash:
        spend_equal_work(ctx, password)
        return False
    try:
        return password_hasher(ctx).verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
        account = account_row(db, account_id)
        if not password_ok(ctx, account, current):
            raise LoginFailed("the current password is wrong")
        if hmac.compare_digest(current.encode(), new.encode()):
            raise SamePassword("choose a new password")
        first_own = account.password_temporary
        account.password_hash = password_hasher(ctx).hash(new)
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
