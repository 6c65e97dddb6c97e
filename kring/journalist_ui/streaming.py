"""Stream a bundle zip to the browser while it is being written."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence

from kring.crypto.bundle import BundleItem, write_bundle

log = logging.getLogger("kring.journalist_ui")

_DONE = object()


class _QueueSink(io.RawIOBase):
    """An unseekable file whose writes go to a bounded queue (memory stays flat)."""

    def __init__(self, chunks: queue.Queue[object], stop: threading.Event) -> None:
        super().__init__()
        self._chunks = chunks
        self._stop = stop

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self._stop.is_set():
            raise BrokenPipeError("download cancelled")
        chunk = bytes(data)
        while True:
            try:
                self._chunks.put(chunk, timeout=0.5)
                return len(chunk)
            except queue.Full:
                if self._stop.is_set():
                    raise BrokenPipeError("download cancelled") from None


def stream_bundle(
    designation: str,
    day: dt.date,
    items: Sequence[BundleItem],
    *,
    reporter_key: str = "",
    on_complete: Callable[[], object] | None = None,
) -> Iterator[bytes]:
    """Yield the bytes of ``write_bundle`` as they are produced (ciphertext only).

    ``on_complete`` runs once the whole bundle was handed to the server, never after a
    failure or a cancelled download (the items then stay unread).
    """
    chunks: queue.Queue[object] = queue.Queue(maxsize=16)
    stop = threading.Event()

    def produce() -> None:
        try:
            with _QueueSink(chunks, stop) as sink:
                write_bundle(
                    sink,  # type: ignore[arg-type]
                    designation,
                    day,
                    items,
                    reporter_key=reporter_key,
                )
        except BrokenPipeError:
            return
        except Exception as exc:  # noqa: BLE001 - reported to the consumer below
            with contextlib.suppress(queue.Full):
                chunks.put(exc, timeout=5)
            return
        chunks.put(_DONE)

    worker = threading.Thread(target=produce, name="kring-bundle", daemon=True)
    worker.start()
    try:
        while True:
            chunk = chunks.get()
            if chunk is _DONE:
                if on_complete is not None:
                    try:
                        on_complete()
                    except Exception as exc:  # noqa: BLE001 - the bundle itself went out whole
                        log.warning("after a bundle download: %s", type(exc).__name__)
                return
            if isinstance(chunk, Exception):
                # Headers are sent already; stopping short leaves a broken zip
                # the workstation refuses.
                log.error("bundle failed: %s", type(chunk).__name__)
                return
            assert isinstance(chunk, bytes)  # noqa: S101 - only bytes are queued
            yield chunk
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
        worker.join()
