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

from kring.core.accounts.confidants import list_confidants
from kring.core.codenames.kdf import ReporterSecrets
from kring.core.codenames.kdf_pool import KdfBusy
from kring.core.codenames.wordlists import LANGUAGES as WORDLIST_LANGUAGES
from kring.core.errors import SubmissionFailed, UnknownCodename
from kring.core.instance_settings import current_options
from kring.core.models import Category, ReporterPath
from kring.core.reporting import access
from kring.core.reporting import conversation as reporting_conversation
from kring.core.reporting import submission as reporting_submission
from kring.core.storage.disk_room import NoRoom, refusal
from kring.core.units import list_units
from kring.source_ui import refusals, upload_request
from kring.source_ui.once import OnceTokens
from kring.source_ui.refill import FormEcho
from kring.source_ui.upload import (
    READ_CHUNK,
    TooLarge,
    TooSlow,
    parse_submission,
)
from kring.web.body import iter_body
from kring.web.context import core
from kring.web.i18n import current_language

bp = Blueprint("source", __name__, url_prefix="/<lang>")

@bp.before_request
def _load_reporter() -> None:
    lookup_id = session.get("lookup_id")
    passphrase = session.get("passphrase")
    g.reporter_secrets = (
        ReporterSecrets(
            lookup_id=lookup_id, passphrase=passphrase, prefilter_tag=session.get("prefilter_tag")
        )
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
    session["prefilter_tag"] = secrets_.prefilter_tag
    session["new"] = new
    session.regenerate()  # type: ignore[attr-defined]
    g.reporter_secrets = secrets_


@bp.get("/")
def index() -> str:
    """Landing page: what this is, who reads what, what happens next."""
    return render_template("source/index.html")


@bp.route("/codename", methods=["GET", "POST"])
def codename() -> Any:
    """Hand out a fresh codename (asking again gives another one).

    POSTed from the login page with a draft whose session had ended, the
    draft is carried on (in the page only) to the form of the new codename.
    """
    word_language = request.values.get("words", current_language())
    if word_language not in WORDLIST_LANGUAGES:
        word_language = current_language()
    draft = _draft_from_form() if request.method == "POST" else None
    try:
        new_codename, secrets_ = access.new_codename(core(), word_language)
    except KdfBusy:
        page = render_template(
            "source/busy.html", word_language=word_language, to=_chosen_confidant(), draft=draft
        )
        return page, 503, refusals.BUSY_HEADERS
    _start_reporter_session(secrets_, new=True)
    return render_template(
        "source/codename.html",
        codename=new_codename.split(" "),
        word_language=word_language,
        to=_chosen_confidant(),
        draft=draft,
        hide_logout=True,
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
    """Come back with a codename (carrying a draft whose session had ended, if any)."""
    if request.method == "GET":
        return render_template("source/login.html")
    raw = request.form.get("codename", "")[:_MAX_TYPED_CODENAME]
    draft = _draft_from_form()
    if "reveal" in request.form:
        # "Show what I typed" / "Hide it": re-render only, no login attempt.
        return _login_page(200, typed=raw, visible=request.form["reveal"] == "1", draft=draft)
    visible = request.form.get("visible") == "1"
    try:
        secrets_ = access.login(core(), raw)
    except refusals.LOGIN_REFUSALS as exc:
        status, error = refusals.login_refusal(exc)
        page = _login_page(status, error=error, typed=raw, visible=visible, draft=draft)
        return (*page, refusals.BUSY_HEADERS) if isinstance(exc, KdfBusy) else page
    _start_reporter_session(secrets_, new=False)
    if draft is not None:
        return _form_refilled(secrets_, draft)
    return redirect(url_for("source.conversation"))


_MAX_TYPED_CODENAME = 400


def _login_page(status: int, **context: Any) -> tuple[str, int]:
    return render_template("source/login.html", **context), status


def _draft_from_form() -> FormEcho | None:
    return FormEcho.from_draft_fields(request.form, max_message=core().settings.max_message_chars)


def _form_context(secrets_: ReporterSecrets, **extra: Any) -> dict[str, Any]:
    ctx = core()
    path = access.current_path(ctx, secrets_)
    first = path is None
    options = current_options(ctx)
    return {
        "first_submission": first,
        "current_path": path or ReporterPath.JUST_TALK.value,
        "confidants": list_confidants(ctx) if first else [],
        "units": list_units(ctx) if first else [],
        "paths": list(ReporterPath),
        "categories": list(Category),
        "max_mb": options.max_submission_mb,
        # The consent text names the instance's actual threshold, not a default.
        "insights_k": options.insights_k,
        "max_chars": ctx.settings.max_message_chars,
        **extra,
    }


@bp.get("/submit")
def submit() -> Any:
    """The form for a first message (later messages are sent from the conversation)."""
    secrets_ = _require_reporter()
    if access.has_conversation(core(), secrets_):
        return redirect(url_for("source.conversation"))
    return render_template(
        "source/submit.html", preselect=_chosen_confidant(), **_form_context(secrets_)
    )


@bp.post("/resume")
def resume() -> Any:
    """Show the form again with a draft carried through the login or codename page."""
    secrets_ = _require_reporter()
    draft = _draft_from_form()
    if draft is None:
        return redirect(url_for("source.submit"))
    return _form_refilled(secrets_, draft)


def _form_refilled(secrets_: ReporterSecrets, draft: FormEcho) -> Any:
    """The form the reporter was writing, refilled: nothing is sent until they press Send."""
    flash(_("Your message has not been sent yet. Check it below and press “Send securely”."))
    if access.has_conversation(core(), secrets_):
        view = reporting_conversation.load_conversation(core(), secrets_)
        return render_template(
            "source/conversation.html", view=view, refill=draft, **_form_context(secrets_)
        )
    return render_template("source/submit.html", refill=draft, **_form_context(secrets_))


@bp.post("/submit")
def submit_post() -> Any:
    """Receive a submission, streaming every file into gpg as it arrives.

    Every refusal answers with the form again, refilled with what the reporter
    chose and typed (files excepted); a replayed form is stored once.
    """
    ctx = core()
    chunks = iter_body(request.environ, request.stream, READ_CHUNK, upload_request.upload_pace())
    secrets_: ReporterSecrets | None = g.reporter_secrets
    if secrets_ is None:
        return _session_ended(upload_request.salvage(chunks))
    no_room = refusal(ctx, request.content_length, secrets_.lookup_id)
    if no_room is not None:
        # Refused before a file is read: only the typed text is salvaged (bounded,
        # in memory), the unread rest closes the connection (framing).
        kind = "conversation_full" if no_room is NoRoom.CONVERSATION else "store_full"
        return _submit_error(kind, 507, upload_request.salvage(chunks))
    draft = reporting_submission.SubmissionDraft(ctx, secrets_)
    echo = FormEcho()
    once: OnceTokens = current_app.extensions["kring_once"]
    claimed = ""
    try:
        parsed = parse_submission(
            chunks=chunks,
            content_type=request.content_type or "",
            content_length=request.content_length,
            max_bytes=current_options(ctx).max_submission_bytes,
            max_message_bytes=ctx.settings.max_message_chars * 4,
            draft=draft,
            check_csrf=upload_request.check_csrf,
            echo=echo,
        )
        if not once.claim(secrets_.lookup_id, parsed.form_token):
            flash(_("This message was already sent. It is stored once."))
            return redirect(url_for("source.conversation", _anchor="notices"))
        claimed = parsed.form_token
        draft.commit()
    except TooLarge:
        if not echo.has_text:
            echo = upload_request.salvage(chunks)
        return _submit_error("too_large", 413, echo)
    except TooSlow:
        return render_template("source/too_slow.html"), 408
    except refusals.SUBMIT_REFUSALS as exc:
        return _submit_error(*refusals.submit_refusal_page(exc), echo)
    finally:
        draft.discard()
        if claimed and not draft.committed:
            once.release(secrets_.lookup_id, claimed)
    session["new"] = False
    flash(_("Your message was sent. Come back with your codename to read replies."))
    return redirect(url_for("source.conversation", _anchor="notices"))


def _session_ended(echo: FormEcho) -> tuple[str, int]:
    """The login page, carrying what the reporter wrote (in the page only, never stored)."""
    return _login_page(
        200,
        session_ended=True,
        draft=echo if echo.has_text else None,
    )


def _submit_error(kind: str, status: int, echo: FormEcho | None = None) -> tuple[str, int]:
    """The error page; reached from the form, it holds the form again, refilled."""
    secrets_: ReporterSecrets | None = g.reporter_secrets
    if echo is None or secrets_ is None:
        return render_template("source/error.html", kind=kind), status
    return render_template(
        "source/error.html", kind=kind, refill=echo, **_form_context(secrets_)
    ), status


@bp.get("/conversation")
def conversation() -> Any:
    """What the reporter sent (days and file names) and every reply, decrypted."""
    secrets_ = _require_reporter()
    ctx = core()
    try:
        view = reporting_conversation.load_conversation(ctx, secrets_)
    except UnknownCodename:
        return redirect(url_for("source.submit"))
    except SubmissionFailed:
        return _submit_error("cannot_decrypt", 503)
    return render_template("source/conversation.html", view=view, **_form_context(secrets_))


@bp.post("/copy")
def keep_copy() -> Any:
    """Keep a copy of the reporter's next messages, or stop and remove the copies kept."""
    secrets_ = _require_reporter()
    keep = request.form.get("keep")
    if keep not in ("yes", "no"):
        abort(400)
    reporting_conversation.set_keep_copy(core(), secrets_, keep=keep == "yes")
    if keep == "yes":
        flash(_("From now on you keep a copy of each message you send."))
    else:
        flash(_("Your copies were removed. The confidant's messages are not affected."))
    return redirect(url_for("source.conversation"))


@bp.post("/reply/<int:item_id>/delete")
def delete_reply(item_id: int) -> Any:
    """Remove one reply from the reporter's view (the confidant's record keeps it)."""
    secrets_ = _require_reporter()
    reporting_conversation.delete_reply(core(), secrets_, item_id)
    flash(
        _(
            "The reply was removed from your view. The confidant keeps it in their record "
            "until the conversation is deleted."
        )
    )
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
    reporting_conversation.delete_conversation(core(), secrets_)
    current_app.extensions["kring_once"].forget(secrets_.lookup_id)
    _end_session()
    return render_template("source/deleted.html")


def _end_session() -> None:
    session.clear()
    g.reporter_secrets = None  # the page answering this request has nobody to log out


@bp.post("/logout")
def logout() -> Any:
    """End the session now; with a codename that never sent anything, ask first.

    A fresh codename is not stored anywhere until its first message, so
    logging out throws it away for good: the reporter confirms that on a page
    of its own (no script), or goes back to writing.
    """
    if session.get("new") and g.reporter_secrets and request.form.get("confirm") != "yes":
        return render_template("source/logout_confirm.html", hide_logout=True)
    _end_session()
    return render_template("source/logged_out.html")
