"""Loopback ports for the private Tor network: which are free, and fresh ones to plan with.

Invariant: only 127.0.0.1 is ever probed or bound.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Sequence
from pathlib import Path


def ports_free(ports: Sequence[int]) -> bool:
    """True if every port can be bound on 127.0.0.1 right now (as tor binds: SO_REUSEADDR)."""
    sockets = []
    try:
        for port in ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in sockets:
            sock.close()
    return True


def _ephemeral_port_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports that are free on 127.0.0.1 right now.

    Taken from just below the kernel's ephemeral range: ports the kernel hands out by itself
    (every outgoing connection between the nodes, every ``auto`` listener) come from that
    range, and one of them once took a planned DirPort before tor could bind it.

    Invariant: only loopback is ever probed or bound. The sockets stay open until all ports are
    chosen so no port is handed out twice; tor binds them moments later.
    """
    floor = _ephemeral_port_floor()
    low = max(1024, floor - 12000)
    candidates = random.sample(range(low, floor), k=min(floor - low, 200)) if floor > low else []
    sockets: list[socket.socket] = []
    try:
        for port in candidates:
            if len(sockets) == count:
                break
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            sockets.append(sock)
        while len(sockets) < count:  # a crowded range: let the kernel choose the rest
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()
