"""Whether the store has room for a submission of a given size, asked before reading it.

A submission announces its size (Content-Length) before its first byte. It is
refused before any of it is read or encrypted when, after it,

- the disk holding the store would keep less than ``store_min_free_mb``,
- the store would hold more than ``store_quota_mb`` in all, or
- the reporter's conversation would hold more than ``conversation_quota_mb``,

so nobody can fill the server's disk with uploads, one conversation cannot
take the room of all others, and nothing is half stored. Ciphertext is about
the size of the plaintext (no compression), so the announced size is a fair
estimate of what it would take.

What is counted is what is on disk under the store: every file, temp files
of uploads in progress included (they take room too). Sizes only; no name or
time of a file is read or kept.
"""

from __future__ import annotations

import enum
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kring.core.context import CoreContext
from kring.core.storage.store import StoreError

_MB = 1_000_000


class NoRoom(enum.Enum):
    """Why a submission does not fit."""

    DISK = "disk"  # the disk would fall below its floor
    STORE = "store"  # the instance's quota would be passed
    CONVERSATION = "conversation"  # this conversation's cap would be passed


def bytes_under(path: Path) -> int:
    """The bytes of every regular file under ``path`` (0 if it does not exist).

    Uses lstat through scandir: reads no file, follows no link, and touches
    no access time.
    """
    total = 0
    try:
        entries = list(os.scandir(path))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                total += bytes_under(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
        except FileNotFoundError:
            continue  # removed while we counted (a finished sweep, a discard)
    return total


def refusal(ctx: CoreContext, announced_bytes: int | None, lookup_id: str) -> NoRoom | None:
    """Why storing ``announced_bytes`` more in ``lookup_id``'s conversation does not fit.

    None when it fits. The cheapest check (the disk) comes first; the
    conversation's folder is counted before the whole store.
    """
    s = ctx.settings
    announced = announced_bytes or 0
    if shutil.disk_usage(s.store_dir).free - announced < s.store_min_free_mb * _MB:
        return NoRoom.DISK
    try:
        folder = ctx.store.folder(lookup_id)
    except StoreError:
        folder = None
    if folder is not None and bytes_under(folder) + announced > s.conversation_quota_mb * _MB:
        return NoRoom.CONVERSATION
    if bytes_under(s.store_dir) + announced > s.store_quota_mb * _MB:
        return NoRoom.STORE
    return None


@dataclass(frozen=True)
class StoreRoom:
    """How full the store and its disk are, for the admins' warning."""

    used_bytes: int
    quota_bytes: int
    disk_free_bytes: int
    floor_bytes: int
    warning_percent: int

    @property
    def used_percent(self) -> int:
        """The share of the quota in use, rounded down."""
        return self.used_bytes * 100 // max(self.quota_bytes, 1)

    @property
    def near_quota(self) -> bool:
        """The store holds ``warning_percent`` of its quota or more."""
        return self.used_percent >= self.warning_percent

    @property
    def near_floor(self) -> bool:
        """The disk's free space above its floor is less than what the warning leaves.

        With a 90 % warning: less than a tenth of the quota is left above the
        floor, so new submissions will soon be refused for the disk.
        """
        headroom = self.quota_bytes * (100 - self.warning_percent) // 100
        return self.disk_free_bytes - self.floor_bytes < headroom

    @property
    def warn(self) -> bool:
        """Whether admins should be told."""
        return self.near_quota or self.near_floor


def store_room(ctx: CoreContext) -> StoreRoom:
    """The store's use against its quota and the disk's free space against its floor."""
    s = ctx.settings
    return StoreRoom(
        used_bytes=bytes_under(s.store_dir),
        quota_bytes=s.store_quota_mb * _MB,
        disk_free_bytes=shutil.disk_usage(s.store_dir).free,
        floor_bytes=s.store_min_free_mb * _MB,
        warning_percent=s.store_warning_percent,
    )
