"""QR codes for every screen and file Kring draws them on: terminal, SVG, PNG, a pixel matrix.

A leaf of the standard library and the declared ``qrcode`` dependency only: the servers
(client keys, TOTP enrolment, the poster) and the air-gapped workstation (the key's
fingerprint) import it, so every code is built the same way — error correction M, the data
fitted into the smallest version that holds it. It imports nothing from Kring.

Invariant: each function returns the code in memory and writes nothing; a code that holds a
secret (a client key, a TOTP seed) is the caller's to write with the secret's own care.
"""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(data: str, *, border: int, box_size: int = 10) -> Any:
    """The QR code of ``data`` at error correction M, ``border`` modules of quiet zone."""
    code = qrcode.QRCode(border=border, box_size=box_size, error_correction=ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_matrix(data: str, *, border: int = 4) -> list[list[bool]]:
    """The modules of ``data``'s code, quiet zone included: True is dark."""
    return [list(row) for row in _code(data, border=border).get_matrix()]


def qr_terminal(data: str, *, border: int = 2) -> str:
    """``data``'s code drawn with block characters, light on a dark terminal."""
    out = io.StringIO()
    _code(data, border=border).print_ascii(out=out, invert=True)
    return out.getvalue()


def qr_svg(data: str, *, border: int = 4, box_size: int = 10) -> bytes:
    """``data``'s code as an SVG document of one path (no scripts, no external references)."""
    image = _code(data, border=border, box_size=box_size).make_image(
        image_factory=qrcode.image.svg.SvgPathImage
    )
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_pillow(data: str, *, border: int = 4, box_size: int = 10) -> Any:
    """``data``'s code as an RGB Pillow image, black on white (needs Pillow)."""
    image = _code(data, border=border, box_size=box_size).make_image(
        fill_color="black", back_color="white"
    )
    return image.get_image().convert("RGB")


def qr_png(data: str, *, border: int = 4, box_size: int = 10) -> bytes:
    """``data``'s code as PNG bytes (needs Pillow)."""
    out = io.BytesIO()
    _code(data, border=border, box_size=box_size).make_image().save(out)
    return out.getvalue()


def have_pillow() -> bool:
    """Whether PNG codes can be made here (Pillow is installed on servers, not required)."""
    try:
        import PIL  # noqa: F401 - only probing whether Pillow is there
    except ImportError:
        return False
    return True
