"""A user's own account: public key, password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kring.core.accounts import enrolment, passwords, records
from kring.core.cases import notifications
from kring.journalist_ui.auth import require_login, require_viewer
from kring.journalist_ui.formatting import fingerprint_groups
from kring.journalist_ui.state import state
from kring.web.context import core

bp = Blueprint("account", __name__, url_prefix="/<lang>/account")


@bp.get("/")
def show() -> str:
    """Fingerprint of one's key, forms to change key and password."""
    require_viewer()
    return render_template("journalist/account.html", min_password=passwords.MIN_CHOSEN_PASSWORD)


@bp.post("/key")
def upload_key() -> Response:
    """Upload one's own OpenPGP public key (checked; needs the password and a fresh code).

    The change is audited and leaves a notice for the holder's next login.
    """
    account = require_login()
    armored = request.form.get("public_key", "").strip()
    info = enrolment.set_public_key(
        core(),
        account.id,
        armored,
        password=request.form.get("password", ""),
        code=request.form.get("totp", ""),
        at=state().now(),
        failures=state().failures,
    )
    session["stamp"] = records.session_stamp(records.get_account(core(), account.id))
    flash(
        _(
            "Your public key was saved. Fingerprint: %(fpr)s",
            fpr=fingerprint_groups(info.fingerprint),
        )
    )
    return redirect(url_for("account.show"))


@bp.post("/password")
def change_password() -> Response:
    """Choose a password of at least 14 characters (the current one is required)."""
    account = require_viewer()
    new = request.form.get("new_password", "")
    if new != request.form.get("new_password_again", ""):
        flash(_("The two new passwords differ. Nothing was changed."))
        return redirect(url_for("account.show"))
    session["stamp"] = passwords.change_password(
        core(), account.id, current=request.form.get("current_password", ""), new=new
    )
    flash(_("Your password was changed."))
    return redirect(url_for("account.show"))


@bp.post("/notices")
def notices() -> Response:
    """E-mail address and opt-in for activity notices (confidants and admins only)."""
    account = require_login()
    try:
        notifications.set_notice_preferences(
            core(),
            account.id,
            email=request.form.get("email", ""),
            notify=request.form.get("notify") == "1",
        )
    except notifications.InvalidEmail:
        flash(_("That e-mail address is not valid. Nothing was changed."))
        return redirect(url_for("account.show"))
    flash(_("Your notice settings were saved."))
    return redirect(url_for("account.show"))
