"""The tables insights viewers see, computed from coarse case records.

Invariant: the only inputs are coarse fields (quarter, category, path, unit,
outcome, whole days to acknowledgement and feedback) of conversations whose
reporter agreed to be counted; every table leaves through ``suppress``. Units
with fewer than ``k`` counted conversations roll up into "other" before any
table is built, so no unit of a handful of people is ever a row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence

from kring.core.insights.suppression import PublishedTable, suppress

OTHER_UNIT = "other"
NO_VALUE = "unknown"


@dataclasses.dataclass(frozen=True)
class CaseRecord:
    """What statistics may know about one counted conversation."""

    quarter: str  # "2026-Q3"
    category: str | None
    path: str
    unit: str | None
    outcome: str | None
    days_to_acknowledgement: int | None
    days_to_feedback: int | None


def quarter_of(day: dt.date) -> str:
    """The quarter a day falls in, e.g. 2026-11-29 -> "2026-Q4"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_of_year(year: int) -> list[str]:
    """The four quarters of a year, in order."""
    return [f"{year}-Q{q}" for q in range(1, 5)]


def published_quarters(year: int, *, today: dt.date, delay_days: int) -> list[str]:
    """The year's quarters that may be shown on ``today``: ended ``delay_days`` ago or more.

    Invariant: the current quarter is never shown, so a viewer who looks every
    day never sees a cell move the day a report arrives.
    """
    shown = []
    for q in range(1, 5):
        last_day = dt.date(year + q // 4, q * 3 % 12 + 1, 1) - dt.timedelta(days=1)
        if today >= last_day + dt.timedelta(days=delay_days):
            shown.append(f"{year}-Q{q}")
    return shown


def roll_up_small_units(records: Sequence[CaseRecord], k: int) -> list[CaseRecord]:
    """Replace every unit with fewer than ``k`` counted conversations by "other"."""
    sizes = Counter(r.unit for r in records if r.unit)
    return [
        dataclasses.replace(r, unit=OTHER_UNIT) if r.unit and sizes[r.unit] < k else r
        for r in records
    ]


def crosstab(
    records: Iterable[CaseRecord],
    *,
    row: str,
    columns: Sequence[str],
    rows: Sequence[str],
    k: int,
) -> PublishedTable:
    """Count records by ``row`` field (rows) and quarter (columns), then suppress."""
    counts = Counter((getattr(r, row) or NO_VALUE, r.quarter) for r in records)
    table = [[counts[(label, column)] for column in columns] for label in rows]
    return suppress(table, k=k, row_labels=rows, column_labels=columns)


@dataclasses.dataclass(frozen=True)
class AnnualTables:
    """Everything the annual report and the insights pages show for one year."""

    year: int
    quarters: list[str]
    by_category: PublishedTable
    by_path: PublishedTable
    by_unit: PublishedTable
    by_outcome: PublishedTable
    median_days_to_acknowledgement: float | None
    median_days_to_feedback: float | None
    wrongdoing_reports: int | None


def annual_tables(
    records: Sequence[CaseRecord],
    *,
    year: int,
    k: int,
    categories: Sequence[str],
    paths: Sequence[str],
    outcomes: Sequence[str],
    quarters: Sequence[str] | None = None,
) -> AnnualTables:
    """The year's tables by quarter, each with small-cell suppression.

    ``quarters``: the quarters to count and show (the pages pass
    ``published_quarters``); default all four. Medians of the legal clock are
    published only when at least ``k`` reports of wrongdoing contribute to them.
    """
    quarters = list(quarters) if quarters is not None else quarters_of_year(year)
    in_year = [r for r in records if r.quarter in quarters]
    rolled = roll_up_small_units(in_year, k)
    units = sorted({r.unit for r in rolled if r.unit and r.unit != OTHER_UNIT})
    unit_rows = [*units, OTHER_UNIT, NO_VALUE]
    wrongdoing = [r for r in rolled if r.path == "wrongdoing"]
    ack = [r.days_to_acknowledgement for r in wrongdoing if r.days_to_acknowledgement is not None]
    feedback = [r.days_to_feedback for r in wrongdoing if r.days_to_feedback is not None]
    by_path = crosstab(rolled, row="path", columns=quarters, rows=list(paths), k=k)
    return AnnualTables(
        year=year,
        quarters=quarters,
        by_category=crosstab(
            rolled, row="category", columns=quarters, rows=[*categories, NO_VALUE], k=k
        ),
        by_path=by_path,
        by_unit=crosstab(rolled, row="unit", columns=quarters, rows=unit_rows, k=k),
        by_outcome=crosstab(
            rolled, row="outcome", columns=quarters, rows=[*outcomes, NO_VALUE], k=k
        ),
        median_days_to_acknowledgement=statistics.median(ack) if len(ack) >= k else None,
        median_days_to_feedback=statistics.median(feedback) if len(feedback) >= k else None,
        wrongdoing_reports=_wrongdoing_total(by_path),
    )


def _wrongdoing_total(by_path: PublishedTable) -> int | None:
    """The number of reports of wrongdoing as the path table publishes it.

    Invariant: it is that table's row total, so it went through the same
    suppression and audit; a count published beside the table could give a
    hidden cell back (the grand total minus the other rows).
    """
    if "wrongdoing" not in by_path.row_labels:
        return None
    return by_path.row_totals[by_path.row_labels.index("wrongdoing")]


def table_csv(table: PublishedTable, *, suppressed: str = "<k") -> str:
    """The suppressed table as CSV (suppressed numbers as the given marker)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["", *table.column_labels, "total"])
    for label, cells, total in zip(table.row_labels, table.cells, table.row_totals, strict=True):
        writer.writerow(
            [
                label,
                *[suppressed if v is None else v for v in cells],
                suppressed if total is None else total,
            ]
        )
    writer.writerow(
        [
            "total",
            *[suppressed if v is None else v for v in table.column_totals],
            suppressed if table.grand_total is None else table.grand_total,
        ]
    )
    return out.getvalue()
