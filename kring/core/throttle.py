"""Login throttling for both apps: sliding one-minute windows, kept in memory only.

One implementation, two uses:

- reporters (``LoginThrottle``): every codename attempt counts, per lookup id
  and across the whole instance, before any argon2 work;
- confidants (``FailureThrottle``): only failed attempts count, per username.

Invariant: windows are keyed by a lookup id (a hash) or a username, never by
IP address or codename; nothing is persisted, and idle windows are forgotten
so memory stays bounded.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

from kring.core.errors import KringError

WINDOW_SECONDS = 60
# Confidants: failed logins per username per minute.
FAILURES_PER_MINUTE = 5
# Above this many keys, windows idle for a whole minute are dropped.
_MAX_KEYS = 10_000


class LoginThrottled(KringError):
    """Too many attempts in the last minute; the user should wait a minute."""


class MinuteWindows:
    """Per-key counts of events in the last minute, with a limit per key.

    Invariant: ``is_full`` is true while a key already has ``limit`` events in
    the last ``WINDOW_SECONDS``; thread-safe; holds at most about ``_MAX_KEYS``
    keys that saw an event in the last minute plus the idle ones not yet pruned.
    """

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, collections.deque[float]] = {}

    def _window(self, key: str, now: float) -> collections.deque[float]:
        window = self._windows.setdefault(key, collections.deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        return window

    def _forget_idle(self, now: float) -> None:
        if len(self._windows) > _MAX_KEYS:
            for key in [
                k for k, w in self._windows.items() if not w or w[-1] <= now - WINDOW_SECONDS
            ]:
                del self._windows[key]

    def check(self, key: str, message: str) -> None:
        """Raise LoginThrottled(``message``) when ``key`` is at its limit; count nothing."""
        with self._lock:
            if len(self._window(key, self._clock())) >= self._limit:
                raise LoginThrottled(message)

    def record(self, key: str) -> None:
        """Count one event for ``key``."""
        now = self._clock()
        with self._lock:
            self._window(key, now).append(now)
            self._forget_idle(now)

    def take(self, key: str, message: str) -> None:
        """Check and count in one step: raise LoginThrottled at the limit, else count."""
        now = self._clock()
        with self._lock:
            window = self._window(key, now)
            if len(window) >= self._limit:
                raise LoginThrottled(message)
            window.append(now)
            self._forget_idle(now)


class LoginThrottle:
    """Reporters' codename attempts: per lookup id and across the whole instance.

    The global window also bounds how much argon2 work strangers can make the
    server do; every attempt counts, right or wrong.
    """

    _ALL = ""  # the one key of the instance-wide window

    def __init__(
        self,
        *,
        per_lookup_per_minute: int,
        global_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._global = MinuteWindows(global_per_minute, clock)
        self._by_lookup = MinuteWindows(per_lookup_per_minute, clock)

    def check_global(self) -> None:
        """Count an attempt against the instance-wide limit (before any KDF work)."""
        self._global.take(self._ALL, "too many attempts on this server")

    def check_lookup(self, lookup_id: str) -> None:
        """Count an attempt against one lookup id's limit."""
        self._by_lookup.take(lookup_id, "too many attempts for this codename")


class FailureThrottle:
    """Confidants' failed login attempts per username; a right login costs nothing."""

    def __init__(
        self, per_minute: int = FAILURES_PER_MINUTE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._failures = MinuteWindows(per_minute, clock)

    def check(self, key: str) -> None:
        """Raise LoginThrottled when ``key`` already failed too often this minute."""
        self._failures.check(key, "too many failed attempts; wait a minute")

    def fail(self, key: str) -> None:
        """Count one failure for ``key``."""
        self._failures.record(key)
