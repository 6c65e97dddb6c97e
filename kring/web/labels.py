"""Labels both apps show, translated per request."""

from __future__ import annotations

from flask_babel import gettext as _


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
