"""The code of conduct, versioned: every version kept, changes shown paragraph by paragraph.

Invariant: a published version is never edited; a new number is published
with every language at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kring.core.content import rules
from kring.core.content.markdown import render_markdown
from kring.core.content.models import ConductVersion
from kring.core.context import CoreContext


@dataclasses.dataclass(frozen=True)
class ConductChange:
    """One changed paragraph between two versions: ``added`` or ``removed``."""

    change: str
    text: str


@dataclasses.dataclass(frozen=True)
class ConductView:
    """A version of the code of conduct, with what changed since the one before."""

    number: int
    title: str
    html: str
    change_summary: str
    published_on: dt.date
    language: str
    is_fallback: bool
    is_current: bool
    changes: tuple[ConductChange, ...] = ()


def _conduct_rows(db: Session) -> dict[int, dict[str, ConductVersion]]:
    rows: dict[int, dict[str, ConductVersion]] = {}
    for version in db.scalars(select(ConductVersion).order_by(ConductVersion.number)):
        rows.setdefault(version.number, {})[version.language] = version
    return rows


def _paragraphs(markdown: str) -> list[str]:
    return [block.strip() for block in re.split(r"\n\s*\n", markdown) if block.strip()]


def _changes(before: str, after: str) -> tuple[ConductChange, ...]:
    old, new = _paragraphs(before), _paragraphs(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    out: list[ConductChange] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            out += [ConductChange("removed", t) for t in old[a0:a1]]
        if tag in ("replace", "insert"):
            out += [ConductChange("added", t) for t in new[b0:b1]]
    return tuple(out)


def _conduct_view(
    rows: dict[int, dict[str, ConductVersion]], number: int, language: str, *, with_changes: bool
) -> ConductView:
    picked = rules.pick_language(rows.get(number, {}), language)
    if picked is None:
        raise rules.ContentNotFound(f"code of conduct version {number}")
    version, text_language = picked
    changes: tuple[ConductChange, ...] = ()
    earlier = [n for n in rows if n < number]
    if with_changes and earlier:
        before = rules.pick_language(rows[max(earlier)], text_language)
        if before is not None:
            changes = _changes(before[0].body_md, version.body_md)
    return ConductView(
        number=number,
        title=version.title,
        html=render_markdown(version.body_md),
        change_summary=version.change_summary,
        published_on=version.published_on,
        language=text_language,
        is_fallback=text_language != language,
        is_current=number == max(rows),
        changes=changes,
    )


def conduct_version(ctx: CoreContext, language: str, number: int | None = None) -> ConductView:
    """Version ``number`` (default: the current one) with what changed since the previous."""
    with ctx.sessions() as db:
        rows = _conduct_rows(db)
    if not rows:
        raise rules.ContentNotFound("code of conduct")
    wanted = max(rows) if number is None else number
    return _conduct_view(rows, wanted, language, with_changes=True)


def conduct_history(ctx: CoreContext, language: str) -> list[ConductView]:
    """Every published version, newest first, each with its change summary."""
    with ctx.sessions() as db:
        rows = _conduct_rows(db)
    return [
        _conduct_view(rows, n, language, with_changes=False) for n in sorted(rows, reverse=True)
    ]


def latest_conduct_number(ctx: CoreContext) -> int:
    """The current version number of the code of conduct (0: none yet)."""
    with ctx.sessions() as db:
        return int(db.scalar(select(func.max(ConductVersion.number))) or 0)


def conduct_source(ctx: CoreContext, number: int, language: str) -> ConductVersion | None:
    """The stored text of one version in exactly ``language`` (for the editor)."""
    with ctx.sessions() as db:
        return db.scalar(
            select(ConductVersion).where(
                ConductVersion.number == number, ConductVersion.language == language
            )
        )


@dataclasses.dataclass(frozen=True)
class ConductDraft:
    """One language's text of a new version, as an admin submitted it."""

    title: str
    body_md: str
    change_summary: str


def publish_conduct_version(ctx: CoreContext, drafts: dict[str, ConductDraft]) -> int:
    """Publish a new version of the code of conduct; return its number.

    Invariant: versions are append-only, and every version after the first
    must say what changed (the English text at least), so the history that
    reporters read is complete and honest.
    """
    drafts = {lang: d for lang, d in drafts.items() if d.body_md.strip()}
    for language in drafts:
        rules.check_language(language)
    if rules.FALLBACK_LANGUAGE not in drafts:
        raise rules.InvalidContent("english_required")
    for draft in drafts.values():
        rules.check_markdown(draft.body_md, draft.change_summary)
        if not draft.title.strip() or len(draft.title) > 200:
            raise rules.InvalidContent("title")
    if not drafts[rules.FALLBACK_LANGUAGE].change_summary.strip():
        raise rules.InvalidContent("change_summary")
    with ctx.sessions.begin() as db:
        number = int(db.scalar(select(func.max(ConductVersion.number))) or 0) + 1
        for language, draft in drafts.items():
            db.add(
                ConductVersion(
                    number=number,
                    language=language,
                    title=draft.title.strip(),
                    body_md=draft.body_md,
                    change_summary=draft.change_summary.strip(),
                    published_on=ctx.today(),
                )
            )
    return number
