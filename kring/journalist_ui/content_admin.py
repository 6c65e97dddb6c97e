"""Admins edit the information reporters read: pages, code of conduct, profiles, media.

An ordinary journalist_ui blueprint: before any of its views runs, the
blueprint's ``before_request`` demands a logged-in, enrolled admin (the same
``require_admin`` as every other admin page: a 404 for an unknown language,
the login page or a 401 without a session, a 403 for anyone not an admin), so
no view here is reachable otherwise. The media upload parses its own body (no
file ever spooled by Werkzeug) and checks the CSRF token itself, so the
factory exempts it from the global CSRF check.

Editing never touches reporters' data; publishing goes through the core
content service, which stores Markdown only (sanitised at every render), and
media through the re-encoder, which never keeps an uploaded file as it came.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from kring.core.content import conduct as content_conduct
from kring.core.content import library, rules
from kring.core.content import pages as content_pages
from kring.core.content import profiles as content_profiles
from kring.core.content.markdown import render_markdown
from kring.core.content.media import (
    MAX_IMAGE_BYTES,
    MAX_MEDIA_BYTES,
    MediaRejected,
    MediaTooLarge,
    MediaToolMissing,
    media_dir,
)
from kring.journalist_ui.auth import require_admin
from kring.journalist_ui.media_upload import read_media_form
from kring.web.context import core
from kring.web.refusals import by_class

bp = Blueprint(
    "content_admin", __name__, url_prefix="/<lang>/admin/content", template_folder="templates"
)

PROFILE_FIELDS = ("role", "about_md", "records_md", "transcript_md")


@bp.before_request
def _admin_only() -> None:
    """Every view of the editor is for admins only (see the module docstring)."""
    require_admin()


def _reason_text(reason: str) -> str:
    texts = {
        "slug": _("A page address may use only lowercase letters, digits and hyphens."),
        "language": _("Choose English, Dutch or Spanish."),
        "title": _("A title of 1 to 200 characters is required."),
        "summary": _("The summary may be at most 400 characters."),
        "kind": _("Choose page or topic."),
        "too_long": _("The text is too long."),
        "change_summary": _("Say what changed in this version: readers see it in the history."),
        "english_required": _(
            "The English text is required: it is what other languages fall back to."
        ),
        "languages": _(
            "Languages: two- or three-letter codes separated by commas, such as nl, en, tr."
        ),
        "role": _("The role may be at most 160 characters."),
        "not_an_image": _("That file is not a JPEG, PNG, WebP or GIF image. Nothing was stored."),
        "image_too_large": _(
            "The image is too large (at most 10 MB and 40 megapixels). Nothing was stored."
        ),
        "unsupported_media": _(
            "Audio or video must be Ogg, WebM, MP4 or MP3 with a common codec. Nothing was stored."
        ),
        "media_too_large": _("The file is too large (at most 80 MB). Nothing was stored."),
        "media_too_long": _(
            "The introduction may be at most five minutes long. Nothing was stored."
        ),
        "tool_missing": _(
            "This server cannot clean audio or video (ffmpeg is missing). Nothing was stored."
        ),
        "bad_upload": _("The upload could not be read. Nothing was stored."),
    }  # fmt: skip
    return texts.get(reason, texts["bad_upload"])


@bp.get("/")
def overview() -> str:
    """What can be edited: pages per language, the code of conduct, profiles, media."""
    ctx = core()
    return render_template(
        "content_admin/overview.html",
        pages=content_pages.list_page_sources(ctx),
        conduct_number=content_conduct.latest_conduct_number(ctx),
        confidants=content_profiles.list_confidants_for_editing(ctx),
        media=library.list_media(ctx),
        languages=rules.CONTENT_LANGUAGES,
    )


@bp.post("/pages/new")
def new_page() -> Response:
    """Start a new page: go to its (empty) English editor."""
    slug = request.form.get("slug", "").strip().lower()
    if not rules.SLUG_RE.match(slug):
        flash(_reason_text("slug"))
        return redirect(url_for(".overview"))
    return redirect(url_for(".edit_page", slug=slug, language="en"))


@bp.route("/pages/<slug>/<language>", methods=["GET", "POST"])
def edit_page(slug: str, language: str) -> Any:
    """Edit one page in one language; "Preview" renders without saving."""
    if not rules.SLUG_RE.match(slug) or language not in rules.CONTENT_LANGUAGES:
        abort(404)
    ctx = core()
    stored = content_pages.page_source(ctx, slug, language)
    english = content_pages.page_source(ctx, slug, "en")
    if request.method == "GET":
        form = {
            "title": stored.title if stored else "",
            "summary": stored.summary if stored else "",
            "body_md": stored.body_md if stored else "",
            "kind": stored.kind if stored else (english.kind if english else "page"),
        }
        return _page_form(slug, language, form, english)
    form = {k: request.form.get(k, "") for k in ("title", "summary", "body_md", "kind")}
    if request.form.get("action") != "publish":
        return _page_form(slug, language, form, english, preview=render_markdown(form["body_md"]))
    try:
        content_pages.save_page(ctx, slug=slug, language=language, title=form["title"],
                          summary=form["summary"], body_md=form["body_md"],
                          kind=form["kind"] or "page")  # fmt: skip
    except rules.InvalidContent as exc:
        return _page_form(slug, language, form, english, error=_reason_text(exc.reason)), 400
    flash(_("Published. Reporters see the new text now."))
    return redirect(url_for(".edit_page", slug=slug, language=language))


def _page_form(slug: str, language: str, form: dict[str, str], english: Any, **extra: Any) -> str:
    return render_template(
        "content_admin/page.html", slug=slug, language=language, form=form,
        english=english, kinds=rules.PAGE_KINDS, **extra,
    )  # fmt: skip


@bp.route("/conduct/new", methods=["GET", "POST"])
def new_conduct_version() -> Any:
    """Write the next version of the code of conduct; a change summary is required."""
    ctx = core()
    current = content_conduct.latest_conduct_number(ctx)
    if request.method == "GET":
        drafts = {}
        for language in rules.CONTENT_LANGUAGES:
            stored = content_conduct.conduct_source(ctx, current, language) if current else None
            drafts[language] = {
                "title": stored.title if stored else "",
                "body_md": stored.body_md if stored else "",
                "change_summary": "",
            }
        return _conduct_form(current, drafts)
    drafts = {
        language: {
            field: request.form.get(f"{language}_{field}", "")
            for field in ("title", "body_md", "change_summary")
        }
        for language in rules.CONTENT_LANGUAGES
    }
    if request.form.get("action") != "publish":
        previews = {lang: render_markdown(d["body_md"]) for lang, d in drafts.items()}
        return _conduct_form(current, drafts, previews=previews)
    try:
        number = content_conduct.publish_conduct_version(
            ctx, {lang: content_conduct.ConductDraft(**d) for lang, d in drafts.items()}
        )
    except rules.InvalidContent as exc:
        return _conduct_form(current, drafts, error=_reason_text(exc.reason)), 400
    flash(_("Version %(number)s of the code of conduct is published.", number=number))
    return redirect(url_for(".overview"))


def _conduct_form(current: int, drafts: dict[str, dict[str, str]], **extra: Any) -> str:
    return render_template(
        "content_admin/conduct.html", current=current, drafts=drafts,
        languages=rules.CONTENT_LANGUAGES, **extra,
    )  # fmt: skip


@bp.route("/confidants/<int:confidant_id>", methods=["GET", "POST"])
def edit_profile(confidant_id: int) -> Any:
    """Edit a confidant's profile texts in both languages; preview before saving."""
    ctx = core()
    confidant, profile, texts = content_profiles.profile_source(ctx, confidant_id)
    if request.method == "GET":
        return _profile_form(confidant, profile, _stored_profile_form(profile, texts))
    form = _profile_form_data(
        is_external=request.form.get("is_external") == "yes",
        languages=request.form.get("languages", ""),
        text=lambda lang, field: request.form.get(f"{lang}_{field}", ""),
    )
    if request.form.get("action") != "publish":
        previews = {
            lang: {f: render_markdown(t[f]) for f in PROFILE_FIELDS[1:]}
            for lang, t in form["texts"].items()
        }
        return _profile_form(confidant, profile, form, previews=previews)
    try:
        content_profiles.save_profile(
            ctx, confidant_id, is_external=form["is_external"],
            languages=form["languages"].split(","),
            texts={lang: content_profiles.ProfileTexts(**t) for lang, t in form["texts"].items()},
        )  # fmt: skip
    except rules.InvalidContent as exc:
        return _profile_form(confidant, profile, form, error=_reason_text(exc.reason)), 400
    flash(_("The profile is published."))
    return redirect(url_for(".edit_profile", confidant_id=confidant_id))


def _profile_form(confidant: Any, profile: Any, form: dict[str, Any], **extra: Any) -> str:
    return render_template(
        "content_admin/profile.html", confidant=confidant, profile=profile, form=form,
        languages=rules.CONTENT_LANGUAGES, max_image_mb=MAX_IMAGE_BYTES // 1_000_000,
        max_media_mb=MAX_MEDIA_BYTES // 1_000_000, **extra,
    )  # fmt: skip


# A refused upload -> its status (nearest class wins); the page names the reason.
MEDIA_REFUSAL_STATUS: dict[type[Exception], int] = {
    MediaToolMissing: 503,
    MediaTooLarge: 413,
    MediaRejected: 400,
}


@bp.post("/confidants/<int:confidant_id>/media")
def upload_media(confidant_id: int) -> Any:
    """Upload (or remove) a photo or an audio/video intro for a confidant.

    The body streams into a scratch folder beside the media folder (never
    Werkzeug's temp files), capped while it arrives and re-encoded by the
    content service; the scratch folder is removed whatever happens.
    """
    ctx = core()
    content_profiles.profile_source(ctx, confidant_id)  # a 404 page for no such confidant
    folder = media_dir(ctx.settings.instance_dir)
    try:
        with tempfile.TemporaryDirectory(prefix=".upload-", dir=folder) as scratch:
            form = read_media_form(
                request.stream,
                content_type=request.content_type or "",
                content_length=request.content_length,
                scratch=Path(scratch),
                check_csrf=_check_csrf,
            )
            library.update_profile_media(ctx, confidant_id, form.kind, form.file,
                                         remove=form.remove)  # fmt: skip
    except MediaRejected as exc:
        status = by_class(MEDIA_REFUSAL_STATUS, exc)
        return _upload_error(confidant_id, exc.reason, status)
    flash(_("Removed.") if form.remove else _("Uploaded, re-encoded and stripped of metadata."))
    return redirect(url_for(".edit_profile", confidant_id=confidant_id))


def _check_csrf(token: str) -> None:
    """A bad or expired token is the same 400 page as anywhere else."""
    try:
        validate_csrf(token)
    except ValidationError:
        abort(400)


def _upload_error(confidant_id: int, reason: str, status: int) -> tuple[str, int]:
    confidant, profile, texts = content_profiles.profile_source(core(), confidant_id)
    form = _stored_profile_form(profile, texts)
    return _profile_form(confidant, profile, form, upload_error=_reason_text(reason)), status


def _stored_profile_form(profile: Any, texts: dict[str, Any]) -> dict[str, Any]:
    """The profile form filled with what is stored (empty where nothing is)."""
    return _profile_form_data(
        is_external=bool(profile and profile.is_external),
        languages=", ".join(profile.languages.split(",")) if profile else "",
        text=lambda lang, field: getattr(texts[lang], field) if lang in texts else "",
    )


def _profile_form_data(
    *, is_external: bool, languages: str, text: Callable[[str, str], str]
) -> dict[str, Any]:
    """The profile form's values: ``text(language, field)`` for every text field."""
    return {
        "is_external": is_external,
        "languages": languages,
        "texts": {
            lang: {f: text(lang, f) for f in PROFILE_FIELDS} for lang in rules.CONTENT_LANGUAGES
        },
    }
