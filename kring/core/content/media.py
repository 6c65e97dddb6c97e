"""Photos and audio/video introductions: validated, re-encoded, stripped of metadata.

A confidant's phone photo carries GPS coordinates and a device serial in its
EXIF block; a phone video carries the place it was shot in its container
metadata. Nothing uploaded is ever served as uploaded:

- images are decoded by Pillow within pixel and byte limits and written anew
  from their pixels only (JPEG, or PNG when there is transparency), so no
  EXIF, XMP, ICC or comment survives;
- audio and video are accepted only in containers recognised by their magic
  bytes (Ogg, WebM/Matroska, MP4, MP3 with no other format guessed from a file
  name), probed by ffprobe, then remuxed by ffmpeg with every metadata,
  chapter and attachment dropped (``-map_metadata -1``) and only the first
  audio and video streams kept.

Files get a random name and live in the instance's ``media/`` folder.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 10 * 1000 * 1000
MAX_IMAGE_PIXELS = 40_000_000
# Shown at most this large; a profile photo needs no more.
IMAGE_EDGE = 1200
MAX_MEDIA_BYTES = 80 * 1000 * 1000
MAX_MEDIA_SECONDS = 5 * 60

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MEDIA_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


class MediaRejected(Exception):
    """An upload was refused; ``reason`` is a stable code the UI translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MediaTooLarge(MediaRejected):
    """An upload over its size cap (``image_too_large``, ``media_too_large``): a 413, not a 400."""


class MediaToolMissing(MediaRejected):
    """ffmpeg/ffprobe are not installed, so audio and video cannot be cleaned."""

    def __init__(self) -> None:
        super().__init__("tool_missing")


@dataclasses.dataclass(frozen=True)
class CleanMedia:
    """A re-encoded file ready to be stored: its bytes live at ``path``."""

    path: Path
    kind: str  # image, audio or video
    mime: str
    extension: str


def media_dir(instance_dir: Path) -> Path:
    """The folder holding re-encoded media (created on demand)."""
    folder = instance_dir / "media"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def new_media_name(extension: str) -> str:
    """A random file name: says nothing about who uploaded what or when."""
    token = "".join(secrets.choice(MEDIA_NAME_CHARS) for _ in range(24))
    return f"{token}.{extension}"


def clean_image(data: bytes, workdir: Path) -> CleanMedia:
    """Decode ``data`` as an image and write a metadata-free copy into ``workdir``.

    Invariant: the output is built from decoded pixels only; nothing of the
    input file's metadata can reach it. Too many bytes or pixels, or anything
    Pillow does not recognise as one of IMAGE_FORMATS, raises MediaRejected.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise MediaTooLarge("image_too_large")
    try:
        with warnings.catch_warnings():
            # A decompression bomb warning is a refusal, not a log line.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in IMAGE_FORMATS:
                    raise MediaRejected("not_an_image")
                width, height = probe.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise MediaTooLarge("image_too_large")
                probe.load()
                # Honour the camera's orientation before its EXIF is dropped.
                upright = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected("not_an_image") from None
    except (OSError, SyntaxError, ValueError):
        # Truncated or corrupt files surface as these from Pillow's decoders.
        raise MediaRejected("not_an_image") from None
    has_alpha = upright.mode in ("RGBA", "LA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    pixels = upright.convert(mode)
    pixels.thumbnail((IMAGE_EDGE, IMAGE_EDGE))
    # A fresh image from raw pixels: no info dict, no EXIF, no ICC profile.
    fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())
    extension, fmt, mime = (
        ("png", "PNG", "image/png") if has_alpha else ("jpg", "JPEG", "image/jpeg")
    )
    out = workdir / new_media_name(extension)
    fresh.save(out, fmt, **({"quality": 85, "optimize": True} if fmt == "JPEG" else {}))
    return CleanMedia(path=out, kind="image", mime=mime, extension=extension)


def sniff_av_container(head: bytes) -> str | None:
    """The container named by the file's first bytes, or None if not accepted.

    Only the magic bytes decide, never the name or the browser's content type.
    """
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


# ffprobe format names we accept, and what we write each one back as.
_OUTPUTS = {
    "ogg": ("ogg", "audio/ogg", "ogg"),
    "matroska,webm": ("webm", "video/webm", "webm"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("mp4", "video/mp4", "mp4"),
    "mp3": ("mp3", "audio/mpeg", "mp3"),
}
_AUDIO_CODECS = {"opus", "vorbis", "aac", "mp3", "flac"}
_VIDEO_CODECS = {"vp8", "vp9", "av1", "h264"}


def ffmpeg_available() -> bool:
    """Whether audio and video can be cleaned on this machine."""
    return bool(shutil.which("ffmpeg") and shutil.which("ffprobe"))


def _probe(path: Path) -> dict[str, object]:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
         str(path)],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise MediaRejected("unsupported_media")
    try:
        parsed: dict[str, object] = json.loads(result.stdout)
    except ValueError:
        raise MediaRejected("unsupported_media") from None
    return parsed


def clean_audio_video(source: Path, workdir: Path) -> CleanMedia:
    """Validate an audio/video upload at ``source`` and remux it without metadata.

    Invariant: only accepted containers and codecs pass, no longer than
    MAX_MEDIA_SECONDS; the output carries no container or stream metadata, no
    chapters, no attachments, no subtitle or data streams.
    """
    if source.stat().st_size > MAX_MEDIA_BYTES:
        raise MediaTooLarge("media_too_large")
    with source.open("rb") as handle:
        if sniff_av_container(handle.read(16)) is None:
            raise MediaRejected("unsupported_media")
    if not ffmpeg_available():
        raise MediaToolMissing()
    info = _probe(source)
    fmt = info.get("format")
    streams = info.get("streams")
    if not isinstance(fmt, dict) or not isinstance(streams, list):
        raise MediaRejected("unsupported_media")
    output = _OUTPUTS.get(str(fmt.get("format_name", "")))
    if output is None:
        raise MediaRejected("unsupported_media")
    try:
        duration = float(fmt.get("duration", 0) or 0)
    except (TypeError, ValueError):
        duration = 0.0
    if duration <= 0 or duration > MAX_MEDIA_SECONDS:
        raise MediaRejected("media_too_long" if duration > 0 else "unsupported_media")
    codecs = {
        str(s.get("codec_type")): str(s.get("codec_name"))
        for s in streams
        if isinstance(s, dict)
        and s.get("codec_type") in ("audio", "video")
        # Cover art in MP3/MP4 shows up as a one-frame video stream.
        and not (isinstance(s.get("disposition"), dict) and s["disposition"].get("attached_pic"))
    }
    if "audio" in codecs and codecs["audio"] not in _AUDIO_CODECS:
        raise MediaRejected("unsupported_media")
    if "video" in codecs and codecs["video"] not in _VIDEO_CODECS:
        raise MediaRejected("unsupported_media")
    if "audio" not in codecs and "video" not in codecs:
        raise MediaRejected("unsupported_media")
    muxer, mime, extension = output
    kind = "video" if "video" in codecs else "audio"
    if kind == "audio" and extension in ("webm", "mp4"):
        mime = mime.replace("video/", "audio/")
    out = workdir / new_media_name(extension)
    maps = [arg for t, flag in (("video", "0:v:0"), ("audio", "0:a:0")) if t in codecs
            for arg in ("-map", flag)]  # fmt: skip
    command = [
        "ffmpeg", "-nostdin", "-v", "error", "-i", str(source), *maps,
        "-c", "copy", "-map_metadata", "-1", "-map_chapters", "-1",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-f", muxer, str(out),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, timeout=300, check=False)
    if result.returncode != 0 or not out.exists():
        out.unlink(missing_ok=True)
        raise MediaRejected("unsupported_media")
    return CleanMedia(path=out, kind=kind, mime=mime, extension=extension)


def install_clean_file(clean: CleanMedia, folder: Path) -> tuple[str, int]:
    """Move a cleaned file into the media folder atomically; return (name, size)."""
    name = clean.path.name
    size = clean.path.stat().st_size
    with clean.path.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(clean.path, folder / name)
    return name, size


def scratch_dir(folder: Path) -> tempfile.TemporaryDirectory[str]:
    """A private temporary folder beside the media folder (same filesystem: rename works)."""
    return tempfile.TemporaryDirectory(prefix=".incoming-", dir=folder)
