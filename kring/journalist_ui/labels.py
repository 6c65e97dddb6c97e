"""Short labels for the confidant's pages, translated per request."""

from __future__ import annotations

from flask_babel import gettext as _

# Shared by both apps; re-exported so templates and views keep one import.
from kring.web.labels import category_labels as category_labels


def path_labels() -> dict[str, str]:
    """The reporter's chosen path, short."""
    return {
        "just_talk": _("Just talk"),
        "advice": _("Advice"),
        "informal": _("Informal route"),
        "formal": _("Formal complaint"),
        "wrongdoing": _("Report of wrongdoing"),
    }


def status_labels() -> dict[str, str]:
    """Where the confidant is with a conversation."""
    return {
        "new": _("New"),
        "acknowledged": _("Acknowledged"),
        "in_progress": _("In progress"),
        "closed": _("Closed"),
    }


def kind_labels() -> dict[str, str]:
    """Item kinds."""
    return {"message": _("Message"), "file": _("File"), "reply": _("Reply")}


def action_labels() -> dict[str, str]:
    """Audit log actions."""
    return {
        "login": _("logged in"),
        "account_created": _("created account"),
        "account_disabled": _("disabled account"),
        "account_enabled": _("enabled account"),
        "account_deleted": _("deleted account"),
        "password_reset": _("reset password of"),
        "password_changed": _("changed password of"),
        "totp_reset": _("reset two-factor code of"),
        "totp_issued": _("was shown a new two-factor key"),
        "totp_enrolled": _("set up two-factor code"),
        "password_set": _("chose their own password"),
        "key_changed": _("changed public key of"),
        "settings_changed": _("changed instance settings"),
        "downloaded_item": _("downloaded an item of"),
        "downloaded_bundle": _("downloaded a bundle of"),
        "replied": _("replied in"),
        "status_changed": _("changed the status of"),
        "items_deleted": _("deleted items of"),
        "conversation_deleted": _("deleted conversation"),
    }


def role_labels() -> dict[str, str]:
    """Account roles."""
    return {
        "admin": _("Admin"),
        "confidant": _("Confidant"),
        "insights": _("Insights viewer"),
    }


def outcome_labels() -> dict[str, str]:
    """How a confidant classifies a closed conversation."""
    return {
        "resolved": _("Resolved"),
        "mediated": _("Mediated"),
        "referred": _("Referred elsewhere"),
        "no_action": _("No action taken"),
        "withdrawn": _("Withdrawn by the reporter"),
    }


def quarter_label(quarter: str) -> str:
    """A quarter key of the statistics ("2026-Q3") as readers of the page write it."""
    year, _sep, number = quarter.partition("-Q")
    return _("Q%(number)s %(year)s", number=number, year=year)
