"""A multipart/form-data body generated lazily, with a known length.

Tests and benchmarks use it to send large submissions the way a browser does
(fields, then files) without ever building the body in memory or on disk.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence

ChunkSource = Callable[[], Iterator[bytes]]


class MultipartBody:
    """File-like (``read``, ``__len__``) multipart body; parts are produced on demand."""

    def __init__(
        self,
        fields: Sequence[tuple[str, str]],
        files: Sequence[tuple[str, str, int, ChunkSource]],
    ) -> None:
        """``files``: (field name, file name, size in bytes, callable returning chunks)."""
        self.boundary = "kring" + secrets.token_hex(12)
        self._segments: list[bytes | tuple[int, ChunkSource]] = []
        for name, value in fields:
            self._segments.append(
                (
                    f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                ).encode()
                + value.encode("utf-8")
                + b"\r\n"
            )
        for field, raw_filename, size, source in files:
            # Escaped the way browsers do (HTML's multipart/form-data encoding).
            filename = (
                raw_filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
            )
            self._segments.append(
                (
                    f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                    f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode()
            )
            self._segments.append((size, source))
            self._segments.append(b"\r\n")
        self._segments.append(f"--{self.boundary}--\r\n".encode())
        self._length = sum(len(s) if isinstance(s, bytes) else s[0] for s in self._segments)
        self._iter = self._chunks()
        self._buffer = b""

    @property
    def content_type(self) -> str:
        """The Content-Type header value, boundary included."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def segments(self) -> list[bytes | tuple[int, ChunkSource]]:
        """The body in order: literal bytes, and (size, source) for each file's content.

        For a sender that moves file content itself (``socket.sendfile`` in the upload bench).
        """
        return list(self._segments)

    def _chunks(self) -> Iterator[bytes]:
        for segment in self._segments:
            if isinstance(segment, bytes):
                yield segment
                continue
            size, source = segment
            sent = 0
            for chunk in source():
                sent += len(chunk)
                yield chunk
            if sent != size:
                raise ValueError(f"file source gave {sent} bytes, declared {size}")

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes of the body (all with -1)."""
        if size is None or size < 0:
            return self._buffer + b"".join(self._iter)
        while len(self._buffer) < size:
            try:
                self._buffer += next(self._iter)
            except StopIteration:
                break
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def repeating_chunks(size: int, *, marker: bytes = b"", chunk: int = 1024 * 1024) -> ChunkSource:
    """A source of ``size`` pseudo-random bytes, with ``marker`` in every chunk."""
    block = bytearray(secrets.token_bytes(chunk))
    if marker:
        block[100 : 100 + len(marker)] = marker

    def source() -> Iterator[bytes]:
        remaining = size
        data = bytes(block)
        while remaining > 0:
            piece = data[: min(chunk, remaining)]
            remaining -= len(piece)
            yield piece

    return source
