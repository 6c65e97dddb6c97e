"""The annual report draft (jaarverslag) as PDF: the same suppressed tables and charts.

Invariant: it only lays out what it is given — published tables whose hidden
numbers are ``None`` (printed as the suppression marker) and the SVG charts
drawn from them — so the PDF shows nothing the HTML report does not.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from svglib.svglib import svg2rlg


@dataclasses.dataclass(frozen=True)
class ReportSection:
    """One table of the report, with translated labels and its chart."""

    title: str
    column_labels: Sequence[str]
    rows: Sequence[tuple[str, Sequence[int | None], int | None]]
    column_totals: Sequence[int | None]
    grand_total: int | None
    chart_svg: str | None = None


def _cell(value: int | None, marker: str) -> str:
    return marker if value is None else str(value)


def annual_report_pdf(
    *,
    title: str,
    intro: Sequence[str],
    sections: Sequence[ReportSection],
    closing: Sequence[str],
    suppressed_marker: str,
    total_label: str,
) -> bytes:
    """Render the report; ``intro`` and ``closing`` are already translated paragraphs."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=title
    )
    styles = getSampleStyleSheet()
    story: list[object] = [Paragraph(title, styles["Title"])]
    story += [Paragraph(text, styles["BodyText"]) for text in intro]
    for section in sections:
        story += [Spacer(1, 6 * mm), Paragraph(section.title, styles["Heading2"])]
        data = [["", *section.column_labels, total_label]]
        for label, cells, total in section.rows:
            data.append(
                [
                    label,
                    *[_cell(v, suppressed_marker) for v in cells],
                    _cell(total, suppressed_marker),
                ]
            )
        data.append(
            [
                total_label,
                *[_cell(v, suppressed_marker) for v in section.column_totals],
                _cell(section.grand_total, suppressed_marker),
            ]
        )
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("BACKGROUND", (0, -1), (-1, -1), colors.whitesmoke),
                    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ]
            )
        )
        story.append(table)
        if section.chart_svg:
            drawing = svg2rlg(io.StringIO(section.chart_svg))
            if drawing is not None:
                scale = min(1.0, (A4[0] - 36 * mm) / max(drawing.width, 1))
                drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
                drawing.scale(scale, scale)
                story += [Spacer(1, 3 * mm), drawing]
    story.append(Spacer(1, 6 * mm))
    story += [Paragraph(text, styles["BodyText"]) for text in closing]
    doc.build(story)
    return buffer.getvalue()
