"""The tables insights viewers see, computed from the aggregate counters.

Invariant: the only input is the counters (``Counts``: how many counted
conversations had a value of a coarse field in a quarter; never a
conversation); every table leaves through ``suppress``. Units
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


# {(dimension, value, quarter): count}, as kept in ``insight_counts``
# (kring.core.insights.counters); dimensions: category, path, unit,
# closing_category, outcome, days_to_acknowledgement, days_to_feedback.
Counts = Counter[tuple[str, str, str]]


@dataclasses.dataclass(frozen=True)
class CaseRecord:
    """What statistics may know about one counted conversation (tests, benchmarks).

    ``counts_of`` turns records into the counters the server keeps; the server
    itself never builds records: it raises the counters as things happen.
    """

    quarter: str  # "2026-Q3", of the first message
    category: str | None
    path: str
    unit: str | None
    outcome: str | None
    days_to_acknowledgement: int | None
    days_to_feedback: int | None
    closing_category: str | None = None
    # Of the closing, acknowledgement and feedback; default: ``quarter``.
    closing_quarter: str | None = None


def counts_of(records: Iterable[CaseRecord]) -> Counts:
    """The counters the given conversations would have raised."""
    counts: Counts = Counter()
    for r in records:
        counts[("category", r.category or NO_VALUE, r.quarter)] += 1
        counts[("path", r.path, r.quarter)] += 1
        counts[("unit", r.unit or NO_VALUE, r.quarter)] += 1
        if r.outcome is not None:
            closing = r.closing_quarter or r.quarter
            counts[("closing_category", r.closing_category or NO_VALUE, closing)] += 1
            counts[("outcome", r.outcome, closing)] += 1
        if r.path == "wrongdoing" and r.days_to_acknowledgement is not None:
            days = str(r.days_to_acknowledgement)
            counts[("days_to_acknowledgement", days, r.closing_quarter or r.quarter)] += 1
        if r.path == "wrongdoing" and r.days_to_feedback is not None:
            days = str(r.days_to_feedback)
            counts[("days_to_feedback", days, r.closing_quarter or r.quarter)] += 1
    return counts


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


def small_units(counts: Counts, quarters: Sequence[str], k: int) -> set[str]:
    """The units with fewer than ``k`` counted conversations in ``quarters``."""
    sizes: Counter[str] = Counter()
    for (dimension, value, quarter), n in counts.items():
        if dimension == "unit" and quarter in quarters and value != NO_VALUE:
            sizes[value] += n
    return {unit for unit, n in sizes.items() if n < k}


def crosstab(
    counts: Counts,
    *,
    dimension: str,
    columns: Sequence[str],
    rows: Sequence[str],
    k: int,
    rename: dict[str, str] | None = None,
) -> PublishedTable:
    """The counters of one ``dimension`` by value (rows) and quarter (columns), suppressed.

    ``rename`` maps values onto a row (small units onto "other") before counting.
    """
    cells: Counter[tuple[str, str]] = Counter()
    for (dim, value, quarter), n in counts.items():
        if dim == dimension:
            cells[((rename or {}).get(value, value), quarter)] += n
    table = [[cells[(label, column)] for column in columns] for label in rows]
    return suppress(table, k=k, row_labels=rows, column_labels=columns)


def _median_of(counts: Counts, dimension: str, quarters: Sequence[str], k: int) -> float | None:
    """The median of a days histogram over ``quarters``; None below ``k`` contributions."""
    days = sorted(
        (int(value), n)
        for (dim, value, quarter), n in counts.items()
        if dim == dimension and quarter in quarters and n > 0
    )
    values = [d for d, n in days for _ in range(n)]
    return statistics.median(values) if len(values) >= k else None


@dataclasses.dataclass(frozen=True)
class AnnualTables:
    """Everything the annual report and the insights pages show for one year."""

    year: int
    quarters: list[str]
    by_category: PublishedTable
    by_path: PublishedTable
    by_unit: PublishedTable
    by_closing_category: PublishedTable
    by_outcome: PublishedTable
    # Per quarter: (quarter, median days to acknowledgement, to feedback) of the
    # reports of wrongdoing; None where fewer than k contribute.
    quarter_medians: tuple[tuple[str, float | None, float | None], ...]
    wrongdoing_reports: int | None


def annual_tables(
    counts: Counts,
    *,
    year: int,
    k: int,
    categories: Sequence[str],
    paths: Sequence[str],
    outcomes: Sequence[str],
    quarters: Sequence[str] | None = None,
) -> AnnualTables:
    """The year's tables by quarter from the aggregate counters, each suppressed.

    ``quarters``: the quarters to count and show (the pages pass
    ``published_quarters``); default all four. Category, path and unit count by
    the quarter of the first message; closing category and outcome by the
    quarter of the closing. Medians of the legal clock are published only when
    at least ``k`` reports of wrongdoing contribute to them.
    """
    quarters = list(quarters) if quarters is not None else quarters_of_year(year)
    shown = Counter({key: n for key, n in counts.items() if key[2] in quarters})
    small = small_units(shown, quarters, k)
    units = sorted(
        {v for (d, v, _q) in shown if d == "unit" and v not in small and v != NO_VALUE}
        - {OTHER_UNIT}
    )
    unit_rows = [*units, OTHER_UNIT, NO_VALUE]
    by_path = crosstab(shown, dimension="path", columns=quarters, rows=list(paths), k=k)
    return AnnualTables(
        year=year,
        quarters=quarters,
        by_category=crosstab(
            shown, dimension="category", columns=quarters, rows=[*categories, NO_VALUE], k=k
        ),
        by_path=by_path,
        by_unit=crosstab(
            shown,
            dimension="unit",
            columns=quarters,
            rows=unit_rows,
            k=k,
            rename=dict.fromkeys(small, OTHER_UNIT),
        ),
        by_closing_category=crosstab(
            shown, dimension="closing_category", columns=quarters, rows=list(categories), k=k
        ),
        by_outcome=crosstab(shown, dimension="outcome", columns=quarters, rows=list(outcomes), k=k),
        quarter_medians=tuple(
            (
                q,
                _median_of(shown, "days_to_acknowledgement", [q], k),
                _median_of(shown, "days_to_feedback", [q], k),
            )
            for q in quarters
        ),
        wrongdoing_reports=wrongdoing_total(by_path),
    )


def wrongdoing_total(by_path: PublishedTable) -> int | None:
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
