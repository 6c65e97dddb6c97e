"""The workplace poster: the QR code holds the reporters' onion address."""

from __future__ import annotations

import io

from PIL import Image

from kring.web.poster import poster_pdf, poster_png, render_poster_with_qr_box

ADDRESS = "vqashbfece3yizhrrtl24uqrera5te4njznmkudce6uy2ncweztnhpid.onion"


def test_poster_png_and_pdf() -> None:
    png = poster_png(ADDRESS, "Gemeente Voorbeeld")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1240, 1754)
    assert poster_pdf(ADDRESS, "Gemeente Voorbeeld").startswith(b"%PDF")


def test_qr_code_encodes_the_address() -> None:
    import qrcode

    qr = qrcode.QRCode(border=2, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(f"http://{ADDRESS}/")
    qr.make(fit=True)
    expected = qr.get_matrix()
    image, (left, top, side) = render_poster_with_qr_box(ADDRESS, "X")
    grey = image.convert("L")
    # get_matrix() includes the 2-module quiet zone, like the image.
    size = len(expected)
    module = side / size
    decoded = [
        [
            grey.getpixel((int(left + (c + 0.5) * module), int(top + (r + 0.5) * module))) < 128
            for c in range(size)
        ]
        for r in range(size)
    ]
    assert decoded == [[bool(v) for v in row] for row in expected]


def test_poster_speaks_dutch_english_and_spanish_within_the_page() -> None:
    from kring.web.poster import MARGIN, POSTER_LANGUAGES, TEXT

    assert POSTER_LANGUAGES == ("nl", "en", "es")
    assert TEXT["es"][0].startswith("¿Has vivido o visto conducta no deseada")
    image = render_poster_with_qr_box(ADDRESS, "Gemeente Voorbeeld")[0].convert("L")
    width, height = image.size
    # Nothing is drawn into the bottom margin: the third language still fits.
    bottom = image.crop((0, height - MARGIN // 2, width, height))
    assert bottom.getextrema() == (255, 255)
    # ... and the Spanish block is really there, in the lower part of the page.
    lower = image.crop((0, height - 3 * MARGIN, width, height - MARGIN // 2))
    assert lower.getextrema()[0] < 128
