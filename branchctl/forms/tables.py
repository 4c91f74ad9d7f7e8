"""Finding the standard forms in a workbook, and reading them: the one reading path.

A form is recognised by its content (header names, the 附件N marker, the title), never by the
sheet's name; a sheet may hold several (two townships' tables one below the other), each with
its own title, 填报单位 and header. Every command reads a table through :class:`Table`: its data
rows (:mod:`branchctl.forms.rows` says which rows are data), its columns
(:mod:`branchctl.forms.headers`), and its cells with merges filled
(:mod:`branchctl.forms.merges`), so that ``rate``, ``validate``, ``collect``, ``compare`` and
``notice`` read the same rows the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any

from branchctl.forms.headers import Header, find_header
from branchctl.forms.merges import MergeFill, by_first_row, starting_in
from branchctl.forms.preamble import form_from_preamble, is_example, read_preamble
from branchctl.forms.rows import EXAMPLE, Frame, Rows, Section, classify
from branchctl.forms.spec import FormSpec
from branchctl.forms.values import cell_text
from branchctl.io.cells import cell_name
from branchctl.io.workbook import Range, Sheet, Workbook

_strip = str.strip  # raises TypeError on anything but text
_TURNED_CELLS = 1 << 16  # a table of no more cells than this is turned into columns at once


@dataclass
class Table:
    """One form found in one sheet, read as the clerk filled it."""

    sheet: Sheet
    form: FormSpec
    header_top: int  # 0-based first header row
    header_row: int  # 0-based last header row
    columns: dict[str, int]  # canonical name -> 0-based column
    first_col: int
    last_col: int
    rows: list[int] = field(default_factory=list)  # 0-based data rows
    annex: str | None = None
    title: str | None = None
    unit: str | None = None  # 填报单位 as written above the table
    report_date: dt.date | None = None  # 填报时间 as written above the table, when a real date
    # a column named twice where nothing says which copy counts (both visible, or both
    # hidden): canonical name -> the (row, col) of each copy's header cell; not in ``columns``
    ambiguous: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # kind -> rows not data
    sections: dict[int, Section] = field(default_factory=dict)  # data row -> its section
    end: int = 0  # the first row after the table
    # per-table memo for work that depends only on the table's columns (e.g. which rules apply)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    _fill: MergeFill | None = field(default=None, repr=False, compare=False)
    _last: tuple[int, dict[str, Any]] | None = field(default=None, repr=False, compare=False)
    _lines: list[list[Any]] = field(default_factory=list, repr=False, compare=False)
    # the data rows' columns (_data_column), each None until made
    _columns: list[Sequence[Any] | None] | None = field(default=None, repr=False, compare=False)

    @property
    def sheet_name(self) -> str:
        return self.sheet.name

    @property
    def fill(self) -> MergeFill:
        """The merges of the data area, vertical and horizontal (built on first use)."""
        if self._fill is None:
            data = [m for m in self.sheet.merges if m[0] > self.header_row]
            self._fill = MergeFill(self.sheet, range(self.first_col, self.last_col + 1), data)
        return self._fill

    def has(self, column: str) -> bool:
        return column in self.columns

    def value(self, row: int, column: str) -> Any:
        """The value of a data cell as the clerk sees it (a merged cell reads as the merge's
        top-left value); None when blank or when the table lacks the column."""
        last = self._last
        if last is not None and last[0] == row:
            return last[1].get(column)
        col = self.columns.get(column)
        if col is None:
            return None
        value = (self._fill if self._fill is not None else self.fill).value(row, col)
        return None if type(value) is str and not value else value

    def values(self, r: int, columns: tuple[str, ...]) -> tuple[Any, ...]:
        """:meth:`value` of each of ``columns`` in data row ``r``, the row read once."""
        fill = self._fill if self._fill is not None else self.fill
        last = self._last
        if (last is not None and last[0] == r) or fill.touches(r):
            return tuple(self.value(r, column) for column in columns)
        rows = self.sheet.rows
        line = rows[r] if r < len(rows) else []
        n = len(line)
        out: list[Any] = []
        for column in columns:  # no merge covers the row: its cells as they are
            c = self.columns.get(column)
            v = line[c] if c is not None and c < n else None
            out.append(None if type(v) is str and not v else v)
        return tuple(out)

    def cells(self, r: int) -> dict[str, Any]:
        """The non-blank cells of row ``r``: canonical name -> value, as :meth:`value` reads
        them (a missing key means blank). The last row read is kept (readers take a row's cells
        one after another): read it, do not change it; :meth:`row_values` gives a copy."""
        last = self._last
        if last is not None and last[0] == r:
            return last[1]
        fill = self._fill if self._fill is not None else self.fill
        cells: dict[str, Any]
        if fill.touches(r):
            cells = {}
            for name, col in self.columns.items():
                value = fill.value(r, col)
                if value != "":
                    cells[name] = value
        else:
            rows = self.sheet.rows
            line = rows[r] if r < len(rows) else []
            n = len(line)
            cells = {name: v for name, c in self.columns.items() if c < n and (v := line[c]) != ""}
        self._last = (r, cells)
        return cells

    def row(self, r: int) -> dict[str, Any]:
        """Every column of data row ``r``: canonical name -> value (None when blank)."""
        cells = self.cells(r)
        return {name: cells.get(name) for name in self.columns}

    def row_values(self, r: int) -> dict[str, Any]:
        """Every non-blank cell of data row ``r``: canonical column -> value (as :meth:`value`
        reads it, so a missing key means None)."""
        return dict(self.cells(r))

    def texts(self, r: int) -> dict[str, str]:
        """The filled columns of data row ``r`` as the clerk reads them (stripped text, 12.0 as
        '12'); a blank column is missing, so read it with ``.get(column, "")``."""
        out: dict[str, str] = {}
        last = self._last
        fill = self._fill if self._fill is not None else self.fill
        if (last is not None and last[0] == r) or fill.touches(r):
            for name, v in self.cells(r).items():
                text = v.strip() if type(v) is str else cell_text(v)
                if text:
                    out[name] = text
            return out
        rows = self.sheet.rows
        line = rows[r] if r < len(rows) else []
        n = len(line)
        for name, c in self.columns.items():  # most rows: straight from the grid
            if c < n:
                v = line[c]
                if type(v) is str:  # most cells: no comparison of a number with ""
                    if v and (text := v.strip()):
                        out[name] = text
                elif v is not None and (text := cell_text(v)):
                    out[name] = text
        return out

    def column_values(self, names: tuple[str, ...]) -> list[list[Any]]:
        """:meth:`value` of each of ``names`` down the data rows: one list per name, in the
        order of :attr:`rows` (a table read a column at a time)."""
        out: list[list[Any]] = []
        for name in names:
            c = self.columns.get(name)
            if c is None:
                out.append([None] * len(self.rows))
            else:  # "" is blank; no other value a reader gives equals it
                out.append([None if v == "" else v for v in self._data_column(c)])
        return out

    def column_texts(self, names: tuple[str, ...]) -> list[list[str]]:
        """Each of ``names`` down the data rows as :meth:`texts` reads it ("" where blank):
        one list per name, in the order of :attr:`rows`."""
        out: list[list[str]] = []
        for name in names:
            c = self.columns.get(name)
            if c is None:
                out.append([""] * len(self.rows))
                continue
            cells = self._data_column(c)
            try:  # most columns hold only text: stripped in one call
                out.append(list(map(_strip, cells)))
            except TypeError:  # a number, a date among them
                out.append([v.strip() if type(v) is str else cell_text(v) for v in cells])
        return out

    def _data_column(self, c: int) -> Sequence[Any]:
        """Column ``c`` (up to the last) down the data rows, as the clerk sees the cells: most
        rows are the grid's own; a row a merge touches (or a short one) is read through the
        merges. A small table is turned at once, a column a time; a large one column by column
        as asked (a column of a million rows is not made unasked)."""
        columns = self._columns
        if columns is None:
            fill = self._fill if self._fill is not None else self.fill
            grid = self.sheet.rows
            need = self.last_col + 1
            lines: list[list[Any]] = []
            touched = fill.touching(self.rows)
            for r in self.rows:
                line = grid[r] if r < len(grid) else []
                if len(line) < need or r in touched:
                    line = [fill.value(r, c) for c in range(need)]
                lines.append(line)
            self._lines = lines
            if len(lines) * need <= _TURNED_CELLS:  # the columns right of the table never made
                columns = list(islice(zip(*lines, strict=False), need)) if lines else [()] * need
            else:
                columns = [None] * need
            self._columns = columns
        found = columns[c]
        if found is None:
            found = columns[c] = tuple(map(itemgetter(c), self._lines))
        return found

    def section(self, r: int) -> Section | None:
        """The section row data row ``r`` stands under, if any."""
        return self.sections.get(r)

    def branch_type(self, r: int) -> str | None:
        """支部类型 as written, or, where blank, the type its section names."""
        return cell_text(self.value(r, "支部类型")) or self.section_type(r)

    def section_type(self, r: int) -> str | None:
        """The 支部类型 the section of data row ``r`` names (一、农村党支部), if any."""
        section = self.sections.get(r) if self.sections else None
        return section.type if section is not None else None

    def hidden(self, r: int) -> bool:
        return r in self.sheet.hidden_rows

    def cell(self, r: int, column: str) -> str | None:
        """The address of ``column`` in row ``r`` (C12), None when the table lacks it."""
        col = self.columns.get(column)
        return None if col is None else cell_name(r, col)

    def ambiguous_cells(self) -> dict[str, list[str]]:
        """Canonical name -> the addresses of the copies of a column named twice."""
        return {k: [cell_name(r, c) for r, c in v] for k, v in self.ambiguous.items()}


@dataclass
class SheetScan:
    """What was seen in a sheet that is not a recognised table (for form-missing messages)."""

    sheet: Sheet
    annex: str | None
    title: str | None
    form_hint: FormSpec | None  # a form named by marker/title whose header was not found


@dataclass
class Layout:
    tables: list[Table]
    unrecognised: list[SheetScan]
    examples: list[Sheet] = field(default_factory=list)  # 填表示例 sheets, skipped


def find_forms(book: Workbook, aspect_headers: dict[str, str] | None = None) -> Layout:
    """Every form in every sheet of ``book``.

    ``aspect_headers`` maps normalised header text to a rubric's aspect names, so the aspects
    of the active rubric are recognised as columns too.
    """
    layout = Layout([], [])
    for sheet in book.sheets:
        tables = _tables_in_sheet(sheet, aspect_headers or {})
        if tables and is_example(sheet, [t.title for t in tables]):
            layout.examples.append(sheet)
        elif tables:
            layout.tables += tables
        elif sheet.height:
            pre = read_preamble(sheet, 0, min(sheet.height, 40), nearest_last=False)
            hint = form_from_preamble(pre.annex, pre.title)
            layout.unrecognised.append(SheetScan(sheet, pre.annex, pre.title, hint))
    return layout


def _tables_in_sheet(sheet: Sheet, extra: dict[str, str]) -> list[Table]:
    tables: list[Table] = []
    start = 0
    merges = by_first_row(sheet)  # searched once per table, and once more below the last
    width = sheet.width
    while start < sheet.height:
        header = find_header(sheet, start, extra, merges, width)
        if header is None:
            break
        table = _table(sheet, header, start, starting_in(merges, header.row + 1))
        tables.append(table)
        start = max(table.end, header.row + 1)
    return tables


def _table(sheet: Sheet, header: Header, start: int, below: list[Range]) -> Table:
    """The table under ``header``; ``below``: the merges starting under it (its data's)."""
    pre = read_preamble(sheet, max(start, header.top - 6), header.top)
    table = Table(
        sheet=sheet,
        form=header.form,
        header_top=header.top,
        header_row=header.row,
        columns=header.columns,
        first_col=header.first_col,
        last_col=header.last_col,
        annex=pre.annex,
        title=pre.title,
        unit=pre.unit,
        report_date=pre.report_date,
        ambiguous=header.ambiguous,
    )
    frame = Frame(
        sheet,
        header.top,
        header.row,
        header.first_col,
        header.last_col,
        {**header.columns, **{k: v[0][1] for k, v in header.ambiguous.items()}},
        header.form.per_branch,
        header.texts,
    )
    table._fill = MergeFill(sheet, range(header.first_col, header.last_col + 1), below)
    found: Rows = classify(frame, table._fill)
    table.rows = found.data
    table.skipped = found.skipped
    table.sections = found.sections
    table.end = found.end
    return table


def example_rows(table: Table) -> list[int]:
    """The example rows (例, ××村党支部) skipped in ``table``, 0-based."""
    return table.skipped.get(EXAMPLE, [])
