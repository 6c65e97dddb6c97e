"""``kring-workstation app``: start the desktop app."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from kring.workstation.app.i18n import system_language
from kring.workstation.app.window import MainWindow

SETTINGS_NAME = "kring-workstation-app.ini"


@contextlib.contextmanager
def qt_state_in_memory() -> Iterator[Path]:
    """Keep what Qt itself remembers (its file dialog's last folders, in
    ``~/.config/QtProject.conf``) in a private tmpfs folder removed afterwards.

    Invariant: while this is active, Qt's user-scope settings go to a 0700
    folder in /dev/shm, so no folder name of a case (a conversation's
    designation) is left in a config file on disk; the app's own settings
    file is named explicitly and is unaffected.
    """
    base = Path("/dev/shm")  # noqa: S108 - mkdtemp below gives a private 0700 folder
    folder = Path(tempfile.mkdtemp(prefix="kring-qt-", dir=base if base.is_dir() else None))
    for form in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(form, QSettings.Scope.UserScope, str(folder))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
    with qt_state_in_memory():
        window = build_window(home, language)
        window.show()
        code = int(app.exec())
        window.deleteLater()
        app.processEvents()  # the file dialogs write their state now, into the tmpfs
    return code
