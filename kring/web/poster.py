"""A printable poster for the workplace: the reporters' onion address as a QR code.

Rendered on the server with Pillow (PNG, and PDF from the same image) so the
admin can print it and hang it where employees see it. In Dutch, English and
Spanish (the first in full size, the others smaller), with the steps to open the
address safely.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kring.qr import qr_pillow

# A4 at 150 dpi.
WIDTH, HEIGHT = 1240, 1754
MARGIN = 90
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)

TEXT = {
    "nl": (
        "Ongewenst gedrag op het werk meegemaakt of gezien?",
        "Praat er veilig en anoniem over met een vertrouwenspersoon.",
        [
            "1. Installeer Tor Browser op een eigen apparaat, niet op een apparaat van je werk.",
            "2. Open dit adres in Tor Browser (of scan de QR-code):",
            "3. Zet het beveiligingsniveau van Tor Browser op 'Safest'.",
        ],
    ),
    "en": (
        "Experienced or witnessed unwanted behaviour at work?",
        "Talk to a confidant about it, safely and anonymously.",
        [
            "1. Install Tor Browser on a private device, not on a work device.",
            "2. Open the address above in Tor Browser (or scan the QR code).",
            "3. Set Tor Browser's security level to 'Safest'.",
        ],
    ),
    "es": (
        "¿Has vivido o visto conducta no deseada en el trabajo?",
        "Habla de ello con una persona de confianza, de forma segura y anónima.",
        [
            "1. Instala el navegador Tor en un aparato propio, no en uno del trabajo.",
            "2. Abre la dirección de arriba en el navegador Tor (o escanea el código QR).",
            "3. Pon el nivel de seguridad del navegador Tor en 'Safest' (el más seguro).",
        ],
    ),
}
POSTER_LANGUAGES = ("nl", "en", "es")
# Font sizes (title, lead, steps) and line heights: the first language in full
# size, the others smaller so that three fit on one A4 page.
FIRST_SIZES = ((46, 58), (34, 44), (28, 36))
OTHER_SIZES = ((36, 46), (28, 36), (24, 31))


def _font(
    size: int, *, bold: bool = False, mono: bool = False
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSansMono" if mono else ("DejaVuSans-Bold" if bold else "DejaVuSans")
    for folder in FONT_DIRS:
        path = folder / f"{name}.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def render_poster(onion_address: str, organisation: str) -> Image.Image:
    """The poster as an image: organisation, invitation, QR code, address, steps."""
    return render_poster_with_qr_box(onion_address, organisation)[0]


def render_poster_with_qr_box(
    onion_address: str, organisation: str
) -> tuple[Image.Image, tuple[int, int, int]]:
    """The poster and where its QR code is: (left, top, side) in pixels."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    usable = WIDTH - 2 * MARGIN
    y = MARGIN
    draw.text((MARGIN, y), organisation, font=_font(40, bold=True), fill="#2d5d8a")
    y += 80
    url = f"http://{onion_address}/"
    code = qr_pillow(url, border=2, box_size=10).resize((520, 520), Image.Resampling.NEAREST)
    for index, lang in enumerate(POSTER_LANGUAGES):
        title, lead, steps = TEXT[lang]
        (title_size, title_step), (lead_size, lead_step), (step_size, step_step) = (
            FIRST_SIZES if index == 0 else OTHER_SIZES
        )
        for line in _wrap(draw, title, _font(title_size, bold=True), usable):
            draw.text((MARGIN, y), line, font=_font(title_size, bold=True), fill="#1d2430")
            y += title_step
        for line in _wrap(draw, lead, _font(lead_size), usable):
            draw.text((MARGIN, y), line, font=_font(lead_size), fill="#1d2430")
            y += lead_step
        y += 12
        for step in steps:
            for line in _wrap(draw, step, _font(step_size), usable):
                draw.text((MARGIN, y), line, font=_font(step_size), fill="#333333")
                y += step_step
        y += 24
        if index == 0:
            box = ((WIDTH - 520) // 2, y, 520)
            image.paste(code, box[:2])
            y += 540
            address_font = _font(26, mono=True)
            for line in _wrap(
                draw,
                " ".join([url[i : i + 32] for i in range(0, len(url), 32)]),
                address_font,
                usable,
            ):
                width = draw.textlength(line, font=address_font)
                draw.text(((WIDTH - width) / 2, y), line, font=address_font, fill="#000000")
                y += 34
            y += 40
    return image, box


def poster_png(onion_address: str, organisation: str) -> bytes:
    """The poster as PNG bytes."""
    buffer = io.BytesIO()
    render_poster(onion_address, organisation).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def poster_pdf(onion_address: str, organisation: str) -> bytes:
    """The poster as a one-page A4 PDF."""
    buffer = io.BytesIO()
    render_poster(onion_address, organisation).save(buffer, format="PDF", resolution=150.0)
    return buffer.getvalue()
