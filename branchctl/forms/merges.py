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

from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

from branchctl.io.workbook import Sheet


class MergeFill:
    """The merges of ``sheet`` whose top-left cell lies at or below ``first_row`` (and above
    ``stop``), over ``columns`` (0-based). A merge starting higher (a header cell merged down)
    is not data."""

    __slots__ = ("rows", "_starts", "_spans", "_row_starts", "_row_ends")

    def __init__(
        self, sheet: Sheet, first_row: int, columns: Iterable[int], stop: int | None = None
    ) -> None:
        self.rows = sheet.rows
        wanted = set(columns)
        spans: dict[int, list[tuple[int, int, int, int]]] = {}
        for r1, c1, r2, c2 in sheet.merges:
            if r1 < first_row or (stop is not None and r1 >= stop) or (r1 == r2 and c1 == c2):
                continue
            if c2 - c1 < len(wanted):
                cols: Iterable[int] = (c for c in range(c1, c2 + 1) if c in wanted)
            else:
                cols = (c for c in wanted if c1 <= c <= c2)
            for c in cols:
                spans.setdefault(c, []).append((r1, r2, r1, c1))
        for found in spans.values():
            found.sort()
        self._spans = spans
        self._starts = {c: [s[0] for s in found] for c, found in spans.items()}
        # the rows any merge covers, as disjoint ranges: most rows are in none
        ranges = sorted((r1, r2) for found in spans.values() for r1, r2, _, _ in found)
        starts: list[int] = []
        ends: list[int] = []
        for r1, r2 in ranges:
            if ends and r1 <= ends[-1] + 1:
                ends[-1] = max(ends[-1], r2)
            else:
                starts.append(r1)
                ends.append(r2)
        self._row_starts, self._row_ends = starts, ends

    def __bool__(self) -> bool:
        return bool(self._spans)

    def touches(self, r: int) -> bool:
        """Whether any merge covers a cell of row ``r``."""
        i = bisect_right(self._row_starts, r) - 1
        return i >= 0 and r <= self._row_ends[i]

    def has(self, col: int) -> bool:
        """Whether any merge covers a cell of column ``col``."""
        return col in self._spans

    def source(self, r: int, c: int) -> tuple[int, int]:
        """Where the value of cell (r, c) is: its merge's top-left cell, or the cell itself."""
        starts = self._starts.get(c)
        if starts is None:
            return r, c
        i = bisect_right(starts, r) - 1
        if i >= 0:
            _, r2, top, left = self._spans[c][i]
            if r <= r2:
                return top, left
        return r, c

    def covered(self, r: int, c: int) -> bool:
        """Whether (r, c) is covered by a merge and is not its top-left cell."""
        return self.source(r, c) != (r, c)

    def value(self, r: int, c: int) -> Any:
        """The raw value cell (r, c) shows: '' when blank."""
        starts = self._starts.get(c)
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
