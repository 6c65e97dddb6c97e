#!/usr/bin/env python3
"""Benchmark: the annual insights tables for N conversations.

Generates --conversations counted case records spread over a year (categories,
paths, 12 units of very different sizes, outcomes, clock days), then times
`annual_tables` — aggregation, roll-up of small units and small-cell
suppression with its exact audit. The last line is JSON:
{"conversations": …, "seconds": …}
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kring.core.insights.tables import CaseRecord, annual_tables  # noqa: E402
from kring.core.models import Category, ReporterPath  # noqa: E402

OUTCOMES = ["resolved", "mediated", "referred", "no_action", "withdrawn"]


def make_records(count: int, year: int, seed: int = 7) -> list[CaseRecord]:
    rng = random.Random(seed)
    units = [f"unit-{i}" for i in range(12)]
    weights = [500, 200, 100, 50, 20, 10, 5, 3, 2, 1, 1, 1]
    categories = [c.value for c in Category]
    paths = [p.value for p in ReporterPath]
    records = []
    for _ in range(count):
        path = rng.choice(paths)
        records.append(
            CaseRecord(
                quarter=f"{year}-Q{rng.randint(1, 4)}",
                category=rng.choice(categories) if rng.random() > 0.1 else None,
                path=path,
                unit=rng.choices(units, weights)[0] if rng.random() > 0.3 else None,
                outcome=rng.choice(OUTCOMES),
                days_to_acknowledgement=rng.randint(0, 10) if path == "wrongdoing" else None,
                days_to_feedback=rng.randint(20, 100) if path == "wrongdoing" else None,
            )
        )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    records = make_records(args.conversations, 2026)
    started = time.perf_counter()
    tables = annual_tables(
        records,
        year=2026,
        k=args.k,
        categories=[c.value for c in Category],
        paths=[p.value for p in ReporterPath],
        outcomes=OUTCOMES,
    )
    seconds = time.perf_counter() - started
    print(f"categories grand total: {tables.by_category.grand_total}")
    print(
        f"unit rows: {len(tables.by_unit.row_labels)}, suppressed cells: "
        f"{tables.by_unit.suppressed_cells}"
    )
    print(json.dumps({"conversations": args.conversations, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
