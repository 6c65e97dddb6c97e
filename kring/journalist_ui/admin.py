"""Admin pages: accounts, instance settings, the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kring.core import audit, instance_settings
from kring.core import units as units_service
from kring.core.accounts import admin as accounts_admin
from kring.core.accounts import records
from kring.journalist_ui import labels
from kring.journalist_ui.auth import fresh_totp, require_admin
from kring.journalist_ui.forms import AccountForm, SettingsForm
from kring.web.context import core

bp = Blueprint("admin", __name__, url_prefix="/<lang>/admin")


@bp.get("/accounts")
def accounts_list() -> str:
    """Every account with its role, state and key fingerprint."""
    require_admin()
    return render_template(
        "journalist/admin_accounts.html", accounts=accounts_admin.list_accounts(core())
    )


@bp.post("/accounts")
def add_account() -> str:
    """Add a confidant (or admin); shows the generated password once (needs a fresh code)."""
    admin = require_admin()
    new = AccountForm(request.form).new_account()
    fresh_totp()
    created = accounts_admin.create_account(
        core(),
        username=new.username,
        display_name=new.display_name,
        role=new.role,
        actor=admin.username or "",
    )
    return render_template("journalist/admin_credentials.html", credentials=created, new=True)


def _target(account_id: int) -> int:
    records.get_account(core(), account_id)
    return account_id


def _confirmed_by_admin(account_id: int) -> str:
    """The acting admin's name, once the account exists and the form carries a fresh code.

    Checked in that order: a 403 for a non-admin, a 404 for no such account,
    then the code (every deletion and reset needs a new one).
    """
    admin = require_admin()
    _target(account_id)
    fresh_totp()
    return admin.username or ""


@bp.post("/accounts/<int:account_id>/active")
def set_active(account_id: int) -> Response:
    """Disable or enable an account."""
    admin = require_admin()
    active = request.form.get("active") == "1"
    accounts_admin.set_active(
        core(), _target(account_id), active=active, actor=admin.username or ""
    )
    flash(_("The account was enabled.") if active else _("The account was disabled."))
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:account_id>/delete")
def delete_account(account_id: int) -> Response:
    """Delete an account (needs a fresh code)."""
    actor = _confirmed_by_admin(account_id)
    accounts_admin.delete_account(core(), account_id, actor=actor)
    flash(_("The account was deleted."))
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:account_id>/reset-password")
def reset_password(account_id: int) -> str:
    """Give the account a new generated password (needs a fresh code)."""
    actor = _confirmed_by_admin(account_id)
    created = accounts_admin.reset_password(core(), account_id, actor=actor)
    return render_template("journalist/admin_credentials.html", credentials=created, new=False)


@bp.post("/accounts/<int:account_id>/reset-totp")
def reset_totp(account_id: int) -> Response:
    """New TOTP secret; the user enrols again at the next login (needs a fresh code)."""
    actor = _confirmed_by_admin(account_id)
    accounts_admin.reset_totp(core(), account_id, actor=actor)
    flash(_("The two-factor code was reset. The user sets it up again at the next login."))
    return redirect(url_for("admin.accounts_list"))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> str | Response:
    """Organisation name, upload limit and session lengths."""
    admin = require_admin()
    current = instance_settings.current_options(core())
    if request.method == "GET":
        return render_template("journalist/admin_settings.html", options=current)
    options = SettingsForm(request.form).options(current)
    # Both apps' sessions, forms and pages follow from their next request on.
    instance_settings.save_options(core(), options, actor=admin.username or "")
    flash(_("Settings saved."))
    return redirect(url_for("admin.settings"))


@bp.get("/audit")
def audit_log() -> str:
    """Who did what to which designation or account, on which day."""
    account = require_admin()
    try:
        page = int(request.args.get("page") or 1)
    except ValueError:
        page = 1
    return render_template(
        "journalist/audit.html",
        log=audit.list_entries(core(), viewer_id=account.id, page=page),
        action_labels=labels.action_labels(),
    )


@bp.route("/units", methods=["GET", "POST"])
def units() -> str | Response:
    """The coarse units reporters may name for the statistics: list, add, delete."""
    require_admin()
    if request.method == "POST":
        name = request.form.get("name", "")
        try:
            if request.form.get("action") == "delete":
                units_service.delete_unit(core(), name)
                flash(_("The unit was removed from the list."))
            else:
                units_service.add_unit(core(), name)
                flash(_("The unit was added."))
        except (units_service.InvalidUnit, units_service.UnitExists, units_service.UnitNotFound):
            return render_template(
                "journalist/admin_units.html",
                units=units_service.list_units(core()),
                error=_("A unit needs a new name of 1 to 80 characters."),
            ), 400  # type: ignore[return-value]
        return redirect(url_for("admin.units"))
    return render_template("journalist/admin_units.html", units=units_service.list_units(core()))
