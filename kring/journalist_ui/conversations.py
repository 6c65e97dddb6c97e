"""The inbox and one conversation: read, reply, download, status, delete."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kring.core.cases import actions, closing, deletion_notices, downloads
from kring.core.cases import inbox as inbox_service
from kring.core.models import Category, ConversationStatus, Outcome, ReporterPath
from kring.core.reporting import conversation as reporting_conversation
from kring.journalist_ui.auth import fresh_totp, require_login
from kring.journalist_ui.formatting import day as format_day
from kring.journalist_ui.forms import StatusForm
from kring.journalist_ui.streaming import stream_bundle
from kring.web.context import core

# Ciphertext is streamed in these pieces: memory stays flat for any file size.
_DOWNLOAD_CHUNK = 1024 * 1024

bp = Blueprint("conversations", __name__, url_prefix="/<lang>")


@bp.get("/")
def inbox() -> str:
    """The conversations this confidant may see, filtered, sorted and paginated."""
    account = require_login()
    query = inbox_service.parse_inbox_query(request.args.to_dict())
    page = inbox_service.list_inbox(core(), account.id, query)
    return render_template(
        "journalist/inbox.html",
        page=page,
        deletion_notices=deletion_notices.notices_for(core(), account.id),
        query=query,
        statuses=list(ConversationStatus),
        paths=list(ReporterPath),
        sorts=list(inbox_service.Sort),
    )


@bp.get("/c/<slug>")
def conversation(slug: str) -> Any:
    """One conversation: its items, status, legal clock, reply form.

    A conversation its reporter deleted answers, for the confidants it was
    addressed to and while the notice lasts, with that content-free notice (410).
    """
    account = require_login()
    try:
        detail = inbox_service.load_conversation(core(), account.id, slug)
    except inbox_service.ConversationNotFound:
        notice = deletion_notices.notice_for(core(), account.id, slug.replace("-", " "))
        if notice is None:
            raise
        return render_template("journalist/deleted_by_reporter.html", notice=notice), 410
    return render_template(
        "journalist/conversation.html",
        c=detail,
        statuses=list(ConversationStatus),
        categories=list(Category),
        outcomes=list(Outcome),
        max_reply_chars=core().settings.max_reply_chars,
        has_key=bool(account.public_key),
    )


def _back(slug: str) -> Response:
    return redirect(url_for("conversations.conversation", slug=slug))


@bp.post("/c/<slug>/star")
def star(slug: str) -> Response:
    """Star or unstar."""
    account = require_login()
    actions.set_star(core(), account.id, slug, starred=request.form.get("starred") == "1")
    target = request.form.get("next")
    if target == "inbox":
        return redirect(url_for("conversations.inbox"))
    return _back(slug)


@bp.post("/c/<slug>/read")
def mark_read(slug: str) -> Response:
    """Mark every visible item read."""
    account = require_login()
    actions.mark_read(core(), account.id, slug)
    flash(_("Marked as read."))
    return _back(slug)


@bp.post("/c/<slug>/status")
def status(slug: str) -> Response:
    """Change the status; the first step past "new" is the acknowledgement."""
    account = require_login()
    form = StatusForm(request.form)
    closing.change_status(
        core(),
        account.id,
        slug,
        form.status.data or "",
        category=form.closing_category.data or "",
        outcome=form.outcome.data or "",
        actor=account.username or "",
    )
    flash(_("Status changed."))
    return _back(slug)


@bp.post("/c/<slug>/feedback")
def feedback(slug: str) -> Response:
    """Record that the reporter got feedback today (stops the legal clock)."""
    account = require_login()
    day = actions.record_feedback(core(), account.id, slug, actor=account.username or "")
    flash(_("Feedback recorded as given on %(day)s.", day=format_day(day)))
    return _back(slug)


@bp.post("/c/<slug>/reply")
def reply(slug: str) -> Any:
    """Encrypt a reply at once to the reporter and to this confidant."""
    account = require_login()
    if not account.public_key:
        return render_template("journalist/error.html", kind="no_key"), 409
    actions.reply(
        core(), account.id, slug, request.form.get("text", ""), actor=account.username or ""
    )
    flash(_("Your reply was encrypted and sent."))
    return _back(slug)


@bp.get("/c/<slug>/items/<int:item_id>.gpg")
def download_item(slug: str, item_id: int) -> Response:
    """One item's ciphertext, as stored."""
    account = require_login()
    item = downloads.item_for_download(
        core(), account.id, slug, item_id, actor=account.username or ""
    )
    ctx, account_id = core(), account.id
    # Opened before the response starts: a missing file is an error page, not a cut download.
    handle = reporting_conversation.read_blob_stream(ctx, item.lookup_id, item.blob_name)

    def chunks() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(_DOWNLOAD_CHUNK):
                yield chunk
        # Read once it was handed over whole; a cancelled download leaves it unread.
        actions.mark_items_read(ctx, account_id, slug, [item.seq])

    response = Response(chunks(), mimetype="application/pgp-encrypted", direct_passthrough=True)
    # The size up front lets the browser show the download's progress.
    response.content_length = os.fstat(handle.fileno()).st_size
    response.headers["Content-Disposition"] = f'attachment; filename="{item.download_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/c/<slug>/bundle.zip")
def bundle(slug: str) -> Response:
    """A zip of all (or all unread) items in the workstation's bundle format."""
    account = require_login()
    which = request.args.get("which", "all")
    if which not in ("all", "unread"):
        return make_response(render_template("journalist/error.html", kind="bad_request"), 400)
    designation, items, reporter_key = downloads.bundle_items(
        core(), account.id, slug, only_unread=which == "unread", actor=account.username or ""
    )
    if not items:
        flash(_("There is nothing new to download."))
        return _back(slug)
    ctx, today, account_id = core(), core().today(), account.id
    seqs = [item.seq for item in items]
    response = Response(
        stream_bundle(
            designation,
            today,
            items,
            reporter_key=reporter_key,
            on_complete=lambda: actions.mark_items_read(ctx, account_id, slug, seqs),
        ),
        mimetype="application/zip",
        direct_passthrough=True,
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{downloads.bundle_name(designation, today)}"'
    )
    return response


@bp.post("/c/<slug>/delete-items")
def delete_items(slug: str) -> Response:
    """Delete the chosen items (needs a fresh code)."""
    account = require_login()
    try:
        ids = [int(value) for value in request.form.getlist("item")]
    except ValueError:
        ids = []
    if not ids:
        flash(_("Choose the items to delete first."))
        return _back(slug)
    fresh_totp()
    count = actions.delete_items(core(), account.id, slug, ids, actor=account.username or "")
    flash(_("%(count)s item(s) deleted.", count=count))
    return _back(slug)


@bp.post("/c/<slug>/delete")
def delete_conversation(slug: str) -> Response:
    """Delete the whole conversation (needs a fresh code)."""
    account = require_login()
    fresh_totp()
    actions.delete_conversation(core(), account.id, slug, actor=account.username or "")
    flash(_("The conversation was deleted."))
    return redirect(url_for("conversations.inbox"))
