"""The applications-menu entry (a freedesktop .desktop file) for the desktop app."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from importlib import resources
from pathlib import Path

from kring.atomic import write_atomic

ENTRY_NAME = "kring-workstation.desktop"


def desktop_entry_text(command: str) -> str:
    """The shipped .desktop file with ``Exec`` set to ``command app``."""
    text = resources.files("kring.workstation.app").joinpath("data", ENTRY_NAME).read_text()
    return text.replace("Exec=kring-workstation app", f"Exec={command} app")


def install_desktop_entry(data_home: Path | None = None) -> Path:
    """Write the menu entry into ``$XDG_DATA_HOME/applications`` (the user's own menu).

    Invariant: ``Exec`` names this installation's ``kring-workstation`` by its
    absolute path, so the menu starts the venv's copy even when the venv is
    not on PATH (Tails' Persistent Storage). The file is replaced atomically.
    """
    base = data_home or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
    folder = base / "applications"
    folder.mkdir(parents=True, exist_ok=True)
    script = Path(sys.executable).parent / "kring-workstation"
    found = shutil.which("kring-workstation") or "kring-workstation"
    command = str(script) if script.exists() else found
    target = folder / ENTRY_NAME
    return write_atomic(target, desktop_entry_text(shlex.quote(command)).encode(), mode=0o644)
