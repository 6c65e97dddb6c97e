"""Insights: anonymous statistics for HR, management and the works council.

Invariant: every number on these pages, in the charts, the CSV files and the
annual report comes from ``annual_tables`` over the aggregate counters
(counted conversations only, small units rolled up, small cells suppressed with
the exact audit). Nothing here reads a conversation. Charts are SVG images
served from their own URLs (``img-src 'self'`` in the CSP); no JavaScript.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kring.core.insights.charts import bar_chart_svg, trend_chart_svg
from kring.core.insights.report_pdf import ReportSection, annual_report_pdf
from kring.core.insights.snapshots import Snapshot, published_snapshots, year_view
from kring.core.insights.suppression import PublishedTable
from kring.core.insights.tables import (
    NO_VALUE,
    OTHER_UNIT,
    AnnualTables,
)
from kring.core.insights.tables import table_csv as to_csv
from kring.core.instance_settings import current_options
from kring.journalist_ui import labels
from kring.journalist_ui.auth import require_viewer
from kring.journalist_ui.formatting import decimal
from kring.web.context import core

bp = Blueprint("insights", __name__, url_prefix="/<lang>/insights")

TABLES = ("category", "path", "unit", "closing_category", "outcome")
FIRST_YEAR = 2000


def _titles() -> dict[str, str]:
    return {
        "category": _("Conversations by category"),
        "path": _("Conversations by what the reporter wanted"),
        "unit": _("Conversations by unit"),
        "closing_category": _("Closed conversations by closing category"),
        "outcome": _("Conversations by outcome"),
    }


def _row_label(table: str, value: str) -> str:
    if value == NO_VALUE:
        return _("Not given")
    if table == "unit" and value == OTHER_UNIT:
        return _("Other (small units together)")
    names = {
        "category": labels.category_labels(),
        "closing_category": labels.category_labels(),
        "path": labels.path_labels(),
        "outcome": labels.outcome_labels(),
    }.get(table, {})
    return names.get(value, value)


@dataclasses.dataclass(frozen=True)
class Shown:
    """One table ready for a template: translated labels, suppressed marks as None."""

    name: str
    title: str
    table: PublishedTable
    rows: list[tuple[str, tuple[int | None, ...], int | None]]


def _year(raw: object = None) -> int:
    """The chosen year (default: this year); 404 outside 2000..this year."""
    today = core().today()
    if raw in (None, ""):
        return today.year
    try:
        year = int(str(raw))
    except ValueError:
        abort(404)
    if not FIRST_YEAR <= year <= today.year:
        abort(404)
    return year


def _k() -> int:
    return current_options(core()).insights_k


def _published(year: int) -> tuple[AnnualTables, list[Snapshot]]:
    """The year's frozen quarters side by side (freezing any newly due one)."""
    snapshots = published_snapshots(core(), year)
    return year_view(year, snapshots), snapshots


def compute(year: int) -> AnnualTables:
    """The year's published tables: frozen snapshots only, never recomputed."""
    return _published(year)[0]


def _shown_k(snapshots: list[Snapshot]) -> int:
    """The k the shown numbers were suppressed with (the setting if none is shown yet)."""
    ks = {s.k for s in snapshots}
    return max(ks) if ks else _k()


def _table(tables: AnnualTables, name: str) -> PublishedTable:
    return {
        "category": tables.by_category,
        "path": tables.by_path,
        "unit": tables.by_unit,
        "closing_category": tables.by_closing_category,
        "outcome": tables.by_outcome,
    }[name]


def _shown(tables: AnnualTables) -> list[Shown]:
    titles = _titles()
    out = []
    for name in TABLES:
        table = _table(tables, name)
        rows = [
            (_row_label(name, label), cells, total)
            for label, cells, total in zip(
                table.row_labels, table.cells, table.row_totals, strict=True
            )
        ]
        out.append(Shown(name=name, title=titles[name], table=table, rows=rows))
    return out


def _context(year: int) -> dict[str, Any]:
    tables, snapshots = _published(year)
    k = _shown_k(snapshots)
    current_k = _k()
    this_year = core().today().year
    return {
        "year": year,
        "years": list(range(this_year, max(FIRST_YEAR, this_year - 9) - 1, -1)),
        "k": k,
        "suppressed": _("<%(k)s", k=k),
        "tables": tables,
        "shown": _shown(tables),
        "today": core().today(),
        "delay_days": core().settings.insights_publication_delay_days,
        "current_k": current_k,
        "frozen_with_other_k": ", ".join(
            _("%(quarter)s (k = %(k)s)", quarter=labels.quarter_label(s.quarter), k=s.k)
            for s in snapshots
            if s.k != current_k
        ),
    }


@bp.get("/")
def overview() -> str:
    """The year's tables, charts, legal-clock medians and trend."""
    require_viewer()
    year = _year(request.args.get("year"))
    return render_template("journalist/insights.html", **_context(year))


@bp.get("/<int:year>/report")
def report(year: int) -> str:
    """The annual report draft (jaarverslag): printable HTML in the page's language."""
    require_viewer()
    year = _year(year)
    return render_template("journalist/insights_report.html", **_context(year))


@bp.get("/<int:year>/<name>.csv")
def table_csv(year: int, name: str) -> Response:
    """One table as CSV, suppressed numbers marked as in the page."""
    require_viewer()
    year = _year(year)
    if name not in TABLES:
        abort(404)
    tables, snapshots = _published(year)
    table = _table(tables, name)
    translated = dataclasses.replace(
        table, row_labels=tuple(_row_label(name, label) for label in table.row_labels)
    )
    body = to_csv(translated, suppressed=_("<%(k)s", k=_shown_k(snapshots)))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kring-insights-{year}-{name}.csv"'
    )
    return response


def _svg(body: str) -> Response:
    return Response(body, mimetype="image/svg+xml")


def _chart_svg(tables: AnnualTables, name: str, year: int, k: int) -> str:
    suppressed = _("<%(k)s", k=k)
    if name == "trend":
        return trend_chart_svg(
            [labels.quarter_label(q) for q in tables.quarters],
            list(tables.by_path.column_totals),
            title=_("Counted conversations per quarter, %(year)s", year=year),
        )
    table = _table(tables, name)
    return bar_chart_svg(
        [_row_label(name, label) for label in table.row_labels],
        list(table.row_totals),
        title=f"{_titles()[name]}, {year}",
        suppressed_label=suppressed,
    )


@bp.get("/<int:year>/<name>.svg")
def chart(year: int, name: str) -> Response:
    """A bar chart of one table's yearly totals per row (suppressed totals drawn empty)."""
    require_viewer()
    year = _year(year)
    if name != "trend" and name not in TABLES:
        abort(404)
    tables, snapshots = _published(year)
    return _svg(_chart_svg(tables, name, year, _shown_k(snapshots)))


@bp.get("/<int:year>/report.pdf")
def report_pdf(year: int) -> Response:
    """The annual report draft as PDF: the same tables, charts and suppression."""
    require_viewer()
    year = _year(year)
    tables, snapshots = _published(year)
    response = Response(_report_body(year, tables, _shown_k(snapshots)), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="kring-report-{year}.pdf"'
    return response


def _report_body(year: int, tables: AnnualTables, k: int) -> bytes:
    """The annual report's PDF in the page's language: the published tables and charts, in words."""

    def median(value: float | None) -> str:
        return _("not enough cases") if value is None else decimal(value)

    sections = [
        ReportSection(
            title=shown.title,
            column_labels=[labels.quarter_label(q) for q in shown.table.column_labels],
            rows=shown.rows,
            column_totals=shown.table.column_totals,
            grand_total=shown.table.grand_total,
            chart_svg=_chart_svg(tables, shown.name, year, k),
        )
        for shown in _shown(tables)
    ]
    return annual_report_pdf(
        title=_("Annual report of the confidants, %(year)s (draft)", year=year),
        intro=[
            _(
                "Only conversations whose reporter agreed to be counted are included. "
                "Numbers below %(k)s are hidden (%(marker)s), together with enough others "
                "that they cannot be worked out from the totals.",
                k=k,
                marker=_("<%(k)s", k=k),
            )
        ],
        sections=sections,
        closing=[
            line
            for quarter, ack, feedback in tables.quarter_medians
            for line in (
                f"{labels.quarter_label(quarter)}: "
                + _(
                    "Median days to acknowledge a report of wrongdoing: %(value)s",
                    value=median(ack),
                ),
                f"{labels.quarter_label(quarter)}: "
                + _(
                    "Median days to feedback on a report of wrongdoing: %(value)s",
                    value=median(feedback),
                ),
            )
        ],
        suppressed_marker=_("<%(k)s", k=k),
        total_label=_("Total"),
    )
