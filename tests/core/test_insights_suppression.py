"""Small-cell suppression: a property-based proof that no published table reveals a small count."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kring.core.insights.suppression import PublishedTable, suppress


def can_differ(table: PublishedTable, target: tuple[int, int], true_value: int) -> bool:
    """Whether some completion gives the ``target`` hidden cell another value.

    A completion fills every hidden cell with a non-negative integer so that
    all shown row sums, column sums and the grand total hold — exactly what an
    attacker can compute. Depth-first search with the target cell first and
    exact checks as soon as a row or column has no unassigned cell left.
    """
    rows, cols = len(table.cells), len(table.cells[0])
    hidden = [(r, c) for r in range(rows) for c in range(cols) if table.cells[r][c] is None]
    hidden.remove(target)
    order = [target, *hidden]
    grid = [[0 if v is None else v for v in row] for row in table.cells]
    open_in_row = [sum(table.cells[r][c] is None for c in range(cols)) for r in range(rows)]
    open_in_col = [sum(table.cells[r][c] is None for r in range(rows)) for c in range(cols)]
    open_total = len(order)

    def ok(r: int, c: int) -> bool:
        row_sum = sum(grid[r])
        col_sum = sum(grid[i][c] for i in range(rows))
        rt, ct, gt = table.row_totals[r], table.column_totals[c], table.grand_total
        if rt is not None and (row_sum > rt or (open_in_row[r] == 0 and row_sum != rt)):
            return False
        if ct is not None and (col_sum > ct or (open_in_col[c] == 0 and col_sum != ct)):
            return False
        grand = sum(map(sum, grid))
        return gt is None or not (grand > gt or (open_total == 0 and grand != gt))

    def walk(i: int) -> bool:
        nonlocal open_total
        if i == len(order):
            return True
        r, c = order[i]
        upper = min(
            v for v in (table.row_totals[r], table.column_totals[c], table.grand_total, 60)
            if v is not None
        )
        candidates = [v for v in range(upper + 1) if not (i == 0 and v == true_value)]
        open_in_row[r] -= 1
        open_in_col[c] -= 1
        open_total -= 1
        try:
            for v in candidates:
                grid[r][c] = v
                if ok(r, c) and walk(i + 1):
                    return True
                if sum(grid[r]) > (table.row_totals[r] or 10**9):
                    break
            return False
        finally:
            grid[r][c] = 0
            open_in_row[r] += 1
            open_in_col[c] += 1
            open_total += 1

    return walk(0)


tables = st.integers(min_value=2, max_value=3).flatmap(
    lambda rows: st.integers(min_value=2, max_value=3).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=9), min_size=cols, max_size=cols),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=200, deadline=None)
@given(counts=tables, k=st.integers(min_value=3, max_value=5))
def test_no_published_table_reveals_a_small_count(counts: list[list[int]], k: int) -> None:
    table = suppress(counts, k=k)
    shown = [v for row in table.cells for v in row if v is not None]
    shown += [v for v in table.row_totals if v is not None]
    shown += [v for v in table.column_totals if v is not None]
    if table.grand_total is not None:
        shown.append(table.grand_total)
    # 1. Nothing small is shown.
    assert all(v == 0 or v >= k for v in shown)
    # 2. Shown numbers are true numbers.
    for r, row in enumerate(table.cells):
        for c, v in enumerate(row):
            assert v is None or v == counts[r][c]
    # 3. No hidden small count can be pinned down: some completion differs.
    for r, row in enumerate(counts):
        for c, true_value in enumerate(row):
            if table.cells[r][c] is None and 0 < true_value < k:
                assert can_differ(table, (r, c), true_value), (counts, k, table)


def test_example_complementary_suppression() -> None:
    table = suppress([[10, 2, 8], [7, 9, 12]], k=5)
    assert table.cells[0][1] is None  # 2 is small
    assert table.suppressed_cells >= 2  # and one more hides it from the row total
    assert table.row_totals == (20, 28)


def test_everything_small_hides_everything() -> None:
    table = suppress([[1, 1], [1, 0]], k=5)
    assert table.grand_total is None
    assert all(v is None or v == 0 for row in table.cells for v in row)
