"""Language handling shared by both apps: Flask-Babel with the language in the URL.

The reporter's language lives in the URL (``/nl/...``), not in a cookie:
reading the information pages must not set any cookie, and links carry the
language on by themselves.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, g, request
from flask_babel import Babel

LANGUAGES = ("en", "nl", "es")
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "es": "Español"}


def current_language() -> str:
    """The language of this request (URL value, else the instance default)."""
    lang = getattr(g, "lang", None)
    if lang in LANGUAGES:
        return str(lang)
    return str(getattr(g, "default_language", "en"))


def install_i18n(app: Flask, default_language: str) -> Babel:
    """Set up Flask-Babel with Kring's catalogues and URL-based language."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = "../translations"
    app.config["BABEL_DEFAULT_LOCALE"] = "en"

    @app.before_request
    def _default_language() -> None:
        g.default_language = default_language
        if getattr(g, "lang", None) is None:
            # No route matched (a 404): the page is still in the language the
            # address starts with, as the reader came from a page in it.
            first = request.path.split("/", 2)[1]
            if first in LANGUAGES:
                g.lang = first

    @app.before_request
    def _unknown_language_is_404() -> None:
        # Once for every page whose address starts with a language: an
        # unknown one (/xx/...) is a 404 before CSRF, login or any view runs.
        if g.get("lang_invalid"):
            abort(404)

    @app.url_value_preprocessor
    def _pull_lang(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values and "lang" in values:
            lang = values.pop("lang")
            g.lang = lang if lang in LANGUAGES else None
            g.lang_invalid = lang not in LANGUAGES

    @app.url_defaults
    def _push_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
        values["lang"] = current_language()

    @app.context_processor
    def _languages() -> dict[str, Any]:
        def switch_url(lang: str) -> str:
            # Same page in another language: swap the first path segment.
            parts = request.path.split("/", 2)
            rest = parts[2] if len(parts) > 2 else ""
            return f"/{lang}/{rest}"

        return {
            "languages": LANGUAGES,
            "language_names": LANGUAGE_NAMES,
            "current_language": current_language(),
            "switch_language_url": switch_url,
        }

    return Babel(app, locale_selector=current_language)
