"""Small-cell suppression for published tables.

Invariant: in a table published to insights viewers, every number shown
(cell, row total, column total, grand total) is 0 or at least ``k``; and no
hidden cell can be worked out from what is shown. The second part is kept by
complementary suppression: in every row and column whose total is shown, the
hidden cells are either none, or at least two whose sum is at least ``k`` — so
subtracting the shown cells from the total leaves a group of at least ``k``
conversations spread over at least two hidden cells.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

HIDDEN = None


@dataclasses.dataclass(frozen=True)
class PublishedTable:
    """A table as insights viewers see it; ``None`` marks a suppressed number."""

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None

    @property
    def suppressed_cells(self) -> int:
        """How many cells are hidden."""
        return sum(cell is None for row in self.cells for cell in row)


def _small(value: int, k: int) -> bool:
    return 0 < value < k


def suppress(
    counts: Sequence[Sequence[int]],
    *,
    k: int,
    row_labels: Sequence[str] = (),
    column_labels: Sequence[str] = (),
) -> PublishedTable:
    """Hide every small count and enough others that none can be derived.

    ``counts`` is a rectangular table of non-negative counts. First the
    classic rules (primary suppression, complementary suppression per row,
    column and grand total); then an exact audit: for every hidden small
    count, the smallest and largest value consistent with everything shown
    are computed by linear programming (the constraint matrix of row and
    column sums is totally unimodular, so these bounds are whole numbers an
    attacker could reach). While any such count is pinned to one value, one
    more number next to it is hidden. Hiding only ever grows, so this ends.
    """
    table = _heuristic(counts, k=k, row_labels=row_labels, column_labels=column_labels)
    while True:
        pinned = _pinned_cells(counts, table, k)
        if pinned:
            table = _hide_more(counts, table, pinned[0], k)
            continue
        # A hidden small total must not be derivable either (it is the sum of
        # its line); hiding the grand total removes the equation that pins it.
        if table.grand_total is not None and _pinned_total(counts, table, k):
            table = dataclasses.replace(table, grand_total=HIDDEN)
            continue
        return table


def _heuristic(
    counts: Sequence[Sequence[int]],
    *,
    k: int,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
) -> PublishedTable:
    """Primary and complementary suppression by the usual line rules."""
    if k < 1:
        raise ValueError("k must be at least 1")
    rows = len(counts)
    cols = len(counts[0]) if rows else 0
    if any(len(row) != cols for row in counts):
        raise ValueError("table is not rectangular")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("counts cannot be negative")
    hidden = [[_small(counts[r][c], k) for c in range(cols)] for r in range(rows)]
    row_totals = [sum(row) for row in counts]
    col_totals = [sum(counts[r][c] for r in range(rows)) for c in range(cols)]
    grand = sum(row_totals)
    row_shown = [not _small(t, k) for t in row_totals]
    col_shown = [not _small(t, k) for t in col_totals]

    def lines() -> list[list[tuple[int, int]]]:
        out = []
        for r in range(rows):
            if row_shown[r]:
                out.append([(r, c) for c in range(cols)])
        for c in range(cols):
            if col_shown[c]:
                out.append([(r, c) for r in range(rows)])
        # The grand total is the sum of every cell: one more line.
        if not _small(grand, k):
            out.append([(r, c) for r in range(rows) for c in range(cols)])
        return out

    changed = True
    while changed:
        changed = False
        for line in lines():
            hidden_cells = [(r, c) for r, c in line if hidden[r][c]]
            if not hidden_cells:
                continue
            hidden_sum = sum(counts[r][c] for r, c in hidden_cells)
            if len(hidden_cells) >= 2 and (hidden_sum == 0 or hidden_sum >= k):
                continue
            visible = [(counts[r][c], r, c) for r, c in line if not hidden[r][c]]
            if not visible:
                continue  # whole line hidden: its total is the remainder (>= k or hidden)
            # Prefer the smallest non-zero cell: hiding it costs the least
            # information; a zero only when nothing else is left.
            visible.sort(key=lambda v: (v[0] == 0, v[0]))
            _, r, c = visible[0]
            hidden[r][c] = True
            changed = True
        # Totals: a shown row total whose row is entirely hidden with a sum
        # below k would reveal it; hide such totals (and so on for columns).
        for r in range(rows):
            if row_shown[r] and all(hidden[r]) and _small(row_totals[r], k):
                row_shown[r] = False
                changed = True
        for c in range(cols):
            column = [hidden[r][c] for r in range(rows)]
            if col_shown[c] and all(column) and _small(col_totals[c], k):
                col_shown[c] = False
                changed = True
    # The totals row and column form lines of their own with the grand total.
    grand_shown = not _small(grand, k)
    row_totals_shown = _protect_margin(row_totals, row_shown, grand_shown, k)
    col_totals_shown = _protect_margin(col_totals, col_shown, grand_shown, k)
    return PublishedTable(
        row_labels=tuple(row_labels) or tuple(str(i) for i in range(rows)),
        column_labels=tuple(column_labels) or tuple(str(i) for i in range(cols)),
        cells=tuple(
            tuple(HIDDEN if hidden[r][c] else counts[r][c] for c in range(cols))
            for r in range(rows)
        ),
        row_totals=tuple(
            t if shown else HIDDEN for t, shown in zip(row_totals, row_totals_shown, strict=True)
        ),
        column_totals=tuple(
            t if shown else HIDDEN for t, shown in zip(col_totals, col_totals_shown, strict=True)
        ),
        grand_total=grand if grand_shown else HIDDEN,
    )


def _protect_margin(totals: list[int], shown: list[bool], grand_shown: bool, k: int) -> list[bool]:
    """Apply the same rule to the margin (totals) against the grand total."""
    shown = list(shown)
    if not grand_shown:
        return shown
    changed = True
    while changed:
        changed = False
        hidden_idx = [i for i, s in enumerate(shown) if not s]
        if not hidden_idx:
            break
        hidden_sum = sum(totals[i] for i in hidden_idx)
        if len(hidden_idx) >= 2 and (hidden_sum == 0 or hidden_sum >= k):
            break
        visible = sorted(
            ((totals[i], i) for i, s in enumerate(shown) if s), key=lambda v: (v[0] == 0, v[0])
        )
        if not visible:
            break
        shown[visible[0][1]] = False
        changed = True
    return shown


def _pinned_cells(
    counts: Sequence[Sequence[int]], table: PublishedTable, k: int
) -> list[tuple[int, int]]:
    """Hidden cells holding a small count that the shown numbers pin to one value."""
    rows, cols = len(table.cells), len(table.column_labels)
    hidden = [(r, c) for r in range(rows) for c in range(cols) if table.cells[r][c] is None]
    small = [(r, c) for r, c in hidden if 0 < counts[r][c] < k]
    if not small:
        return []
    index = {cell: i for i, cell in enumerate(hidden)}
    equations, rhs = _equations(table, hidden)
    if not equations:
        return []
    a_eq, b_eq = np.array(equations), np.array(rhs)
    pinned = []
    for cell in small:
        objective = np.zeros(len(hidden))
        objective[index[cell]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if low.status == 0 and high.status == 0 and (-high.fun) - low.fun < 0.5:
            pinned.append(cell)
    return pinned


def _pinned_total(counts: Sequence[Sequence[int]], table: PublishedTable, k: int) -> bool:
    """Whether a hidden small row or column total is fixed by what is shown."""
    rows, cols = len(table.cells), len(table.column_labels)
    lines = [
        [(r, c) for c in range(cols)]
        for r, total in enumerate(table.row_totals)
        if total is None and 0 < sum(counts[r]) < k
    ] + [
        [(r, c) for r in range(rows)]
        for c, total in enumerate(table.column_totals)
        if total is None and 0 < sum(counts[r][c] for r in range(rows)) < k
    ]
    return any(_sum_is_pinned(table, line) for line in lines)


def _sum_is_pinned(table: PublishedTable, target: list[tuple[int, int]]) -> bool:
    rows, cols = len(table.cells), len(table.column_labels)
    hidden = [(r, c) for r in range(rows) for c in range(cols) if table.cells[r][c] is None]
    if not any(cell in hidden for cell in target):
        return True  # every cell of the line is shown: the total is known
    equations, rhs = _equations(table, hidden)
    if not equations:
        return False
    objective = np.array([1.0 if cell in target else 0.0 for cell in hidden])
    a_eq, b_eq = np.array(equations), np.array(rhs)
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return bool(low.status == 0 and high.status == 0 and (-high.fun) - low.fun < 0.5)


def _equations(
    table: PublishedTable, hidden: list[tuple[int, int]]
) -> tuple[list[list[float]], list[float]]:
    """The linear equations an attacker knows, over the hidden cells."""
    rows, cols = len(table.cells), len(table.column_labels)
    index = {cell: i for i, cell in enumerate(hidden)}
    equations: list[list[float]] = []
    rhs: list[float] = []

    def add(cells: list[tuple[int, int]], total: int) -> None:
        known = sum(int(table.cells[r][c] or 0) for r, c in cells if table.cells[r][c] is not None)
        row = [0.0] * len(hidden)
        for cell in cells:
            if cell in index:
                row[index[cell]] = 1.0
        if any(row):
            equations.append(row)
            rhs.append(float(total - known))

    for r, total in enumerate(table.row_totals):
        if total is not None:
            add([(r, c) for c in range(cols)], total)
    for c, total in enumerate(table.column_totals):
        if total is not None:
            add([(r, c) for r in range(rows)], total)
    if table.grand_total is not None:
        add([(r, c) for r in range(rows) for c in range(cols)], table.grand_total)
    return equations, rhs


def _hide_more(
    counts: Sequence[Sequence[int]], table: PublishedTable, cell: tuple[int, int], k: int
) -> PublishedTable:
    """Hide one more number that breaks the equation pinning ``cell``."""
    r, c = cell
    cells = [list(row) for row in table.cells]
    candidates = [(counts[r][j], r, j) for j in range(len(cells[r])) if cells[r][j] is not None] + [
        (counts[i][c], i, c) for i in range(len(cells)) if cells[i][c] is not None
    ]
    row_totals, column_totals = list(table.row_totals), list(table.column_totals)
    grand = table.grand_total
    if candidates:
        candidates.sort(key=lambda v: (v[0] == 0, v[0]))
        _, i, j = candidates[0]
        cells[i][j] = HIDDEN
    elif row_totals[r] is not None:
        row_totals[r] = HIDDEN
    elif column_totals[c] is not None:
        column_totals[c] = HIDDEN
    else:
        grand = HIDDEN
    return dataclasses.replace(
        table,
        cells=tuple(tuple(row) for row in cells),
        row_totals=tuple(row_totals),
        column_totals=tuple(column_totals),
        grand_total=grand,
    )
