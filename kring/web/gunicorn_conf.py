"""gunicorn settings shared by both apps (``gunicorn -c python:kring.web.gunicorn_conf``).

One worker process with many threads (Kring's gthread worker,
kring.web.gunicorn_worker): sessions live in that process's memory
(kring.web.sessions), argon2 and gpg release the GIL, and an upload's parser
and gpg already run in parallel. Idle and kept-alive connections wait in the
worker's selector without a thread; a slow upload holds a thread that sits in
recv() (a few kB of memory), so threads are many and cheap while the costly
work, key derivation, has its own small bounded pool (kring.core.work_pool).
Measured choice: docs/decisions.md. No access log; error log lines are scrubbed
of addresses; the Server header names no version.
"""

from __future__ import annotations

import os
from typing import Any

import gunicorn.http.wsgi
from gunicorn.glogging import Logger

from kring.web.logging_setup import redact

gunicorn.http.wsgi.SERVER = "kring"  # type: ignore[attr-defined]

bind = os.environ.get("KRING_BIND", "127.0.0.1:8080")
workers = 1
worker_class = "kring.web.gunicorn_worker.KringThreadWorker"
threads = int(os.environ.get("KRING_THREADS", "256"))
# Open connections at most (kept-alive ones wait without a thread); beyond it
# the worker stops accepting and the kernel's backlog holds the rest.
worker_connections = int(os.environ.get("KRING_WORKER_CONNECTIONS", "1000"))
# A slow 500 MB upload over Tor can take long; the worker heartbeat is
# separate from request time in gthread, so this only bounds idle keep-alive.
timeout = 120
graceful_timeout = 10
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("KRING_LOG_LEVEL", "info")
# Uploads are read by the app as a stream; gunicorn must not buffer them.
limit_request_line = 4094
proc_name = "kring"
# gunicorn >= 24 opens a control socket under $HOME by default: state we do
# not need, and a path a systemd sandbox would have to allow.
control_socket_disable = True


class RedactingLogger(Logger):
    """gunicorn's logger without client addresses (it logs ip= on bad requests)."""

    def _scrub(self, msg: Any) -> str:
        return redact(str(msg))

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        kwargs.pop("exc_info", None)
        super().error(self._scrub(msg % args if args else msg))

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        super().warning(self._scrub(msg % args if args else msg))

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        super().info(self._scrub(msg % args if args else msg))

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        super().error(self._scrub(msg % args if args else msg))

    def access(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        return


logger_class = RedactingLogger
