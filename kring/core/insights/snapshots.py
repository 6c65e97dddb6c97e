"""Frozen quarterly snapshots: each finished quarter is published once, never recomputed.

Invariant: a quarter is frozen the first time it is asked for on or after its
publication day (``insights_publication_delay_days`` after it ends), from the
aggregate counters, suppressed on its own with the instance's k of that
moment; from then on every page, CSV, chart and report of that quarter is the
stored snapshot. A year's view only places frozen quarters side by side: a
year total is shown only where every number it sums is shown, so it tells
nothing the snapshots do not. Each quarter's counters count only that
quarter's events, so no two snapshots share a conversation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kring.core.context import CoreContext
from kring.core.insights.counters import read_counts
from kring.core.insights.suppression import PublishedTable
from kring.core.insights.tables import (
    NO_VALUE,
    OTHER_UNIT,
    AnnualTables,
    annual_tables,
    published_quarters,
    wrongdoing_total,
)
from kring.core.instance_settings import current_options
from kring.core.models import Category, InsightSnapshot, Outcome, ReporterPath

TABLE_FIELDS = ("by_category", "by_path", "by_unit", "by_closing_category", "by_outcome")


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """One frozen quarter: its one-column tables and the k they were suppressed with."""

    quarter: str
    k: int
    tables: AnnualTables


def _to_json(tables: AnnualTables) -> str:
    return json.dumps(dataclasses.asdict(tables), sort_keys=True)


def _table(raw: dict[str, Any]) -> PublishedTable:
    return PublishedTable(
        row_labels=tuple(raw["row_labels"]),
        column_labels=tuple(raw["column_labels"]),
        cells=tuple(tuple(row) for row in raw["cells"]),
        row_totals=tuple(raw["row_totals"]),
        column_totals=tuple(raw["column_totals"]),
        grand_total=raw["grand_total"],
    )


def _from_json(text: str) -> AnnualTables:
    raw = json.loads(text)
    return AnnualTables(
        year=raw["year"],
        quarters=list(raw["quarters"]),
        **{name: _table(raw[name]) for name in TABLE_FIELDS},
        quarter_medians=tuple((str(q), ack, fb) for q, ack, fb in raw["quarter_medians"]),
        wrongdoing_reports=raw["wrongdoing_reports"],
    )


def freeze_quarter(ctx: CoreContext, quarter: str, k: int) -> AnnualTables:
    """The quarter's suppressed tables from the counters (nothing stored)."""
    return annual_tables(
        read_counts(ctx),
        year=int(quarter[:4]),
        k=k,
        categories=[c.value for c in Category],
        paths=[p.value for p in ReporterPath],
        outcomes=[o.value for o in Outcome],
        quarters=[quarter],
    )


def _stored_snapshots(ctx: CoreContext, quarters: Sequence[str]) -> dict[str, InsightSnapshot]:
    """The frozen snapshots of these quarters that are in the database, by quarter."""
    with ctx.sessions() as db:
        return {
            row.quarter: row
            for row in db.scalars(
                select(InsightSnapshot).where(InsightSnapshot.quarter.in_(quarters))
            )
        }


def published_snapshots(ctx: CoreContext, year: int) -> list[Snapshot]:
    """The year's published quarters, each frozen now if it was not yet.

    The current quarter and quarters before their publication day are never
    returned. Two requests freezing the same quarter at once: the first insert
    wins, the other reads it back.
    """
    quarters = published_quarters(
        year, today=ctx.today(), delay_days=ctx.settings.insights_publication_delay_days
    )
    if not quarters:
        return []
    stored = _stored_snapshots(ctx, quarters)
    missing = [q for q in quarters if q not in stored]
    if missing:
        k = current_options(ctx).insights_k
        for quarter in missing:
            row = InsightSnapshot(
                quarter=quarter,
                k=k,
                frozen_on=ctx.today(),
                tables=_to_json(freeze_quarter(ctx, quarter, k)),
            )
            try:
                with ctx.sessions.begin() as db:
                    db.add(row)
            except IntegrityError:
                pass  # frozen by a concurrent request: read back below
        stored = _stored_snapshots(ctx, quarters)
    return [Snapshot(q, stored[q].k, _from_json(stored[q].tables)) for q in quarters]


def _side_by_side(tables: Sequence[PublishedTable], quarters: Sequence[str]) -> PublishedTable:
    """Frozen one-quarter tables as one table; a year total only where all it sums is shown.

    A row missing from a quarter (a unit counted as "other" then) is shown as hidden.
    """
    rows: list[str] = []
    for table in tables:
        rows += [label for label in table.row_labels if label not in rows]
    tail = [label for label in (OTHER_UNIT, NO_VALUE) if label in rows]
    rows = [label for label in rows if label not in tail] + tail
    cells: list[tuple[int | None, ...]] = []
    for label in rows:
        cells.append(
            tuple(
                t.cells[t.row_labels.index(label)][0] if label in t.row_labels else None
                for t in tables
            )
        )
    column_totals = tuple(t.column_totals[0] for t in tables)

    def total(values: Sequence[int | None]) -> int | None:
        shown = [v for v in values if v is not None]
        return sum(shown) if len(shown) == len(values) else None

    return PublishedTable(
        row_labels=tuple(rows),
        column_labels=tuple(quarters),
        cells=tuple(cells),
        row_totals=tuple(total(row) for row in cells),
        column_totals=column_totals,
        grand_total=total(column_totals),
    )


def year_view(year: int, snapshots: Sequence[Snapshot]) -> AnnualTables:
    """The year's published quarters side by side, from their snapshots only."""
    quarters = [s.quarter for s in snapshots]
    combined = {
        name: _side_by_side([getattr(s.tables, name) for s in snapshots], quarters)
        for name in TABLE_FIELDS
    }
    return AnnualTables(
        year=year,
        quarters=quarters,
        **combined,
        quarter_medians=tuple(m for s in snapshots for m in s.tables.quarter_medians),
        wrongdoing_reports=wrongdoing_total(combined["by_path"]),
    )
