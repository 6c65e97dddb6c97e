"""Reading a reporter's upload request: its pace, its CSRF token, and the text of a refused one.

Kept beside the views because each reads the live request (gunicorn's socket, Flask-WTF's
session token); the parsing itself is kring.source_ui.upload's.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

from flask import request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from kring.source_ui.refill import FormEcho
from kring.source_ui.upload import BadCsrf, salvage_fields
from kring.web.body import UploadPace
from kring.web.context import core


def check_csrf(token: str) -> None:
    """Raise BadCsrf unless ``token`` is this session's valid CSRF token."""
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise BadCsrf from exc


# How much of a refused body is read to give the reporter their text back:
# the small fields and the longest message, never the files.
_SALVAGE_EXTRA = 64 * 1024
_SALVAGE_SECONDS = 3.0


def salvage(chunks: Iterator[bytes]) -> FormEcho:
    ctx = core()
    max_message = ctx.settings.max_message_chars * 4
    sock = request.environ.get("gunicorn.socket")
    previous = sock.gettimeout() if isinstance(sock, socket.socket) else None
    if isinstance(sock, socket.socket):
        # A client that declared a body and sends none must not hold us up:
        # without its text, the page is the same, only not refilled.
        sock.settimeout(_SALVAGE_SECONDS)
    try:
        return salvage_fields(
            chunks=chunks,
            content_type=request.content_type or "",
            limit=max_message + _SALVAGE_EXTRA,
            max_message_bytes=max_message,
        )
    finally:
        if isinstance(sock, socket.socket):
            sock.settimeout(previous)


def upload_pace() -> UploadPace:
    s = core().settings
    return UploadPace(
        read_timeout_s=s.upload_read_timeout_seconds,
        min_bytes_per_s=s.upload_min_bytes_per_second,
        grace_s=s.upload_rate_grace_seconds,
    )
