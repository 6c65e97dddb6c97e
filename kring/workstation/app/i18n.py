"""Dutch and English for the desktop app: the system language by default, switchable.

The catalogue is a plain dictionary from the English text to the Dutch one
(placeholders in ``{braces}`` are filled after the lookup), so no Qt
translation tools are needed to build it and a test can check that every
text the app shows has its Dutch form.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from kring.workstation.app.catalogue_nl import DUTCH

LANGUAGES = {"en": "English", "nl": "Nederlands"}


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """'nl' or 'en' from the locale variables, in the order gettext reads them.

    Invariant: returns a key of LANGUAGES; any language other than Dutch
    falls back to English.
    """
    env = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        for part in value.split(":"):
            code = part.split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
            if code and code not in ("c", "posix"):
                return "en"
    return "en"


class Translator:
    """Turns an English text into the current language; callable as ``t(text, **values)``."""

    def __init__(self, language: str = "en") -> None:
        self.language = language if language in LANGUAGES else "en"

    def __call__(self, text: str, **values: object) -> str:
        template = DUTCH.get(text, text) if self.language == "nl" else text
        return template.format(**values) if values else template

    def n(self, singular: str, plural: str, count: int, **values: object) -> str:
        """``singular`` for a count of 1, else ``plural`` (both Dutch and English work so),
        translated, with ``{count}`` filled in."""
        return self(singular if count == 1 else plural, count=count, **values)
