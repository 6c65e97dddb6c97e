"""The content editor's media upload body, read by hand: no file ever spooled by Werkzeug.

Invariant: the file part streams into a scratch file in a folder the caller
owns (beside the media folder, removed with it), the body is capped while it
arrives, and nothing is acted on before the form's CSRF token is checked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from streaming_form_data import StreamingFormDataParser
from streaming_form_data.parser import ParseFailedException
from streaming_form_data.targets import BaseTarget, ValueTarget

from kring.core.content.media import MAX_MEDIA_BYTES, MediaRejected, MediaTooLarge

READ_CHUNK = 1024 * 1024
# The largest file plus room for the small fields and the part headers.
BODY_LIMIT = MAX_MEDIA_BYTES + 64 * 1024


@dataclasses.dataclass(frozen=True)
class MediaForm:
    """What the upload form sent: which medium, whether to remove it, the file (maybe empty)."""

    kind: str
    remove: bool
    file: Path


class _HandleTarget(BaseTarget):
    """Writes a file part into a handle the reader opened (and so always closes)."""

    def __init__(self, handle: Any) -> None:
        super().__init__()
        self.handle = handle

    def on_data_received(self, chunk: bytes) -> None:
        self.handle.write(chunk)


def read_media_form(
    stream: IO[bytes],
    *,
    content_type: str,
    content_length: int | None,
    scratch: Path,
    check_csrf: Callable[[str], None],
) -> MediaForm:
    """Parse the upload body into ``scratch``; raise MediaTooLarge or MediaRejected("bad_upload").

    ``check_csrf`` gets the form's token once the whole body has arrived and
    raises to refuse it; nothing else is looked at before.
    """
    if (content_length or 0) > BODY_LIMIT:
        raise MediaTooLarge("media_too_large")
    upload = scratch / "upload"
    fields = {"csrf_token": ValueTarget(), "kind": ValueTarget(), "remove": ValueTarget()}
    try:
        with upload.open("wb") as handle:
            parser = StreamingFormDataParser(headers={"Content-Type": content_type})
            for name, target in fields.items():
                parser.register(name, target)
            parser.register("file", _HandleTarget(handle))
            received = 0
            while chunk := stream.read(READ_CHUNK):
                received += len(chunk)
                if received > BODY_LIMIT:
                    raise MediaTooLarge("media_too_large")
                parser.data_received(chunk)
    except (ParseFailedException, ValueError) as exc:
        raise MediaRejected("bad_upload") from exc
    check_csrf(fields["csrf_token"].value.decode("utf-8", "replace"))
    return MediaForm(
        kind=fields["kind"].value.decode("ascii", "replace"),
        remove=fields["remove"].value == b"yes",
        file=upload,
    )
