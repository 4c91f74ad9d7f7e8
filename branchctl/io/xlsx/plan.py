"""What an annotated workbook should get: a plain-data plan that any writer can carry out.

Rating, validation and comparison build an :class:`AnnotationPlan`; a writer
(:func:`branchctl.io.outputs.write_annotated`) applies it to a copy of the source workbook.
All row and column numbers here are 0-based positions in the sheet (Excel row = row + 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Fills, as ARGB-less hex RGB. One place for every colour the outputs use.
FILL_ERROR = "FFC7CE"  # red: an error, or a claim that disagrees with the computation
FILL_WARNING = "FFEB9C"  # yellow: a warning
FILL_OK = "C6EFCE"  # green
CATEGORY_FILLS = {
    "示范点": "C6EFCE",
    "重点对象": "DDEBF7",
    "加强指导": "FFF2CC",
    "软弱涣散": "F8CBAD",
}
CHANGE_FILLS = {
    "升星": "C6EFCE",
    "降星": "F8CBAD",
    "持平": "FFFFFF",
    "新增": "DDEBF7",
    "撤销": "D9D9D9",
}


@dataclass
class CellMark:
    """Fill one existing cell and optionally attach an Excel comment to it."""

    row: int
    col: int
    fill: str
    comment: str | None = None


@dataclass
class AppendedColumns:
    """New columns added to the right of one table in an existing sheet.

    ``header_top``..``header_row`` are the table's header rows: the new header text goes in
    ``header_row`` and, for a two-level header, is merged up to ``header_top``. The header
    cells copy the style of the existing cell at ``style_from`` (row, col).
    """

    first_col: int
    header_top: int
    header_row: int
    headers: list[str]
    values: dict[int, list[Any]]  # row -> one value per header (str, int, float, None)
    style_from: tuple[int, int] | None = None
    widths: list[float] | None = None  # column widths in Excel characters


@dataclass
class SheetPlan:
    """Changes to one existing sheet, named as in the source workbook."""

    appended: list[AppendedColumns] = field(default_factory=list)
    # row -> (first_col, last_col, fill): the row's table cells filled, e.g. by category
    row_fills: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    marks: list[CellMark] = field(default_factory=list)


@dataclass
class BarChart:
    """A native Excel bar (column) chart over ranges of a new sheet (0-based, inclusive)."""

    title: str
    categories: tuple[int, int, int]  # (col, first_row, last_row)
    values: tuple[int, int, int]  # (col, first_row, last_row)
    anchor: tuple[int, int]  # (row, col) of the chart's top-left corner
    series_name: str = "支部数"


@dataclass
class NewSheet:
    """A sheet added at the end of the workbook (e.g. 汇总, 校验结果, 变动汇总)."""

    name: str
    rows: list[list[Any]]
    header_rows: set[int] = field(default_factory=set)  # rows styled as table headers
    title_rows: set[int] = field(default_factory=set)  # rows styled as bold titles
    widths: list[float] | None = None
    # (row, col) -> target like "'Sheet 1'!C5": the cell becomes an internal hyperlink
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    charts: list[BarChart] = field(default_factory=list)
    freeze_row: int | None = None  # rows above this stay visible when scrolling
    autofilter: tuple[int, int, int, int] | None = None  # (r1, c1, r2, c2)

    def row_kind(self, r: int) -> str:
        """How row ``r`` is styled, whichever writer writes it: "title", "header", "body"
        (a table row, bordered) or "plain" (a note line with fewer than two values)."""
        if r in self.title_rows:
            return "title"
        if r in self.header_rows:
            return "header"
        filled = sum(1 for v in self.rows[r] if v is not None and v != "")
        return "body" if filled >= 2 else "plain"


@dataclass
class AnnotationPlan:
    sheets: dict[str, SheetPlan] = field(default_factory=dict)
    new_sheets: list[NewSheet] = field(default_factory=list)

    def sheet(self, name: str) -> SheetPlan:
        return self.sheets.setdefault(name, SheetPlan())
