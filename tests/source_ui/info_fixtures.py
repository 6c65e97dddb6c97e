"""Helpers for the information-page tests: confidants with profiles and media."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from kring.core.content import library, profiles
from kring.core.context import CoreContext
from kring.core.models import Confidant

SECRET_EXIF_TEXT = "Kring-secret-camera-owner"


def jpeg_with_exif(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG whose EXIF names its owner and carries GPS: what a phone photo holds."""
    image = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[0x013B] = SECRET_EXIF_TEXT  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=SECRET_EXIF_TEXT.encode())
    return out.getvalue()


def make_media(tmp: Path, name: str, args: list[str]) -> Path:
    """Make a small audio/video file with ffmpeg, with identifying metadata in it."""
    out = tmp / name
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args,
         "-metadata", f"title={SECRET_EXIF_TEXT}", "-metadata", "location=+52.37+004.89/",
         str(out)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out


def ffmpeg_present() -> bool:
    """ffmpeg is a runtime dependency for audio/video introductions."""
    return bool(shutil.which("ffmpeg") and shutil.which("ffprobe"))


def add_keyless_confidant(ctx: CoreContext, name: str = "Kees Keyless") -> int:
    """A confidant with no public key yet: shown, never choosable."""
    with ctx.sessions.begin() as db:
        confidant = Confidant(display_name=name, public_key=None, created_on=dt.date(2026, 1, 1))
        db.add(confidant)
        db.flush()
        return confidant.id


def give_profile(ctx: CoreContext, confidant_id: int, *, with_photo: bool = True) -> None:
    """A bilingual profile (Dutch texts partly missing, to exercise the fallback)."""
    profiles.save_profile(
        ctx,
        confidant_id,
        is_external=True,
        languages=["nl", "en", "tr"],
        texts={
            "en": profiles.ProfileTexts(
                role="External confidant, social worker",
                about_md="I have listened to people at work for twenty years.",
                records_md="I write down the **day**, the category and what we agreed. "
                "Nothing else. My notes stay on an offline laptop and are destroyed after closing.",
                transcript_md="Hello, I am a confidant.",
            ),
            "nl": profiles.ProfileTexts(role="Externe vertrouwenspersoon, maatschappelijk werker"),
        },
    )
    if with_photo:
        photo = library.store_image(ctx, jpeg_with_exif())
        profiles.set_profile_media(ctx, confidant_id, photo=photo)
