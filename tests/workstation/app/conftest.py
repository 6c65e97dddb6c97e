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

from kring.workstation.checks import Finding
from kring_devkit.xvfb import XvfbUnavailable, start_xvfb


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


def wait_until(qtbot: QtBot, window: object, condition: Callable[[], object],
               timeout_s: float = 180) -> None:
    """Wait for ``condition`` while Qt runs; on a time-out say what every page showed.

    The machine may be shared and loaded (gpg's agent starting, mat2): the
    limit is generous, and a failure names the messages the app displayed.
    """
    from pytestqt.exceptions import TimeoutError as QtTimeout

    try:
        qtbot.waitUntil(lambda: bool(condition()), timeout=int(timeout_s * 1000))
    except QtTimeout as exc:
        from kring.workstation.app.widgets import MessageBar

        said = [bar.text() for bar in window.findChildren(MessageBar) if bar.text()]  # type: ignore[attr-defined]
        page = getattr(window, "open_page", None)
        state = {
            "current page": type(window.stack.currentWidget()).__name__,  # type: ignore[attr-defined]
            "open job": page is not None and page.job is not None,
            "bytes": page.bytes.text() if page is not None else "",
        }
        raise AssertionError(f"timed out after {timeout_s} s; app showed {said}; {state}") from exc
