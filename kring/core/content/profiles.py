"""Confidants' public profiles: who a reporter may choose, in their language.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from kring.core.content import rules
from kring.core.content.markdown import render_markdown
from kring.core.content.models import ConfidantProfile, ConfidantProfileText, MediaFile
from kring.core.context import CoreContext
from kring.core.models import Confidant


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
    picked = rules.pick_language(texts, language)
    text = picked[0] if picked else None
    text_language = picked[1] if picked else language
    intro = media.get(profile.intro_media or "") if profile else None

    field_languages: dict[str, str] = {}

    def field(name: str) -> str:
        # A field left empty in this language falls back to English too, and
        # says so (the page marks it lang="en").
        value = str(getattr(text, name, "") or "") if text else ""
        field_languages[name] = text_language
        if not value.strip() and rules.FALLBACK_LANGUAGE in texts:
            value = str(getattr(texts[rules.FALLBACK_LANGUAGE], name, "") or "")
            field_languages[name] = rules.FALLBACK_LANGUAGE
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
            raise rules.ContentNotFound(f"confidant {confidant_id}")
        return _load_profiles(db, [confidant], language)[0]


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
            raise rules.ContentNotFound(f"confidant {confidant_id}")
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


def _profile_to_edit(db: Session, confidant_id: int) -> ConfidantProfile:
    """The confidant's profile row, added empty if they have none yet.

    Raises ContentNotFound when there is no such confidant, before anything is added.
    """
    if db.get(Confidant, confidant_id) is None:
        raise rules.ContentNotFound(f"confidant {confidant_id}")
    profile = db.get(ConfidantProfile, confidant_id)
    if profile is None:
        profile = ConfidantProfile(confidant_id=confidant_id, languages="")
        db.add(profile)
    return profile


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
    if len(codes) > 12 or not all(rules.LANGUAGE_CODE_RE.match(c) for c in codes):
        raise rules.InvalidContent("languages")
    for language, text in texts.items():
        rules.check_language(language)
        if len(text.role) > 160:
            raise rules.InvalidContent("role")
        rules.check_markdown(text.about_md, text.records_md, text.transcript_md)
    with ctx.sessions.begin() as db:
        profile = _profile_to_edit(db, confidant_id)
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


def set_profile_media(
    ctx: CoreContext, confidant_id: int, *, photo: str | None = None, intro: str | None = None,
    clear_photo: bool = False, clear_intro: bool = False,
) -> None:  # fmt: skip
    """Attach (or detach) a stored photo or intro to a confidant's profile."""
    with ctx.sessions.begin() as db:
        profile = _profile_to_edit(db, confidant_id)
        for name in (photo, intro):
            if name is not None and db.get(MediaFile, name) is None:
                raise rules.ContentNotFound(name)
        if photo is not None or clear_photo:
            profile.photo = photo
        if intro is not None or clear_intro:
            profile.intro_media = intro
