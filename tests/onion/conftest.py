"""Shared real-Tor fixtures: one private Tor network on loopback per test session.

The network (3 authorities, 4 relays), an onion host and a client tor are started once and
shared, because a network takes ~15 s to come up on a 2-core machine. Tests that need their own
tor (restarts, revocation) start it from the same network. Nothing here is mocked.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kring.onion.tor_process import LaunchedTor
from kring_devkit.testnet import PrivateTorNetwork


class _TaggedHandler(http.server.BaseHTTPRequestHandler):
    """Answers every GET/HEAD with the server's tag, so a test knows which app it reached."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = self.server.tag  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass


@pytest.fixture(scope="session")
def http_server() -> Iterator[Callable[[str], int]]:
    """A factory: ``port = http_server("tag")`` serves ``tag`` on 127.0.0.1:port in a thread."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(tag: str) -> int:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TaggedHandler)
        server.tag = tag.encode()  # type: ignore[attr-defined]
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return int(server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def testnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateTorNetwork]:
    """The session's private Tor network, stopped by PID at the end."""
    started = time.monotonic()
    with PrivateTorNetwork(tmp_path_factory.mktemp("testnet")) as network:
        network.ready_after = time.monotonic() - started  # type: ignore[attr-defined]
        yield network


@pytest.fixture(scope="session")
def joined_tors(testnet: PrivateTorNetwork) -> tuple[LaunchedTor, LaunchedTor]:
    """An onion host and a client tor on the testnet, bootstrapped side by side."""
    host = testnet.new_tor("onion_host", socks=False)
    client = testnet.new_tor("client")
    host.spawn()
    client.spawn()
    host.wait_until_ready(bootstrap_timeout=90)
    client.wait_until_ready(bootstrap_timeout=90)
    return host, client


@pytest.fixture(scope="session")
def onion_host(joined_tors: tuple[LaunchedTor, LaunchedTor]) -> LaunchedTor:
    """The tor that publishes the onion services."""
    return joined_tors[0]


@pytest.fixture(scope="session")
def tor_client(joined_tors: tuple[LaunchedTor, LaunchedTor]) -> LaunchedTor:
    """A client tor whose SOCKS port the tests browse through."""
    return joined_tors[1]


def proxies(socks_port: int) -> dict[str, str]:
    """requests' proxy settings: socks5h so the .onion name is resolved by tor, not locally."""
    url = f"socks5h://127.0.0.1:{socks_port}"
    return {"http": url, "https": url}


def pid_is_gone(pid: int, timeout: float = 10.0) -> bool:
    """True once ``pid`` no longer runs (gone or a zombie), polled with a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in {"Z", "X"}:
            return True
        time.sleep(0.05)
    return False
