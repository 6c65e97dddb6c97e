"""Information pages and topics: what a reporter reads, and what an admin edits.

Invariant: reading leaves no row; a page in the reader's language is shown,
else the fallback language's, marked as such.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kring.core.content import rules
from kring.core.content.markdown import render_markdown
from kring.core.content.models import ContentPage
from kring.core.context import CoreContext

# --- views handed to templates ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PageView:
    """A page as shown: sanitised HTML and the language the text is really in."""

    slug: str
    kind: str
    title: str
    summary: str
    html: str
    language: str
    is_fallback: bool
    updated_on: dt.date


def _page_view(page: ContentPage, wanted: str) -> PageView:
    return PageView(
        slug=page.slug,
        kind=page.kind,
        title=page.title,
        summary=page.summary,
        html=render_markdown(page.body_md),
        language=page.language,
        is_fallback=page.language != wanted,
        updated_on=page.updated_on,
    )


def _usable_pages(db: Session, slug: str | None = None) -> list[ContentPage]:
    query = select(ContentPage).where(func.length(func.trim(ContentPage.body_md)) > 0)
    if slug is not None:
        query = query.where(ContentPage.slug == slug)
    return list(db.scalars(query.order_by(ContentPage.position, ContentPage.slug)))


def get_page(ctx: CoreContext, slug: str, language: str) -> PageView:
    """The page ``slug`` in ``language``, else in English.

    Invariant: read-only; a translation with an empty body counts as missing,
    so a reader never gets a blank page where English text exists.
    """
    with ctx.sessions() as db:
        rows = {p.language: p for p in _usable_pages(db, slug)}
    picked = rules.pick_language(rows, language)
    if picked is None:
        raise rules.ContentNotFound(slug)
    return _page_view(picked[0], language)


def list_pages(ctx: CoreContext, language: str, kind: str | None = None) -> list[PageView]:
    """Every page (of ``kind``) once, in ``language`` where it exists, in display order."""
    with ctx.sessions() as db:
        pages = _usable_pages(db)
    by_slug: dict[str, dict[str, ContentPage]] = {}
    for page in pages:
        by_slug.setdefault(page.slug, {})[page.language] = page
    views = []
    for rows in by_slug.values():
        picked = rules.pick_language(rows, language)
        if picked and (kind is None or picked[0].kind == kind):
            views.append(_page_view(picked[0], language))
    order = {p.slug: (p.position, p.slug) for p in pages}
    return sorted(views, key=lambda v: order[v.slug])


def page_source(ctx: CoreContext, slug: str, language: str) -> ContentPage | None:
    """The stored row of a page in exactly ``language`` (for the editor), or None."""
    with ctx.sessions() as db:
        return db.scalar(
            select(ContentPage).where(ContentPage.slug == slug, ContentPage.language == language)
        )


def list_page_sources(ctx: CoreContext) -> dict[str, dict[str, ContentPage]]:
    """Every stored page row, by slug then language (for the editor's overview)."""
    with ctx.sessions() as db:
        rows = db.scalars(select(ContentPage).order_by(ContentPage.position, ContentPage.slug))
        out: dict[str, dict[str, ContentPage]] = {}
        for row in rows:
            out.setdefault(row.slug, {})[row.language] = row
        return out


def save_page(
    ctx: CoreContext,
    *,
    slug: str,
    language: str,
    title: str,
    summary: str,
    body_md: str,
    kind: str = "page",
    position: int | None = None,
) -> None:
    """Create or replace a page in one language.

    Invariant: only the Markdown source is stored; it is sanitised on every
    render, so stored text can never inject markup into a reporter page.
    """
    rules.check_language(language)
    if not rules.SLUG_RE.match(slug):
        raise rules.InvalidContent("slug")
    if kind not in rules.PAGE_KINDS:
        raise rules.InvalidContent("kind")
    title = title.strip()
    if not title or len(title) > 200:
        raise rules.InvalidContent("title")
    if len(summary) > 400:
        raise rules.InvalidContent("summary")
    rules.check_markdown(body_md)
    with ctx.sessions.begin() as db:
        page = db.scalar(
            select(ContentPage).where(ContentPage.slug == slug, ContentPage.language == language)
        )
        if page is None:
            others = db.scalar(select(ContentPage).where(ContentPage.slug == slug))
            page = ContentPage(slug=slug, language=language)
            page.position = others.position if others else (position or 100)
            db.add(page)
        page.kind = kind
        if position is not None:
            page.position = position
        page.title = title
        page.summary = summary.strip()
        page.body_md = body_md
        page.updated_on = ctx.today()
