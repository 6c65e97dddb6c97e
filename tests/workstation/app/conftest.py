"""The desktop app under a real X server: Debian's Xvfb, started here, DISPLAY set.

Every GUI test drives the real MainWindow through its widgets with real gpg
and bundles from the server's bundle writer (the fixtures of
tests/workstation/conftest.py). ``KRING_SCREENSHOT_DIR=docs/screenshots/workstation``
also saves a screenshot of each screen the tests reach.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kring.devtools.xvfb import XvfbUnavailable, start_xvfb
from kring.workstation.checks import Finding


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """A private X display for the session (never skipped: CI has xvfb from setup.sh)."""
    try:
        proc, number = start_xvfb()
    except XvfbUnavailable as exc:
        pytest.fail(str(exc))
    saved = {name: os.environ.get(name) for name in ("DISPLAY", "QT_QPA_PLATFORM")}
    os.environ["DISPLAY"] = f":{number}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    yield os.environ["DISPLAY"]
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def qapp(xvfb: str) -> object:
    """pytest-qt's QApplication, created only once the X display exists."""
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["kring-workstation-test"])


Findings = list[Finding]


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path) -> Callable[..., object]:
    """A MainWindow on ``home``; the safety checks answer ``findings`` (default: all well)."""
    from kring.workstation.app.window import MainWindow

    def make(home: Path, *, language: str = "en", findings: Findings | None = None,
             cases: Path | None = None) -> MainWindow:
        window = MainWindow(
            home=home,
            cases=cases or tmp_path / "cases",
            language=language,
            checker=lambda _home: list(findings or []),
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def screenshot(qtbot: QtBot) -> Callable[[object, str], None]:
    """Save the window as <name>.png into $KRING_SCREENSHOT_DIR (when set)."""
    folder = os.environ.get("KRING_SCREENSHOT_DIR")

    def shoot(window, name: str) -> None:  # type: ignore[no-untyped-def]
        qtbot.wait(50)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            assert window.grab().save(str(Path(folder) / f"{name}.png"))

    return shoot
