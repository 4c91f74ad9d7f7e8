"""Merged cells as a clerk sees them: every cell a merge covers reads as its top-left value.

Clerks merge 所属党组织 down over the branches of one party committee, 党支部名称 down over the
problems of one branch, a label across a row. Only the top-left cell holds the value; the
reader gives ``''`` for the rest. :class:`MergeFill` answers, for any cell of a table's data
area, where its value is, vertically and horizontally alike, in every format (.ods spans are
read by the pre-scan, :mod:`branchctl.io.safety`).

Merges are kept as ranges, per column, and looked up by bisection: a merge over the whole grid
costs one entry per column of the table, never one per cell.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

from branchctl.io.workbook import Range, Sheet


def by_first_row(sheet: Sheet) -> list[Range]:
    """The merges of ``sheet`` sorted by their first row (select them with :func:`starting_in`)."""
    return sorted(sheet.merges)


def starting_in(merges: list[Range], first: int, stop: int | None = None) -> list[Range]:
    """The merges (sorted by :func:`by_first_row`) whose first row is in [first, stop)."""
    lo = bisect_left(merges, (first,))
    hi = len(merges) if stop is None else bisect_left(merges, (stop,))
    return merges[lo:hi]


class MergeFill:
    """Cells covered by ``merges`` (ranges of ``sheet``) read as the merge's top-left value,
    over ``columns`` (0-based). Callers choose the merges: for data, those starting below the
    header (a header cell merged down is not data, :func:`starting_in`)."""

    __slots__ = (
        "rows", "starts", "_spans", "_row_starts", "_row_ends", "_top", "_bottom", "_merged",
        "_disjoint",
    )  # fmt: skip

    def __init__(self, sheet: Sheet, columns: Iterable[int], merges: Iterable[Range]) -> None:
        self.rows = sheet.rows
        lo = hi = 0
        wanted: list[int] | None = None
        if type(columns) is range and columns.step == 1:
            lo, hi = columns.start, columns.stop
        else:
            wanted = sorted(set(columns))
        spans: dict[int, list[tuple[int, int, int, int]]] = {}
        # column -> the first rows of the merges over it, sorted: a column not here has none
        starts: dict[int, list[int]] = {}
        covered: list[tuple[int, int]] = []  # the rows of each merge over a wanted column
        ordered = True  # the merges come by first row (most callers'), so each column's too
        disjoint = True  # no two merges share a cell (known when they come ordered)
        last = -1
        # with columns a range: each merge kept, with the columns it covers [a, b)
        merged: list[tuple[int, int, int, int, int]] | None = [] if wanted is None else None
        for r1, c1, r2, c2 in merges:
            if r1 == r2 and c1 == c2:
                continue
            # the wanted columns the merge covers: a merge across the whole grid costs the
            # table's columns, not the grid's
            if wanted is None:
                cols: Iterable[int] = range(c1 if c1 > lo else lo, c2 + 1 if c2 < hi else hi)
            else:
                cols = wanted[bisect_left(wanted, c1) : bisect_right(wanted, c2)]
            if cols:
                if r1 < last:
                    ordered = False
                last = r1
                covered.append((r1, r2))
                if merged is not None:
                    merged.append((r1, r2, c1, cols[0], cols[-1] + 1))  # type: ignore[index]
                span = (r1, r2, r1, c1)
                for c in cols:
                    found = spans.get(c)
                    if found is None:
                        spans[c] = [span]
                        starts[c] = [r1]
                    else:
                        if r1 <= found[-1][1]:
                            disjoint = False  # (given by first row: the last span is lowest)
                        found.append(span)
                        starts[c].append(r1)
        for c, found in spans.items():
            if len(found) > 1:
                found.sort()
                if not ordered:
                    starts[c] = [s[0] for s in found]
        self._spans = spans
        self.starts = starts
        self._merged = merged
        # whether no two merges share a cell (None: to be found, on first use)
        self._disjoint: bool | None = disjoint if ordered else None
        # the rows any merge covers, as disjoint ranges: most rows are in none
        row_starts: list[int] = []
        ends: list[int] = []
        for r1, r2 in sorted(covered):
            if ends and r1 <= ends[-1] + 1:
                if r2 > ends[-1]:
                    ends[-1] = r2
            else:
                row_starts.append(r1)
                ends.append(r2)
        self._row_starts, self._row_ends = row_starts, ends
        # the first and last row any merge covers: most rows of a table lie outside (above a
        # footer merged across)
        self._top = row_starts[0] if row_starts else 1 << 62
        self._bottom = ends[-1] if ends else -1

    def __bool__(self) -> bool:
        return bool(self._spans)

    def touches(self, r: int) -> bool:
        """Whether any merge covers a cell of row ``r``."""
        if r < self._top or r > self._bottom:
            return False
        i = bisect_right(self._row_starts, r) - 1
        return i >= 0 and r <= self._row_ends[i]

    def touching(self, rows: Iterable[int]) -> set[int]:
        """The rows among ``rows`` that :meth:`touches`, found a merged stretch at a time."""
        out: set[int] = set()
        if self._row_starts:
            ordered = sorted(rows)
            for start, end in zip(self._row_starts, self._row_ends, strict=True):
                out.update(ordered[bisect_left(ordered, start) : bisect_right(ordered, end)])
        return out

    def has(self, col: int) -> bool:
        """Whether any merge covers a cell of column ``col``."""
        return col in self._spans

    def source(self, r: int, c: int) -> tuple[int, int]:
        """Where the value of cell (r, c) is: its merge's top-left cell, or the cell itself."""
        starts = self.starts.get(c)
        if starts is None:
            return r, c
        i = bisect_right(starts, r) - 1
        if i >= 0:
            _, r2, top, left = self._spans[c][i]
            if r <= r2:
                return top, left
        return r, c

    def line(self, r: int, width: int) -> list[Any]:
        """Row ``r`` as read, ``width`` cells (padded with ''): each cell as :meth:`value`
        reads it, for the columns of this fill and any other."""
        rows = self.rows
        line = rows[r] if r < len(rows) else []
        out = line[:width]
        if len(out) < width:
            out += [""] * (width - len(out))
        if self._merged is not None and self._no_overlap():
            # each cell in at most one merge: that merge's value, a slice at a time
            for r1, r2, left, a, b in self._merged:
                if r1 <= r <= r2 and a < width:
                    b = b if b < width else width
                    try:
                        value = rows[r1][left]
                    except IndexError:
                        value = ""
                    out[a:b] = [value] * (b - a)
            return out
        spans = self._spans
        for c, starts in self.starts.items():
            if c >= width:
                continue
            i = bisect_right(starts, r) - 1
            if i >= 0:
                _, r2, top, left = spans[c][i]
                if r <= r2:
                    try:
                        out[c] = rows[top][left]
                    except IndexError:
                        out[c] = ""
        return out

    def _no_overlap(self) -> bool:
        """Whether no two merges share a cell of the columns (then :meth:`value` finds the one
        merge holding a cell, whatever the order it was given in)."""
        if self._disjoint is None:
            self._disjoint = all(
                found[i][1] < found[i + 1][0]
                for found in self._spans.values()
                for i in range(len(found) - 1)
            )
        return self._disjoint

    def covered(self, r: int, c: int) -> bool:
        """Whether (r, c) is covered by a merge and is not its top-left cell."""
        return self.source(r, c) != (r, c)

    def value(self, r: int, c: int) -> Any:
        """The raw value cell (r, c) shows: '' when blank."""
        starts = self.starts.get(c)
        if starts is not None:
            i = bisect_right(starts, r) - 1
            if i >= 0:
                _, r2, top, left = self._spans[c][i]
                if r <= r2:
                    r, c = top, left
        try:
            return self.rows[r][c]
        except IndexError:
            return ""
