"""HTTP security headers and a request class that never spools uploads to disk."""

from __future__ import annotations

from typing import IO, Any

from flask import Flask, Request, Response
from werkzeug.exceptions import RequestEntityTooLarge

from kring.web.framing import SettleBodyMiddleware

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class NoSpoolRequest(Request):
    """A request whose form parser refuses file parts.

    Werkzeug writes uploaded files over 500 KB to a temp file on disk, in
    plaintext. Kring's only upload path parses the body itself and streams
    into gpg; everywhere else a file part is refused, so no plaintext can ever
    be spooled by accident.
    """

    max_form_memory_size = 1024 * 1024
    max_form_parts = 100

    def _get_file_stream(  # type: ignore[override]
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        raise RequestEntityTooLarge("file uploads are accepted only on the submit page")


def add_security_headers(response: Response) -> Response:
    """Set the headers every Kring response carries (after_request hook)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    # No server software or version is announced.
    response.headers.pop("Server", None)
    return response


def install_security(app: Flask, **_: Any) -> None:
    """Wire the request class and headers into an app factory."""
    app.request_class = NoSpoolRequest
    app.after_request(add_security_headers)
    app.wsgi_app = StripIdentifyingEnviron(app.wsgi_app)  # type: ignore[method-assign]
    # Never keep a connection alive with unread body on it (kring.web.framing).
    app.wsgi_app = SettleBodyMiddleware(app.wsgi_app)  # type: ignore[method-assign]


_IDENTIFYING_ENVIRON = (
    "REMOTE_ADDR",
    "REMOTE_PORT",
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_REFERER",
)


class StripIdentifyingEnviron:
    """WSGI middleware: the app never sees the client's address or user agent.

    Invariant 2 (no IP address or user agent recorded) is then kept by
    construction: code that does not have a value cannot log or store it.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        for key in _IDENTIFYING_ENVIRON:
            environ.pop(key, None)
        environ["REMOTE_ADDR"] = "0.0.0.0"  # noqa: S104 - a placeholder, not a bind address
        return self.wsgi_app(environ, start_response)
