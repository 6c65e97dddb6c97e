"""Annual tables from the counters: roll-up of small units, suppression, medians."""

from __future__ import annotations

import datetime as dt

from kring.core.insights.tables import (
    OTHER_UNIT,
    CaseRecord,
    annual_tables,
    counts_of,
    quarter_of,
    table_csv,
)

CATEGORIES = ["bullying", "discrimination"]
PATHS = ["just_talk", "wrongdoing"]
OUTCOMES = ["resolved", "referred"]


def record(
    quarter: str,
    category: str = "bullying",
    unit: str | None = "Sales",
    path: str = "just_talk",
    ack: int | None = None,
) -> CaseRecord:
    return CaseRecord(quarter, category, path, unit, "resolved", ack, None)


def test_quarter_of() -> None:
    assert quarter_of(dt.date(2024, 2, 29)) == "2024-Q1"
    assert quarter_of(dt.date(2026, 12, 31)) == "2026-Q4"
    assert quarter_of(dt.date(2026, 4, 1)) == "2026-Q2"


def test_small_units_roll_up_into_other() -> None:
    records = [record("2026-Q1", unit="Sales")] * 6 + [record("2026-Q1", unit="Board")] * 2
    tables = annual_tables(
        counts_of(records), year=2026, k=5, categories=CATEGORIES, paths=PATHS, outcomes=OUTCOMES
    )
    assert tables.by_unit.row_labels == ("Sales", OTHER_UNIT, "unknown")
    assert tables.by_unit.row_totals[1] is None  # the 2 of Board, as "other", hidden
    assert tables.by_unit.grand_total == 8


def test_annual_tables_suppress_and_hide_small_medians() -> None:
    records = (
        [record("2026-Q1")] * 9
        + [record("2026-Q2", category="discrimination")] * 2
        + [record("2026-Q3", path="wrongdoing", ack=3)] * 3
        + [record("2025-Q4")] * 50  # another year: not counted
    )
    tables = annual_tables(
        counts_of(records), year=2026, k=5, categories=CATEGORIES, paths=PATHS, outcomes=OUTCOMES
    )
    assert tables.by_category.grand_total == 14
    assert tables.by_category.cells[1][1] is None  # 2 discrimination cases in Q2: hidden
    assert tables.quarter_medians[2] == ("2026-Q3", None, None)  # only 3 reports of wrongdoing
    more = records + [record("2026-Q3", path="wrongdoing", ack=9)] * 2
    medians = annual_tables(
        counts_of(more), year=2026, k=5, categories=CATEGORIES, paths=PATHS, outcomes=OUTCOMES
    ).quarter_medians
    assert [m[1] for m in medians] == [None, None, 3, None]
    assert tables.wrongdoing_reports is None
    csv_text = table_csv(tables.by_category)
    assert "<k" in csv_text
    assert csv_text.splitlines()[0] == ",2026-Q1,2026-Q2,2026-Q3,2026-Q4,total"


def test_the_wrongdoing_count_cannot_give_a_hidden_path_back() -> None:
    records = [record("2026-Q1")] * 2 + [record("2026-Q1", path="wrongdoing")] * 6
    tables = annual_tables(
        counts_of(records), year=2026, k=5, categories=CATEGORIES, paths=PATHS, outcomes=OUTCOMES
    )
    # 2 "just talk" are hidden; showing 6 reports of wrongdoing next to the grand
    # total 8 would give them back, so the count is hidden with its row total.
    assert tables.by_path.row_totals[0] is None
    assert tables.by_path.grand_total == 8
    assert tables.wrongdoing_reports is None
    shown = [record("2026-Q1")] * 7 + [record("2026-Q1", path="wrongdoing")] * 6
    assert (
        annual_tables(
            counts_of(shown), year=2026, k=5, categories=CATEGORIES, paths=PATHS, outcomes=OUTCOMES
        ).wrongdoing_reports
        == 6
    )
