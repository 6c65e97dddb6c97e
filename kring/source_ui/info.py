"""Information pages for reporters: read without a codename, without a trace.

Invariants kept here (tests/source_ui/test_info_traceless.py proves them):
these views never touch the session (so no cookie is set), never log and
never count, and render only sanitised content that points nowhere but this
site. Media is served by the app itself, with the ``no-store`` header every
response carries.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Blueprint, abort, render_template, send_file
from werkzeug.wrappers import Response

from kring.core.content import conduct as content_conduct
from kring.core.content import library, rules
from kring.core.content import pages as content_pages
from kring.core.content import profiles as content_profiles
from kring.web.context import core
from kring.web.i18n import current_language

bp = Blueprint("info", __name__, url_prefix="/<lang>")
media_bp = Blueprint("media", __name__)


def language_name(code: str, in_language: str) -> str:
    """A language code as a name in the page's language ("nl" -> "Dutch")."""
    try:
        name = Locale.parse(code).get_display_name(in_language)
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:] if name else code


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"language_name": language_name}


@bp.get("/info/")
def index() -> str:
    """Everything a reporter can read, in one list."""
    lang = current_language()
    pages = content_pages.list_pages(core(), lang, kind="page")
    topics = content_pages.list_pages(core(), lang, kind="topic")
    return render_template("source/info/index.html", pages=pages, topics=topics)


@bp.get("/info/code-of-conduct")
def conduct() -> str:
    """The current code of conduct, with what changed in this version."""
    return _conduct_page(None)


@bp.get("/info/code-of-conduct/<int:number>")
def conduct_version(number: int) -> str:
    """One earlier (or the current) version of the code of conduct."""
    return _conduct_page(number)


def _conduct_page(number: int | None) -> str:
    version = content_conduct.conduct_version(core(), current_language(), number)
    return render_template("source/info/conduct.html", version=version)


@bp.get("/info/code-of-conduct/history")
def conduct_history() -> str:
    """Every version of the code of conduct with its summary of changes."""
    versions = content_conduct.conduct_history(core(), current_language())
    if not versions:
        abort(404)
    return render_template("source/info/conduct_history.html", versions=versions)


@bp.get("/info/<slug>")
def page(slug: str) -> str:
    """A position, guidance or topic page (English where no translation exists)."""
    if not rules.SLUG_RE.match(slug):
        abort(404)
    view = content_pages.get_page(core(), slug, current_language())
    return render_template("source/info/page.html", page=view)


@bp.get("/confidants/")
def confidants() -> str:
    """Who the confidants are; each links to a full profile."""
    profiles = content_profiles.list_profiles(core(), current_language())
    return render_template("source/info/confidants.html", profiles=profiles)


@bp.get("/confidants/<int:confidant_id>")
def confidant(confidant_id: int) -> str:
    """One confidant: photo, intro and transcript, languages, what they write down."""
    profile = content_profiles.get_profile(core(), confidant_id, current_language())
    return render_template("source/info/confidant.html", profile=profile)


@media_bp.get("/media/<name>")
def media(name: str) -> Response:
    """A re-encoded photo, audio or video file, served from this origin only.

    Range requests are honoured (video seeking); no ETag, and the app-wide
    ``Cache-Control: no-store`` keeps it out of the browser's cache.
    """
    path, mime = library.media_file(core(), name)
    return send_file(path, mimetype=mime, conditional=True, etag=False, max_age=None)
