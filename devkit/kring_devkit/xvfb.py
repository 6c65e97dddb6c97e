"""Starting Debian's Xvfb on a display of its own (GUI tests and the workstation bench)."""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path


class XvfbUnavailable(RuntimeError):
    """Xvfb is not installed, or it did not start on any display tried."""


def start_xvfb(first: int | None = None, tries: int = 100) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``Xvfb :N`` (1280x1024, no TCP) and return the process and N once it listens.

    Invariant: the display is one nobody holds (no lock file); when another
    session takes the same number meanwhile, Xvfb exits and the next number
    is tried, so parallel runs on one machine never share or steal a display.
    """
    binary = shutil.which("Xvfb")
    if binary is None:
        raise XvfbUnavailable("Xvfb is missing: scripts/setup.sh --dev installs Debian's xvfb")
    start = random.randint(100, 400) if first is None else first  # noqa: S311 - not secret
    for number in range(start, start + tries):
        if Path(f"/tmp/.X{number}-lock").exists():  # noqa: S108 - X's own lock files
            continue
        proc = subprocess.Popen(
            [binary, f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp",
             "-noreset"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():  # noqa: S108
                time.sleep(0.2)
                if proc.poll() is None:
                    return proc, number
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise XvfbUnavailable("Xvfb did not start on any display")
