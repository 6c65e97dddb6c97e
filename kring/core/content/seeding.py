"""The default content a new instance starts with, in every content language.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kring.core.content.models import ConductVersion, ContentPage

if TYPE_CHECKING:
    from kring.core.content.defaults import DefaultConduct


# --- default content ---------------------------------------------------------------


def seed_default_content(
    sessions: sessionmaker[Session], today: dt.date, *, replace: bool = False
) -> int:
    """Insert the shipped default pages and code of conduct; return rows written.

    Pages an admin already has are left alone unless ``replace``; the code of
    conduct is seeded only when no version exists (its history is never
    rewritten). One exception, so that an instance made before a language was
    shipped gets it: a language with no version at all gets the shipped
    version 1 while version 1 is still the only one and its English text is the
    shipped one (the same document, only translated).
    """
    from kring.core.content.defaults import load_default_conduct, load_default_pages

    written = 0
    with sessions.begin() as db:
        for page in load_default_pages():
            row = db.scalar(
                select(ContentPage).where(
                    ContentPage.slug == page.slug, ContentPage.language == page.language
                )
            )
            if row is not None and not replace:
                continue
            if row is None:
                row = ContentPage(slug=page.slug, language=page.language)
                db.add(row)
            row.kind, row.position, row.title = page.kind, page.position, page.title
            row.summary, row.body_md, row.updated_on = page.summary, page.body_md, today
            written += 1
        shipped = load_default_conduct()
        if db.scalar(select(func.count()).select_from(ConductVersion)) == 0:
            missing, published_on = shipped, today
        else:
            missing, published_on = _conduct_translations_missing(db, shipped)
        for conduct in missing:
            db.add(
                ConductVersion(
                    number=1,
                    language=conduct.language,
                    title=conduct.title,
                    body_md=conduct.body_md,
                    change_summary=conduct.change_summary,
                    published_on=published_on,
                )
            )
            written += 1
    return written


def _conduct_translations_missing(
    db: Session, shipped: list[DefaultConduct]
) -> tuple[list[DefaultConduct], dt.date]:
    """Shipped version-1 texts of languages the instance lacks, and version 1's day.

    Only while the instance has version 1 alone and its English text is the
    shipped English one; otherwise an admin's own text would be paired with a
    translation of a different document, and nothing is returned.
    """
    versions = db.scalars(select(ConductVersion)).all()
    by_language = {v.language: v for v in versions}
    english = next((c for c in shipped if c.language == "en"), None)
    current = by_language.get("en")
    if (
        {v.number for v in versions} != {1}
        or english is None
        or current is None
        or current.body_md != english.body_md
    ):
        return [], dt.date.min
    return [c for c in shipped if c.language not in by_language], current.published_on
