"""Logging that cannot carry reporter data.

Invariant: log records hold no IP address, user agent, codename or content.
Flask/Werkzeug request logging is off; errors are logged as the exception type
and the place it happened, without request data or exception messages (which
could quote input).
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType

_IP_RE = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b", re.I)


def redact(text: str) -> str:
    """Remove anything that looks like an IPv4 or IPv6 address."""
    return _IP_RE.sub("[addr]", text)


class RedactingFilter(logging.Filter):
    """Drop werkzeug request lines and scrub addresses from everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("werkzeug"):
            return False
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.msg = f"{record.msg} [{describe_exception(record.exc_info)}]"
            record.exc_info = None
            record.exc_text = None
        return True


def describe_exception(
    exc_info: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    | tuple[None, None, None],
) -> str:
    """Exception type and code locations only: messages may quote user input."""
    exc_type, _, tb = exc_info
    frames = traceback.extract_tb(tb)[-3:] if tb else []
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))
    name = exc_type.__name__ if exc_type else "error"
    return f"{name} at {where}" if where else name


def configure_logging(level: int = logging.INFO) -> None:
    """Install the redacting filter on the root handler (idempotent)."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
