"""Build ``nl.txt``, Kring's Dutch diceware list, from Debian's ``wdutch`` package.

Usage (from the repository root, with ``apt-get install wdutch`` done)::

    python -m kring.core.codenames.wordlists.build_dutch            # rewrite nl.txt
    python -m kring.core.codenames.wordlists.build_dutch --check    # exit 1 if nl.txt differs

The build is deterministic: no randomness, no network, no clock; the same
``/usr/share/dict/dutch`` (OpenTaal word list, wdutch 1:2.20.19-2, sha256
in ``SOURCE_SHA256``) together with ``nl_blocklist.txt`` and ``en.txt`` from
this folder always gives the same ``nl.txt``. PROVENANCE.md explains the rules;
in short, a candidate word must

1. be 4-9 letters from a-z only (no capitals, digits, diacritics, hyphens,
   apostrophes or spaces), contain a vowel (a, e, i, o, u) and no letter three
   times in a row (the rule the Spanish list shares, in ``build_common.py``);
2. not look foreign or be ambiguous to spell: no ``q``, ``x`` or ``y`` and no
   ``c`` except in ``ch`` (so ``nacht`` and ``school`` stay, ``actie`` goes);
3. not look like a proper noun or abbreviation: the source must not also list
   it capitalised (``Piet``) or in capitals (``BTW``);
4. not be an English word: it must not appear in ``en.txt`` (EFF list), which
   also keeps the two lists apart;
5. not be blocked by ``nl_blocklist.txt`` (stems match as substrings, ``=word``
   entries as whole words).

Candidates are then ranked by how common they are, for which the word list
itself is the only input: a word that is an element of many compounds in the
list (``huis`` in ``huisdeur``, ``boerenhuis``, ...) is a productive, everyday
word, while inflected forms, rare loans and technical terms are elements of
few or none. Ties go to the shorter word, then alphabetical order. The best
7,776 are written sorted, one a line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from kring.core.codenames.wordlists import LIST_SIZE
from kring.core.codenames.wordlists.build_common import (
    ENGLISH,
    HERE,
    Blocklist,
    choose,
    has_common_shape,
    is_letters,
    read_lines,
    run_build,
)

SOURCE = Path("/usr/share/dict/dutch")
# wdutch 1:2.20.19-2 (Debian 12 "bookworm"), file /usr/share/dict/dutch.
SOURCE_SHA256 = "2e5128e8e7f9a5bdfc427c784c839986b0df1386cc53aef90ed2df71644f3987"
OUTPUT = HERE / "nl.txt"
BLOCKLIST = HERE / "nl_blocklist.txt"

# Shortest compound element that may split a word ("op" in "opspelen") and
# shortest that is credited when scoring.
MIN_SPLIT = 2
MIN_ELEMENT = 3
MIN_MODIFIER = 4
# Linking sounds between compound elements: boeken+kast, dag+s+licht, ...
LINKERS = ("", "s", "e", "en")

_FOREIGN = re.compile(r"[qxy]|c(?!h)")


def compound_scores(words: Iterable[str]) -> Counter[str]:
    """Count, for every word, the compounds in ``words`` it is an element of.

    Each word of the list is split once, as ``left + linker + right`` where
    ``left`` and ``right`` are both words of the list of at least MIN_SPLIT
    letters and the linker is one of LINKERS. Of the possible splits the one
    without a linker and then with the longest ``right`` (the head of a Dutch
    compound) is taken, which keeps ``op + speelden`` from also reading as
    ``ops + peelden``. Both elements get a point when they have at least
    MIN_ELEMENT letters as head (right) and MIN_MODIFIER letters as modifier
    (left): short left parts are mostly prefixes ("ver", "ont") or fragments.
    """
    lexicon = {w for w in words if is_letters(w)}
    scores: Counter[str] = Counter()
    for word in sorted(lexicon):
        best: tuple[bool, int, str, str] | None = None
        for cut in range(MIN_SPLIT, len(word) - MIN_SPLIT + 1):
            right = word[cut:]
            if right not in lexicon:
                continue
            head = word[:cut]
            for linker in LINKERS:
                if linker and not head.endswith(linker):
                    continue
                left = head[: len(head) - len(linker)]
                if len(left) >= MIN_SPLIT and left in lexicon:
                    option = (not linker, len(right), left, right)
                    if best is None or option[:2] > best[:2]:
                        best = option
        if best is not None:
            _, _, left, right = best
            if len(left) >= MIN_MODIFIER:
                scores[left] += 1
            if len(right) >= MIN_ELEMENT:
                scores[right] += 1
    return scores


def is_candidate(
    word: str, source: frozenset[str], english: frozenset[str], blocklist: Blocklist
) -> bool:
    """Apply rules 1-5 of the module docstring to one lower-case word."""
    return bool(
        has_common_shape(word)
        and not _FOREIGN.search(word)
        and word.capitalize() not in source
        and word.upper() not in source
        and word not in english
        and not blocklist.blocks(word)
    )


def build(
    source_words: Sequence[str],
    english: Iterable[str],
    blocklist: Blocklist,
    size: int = LIST_SIZE,
) -> list[str]:
    """Select ``size`` words from ``source_words``; returned sorted."""
    source = frozenset(source_words)
    english_set = frozenset(english)
    candidates = [w for w in source if is_candidate(w, source, english_set, blocklist)]
    scores = compound_scores(source_words)
    return choose(candidates, lambda w: (-scores[w], len(w), w), size)


def words_from(source: Path) -> list[str]:
    """``nl.txt``'s words from the Debian list at ``source`` and this folder's inputs."""
    return build(read_lines(source), read_lines(ENGLISH), Blocklist.load(BLOCKLIST))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the process exit code."""
    return run_build(argv, __doc__, SOURCE, SOURCE_SHA256, OUTPUT, words_from)


if __name__ == "__main__":
    raise SystemExit(main())
