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
    header (a header cell merged down is not data, :func:`starting_in`).

    The rows the merges cover are known at once; where each column's merges are is indexed on
    the first cell asked for (most tables are never asked: no data row is merged)."""

    __slots__ = (
        "rows", "starts", "_spans", "_row_starts", "_row_ends", "_top", "_bottom", "_merged",
        "_disjoint", "_kept", "_ordered",
    )  # fmt: skip

    def __init__(self, sheet: Sheet, columns: Iterable[int], merges: Iterable[Range]) -> None:
        self.rows = sheet.rows
        lo = hi = 0
        wanted: list[int] | None = None
        if type(columns) is range and columns.step == 1:
            lo, hi = columns.start, columns.stop
        else:
            wanted = sorted(set(columns))
        # each merge over a wanted column: its rows, top-left, and the wanted columns it covers
        kept: list[tuple[int, int, int, Iterable[int]]] = []
        covered: list[tuple[int, int]] = []  # the rows of each merge over a wanted column
        ordered = True  # the merges come by first row (most callers'), so each column's too
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
                kept.append((r1, r2, c1, cols))
                if merged is not None:
                    merged.append((r1, r2, c1, cols[0], cols[-1] + 1))  # type: ignore[index]
        self._kept = kept
        self._ordered = ordered
        self._merged = merged
        # column -> its merges, and their first rows, sorted (None: not indexed yet)
        self._spans: dict[int, list[tuple[int, int, int, int]]] | None = None
        self.starts: dict[int, list[int]] = {}
        # whether no two merges share a cell (None: to be found, on first use)
        self._disjoint: bool | None = None
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

    def _index(self) -> dict[int, list[tuple[int, int, int, int]]]:
        """Each column's merges, sorted (made on first use)."""
        spans: dict[int, list[tuple[int, int, int, int]]] = {}
        starts: dict[int, list[int]] = {}
        disjoint = True  # no two merges share a cell (known when they come ordered)
        for r1, r2, c1, cols in self._kept:
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
        ordered = self._ordered
        for c, found in spans.items():
            if len(found) > 1:
                found.sort()
                if not ordered:
                    starts[c] = [s[0] for s in found]
        self.starts = starts
        if ordered and self._disjoint is None:
            self._disjoint = disjoint
        self._spans = spans
        return spans

    def __bool__(self) -> bool:
        return bool(self._kept)

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
        return col in (self._spans if self._spans is not None else self._index())

    def source(self, r: int, c: int) -> tuple[int, int]:
        """Where the value of cell (r, c) is: its merge's top-left cell, or the cell itself."""
        spans = self._spans if self._spans is not None else self._index()
        starts = self.starts.get(c)
        if starts is None:
            return r, c
        i = bisect_right(starts, r) - 1
        if i >= 0:
            _, r2, top, left = spans[c][i]
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
        spans = self._spans if self._spans is not None else self._index()
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
        if self._disjoint is None and self._spans is None and self._merged is not None:
            self._disjoint = _no_shared_cell(self._merged)
        if self._disjoint is None:
            spans = self._spans if self._spans is not None else self._index()
            if self._disjoint is None:
                self._disjoint = all(
                    found[i][1] < found[i + 1][0]
                    for found in spans.values()
                    for i in range(len(found) - 1)
                )
        return self._disjoint

    def merged_down(self, r: int, cols: Iterable[int]) -> bool:
        """Whether in row ``r`` a cell of ``cols`` reads from a merge begun above it (as
        :meth:`source` finds it)."""
        if self._merged is not None and self._no_overlap():
            # each cell in at most one merge: the merges over the row, without the index
            wanted = sorted(cols)
            for r1, r2, _, a, b in self._merged:
                if r1 < r <= r2:
                    i = bisect_left(wanted, a)  # the first of cols from a on: before b?
                    if i < len(wanted) and wanted[i] < b:
                        return True
            return False
        return any(self.source(r, c)[0] < r for c in cols)

    def covered(self, r: int, c: int) -> bool:
        """Whether (r, c) is covered by a merge and is not its top-left cell."""
        return self.source(r, c) != (r, c)

    def value(self, r: int, c: int) -> Any:
        """The raw value cell (r, c) shows: '' when blank."""
        spans = self._spans if self._spans is not None else self._index()
        starts = self.starts.get(c)
        if starts is not None:
            i = bisect_right(starts, r) - 1
            if i >= 0:
                _, r2, top, left = spans[c][i]
                if r <= r2:
                    r, c = top, left
        try:
            return self.rows[r][c]
        except IndexError:
            return ""


_ROWS_COMPARED = 256  # merges over more rows than this in all are told apart by the index


def _no_shared_cell(merged: list[tuple[int, int, int, int, int]]) -> bool | None:
    """Whether no two of ``merged`` (first row, last row, left, columns [a, b)) share a cell,
    found row by row with each row's columns as bits; None when they cover too many rows."""
    taken: dict[int, int] = {}
    budget = _ROWS_COMPARED
    for r1, r2, _, a, b in merged:
        budget -= r2 - r1 + 1
        if budget < 0:
            return None
        bits = (1 << b) - (1 << a)
        for r in range(r1, r2 + 1):
            seen = taken.get(r, 0)
            if seen & bits:
                return False
            taken[r] = seen | bits
    return True
