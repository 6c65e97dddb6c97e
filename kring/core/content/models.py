"""Models for informing reporters: information pages, code of conduct, profiles, media.

Kept apart from ``models.py`` (same ``Base``, same metadata) so the informing
feature reads as one unit. None of these tables holds anything about a
reader: reading leaves no row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kring.core.models import Base, cascading_key


class ContentPage(Base):
    """An information page (position, topics, what happens next) in one language.

    The body is Markdown as the admin wrote it; it is rendered and sanitised on
    every read, so a change of the allow-list applies to old text too.
    """

    __tablename__ = "content_pages"
    __table_args__ = (UniqueConstraint("slug", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    # "page" or "topic" (topics are listed together).
    kind: Mapped[str] = mapped_column(String(10), default="page")
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    updated_on: Mapped[dt.date] = mapped_column(Date)


class ConductVersion(Base):
    """One published version of the code of conduct in one language.

    Versions are only ever added, never edited: the history reporters read is
    the history that was published.
    """

    __tablename__ = "conduct_versions"
    __table_args__ = (UniqueConstraint("number", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    change_summary: Mapped[str] = mapped_column(Text)
    published_on: Mapped[dt.date] = mapped_column(Date)


class ConfidantProfile(Base):
    """What reporters see of a confidant besides the name: photo, intro, languages."""

    __tablename__ = "confidant_profiles"

    confidant_id: Mapped[int] = cascading_key("confidants.id")
    is_external: Mapped[bool] = mapped_column(default=False)
    # Language codes spoken, comma separated ("nl,en,tr").
    languages: Mapped[str] = mapped_column(String(80), default="")
    # Names of files in the instance's media folder (see MediaFile).
    photo: Mapped[str | None] = mapped_column(String(80), default=None)
    intro_media: Mapped[str | None] = mapped_column(String(80), default=None)


class ConfidantProfileText(Base):
    """A confidant's texts in one language: role, about, record keeping, transcript."""

    __tablename__ = "confidant_profile_texts"

    confidant_id: Mapped[int] = cascading_key("confidants.id")
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    role: Mapped[str] = mapped_column(String(160), default="")
    about_md: Mapped[str] = mapped_column(Text, default="")
    records_md: Mapped[str] = mapped_column(Text, default="")
    transcript_md: Mapped[str] = mapped_column(Text, default="")


class MediaFile(Base):
    """An image, audio or video file re-encoded by the server, stored under media/."""

    __tablename__ = "media_files"

    # Random name (token plus extension); also the file name on disk.
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[dt.date] = mapped_column(Date)
