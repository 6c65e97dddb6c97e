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
   times in a row;
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

import argparse
import hashlib
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = Path("/usr/share/dict/dutch")
# wdutch 1:2.20.19-2 (Debian 12 "bookworm"), file /usr/share/dict/dutch.
SOURCE_SHA256 = "2e5128e8e7f9a5bdfc427c784c839986b0df1386cc53aef90ed2df71644f3987"
OUTPUT = HERE / "nl.txt"
BLOCKLIST = HERE / "nl_blocklist.txt"
ENGLISH = HERE / "en.txt"

LIST_SIZE = 7776  # 6**5: one word for five dice
# Kring's rule is 3-9 letters; this list uses 4-9 because the source's
# three-letter entries are mostly suffixes, fragments and abbreviations
# ("den", "ere", "fte") that the compound score cannot tell from real words.
MIN_LENGTH = 4
MAX_LENGTH = 9
# Shortest compound element that may split a word ("op" in "opspelen") and
# shortest that is credited when scoring.
MIN_SPLIT = 2
MIN_ELEMENT = 3
MIN_MODIFIER = 4
# Linking sounds between compound elements: boeken+kast, dag+s+licht, ...
LINKERS = ("", "s", "e", "en")

_SHAPE = re.compile(rf"[a-z]{{{MIN_LENGTH},{MAX_LENGTH}}}")
_VOWEL = re.compile(r"[aeiou]")
_TRIPLE = re.compile(r"(.)\1\1")
_FOREIGN = re.compile(r"[qxy]|c(?!h)")
_LETTERS = re.compile(r"[a-z]+")


class Blocklist:
    """Parsed ``nl_blocklist.txt``: substring stems and whole-word entries."""

    def __init__(self, stems: Iterable[str], exact: Iterable[str]) -> None:
        self.stems: tuple[str, ...] = tuple(sorted(set(stems)))
        self.exact: frozenset[str] = frozenset(exact)

    @classmethod
    def parse(cls, text: str) -> Blocklist:
        """Read the blocklist format: ``stem`` or ``=word``, ``#`` comments."""
        stems: list[str] = []
        exact: list[str] = []
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("="):
                exact.append(line[1:])
            else:
                stems.append(line)
        for entry in (*stems, *exact):
            if not _LETTERS.fullmatch(entry):
                raise ValueError(f"blocklist entry is not lower-case a-z: {entry!r}")
        return cls(stems, exact)

    @classmethod
    def load(cls, path: Path = BLOCKLIST) -> Blocklist:
        """Parse the blocklist file at ``path``."""
        return cls.parse(path.read_text(encoding="utf-8"))

    def blocks(self, word: str) -> bool:
        """True when ``word`` is an exact entry or contains any stem."""
        return word in self.exact or any(stem in word for stem in self.stems)


def read_lines(path: Path) -> list[str]:
    """The non-empty lines of a UTF-8 text file, stripped."""
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


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
    lexicon = {w for w in words if _LETTERS.fullmatch(w)}
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
        _SHAPE.fullmatch(word)
        and _VOWEL.search(word)
        and not _TRIPLE.search(word)
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
    candidates = sorted(w for w in source if is_candidate(w, source, english_set, blocklist))
    check_enough(candidates, size)
    scores = compound_scores(source_words)
    return best(candidates, lambda w: (-scores[w], len(w), w), size)


def check_enough(candidates: Sequence[str], size: int) -> None:
    """Raise ValueError when there are fewer than ``size`` candidates."""
    if len(candidates) < size:
        raise ValueError(f"only {len(candidates)} candidates, need {size}")


def best(
    candidates: Iterable[str], key: Callable[[str], tuple[int | str, ...]], size: int
) -> list[str]:
    """The ``size`` candidates with the smallest ``key``, returned in alphabetical order."""
    return sorted(sorted(candidates, key=key)[:size])


def render(words: Iterable[str]) -> str:
    """The file text: one word a line, trailing newline."""
    return "".join(f"{w}\n" for w in words)


def run_build(
    argv: Sequence[str] | None,
    description: str,
    source: Path,
    source_sha256: str,
    output: Path,
    make_words: Callable[[Path], list[str]],
) -> int:
    """The command line shared by the list builders; returns the exit code.

    Warns when ``source`` is not the recorded package version (the result would
    differ from the committed list), then writes ``output`` or, with
    ``--check``, only compares it and exits 1 when it is out of date.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--source", type=Path, default=source, help="Debian word list")
    parser.add_argument("--output", type=Path, default=output, help="file to write")
    parser.add_argument(
        "--check", action="store_true", help="compare with --output instead of writing it"
    )
    args = parser.parse_args(argv)

    digest = hashlib.sha256(args.source.read_bytes()).hexdigest()
    if digest != source_sha256:
        print(
            f"warning: {args.source} has sha256 {digest}, not the recorded "
            f"{source_sha256}; the result will differ from the committed list",
            file=sys.stderr,
        )
    words = make_words(args.source)
    text = render(words)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(words)} words)")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {len(words)} words to {args.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the process exit code."""
    return run_build(
        argv,
        __doc__.splitlines()[0],
        SOURCE,
        SOURCE_SHA256,
        OUTPUT,
        lambda source: build(read_lines(source), read_lines(ENGLISH), Blocklist.load()),
    )


if __name__ == "__main__":
    raise SystemExit(main())
