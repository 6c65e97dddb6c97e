"""What every piece of informing content obeys: languages, slugs, sizes, and the errors.
"""

from __future__ import annotations

import re
from typing import TypeVar

from kring.core.errors import KringError

CONTENT_LANGUAGES = ("en", "nl", "es")


FALLBACK_LANGUAGE = "en"


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,59}$")


MEDIA_NAME_RE = re.compile(r"^[a-z0-9]{24}\.(jpg|png|ogg|webm|mp4|mp3)$")


LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")


PAGE_KINDS = ("page", "topic")


# Pages the reporter UI links to by name; they cannot be deleted.
CORE_PAGES = ("position", "after-you-write", "start-safely")


MAX_MARKDOWN_CHARS = 60_000


T = TypeVar("T")


class ContentNotFound(KringError):
    """No such page, version, profile or media file (in any language)."""


class InvalidContent(KringError):
    """Content an admin submitted does not meet the rules; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- reading (SELECT only) -------------------------------------------------------


def pick_language(rows: dict[str, T], language: str) -> tuple[T, str] | None:
    """The row in ``language``, else in the fallback language (with the language it is in)."""
    if language in rows:
        return rows[language], language
    if FALLBACK_LANGUAGE in rows:
        return rows[FALLBACK_LANGUAGE], FALLBACK_LANGUAGE
    return None


# --- editing (admins) ------------------------------------------------------------


def check_language(language: str) -> None:
    """InvalidContent unless ``language`` is one the content is written in."""
    if language not in CONTENT_LANGUAGES:
        raise InvalidContent("language")


def check_markdown(*texts: str) -> None:
    """InvalidContent if any text is longer than an editor may save."""
    if any(len(t) > MAX_MARKDOWN_CHARS for t in texts):
        raise InvalidContent("too_long")
