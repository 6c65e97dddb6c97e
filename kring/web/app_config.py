"""The Flask configuration both apps share: cookies, CSRF, body size, templates."""

from __future__ import annotations

from flask import Flask

from kring.core.settings import Settings


def configure_app(
    app: Flask,
    settings: Settings,
    *,
    cookie_name: str,
    csrf_time_limit_seconds: int,
    max_content_length: int | None,
) -> None:
    """Configure ``app`` as every Kring app is configured.

    Invariants: the session cookie is HttpOnly and SameSite=Strict (Secure
    when the instance says so: onion services are plain HTTP), CSRF tokens
    expire, the Referer-based CSRF check is off (every page says
    ``Referrer-Policy: no-referrer``, so there is none to check), and
    templates are never reloaded from disk.
    ``max_content_length`` is ``None`` only where a view streams and caps the
    body itself (the reporters' submit).
    """
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME=cookie_name,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        WTF_CSRF_TIME_LIMIT=csrf_time_limit_seconds,
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=max_content_length,
        TEMPLATES_AUTO_RELOAD=False,
    )
