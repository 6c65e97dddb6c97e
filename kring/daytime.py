"""The start of the UTC day: the only time Kring lets a file or folder show.

A stdlib-only leaf, so that the store (kring.core) and the gpg homes (kring.crypto) set
times by the same clock without crypto importing the domain.
"""

from __future__ import annotations

import time

DAY_NS = 86_400 * 10**9


def day_start_ns(now_ns: int | None = None) -> int:
    """The start of the UTC day holding ``now_ns`` (default: now), in nanoseconds."""
    now = time.time_ns() if now_ns is None else now_ns
    return now - now % DAY_NS
