"""Login, logout and the holder's enrolment: own password, then two-factor.

Invariant: an account does nothing but enrol until its holder has
chosen their own password and confirmed a TOTP secret made for them; that
secret is shown once, in one page, to the session that asked for it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, NoReturn

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kring.core import throttle
from kring.core.accounts import login as accounts_login
from kring.core.accounts import notices, passwords, records, totp
from kring.core.instance_settings import current_options
from kring.core.models import Confidant
from kring.journalist_ui.formatting import fingerprint_groups
from kring.journalist_ui.state import state
from kring.qr import qr_svg
from kring.readable import group_by_four
from kring.web.context import core

bp = Blueprint("auth", __name__, url_prefix="/<lang>")


def load_account() -> None:
    """Find the logged-in account; end the session if it was disabled, deleted or reset."""
    g.account = None
    account_id = session.get("account_id")
    if account_id is None:
        return
    try:
        account = records.get_account(core(), int(account_id))
    except records.AccountNotFound:
        account = None
    if (
        account is None
        or not account.is_active
        or records.session_stamp(account) != session.get("stamp")
    ):
        session.clear()
        return
    g.account = account


def _not_logged_in() -> NoReturn:
    """A first visit (no session cookie at all) goes to the login page, plainly.

    Only a browser that had a session, and so could have lost work, is told
    in red that it has ended (401): a confidant opening the site is not met by
    an error.
    """
    if request.method == "GET" and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        abort(redirect(url_for("auth.login")))
    abort(_login_page(_("Your session has ended, or you are not logged in."), 401))


def require_viewer() -> Confidant:
    """Any enrolled, logged-in account, insights viewers included (insights, own account)."""
    account: Confidant | None = g.get("account")
    if account is None:
        _not_logged_in()
    if account.password_temporary:
        abort(redirect(url_for("auth.choose_password")))
    if not account.totp_confirmed:
        abort(redirect(url_for("auth.enrol")))
    return account


def require_login() -> Confidant:
    """The enrolled, logged-in confidant or admin; otherwise a 401, 403 or the enrolment page.

    Invariant: an insights viewer never gets past this check, so no inbox,
    conversation, download or admin page is ever shown to them.
    """
    account = require_viewer()
    if account.role == records.Role.INSIGHTS.value:
        abort(make_response(render_template("journalist/error.html", kind="insights_only"), 403))
    return account


def home_url(account: Confidant) -> str:
    """Where an account lands after login: the inbox, or the insights for viewers."""
    if account.role == records.Role.INSIGHTS.value:
        return url_for("insights.overview")
    return url_for("conversations.inbox")


def require_admin() -> Confidant:
    """The logged-in account if it is an admin (403 otherwise)."""
    account = require_login()
    if account.role != records.Role.ADMIN.value:
        abort(403)
    return account


def fresh_totp() -> None:
    """Require the form's ``totp`` field to be a new code of the current account."""
    account = require_login()
    totp.verify_fresh_totp(
        core(),
        account.id,
        request.form.get("totp", ""),
        at=state().now(),
        failures=state().failures,
    )


def _login_page(error: str | None, status: int) -> Response:
    return make_response(render_template("journalist/login.html", error=error), status)


def _start_session(logged_in: accounts_login.LoggedIn) -> None:
    session.clear()
    session["account_id"] = logged_in.account_id
    session["stamp"] = logged_in.stamp
    session.regenerate()  # type: ignore[attr-defined]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Username, password and a TOTP code."""
    if request.method == "GET":
        return _login_page(None, 200)
    try:
        logged_in = accounts_login.authenticate(
            core(),
            username=request.form.get("username", ""),
            password=request.form.get("password", ""),
            code=request.form.get("totp", ""),
            at=state().now(),
            failures=state().failures,
        )
    except throttle.LoginThrottled:
        return _login_page(
            _("Too many failed attempts for this account. Wait a minute and try again."), 429
        )
    except totp.TotpReplayed:
        return _login_page(
            _("This code was already used. Wait for the next code and try again."), 403
        )
    except records.LoginFailed:
        return _login_page(_("The username, password or code is wrong."), 403)
    _start_session(logged_in)
    if logged_in.needs_password:
        return redirect(url_for("auth.choose_password"))
    if logged_in.needs_enrolment:
        return redirect(url_for("auth.enrol"))
    return _enter(logged_in.account_id)


def notice_texts(notice: notices.PendingNotice) -> str:
    """What the holder reads at login about a change to their account."""
    if notice.kind is notices.AccountNotice.KEY_CHANGED:
        return _(
            "On %(day)s the public key of your account was changed. Reports to you are now "
            "encrypted to the key with fingerprint %(fpr)s. If this was not you, tell "
            "another confidant or admin at once.",
            day=notice.day,
            fpr=fingerprint_groups(notice.detail),
        )
    if notice.kind is notices.AccountNotice.PASSWORD_RESET:
        return _(
            "On %(day)s admin %(actor)s reset your password. If you did not ask for this, "
            "tell another confidant or admin.",
            day=notice.day,
            actor=notice.detail,
        )
    return _(
        "On %(day)s admin %(actor)s reset your two-factor login. If you did not ask for "
        "this, tell another confidant or admin.",
        day=notice.day,
        actor=notice.detail,
    )


def _enter(account_id: int) -> Response:
    """A fully enrolled login: hand over the pending security notices, go home."""
    for notice in notices.take_notices(core(), account_id):
        flash(notice_texts(notice))
    return redirect(home_url(records.get_account(core(), account_id)))


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    session.clear()
    return redirect(url_for("auth.login"))


def _session_account() -> Confidant:
    account: Confidant | None = g.get("account")
    if account is None:
        _not_logged_in()
    return account


@bp.route("/welcome/password", methods=["GET", "POST"])
def choose_password() -> Any:
    """Replace the admin-issued password by one only the holder knows (first step)."""
    account = _session_account()
    if not account.password_temporary:
        return redirect(url_for("auth.enrol") if not account.totp_confirmed else home_url(account))
    minimum = passwords.MIN_CHOSEN_PASSWORD
    if request.method == "GET":
        return render_template("journalist/choose_password.html", min_password=minimum)
    new = request.form.get("new_password", "")
    error: str | None = None
    if new != request.form.get("new_password_again", ""):
        error = _("The two new passwords differ. Nothing was changed.")
    else:
        try:
            session["stamp"] = passwords.change_password(
                core(), account.id, current=request.form.get("current_password", ""), new=new
            )
        except passwords.WeakPassword:
            error = _("Choose a password of at least %(min)s characters.", min=minimum)
        except passwords.SamePassword:
            error = _("Choose a new password, not the one you were given.")
        except records.LoginFailed:
            error = _("The password you were given is not the one you typed.")
    if error:
        return render_template(
            "journalist/choose_password.html", min_password=minimum, error=error
        ), 400
    if not account.totp_confirmed:
        return redirect(url_for("auth.enrol"))
    return _enter(account.id)


def _enrolling_account() -> Confidant:
    account = _session_account()
    if account.password_temporary:
        abort(redirect(url_for("auth.choose_password")))
    if account.totp_confirmed:
        abort(redirect(home_url(account)))
    return account


def _digest(secret: str | None) -> str:
    return hashlib.sha256((secret or "").encode()).hexdigest()


def _enrol_page(error: str | None, status: int, *, secret: str | None = None) -> Any:
    account: Confidant = g.account
    qr = None
    if secret:
        uri = totp.provisioning_uri(
            secret, account.username or "", current_options(core()).organisation_name
        )
        qr = inline_qr(uri)
    return render_template(
        "journalist/enrol.html",
        error=error,
        secret=group_by_four(secret) if secret else None,
        qr=qr,
        shown_before=secret is None and bool(account.totp_secret),
    ), status


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Any:
    """Show a new two-factor key once, then confirm one code from it.

    The key is made for this session when the page is first opened and shown
    in that one response (text and QR code inline); opening the page again in
    the same session does not show it again, it offers a new key instead.
    """
    account = _enrolling_account()
    if request.method == "POST":
        try:
            session["stamp"] = totp.confirm_totp(
                core(),
                account.id,
                request.form.get("totp", ""),
                at=state().now(),
                failures=state().failures,
            )
        except records.EnrolmentOrder:
            return _enrol_page(_("There is no key to confirm yet. Ask for a new key."), 409)
        except totp.InvalidTotp:
            return _enrol_page(_("That code is wrong. Try the current one."), 403)
        session.pop("enrol_shown", None)
        return _enter(account.id)
    if account.totp_secret and session.get("enrol_shown") == _digest(account.totp_secret):
        return _enrol_page(None, 200)
    secret = totp.begin_totp_enrolment(core(), account.id)
    # A new secret changes the session stamp: other sessions of this account
    # end, this one goes on.
    session["stamp"] = records.session_stamp(records.get_account(core(), account.id))
    session["enrol_shown"] = _digest(secret)
    return _enrol_page(None, 200, secret=secret)


@bp.post("/enrol/new")
def enrol_new_key() -> Response:
    """Forget the key shown before; the enrolment page then makes and shows a new one."""
    _enrolling_account()
    session.pop("enrol_shown", None)
    return redirect(url_for("auth.enrol"))


def inline_qr(data: str) -> str:
    """``data`` as an inline SVG QR code for a page (no XML prolog, fixed size).

    Made by qrcode from our own provisioning URI, with no user markup: the
    enrolment template inserts it unescaped.
    """
    svg = qr_svg(data, border=2, box_size=10).decode()
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r'width="[^"]*" height="[^"]*"', 'width="240" height="240"', svg, count=1)
    return svg.replace("<svg ", '<svg class="qr" role="img" ', 1)
