"""The one app base: what every Kring app is before its own blueprints.

Both factories describe themselves in an :class:`AppSpec` (their blueprints,
the views that stream their own body, their page globals and template filters)
and add only their per-app state. Built here once, for both: the Flask configuration,
server-side sessions whose lengths follow the settings provider, the security
headers and request class, the language in the URL, CSRF, the root redirect,
the organisation's name in every page, and the error pages (a map of domain
errors to pages, then the HTTP errors and crashes).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Blueprint, Flask, current_app, redirect
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from kring.core.content.rules import ContentNotFound
from kring.core.context import CoreContext
from kring.core.errors import ItemNotFound
from kring.core.instance_settings import InstanceOptions, current_options, provider
from kring.web.app_config import configure_app
from kring.web.context import install_core
from kring.web.error_pages import install_error_pages
from kring.web.i18n import install_i18n
from kring.web.logging_setup import configure_logging
from kring.web.security import install_security
from kring.web.sessions import MemorySessionInterface, MemorySessionStore, SessionLengths

# Named failures of core services both apps answer with the same page: what
# was asked for is not there (any more). An app's own map is laid over these.
SHARED_ERROR_PAGES: Mapping[type[Exception], tuple[str, int]] = {
    ContentNotFound: ("not_found", 404),
    ItemNotFound: ("not_found", 404),
}

# What one app derives from the options in force, each request.
LengthsRule = Callable[[InstanceOptions], SessionLengths]
CsrfRule = Callable[[InstanceOptions], int]


@dataclasses.dataclass(frozen=True)
class AppSpec:
    """What tells one Kring app from the other; everything else is the same."""

    import_name: str
    cookie_name: str
    error_template: str
    log: logging.Logger
    # None only where a view streams and caps the body itself (the reporters' submit).
    max_content_length: int | None
    session_lengths: LengthsRule
    # Seconds a form's CSRF token is accepted for.
    csrf_time_limit: CsrfRule
    # Named failures of core services -> (error page kind, status), besides
    # SHARED_ERROR_PAGES.
    error_pages: Mapping[type[Exception], tuple[str, int]] = dataclasses.field(default_factory=dict)
    # HTTP statuses whose page kind differs from the shared one.
    extra_kinds: Mapping[int, str] = dataclasses.field(default_factory=dict)
    # The session store's clock (journalist_ui's tests move it with TOTP's).
    session_clock: Callable[[], float] = time.monotonic
    # The app's pages, registered in this order after the shared parts.
    blueprints: Sequence[Blueprint] = ()
    # Views that read their own streamed body and check its CSRF token once it has arrived.
    streaming_views: Sequence[Callable[..., Any]] = ()
    # What the app's templates read besides the organisation's name, computed per request.
    page_globals: Callable[[], dict[str, Any]] = dict
    # The app's template filters, by the name templates use.
    template_filters: Mapping[str, Callable[..., Any]] = dataclasses.field(default_factory=dict)


def build_app(ctx: CoreContext, spec: AppSpec) -> Flask:
    """A Kring app on ``ctx`` shaped by ``spec``, with CSRF on every form.

    Invariants: each request first refreshes the settings provider (one small
    read), so session lengths, the CSRF time limit and every page follow an
    admin's save in either app from the next request on; no request is logged;
    every failure is a page of ``spec.error_template``; only the views named in
    ``spec.streaming_views`` skip the CSRF check before the view (they make it
    themselves once the token field has streamed in).
    """
    configure_logging()
    app = Flask(spec.import_name)
    # The page skeleton both apps' base templates extend (web/document.html).
    app.register_blueprint(Blueprint("kring_web", __name__, template_folder="templates"))
    install_core(app, ctx)
    settings = ctx.settings
    options = current_options(ctx)
    configure_app(
        app,
        settings,
        cookie_name=spec.cookie_name,
        csrf_time_limit_seconds=spec.csrf_time_limit(options),
        max_content_length=spec.max_content_length,
    )
    store = MemorySessionStore(
        clock=spec.session_clock,
        lengths=lambda: spec.session_lengths(current_options(ctx)),
    )
    # The session is opened first in a request, so the refresh goes there.
    app.session_interface = MemorySessionInterface(store, on_open=provider(ctx).refresh)
    install_security(app)
    install_i18n(app, settings.default_language)

    @app.before_request
    def _csrf_time_limit() -> None:
        # Read by Flask-WTF when it checks a token; registered before CSRFProtect.
        current_app.config["WTF_CSRF_TIME_LIMIT"] = spec.csrf_time_limit(current_options(ctx))

    csrf = CSRFProtect(app)

    @app.get("/")
    def root() -> Response:
        return redirect(f"/{settings.default_language}/", code=302)

    @app.context_processor
    def _page_globals() -> dict[str, Any]:
        return {"organisation_name": current_options(ctx).organisation_name, **spec.page_globals()}

    for name, template_filter in spec.template_filters.items():
        app.add_template_filter(template_filter, name)

    install_error_pages(
        app,
        spec.error_template,
        log=spec.log,
        domain_errors={**SHARED_ERROR_PAGES, **spec.error_pages},
        extra_kinds=dict(spec.extra_kinds),
    )
    for blueprint in spec.blueprints:
        app.register_blueprint(blueprint)
    for view in spec.streaming_views:
        csrf.exempt(view)
    return app
