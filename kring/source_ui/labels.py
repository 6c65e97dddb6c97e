"""Human labels for the reporter's choices, translated per request."""

from __future__ import annotations

from flask_babel import gettext as _


def path_labels() -> dict[str, str]:
    """What a reporter can ask for (DOMAIN.md: the paths), in the page language."""
    return {
        "just_talk": _("Just talk — nothing is done or counted without my consent"),
        "advice": _("Advice — what can I do?"),
        "informal": _("An informal route — the confidant acts only with my consent"),
        "formal": _("A formal complaint — to the complaints committee (usually not anonymous)"),
        "wrongdoing": _("A report of wrongdoing — a breach of law or of the public interest"),
    }


def category_labels() -> dict[str, str]:
    """The categories confidants customarily count, in the page language."""
    return {
        "aggression": _("Aggression and violence"),
        "discrimination": _("Discrimination"),
        "bullying": _("Bullying"),
        "sexual_harassment": _("Sexual harassment"),
        "intimidation": _("Other intimidation"),
        "integrity": _("Integrity breach (fraud, corruption, abuse of power, danger)"),
        "other": _("Something else, or I am not sure"),
    }
