"""Confidants as recipients: adding them and choosing whom a report goes to."""

from __future__ import annotations

from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.errors import NoRecipientAvailable, UnknownRecipient
from kring.core.models import Confidant
from kring.crypto.keys import inspect_public_key

# accounts.Role.INSIGHTS: statistics viewers, who must never receive a report.
INSIGHTS_ROLE = "insights"


def add_confidant(ctx: CoreContext, *, display_name: str, public_key: str) -> Confidant:
    """Register a confidant with their armored OpenPGP public key.

    Invariant: the key is checked (can encrypt, not expired, no SHA-1, strong
    enough) before anything is stored; only the public key is ever kept.
    """
    name = display_name.strip()
    if not name or len(name) > 120:
        raise ValueError("a display name of 1 to 120 characters is required")
    info = inspect_public_key(public_key)
    with ctx.sessions.begin() as db:
        confidant = Confidant(
            display_name=name,
            public_key=public_key,
            fingerprint=info.fingerprint,
            created_on=ctx.today(),
        )
        db.add(confidant)
    return confidant


def list_confidants(ctx: CoreContext) -> list[Confidant]:
    """Every active confidant, by name (those without a key included, to be shown).

    Insights viewers are accounts but not confidants: never listed, never recipients.
    """
    with ctx.sessions() as db:
        return list(
            db.scalars(
                select(Confidant)
                .where(Confidant.is_active, Confidant.role != INSIGHTS_ROLE)
                .order_by(Confidant.display_name)
            )
        )


def resolve_recipients(ctx: CoreContext, recipient_id: int | None) -> list[Confidant]:
    """The confidants a submission is encrypted to.

    ``None`` means all confidants who can receive; a named confidant must be
    active and have a key. Invariant: an item is encrypted only to the
    confidants returned here, so a confidant not chosen can never read it.
    """
    with ctx.sessions() as db:
        if recipient_id is None:
            chosen = [
                c
                for c in db.scalars(select(Confidant))
                if c.can_receive and c.role != INSIGHTS_ROLE
            ]
            if not chosen:
                raise NoRecipientAvailable("no confidant can receive reports yet")
            return chosen
        confidant = db.get(Confidant, recipient_id)
        if confidant is None or not confidant.can_receive or confidant.role == INSIGHTS_ROLE:
            raise UnknownRecipient("this confidant cannot receive reports")
        return [confidant]
