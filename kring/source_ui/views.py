"""Reporter pages. Views parse input, call one core service, map errors to pages."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from kring.core import reporting
from kring.core.codenames import MalformedCodename
from kring.core.confidants import list_confidants
from kring.core.context import CoreContext
from kring.core.errors import (
    EmptySubmission,
    InvalidChoice,
    InvalidFileName,
    ItemNotFound,
    MessageTooLong,
    NoRecipientAvailable,
    SubmissionFailed,
    UnknownCodename,
    UnknownRecipient,
)
from kring.core.instance_settings import load_options
from kring.core.kdf import ReporterSecrets
from kring.core.models import Category, ReporterPath
from kring.core.throttle import LoginThrottled
from kring.core.units import list_units
from kring.source_ui.upload import (
    READ_CHUNK,
    ClientGone,
    TooLarge,
    UploadError,
    parse_submission,
)
from kring.web.body import iter_body
from kring.web.i18n import current_language

bp = Blueprint("source", __name__, url_prefix="/<lang>")


def _ctx() -> CoreContext:
    ctx: CoreContext = current_app.extensions["kring"]
    return ctx


@bp.before_request
def _load_reporter() -> None:
    if g.get("lang_invalid"):
        abort(404)
    lookup_id = session.get("lookup_id")
    passphrase = session.get("passphrase")
    g.reporter_secrets = (
        ReporterSecrets(lookup_id=lookup_id, passphrase=passphrase)
        if lookup_id and passphrase
        else None
    )


def _require_reporter() -> ReporterSecrets:
    secrets_: ReporterSecrets | None = g.reporter_secrets
    if secrets_ is None:
        flash(_("Your session has ended. Log in with your codename to continue."))
        abort(redirect(url_for("source.login")))
    return secrets_


def _start_reporter_session(secrets_: ReporterSecrets, *, new: bool) -> None:
    session.clear()
    session["lookup_id"] = secrets_.lookup_id
    session["passphrase"] = secrets_.passphrase
    session["new"] = new
    session.regenerate()  # type: ignore[attr-defined]
    g.reporter_secrets = secrets_


@bp.get("/")
def index() -> str:
    """Landing page: what this is, who reads what, what happens next."""
    return render_template("source/index.html")


@bp.get("/codename")
def codename() -> str:
    """Hand out a fresh codename (asking again gives another one)."""
    word_language = request.args.get("words", current_language())
    if word_language not in ("en", "nl"):
        word_language = current_language()
    new_codename, secrets_ = reporting.new_codename(_ctx(), word_language)
    _start_reporter_session(secrets_, new=True)
    return render_template(
        "source/codename.html",
        codename=new_codename.split(" "),
        word_language=word_language,
        to=_chosen_confidant(),
    )


def _chosen_confidant() -> int | None:
    """The confidant a reporter picked on a profile page (``?to=``), carried to the form.

    Only a pre-selection: the form still shows every choice, and the server
    checks the submitted recipient as it always does.
    """
    raw = request.args.get("to", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Come back with a codename."""
    if request.method == "GET":
        return render_template("source/login.html")
    raw = request.form.get("codename", "")
    try:
        secrets_ = reporting.login(_ctx(), raw)
    except MalformedCodename:
        return _login_error(_("That is not a codename: a codename is seven words."), 400)
    except UnknownCodename:
        return _login_error(_("We found no conversation for this codename."), 403)
    except LoginThrottled:
        return _login_error(_("Too many attempts. Wait a minute and try again."), 429)
    _start_reporter_session(secrets_, new=False)
    return redirect(url_for("source.conversation"))


def _login_error(message: str, status: int) -> tuple[str, int]:
    return render_template("source/login.html", error=message), status


def _form_context(secrets_: ReporterSecrets, **extra: Any) -> dict[str, Any]:
    ctx = _ctx()
    first = not reporting.has_conversation(ctx, secrets_)
    return {
        "first_submission": first,
        "confidants": list_confidants(ctx) if first else [],
        "units": list_units(ctx) if first else [],
        "paths": list(ReporterPath),
        "categories": list(Category),
        "max_mb": load_options(ctx).max_submission_mb,
        "max_chars": ctx.settings.max_message_chars,
        **extra,
    }


@bp.get("/submit")
def submit() -> Any:
    """The form for a first message (later messages are sent from the conversation)."""
    secrets_ = _require_reporter()
    if reporting.has_conversation(_ctx(), secrets_):
        return redirect(url_for("source.conversation"))
    return render_template(
        "source/submit.html", preselect=_chosen_confidant(), **_form_context(secrets_)
    )


def _check_csrf(token: str) -> None:
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise UploadError("csrf", 400) from exc


@bp.post("/submit")
def submit_post() -> Any:
    """Receive a submission, streaming every file into gpg as it arrives."""
    secrets_ = _require_reporter()
    ctx = _ctx()
    draft = reporting.SubmissionDraft(ctx, secrets_)
    try:
        parse_submission(
            chunks=iter_body(request.environ, request.stream, READ_CHUNK),
            content_type=request.content_type or "",
            content_length=request.content_length,
            max_bytes=load_options(ctx).max_submission_mb * 1_000_000,
            max_message_bytes=ctx.settings.max_message_chars * 4,
            draft=draft,
            check_csrf=_check_csrf,
        )
        draft.commit()
    except TooLarge:
        return _submit_error("too_large", 413)
    except ClientGone:
        return _submit_error("interrupted", 400)
    except UploadError as exc:
        return _submit_error("csrf" if str(exc) == "csrf" else "bad_upload", exc.status)
    except EmptySubmission:
        return _form_again(secrets_, _("Write a message or add a file before sending."), 400)
    except MessageTooLong:
        return _form_again(
            secrets_, _("Your message is too long. Split it over several messages."), 413
        )
    except InvalidFileName:
        return _submit_error("bad_file_name", 400)
    except (UnknownRecipient, InvalidChoice):
        return _submit_error("bad_choice", 400)
    except NoRecipientAvailable:
        return _submit_error("no_recipient", 503)
    except SubmissionFailed:
        return _submit_error("not_sent", 503)
    finally:
        draft.discard()
    session["new"] = False
    flash(_("Your message was sent. Come back with your codename to read replies."))
    return redirect(url_for("source.conversation"))


def _submit_error(kind: str, status: int) -> tuple[str, int]:
    return render_template("source/error.html", kind=kind), status


def _form_again(secrets_: ReporterSecrets, message: str, status: int) -> tuple[str, int]:
    if reporting.has_conversation(_ctx(), secrets_):
        view = reporting.load_conversation(_ctx(), secrets_)
        return render_template(
            "source/conversation.html", view=view, form_error=message, **_form_context(secrets_)
        ), status
    return render_template(
        "source/submit.html", form_error=message, **_form_context(secrets_)
    ), status


@bp.get("/conversation")
def conversation() -> Any:
    """What the reporter sent (days and file names) and every reply, decrypted."""
    secrets_ = _require_reporter()
    ctx = _ctx()
    try:
        view = reporting.load_conversation(ctx, secrets_)
    except UnknownCodename:
        return redirect(url_for("source.submit"))
    except SubmissionFailed:
        return _submit_error("cannot_decrypt", 503)
    return render_template("source/conversation.html", view=view, **_form_context(secrets_))


@bp.post("/reply/<int:item_id>/delete")
def delete_reply(item_id: int) -> Any:
    """Delete one reply from the conversation."""
    secrets_ = _require_reporter()
    try:
        reporting.delete_reply(_ctx(), secrets_, item_id)
    except (ItemNotFound, UnknownCodename):
        abort(404)
    flash(_("The reply was deleted."))
    return redirect(url_for("source.conversation"))


@bp.get("/delete")
def delete_confirm() -> str:
    """Ask before deleting everything."""
    _require_reporter()
    return render_template("source/delete.html")


@bp.post("/delete")
def delete_everything() -> Any:
    """Delete the conversation and the codename's key; end the session."""
    secrets_ = _require_reporter()
    if request.form.get("confirm") != "yes":
        return render_template("source/delete.html", error=_("Tick the box to confirm.")), 400
    reporting.delete_conversation(_ctx(), secrets_)
    session.clear()
    return render_template("source/deleted.html")


@bp.post("/logout")
def logout() -> Any:
    """End the session now."""
    session.clear()
    return render_template("source/logged_out.html")
