"""The reporters' app factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, redirect, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from kring.core.context import CoreContext, build_context
from kring.core.instance_settings import load_options
from kring.core.settings import Settings
from kring.source_ui.browser_hints import reached_outside_onion
from kring.source_ui.labels import category_labels, path_labels
from kring.source_ui.once import OnceTokens, new_form_token
from kring.web.app_config import configure_app
from kring.web.context import install_core
from kring.web.dates import day
from kring.web.error_pages import install_error_pages
from kring.web.i18n import install_i18n
from kring.web.logging_setup import configure_logging
from kring.web.security import install_security
from kring.web.sessions import MemorySessionInterface, MemorySessionStore

log = logging.getLogger("kring.source_ui")


def create_app(settings: Settings, *, context: CoreContext | None = None) -> Flask:
    """Build the reporters' app for ``settings``.

    Invariants wired here: server-side sessions (nothing in the cookie but a
    random id), security headers and a no-JavaScript CSP on every response,
    no request logging, no upload ever spooled to disk, and every error
    rendered as a page a reporter understands.
    """
    configure_logging()
    app = Flask(__name__)
    ctx = context or build_context(settings)
    install_core(app, ctx)
    app.extensions["kring_once"] = OnceTokens()
    configure_app(
        app,
        settings,
        cookie_name="kring_source",
        csrf_time_limit_seconds=settings.csrf_time_limit_seconds,
        # The submit view streams and caps its body itself (upload.py).
        max_content_length=None,
    )
    app.session_interface = MemorySessionInterface(
        MemorySessionStore(idle_seconds=settings.session_idle_minutes * 60)
    )
    install_security(app)
    install_i18n(app, settings.default_language)
    app.add_template_filter(day, "day")
    csrf = CSRFProtect(app)

    from kring.source_ui import info, views

    app.register_blueprint(views.bp)
    app.register_blueprint(info.bp)
    app.register_blueprint(info.media_bp)
    # Checked inside the view once the token field has streamed in (upload.py).
    csrf.exempt(views.submit_post)

    @app.get("/")
    def root() -> Response:
        return redirect(f"/{settings.default_language}/", code=302)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        # Admins may override the name and the upload limit in journalist_ui.
        options = load_options(ctx)
        return {
            "organisation_name": options.organisation_name,
            "logged_in": bool(g.get("reporter_secrets")),
            "path_labels": path_labels(),
            "category_labels": category_labels(),
            "max_mb_limit": options.max_submission_mb,
            "conversation_mb_limit": ctx.settings.conversation_quota_mb,
            "new_form_token": new_form_token,
            "outside_onion": reached_outside_onion(request.host),
        }

    _install_error_pages(app)
    return app


def _install_error_pages(app: Flask) -> None:
    install_error_pages(app, "source/error.html", log=log)
