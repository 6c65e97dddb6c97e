"""Login throttling, per lookup id and across the whole instance."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable


class LoginThrottled(Exception):
    """Too many codename attempts; the reporter should wait a minute."""


class LoginThrottle:
    """Sliding one-minute windows of login attempts, kept in memory only.

    Invariant: keyed by lookup id (a hash), never by IP address or codename;
    nothing is persisted. The global window also bounds how much argon2 work
    strangers can make the server do.
    """

    def __init__(
        self,
        *,
        per_lookup_per_minute: int,
        global_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_lookup = per_lookup_per_minute
        self._global = global_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._all: collections.deque[float] = collections.deque()
        self._by_lookup: dict[str, collections.deque[float]] = {}

    def _prune(self, window: collections.deque[float], now: float) -> None:
        while window and window[0] <= now - 60:
            window.popleft()

    def check_global(self) -> None:
        """Count an attempt against the instance-wide limit (before any KDF work)."""
        now = self._clock()
        with self._lock:
            self._prune(self._all, now)
            if len(self._all) >= self._global:
                raise LoginThrottled("too many attempts on this server")
            self._all.append(now)

    def check_lookup(self, lookup_id: str) -> None:
        """Count an attempt against one lookup id's limit."""
        now = self._clock()
        with self._lock:
            window = self._by_lookup.setdefault(lookup_id, collections.deque())
            self._prune(window, now)
            if len(window) >= self._per_lookup:
                raise LoginThrottled("too many attempts for this codename")
            window.append(now)
            # Forget idle windows so memory stays bounded.
            if len(self._by_lookup) > 10_000:
                for key in [k for k, w in self._by_lookup.items() if not w or w[-1] <= now - 60]:
                    del self._by_lookup[key]
