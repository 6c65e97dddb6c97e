"""What the word-list builders share: the blocklist, the common word shape, the pick, the command.

``build_dutch.py`` and ``build_spanish.py`` each keep only their language's
rules, sources and ranking; this module holds the rest, so both lists are
chosen, written and checked the same way. Everything here is deterministic:
no randomness, no network, no clock.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGLISH = HERE / "en.txt"

# Kring's rule is 3-9 letters; both built lists use 4-9 because their sources'
# three-letter entries are mostly suffixes, prefixes, fragments and
# abbreviations (Dutch "den", "ere", "fte"; Spanish "des", "con", "pro") that
# the rankings cannot tell from real words.
MIN_LENGTH = 4
MAX_LENGTH = 9

_SHAPE = re.compile(rf"[a-z]{{{MIN_LENGTH},{MAX_LENGTH}}}")
_VOWEL = re.compile(r"[aeiou]")
_TRIPLE = re.compile(r"(.)\1\1")
_LETTERS = re.compile(r"[a-z]+")


class Blocklist:
    """A parsed ``<language>_blocklist.txt``: substring stems and whole-word entries."""

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
            if not is_letters(entry):
                raise ValueError(f"blocklist entry is not lower-case a-z: {entry!r}")
        return cls(stems, exact)

    @classmethod
    def load(cls, path: Path) -> Blocklist:
        """Parse the blocklist file at ``path``."""
        return cls.parse(path.read_text(encoding="utf-8"))

    def blocks(self, word: str) -> bool:
        """True when ``word`` is an exact entry or contains any stem."""
        return word in self.exact or any(stem in word for stem in self.stems)


def read_lines(path: Path) -> list[str]:
    """The non-empty lines of a UTF-8 text file, stripped."""
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def is_letters(word: str) -> bool:
    """True when ``word`` is lower-case a-z only (any length)."""
    return _LETTERS.fullmatch(word) is not None


def has_common_shape(word: str) -> bool:
    """Both lists' first rule: 4-9 letters a-z, a vowel, no letter three times in a row."""
    return bool(_SHAPE.fullmatch(word) and _VOWEL.search(word) and not _TRIPLE.search(word))


def choose(
    candidates: Iterable[str], rank: Callable[[str], tuple[int | str, ...]], size: int
) -> list[str]:
    """The ``size`` candidates with the smallest ``rank``, returned in alphabetical order.

    Raises ValueError when there are fewer than ``size`` candidates: a short
    list is never written.
    """
    pool = list(candidates)
    if len(pool) < size:
        raise ValueError(f"only {len(pool)} candidates, need {size}")
    return sorted(sorted(pool, key=rank)[:size])


def render(words: Iterable[str]) -> str:
    """The file text: one word a line, trailing newline."""
    return "".join(f"{w}\n" for w in words)


def run_build(
    argv: Sequence[str] | None,
    doc: str,
    source: Path,
    source_sha256: str,
    output: Path,
    make_words: Callable[[Path], list[str]],
) -> int:
    """The command line shared by the list builders; returns the exit code.

    ``doc`` is the builder's module docstring (its first line is the help
    text). Warns when ``source`` is not the recorded package version (the
    result would differ from the committed list), then writes ``output`` or,
    with ``--check``, only compares it and exits 1 when it is out of date.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
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
