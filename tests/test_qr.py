"""One QR helper for the terminal, the pages, the poster, the client keys and the desktop app."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from PIL import Image

from kring.qr import have_pillow, qr_matrix, qr_pillow, qr_png, qr_svg, qr_terminal

DATA = "OPENPGP4FPR:0123456789ABCDEF0123456789ABCDEF01234567"


def test_the_matrix_is_square_with_the_quiet_zone_asked_for() -> None:
    for border in (2, 4):
        matrix = qr_matrix(DATA, border=border)
        side = len(matrix)
        assert all(len(row) == side for row in matrix)
        # Version v has 17 + 4v modules; the quiet zone is light on every side.
        assert (side - 2 * border - 17) % 4 == 0
        assert not any(matrix[y][x] for y in range(border) for x in range(side))
        assert not any(row[x] for row in matrix for x in range(border))
        # The finder pattern's dark corner sits just inside the quiet zone.
        assert matrix[border][border]


def test_more_data_makes_a_bigger_code() -> None:
    assert len(qr_matrix("x" * 200)) > len(qr_matrix("x"))


def _terminal_from_matrix(matrix: list[list[bool]]) -> list[str]:
    """What print_ascii(invert=True) draws: two rows a line, light modules as blocks (NBSP for none)."""
    blocks = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): "\xa0"}
    lines = []
    for y in range(0, len(matrix), 2):
        lower = matrix[y + 1] if y + 1 < len(matrix) else [True] * len(matrix)
        lines.append("".join(blocks[(not a, not b)] for a, b in zip(matrix[y], lower, strict=True)))
    return lines


def test_the_terminal_code_draws_the_same_modules() -> None:
    text = qr_terminal(DATA, border=2)
    assert text.splitlines() == _terminal_from_matrix(qr_matrix(DATA, border=2))


def test_the_svg_is_one_path_with_nothing_active_or_external() -> None:
    svg = qr_svg(DATA, border=2, box_size=10)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags == {"svg", "path"}
    assert b"script" not in svg
    assert b"href" not in svg
    assert b"http" not in svg.replace(b"http://www.w3.org/2000/svg", b"")


def _pixels_match(image: Image.Image, matrix: list[list[bool]], box: int) -> bool:
    rgb = image.convert("RGB")
    return all(
        (rgb.getpixel((x * box + box // 2, y * box + box // 2)) == (0, 0, 0)) == dark
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
    )


def test_png_and_pillow_images_carry_the_matrix() -> None:
    assert have_pillow()  # the server extra brings Pillow; the client keys' QR is then a PNG
    matrix = qr_matrix(DATA, border=4)
    png = Image.open(io.BytesIO(qr_png(DATA, border=4, box_size=3)))
    assert png.format == "PNG"
    assert png.size == (len(matrix) * 3, len(matrix) * 3)
    assert _pixels_match(png, matrix, 3)
    pillow = qr_pillow(DATA, border=4, box_size=5)
    assert pillow.mode == "RGB"
    assert _pixels_match(pillow, matrix, 5)
