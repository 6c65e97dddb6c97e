"""Starting Kring's apps under gunicorn on loopback, for tests, benches and the demo."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn_command(app_module: str, bind: str) -> list[str]:
    """The gunicorn command line for one of Kring's apps, with Kring's settings."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:kring.web.gunicorn_conf",
        "--bind",
        bind,
        app_module,
    ]


@dataclasses.dataclass(frozen=True)
class RunningServer:
    """A gunicorn master we started."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def worker_pids(self) -> list[int]:
        """PIDs of the gunicorn workers (children of the master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def wait_until_answering(url: str, deadline_s: float = 30.0) -> None:
    """Poll ``url`` until the server answers (any HTTP status) or the deadline passes."""
    end = time.monotonic() + deadline_s
    last: Exception | None = None
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback URL we built
                return
        except urllib.error.HTTPError:
            return
        except OSError as exc:
            last = exc
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {deadline_s} s: {last}")


@contextlib.contextmanager
def run_gunicorn(
    app_module: str,
    instance_dir: Path,
    *,
    log_path: Path,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    wait: bool = True,
) -> Iterator[RunningServer]:
    """Run ``app_module`` under gunicorn on 127.0.0.1 until the block ends.

    With ``wait=False`` the block starts at once; call ``wait_until_answering``
    before using the server (lets slow things start in parallel).
    """
    port = port or free_port()
    environment = {**os.environ, **(env or {}), "KRING_INSTANCE": str(instance_dir)}
    log = log_path.open("ab")
    process = subprocess.Popen(
        gunicorn_command(app_module, f"127.0.0.1:{port}"),
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = RunningServer(f"http://127.0.0.1:{port}", port, process, log_path)
    try:
        if wait:
            wait_until_answering(server.url + "/")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
