"""The store: ciphertext files under ``store/<lookup-id>/``.

Invariant: only ciphertext is ever written here. Every file is created under
a temporary name in its final folder, fsync'd, then renamed, so a crash or an
aborted upload never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import IO

_LOOKUP_RE = re.compile(r"^[0-9a-f]{32,128}$")
_BLOB_RE = re.compile(r"^[0-9a-f]{32}\.gpg$")
TEMP_PREFIX = ".partial-"


class StoreError(Exception):
    """A path given to the store is not one the store made."""


class Store:
    """Ciphertext files, one folder per conversation."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, lookup_id: str) -> Path:
        """The folder of one conversation (validated: no path tricks)."""
        if not _LOOKUP_RE.match(lookup_id):
            raise StoreError("bad lookup id")
        return self.root / lookup_id

    def blob_path(self, lookup_id: str, blob_name: str) -> Path:
        """Path of a stored ciphertext file."""
        if not _BLOB_RE.match(blob_name):
            raise StoreError("bad blob name")
        return self.folder(lookup_id) / blob_name

    def open_temp(self, lookup_id: str) -> tuple[Path, IO[bytes]]:
        """Create a new temp file for ciphertext in the conversation's folder."""
        folder = self.folder(lookup_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{TEMP_PREFIX}{secrets.token_hex(16)}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        return path, os.fdopen(fd, "wb")

    def publish(self, lookup_id: str, temp_path: Path, handle: IO[bytes]) -> str:
        """fsync and rename a finished temp file; return its blob name."""
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        blob_name = f"{secrets.token_hex(16)}.gpg"
        final = self.blob_path(lookup_id, blob_name)
        os.rename(temp_path, final)
        self._fsync_folder(final.parent)
        return blob_name

    def write_blob(self, lookup_id: str, ciphertext: bytes) -> str:
        """Store a small ciphertext atomically; return its blob name."""
        temp_path, handle = self.open_temp(lookup_id)
        try:
            handle.write(ciphertext)
            return self.publish(lookup_id, temp_path, handle)
        except BaseException:
            self.discard(temp_path, handle)
            raise

    @staticmethod
    def discard(temp_path: Path, handle: IO[bytes] | None = None) -> None:
        """Remove a temp file (aborted upload, failed encryption)."""
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()

    def delete_blob(self, lookup_id: str, blob_name: str) -> None:
        """Delete one ciphertext file (missing is fine: deletion is idempotent)."""
        with contextlib.suppress(FileNotFoundError):
            self.blob_path(lookup_id, blob_name).unlink()

    def delete_folder(self, lookup_id: str) -> None:
        """Delete a whole conversation's ciphertext."""
        shutil.rmtree(self.folder(lookup_id), ignore_errors=True)

    def remove_empty_folder(self, lookup_id: str) -> None:
        """Remove the folder if an aborted first upload left it empty."""
        with contextlib.suppress(OSError):
            self.folder(lookup_id).rmdir()

    @staticmethod
    def _fsync_folder(folder: Path) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
