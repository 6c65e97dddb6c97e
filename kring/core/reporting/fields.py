"""The reporter's form fields, checked before anything is stored.

Invariant: a bad value raises a domain error with the reason the reporter
is shown; nothing is written for it.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.errors import InvalidChoice, InvalidFileName
from kring.core.models import Category, ReporterPath, Unit

MAX_FILE_NAME_BYTES = 255


def check_file_name(name: str) -> str:
    """Accept a file name as the reporter's browser sent it, or raise InvalidFileName.

    No path separators, no control characters, at most 255 bytes: the name is
    only ever stored inside ciphertext, but the workstation writes files under
    it, so it must not be able to point anywhere else.
    """
    if not name or name in {".", ".."}:
        raise InvalidFileName("empty file name")
    if "/" in name or "\\" in name:
        raise InvalidFileName("file names cannot contain / or \\")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        raise InvalidFileName("file names cannot contain control characters")
    if len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        raise InvalidFileName("file name too long")
    return name


def parse_path(value: str | None) -> ReporterPath:
    """The reporter's chosen path; empty means 'just talk'."""
    if not value:
        return ReporterPath.JUST_TALK
    try:
        return ReporterPath(value)
    except ValueError as exc:
        raise InvalidChoice("unknown path") from exc


def parse_category(value: str | None) -> Category | None:
    """The optional category; empty means not given."""
    if not value:
        return None
    try:
        return Category(value)
    except ValueError as exc:
        raise InvalidChoice("unknown category") from exc


def parse_unit(ctx: CoreContext, value: str | None) -> str | None:
    """The optional coarse unit; it must be one from the admin's list."""
    if not value:
        return None
    with ctx.sessions() as db:
        if db.scalar(select(Unit.name).where(Unit.name == value)) is None:
            raise InvalidChoice("unknown unit")
    return value
