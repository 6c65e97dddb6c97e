"""The media library: cleaned photos and recordings under random names.

Invariant: nothing uploaded is served as uploaded; only the re-encoded,
metadata-free file is stored, under a random name.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kring.core.content.media import (
    MAX_IMAGE_BYTES,
    CleanMedia,
    MediaRejected,
    MediaTooLarge,
    clean_audio_video,
    clean_image,
    install_clean_file,
    media_dir,
    scratch_dir,
)
from kring.core.content.models import MediaFile
from kring.core.content.profiles import set_profile_media
from kring.core.content.rules import MEDIA_NAME_RE, ContentNotFound
from kring.core.context import CoreContext


def media_file(ctx: CoreContext, name: str) -> tuple[Path, str]:
    """The path and MIME type of a stored media file.

    Invariant: only names that match the random-name pattern AND have a row
    are served, so no path outside ``media/`` can ever be asked for.
    """
    if not MEDIA_NAME_RE.match(name):
        raise ContentNotFound(name)
    with ctx.sessions() as db:
        row = db.get(MediaFile, name)
    path = media_dir(ctx.settings.instance_dir) / name
    if row is None or not path.is_file():
        raise ContentNotFound(name)
    return path, row.mime


def _store_clean(ctx: CoreContext, clean: CleanMedia) -> str:
    folder = media_dir(ctx.settings.instance_dir)
    name, size = install_clean_file(clean, folder)
    try:
        with ctx.sessions.begin() as db:
            db.add(
                MediaFile(name=name, kind=clean.kind, mime=clean.mime, size=size,
                          created_on=ctx.today())
            )  # fmt: skip
    except Exception:
        (folder / name).unlink(missing_ok=True)
        raise
    return name


def store_image(ctx: CoreContext, data: bytes) -> str:
    """Re-encode an uploaded image without metadata and store it; return its name.

    Invariant: what is stored and served is never the uploaded file itself.
    """
    folder = media_dir(ctx.settings.instance_dir)
    with scratch_dir(folder) as work:
        return _store_clean(ctx, clean_image(data, Path(work)))


def store_audio_video(ctx: CoreContext, upload: Path) -> str:
    """Validate and remux an uploaded audio/video file without metadata; return its name."""
    folder = media_dir(ctx.settings.instance_dir)
    with scratch_dir(folder) as work:
        return _store_clean(ctx, clean_audio_video(upload, Path(work)))


MEDIA_KINDS = ("photo", "intro")


def update_profile_media(
    ctx: CoreContext, confidant_id: int, kind: str, upload: Path, *, remove: bool
) -> None:
    """Attach the uploaded photo or intro to a confidant's profile, or detach it (``remove``).

    Raises MediaRejected("bad_upload") for an unknown kind or an empty file,
    MediaTooLarge for an image over its cap, and whatever the re-encoder
    refuses; nothing is attached then. The upload itself is never stored.
    """
    if kind not in MEDIA_KINDS:
        raise MediaRejected("bad_upload")
    if remove:
        set_profile_media(
            ctx, confidant_id, clear_photo=kind == "photo", clear_intro=kind == "intro"
        )
        return
    size = upload.stat().st_size if upload.exists() else 0
    if size == 0:
        raise MediaRejected("bad_upload")
    if kind == "photo":
        if size > MAX_IMAGE_BYTES:
            raise MediaTooLarge("image_too_large")
        set_profile_media(ctx, confidant_id, photo=store_image(ctx, upload.read_bytes()))
    else:
        set_profile_media(ctx, confidant_id, intro=store_audio_video(ctx, upload))


def list_media(ctx: CoreContext) -> list[MediaFile]:
    """Every stored media file (for the editor), newest first."""
    with ctx.sessions() as db:
        return list(db.scalars(select(MediaFile).order_by(MediaFile.created_on.desc())))
