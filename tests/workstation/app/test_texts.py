"""The app's texts: every one has its Dutch form; language choice; strength meter; menu entry."""

from __future__ import annotations

import ast
import configparser
import string
from pathlib import Path

import pytest

import kring.workstation.app as app_package
from kring.workstation import cli
from kring.workstation.app import checks_banner, conversation_page, setup_page
from kring.workstation.app.catalogue_nl import DUTCH
from kring.workstation.app.desktop_entry import install_desktop_entry
from kring.workstation.app.i18n import Translator, system_language
from kring.workstation.app.strength import estimate


def _shown_texts() -> set[str]:
    """Every literal the app passes to t(...), bind(setter, ...) or a control of
    kring.workstation.app.controls (button, labelled_row, path_row, title_and_intro),
    plus its word tables."""
    found: set[str] = set()
    for path in Path(app_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            indexes = {
                "t": [0], "bind": [1], "n": [0, 1],
                "button": [1], "labelled_row": [2], "path_row": [2], "title_and_intro": [2, 3],
            }.get(name, [])
            for index in indexes:
                if len(node.args) > index:
                    arg = node.args[index]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    found |= set(checks_banner._HEADLINES.values()) | set(setup_page._LEVELS.values())
    found |= set(conversation_page._MONTHS) | set(conversation_page._KINDS.values())
    found |= set(conversation_page._TYPES.values()) | set(conversation_page._AUTHORSHIP.values())
    return found


def test_every_text_the_app_shows_has_a_dutch_form_and_none_is_stale() -> None:
    shown = _shown_texts()
    assert len(shown) > 100
    assert sorted(shown - DUTCH.keys()) == []
    assert sorted(DUTCH.keys() - shown) == []


def test_placeholders_survive_translation() -> None:
    def names(text: str) -> list[str]:
        return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field)

    for english, dutch in DUTCH.items():
        assert names(dutch) == names(english), english


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANGUAGE": "nl:en", "LANG": "en_GB.UTF-8"}, "nl"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "nl_NL.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_system_language_decides_the_default(environ: dict[str, str], expected: str) -> None:
    assert system_language(environ) == expected


def test_counts_take_the_singular_only_for_one() -> None:
    one, many = "{count} item is not proven to come from the reporter.", (
        "{count} items are not proven to come from the reporter.")
    assert Translator("en").n(one, many, 1) == "1 item is not proven to come from the reporter."
    assert Translator("nl").n(one, many, 3).startswith("3 onderdelen zijn")
    assert Translator("nl").n(one, many, 0).startswith("0 onderdelen")


def test_translator_fills_values_in_both_languages() -> None:
    assert Translator("nl")("Files ({count})", count=3) == "Bestanden (3)"
    assert Translator("en")("Files ({count})", count=3) == "Files (3)"
    assert Translator("fr").language == "en"


@pytest.mark.parametrize(
    ("passphrase", "level"),
    [
        ("short", "too short"),
        ("aaaaaaaaaaaaaaaa", "weak"),
        ("123456789012345", "weak"),
        ("abcdefghijklmnop", "weak"),
        ("tulpen fiets 42", "fair"),
        ("correct horse battery staple", "strong"),
        ("Kr!ng-vertrouwen 2026 ~ molen", "strong"),
    ],
)
def test_strength_meter(passphrase: str, level: str) -> None:
    verdict = estimate(passphrase)
    assert verdict.level == level
    assert verdict.acceptable == (level != "too short")


def test_the_menu_entry_starts_this_installation(tmp_path: Path) -> None:
    entry = install_desktop_entry(tmp_path)
    assert entry == tmp_path / "applications" / "kring-workstation.desktop"
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]
    parsed.read(entry)
    desktop = parsed["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Terminal"] == "false"
    assert desktop["Name[nl]"] == "Kring-werkstation"
    command = desktop["Exec"]
    assert command.endswith(" app") and Path(command.removesuffix(" app")).is_absolute()


def test_cli_has_the_app_command() -> None:
    args = cli.build_parser().parse_args(["app", "--language", "nl"])
    assert args.handler is cli.cmd_app and args.language == "nl"


def test_signal_emit_keeps_bool_refcounts(qapp) -> None:  # type: ignore[no-untyped-def]
    # PySide6 6.12.0 drops a reference to True or False on every emit from
    # Python; an open of a 500 MB bundle emits ~500 progress signals and the
    # interpreter aborts (pyproject pins PySide6 below 6.12 for this).
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ticked = Signal(int, int)

    emitter = Emitter()
    emitter.ticked.connect(lambda _done, _total: None)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for done in range(300):
        emitter.ticked.emit(done, 300)
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before


def test_the_app_has_no_network_code() -> None:
    forbidden = ("QtNetwork", "QtWebEngine", "socket", "urllib.request", "http.client",
                 "requests", "QNetwork", "ssl")
    for path in Path(app_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                module = getattr(node, "module", None) or ""
                for name in [module, *names]:
                    assert not any(bad in name for bad in forbidden), (path.name, name)
