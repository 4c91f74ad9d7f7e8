"""The annotation plan of one sheet, compiled for the streaming patcher
(:mod:`branchctl.io.xlsx.sheet`): which header cells are merged, which columns get widths,
which cells get comments, and by row only the few rows with header cells or marks. The values
and fills every data row gets stay in the plan and are read as each row is written, so a sheet
of a million rows is never held a row at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from branchctl.io.workbook import Sheet
from branchctl.io.xlsx.parts import guess_width, overlaps
from branchctl.io.xlsx.plan import MAX_WIDTH, SheetPlan, stronger

HEADER, DATA, FILL = 0, 1, 2  # kinds of new cells


@dataclass(slots=True)
class RowEdit:
    headers: dict[int, tuple[Any, tuple[int, int] | None]] = field(default_factory=dict)
    groups: list[tuple[int, list[Any], int | None, int]] = field(default_factory=list)
    fill: tuple[int, int, str] | None = None
    marks: dict[int, str] | None = None

    def new_cells(self) -> dict[int, tuple[Any, int, Any]]:
        """col -> (value, kind, style source) of the cells this row gets."""
        cells: dict[int, tuple[Any, int, Any]] = {}
        for first, values, left, n in self.groups:
            for i in range(n):
                cells[first + i] = (values[i] if i < len(values) else None, DATA, left)
        for col, (text, style_from) in self.headers.items():
            cells[col] = (text, HEADER, style_from)
        return cells

    def fill_at(self, col: int) -> str | None:
        if self.marks and col in self.marks:
            return self.marks[col]
        if self.fill and self.fill[0] <= col <= self.fill[1]:
            return self.fill[2]
        return None

    def targets(self) -> set[int]:
        """Columns whose cell must exist to carry a fill."""
        found = set(self.marks or ())
        if self.fill:
            found.update(range(self.fill[0], self.fill[1] + 1))
        return found


Group = tuple[int, Mapping[int, list[Any]], int | None, int]  # (first col, values, left, n)


@dataclass
class SheetEdits:
    """One sheet's edits. The rows the plan gives every data row (appended values, row fills)
    stay in the plan's mappings, read as each row is written; ``rows`` holds only the few rows
    with more (header cells, marks)."""

    rows: dict[int, RowEdit] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)  # in the plan's order
    fills: Mapping[int, tuple[int, int, str]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    style_cells: set[tuple[int, int]] = field(default_factory=set)
    max_row: int = -1
    max_col: int = -1

    def row(self, r: int) -> RowEdit:
        if r not in self.rows:
            self.rows[r] = RowEdit()
        return self.rows[r]

    def row_edit(self, r: int) -> RowEdit:
        """Everything row ``r`` gets, gathered for this row alone (not kept)."""
        special = self.rows.get(r)
        ed = RowEdit() if special is None else RowEdit(special.headers, [], None, special.marks)
        for first, values, left, n in self.groups:
            found = values.get(r)
            if found is not None:
                ed.groups.append((first, found, left, n))
        ed.fill = self.fills.get(r)
        return ed

    def edited_rows(self) -> list[int]:
        """Every row the plan touches, in order."""
        rows: set[int] = set(self.rows)
        rows.update(self.fills)
        for _, values, _, _ in self.groups:
            rows.update(values)
        return sorted(rows)


def compile_edits(plan: SheetPlan, sheet: Sheet | None) -> SheetEdits:
    """The plan for one sheet, by row; ``sheet`` (as read) tells where merges and values are."""
    merges = sheet.merges if sheet else []
    edits = SheetEdits()
    for group in plan.appended:
        left = group.first_col - 1 if group.first_col > 0 else None
        style_from = group.style_from
        if style_from:  # a cell covered by a merge shows its top-left cell's format
            r, c = style_from
            style_from = next(
                ((m[0], m[1]) for m in merges if m[0] <= r <= m[2] and m[1] <= c <= m[3]),
                style_from,
            )
        top, bottom = min(group.header_top, group.header_row), group.header_row
        n = len(group.headers)
        sample = [v for _, v in zip(range(2000), group.values.values(), strict=False)]
        for i, text in enumerate(group.headers):
            col = group.first_col + i
            merge = (top, col, bottom, col)
            text_row = bottom
            if (
                top < bottom
                and not any(overlaps(merge, m) for m in [*merges, *edits.merges])
                and not (
                    sheet
                    and any(sheet.value(r, col) not in (None, "") for r in range(top, bottom + 1))
                )
            ):  # never merge over a value: the merge would hide it
                edits.merges.append(merge)
                text_row = top  # a merged cell shows the value of its top-left cell
            for r in range(top, bottom + 1):
                edits.row(r).headers[col] = (text if r == text_row else None, style_from)
            width = group.widths[i] if group.widths and i < len(group.widths) else None
            edits.widths[col] = width or guess_width(
                [text, *(v[i] for v in sample if i < len(v))], high=MAX_WIDTH
            )
        if style_from:
            edits.style_cells.add(style_from)
        if group.values:
            edits.groups.append((group.first_col, group.values, left, n))
            edits.max_row = max(edits.max_row, max(group.values))
        edits.max_col = max(edits.max_col, group.first_col + n - 1)
    edits.fills = plan.row_fills
    if plan.row_fills:
        edits.max_row = max(edits.max_row, max(plan.row_fills))
        edits.max_col = max(edits.max_col, max(c2 for _, c2, _ in set(plan.row_fills.values())))
    for mark in plan.marks:
        ed = edits.row(mark.row)
        if ed.marks is None:
            ed.marks = {}
        ed.marks[mark.col] = stronger(ed.marks.get(mark.col), mark.fill)
        edits.max_col = max(edits.max_col, mark.col)
        if mark.comment:
            key = (mark.row, mark.col)
            edits.comments[key] = (
                f"{edits.comments[key]}\n{mark.comment}" if key in edits.comments else mark.comment
            )
    edits.max_row = max(edits.max_row, max(edits.rows, default=-1))
    return edits


def set_widths(cols_el: etree._Element, ns: str, widths: dict[int, float]) -> None:
    """Give columns (0-based) their widths, splitting existing <col> ranges that cover them."""
    items = list(cols_el.iterchildren(f"{{{ns}}}col"))
    for col, width in widths.items():
        c = col + 1
        template = None
        for el in list(items):
            lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
            if not lo <= c <= hi:
                continue
            template = el
            items.remove(el)
            if lo < c:
                left = etree.fromstring(etree.tostring(el))
                left.set("max", str(c - 1))
                items.append(left)
            if c < hi:
                right = etree.fromstring(etree.tostring(el))
                right.set("min", str(c + 1))
                items.append(right)
        new = etree.Element(
            f"{{{ns}}}col", min=str(c), max=str(c), width=f"{width:g}", customWidth="1"
        )
        if template is not None and template.get("style"):
            new.set("style", template.get("style", "0"))
        items.append(new)
    for el in list(cols_el):
        cols_el.remove(el)
    for el in sorted(items, key=lambda e: int(e.get("min", "0"))):
        cols_el.append(el)
