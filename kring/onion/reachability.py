"""Does an onion address answer? A SOCKS5 stream through tor, and tor's reasons when not.

Invariant: only tor's SOCKS port on loopback is contacted; the onion name goes to tor
unresolved, so no DNS query ever leaves for it.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time

from kring.onion.errors import OnionUnreachable
from kring.onion.keys import validate_service_id

# Tor's extended SOCKS5 replies (SocksPort ... ExtendedErrors, prop304), for admin messages.
SOCKS_REPLIES = {
    0x00: "succeeded",
    0x01: "general failure",
    0x04: "host unreachable",
    0x05: "connection refused by the onion service's target",
    0x06: "TTL expired (circuit timed out)",
    0xF0: "onion service descriptor not found (not published yet, or gone)",
    0xF1: "onion service descriptor is invalid",
    0xF2: "introduction to the onion service failed",
    0xF3: "rendezvous with the onion service failed",
    0xF4: "client authorisation is required but this client has no key for it",
    0xF5: "this client's authorisation key was refused (wrong or revoked key)",
    0xF6: "the onion address is invalid",
    0xF7: "introduction to the onion service timed out",
}


NO_ANSWER = -1
SOCKS_REPLIES[NO_ANSWER] = "tor gave no answer in time (still trying to build circuits)"


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("SOCKS proxy closed the connection")
        data += chunk
    return data


def socks_connect(
    address: str, port: int, *, socks_port: int, socks_host: str = "127.0.0.1", timeout: float
) -> tuple[int, socket.socket | None]:
    """Open a stream to ``address:port`` through tor's SOCKS5 port.

    Returns (SOCKS reply code, connected socket or None). The onion name is sent to tor as a
    hostname, never resolved locally.

    Invariant: no DNS lookup of the onion address happens outside tor.
    """
    host = address.encode("ascii")
    sock = socket.create_connection((socks_host, socks_port), timeout=timeout)
    try:
        sock.sendall(b"\x05\x01\x00")  # version 5, one method: no authentication
        if _recv_exact(sock, 2) != b"\x05\x00":
            raise ConnectionError("the SOCKS port refused our handshake")
        sock.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host + struct.pack(">H", port))
        _, reply, _, atyp = _recv_exact(sock, 4)
        bound = {1: 4, 4: 16}.get(atyp)
        _recv_exact(sock, (bound if bound is not None else _recv_exact(sock, 1)[0]) + 2)
    except BaseException:
        sock.close()
        raise
    if reply != 0:
        sock.close()
        return reply, None
    return reply, sock


def probe_onion(
    address: str,
    *,
    socks_port: int,
    port: int = 80,
    timeout: float = 30.0,
    http: bool = True,
) -> int:
    """One attempt to reach ``address``; returns the SOCKS reply code (0 = reached).

    ``NO_ANSWER`` (-1) means tor gave no answer within ``timeout``.

    With ``http`` it also sends ``HEAD /`` and counts the service as reached only if an HTTP
    status line comes back, so a dead app behind a live onion service is not mistaken for up.

    Invariant: read-only: it sends nothing but a HEAD request.
    """
    service_id = validate_service_id(address)
    try:
        reply, sock = socks_connect(
            f"{service_id}.onion", port, socks_port=socks_port, timeout=timeout
        )
    except TimeoutError:
        # tor keeps trying (dead introduction points, slow circuits) for up to two minutes
        # before it answers; to a user that is a page that does not load.
        return NO_ANSWER
    if sock is None:
        return reply
    with sock:
        if not http:
            return 0
        sock.sendall(f"HEAD / HTTP/1.0\r\nHost: {service_id}.onion\r\n\r\n".encode("ascii"))
        first = sock.recv(16)
        return 0 if first.startswith(b"HTTP/") else 0x01


def explain_socks_reply(code: int) -> str:
    """Human words for a SOCKS reply code from tor (for admin-facing messages)."""
    return SOCKS_REPLIES.get(code, f"SOCKS error 0x{code:02x}")


def wait_until_reachable(
    address: str,
    *,
    socks_port: int,
    port: int = 80,
    timeout: float = 60.0,
    http: bool = True,
) -> float:
    """Retry :func:`probe_onion` until the service answers; return the seconds it took.

    A fresh onion is often not found on the first try ("No more HSDir available to query"), so
    failures are retried until ``timeout``, then OnionUnreachable names the last reason.

    Invariant: bounded by the deadline, no fixed sleeps: each attempt waits on tor's answer,
    and a pause between attempts only follows an immediate refusal.
    """
    start = time.monotonic()
    deadline = start + timeout
    last = "no attempt finished"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OnionUnreachable(
                f"{address} was not reachable through SOCKS port {socks_port} within "
                f"{timeout:.0f} s: {last}"
            )
        attempt_started = time.monotonic()
        try:
            code = probe_onion(
                address, socks_port=socks_port, port=port, timeout=remaining, http=http
            )
        except OSError as exc:
            code, last = -1, f"{type(exc).__name__}: {exc}"
        else:
            if code == 0:
                return time.monotonic() - start
            last = explain_socks_reply(code)
        # tor answers some failures at once (cached "not found"); pace the retries a little so a
        # tight loop does not flood the SOCKS port, but never beyond the deadline.
        if time.monotonic() - attempt_started < 0.5:
            with contextlib.suppress(ValueError):
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
