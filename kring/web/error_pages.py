"""Error pages shared by both apps: every failure becomes a page, never a traceback.

Invariant: an unexpected exception is logged as its type and code location
only (its message could quote the request) and the user gets a plain page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kring.web.logging_setup import describe_exception

_KINDS = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    413: "too_large",
    429: "throttled",
}


def install_error_pages(
    app: Flask,
    template: str,
    *,
    log: logging.Logger,
    domain_errors: Mapping[type[Exception], tuple[str, int]] | None = None,
    extra_kinds: dict[int, str] | None = None,
) -> None:
    """Render ``template`` with a ``kind`` for domain errors, CSRF failures, HTTP errors, crashes.

    ``domain_errors`` maps a core service's named failure to its page kind and
    status; Flask picks the handler of the nearest class, so a named failure
    never falls through to the crash page.
    """
    kinds = {**_KINDS, **(extra_kinds or {})}

    def page(kind: str, status: int) -> tuple[str, int]:
        return render_template(template, kind=kind), status

    for exc_type, (kind, status) in (domain_errors or {}).items():

        def _named(_error: Exception, kind: str = kind, status: int = status) -> Any:
            return page(kind, status)

        app.register_error_handler(exc_type, _named)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return page("csrf", 400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | HTTPException:
        code = error.code or 500
        if code in (301, 302, 303, 307, 308):
            return error
        return page(kinds.get(code, "bad_request"), code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        log.error(
            "unhandled %s on %s",
            describe_exception((type(error), error, error.__traceback__)),
            request.endpoint,
        )
        return page("server", 500)
