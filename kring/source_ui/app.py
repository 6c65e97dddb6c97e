"""The reporters' app factory: the shared app base, then the reporters' pages."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, request

from kring.core.context import CoreContext, build_context
from kring.core.errors import UnknownCodename
from kring.core.instance_settings import current_options
from kring.core.settings import Settings
from kring.source_ui import info, views
from kring.source_ui.browser_hints import reached_outside_onion
from kring.source_ui.labels import category_labels, path_labels
from kring.source_ui.once import OnceTokens, new_form_token
from kring.web.base import AppSpec, build_app
from kring.web.dates import day
from kring.web.sessions import SessionLengths

log = logging.getLogger("kring.source_ui")

# Named failures of core services no view answers itself -> (error page kind,
# status), besides the "not found" errors both apps answer alike
# (web.base.SHARED_ERROR_PAGES): a codename that opens no conversation.
ERROR_PAGES: dict[type[Exception], tuple[str, int]] = {
    UnknownCodename: ("not_found", 404),
}


def create_app(settings: Settings, *, context: CoreContext | None = None) -> Flask:
    """Build the reporters' app for ``settings``.

    Invariants wired here: server-side sessions (nothing in the cookie but a
    random id) ended after the idle minutes in force, security headers and a
    no-JavaScript CSP on every response, no request logging, no upload ever
    spooled to disk, and every error rendered as a page a reporter understands.
    """
    ctx = context or build_context(settings)

    def page_globals() -> dict[str, Any]:
        return {
            "logged_in": bool(g.get("reporter_secrets")),
            "path_labels": path_labels(),
            "category_labels": category_labels(),
            "max_mb_limit": current_options(ctx).max_submission_mb,
            "conversation_mb_limit": ctx.settings.conversation_quota_mb,
            "new_form_token": new_form_token,
            "outside_onion": reached_outside_onion(request.host),
        }

    app = build_app(
        ctx,
        AppSpec(
            import_name=__name__,
            cookie_name="kring_source",
            error_template="source/error.html",
            log=log,
            # The submit view streams and caps its body itself (upload.py).
            max_content_length=None,
            session_lengths=lambda options: SessionLengths(options.session_idle_minutes * 60),
            # A slow upload over Tor must not outlive its form's token (the file's value).
            csrf_time_limit=lambda _options: ctx.settings.csrf_time_limit_seconds,
            error_pages=ERROR_PAGES,
            blueprints=(views.bp, info.bp, info.media_bp),
            # Checked inside the view once the token field has streamed in (upload.py).
            streaming_views=(views.submit_post,),
            page_globals=page_globals,
            template_filters={"day": day},
        ),
    )
    app.extensions["kring_once"] = OnceTokens()
    return app
