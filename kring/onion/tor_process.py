"""Start and own a tor process through stem.

Two handles share one base, :class:`kring.onion.tor_control.ControlledTor` (``controller``,
``socks_port``, ``close()``):

- :class:`LaunchedTor` (here) starts ``tor`` with its own DataDirectory, a cookie-authenticated
  ControlPort on 127.0.0.1 and a SocksPort, waits for bootstrap on real STATUS_CLIENT events
  with a deadline, and on ``close()`` kills exactly that process, by PID.
- :class:`AttachedTor` (kring.onion.tor_attach) connects to a system tor's control socket or
  port with cookie authentication; ``close()`` only closes our control connection and never
  stops that tor.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import stem
import stem.control
from stem.control import Controller

from kring.onion.errors import ControlPortUnreachable, TorNotInstalled, TorStartFailed
from kring.onion.tor_control import (
    ControlledTor,
    TorrcLine,
    authenticate_with_cookie,
    find_tor_binary,
    format_torrc,
    last_lines,
    wait_for_bootstrap,
)

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


class LaunchedTor(ControlledTor):
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
        self._controller = None
        self._socks_port: int | None = None
        self._pid: int | None = None

    # ---- public surface ---------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """PID of the tor process we started (None before start; kept after close for checks)."""
        return self._pid

    @property
    def socks_port(self) -> int:
        """The SOCKS port tor listens on (127.0.0.1 only)."""
        # Asked lazily: with DisableNetwork 1 tor opens no SOCKS listener until the network is on.
        if self._socks_port is None:
            if not self.socks:
                raise TorStartFailed("this tor was started without a SOCKS port")
            self._socks_port = super().socks_port
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
        self._close_controller()
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

    def _no_controller(self) -> Exception:
        return TorStartFailed("tor is not started")

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
                    f"came up:\n{last_lines(output)}"
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
            authenticate_with_cookie(controller)
        except BaseException:
            controller.close()
            raise
        return controller
