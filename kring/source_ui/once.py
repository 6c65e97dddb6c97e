"""One-time form tokens: a resubmitted form is stored once.

Each rendered submit form carries a random token. The first submission that
commits with it claims it; a replay (a reload that re-posts, a double click, a
browser retry over a slow circuit) finds it claimed and is answered with the
conversation instead of a second copy.

Invariant: tokens live only in this process's memory, keyed by the session's
lookup id (itself only in memory), bounded in number, with no time attached;
they reveal nothing after a restart, when they are simply gone.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

_PER_REPORTER = 64
_REPORTERS = 10_000


def new_form_token() -> str:
    """A fresh random token for one rendered form."""
    return secrets.token_urlsafe(16)


class OnceTokens:
    """The form tokens already used, per reporter, thread-safe and bounded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: OrderedDict[str, OrderedDict[str, None]] = OrderedDict()

    def claim(self, lookup_id: str, token: str) -> bool:
        """Mark ``token`` used; False when it already was (a replay).

        An empty token (a client that is not our form) is never a replay.
        """
        if not token:
            return True
        with self._lock:
            used = self._used.setdefault(lookup_id, OrderedDict())
            self._used.move_to_end(lookup_id)
            if token in used:
                return False
            used[token] = None
            while len(used) > _PER_REPORTER:
                used.popitem(last=False)
            while len(self._used) > _REPORTERS:
                self._used.popitem(last=False)
            return True

    def release(self, lookup_id: str, token: str) -> None:
        """Give a token back after its submission failed, so a retry can use it."""
        with self._lock:
            used = self._used.get(lookup_id)
            if used is not None:
                used.pop(token, None)

    def forget(self, lookup_id: str) -> None:
        """Drop a reporter's tokens (their conversation was deleted)."""
        with self._lock:
            self._used.pop(lookup_id, None)
