"""What an annotated workbook should get: a plain-data plan that any writer can carry out.

Rating, validation and comparison build an :class:`AnnotationPlan`; a writer
(:func:`branchctl.io.outputs.write_annotated`) applies it to a copy of the source workbook.
All row and column numbers here are 0-based positions in the sheet (Excel row = row + 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Colours, as ARGB-less hex RGB. One place for every colour the outputs use.
# A cell mark must stand out on every row fill, so marks are strong colours with bold text.
FILL_ERROR = (
    "C00000"  # strong red, white bold text: an error, or a claim the computation contradicts
)
FILL_WARNING = "FFC000"  # amber, bold text: a warning
FILL_OK = "C6EFCE"  # green
ROW_ERROR = "FFC7CE"  # pale red: a whole row with an error (a master ledger's rows)
ROW_WARNING = "FFEB9C"  # pale yellow: a whole row with a warning
HEADER_FILL = "D9E1F2"
LINK_COLOR = "0563C1"
# Text on these fills is bold and of this colour; on every other fill it keeps its own font.
TEXT_ON_FILL = {FILL_ERROR: "FFFFFF", FILL_WARNING: "000000"}
# Row fills by category, best band first: used for a rubric whose categories name no ``fill``.
CATEGORY_PALETTE = ("C6EFCE", "DDEBF7", "FFF2CC", "F8CBAD")
CHANGE_FILLS = {
    "升星": "C6EFCE",
    "降星": "F8CBAD",
    "持平": "FFFFFF",
    "新增": "DDEBF7",
    "撤销": "D9D9D9",
}
_RANK = {FILL_ERROR: 3, ROW_ERROR: 2, FILL_WARNING: 1, ROW_WARNING: 1}
PERCENT_FORMAT = "0.0%"
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0  # fitted column widths
ROW_PIXELS = 20  # the default row height (15 pt) in pixels
LINE_POINTS = 14.5  # one line of 11 pt CJK text


def display_width(value: Any) -> int:
    """Width of a value in Excel characters (CJK and full-width characters count two)."""
    text = str(value) if value is not None else ""
    return max(
        (sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.split("\n")), default=0
    )


def _wrapped_lines(value: Any, room: float) -> int:
    """Lines ``value`` takes wrapped in ``room`` Excel characters (its own line breaks too)."""
    if not isinstance(value, str):
        return 1
    room = max(room - 1, 1)
    return sum(max(1, math.ceil(display_width(line) / room)) for line in value.split("\n"))


def _shown_width(value: Any) -> int:
    if isinstance(value, Percent):
        return 6  # 100.0%
    if isinstance(value, float):
        return len(f"{value:g}")
    return display_width(value)


def column_pixels(width_chars: float) -> int:
    """A column's width in pixels (Calibri 11: 7 px a character plus 5 px of padding)."""
    return int(width_chars * 7 + 5) if width_chars >= 1 else int(width_chars * 12 + 0.5)


def stronger(old: str | None, new: str) -> str:
    """The fill a cell keeps when marked twice: an error's colour wins over a warning's."""
    if old is None or _RANK.get(new, 0) >= _RANK.get(old, 0):
        return new
    return old


def band_fills(names: Sequence[str], fills: Sequence[str | None]) -> dict[str, str]:
    """Row fill per category: the ones the rubric names, else the palette spread best to worst."""
    if any(fills):
        return {name: fill for name, fill in zip(names, fills, strict=True) if fill}
    n = len(names)
    last = len(CATEGORY_PALETTE) - 1
    return {
        name: CATEGORY_PALETTE[round(i * last / (n - 1)) if n > 1 else 0]
        for i, name in enumerate(names)
    }


class Percent(float):
    """A share (0.042 is 4.2%): stored as a number, shown with a percent format."""


@dataclass(frozen=True)
class Look:
    """How a kind of cell in a new sheet or a new header looks, whichever writer writes it."""

    bold: bool = False
    size: float | None = None
    fill: str | None = None
    border: bool = False
    center: bool = False
    wrap: bool = False
    link: bool = False  # underlined, in LINK_COLOR


# The header-style rule of both writers: new header cells copy the table's own header cell
# where there is one, else they look like LOOKS["header"].
LOOKS = {
    "title": Look(bold=True, size=14),
    "header": Look(bold=True, fill=HEADER_FILL, border=True, center=True, wrap=True),
    "body": Look(border=True, wrap=True),
    "link": Look(border=True, link=True),
    "plain": Look(),
    "note": Look(wrap=True),  # a note line spanning the width of the tables
}


def axis_step(values: Sequence[Any]) -> int:
    """A whole-number step for a count axis (1, 2, 5, 10, 20, 50…) giving at most ten ticks."""
    numbers = [v for v in values if isinstance(v, int | float) and math.isfinite(v)]
    top = max(numbers, default=0)
    step = 1
    while top > 10 * step:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step


@dataclass
class CellMark:
    """Fill one existing cell and optionally attach an Excel comment to it."""

    row: int
    col: int
    fill: str
    comment: str | None = None


class RowValues(Mapping[int, list[Any]], Generic[T]):
    """The values of appended columns by row, each row's made from its item (a branch's
    rating) only when asked: a writer streams them, so a million rows' values are never all
    held at once. Iterates in the order of ``sources``."""

    __slots__ = ("sources", "make", "key")

    def __init__(
        self,
        sources: dict[int, T],
        make: Callable[[T], list[Any]],
        key: Callable[[T], Hashable] | None = None,
    ) -> None:
        self.sources = sources  # row -> item
        self.make = make
        # items with equal keys have equal values: a writer makes their cells once
        self.key = key

    def __getitem__(self, r: int) -> list[Any]:
        return self.make(self.sources[r])

    def get(self, r: int, default: Any = None) -> Any:
        item = self.sources.get(r, _ABSENT)
        return default if item is _ABSENT else self.make(item)  # type: ignore[arg-type]

    def __contains__(self, r: object) -> bool:
        return r in self.sources

    def __iter__(self) -> Iterator[int]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


_ABSENT = object()


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
    # row -> one value per header (str, int, float, None); a dict, or RowValues made on demand
    values: Mapping[int, list[Any]]
    style_from: tuple[int, int] | None = None
    # column widths in Excel characters; a column without one is fitted to its values
    widths: list[float | None] | None = None


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
    width: int = 480  # pixels
    height: int = 280  # pixels: 14 rows of the default height

    def extent(self, widths: Sequence[float]) -> tuple[int, int, int, int, int, int]:
        """Where the chart lies: (from_row, from_col, to_row, to_col, to_col_px, to_row_px),
        the last two the offsets into the cell where it ends."""
        row, col = self.anchor
        left, c = self.width, col
        while True:
            px = column_pixels(widths[c] if c < len(widths) and widths[c] else DEFAULT_WIDTH)
            if left < px:
                break
            left -= px
            c += 1
        rows, extra = divmod(self.height, ROW_PIXELS)
        return row, col, row + rows, c, left, extra


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
    hidden_cols: set[int] = field(default_factory=set)
    # (row, col) -> last col: the cell is merged across to ``last col``, its text wrapped in it
    spans: dict[tuple[int, int], int] = field(default_factory=dict)
    # printed on A4 landscape, one page wide, the print area over its tables and charts
    landscape: bool = False

    def column_widths(self) -> list[float]:
        """The widths given, else each column fitted to its table cells (CJK counts two)."""
        if self.widths is not None:
            return list(self.widths)
        best: list[int] = []
        for r, row in enumerate(self.rows):
            if self.row_kind(r) not in ("header", "body"):
                continue  # a title or a note line runs on over the empty cells beside it
            best += [0] * (len(row) - len(best))
            for c, value in enumerate(row):
                if value is not None and value != "" and (r, c) not in self.spans:
                    best[c] = max(best[c], _shown_width(value))
        return [min(MAX_WIDTH, max(MIN_WIDTH, w + 2.0)) for w in best]

    def cell_kind(self, r: int, c: int, kind: str | None = None) -> str:
        """The look of one cell: its row's kind (``kind``, when known), "link" for a link,
        "note" for a spanned note, "plain" for an empty cell of a table row."""
        kind = self.row_kind(r) if kind is None else kind
        if (r, c) in self.links:
            return "link"
        if kind == "plain" and (r, c) in self.spans:
            return "note"
        row = self.rows[r]
        if kind == "body" and (c >= len(row) or row[c] is None or row[c] == ""):
            return "plain"
        return kind

    def row_height(self, r: int, widths: Sequence[float], kind: str | None = None) -> float | None:
        """Points for a row whose text wraps: a spanned note (Excel does not fit merged cells
        itself) or a table cell longer than its column (LibreOffice and WPS keep the default
        height of a row that has none, and the wrapped lines print over the next rows)."""
        lines = 1
        for (rr, c), last in self.spans.items():
            value = self.rows[rr][c] if rr == r and c < len(self.rows[rr]) else None
            if value is None:
                continue
            room = sum(widths[i] if i < len(widths) else DEFAULT_WIDTH for i in range(c, last + 1))
            lines = max(lines, _wrapped_lines(value, room))
        if (self.row_kind(r) if kind is None else kind) in ("header", "body"):
            for c, value in enumerate(self.rows[r]):
                if value is None or value == "" or (r, c) in self.spans:
                    continue
                room = widths[c] if c < len(widths) else DEFAULT_WIDTH
                lines = max(lines, _wrapped_lines(value, room))
        return LINE_POINTS * lines + 3 if lines > 1 else None

    def print_area(self, widths: Sequence[float] | None = None) -> tuple[int, int, int, int]:
        """(r1, c1, r2, c2): every table and chart of the sheet (``widths``: the column
        widths, when already worked out)."""
        widths = self.column_widths() if widths is None else widths
        last_row = len(self.rows) - 1
        last_col = max(
            (
                i
                for row in self.rows
                if len(row) > 1
                for i, v in enumerate(row)
                if v not in (None, "")
            ),
            default=0,
        )
        last_col = max([last_col, *self.spans.values()])
        for chart in self.charts:
            _, _, r2, c2, _, _ = chart.extent(widths)
            last_row, last_col = max(last_row, r2), max(last_col, c2)
        return 0, 0, max(last_row, 0), last_col

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
    kind: str | None = None  # what the copy is (io.outputs.OUTPUT_KINDS): marked in the file

    def sheet(self, name: str) -> SheetPlan:
        return self.sheets.setdefault(name, SheetPlan())
