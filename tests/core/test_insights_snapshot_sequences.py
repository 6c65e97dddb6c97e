"""A property-based proof over sequences of published snapshots: no count below k is
derivable from any set of published tables.

A viewer who looks after every publication sees each quarter's snapshot and each year view
made of the snapshots so far, with k possibly changed by an admin between publications.
Everything shown is a linear equation on the true counts; for every hidden count below its
quarter's k, linear programming over all those equations must leave it more than one value.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from kring.core.insights.snapshots import Snapshot, year_view
from kring.core.insights.suppression import PublishedTable, suppress
from kring.core.insights.tables import NO_VALUE, Counts, annual_tables

CATEGORIES = ["bullying", "integrity", "aggression"]
ROWS = [*CATEGORIES, NO_VALUE]
YEAR = 2026


def snapshot(counts: Counts, quarter: str, k: int) -> Snapshot:
    tables = annual_tables(
        counts,
        year=YEAR,
        k=k,
        categories=CATEGORIES,
        paths=["just_talk"],
        outcomes=["resolved"],
        quarters=[quarter],
    )
    return Snapshot(quarter, k, tables)


def equations(
    table: PublishedTable, index: dict[tuple[str, str], int]
) -> list[tuple[list[int], int]]:
    """Every shown number of a table as (variables summed, value)."""
    out: list[tuple[list[int], int]] = []
    cols = table.column_labels
    for r, label in enumerate(table.row_labels):
        for c, quarter in enumerate(cols):
            value = table.cells[r][c]
            if value is not None:
                out.append(([index[(label, quarter)]], value))
        row_total = table.row_totals[r]
        if row_total is not None:
            out.append(([index[(label, q)] for q in cols], row_total))
    for c, quarter in enumerate(cols):
        column_total = table.column_totals[c]
        if column_total is not None:
            out.append(([index[(label, quarter)] for label in table.row_labels], column_total))
    if table.grand_total is not None:
        out.append(([index[(lab, q)] for lab in table.row_labels for q in cols], table.grand_total))
    return out


def bounds_of(target: int, eqs: list[tuple[list[int], int]], size: int) -> tuple[float, float]:
    a = np.zeros((len(eqs), size))
    b = np.zeros(len(eqs))
    for i, (variables, value) in enumerate(eqs):
        for v in variables:
            a[i, v] = 1
        b[i] = value
    objective = np.zeros(size)
    objective[target] = 1
    low = linprog(objective, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    assert low.status == 0  # feasible: the true counts satisfy every equation
    if high.status == 3:  # unbounded: nothing caps the count at all
        return low.fun, float("inf")
    assert high.status == 0
    return low.fun, -high.fun


quarters_counts = st.lists(
    st.lists(st.integers(min_value=0, max_value=9), min_size=len(ROWS), max_size=len(ROWS)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(columns=quarters_counts, ks=st.lists(st.integers(3, 5), min_size=4, max_size=4))
def test_no_small_count_is_derivable_from_a_sequence_of_published_tables(
    columns: list[list[int]], ks: list[int]
) -> None:
    quarters = [f"{YEAR}-Q{i + 1}" for i in range(len(columns))]
    counts: Counts = Counts()
    for quarter, column in zip(quarters, columns, strict=True):
        for label, n in zip(ROWS, column, strict=True):
            if n:
                counts[("category", label, quarter)] = n
    snapshots = [snapshot(counts, q, ks[i]) for i, q in enumerate(quarters)]
    published = [s.tables.by_category for s in snapshots]
    published += [year_view(YEAR, snapshots[: i + 1]).by_category for i in range(len(snapshots))]
    index = {(label, q): i for i, (label, q) in enumerate((r, q) for q in quarters for r in ROWS)}
    true = {(label, q): column[r] for q, column in zip(quarters, columns, strict=True)
            for r, label in enumerate(ROWS)}  # fmt: skip
    eqs = [eq for table in published for eq in equations(table, index)]
    # Shown numbers are true, and none is small for the k it was published with.
    for variables, value in eqs:
        assert value == sum(true[key] for key, i in index.items() if i in variables)
    for s in snapshots:
        table = s.tables.by_category
        shown = [v for row in table.cells for v in row if v is not None]
        assert all(v == 0 or v >= s.k for v in shown)
    # No hidden small count is pinned by all published tables together.
    for (label, quarter), value in true.items():
        k = ks[quarters.index(quarter)]
        if 0 < value < k:
            low, high = bounds_of(index[(label, quarter)], eqs, len(index))
            assert high - low >= 1 - 1e-9, (columns, ks, label, quarter, low, high)


@settings(max_examples=300, deadline=None)
@given(
    column=st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=8),
    k=st.integers(3, 5),
)
def test_a_quarters_tables_hide_their_shared_total_alike(column: list[int], k: int) -> None:
    """The tables of one quarter share their total (each conversation has one category, one
    path, one unit): a one-column snapshot hides it exactly when it is below k, whatever the
    cells, so no table shows a total another one hid to protect its cells."""
    table = suppress([[n] for n in column], k=k)
    total = sum(column)
    hidden = table.column_totals[0] is None or table.grand_total is None
    assert hidden == (0 < total < k)
