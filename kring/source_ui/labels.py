"""Human labels for the reporter's choices, translated per request."""

from __future__ import annotations

from flask_babel import gettext as _

# Shared by both apps; re-exported so templates and views keep one import.
from kring.web.labels import category_labels as category_labels


def path_labels() -> dict[str, str]:
    """What a reporter can ask for (the paths of ``ReporterPath``), in the page language."""
    return {
        "just_talk": _("Just talk — nothing is done or counted without my consent"),
        "advice": _("Advice — what can I do?"),
        "informal": _("An informal route — the confidant acts only with my consent"),
        "formal": _("A formal complaint — to the complaints committee (usually not anonymous)"),
        "wrongdoing": _("A report of wrongdoing — a breach of law or of the public interest"),
    }
