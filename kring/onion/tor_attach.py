"""Attach to a running system tor (Debian's) through its control socket or port, cookie auth only.

:class:`AttachedTor` is a :class:`~kring.onion.tor_control.ControlledTor` like a launched tor
(``controller``, ``socks_port``, ``close()``), but ``close()`` only closes our control
connection and never stops that tor.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import stem
from stem.control import Controller

from kring.onion.errors import ControlPortUnreachable
from kring.onion.tor_control import (
    ControlledTor,
    authenticate_with_cookie,
    wait_for_bootstrap,
)


class AttachedTor(ControlledTor):
    """A control connection to a tor we did not start (e.g. Debian's system tor).

    ``close()`` closes our connection only: the system tor keeps running, and so do onion
    services published with ``detached=True`` until they are removed explicitly.
    """

    def __init__(self, controller: Controller) -> None:
        self._controller = controller
        self.pid: int | None = None

    def _no_controller(self) -> Exception:
        return ControlPortUnreachable("the control connection is closed")

    def close(self) -> None:
        """Close the control connection; never stop the tor we attached to."""
        self._close_controller()


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
        authenticate_with_cookie(controller)
        if bootstrap_timeout is not None:
            wait_for_bootstrap(controller, timeout=bootstrap_timeout)
    except BaseException:
        controller.close()
        raise
    return AttachedTor(controller)
