"""Server-rendered SVG charts for the insights pages (no JavaScript anywhere).

Invariant: a chart shows only numbers a published (suppressed) table shows; a
suppressed number is drawn as an empty, labelled slot, never as a bar whose
height would reveal it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_COLOURS = ("#2d5d8a", "#8a5a2d", "#3d8a2d", "#8a2d6e", "#2d8a84", "#6e6e6e", "#b08a1e")


def _svg_open(width: int, height: int, title: str, *, title_y: int) -> list[str]:
    """A chart's opening: the SVG element with its accessible name, and the visible title."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="{title_y}" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[int | None],
    *,
    title: str,
    suppressed_label: str = "< k",
    width: int = 640,
    bar_height: int = 26,
) -> str:
    """A horizontal bar chart as an SVG string; ``None`` values are shown as suppressed."""
    shown = [v for v in values if v is not None]
    top = max(shown, default=0) or 1
    label_width = 230
    chart_width = width - label_width - 60
    height = 40 + len(labels) * (bar_height + 8)
    parts = _svg_open(width, height, title, title_y=20)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 36 + index * (bar_height + 8)
        parts.append(_row_label(label, x=label_width - 8, y=y, bar_height=bar_height))
        if value is None:
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{chart_width}" height="{bar_height}" '
                'fill="none" stroke="#999" stroke-dasharray="4 3"/>'
                f'<text x="{label_width + 8}" y="{y + bar_height * 0.7:.0f}" font-size="12" '
                f'fill="#666">{escape(suppressed_label)}</text>'
            )
            continue
        length = round(chart_width * value / top)
        colour = BAR_COLOURS[index % len(BAR_COLOURS)]
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + length + 6}" y="{y + bar_height * 0.7:.0f}" '
            f'font-size="13">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# A label longer than this many characters at 13 px would run past the left
# edge of the label column (230 px); it is set smaller, on two lines.
LABEL_CHARS = 32
SMALL_LABEL_CHARS = 38


def wrap_label(label: str, width: int = SMALL_LABEL_CHARS) -> list[str]:
    """``label`` broken at spaces into lines of at most ``width`` characters (a longer
    single word stays whole)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _row_label(label: str, *, x: int, y: int, bar_height: int) -> str:
    """The SVG text of a bar's label, right-aligned at ``x``: one line, or two smaller ones.

    Translated category names are long ("Falta de integridad (fraude, corrupción, abuso
    de poder, peligro)"); a third line would be cut off, so what does not fit on two
    lines ends in an ellipsis.
    """
    if len(label) <= LABEL_CHARS:
        return (
            f'<text x="{x}" y="{y + bar_height * 0.7:.0f}" font-size="13" '
            f'text-anchor="end">{escape(label)}</text>'
        )
    lines = wrap_label(label)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])[: SMALL_LABEL_CHARS - 1] + "…"]
    first = y + bar_height * 0.7 if len(lines) == 1 else y + 11
    spans = "".join(
        f'<tspan x="{x}" y="{first + 12 * row:.0f}">{escape(line)}</tspan>'
        for row, line in enumerate(lines)
    )
    return f'<text font-size="11" text-anchor="end">{spans}</text>'


def trend_chart_svg(
    periods: Sequence[str],
    values: Sequence[int | None],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
) -> str:
    """Column chart over periods (quarters); suppressed periods are dashed outlines."""
    shown = [v for v in values if v is not None]
    top = max(shown, default=0) or 1
    plot_height = height - 70
    slot = (width - 40) / max(len(periods), 1)
    parts = _svg_open(width, height, title, title_y=18)
    for index, (period, value) in enumerate(zip(periods, values, strict=True)):
        x = 20 + index * slot + slot * 0.15
        bar_width = slot * 0.7
        base = height - 35
        parts.append(
            f'<text x="{x + bar_width / 2:.0f}" y="{height - 15}" font-size="11" '
            f'text-anchor="middle">{escape(period)}</text>'
        )
        if value is None:
            parts.append(
                f'<rect x="{x:.0f}" y="{base - 30}" width="{bar_width:.0f}" height="30" '
                'fill="none" stroke="#999" stroke-dasharray="4 3"/>'
            )
            continue
        bar = plot_height * value / top
        parts.append(
            f'<rect x="{x:.0f}" y="{base - bar:.0f}" width="{bar_width:.0f}" height="{bar:.0f}" '
            f'fill="{BAR_COLOURS[0]}"/>'
            f'<text x="{x + bar_width / 2:.0f}" y="{base - bar - 4:.0f}" font-size="11" '
            f'text-anchor="middle">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
