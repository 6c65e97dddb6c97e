"""The one settings provider: the instance file's values, an admin's overrides on top.

``kring.toml`` holds the secrets and the defaults; the database holds only what
an admin changed, so secrets never become editable through a web page. Every
reader of an editable setting (both apps, the insights snapshots, the TOTP
issuer, the session store, the CSRF limit) asks :func:`current_options`; no one
reads the file's value of an editable setting directly.

The two apps are separate processes on one database, so the overrides are
cached per database engine and checked against a change counter: a save
raises the counter in the same transaction, :func:`refresh` (once per
request) compares it in one primary-key read and drops the cache when another
process saved. See docs/decisions.md, "One settings provider".
"""

from __future__ import annotations

import dataclasses
import threading
import weakref

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from kring.core.audit import Action, record
from kring.core.context import CoreContext
from kring.core.errors import KringError
from kring.core.models import InstanceSetting
from kring.core.settings import Settings

# The row whose value counts the admins' saves; never an option itself.
GENERATION = "generation"


class InvalidSetting(KringError):
    """A setting value is missing, not a number, or out of its allowed range."""


@dataclasses.dataclass(frozen=True)
class InstanceOptions:
    """The settings admins can change, with overrides applied."""

    organisation_name: str
    max_submission_mb: int
    session_idle_minutes: int
    session_absolute_minutes: int
    insights_k: int

    @property
    def max_submission_bytes(self) -> int:
        """The upload limit per submission in bytes."""
        return self.max_submission_mb * 1_000_000


# name -> (minimum, maximum) for whole-number settings.
RANGES = {
    "max_submission_mb": (1, 10_000),
    "session_idle_minutes": (5, 120),
    "session_absolute_minutes": (15, 24 * 60),
    "insights_k": (3, 100),
}
# Settings added later: a form without them keeps the value in force.
_OPTIONAL = ("insights_k",)


def file_defaults(settings: Settings) -> InstanceOptions:
    """What the instance file (and its ``KRING_*`` overrides) says, before any admin's change."""
    return InstanceOptions(
        organisation_name=settings.organisation_name,
        max_submission_mb=settings.max_submission_bytes // 1_000_000,
        session_idle_minutes=settings.session_idle_minutes,
        session_absolute_minutes=settings.session_absolute_minutes,
        insights_k=settings.insights_k,
    )


class SettingsProvider:
    """The options in force for one database, cached until an admin saves.

    Invariant: :meth:`current` returns the file's defaults with every stored
    override applied as of the last :meth:`refresh` or :meth:`clear`; a save in
    another process is seen at the first refresh after its commit.
    """

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._sessions = sessions
        self._lock = threading.Lock()
        self._cached: InstanceOptions | None = None
        self._generation: str | None = None

    def current(self) -> InstanceOptions:
        """The options in force (read from the database only when the cache is empty)."""
        with self._lock:
            cached = self._cached
        if cached is not None:
            return cached
        with self._sessions() as db:
            stored = {row.name: row.value for row in db.scalars(select(InstanceSetting))}
        options = _apply(file_defaults(self._settings), stored)
        with self._lock:
            self._cached = options
            self._generation = stored.get(GENERATION)
        return options

    def refresh(self) -> None:
        """Drop the cache if the change counter moved since it was filled (one small read)."""
        with self._sessions() as db:
            row = db.get(InstanceSetting, GENERATION)
            generation = row.value if row is not None else None
        with self._lock:
            if generation != self._generation:
                self._cached = None

    def clear(self) -> None:
        """Forget the cache (this process just saved)."""
        with self._lock:
            self._cached = None

    def follow(self, settings: Settings) -> None:
        """Take ``settings`` as the defaults from now on, if they are not the ones in use.

        A context's settings are replaced, not changed (they are frozen): an
        identity check is enough, and cheap enough for every look-up.
        """
        with self._lock:
            if settings is not self._settings:
                self._settings = settings
                self._cached = None


# One provider per database engine: the apps, the CLI and the core services of
# one context share it; two contexts on one database (two processes, or two
# apps in one test) each have their own, kept apart like two processes.
_providers: weakref.WeakKeyDictionary[Engine, SettingsProvider] = weakref.WeakKeyDictionary()
_providers_lock = threading.Lock()


def provider(ctx: CoreContext) -> SettingsProvider:
    """The settings provider of ``ctx``'s database."""
    with _providers_lock:
        found = _providers.get(ctx.engine)
        if found is None:
            found = _providers[ctx.engine] = SettingsProvider(ctx.settings, ctx.sessions)
    found.follow(ctx.settings)
    return found


def current_options(ctx: CoreContext) -> InstanceOptions:
    """The options in force for ``ctx`` (the file's values with the admins' overrides)."""
    return provider(ctx).current()


def _apply(defaults: InstanceOptions, stored: dict[str, str]) -> InstanceOptions:
    values = dataclasses.asdict(defaults)
    for name, value in stored.items():
        if name == "organisation_name":
            values[name] = value
        elif name in RANGES:
            values[name] = int(value)
    return InstanceOptions(**values)


def parse_options(raw: dict[str, str], current: InstanceOptions) -> InstanceOptions:
    """Check an admin's form; raise InvalidSetting naming the first bad field.

    A field added after a form was written (``insights_k``) and left out of it
    keeps ``current``'s value.
    """
    name = raw.get("organisation_name", "").strip()
    if not name or len(name) > 120:
        raise InvalidSetting("organisation_name")
    numbers: dict[str, int] = {}
    for field, (low, high) in RANGES.items():
        given = raw.get(field, "").strip()
        if not given and field in _OPTIONAL:
            numbers[field] = getattr(current, field)
            continue
        try:
            value = int(given)
        except ValueError as exc:
            raise InvalidSetting(field) from exc
        if not low <= value <= high:
            raise InvalidSetting(field)
        numbers[field] = value
    if numbers["session_idle_minutes"] > numbers["session_absolute_minutes"]:
        raise InvalidSetting("session_idle_minutes")
    return InstanceOptions(organisation_name=name, **numbers)


def save_options(ctx: CoreContext, options: InstanceOptions, *, actor: str) -> None:
    """Store the admin's values as overrides and log that settings changed (not to what).

    The change counter moves in the same transaction, so every process's
    provider sees the new values at its next refresh; this one's at once.
    """
    with ctx.sessions.begin() as db:
        values = {f: str(v) for f, v in dataclasses.asdict(options).items()}
        previous = db.get(InstanceSetting, GENERATION)
        values[GENERATION] = str(int(previous.value) + 1 if previous is not None else 1)
        for field, value in values.items():
            row = db.get(InstanceSetting, field)
            if row is None:
                db.add(InstanceSetting(name=field, value=value))
            else:
                row.value = value
        record(db, day=ctx.today(), actor=actor, action=Action.SETTINGS_CHANGED)
    provider(ctx).clear()
