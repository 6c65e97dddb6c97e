"""SQLAlchemy 2.0 models: what the server keeps about conversations.

Invariant: no column holds plaintext of a report, file, reply, file name or
codename, nor any precise time: reporter-facing dates are ``Date`` (day
granular), and ordering within a conversation is a sequence number.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column, relationship

# Stable constraint names, so Alembic migrations do not depend on the dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def cascading_key(target: str) -> MappedColumn[Any]:
    """A primary-key column pointing at ``target``: the row goes when the row it points to goes."""
    return mapped_column(ForeignKey(target, ondelete="CASCADE"), primary_key=True)


class Base(DeclarativeBase):
    """Shared declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ReporterPath(enum.StrEnum):
    """What the reporter wants to happen, from just talking to a report of wrongdoing.

    Only ever moves forward (the order below).
    """

    JUST_TALK = "just_talk"
    ADVICE = "advice"
    INFORMAL = "informal"
    FORMAL = "formal"
    WRONGDOING = "wrongdoing"


class Category(enum.StrEnum):
    """The categories confidants customarily count."""

    AGGRESSION = "aggression"
    DISCRIMINATION = "discrimination"
    BULLYING = "bullying"
    SEXUAL_HARASSMENT = "sexual_harassment"
    INTIMIDATION = "intimidation"
    INTEGRITY = "integrity"
    OTHER = "other"


class ItemKind(enum.StrEnum):
    """An item in a conversation."""

    MESSAGE = "message"
    FILE = "file"
    REPLY = "reply"


class ConversationStatus(enum.StrEnum):
    """Where a confidant is with a conversation."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Confidant(Base):
    """A confidant (vertrouwenspersoon) who can receive reports."""

    __tablename__ = "confidants"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # Armored OpenPGP public key; the private half lives on the workstation.
    public_key: Mapped[str | None] = mapped_column(Text, default=None)
    fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_on: Mapped[dt.date] = mapped_column(Date)
    # journalist_ui account. Confidants added by the legacy CLI have
    # no username and cannot log in until an admin gives them an account.
    username: Mapped[str | None] = mapped_column(String(60), unique=True, default=None)
    # argon2id hash (argon2-cffi's encoded form, parameters included).
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    # Base32 TOTP secret (RFC 6238); a server secret, see docs/journalist.md.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    # An admin-issued password (new account or reset): it only lets its holder
    # choose their own; nothing else is allowed until they have.
    password_temporary: Mapped[bool] = mapped_column(default=False)
    # The admin whose password or TOTP reset the holder has not finished yet:
    # the other reset then needs a second admin (no one admin holds both).
    reset_by: Mapped[str | None] = mapped_column(String(60), default=None)
    # Highest TOTP time step ever accepted: a code is never accepted twice.
    totp_last_counter: Mapped[int | None] = mapped_column(Integer, default=None)
    role: Mapped[str] = mapped_column(String(20), default="confidant")
    # Activity notices: opt-in, to this address only.
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    notify: Mapped[bool] = mapped_column(default=False)
    # Highest item id already covered by a notice: "new" means above it.
    notified_up_to: Mapped[int] = mapped_column(Integer, default=0)
    # Security notices for the holder (key changed, password or TOTP reset),
    # shown at their next login: a JSON list of [kind, ISO day, detail].
    account_notices: Mapped[str] = mapped_column(Text, default="")
    # The content-free e-mail is due for such a notice (if they opted in).
    notice_mail_due: Mapped[bool] = mapped_column(default=False)

    @property
    def can_receive(self) -> bool:
        """A confidant can be chosen as recipient only with a key and while active."""
        return self.is_active and bool(self.public_key)


class Reporter(Base):
    """A reporter's conversation, found only through the codename's lookup id."""

    __tablename__ = "reporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    # argon2id(codename, lookup salt), hex; also the store folder name.
    lookup_id: Mapped[str] = mapped_column(String(128), unique=True)
    # 20-bit keyed tag of the codename (kring.core.codenames.prefilter); NULL until the
    # next login for conversations made before it existed.
    prefilter_tag: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    # Random two words shown to confidants; never derived from the codename.
    designation: Mapped[str] = mapped_column(String(80), unique=True)
    # The reporter's reply key: public half, and secret half locked with the
    # passphrase derived from the codename.
    public_key: Mapped[str] = mapped_column(Text)
    secret_key: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(20), default=ReporterPath.JUST_TALK.value)
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    # None: addressed to all confidants.
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("confidants.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(20), default=ConversationStatus.NEW.value)
    created_on: Mapped[dt.date] = mapped_column(Date)
    last_activity_on: Mapped[dt.date] = mapped_column(Date, index=True)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    # Set by confidants in journalist_ui (legal clock, retention); days only.
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # acknowledged_on + 3 months (month-end clamped), kept so the inbox can
    # sort by deadline in SQL; kring.core.cases.legal_clock computes it.
    feedback_due_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # The day a confidant recorded that the reporter got feedback: stops the clock.
    feedback_given_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # Statistics. Counted only with the reporter's explicit consent.
    counted: Mapped[bool] = mapped_column(default=False)
    # The reporter chose to keep a copy of their messages they can reread with
    # the codename (encrypted to their own key, in items.reporter_label).
    keep_copy: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The confidant gave the closing classification (it went into the
    # statistics' counters then, once). The unit, closing category and outcome
    # themselves are never kept with the conversation: only in insight_counts.
    classified: Mapped[bool] = mapped_column(default=False, server_default="0")

    items: Mapped[list[Item]] = relationship(
        back_populates="reporter",
        cascade="all, delete-orphan",
        order_by="Item.seq",
        passive_deletes=True,
    )
    recipient: Mapped[Confidant | None] = relationship()


class Item(Base):
    """One encrypted message, file or reply; the ciphertext is a file in the store."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("reporter_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("reporters.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    # Set for replies: which confidant wrote it.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("confidants.id", ondelete="SET NULL"), default=None
    )
    created_on: Mapped[dt.date] = mapped_column(Date)
    size: Mapped[int] = mapped_column(Integer)
    blob_name: Mapped[str] = mapped_column(String(80))
    # Encrypted to the reporter's own key, so the reporter (and only they) can
    # see what they sent: a file's original name, or a message's text when the
    # reporter keeps a copy (Reporter.keep_copy).
    reporter_label: Mapped[bytes | None] = mapped_column(default=None)
    # Replies only: the reporter removed it from their own view. The confidant's
    # record keeps it (and says so) until the whole conversation goes.
    hidden_from_reporter: Mapped[bool] = mapped_column(default=False, server_default="0")

    reporter: Mapped[Reporter] = relationship(back_populates="items")
    author: Mapped[Confidant | None] = relationship()
    recipients: Mapped[list[ItemRecipient]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class ItemRecipient(Base):
    """Which confidants an item was encrypted to (and so may see and download it)."""

    __tablename__ = "item_recipients"

    item_id: Mapped[int] = cascading_key("items.id")
    confidant_id: Mapped[int] = cascading_key("confidants.id")


class DeletionNotice(Base):
    """A content-free inbox line: "<designation>: deleted by the reporter on <day>".

    Made for each confidant a conversation was addressed to when its reporter
    deletes it, kept for NOTICE_DAYS and then removed (retention), so a
    confidant with a legal duty knows why the clock stopped. Holds no content,
    no category, no path: only the designation and the day.
    """

    __tablename__ = "deletion_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    confidant_id: Mapped[int] = mapped_column(ForeignKey("confidants.id", ondelete="CASCADE"))
    designation: Mapped[str] = mapped_column(String(80))
    deleted_on: Mapped[dt.date] = mapped_column(Date)


# --- journalist_ui: per-confidant read marks and stars, audit log, settings ---


class ReadMark(Base):
    """An item a confidant has marked read (per confidant, no time kept)."""

    __tablename__ = "read_marks"

    confidant_id: Mapped[int] = cascading_key("confidants.id")
    item_id: Mapped[int] = cascading_key("items.id")


class Star(Base):
    """A conversation a confidant has starred."""

    __tablename__ = "stars"

    confidant_id: Mapped[int] = cascading_key("confidants.id")
    reporter_id: Mapped[int] = cascading_key("reporters.id")


class AuditEntry(Base):
    """Who did what to which designation (or account) on which day; never content.

    Names are copied in, so the line stays readable after an account or a
    conversation is deleted.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    designation: Mapped[str | None] = mapped_column(String(80), default=None)
    account: Mapped[str | None] = mapped_column(String(60), default=None)


class InstanceSetting(Base):
    """An admin's override of one instance setting (kring.core.instance_settings)."""

    __tablename__ = "instance_settings"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))


class Unit(Base):
    """A coarse organisational unit reporters may name (admin-defined)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class InsightCount(Base):
    """One aggregate counter of the statistics: how many counted conversations had
    ``value`` for ``dimension`` in ``quarter``.

    Written in the same transaction as the event it counts (the reporter's
    consent with the first message; the confidant's closing classification; the
    acknowledgement and feedback of a report of wrongdoing) and never lowered:
    closing later, retention or a deletion leave every number as it was.
    """

    __tablename__ = "insight_counts"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-Q4"
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class InsightSnapshot(Base):
    """One finished quarter's published statistics, frozen once (never recomputed).

    ``tables`` is the JSON of the already-suppressed one-quarter tables
    (kring.core.insights.snapshots); ``k`` the threshold they were suppressed
    with. An admin changing k later leaves this row as it is.
    """

    __tablename__ = "insight_snapshots"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    k: Mapped[int] = mapped_column(Integer)
    frozen_on: Mapped[dt.date] = mapped_column(Date)
    tables: Mapped[str] = mapped_column(Text)


class Outcome(enum.StrEnum):
    """How a confidant classifies a closed conversation."""

    RESOLVED = "resolved"
    MEDIATED = "mediated"
    REFERRED = "referred"
    NO_ACTION = "no_action"
    WITHDRAWN = "withdrawn"
