"""Instance settings an admin may change in journalist_ui, stored as overrides.

``kring.toml`` holds the secrets and the defaults; the database holds only what
an admin changed, so secrets never become editable through a web page.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from kring.core.audit import Action, record
from kring.core.context import CoreContext
from kring.core.errors import KringError
from kring.core.models import InstanceSetting

DEFAULT_SESSION_ABSOLUTE_MINUTES = 120
DEFAULT_JOURNALIST_IDLE_MINUTES = 30
# Small-cell suppression threshold of the insights pages; never below 3.
DEFAULT_INSIGHTS_K = 5


class InvalidSetting(KringError):
    """A setting value is missing, not a number, or out of its allowed range."""


@dataclasses.dataclass(frozen=True)
class InstanceOptions:
    """The settings admins can change, with overrides applied."""

    organisation_name: str
    max_submission_mb: int
    session_idle_minutes: int
    session_absolute_minutes: int
    insights_k: int = DEFAULT_INSIGHTS_K


# name -> (minimum, maximum) for whole-number settings.
_RANGES = {
    "max_submission_mb": (1, 10_000),
    "session_idle_minutes": (5, 120),
    "session_absolute_minutes": (15, 24 * 60),
    "insights_k": (3, 100),
}
# Settings added later: a form without them keeps the default.
_OPTIONAL = {"insights_k": DEFAULT_INSIGHTS_K}


def _defaults(ctx: CoreContext) -> InstanceOptions:
    return InstanceOptions(
        organisation_name=ctx.settings.organisation_name,
        max_submission_mb=ctx.settings.max_submission_bytes // 1_000_000,
        session_idle_minutes=DEFAULT_JOURNALIST_IDLE_MINUTES,
        session_absolute_minutes=DEFAULT_SESSION_ABSOLUTE_MINUTES,
    )


def load_options(ctx: CoreContext) -> InstanceOptions:
    """The instance file's values with the admins' overrides applied."""
    with ctx.sessions() as db:
        stored = {row.name: row.value for row in db.scalars(select(InstanceSetting))}
    values = dataclasses.asdict(_defaults(ctx))
    for name, value in stored.items():
        if name == "organisation_name":
            values[name] = value
        elif name in _RANGES:
            values[name] = int(value)
    return InstanceOptions(**values)


def max_submission_bytes(ctx: CoreContext) -> int:
    """The upload limit in force (for the reporters' app)."""
    return load_options(ctx).max_submission_mb * 1_000_000


def parse_options(raw: dict[str, str]) -> InstanceOptions:
    """Check an admin's form; raise InvalidSetting naming the first bad field."""
    name = raw.get("organisation_name", "").strip()
    if not name or len(name) > 120:
        raise InvalidSetting("organisation_name")
    numbers: dict[str, int] = {}
    for field, (low, high) in _RANGES.items():
        given = raw.get(field, "").strip()
        if not given and field in _OPTIONAL:
            numbers[field] = _OPTIONAL[field]
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
    """Store the admin's values as overrides and log that settings changed (not to what)."""
    with ctx.sessions.begin() as db:
        for field, value in dataclasses.asdict(options).items():
            row = db.get(InstanceSetting, field)
            if row is None:
                db.add(InstanceSetting(name=field, value=str(value)))
            else:
                row.value = str(value)
        record(db, day=ctx.today(), actor=actor, action=Action.SETTINGS_CHANGED)
