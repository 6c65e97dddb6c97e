"""The Dutch catalogue is complete: every UI string has a Dutch translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "kring" / "translations"


def _po(language: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_no_untranslated_string_in_the_dutch_catalogue() -> None:
    catalogue = _po("nl")
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (
            not (message.string if isinstance(message.string, str) else all(message.string))
            or message.fuzzy
        )
    ]
    assert untranslated == [], f"{len(untranslated)} Dutch msgstr missing or fuzzy: {untranslated}"


def test_dutch_catalogue_covers_the_template() -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    catalogue = _po("nl")
    missing = [m.id for m in template if m.id and m.id not in catalogue]
    assert missing == [], f"run pybabel update: {missing}"


def test_compiled_catalogue_matches_the_po_file() -> None:
    catalogue = _po("nl")
    with (TRANSLATIONS / "nl" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)
    stale = [m.id for m in catalogue if m.id and m.string and compiled.get(m.id) is None]
    assert stale == [], f"run pybabel compile: {stale}"


def test_placeholders_survive_translation() -> None:
    import re

    placeholder = re.compile(r"%\([a-z_]+\)s")
    for message in _po("nl"):
        if isinstance(message.id, str) and isinstance(message.string, str) and message.string:
            assert sorted(placeholder.findall(message.id)) == sorted(
                placeholder.findall(message.string)
            ), message.id
