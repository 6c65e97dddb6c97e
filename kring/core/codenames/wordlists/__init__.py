"""Diceware word lists for reporter codenames, shipped as package data.

``en.txt`` is the EFF large wordlist, ``nl.txt`` a Dutch list built from the
OpenTaal word list by ``build_dutch.py`` and ``es.txt`` a Spanish list built from
Debian's wspanish by ``build_spanish.py``; each has 7,776 words (five dice).
Sources and licences are in ``PROVENANCE.md`` beside this file.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

LANGUAGES: tuple[str, ...] = ("en", "nl", "es")
LIST_SIZE = 7776


@cache
def load_wordlist(language: str) -> tuple[str, ...]:
    """The word list of ``language`` ("en", "nl" or "es"), in file order.

    Read once from the package with importlib.resources and cached. Raises
    ValueError for any other language.
    """
    if language not in LANGUAGES:
        raise ValueError(f"no word list for language {language!r}; choose from {LANGUAGES}")
    text = files(__name__).joinpath(f"{language}.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())
