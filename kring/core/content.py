"""Informing: information pages, the versioned code of conduct, confidant profiles, media.

Reading is traceless by construction: every read function here only SELECTs.
There is no view counter, no "last read" column, no per-visitor anything, so
no code path can record who looked at which page.

Languages: content exists per language and falls back to English (never to a
blank page); the views tell the page which language the text is really in,
so the page can mark it with ``lang``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kring.core.content_markdown import render_markdown
from kring.core.content_media import (
    CleanMedia,
    clean_audio_video,
    clean_image,
    install_clean_file,
    media_dir,
    scratch_dir,
)
from kring.core.content_models import (
    ConductVersion,
    ConfidantProfile,
    ConfidantProfileText,
    ContentPage,
    MediaFile,
)
from kring.core.context import CoreContext
from kring.core.errors import KringError
from kring.core.models import Confidant

if TYPE_CHECKING:
    from kring.core.default_content import DefaultConduct

CONTENT_LANGUAGES = ("en", "nl", "es")
FALLBACK_LANGUAGE = "en"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,59}$")
MEDIA_NAME_RE = re.compile(r"^[a-z0-9]{24}\.(jpg|png|ogg|webm|mp4|mp3)$")
LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")
PAGE_KINDS = ("page", "topic")
# Pages the reporter UI links to by name; they cannot be deleted.
CORE_PAGES = ("position", "after-you-write", "start-safely")
MAX_MARKDOWN_CHARS = 60_000

T = TypeVar("T")


class ContentNotFound(KringError):
    """No such page, version, profile or media file (in any language)."""


class InvalidContent(KringError):
    """Content an admin submitted does not meet the rules; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


@dataclasses.dataclass(frozen=True)
class ProfileView:
    """A confidant as reporters see them."""

    confidant_id: int
    name: str
    role: str
    is_external: bool
    languages: tuple[str, ...]
    photo: str | None
    intro_media: str | None
    intro_kind: str | None
    intro_mime: str | None
    about_html: str
    records_html: str
    transcript_html: str
    text_language: str
    is_fallback: bool
    can_receive: bool
    has_key: bool
    # The language each text field is really in (after falling back).
    field_languages: dict[str, str] = dataclasses.field(default_factory=dict)


# --- reading (SELECT only) -------------------------------------------------------


def _pick(rows: dict[str, T], language: str) -> tuple[T, str] | None:
    if language in rows:
        return rows[language], language
    if FALLBACK_LANGUAGE in rows:
        return rows[FALLBACK_LANGUAGE], FALLBACK_LANGUAGE
    return None


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
    picked = _pick(rows, language)
    if picked is None:
        raise ContentNotFound(slug)
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
        picked = _pick(rows, language)
        if picked and (kind is None or picked[0].kind == kind):
            views.append(_page_view(picked[0], language))
    order = {p.slug: (p.position, p.slug) for p in pages}
    return sorted(views, key=lambda v: order[v.slug])


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
    picked = _pick(rows.get(number, {}), language)
    if picked is None:
        raise ContentNotFound(f"code of conduct version {number}")
    version, text_language = picked
    changes: tuple[ConductChange, ...] = ()
    earlier = [n for n in rows if n < number]
    if with_changes and earlier:
        before = _pick(rows[max(earlier)], text_language)
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
        raise ContentNotFound("code of conduct")
    wanted = max(rows) if number is None else number
    return _conduct_view(rows, wanted, language, with_changes=True)


def conduct_history(ctx: CoreContext, language: str) -> list[ConductView]:
    """Every published version, newest first, each with its change summary."""
    with ctx.sessions() as db:
        rows = _conduct_rows(db)
    return [
        _conduct_view(rows, n, language, with_changes=False) for n in sorted(rows, reverse=True)
    ]


def _media_kinds(db: Session, names: list[str]) -> dict[str, MediaFile]:
    if not names:
        return {}
    return {m.name: m for m in db.scalars(select(MediaFile).where(MediaFile.name.in_(names)))}


def _profile_view(
    confidant: Confidant,
    profile: ConfidantProfile | None,
    texts: dict[str, ConfidantProfileText],
    media: dict[str, MediaFile],
    language: str,
) -> ProfileView:
    picked = _pick(texts, language)
    text = picked[0] if picked else None
    text_language = picked[1] if picked else language
    intro = media.get(profile.intro_media or "") if profile else None

    field_languages: dict[str, str] = {}

    def field(name: str) -> str:
        # A field left empty in this language falls back to English too, and
        # says so (the page marks it lang="en").
        value = str(getattr(text, name, "") or "") if text else ""
        field_languages[name] = text_language
        if not value.strip() and FALLBACK_LANGUAGE in texts:
            value = str(getattr(texts[FALLBACK_LANGUAGE], name, "") or "")
            field_languages[name] = FALLBACK_LANGUAGE
        return value

    return ProfileView(
        confidant_id=confidant.id,
        name=confidant.display_name,
        role=field("role"),
        is_external=bool(profile and profile.is_external),
        languages=tuple(c for c in (profile.languages.split(",") if profile else []) if c),
        photo=profile.photo if profile and profile.photo in media else None,
        intro_media=intro.name if intro else None,
        intro_kind=intro.kind if intro else None,
        intro_mime=intro.mime if intro else None,
        about_html=render_markdown(field("about_md")),
        records_html=render_markdown(field("records_md")),
        transcript_html=render_markdown(field("transcript_md")),
        text_language=text_language,
        is_fallback=any(
            lang != language for name, lang in field_languages.items() if field(name).strip()
        ),
        field_languages=dict(field_languages),
        can_receive=confidant.can_receive,
        has_key=bool(confidant.public_key),
    )


def _load_profiles(db: Session, confidants: list[Confidant], language: str) -> list[ProfileView]:
    ids = [c.id for c in confidants]
    profiles = {
        p.confidant_id: p
        for p in db.scalars(select(ConfidantProfile).where(ConfidantProfile.confidant_id.in_(ids)))
    }
    texts: dict[int, dict[str, ConfidantProfileText]] = {}
    for t in db.scalars(
        select(ConfidantProfileText).where(ConfidantProfileText.confidant_id.in_(ids))
    ):
        texts.setdefault(t.confidant_id, {})[t.language] = t
    names = [n for p in profiles.values() for n in (p.photo, p.intro_media) if n]
    media = _media_kinds(db, names)
    return [
        _profile_view(c, profiles.get(c.id), texts.get(c.id, {}), media, language)
        for c in confidants
    ]


def list_profiles(ctx: CoreContext, language: str) -> list[ProfileView]:
    """Every active confidant with their profile, by name (keyless ones included)."""
    with ctx.sessions() as db:
        confidants = list(
            db.scalars(
                select(Confidant).where(Confidant.is_active).order_by(Confidant.display_name)
            )
        )
        return _load_profiles(db, confidants, language)


def get_profile(ctx: CoreContext, confidant_id: int, language: str) -> ProfileView:
    """One active confidant's profile; inactive or unknown ones are not found."""
    with ctx.sessions() as db:
        confidant = db.get(Confidant, confidant_id)
        if confidant is None or not confidant.is_active:
            raise ContentNotFound(f"confidant {confidant_id}")
        return _load_profiles(db, [confidant], language)[0]


def media_file(ctx: CoreContext, name: str) -> tuple[Path, str]:
    """The path and MIME type of a stored media file.

    Invariant: only names that match the random-name pattern AND have a row
    are served, so no path outside ``media/`` can ever be asked for.
    """
    if not MEDIA_NAME_RE.match(name):
        raise ContentNotFound(name)
    with ctx.sessions() as db:
        row = db.get(MediaFile, name)
    path = media_dir(ctx.settings.instance_dir) / name
    if row is None or not path.is_file():
        raise ContentNotFound(name)
    return path, row.mime


# --- editing (admins) ------------------------------------------------------------


def _check_language(language: str) -> None:
    if language not in CONTENT_LANGUAGES:
        raise InvalidContent("language")


def _check_markdown(*texts: str) -> None:
    if any(len(t) > MAX_MARKDOWN_CHARS for t in texts):
        raise InvalidContent("too_long")


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
    _check_language(language)
    if not SLUG_RE.match(slug):
        raise InvalidContent("slug")
    if kind not in PAGE_KINDS:
        raise InvalidContent("kind")
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidContent("title")
    if len(summary) > 400:
        raise InvalidContent("summary")
    _check_markdown(body_md)
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
        _check_language(language)
    if FALLBACK_LANGUAGE not in drafts:
        raise InvalidContent("english_required")
    for draft in drafts.values():
        _check_markdown(draft.body_md, draft.change_summary)
        if not draft.title.strip() or len(draft.title) > 200:
            raise InvalidContent("title")
    if not drafts[FALLBACK_LANGUAGE].change_summary.strip():
        raise InvalidContent("change_summary")
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


@dataclasses.dataclass(frozen=True)
class ProfileTexts:
    """A confidant's profile texts in one language."""

    role: str = ""
    about_md: str = ""
    records_md: str = ""
    transcript_md: str = ""


def profile_source(
    ctx: CoreContext, confidant_id: int
) -> tuple[Confidant, ConfidantProfile | None, dict[str, ConfidantProfileText]]:
    """The stored profile of a confidant (for the editor)."""
    with ctx.sessions() as db:
        confidant = db.get(Confidant, confidant_id)
        if confidant is None:
            raise ContentNotFound(f"confidant {confidant_id}")
        profile = db.get(ConfidantProfile, confidant_id)
        texts = {
            t.language: t
            for t in db.scalars(
                select(ConfidantProfileText).where(
                    ConfidantProfileText.confidant_id == confidant_id
                )
            )
        }
        return confidant, profile, texts


def list_confidants_for_editing(ctx: CoreContext) -> list[Confidant]:
    """Every confidant, active or not, by name."""
    with ctx.sessions() as db:
        return list(db.scalars(select(Confidant).order_by(Confidant.display_name)))


def save_profile(
    ctx: CoreContext,
    confidant_id: int,
    *,
    is_external: bool,
    languages: list[str],
    texts: dict[str, ProfileTexts],
) -> None:
    """Store a confidant's profile fields and texts (photo and intro are set separately)."""
    codes = [c.strip().lower() for c in languages if c.strip()]
    if len(codes) > 12 or not all(LANGUAGE_CODE_RE.match(c) for c in codes):
        raise InvalidContent("languages")
    for language, text in texts.items():
        _check_language(language)
        if len(text.role) > 160:
            raise InvalidContent("role")
        _check_markdown(text.about_md, text.records_md, text.transcript_md)
    with ctx.sessions.begin() as db:
        if db.get(Confidant, confidant_id) is None:
            raise ContentNotFound(f"confidant {confidant_id}")
        profile = db.get(ConfidantProfile, confidant_id)
        if profile is None:
            profile = ConfidantProfile(confidant_id=confidant_id)
            db.add(profile)
        profile.is_external = is_external
        profile.languages = ",".join(dict.fromkeys(codes))
        for language, text in texts.items():
            row = db.get(ConfidantProfileText, (confidant_id, language))
            if row is None:
                row = ConfidantProfileText(confidant_id=confidant_id, language=language)
                db.add(row)
            row.role = text.role.strip()
            row.about_md = text.about_md
            row.records_md = text.records_md
            row.transcript_md = text.transcript_md


def _store_clean(ctx: CoreContext, clean: CleanMedia) -> str:
    folder = media_dir(ctx.settings.instance_dir)
    name, size = install_clean_file(clean, folder)
    try:
        with ctx.sessions.begin() as db:
            db.add(
                MediaFile(name=name, kind=clean.kind, mime=clean.mime, size=size,
                          created_on=ctx.today())
            )  # fmt: skip
    except Exception:
        (folder / name).unlink(missing_ok=True)
        raise
    return name


def store_image(ctx: CoreContext, data: bytes) -> str:
    """Re-encode an uploaded image without metadata and store it; return its name.

    Invariant: what is stored and served is never the uploaded file itself.
    """
    folder = media_dir(ctx.settings.instance_dir)
    with scratch_dir(folder) as work:
        return _store_clean(ctx, clean_image(data, Path(work)))


def store_audio_video(ctx: CoreContext, upload: Path) -> str:
    """Validate and remux an uploaded audio/video file without metadata; return its name."""
    folder = media_dir(ctx.settings.instance_dir)
    with scratch_dir(folder) as work:
        return _store_clean(ctx, clean_audio_video(upload, Path(work)))


def set_profile_media(
    ctx: CoreContext, confidant_id: int, *, photo: str | None = None, intro: str | None = None,
    clear_photo: bool = False, clear_intro: bool = False,
) -> None:  # fmt: skip
    """Attach (or detach) a stored photo or intro to a confidant's profile."""
    with ctx.sessions.begin() as db:
        if db.get(Confidant, confidant_id) is None:
            raise ContentNotFound(f"confidant {confidant_id}")
        profile = db.get(ConfidantProfile, confidant_id)
        if profile is None:
            profile = ConfidantProfile(confidant_id=confidant_id, languages="")
            db.add(profile)
        for name in (photo, intro):
            if name is not None and db.get(MediaFile, name) is None:
                raise ContentNotFound(name)
        if photo is not None or clear_photo:
            profile.photo = photo
        if intro is not None or clear_intro:
            profile.intro_media = intro


def list_media(ctx: CoreContext) -> list[MediaFile]:
    """Every stored media file (for the editor), newest first."""
    with ctx.sessions() as db:
        return list(db.scalars(select(MediaFile).order_by(MediaFile.created_on.desc())))


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
    from kring.core.default_content import load_default_conduct, load_default_pages

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
