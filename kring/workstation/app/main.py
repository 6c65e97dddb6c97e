"""``kring-workstation app``: start the desktop app."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from kring.workstation.app.i18n import system_language
from kring.workstation.app.window import MainWindow

SETTINGS_NAME = "kring-workstation-app.ini"


def settings_for(home: Path) -> QSettings:
    """Settings (language, key folder: nothing about any report) beside the key folder.

    On Tails the key folder lives in the Persistent Storage, so the choices
    survive a restart there too.
    """
    return QSettings(str(home.parent / SETTINGS_NAME), QSettings.Format.IniFormat)


def build_window(home: Path, language: str | None = None) -> MainWindow:
    """The main window for the key folder ``home`` (or the one chosen earlier)."""
    settings = settings_for(home)
    chosen_home = Path(str(settings.value("gnupg_home", str(home))))
    remembered = settings.value("language", "")
    return MainWindow(
        home=chosen_home,
        cases=home.parent / "cases",
        language=language or (str(remembered) if remembered else system_language()),
        settings=settings,
    )


def run(home: Path, language: str | None = None, argv: Sequence[str] = ()) -> int:
    """Start the app and return its exit code when the window closes."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("Kring workstation")
    QApplication.setDesktopFileName("kring-workstation")  # matches the .desktop file
    window = build_window(home, language)
    window.show()
    return int(app.exec())
