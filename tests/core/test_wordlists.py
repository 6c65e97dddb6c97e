"""The shipped diceware word lists: size, shape, blocklist, packaging, loader."""

from __future__ import annotations

import hashlib
import re
from importlib.resources import files
from pathlib import Path

import pytest

from kring.core.codenames.wordlists import LANGUAGES, LIST_SIZE, build_spanish, load_wordlist
from kring.core.codenames.wordlists.build_common import Blocklist, read_lines, render
from kring.core.codenames.wordlists.build_dutch import SOURCE, SOURCE_SHA256, build

PACKAGE = "kring.core.codenames.wordlists"
# The EFF list as published has four hyphenated entries; all others are a-z.
EFF_HYPHENATED = {"drop-down", "felt-tip", "t-shirt", "yo-yo"}
EFF_SHA256 = "6d557f0693958fb5e650b68b5bee585eb82cf4da32965505c789e924743bc522"


def _resource_text(name: str) -> str:
    return files(PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _blocklist() -> Blocklist:
    return Blocklist.parse(_resource_text("nl_blocklist.txt"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_list_has_7776_unique_words(language: str) -> None:
    words = load_wordlist(language)
    assert len(words) == LIST_SIZE == 7776
    assert len(set(words)) == LIST_SIZE


@pytest.mark.parametrize("language", LANGUAGES)
def test_file_is_one_lowercase_word_a_line(language: str) -> None:
    text = _resource_text(f"{language}.txt")
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == LIST_SIZE
    assert all(line == line.strip().lower() and line for line in lines)


def test_english_words_are_letters_except_the_four_eff_hyphenated() -> None:
    words = load_wordlist("en")
    odd = {w for w in words if not re.fullmatch(r"[a-z]+", w)}
    assert odd == EFF_HYPHENATED
    assert all(re.fullmatch(r"[a-z]+-[a-z]+", w) for w in odd)


def test_english_is_the_unchanged_eff_large_list() -> None:
    data = files(PACKAGE).joinpath("en.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == EFF_SHA256


def test_dutch_words_are_3_to_9_ascii_letters_and_sorted() -> None:
    words = load_wordlist("nl")
    assert all(re.fullmatch(r"[a-z]{3,9}", w) for w in words)
    assert list(words) == sorted(words)


def test_no_blocklisted_word_or_stem_in_dutch() -> None:
    blocklist = _blocklist()
    assert blocklist.stems and blocklist.exact
    words = load_wordlist("nl")
    assert not blocklist.exact & set(words)
    hits = {(stem, w) for w in words for stem in blocklist.stems if stem in w}
    assert not hits


def test_blocklist_parsing() -> None:
    blocklist = Blocklist.parse("# comment\nkut  # stem\n=etter\n\n")
    assert blocklist.blocks("kutje")
    assert blocklist.blocks("etter")
    assert not blocklist.blocks("letter")
    with pytest.raises(ValueError, match="lower-case"):
        Blocklist.parse("Kut\n")


@pytest.mark.parametrize(("first", "second"), [("en", "nl"), ("en", "es"), ("nl", "es")])
def test_lists_do_not_share_words(first: str, second: str) -> None:
    assert not set(load_wordlist(first)) & set(load_wordlist(second))


def test_loader_caches_and_rejects_other_languages() -> None:
    assert LANGUAGES == ("en", "nl", "es")
    assert load_wordlist("nl") is load_wordlist("nl")
    assert isinstance(load_wordlist("en"), tuple)
    for bad in ("de", "EN", ""):
        with pytest.raises(ValueError, match="no word list"):
            load_wordlist(bad)


def test_provenance_is_shipped_with_the_lists() -> None:
    text = _resource_text("PROVENANCE.md")
    for fact in (
        "CC BY 3.0 US",
        "Electronic Frontier Foundation",
        "wdutch",
        "OpenTaal",
        "wspanish",
        "Public Domain",
    ):
        assert fact in text


def test_dutch_build_is_deterministic_on_a_small_source() -> None:
    source = [
        "huis",
        "deur",
        "huisdeur",
        "boerenhuis",
        "boer",
        "deurbel",
        "bel",
        "Piet",
        "piet",
        "kutje",
        "letter",
        "letterkast",
        "kast",
        "actie",
        "water",
    ]
    blocklist = Blocklist.parse("kut\n=etter\n")
    first = build(source, ["water"], blocklist, size=4)
    assert first == build(list(reversed(source)), ["water"], blocklist, size=4)
    assert first == sorted(first)
    assert {"piet", "kutje", "actie", "water"}.isdisjoint(first)
    assert "huis" in first and "deur" in first
    with pytest.raises(ValueError, match="candidates"):
        build(source, [], blocklist, size=100)


@pytest.mark.slow
def test_dutch_list_is_reproducible_from_the_debian_package() -> None:
    if not SOURCE.exists():
        pytest.skip(f"{SOURCE} missing: apt-get install wdutch")
    if hashlib.sha256(SOURCE.read_bytes()).hexdigest() != SOURCE_SHA256:
        pytest.skip(f"{SOURCE} is not the wdutch version recorded in build_dutch.py")
    english = _resource_text("en.txt").split()
    words = build(read_lines(Path(SOURCE)), english, _blocklist())
    assert render(words) == _resource_text("nl.txt")


def test_spanish_words_are_4_to_9_ascii_letters_and_sorted() -> None:
    words = load_wordlist("es")
    assert all(re.fullmatch(r"[a-z]{4,9}", w) for w in words)
    assert list(words) == sorted(words)
    # The normalisation keeps no accent and no ñ: every word types on any keyboard.
    assert all(w.isascii() for w in words)


def test_no_blocklisted_word_or_stem_in_spanish() -> None:
    blocklist = Blocklist.parse(_resource_text("es_blocklist.txt"))
    assert {"mierda", "marica", "asesin"} <= set(blocklist.stems)
    assert {"puta", "ano", "negro", "muerte"} <= blocklist.exact
    words = load_wordlist("es")
    assert not blocklist.exact & set(words)
    assert not {(stem, w) for w in words for stem in blocklist.stems if stem in w}


def test_spanish_list_has_everyday_words() -> None:
    words = set(load_wordlist("es"))
    assert {"casa", "agua", "camino", "semana", "libro", "arbol", "campo"} <= words


def test_spanish_normalisation_drops_accents_and_words_with_enye() -> None:
    normalise = build_spanish.normalise
    assert normalise("árbol") == "arbol"
    assert normalise("pingüino") == "pinguino"
    assert normalise("Canción") == "cancion"
    assert normalise("año") is None
    assert normalise("niño") is None


def test_spanish_build_is_deterministic_on_a_small_source() -> None:
    source = [
        "casa", "casero", "casona", "caserío", "árbol", "arbolado", "arbolito",
        "año", "añoso", "kilo", "kilito", "disputa", "puta", "water", "camino",
        "caminito", "caminero", "sol", "solar",
    ]  # fmt: skip
    blocklist = Blocklist.parse("=puta\n")
    first = build_spanish.build(source, ["water"], blocklist, size=4)
    assert first == build_spanish.build(list(reversed(source)), ["water"], blocklist, size=4)
    assert first == sorted(first)
    # casa, arbol and camino have two derivatives each; of the words with
    # none, solar is the shortest (sol is too short, kilo has a k).
    assert first == ["arbol", "camino", "casa", "solar"]
    assert {"puta", "water", "kilo", "sol"}.isdisjoint(first)
    assert not any("ñ" in w or not w.isascii() for w in first)
    with pytest.raises(ValueError, match="candidates"):
        build_spanish.build(source, [], blocklist, size=100)


@pytest.mark.slow
def test_spanish_list_is_reproducible_from_the_debian_package() -> None:
    source = build_spanish.SOURCE
    if not source.exists():
        pytest.skip(f"{source} missing: apt-get install wspanish (scripts/setup.sh --dev)")
    if hashlib.sha256(source.read_bytes()).hexdigest() != build_spanish.SOURCE_SHA256:
        pytest.skip(f"{source} is not the wspanish version recorded in build_spanish.py")
    others = [*_resource_text("en.txt").split(), *_resource_text("nl.txt").split()]
    blocklist = Blocklist.parse(_resource_text("es_blocklist.txt"))
    words = build_spanish.build(read_lines(source), others, blocklist)
    assert render(words) == _resource_text("es.txt")
