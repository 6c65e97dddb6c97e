"""The admin's list of coarse organisational units reporters may name.

Invariant: a unit is a name of 1 to 80 printable characters, unique. Units
are coarse on purpose (a department, a site); statistics roll up any unit
with fewer than ``k`` counted conversations into "other" anyway.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kring.core.context import CoreContext
from kring.core.errors import KringError
from kring.core.models import Unit

MAX_UNIT_NAME = 80


class InvalidUnit(KringError):
    """A unit name must be 1 to 80 printable characters."""


class UnitExists(KringError):
    """A unit of this name already exists."""


class UnitNotFound(KringError):
    """No unit of this name."""


def normalise_unit(raw: str) -> str:
    """The stripped name, or InvalidUnit."""
    name = " ".join(raw.split())
    if not name or len(name) > MAX_UNIT_NAME or not name.isprintable():
        raise InvalidUnit("1 to 80 printable characters")
    return name


def add_unit(ctx: CoreContext, raw: str) -> str:
    """Add a unit; return its normalised name."""
    name = normalise_unit(raw)
    try:
        with ctx.sessions.begin() as db:
            db.add(Unit(name=name))
    except IntegrityError as exc:
        raise UnitExists(name) from exc
    return name


def list_units(ctx: CoreContext) -> list[str]:
    """Every unit name, sorted."""
    with ctx.sessions() as db:
        return list(db.scalars(select(Unit.name).order_by(Unit.name)))


def delete_unit(ctx: CoreContext, raw: str) -> None:
    """Delete a unit by name (conversations that named it keep the name)."""
    name = " ".join(raw.split())
    with ctx.sessions.begin() as db:
        unit = db.scalar(select(Unit).where(Unit.name == name))
        if unit is None:
            raise UnitNotFound(name)
        db.delete(unit)
