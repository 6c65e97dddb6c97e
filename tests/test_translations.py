"""The Dutch and Spanish catalogues are complete: every UI string of both apps is translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "kring" / "translations"
CATALOGUES = ("nl", "es")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def _po(language: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _template():  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", CATALOGUES)
def test_no_untranslated_or_fuzzy_string(language: str) -> None:
    catalogue = _po(language)
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (
            not (message.string if isinstance(message.string, str) else all(message.string))
            or message.fuzzy
        )
    ]
    assert untranslated == [], (
        f"{len(untranslated)} {language} msgstr missing or fuzzy: {untranslated}"
    )


@pytest.mark.parametrize("language", CATALOGUES)
def test_catalogue_covers_the_template(language: str) -> None:
    catalogue = _po(language)
    missing = [m.id for m in _template() if m.id and m.id not in catalogue]
    assert missing == [], f"run pybabel update: {missing}"


def test_template_has_every_string_of_both_apps() -> None:
    """messages.pot is what `pybabel extract` gives now (no string of either app is left out)."""
    from babel.messages.extract import extract_from_dir

    root = TRANSLATIONS.parent
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(root), method_map)
    }
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _template() if m.id}
    assert sorted(found - template) == [], "run pybabel extract (see docs/operations.md)"
    # Strings of both apps are in it.
    assert "Your codename" in template and "Annual report %(year)s" in template


@pytest.mark.parametrize("language", CATALOGUES)
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    catalogue = _po(language)
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)

    def compiled_string(message_id: object) -> object:
        entry = compiled.get(message_id)
        if entry is None:
            return None
        return tuple(entry.string) if isinstance(entry.string, list) else entry.string

    stale = [m.id for m in catalogue if m.id and m.string and compiled_string(m.id) != m.string]
    assert stale == [], f"run pybabel compile: {stale}"


@pytest.mark.parametrize("language", CATALOGUES)
def test_placeholders_survive_translation(language: str) -> None:
    for message in _po(language):
        if isinstance(message.id, str) and isinstance(message.string, str) and message.string:
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
                PLACEHOLDER.findall(message.string)
            ), message.id
        elif isinstance(message.id, tuple):
            # Plural forms: the "other" form keeps every placeholder of the
            # English plural; no form brings in one that English does not have.
            plural = sorted(PLACEHOLDER.findall(message.id[1]))
            forms = list(message.string)
            assert len(forms) == 2, message.id
            assert sorted(PLACEHOLDER.findall(forms[-1])) == plural, message.id
            for form in forms:
                assert set(PLACEHOLDER.findall(form)) <= set(plural), message.id


def test_spanish_plural_forms_are_the_gettext_rule() -> None:
    catalogue = _po("es")
    assert catalogue.num_plurals == 2
    assert catalogue.plural_expr == "(n != 1)"


def test_spanish_is_really_spanish() -> None:
    """Not a copy of the English: the reporter's key sentences read in Spanish."""
    catalogue = _po("es")
    same = [m.id for m in catalogue if m.id and m.string == m.id and len(str(m.id)) > 12]
    assert same == []
    assert catalogue["Your codename"].string == "Tu nombre en clave"
    assert catalogue["Send securely"].string == "Enviar de forma segura"
