"""Whether the store has room for a submission of a given size, asked before reading it.

A submission announces its size (Content-Length) before its first byte. If
the disk holding the store would keep less than ``store_min_free_mb`` after
it, the submission is refused before any of it is read or encrypted, so
nobody can fill the server's disk with uploads and nothing is half stored.
Ciphertext is about the size of the plaintext (no compression), so the
announced size is a fair estimate of what it would take.
"""

from __future__ import annotations

import shutil

from kring.core.context import CoreContext


def room_for(ctx: CoreContext, announced_bytes: int | None) -> bool:
    """False when storing ``announced_bytes`` would leave the disk below the reserve."""
    usage = shutil.disk_usage(ctx.settings.store_dir)
    reserve = ctx.settings.store_min_free_mb * 1_000_000
    return usage.free - (announced_bytes or 0) >= reserve
