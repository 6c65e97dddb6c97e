"""Start and own a tor process, or attach to a running system tor, through stem.

Two handles with one shape (``controller``, ``socks_port``, ``close()``):

- :class:`LaunchedTor` starts ``tor`` with its own DataDirectory, a cookie-authenticated
  ControlPort on 127.0.0.1 and a SocksPort, waits for bootstrap on real STATUS_CLIENT events
  with a deadline, and on ``close()`` kills exactly that process, by PID.
- :class:`AttachedTor` connects to a system tor's control socket or port with cookie
  authentication; ``close()`` only closes our control connection and never stops that tor.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import stem
import stem.connection
import stem.control
from stem.control import Controller, EventType

from kring.onion.errors import (
    BootstrapTimedOut,
    ControlAuthenticationFailed,
    ControlPortUnreachable,
    TorNotInstalled,
    TorStartFailed,
)

TorrcLine = tuple[str, str]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_CONTROL_PORT_FILE = "control_port"


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: ask the kernel to SIGTERM tor when we die.

    This is why we never need stem's TAKEOWNERSHIP (which makes tor exit as soon as the first
    control connection closes): tor lives exactly as long as the launcher. Note the kernel
    signals on the death of the *thread* that forked, so launch from a long-lived thread.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    # If the parent already died between fork and prctl, the signal would never come.
    if os.getppid() == 1:
        os._exit(1)


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


def _authenticate_with_cookie(controller: Controller) -> None:
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


class LaunchedTor:
    """A tor process we started and own: its DataDirectory, control port, SOCKS port and PID.

    Use as a context manager, or call :meth:`start` and :meth:`close`.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        tor_binary: str = "tor",
        extra_config: Sequence[TorrcLine] = (),
        socks: bool = True,
    ) -> None:
        """Prepare (not start) a tor with its own ``data_dir`` and ``extra_config`` torrc lines.

        Invariant: the data directory is created 0700, as tor demands and as the keys in it need.
        """
        self.data_dir = Path(data_dir).resolve()
        self.tor_binary = tor_binary
        self.extra_config = tuple(extra_config)
        self.socks = socks
        self._process: subprocess.Popen[bytes] | None = None
        self._controller: Controller | None = None
        self._socks_port: int | None = None
        self._pid: int | None = None

    # ---- public surface ---------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """PID of the tor process we started (None before start; kept after close for checks)."""
        return self._pid

    @property
    def controller(self) -> Controller:
        """The authenticated stem controller of this tor."""
        if self._controller is None:
            raise TorStartFailed("tor is not started")
        return self._controller

    @property
    def socks_port(self) -> int:
        """The SOCKS port tor listens on (127.0.0.1 only)."""
        # Asked lazily: with DisableNetwork 1 tor opens no SOCKS listener until the network is on.
        if self._socks_port is None:
            if not self.socks:
                raise TorStartFailed("this tor was started without a SOCKS port")
            self._socks_port = _first_listener_port(self.controller, "socks")
        return self._socks_port

    @property
    def log_path(self) -> Path:
        """tor's notice log, for an admin to read when something fails."""
        return self.data_dir / "notice.log"

    @property
    def startup_log_path(self) -> Path:
        """What tor printed before it switched to its notice log (config errors land here)."""
        return self.data_dir / "startup.log"

    def torrc_lines(self) -> list[TorrcLine]:
        """The torrc this tor is started with (control and SOCKS on 127.0.0.1 only).

        Invariant: the control port listens on loopback only and requires the cookie, whose
        file is inside the 0700 DataDirectory.
        """
        lines: list[TorrcLine] = [
            ("DataDirectory", str(self.data_dir)),
            ("RunAsDaemon", "0"),
            # "auto" lets tor pick free ports itself: no race between choosing and binding.
            ("ControlPort", "127.0.0.1:auto"),
            ("ControlPortWriteToFile", str(self.data_dir / _CONTROL_PORT_FILE)),
            ("CookieAuthentication", "1"),
            ("CookieAuthFile", str(self.data_dir / "control_auth_cookie")),
            ("SocksPort", "127.0.0.1:auto ExtendedErrors" if self.socks else "0"),
            ("Log", f"notice file {self.log_path}"),
            ("AvoidDiskWrites", "1"),
        ]
        return lines + list(self.extra_config)

    def start(
        self, *, bootstrap_timeout: float | None = 120.0, startup_timeout: float = 30.0
    ) -> None:
        """Start tor and wait until its control port answers and, if asked, it has bootstrapped.

        Invariant: on any failure the process we started is killed before the exception leaves,
        so a failed start never leaves a stray tor behind. ``bootstrap_timeout=None`` skips the
        bootstrap wait (for a tor that is meant to stay offline).
        """
        self.spawn()
        self.wait_until_ready(bootstrap_timeout=bootstrap_timeout, startup_timeout=startup_timeout)

    def spawn(self) -> None:
        """Launch the tor process without waiting (so several tors can start side by side).

        Invariant: tor gets PR_SET_PDEATHSIG, so it dies with the launching thread even if we are
        killed before :meth:`close` runs. Call from a thread that lives as long as tor should.
        """
        binary = find_tor_binary(self.tor_binary)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        (self.data_dir / _CONTROL_PORT_FILE).unlink(missing_ok=True)
        torrc = self.data_dir / "torrc"
        torrc.write_text(format_torrc(self.torrc_lines()), encoding="utf-8")
        # tor's early messages (before it reads its Log option) go to a file, not a pipe: a pipe
        # nobody reads would block tor once it filled up.
        startup_log = open(self.startup_log_path, "wb")  # noqa: SIM115 - handed to the child
        try:
            self._process = subprocess.Popen(
                [binary, "-f", str(torrc), "--defaults-torrc", os.devnull],
                stdin=subprocess.DEVNULL,
                stdout=startup_log,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the terminal reaches us, and we stop tor in order.
                start_new_session=True,
                # prctl must run in the child before exec; only preexec_fn can do that.
                preexec_fn=_die_with_parent,
            )
        except OSError:
            raise TorNotInstalled(binary) from None
        finally:
            startup_log.close()
        self._pid = self._process.pid

    def wait_until_ready(
        self, *, bootstrap_timeout: float | None = 120.0, startup_timeout: float = 30.0
    ) -> None:
        """Wait for the spawned tor's control port, authenticate, and wait for bootstrap.

        Invariant: on failure the process is killed before the exception leaves.
        """
        try:
            port = self._wait_for_control_port(startup_timeout)
            self._controller = self._connect(port)
            if bootstrap_timeout is not None:
                wait_for_bootstrap(
                    self._controller, timeout=bootstrap_timeout, is_alive=self.is_running
                )
        except BaseException:
            self.close()
            raise

    def is_running(self) -> bool:
        """True while the tor process we started is alive."""
        return self._process is not None and self._process.poll() is None

    def close(self, timeout: float = 10.0) -> None:
        """Stop the tor we started: SIGTERM by PID, SIGKILL if it lingers past ``timeout``.

        Invariant: only the PID we launched is signalled (never a process found by name), and
        closing twice is harmless.
        """
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.close()
            self._controller = None
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)

    def __enter__(self) -> LaunchedTor:
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- internals --------------------------------------------------------------------------

    def _wait_for_control_port(self, timeout: float) -> int:
        assert self._process is not None  # noqa: S101 - start() sets it just before
        port_file = self.data_dir / _CONTROL_PORT_FILE
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self.startup_log_path.read_text(errors="replace")
                raise TorStartFailed(
                    f"tor exited with status {self._process.returncode} before its control port "
                    f"came up:\n{_last_lines(output)}"
                )
            text = port_file.read_text(encoding="ascii") if port_file.exists() else ""
            # tor writes the file in one go and ends it with a newline.
            if text.endswith("\n") and "PORT=" in text:
                return int(text.split("PORT=", 1)[1].split()[0].rsplit(":", 1)[1])
            # Polling a file tor writes once; there is no event to wait on before a control
            # connection exists. Bounded by the deadline above.
            time.sleep(0.05)
        raise TorStartFailed(f"tor's control port did not come up within {timeout:.0f} s")

    def _connect(self, port: int) -> Controller:
        try:
            controller = Controller.from_port(address="127.0.0.1", port=port)
        except stem.SocketError as exc:
            raise ControlPortUnreachable(f"cannot connect to 127.0.0.1:{port}: {exc}") from None
        try:
            _authenticate_with_cookie(controller)
        except BaseException:
            controller.close()
            raise
        return controller


def _last_lines(text: str, count: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-count:])


def _first_listener_port(controller: Controller, kind: str) -> int:
    listeners = controller.get_listeners(getattr(stem.control.Listener, kind.upper()))
    if not listeners:
        raise TorStartFailed(f"tor has no {kind} listener")
    return int(listeners[0][1])


class AttachedTor:
    """A control connection to a tor we did not start (e.g. Debian's system tor).

    ``close()`` closes our connection only: the system tor keeps running, and so do onion
    services published with ``detached=True`` until they are removed explicitly.
    """

    def __init__(self, controller: Controller) -> None:
        self._controller: Controller | None = controller
        self.pid: int | None = None

    @property
    def controller(self) -> Controller:
        """The authenticated stem controller."""
        if self._controller is None:
            raise ControlPortUnreachable("the control connection is closed")
        return self._controller

    @property
    def socks_port(self) -> int:
        """The first SOCKS port of the system tor."""
        return _first_listener_port(self.controller, "socks")

    def close(self) -> None:
        """Close the control connection; never stop the tor we attached to."""
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.close()
            self._controller = None

    def __enter__(self) -> AttachedTor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _probe_control(control_socket: Path | None, host: str, control_port: int | None) -> None:
    if control_socket is not None:
        family, where = socket.AF_UNIX, str(control_socket)
        address: Any = where
    else:
        family, where = socket.AF_INET, f"{host}:{control_port}"
        address = (host, control_port)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(10)
        try:
            probe.connect(address)
        except OSError as exc:
            raise ControlPortUnreachable(
                f"no tor control interface at {where} ({exc.strerror or exc}): is tor running "
                "with ControlSocket or ControlPort enabled?"
            ) from None


def attach_tor(
    *,
    control_socket: Path | None = None,
    control_port: int | None = None,
    host: str = "127.0.0.1",
    bootstrap_timeout: float | None = 60.0,
) -> AttachedTor:
    """Attach to a running tor through its control socket (preferred) or port, cookie auth only.

    Invariant: we authenticate only with tor's cookie and refuse a control port without
    authentication; nothing we do here can stop the attached tor. Debian's default socket is
    ``/run/tor/control`` (the user must be in the debian-tor group to read the cookie).
    """
    if (control_socket is None) == (control_port is None):
        raise ValueError("give exactly one of control_socket or control_port")
    # Probe with a plain socket first: stem leaks its socket when the connection is refused.
    _probe_control(control_socket, host, control_port)
    try:
        if control_socket is not None:
            controller = Controller.from_socket_file(path=str(control_socket))
        else:
            assert control_port is not None  # noqa: S101 - checked above
            controller = Controller.from_port(address=host, port=control_port)
    except stem.SocketError as exc:
        where = control_socket if control_socket is not None else f"{host}:{control_port}"
        raise ControlPortUnreachable(
            f"no tor control interface at {where} ({exc}): is tor running with ControlSocket "
            "or ControlPort enabled?"
        ) from None
    try:
        _authenticate_with_cookie(controller)
        if bootstrap_timeout is not None:
            wait_for_bootstrap(controller, timeout=bootstrap_timeout)
    except BaseException:
        controller.close()
        raise
    return AttachedTor(controller)
