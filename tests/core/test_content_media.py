"""Uploaded photos and intros: re-encoded without metadata, bad input refused cleanly."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kring.core.content import library, media
from kring.core.context import CoreContext
from tests.source_ui.info_fixtures import (
    SECRET_EXIF_TEXT,
    ffmpeg_present,
    jpeg_with_exif,
    make_media,
)

needs_ffmpeg = pytest.mark.skipif(not ffmpeg_present(), reason="ffmpeg is a runtime package")


def _stored(ctx: CoreContext, name: str) -> Path:
    return library.media_file(ctx, name)[0]


def _no_leftovers(ctx: CoreContext) -> None:
    folder = ctx.settings.instance_dir / "media"
    assert [p.name for p in folder.iterdir()] == [] if folder.exists() else True


def test_photo_is_re_encoded_without_exif(ctx: CoreContext) -> None:
    original = jpeg_with_exif((3000, 2000))
    assert SECRET_EXIF_TEXT.encode() in original
    name = library.store_image(ctx, original)
    data = _stored(ctx, name).read_bytes()
    assert SECRET_EXIF_TEXT.encode() not in data
    assert b"Exif" not in data and b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert max(image.size) == media.IMAGE_EDGE
        assert "icc_profile" not in image.info and "comment" not in image.info


def test_transparent_png_stays_png(ctx: CoreContext) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, "PNG")
    name = library.store_image(ctx, out.getvalue())
    assert name.endswith(".png")
    assert library.media_file(ctx, name)[1] == "image/png"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7 not an image", "not_an_image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "not_an_image"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 100, "not_an_image"),  # truncated JPEG
        (b"", "not_an_image"),
    ],
)
def test_non_image_photo_is_refused(ctx: CoreContext, data: bytes, reason: str) -> None:
    with pytest.raises(media.MediaRejected) as refused:
        library.store_image(ctx, data)
    assert refused.value.reason == reason
    _no_leftovers(ctx)
    assert library.list_media(ctx) == []


def test_oversized_photo_is_refused(ctx: CoreContext) -> None:
    with pytest.raises(media.MediaRejected) as refused:
        library.store_image(ctx, b"\xff\xd8" + b"\0" * (media.MAX_IMAGE_BYTES + 1))
    assert refused.value.reason == "image_too_large"
    # Few bytes, too many pixels (a decompression bomb).
    bomb = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 1_000_000
    with pytest.raises(media.MediaRejected) as refused:
        library.store_image(ctx, bomb.getvalue())
    assert refused.value.reason == "image_too_large"
    _no_leftovers(ctx)


@pytest.mark.parametrize(
    "head",
    [
        b"RIFF\x00\x00\x00\x00AVI LIST",  # AVI
        b"FLV\x01\x05\x00\x00\x00\x09",  # Flash video
        b"\x00\x00\x01\xba\x44\x00\x04",  # MPEG program stream
        b"<html><script>alert(1)</script>",
        b"MZ\x90\x00 executable",
    ],
)
def test_video_in_unsupported_format_is_refused(
    ctx: CoreContext, tmp_path: Path, head: bytes
) -> None:
    upload = tmp_path / "intro.mp4"  # the name claims MP4; only the bytes count
    upload.write_bytes(head + b"\0" * 4096)
    with pytest.raises(media.MediaRejected) as refused:
        library.store_audio_video(ctx, upload)
    assert refused.value.reason == "unsupported_media"
    _no_leftovers(ctx)


@needs_ffmpeg
def test_video_with_unsupported_codec_is_refused(ctx: CoreContext, tmp_path: Path) -> None:
    # A Matroska container (accepted) holding MJPEG video (not accepted).
    upload = make_media(
        tmp_path,
        "intro.mkv",
        ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x64", "-c:v", "mjpeg"],
    )
    with pytest.raises(media.MediaRejected) as refused:
        library.store_audio_video(ctx, upload)
    assert refused.value.reason == "unsupported_media"


@needs_ffmpeg
def test_video_is_remuxed_without_metadata(ctx: CoreContext, tmp_path: Path) -> None:
    upload = make_media(
        tmp_path,
        "intro.webm",
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=64x64:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-c:v",
            "libvpx",
            "-b:v",
            "50k",
            "-c:a",
            "libopus",
            "-shortest",
        ],
    )
    assert SECRET_EXIF_TEXT.encode() in upload.read_bytes()
    name = library.store_audio_video(ctx, upload)
    path, mime = library.media_file(ctx, name)
    assert (name.endswith(".webm"), mime) == (True, "video/webm")
    assert SECRET_EXIF_TEXT.encode() not in path.read_bytes()
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        check=True,
    )
    info = json.loads(probe.stdout)
    tags = {k.lower() for k in info["format"].get("tags", {})}
    assert not tags & {"title", "location", "comment", "artist"}
    assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}


@needs_ffmpeg
def test_too_long_audio_is_refused(
    ctx: CoreContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media, "MAX_MEDIA_SECONDS", 1)
    upload = make_media(
        tmp_path, "long.ogg", ["-f", "lavfi", "-i", "sine=duration=3", "-c:a", "libopus"]
    )
    with pytest.raises(media.MediaRejected) as refused:
        library.store_audio_video(ctx, upload)
    assert refused.value.reason == "media_too_long"


def test_without_ffmpeg_audio_is_refused_not_stored_raw(
    ctx: CoreContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media.shutil, "which", lambda _name: None)
    upload = tmp_path / "a.ogg"
    upload.write_bytes(b"OggS" + b"\0" * 100)
    with pytest.raises(media.MediaToolMissing):
        library.store_audio_video(ctx, upload)
