"""Diceware codenames: the reporter's only way back to their conversation."""

from __future__ import annotations

import secrets
from functools import cache

from kring.core.wordlists import LANGUAGES, load_wordlist

CODENAME_WORDS = 7


class MalformedCodename(ValueError):
    """The text entered is not seven words from one of Kring's word lists."""


@cache
def _known_words() -> frozenset[str]:
    words: set[str] = set()
    for language in LANGUAGES:
        words.update(load_wordlist(language))
    return frozenset(words)


def generate_codename(language: str) -> str:
    """Seven words drawn with ``secrets`` from the 7,776-word list of ``language``.

    Invariant: about 90 bits of entropy from the OS CSPRNG; the result is
    returned to the caller only and never stored by this module.
    """
    words = load_wordlist(language)
    return " ".join(secrets.choice(words) for _ in range(CODENAME_WORDS))


def normalise_codename(raw: str) -> str:
    """Canonical form of an entered codename: lower case, single spaces.

    Surrounding whitespace and case are ignored, so a reporter who typed it
    with capitals or extra spaces still gets in. Raises MalformedCodename when
    it is not seven known words (the page says so without revealing anything
    about existing codenames).
    """
    if len(raw) > 400:
        raise MalformedCodename("too long")
    words = raw.strip().lower().split()
    if len(words) != CODENAME_WORDS:
        raise MalformedCodename(f"a codename has {CODENAME_WORDS} words")
    known = _known_words()
    if any(word not in known for word in words):
        raise MalformedCodename("a word is not from the codename lists")
    return " ".join(words)


def generate_designation() -> str:
    """A random two-word name for a conversation, shown to confidants.

    Invariant: drawn independently of the codename, so it reveals nothing
    about it.
    """
    words = load_wordlist("en")
    return f"{secrets.choice(words)} {secrets.choice(words)}"
