#!/usr/bin/env python3
"""Benchmark: the annual insights tables for N counted conversations, from the database.

Creates a temporary instance (migrated SQLite), makes --conversations
conversations (categories, paths, 12 units of very different sizes, outcomes,
acknowledgement days; 10 % not counted, which must be left out) and writes the
aggregate counters they would have raised (``insight_counts``), then times
`read_counts` (one SQL query) plus `annual_tables` (aggregation, roll-up of
small units and small-cell suppression with its exact audit). Target: ≤ 2 s at
100,000. The last line is JSON:
{"conversations": …, "counters_seconds": …, "tables_seconds": …, "seconds": …}
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from kring.core.context import build_context  # noqa: E402
from kring.core.insights.counters import read_counts  # noqa: E402
from kring.core.insights.tables import (  # noqa: E402
    CaseRecord,
    annual_tables,
    counts_of,
    quarter_of,
)
from kring.core.instance import init_instance  # noqa: E402
from kring.core.models import (  # noqa: E402
    Category,
    InsightCount,
    Outcome,
    ReporterPath,
)
from kring.core.settings import KdfCost  # noqa: E402

YEAR = 2026


def counter_rows(conversations: list[dict[str, object]]) -> list[dict[str, object]]:
    """The counters the counted conversations would have raised, as rows."""
    records = []
    for row in conversations:
        if not row["counted"]:
            continue
        created = row["created_on"]
        acknowledged = row["acknowledged_on"]
        assert isinstance(created, dt.date)
        assert isinstance(acknowledged, dt.date)
        records.append(
            CaseRecord(
                quarter=quarter_of(created),
                category=row["category"],  # type: ignore[arg-type]
                path=str(row["path"]),
                unit=row["unit"],  # type: ignore[arg-type]
                outcome=row["outcome"],  # type: ignore[arg-type]
                days_to_acknowledgement=(acknowledged - created).days,
                days_to_feedback=None,
                closing_category=row["closing_category"],  # type: ignore[arg-type]
            )
        )
    return [
        {"dimension": dimension, "value": value, "quarter": quarter, "count": n}
        for (dimension, value, quarter), n in counts_of(records).items()
    ]


def reporter_rows(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    units = [f"unit-{i}" for i in range(12)]
    weights = [500, 200, 100, 50, 20, 10, 5, 3, 2, 1, 1, 1]
    categories = [c.value for c in Category]
    paths = [p.value for p in ReporterPath]
    outcomes = [o.value for o in Outcome]
    start = dt.date(YEAR, 1, 1)
    rows = []
    for n in range(count):
        created = start + dt.timedelta(days=rng.randint(0, 364))
        path = rng.choice(paths)
        closed = rng.random() < 0.6
        rows.append(
            {
                "lookup_id": f"bench-{n:08d}",
                "designation": f"bench {n:08d}",
                "public_key": "-",
                "secret_key": "-",
                "path": path,
                "category": rng.choice(categories) if rng.random() > 0.1 else None,
                "closing_category": rng.choice(categories) if closed else None,
                "status": "closed" if closed else "in_progress",
                "created_on": created,
                "last_activity_on": created,
                "acknowledged_on": created + dt.timedelta(days=rng.randint(0, 10)),
                "counted": rng.random() < 0.9,
                "unit": rng.choices(units, weights)[0] if rng.random() > 0.3 else None,
                "outcome": rng.choice(outcomes) if closed else None,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kring-bench-insights-") as folder:
        settings = init_instance(Path(folder) / "instance", organisation_name="Bench")
        ctx = build_context(dataclasses.replace(settings, kdf=KdfCost(1, 8, 1)))
        rows = counter_rows(reporter_rows(args.conversations))
        with ctx.sessions.begin() as db:
            db.execute(insert(InsightCount), rows)
        print(f"{len(rows)} counters for {args.conversations} conversations")
        started = time.perf_counter()
        counts = read_counts(ctx)
        read = time.perf_counter()
        tables = annual_tables(
            counts,
            year=YEAR,
            k=args.k,
            categories=[c.value for c in Category],
            paths=[p.value for p in ReporterPath],
            outcomes=[o.value for o in Outcome],
        )
        done = time.perf_counter()
        ctx.engine.dispose()
    print(f"counters: {len(counts)}; categories grand total: {tables.by_category.grand_total}")
    print(
        f"unit rows: {len(tables.by_unit.row_labels)}, suppressed cells: "
        f"{tables.by_unit.suppressed_cells}"
    )
    print(
        json.dumps(
            {
                "conversations": args.conversations,
                "counters_seconds": round(read - started, 3),
                "tables_seconds": round(done - read, 3),
                "seconds": round(done - started, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
