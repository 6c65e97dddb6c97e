"""Server-side sessions held in process memory.

Invariant: what a session holds (a reporter's lookup id and reply-key
passphrase, a CSRF secret) never reaches a disk or a cookie; the cookie
carries only a random id. Sessions end after an idle period and are gone when
the process stops. This needs one app process (with threads); see
docs/architecture.md for why and how to scale.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

_SWEEP_EVERY = 256


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """A session whose content stays on the server."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.modified = False
        self.rotate = False

    def regenerate(self) -> None:
        """Give the session a new id at login (defeats session fixation)."""
        self.rotate = True
        self.modified = True


@dataclasses.dataclass(frozen=True)
class SessionLengths:
    """How long a session lives: idle seconds, and from its start (None: no such limit)."""

    idle_seconds: int
    absolute_seconds: int | None = None


class MemorySessionStore:
    """Session data by id, expiring after an idle period (and, optionally, an absolute one).

    ``lengths`` is asked at each look-up, so a length an admin changes applies
    to the next request of every session, in whichever app reads it.
    """

    def __init__(
        self,
        idle_seconds: int = 0,
        clock: Callable[[], float] = time.monotonic,
        *,
        absolute_seconds: int | None = None,
        lengths: Callable[[], SessionLengths] | None = None,
    ) -> None:
        fixed = SessionLengths(idle_seconds, absolute_seconds)
        self.lengths: Callable[[], SessionLengths] = lengths or (lambda: fixed)
        # Public so a test can move one app's time without touching the process's.
        self.clock = clock
        self._lock = threading.Lock()
        # sid -> (data, last seen, started)
        self._data: dict[str, tuple[dict[str, Any], float, float]] = {}
        self._ops = 0

    @staticmethod
    def _expired(lengths: SessionLengths, now: float, seen: float, started: float) -> bool:
        if now - seen > lengths.idle_seconds:
            return True
        limit = lengths.absolute_seconds
        return limit is not None and now - started > limit

    def get(self, sid: str) -> dict[str, Any] | None:
        """The data of a live session (and mark it used), or None."""
        now = self.clock()
        lengths = self.lengths()
        with self._lock:
            entry = self._data.get(sid)
            if entry is None:
                return None
            data, seen, started = entry
            if self._expired(lengths, now, seen, started):
                del self._data[sid]
                return None
            self._data[sid] = (data, now, started)
            return dict(data)

    def put(self, sid: str, data: dict[str, Any]) -> None:
        """Store session data under ``sid`` (a new sid starts the absolute clock)."""
        now = self.clock()
        with self._lock:
            previous = self._data.get(sid)
            started = previous[2] if previous is not None else now
            self._data[sid] = (dict(data), now, started)
            self._ops += 1
            if self._ops % _SWEEP_EVERY == 0:
                self._sweep(now)

    def delete(self, sid: str) -> None:
        """Forget a session (logout, deletion, rotation)."""
        with self._lock:
            self._data.pop(sid, None)

    def _sweep(self, now: float) -> None:
        lengths = self.lengths()
        expired = [
            k
            for k, (_, seen, born) in self._data.items()
            if self._expired(lengths, now, seen, born)
        ]
        for key in expired:
            del self._data[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


class MemorySessionInterface(SessionInterface):
    """Flask session interface over a MemorySessionStore."""

    def __init__(
        self, store: MemorySessionStore, *, on_open: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        # Called first thing in every request, before the store is read (the
        # app base refreshes the settings provider there).
        self._on_open = on_open

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """Load the session named by the cookie, or start an empty one."""
        if self._on_open is not None:
            self._on_open()
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and len(sid) <= 64:
            data = self.store.get(sid)
            if data is not None:
                return ServerSession(data, sid)
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Keep the data server-side; the cookie carries only the random id."""
        assert isinstance(session, ServerSession)  # noqa: S101 - set by open_session
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if not session:
            if session.sid is not None:
                self.store.delete(session.sid)
                response.delete_cookie(name, domain=domain, path=path)
            return
        if session.sid is not None and not session.rotate:
            if session.modified:
                self.store.put(session.sid, dict(session))
            return
        if session.sid is not None:
            self.store.delete(session.sid)
        session.sid = secrets.token_urlsafe(32)
        session.rotate = False
        self.store.put(session.sid, dict(session))
        response.set_cookie(
            name,
            session.sid,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite="Strict",
            domain=domain,
            path=path,
        )
        response.vary.add("Cookie")
