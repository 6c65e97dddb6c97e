"""Closing a conversation with the confidant's classification (for statistics).

Invariant: a conversation is closed only with a closing category
(``Category``) and an outcome (``Outcome``), coarse labels from fixed lists.
The first one raises the statistics' counters in the same transaction (only
if the reporter agreed to be counted); neither label is kept with the
conversation, which only records that it was classified.
Validation happens before anything changes.
"""

from __future__ import annotations

from kring.core.cases import actions
from kring.core.cases.inbox import find_visible
from kring.core.context import CoreContext
from kring.core.errors import InvalidChoice
from kring.core.insights.counters import count_closing
from kring.core.models import Category, ConversationStatus, Outcome


def close_conversation(
    ctx: CoreContext, confidant_id: int, slug: str, *, category: str, outcome: str, actor: str
) -> None:
    """Close the conversation and record its closing category and outcome."""
    with ctx.sessions() as db:
        find_visible(db, confidant_id, slug)  # 404 before any validation message
    try:
        chosen_category = Category(category)
        chosen_outcome = Outcome(outcome)
    except ValueError as exc:
        raise InvalidChoice("closing needs a category and an outcome") from exc
    actions.set_status(ctx, confidant_id, slug, ConversationStatus.CLOSED.value, actor=actor)
    with ctx.sessions.begin() as db:
        reporter = find_visible(db, confidant_id, slug)
        count_closing(db, reporter, category=chosen_category.value, outcome=chosen_outcome.value)


def change_status(
    ctx: CoreContext,
    confidant_id: int,
    slug: str,
    status: str,
    *,
    category: str = "",
    outcome: str = "",
    actor: str,
) -> None:
    """The confidant's status form: a closing with a classification, or a plain status change.

    Closing with a category or an outcome classifies (both then, checked by
    :func:`close_conversation`); closing with neither is a plain status change
    and the statistics say "not given".
    """
    if status == ConversationStatus.CLOSED.value and (category or outcome):
        close_conversation(
            ctx, confidant_id, slug, category=category, outcome=outcome, actor=actor
        )
    else:
        actions.set_status(ctx, confidant_id, slug, status, actor=actor)
