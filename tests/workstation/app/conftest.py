"""The desktop app under a real X server: Debian's Xvfb, started here, DISPLAY set.

Every GUI test drives the real MainWindow through its widgets with real gpg
and bundles from the server's bundle writer (the fixtures of
tests/workstation/conftest.py). ``KRING_SCREENSHOT_DIR=docs/screenshots/workstation``
also saves a screenshot of each screen the tests reach.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kring.workstation.checks import Finding


def _start_xvfb(binary: str) -> tuple[subprocess.Popen[bytes], int]:
    # A display number of our own (other sessions on this machine run X
    # servers too): the first one without a lock file, then wait for its
    # socket; a number taken meanwhile makes Xvfb exit, and the next is tried.
    for number in range(random.randint(100, 400), 500):
        if Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen(
            [binary, f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp",
             "-noreset"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                time.sleep(0.2)
                if proc.poll() is None:
                    return proc, number
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    pytest.fail("Xvfb did not start on any display")


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """A private X display for the session (never skipped: CI has xvfb from setup.sh)."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.fail("Xvfb is missing: scripts/setup.sh --dev installs Debian's xvfb")
    proc, number = _start_xvfb(binary)
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
def make_window(qtbot, tmp_path: Path) -> Callable[..., object]:  # type: ignore[no-untyped-def]
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
def screenshot(qtbot) -> Callable[[object, str], None]:  # type: ignore[no-untyped-def]
    """Save the window as <name>.png into $KRING_SCREENSHOT_DIR (when set)."""
    folder = os.environ.get("KRING_SCREENSHOT_DIR")

    def shoot(window, name: str) -> None:  # type: ignore[no-untyped-def]
        qtbot.wait(50)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            assert window.grab().save(str(Path(folder) / f"{name}.png"))

    return shoot
