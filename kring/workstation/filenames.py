"""Turning a file name chosen by a reporter into a safe name on the workstation."""

from __future__ import annotations

import unicodedata
from pathlib import Path

_MAX_NAME_BYTES = 200
# Characters that Windows and many USB sticks (FAT) refuse, plus the path separators.
_FORBIDDEN = set('<>:"|?*/\\')
# gpg's "for your eyes only" marker is not a real file name.
_GPG_CONSOLE = "_CONSOLE"


def sanitise_filename(raw: str, fallback: str) -> str:
    """A file name that is safe to create: one path component, printable, bounded.

    Invariant: the result never contains a path separator, never is ``.`` or
    ``..``, never starts with a dot (no hidden files) and has no control or
    bidi-override characters that could disguise its extension; when nothing
    usable is left, ``fallback`` is used.
    """
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if (c.isprintable() or c == " ") and c not in _FORBIDDEN)
    name = " ".join(name.split()).strip(" .")
    if not name or name == _GPG_CONSOLE:
        name = fallback
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            stem, ext = name, ""
        budget = _MAX_NAME_BYTES - len(ext.encode("utf-8")) - 1
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(" .")
        name = f"{stem}.{ext}" if ext else stem
    return name


def free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem (2).ext`` etc. if that exists: never overwrite."""
    candidate = folder / name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = folder / (f"{stem} ({number}).{ext}" if ext else f"{stem} ({number})")
        number += 1
    return candidate
