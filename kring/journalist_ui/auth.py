"""Login, logout and two-factor enrolment."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    abort,
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

from kring.core import accounts
from kring.core.models import Confidant
from kring.journalist_ui.state import core, state

bp = Blueprint("auth", __name__, url_prefix="/<lang>")


def load_account() -> None:
    """Find the logged-in account; end the session if it was disabled, deleted or reset."""
    g.account = None
    account_id = session.get("account_id")
    if account_id is None:
        return
    try:
        account = accounts.get_account(core(), int(account_id))
    except accounts.AccountNotFound:
        account = None
    if (
        account is None
        or not account.is_active
        or accounts.session_stamp(account) != session.get("stamp")
    ):
        session.clear()
        return
    g.account = account


def _check_language() -> None:
    if g.get("lang_invalid"):
        abort(404)


bp.before_request(_check_language)


def require_viewer() -> Confidant:
    """Any enrolled, logged-in account, insights viewers included (insights, own account)."""
    _check_language()
    account: Confidant | None = g.get("account")
    if account is None:
        abort(_login_page(_("Your session has ended, or you are not logged in."), 401))
    if not account.totp_confirmed:
        abort(redirect(url_for("auth.enrol")))
    return account


def require_login() -> Confidant:
    """The enrolled, logged-in confidant or admin; otherwise a 401, 403 or the enrolment page.

    Invariant: an insights viewer never gets past this check, so no inbox,
    conversation, download or admin page is ever shown to them.
    """
    account = require_viewer()
    if account.role == accounts.Role.INSIGHTS.value:
        abort(make_response(render_template("journalist/error.html", kind="insights_only"), 403))
    return account


def home_url(account: Confidant) -> str:
    """Where an account lands after login: the inbox, or the insights for viewers."""
    if account.role == accounts.Role.INSIGHTS.value:
        return url_for("insights.overview")
    return url_for("conversations.inbox")


def require_admin() -> Confidant:
    """The logged-in account if it is an admin (403 otherwise)."""
    account = require_login()
    if account.role != accounts.Role.ADMIN.value:
        abort(403)
    return account


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for admin-only views mounted from elsewhere (content_admin)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        require_admin()
        return view(*args, **kwargs)

    return guarded


def fresh_totp() -> None:
    """Require the form's ``totp`` field to be a new code of the current account."""
    account = require_login()
    accounts.verify_fresh_totp(
        core(),
        account.id,
        request.form.get("totp", ""),
        at=state().now(),
        failures=state().failures,
    )


def _login_page(error: str | None, status: int) -> Response:
    return make_response(render_template("journalist/login.html", error=error), status)


def _start_session(logged_in: accounts.LoggedIn) -> None:
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
        logged_in = accounts.authenticate(
            core(),
            username=request.form.get("username", ""),
            password=request.form.get("password", ""),
            code=request.form.get("totp", ""),
            at=state().now(),
            failures=state().failures,
        )
    except accounts.LoginThrottled:
        return _login_page(
            _("Too many failed attempts for this account. Wait a minute and try again."), 429
        )
    except accounts.TotpReplayed:
        return _login_page(
            _("This code was already used. Wait for the next code and try again."), 403
        )
    except accounts.LoginFailed:
        return _login_page(_("The username, password or code is wrong."), 403)
    _start_session(logged_in)
    if logged_in.needs_enrolment:
        return redirect(url_for("auth.enrol"))
    return redirect(home_url(accounts.get_account(core(), logged_in.account_id)))


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    session.clear()
    return redirect(url_for("auth.login"))


def _enrolling_account() -> Confidant:
    _check_language()
    account: Confidant | None = g.get("account")
    if account is None:
        abort(_login_page(_("Your session has ended, or you are not logged in."), 401))
    if account.totp_confirmed:
        abort(redirect(home_url(account)))
    return account


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Any:
    """Scan the QR code into an authenticator app and confirm one code."""
    account = _enrolling_account()
    if request.method == "POST":
        try:
            session["stamp"] = accounts.confirm_totp(
                core(),
                account.id,
                request.form.get("totp", ""),
                at=state().now(),
                failures=state().failures,
            )
        except accounts.InvalidTotp:
            return render_template(
                "journalist/enrol.html", error=_("That code is wrong. Try the current one.")
            ), 403
        return redirect(home_url(account))
    return render_template("journalist/enrol.html", secret=_grouped(account.totp_secret or ""))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(data: str) -> bytes:
    """``data`` as an SVG QR code (no scripts, no external references)."""
    factory: Callable[..., Any] = qrcode.image.svg.SvgPathImage
    image = qrcode.make(data, image_factory=factory, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


@bp.get("/enrol/qr.svg")
def enrol_qr() -> Response:
    """The provisioning QR code of the enrolling account (only while not enrolled)."""
    account = _enrolling_account()
    uri = accounts.provisioning_uri(
        account.totp_secret or "", account.username or "", core().settings.organisation_name
    )
    return Response(qr_svg(uri), mimetype="image/svg+xml")
