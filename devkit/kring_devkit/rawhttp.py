"""HTTP/1.1 over a plain socket, for tests and benches that must see the framing.

``requests`` hides what matters under hostile traffic: whether an answer said
``keep-alive``, whether the next request on the same connection is answered,
whether a slow client was cut off. These helpers send exactly the bytes given
and read exactly one answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
from collections.abc import Sequence
from typing import Protocol


class NoAnswer(ConnectionError):
    """The connection closed before a complete answer arrived."""


@dataclasses.dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def keep_alive(self) -> bool:
        """Whether the server said the connection stays open."""
        return self.headers.get("connection", "").lower() != "close"


def request_head(
    method: str, path: str, *, headers: dict[str, str] | None = None, length: int | None = None
) -> bytes:
    """The request line and headers of an HTTP/1.1 request to 127.0.0.1."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Reader:
    """Reads answers off one socket, keeping bytes that belong to the next one."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise NoAnswer("connection closed")
        self._buf += data

    def answer(self) -> Answer:
        """Read one complete answer (Content-Length or chunked framing)."""
        while b"\r\n\r\n" not in self._buf:
            self._fill()
        head, self._buf = self._buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._chunked()
        else:
            length = int(headers.get("content-length", "0"))
            while len(self._buf) < length:
                self._fill()
            body, self._buf = self._buf[:length], self._buf[length:]
        return Answer(status, headers, body)

    def _chunked(self) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self._buf:
                self._fill()
            size_line, self._buf = self._buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(self._buf) < size + 2:
                self._fill()
            body += self._buf[:size]
            self._buf = self._buf[size + 2 :]
            if size == 0:
                return body

    def closed(self) -> bool:
        """Whether the server has closed the connection (nothing more comes)."""
        if self._buf:
            return False
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


class _Body(Protocol):
    def read(self, size: int = -1) -> bytes: ...


def start_trickle(
    conns: Sequence[tuple[socket.socket, _Body]],
    stop: threading.Event,
    *,
    every_s: float = 0.1,
    size: int = 100,
) -> threading.Thread:
    """Send ``size`` more bytes of each body every ``every_s`` (1 KB/s each) until ``stop``.

    ``conns`` may grow while the thread runs; a connection the server closed is skipped.
    """

    def trickle() -> None:
        while not stop.wait(every_s):
            for sock, body in list(conns):
                with contextlib.suppress(OSError):
                    sock.sendall(body.read(size))

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    return thread
