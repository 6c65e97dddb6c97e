"""Diceware codenames: the reporter's only way back to their conversation."""

from __future__ import annotations

import secrets
import unicodedata
from functools import cache

from kring.core.codenames.wordlists import LANGUAGES, load_wordlist

CODENAME_WORDS = 7


class MalformedCodename(ValueError):
    """The text entered is not seven words from one of Kring's word lists.

    ``word_count`` is how many words were typed, and ``unknown_positions`` the
    1-based positions of words that are in no list, so the login page can say
    which word is mistyped. Both describe only what the reporter typed; they
    say nothing about any existing codename.
    """

    def __init__(
        self, reason: str, *, word_count: int = 0, unknown_positions: tuple[int, ...] = ()
    ) -> None:
        super().__init__(reason)
        self.word_count = word_count
        self.unknown_positions = unknown_positions


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


# Acute accent and diaeresis: the Spanish list is written without them
# (build_spanish.py), so "árbol" typed with its accent is the word "arbol".
_IGNORED_MARKS = frozenset({"\u0301", "\u0308"})


def without_accents(text: str) -> str:
    """``text`` with acute accents and diaereses dropped, other marks kept (ñ stays)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _IGNORED_MARKS))


def normalise_codename(raw: str) -> str:
    """Canonical form of an entered codename: lower case, single spaces.

    Surrounding whitespace and case are ignored, so a reporter who typed it
    with capitals or extra spaces still gets in; so are acute accents and
    diaereses, which no word of any list carries, so a Spanish word typed
    with its accent ("árbol" for "arbol") is still the same word. Raises
    MalformedCodename when it is not seven known words (the page says so
    without revealing anything about existing codenames).
    """
    if len(raw) > 400:
        raise MalformedCodename("too long")
    words = split_codename(raw)
    if len(words) != CODENAME_WORDS:
        raise MalformedCodename(
            f"a codename has {CODENAME_WORDS} words", word_count=len(words)
        )
    known = _known_words()
    unknown = tuple(position for position, word in enumerate(words, 1) if word not in known)
    if unknown:
        raise MalformedCodename(
            "a word is not from the codename lists",
            word_count=len(words),
            unknown_positions=unknown,
        )
    return " ".join(words)


def split_codename(raw: str) -> list[str]:
    """The words of an entered codename, whatever case and spacing were used.

    Line breaks, tabs, non-breaking spaces, commas and full stops all separate
    words (people copy codenames from notes in many ways); hyphens do not,
    because some list words contain one. Acute accents and diaereses are
    dropped (no list word has one: ``árbol`` is ``arbol``).
    """
    text = without_accents(unicodedata.normalize("NFKC", raw).lower())
    return text.translate(_SEPARATORS).split()


_SEPARATORS = str.maketrans({",": " ", ";": " ", ".": " "})


def generate_designation() -> str:
    """A random two-word name for a conversation, shown to confidants.

    Invariant: drawn independently of the codename, so it reveals nothing
    about it.
    """
    words = load_wordlist("en")
    return f"{secrets.choice(words)} {secrets.choice(words)}"
