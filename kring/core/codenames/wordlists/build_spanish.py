"""Build ``es.txt``, Kring's Spanish diceware list, from Debian's ``wspanish`` package.

Usage (from the repository root, with ``apt-get install wspanish`` done)::

    python -m kring.core.codenames.wordlists.build_spanish            # rewrite es.txt
    python -m kring.core.codenames.wordlists.build_spanish --check    # exit 1 if es.txt differs

The build is deterministic: no randomness, no network, no clock; the same
``/usr/share/dict/spanish`` (wspanish 1.0.30, sha256 in ``SOURCE_SHA256``)
together with ``es_blocklist.txt``, ``en.txt`` and ``nl.txt`` from this folder
always gives the same ``es.txt``. PROVENANCE.md explains the rules; in short:

0. normalisation, so that a codename can be typed on any keyboard: the acute
   accent and the diaeresis are dropped (``árbol`` -> ``arbol``,
   ``pingüino`` -> ``pinguino``); a word with ``ñ`` is never a candidate,
   because dropping its tilde makes another word (``año`` -> ``ano``). Two
   source words with the same normalised form count once. The login form
   applies the same normalisation (``kring.core.codenames.phrases``), so a reporter
   who types the accent still gets in;
1. a candidate is 4-9 letters a-z, contains a vowel and no letter three times
   in a row (Dutch rule 1, shared in ``build_common.py``);
2. it does not look foreign: no ``k`` or ``w`` (``kilo``, ``whisky``);
3. it is in neither ``en.txt`` nor ``nl.txt``, so a codename's language is
   never ambiguous;
4. it is not blocked by ``es_blocklist.txt`` (stems as substrings, ``=word``
   entries as whole words).

Candidates are ranked by how common they are, with the word list itself as the
only input: an everyday word is the base of many derived words in the list
(``casa``: ``casero``, ``caserío``, ``casona``...), while rare words, archaisms
and technical terms are the base of few or none. Ties go to the word that
begins more words of the list, then the shorter, then alphabetical order. The
best 7,776 are written sorted, one a line.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from kring.core.codenames.phrases import without_accents
from kring.core.codenames.wordlists import LIST_SIZE
from kring.core.codenames.wordlists.build_common import (
    ENGLISH,
    HERE,
    Blocklist,
    choose,
    has_common_shape,
    read_lines,
    run_build,
)

SOURCE = Path("/usr/share/dict/spanish")
# wspanish 1.0.30 (Debian 12 "bookworm"), file /usr/share/dict/spanish.
SOURCE_SHA256 = "6b26adc955ec682e41e98d626d0ed1f778511065ee1f7f19c28e8b3cb574b9b6"
OUTPUT = HERE / "es.txt"
BLOCKLIST = HERE / "es_blocklist.txt"
DUTCH = HERE / "nl.txt"

# Endings of derived Spanish words (diminutives, trades, places, qualities,
# verbs, adjectives). A word scores one point for each derivative in the list.
SUFFIXES = (
    "ito", "ita", "illo", "illa", "ico", "ica", "ero", "era", "eria", "ada", "ado",
    "al", "ar", "ear", "ista", "ismo", "oso", "osa", "on", "ona", "azo", "aza",
    "eza", "ura", "dad", "idad", "mente", "ble", "cion", "ano", "ana", "iento",
    "ecer", "izar", "or", "ora", "ense", "es", "s",
)  # fmt: skip

_FOREIGN = re.compile(r"[kw]")


def normalise(word: str) -> str | None:
    """The typeable form of a source word, or None when it has an ``ñ``.

    Lower case, acute accents and diaereses dropped; other characters are kept
    so that the shape rule can reject them.
    """
    lowered = word.strip().lower()
    if "\u0303" in unicodedata.normalize("NFD", lowered):  # ñ: año is not ano
        return None
    return without_accents(lowered)


def derivation_scores(lexicon: Iterable[str]) -> Counter[str]:
    """For every word, how many words of ``lexicon`` derive from it by a suffix.

    The stem is the word without a final ``a``, ``e`` or ``o`` (``casa`` ->
    ``cas``); a derivative is ``stem + suffix`` or ``word + suffix`` for a
    suffix of SUFFIXES, other than the word itself.
    """
    words = frozenset(lexicon)
    scores: Counter[str] = Counter()
    for word in words:
        stems = {word, word[:-1]} if word[-1:] in ("a", "e", "o") else {word}
        derived = {stem + suffix for stem in stems for suffix in SUFFIXES}
        derived.discard(word)
        scores[word] = len(derived & words)
    return scores


def prefix_counts(lexicon: Iterable[str], words: Iterable[str]) -> Counter[str]:
    """For each of ``words``, how many other words of ``lexicon`` begin with it."""
    ordered = sorted(set(lexicon))
    counts: Counter[str] = Counter()
    for word in words:
        low = bisect_left(ordered, word)
        counts[word] = bisect_left(ordered, word + "{", low) - low - 1
    return counts


def is_candidate(word: str, other_lists: frozenset[str], blocklist: Blocklist) -> bool:
    """Apply rules 1-4 of the module docstring to one normalised word."""
    return bool(
        has_common_shape(word)
        and not _FOREIGN.search(word)
        and word not in other_lists
        and not blocklist.blocks(word)
    )


def build(
    source_words: Sequence[str],
    other_lists: Iterable[str],
    blocklist: Blocklist,
    size: int = LIST_SIZE,
) -> list[str]:
    """Select ``size`` normalised words from ``source_words``; returned sorted."""
    lexicon = {n for n in map(normalise, source_words) if n}
    others = frozenset(other_lists)
    candidates = [w for w in lexicon if is_candidate(w, others, blocklist)]
    scores = derivation_scores(lexicon)
    starts = prefix_counts(lexicon, candidates)
    return choose(candidates, lambda w: (-scores[w], -starts[w], len(w), w), size)


def words_from(source: Path) -> list[str]:
    """``es.txt``'s words from the Debian list at ``source`` and this folder's inputs."""
    others = [*read_lines(ENGLISH), *read_lines(DUTCH)]
    return build(read_lines(source), others, Blocklist.load(BLOCKLIST))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the process exit code."""
    return run_build(argv, __doc__, SOURCE, SOURCE_SHA256, OUTPUT, words_from)


if __name__ == "__main__":
    raise SystemExit(main())
