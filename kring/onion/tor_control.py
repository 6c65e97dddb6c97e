"""What every tor handle shares: finding tor, writing a torrc, cookie authentication, bootstrap,
and the handle's base (:class:`ControlledTor`: a tor we talk to through one controller).

Used by :class:`kring.onion.tor_process.LaunchedTor` (a tor we start) and
:class:`kring.onion.tor_attach.AttachedTor` (the system tor), and by the private test network.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import stem
import stem.connection
import stem.control
from stem.control import Controller, EventType

from kring.closing import ClosedOnExit
from kring.onion.errors import (
    BootstrapTimedOut,
    ControlAuthenticationFailed,
    TorNotInstalled,
    TorStartFailed,
)

TorrcLine = tuple[str, str]


class ControlledTor(ClosedOnExit):
    """A tor we talk to through one authenticated stem controller (launched or attached).

    Invariant: ``controller`` is that open connection, or raises the handle's own error
    (``_no_controller()``) once it is closed or before it exists; ``_close_controller()``
    closes it at most once and never raises, so ``close()`` is safe to call twice.
    """

    _controller: Controller | None = None

    def _no_controller(self) -> Exception:
        """The error ``controller`` raises while there is no connection (each handle's own)."""
        raise NotImplementedError

    @property
    def controller(self) -> Controller:
        """The authenticated stem controller of this tor."""
        if self._controller is None:
            raise self._no_controller()
        return self._controller

    @property
    def socks_port(self) -> int:
        """The first SOCKS port this tor listens on."""
        return first_listener_port(self.controller, "socks")

    def _close_controller(self) -> None:
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.close()
            self._controller = None


def find_tor_binary(tor_binary: str = "tor") -> str:
    """Resolve ``tor_binary`` (a name on PATH or a path) to an executable path, or TorNotInstalled.

    Invariant: we only ever execute a file that exists and is executable; nothing is run
    through a shell.
    """
    found = shutil.which(tor_binary)
    if found is None:
        # shutil.which skips /usr/sbin for non-root PATHs; Debian puts tor there.
        candidate = Path("/usr/sbin") / tor_binary if os.sep not in tor_binary else None
        if candidate is not None and os.access(candidate, os.X_OK):
            return str(candidate)
        raise TorNotInstalled(tor_binary)
    return found


def format_torrc(lines: Iterable[TorrcLine]) -> str:
    """Render (option, value) pairs as torrc text.

    Invariant: a value containing a newline is refused, so no caller-supplied string can smuggle
    an extra torrc option in.
    """
    out = []
    for key, value in lines:
        if "\n" in key or "\n" in value or "\r" in value:
            raise ValueError(f"torrc option {key!r} contains a line break")
        out.append(f"{key} {value}")
    return "\n".join(out) + "\n"


def authenticate_with_cookie(controller: Controller) -> None:
    """Authenticate ``controller`` and insist that tor asked for a cookie.

    A control port without authentication lets any local process take over tor (and read the
    onion keys), so we refuse to use one rather than silently accepting it.
    """
    try:
        info = stem.connection.get_protocolinfo(controller)
    except stem.ControllerError as exc:
        raise ControlAuthenticationFailed(f"tor did not answer PROTOCOLINFO: {exc}") from None
    methods = set(info.auth_methods)
    if not methods & {stem.connection.AuthMethod.COOKIE, stem.connection.AuthMethod.SAFECOOKIE}:
        raise ControlAuthenticationFailed(
            "tor's control port does not use cookie authentication; set "
            "CookieAuthentication 1 in torrc (an unauthenticated control port lets any "
            "local user take over tor)"
        )
    try:
        # No __OwningControllerProcess is ever set on our tors, so stem's authenticate() sends no
        # TAKEOWNERSHIP: closing this connection does not stop tor.
        controller.authenticate()
    except stem.connection.UnreadableCookieFile as exc:
        raise ControlAuthenticationFailed(
            f"cannot read tor's auth cookie {exc.cookie_path}: run Kring as a user in the "
            "debian-tor group, or point it at a tor it started"
        ) from None
    except stem.connection.AuthenticationFailure as exc:
        raise ControlAuthenticationFailed(
            f"tor refused our control-port authentication ({type(exc).__name__}): the cookie "
            "file may be stale or belong to another tor"
        ) from None


def _bootstrap_progress(controller: Controller) -> tuple[int, str]:
    phase = controller.get_info("status/bootstrap-phase", "")
    return _parse_bootstrap(phase)


def _parse_bootstrap(line: str) -> tuple[int, str]:
    progress, summary = 0, line
    for token in line.split():
        if token.startswith("PROGRESS="):
            with contextlib.suppress(ValueError):
                progress = int(token.removeprefix("PROGRESS="))
    if 'SUMMARY="' in line:
        summary = line.split('SUMMARY="', 1)[1].split('"', 1)[0]
    return progress, summary


def wait_for_bootstrap(
    controller: Controller,
    *,
    timeout: float,
    is_alive: Any = None,
) -> None:
    """Block until tor reports 100 % bootstrap, or raise BootstrapTimedOut at the deadline.

    Invariant: waits on tor's own STATUS_CLIENT events (checked against GETINFO so no event is
    missed), never on a fixed sleep; it never returns before tor can build circuits.
    """
    deadline = time.monotonic() + timeout
    events: queue.Queue[str] = queue.Queue()

    def listener(event: Any) -> None:
        events.put(str(event))

    controller.add_event_listener(listener, EventType.STATUS_CLIENT)
    try:
        progress, summary = _bootstrap_progress(controller)
        while progress < 100:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BootstrapTimedOut(
                    f"tor did not bootstrap within {timeout:.0f} s (stuck at {progress} %: "
                    f"{summary}); check the network, the clock, and tor's log"
                )
            if is_alive is not None and not is_alive():
                raise TorStartFailed("tor exited while bootstrapping; see its log")
            try:
                # Wake up at least every second to notice a dead tor process.
                text = events.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if "BOOTSTRAP" in text:
                progress, summary = _parse_bootstrap(text)
    finally:
        controller.remove_event_listener(listener)


def last_lines(text: str, count: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-count:])


def first_listener_port(controller: Controller, kind: str) -> int:
    listeners = controller.get_listeners(getattr(stem.control.Listener, kind.upper()))
    if not listeners:
        raise TorStartFailed(f"tor has no {kind} listener")
    return int(listeners[0][1])
