"""The extent of the cells python-calamine would materialise from an .ods ``content.xml``.

calamine expands ``table:number-columns-repeated`` on a cell with a value (capping columns
at 16,384) and ``table:number-rows-repeated`` on a row with a value; empty rows repeated
before or between rows with values are materialised too; trailing empty rows and cells
(LibreOffice writes them to the end of every sheet) are not. A cell has a value when it
carries an ``office:`` value or value-type attribute (calamine 0.37 reads a cell with only a
formula as empty; an ``office:`` annotation inside a cell is counted as a value, to be safe).
calamine 0.37 also refuses an .ods of more than 100 million cells by itself; the 1.5 GB a
test child may use already fails at 49 million.

The fast pass splits the text at row ends and bounds a row's width by its byte length (every
cell tag takes at least 17 bytes) plus its repeats. It relies on tags ending at the first
``>``, which holds when no attribute value holds ``<`` or ``>``: LibreOffice escapes them (and
quotes) everywhere, so the pass checks that every ``<`` and ``>`` stands after an even number
of ``"`` and that there is no ``'``, comment, CDATA or processing instruction. A file that
fails those checks, or whose bound is too large, gets the exact pass (an XML parse).
"""

from __future__ import annotations

import re
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.cells import HUGE as _HUGE
from branchctl.io.safety.facts import MergeBudget, SheetFacts
from branchctl.io.safety.limits import (
    EXCEL_MAX_COLS,
    MAX_CELLS,
    MAX_ODS_ROW_BYTES,
    check_extent,
    number,
)
from branchctl.io.safety.xmlparts import PROLOG_ITEM, Elements, Scanner
from branchctl.io.smallfiles import size_text

_ODS_ITEM = re.compile(
    rb"<table:table(?=[\s/>])([^>]*)>|(</table:table>)|<table:table-row(?=[\s/>])([^>]*)>"
    rb"|<table:table-column(?=[\s/>])([^>]*)>"
)
_ODS_CELL_TAG = re.compile(rb"<table:(?:covered-)?table-cell(?=[\s/>])([^>]*)>")
_ODS_HIDDEN = re.compile(rb"table:visibility\s*=\s*[\"'](?:collapse|filter)")
_ODS_SPANNED = re.compile(rb"number-(columns|rows)-spanned\s*=\s*[\"']\+?([0-9]+)")
_ODS_ROW_END = b"</table:table-row>"
_ODS_ROW_START = re.compile(rb"<table:table-row(?=[\s/>])")
_ODS_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*[\"']\+?([0-9]+)")
_ODS_COLS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*[\"']\+?0*([0-9]+)")
_ODS_NAME = re.compile(rb"table:name\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ODS_MIN_CELL_BYTES = len(b"<table:table-cell")
_ODS_CELLS = (b"table:table-cell", b"table:covered-table-cell")
_ODS_NOT_MARKS = bytes(b for b in range(256) if b not in b"<>\"'!?")


class _OdsExtent:
    """Rows and widths of the tables of content.xml, repeats expanded, refused past the limit;
    on the way, each table's spans (as merged ranges, counted against the budget) and its
    hidden rows and columns."""

    path: Path
    facts: dict[str, SheetFacts]  # by table name

    def _start_table(self, name: str | None) -> None:
        self.table = name
        self.rows = 0  # rows so far, repeats expanded
        self.columns = 0  # table:table-column elements so far, repeats expanded
        self.last_row_end = 0  # rows up to the last row holding a value
        self.width = 0  # widest row, up to its last cell holding a value
        self.far = (0, 0)
        self.merges = MergeBudget(self.path, name)
        if name is not None:
            self.facts.setdefault(name, SheetFacts())

    def _row(self, repeats: int, width: int) -> None:
        self.rows += repeats
        if width:
            self.last_row_end = self.rows
            self.width = max(self.width, width)
            if self.rows * width > (self.far[0] + 1) * (self.far[1] + 1):
                self.far = (self.rows - 1, width - 1)

    def _too_large(self) -> bool:
        return self.last_row_end * self.width > MAX_CELLS

    def _refuse_if_too_large(self) -> None:
        if self._too_large():
            check_extent(
                self.path, self.table or "content.xml", self.last_row_end, self.width, self.far
            )

    def _hidden_rows(self, repeats: int) -> None:
        """The row starting now (``self.rows``), repeated ``repeats`` times, is hidden."""
        if self.table is not None:
            self.facts[self.table].hidden_rows.append((self.rows, self.rows + repeats))

    def _column(self, repeats: int, hidden: bool) -> None:
        if hidden and self.table is not None:
            end = min(self.columns + repeats, EXCEL_MAX_COLS)
            self.facts[self.table].hidden_cols.append((self.columns, end))
        self.columns = min(self.columns + repeats, _HUGE)

    def _span(self, col: int, across: int, down: int, col_repeats: int, row_repeats: int) -> None:
        """A cell at (self.rows, col) spanning across x down, repeated; merged ranges each."""
        r1 = self.rows
        if not self.merges.add(r1, col, r1 + down - 1, col + across - 1, col_repeats * row_repeats):
            return
        if self.table is not None:
            merges = self.facts[self.table].merges
            for i in range(row_repeats):
                for k in range(col_repeats):
                    c1 = col + k * across
                    merges.append((r1 + i, c1, r1 + i + down - 1, c1 + across - 1))


class OdsCells(_OdsExtent, Scanner):
    """The fast pass; ``needs_exact`` when it cannot vouch for the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.needs_exact = False
        self.pending = b""  # an unfinished row, carried to the next region
        self.first = True
        self.facts = {}
        self._start_table(None)

    def feed(self, region: bytes) -> None:
        if self.needs_exact:
            return
        if not self._plain(region):
            self.needs_exact = True
            return
        # Split at row ends: each piece is [table tags, empty rows] <table:table-row ...> body.
        pieces = (self.pending + region if self.pending else region).split(_ODS_ROW_END)
        self.pending = pieces.pop()
        if len(self.pending) > MAX_ODS_ROW_BYTES:
            raise BranchctlError(
                f"表格中有一行的内容超过 {size_text(MAX_ODS_ROW_BYTES)}，结构异常，已拒绝读取",
                path=self.path,
                sheet=self.table,
            )
        for piece in pieces:
            start = _ods_row_start(piece)
            if start != 0:
                self._tags(piece if start < 0 else piece[:start])
                if start < 0:
                    continue
            tag_end = piece.find(b">", start)
            if tag_end < 0:
                continue
            attrs = piece[start:tag_end]
            repeats = _rows_repeated(attrs) if b"repeated" in attrs else 1
            if b"visibility" in attrs and _ODS_HIDDEN.search(attrs):
                self._hidden_rows(repeats)
            if b"spanned" in piece:
                self._spans(piece, tag_end + 1, repeats)
            self._row(repeats, self._width(piece, tag_end + 1))

    def _plain(self, region: bytes) -> bool:
        """True if every tag in region ends at its first ``>`` (see the notes above).

        Keep only ``< > " ' ! ?``: with no quote in text (LibreOffice escapes them) the two
        quotes of a clean attribute value are adjacent there, so removing ``""`` leaves no quote
        unless some value holds a ``<`` or ``>``.
        """
        body = region
        if self.first:
            self.first = False
            prolog = PROLOG_ITEM.match(region)
            body = region[prolog.end() :] if prolog else region
        marks = body.translate(None, _ODS_NOT_MARKS)
        if b"'" in marks or b"<!" in marks or b"<?" in marks:
            return False
        return b'"' not in marks.replace(b'""', b"")

    def _tags(self, text: bytes) -> None:
        """Table starts and ends, columns and empty (self-closing) rows, in order."""
        for m in _ODS_ITEM.finditer(text):
            table_attrs, table_end, row_attrs, column_attrs = m.groups()
            if table_attrs is not None:
                if not table_attrs.endswith(b"/"):
                    self._finish_table()
                    self._start_table(_ods_name(table_attrs))
            elif table_end is not None:
                self._finish_table()
                self._start_table(None)
            elif column_attrs is not None:
                repeats = _cols_repeated(column_attrs)
                self._column(repeats, _ODS_HIDDEN.search(column_attrs) is not None)
            elif row_attrs.endswith(b"/"):
                repeats = _rows_repeated(row_attrs)
                if _ODS_HIDDEN.search(row_attrs):
                    self._hidden_rows(repeats)
                self._row(repeats, 0)

    def _spans(self, body: bytes, start: int, row_repeats: int) -> None:
        """The spanned cells of one row (tags end at their first ``>``: checked by _plain)."""
        col = 0
        for m in _ODS_CELL_TAG.finditer(body, start):
            attrs = m.group(1)
            repeats = _cols_repeated(attrs) if b"repeated" in attrs else 1
            if b"spanned" in attrs:
                spans = {k: number(v) for k, v in _ODS_SPANNED.findall(attrs)}
                across, down = max(spans.get(b"columns", 1), 1), max(spans.get(b"rows", 1), 1)
                self._span(col, across, down, repeats, row_repeats)
            col = min(col + repeats, _HUGE)

    def _width(self, body: bytes, start: int) -> int:
        """A bound of the columns up to the last cell with a value in body[start:] (0 if none)."""
        last = body.rfind(b"office:", start)
        if last < 0:
            return 0
        stop = body.find(b">", last)
        stop = len(body) if stop < 0 else stop
        cells = (stop - start) // _ODS_MIN_CELL_BYTES + 1  # every cell tag takes 17 bytes
        at = body.find(b"columns-repeated", start, stop)
        while at >= 0:
            m = _ODS_COLS_REPEATED.match(body, at - 7)
            if m:
                digits = m.group(1)
                cells += (int(digits) if len(digits) <= 12 else _HUGE) - 1
            at = body.find(b"columns-repeated", at + 16, stop)
        return cells

    def _finish_table(self) -> None:
        if self._too_large():
            self.needs_exact = True  # a bound, not a count: let the exact pass decide

    def finish(self) -> None:
        if not self.needs_exact:
            self._tags(self.pending)
            self._finish_table()


class OdsExactCells(_OdsExtent, Elements):
    """The exact pass: every table, row and cell element, as calamine reads them."""

    def __init__(self, path: Path) -> None:
        Elements.__init__(self, path, "content.xml")
        self.in_row = False
        self.row_repeats = 1
        self.col = 0  # columns so far in the row, repeats expanded
        self.row_width = 0  # columns up to the last cell with a value
        self.facts = {}
        self._start_table(None)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "table:table":
            self._refuse_if_too_large()
            self._start_table(attrs.get("table:name"))
        elif name == "table:table-row":
            self.in_row, self.col, self.row_width = True, 0, 0
            self.row_repeats = _repeat_value(attrs.get("table:number-rows-repeated"))
            if attrs.get("table:visibility") in ("collapse", "filter"):
                self._hidden_rows(self.row_repeats)
        elif name == "table:table-column":
            repeats = _repeat_value(attrs.get("table:number-columns-repeated"))
            self._column(repeats, attrs.get("table:visibility") in ("collapse", "filter"))
        elif name in ("table:table-cell", "table:covered-table-cell") and self.in_row:
            repeats = _repeat_value(attrs.get("table:number-columns-repeated"))
            across = _repeat_value(attrs.get("table:number-columns-spanned"))
            down = _repeat_value(attrs.get("table:number-rows-spanned"))
            if across > 1 or down > 1:
                self._span(self.col, across, down, repeats, self.row_repeats)
            self.col = min(self.col + repeats, _HUGE)
            if any(key.startswith("office:") for key in attrs):
                self.row_width = self.col

    def end(self, name: str) -> None:
        if name == "table:table":
            self._refuse_if_too_large()
            self._start_table(None)
        elif name == "table:table-row" and self.in_row:
            self._row(self.row_repeats, self.row_width)
            self.in_row = False

    def finish(self) -> None:
        super().finish()
        self._refuse_if_too_large()


def _repeat_value(value: str | None) -> int:
    digits = (value or "1").strip().lstrip("+")
    if not digits.isdigit():
        return 1  # calamine rejects it
    return _HUGE if len(digits) > 12 else max(int(digits), 1)


def _ods_row_start(piece: bytes) -> int:
    """Where the row that a piece's row end closes starts, or -1.

    Empty rows written as ``<table:table-row .../>`` may come first; a row nested inside a
    cell is an error for calamine and is not looked for.
    """
    at = piece.find(b"<table:table-row")
    while at >= 0:
        if piece[at + 16 : at + 17] in (b" ", b">", b"\t", b"\n", b"\r"):
            end = piece.find(b">", at)
            if end < 0 or piece[end - 1 : end] != b"/":
                return at
        at = piece.find(b"<table:table-row", at + 1)  # after <table:table-row-group> or <.../>
    return -1


def _cols_repeated(attrs: bytes) -> int:
    m = _ODS_COLS_REPEATED.search(attrs)
    return max(number(m.group(1)), 1) if m else 1


def _rows_repeated(attrs: bytes) -> int:
    m = _ODS_ROWS_REPEATED.search(attrs)
    return max(number(m.group(1)), 1) if m else 1


def _ods_name(attrs: bytes) -> str | None:
    m = _ODS_NAME.search(attrs)
    if not m:
        return None
    from xml.sax.saxutils import unescape

    raw = m.group(1) if m.group(1) is not None else m.group(2)
    return unescape(raw.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})
