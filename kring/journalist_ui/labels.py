"""Short labels for the confidant's pages, translated per request."""

from __future__ import annotations

from flask_babel import gettext as _


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


def category_labels() -> dict[str, str]:
    """The categories confidants customarily count."""
    return {
        "aggression": _("Aggression and violence"),
        "discrimination": _("Discrimination"),
        "bullying": _("Bullying"),
        "sexual_harassment": _("Sexual harassment"),
        "intimidation": _("Other intimidation"),
        "integrity": _("Integrity breach (fraud, corruption, abuse of power, danger)"),
        "other": _("Something else, or I am not sure"),
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
        "totp_enrolled": _("set up two-factor code"),
        "key_changed": _("changed public key of"),
        "settings_changed": _("changed instance settings"),
        "downloaded_item": _("downloaded an item of"),
        "downloaded_bundle": _("downloaded a bundle of"),
        "replied": _("replied in"),
        "status_changed": _("changed the status of"),
        "items_deleted": _("deleted items of"),
        "conversation_deleted": _("deleted conversation"),
    }
