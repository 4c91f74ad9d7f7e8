"""Reading the data rows of a located table as a clerk filled them.

Vertically merged cells read as their top value (a branch's name merged over its problems),
pre-numbered rows nobody filled and header cells merged down into the data are not data, and
every value can name the cell it came from (:class:`CellRef`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from branchctl.forms.tables import SERIAL_ONLY_ROWS_DROPPED, Table
from branchctl.forms.values import cell_text, is_blank
from branchctl.io.cells import cell_name


class CellRef(NamedTuple):
    """Where a value came from: sheet, 1-based Excel row, 0-based column (None: column absent)."""

    sheet: str
    row: int
    col: int | None

    @property
    def cell(self) -> str | None:
        return None if self.col is None else cell_name(self.row - 1, self.col)


class RowSources(Mapping[str, CellRef]):
    """The cells of one row, made on demand: canonical column -> :class:`CellRef`."""

    __slots__ = ("sheet", "row", "columns")

    def __init__(self, sheet: str, row: int, columns: dict[str, int]) -> None:
        self.sheet, self.row, self.columns = sheet, row, columns

    def __getitem__(self, column: str) -> CellRef:
        return CellRef(self.sheet, self.row, self.columns[column])

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def get(self, column: str, default: Any = None) -> Any:  # type: ignore[override]
        col = self.columns.get(column)
        return default if col is None else CellRef(self.sheet, self.row, col)

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    def __repr__(self) -> str:
        return f"RowSources({self.sheet!r}, {self.row}, {list(self.columns)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())


def data_rows(table: Table, ignore: tuple[str, ...] = ("序号",)) -> list[int]:
    """The rows of ``table`` that hold data: not a pre-numbered empty row (blank but for
    ``ignore`` columns), and not a header row spilling down (covered by a header cell merged
    down past the row the header was found in). Found once per table and ``ignore``."""
    key = ("data-rows", ignore)
    found: list[int] | None = table.cache.get(key)
    if found is None:
        found = table.cache[key] = _data_rows(table, ignore)
    return found


def _data_rows(table: Table, ignore: tuple[str, ...]) -> list[int]:
    spill: set[int] = set()
    for r1, _, r2, _ in table.sheet.merges:
        if r1 <= table.header_row < r2:
            spill.update(range(table.header_row + 1, r2 + 1))
    skip = frozenset(table.columns[c] for c in ignore if c in table.columns)
    if table.cache.get(SERIAL_ONLY_ROWS_DROPPED) and skip <= {table.columns.get("序号")}:
        # find_forms left out the rows with only 序号 filled: none of the rest is a placeholder
        return [r for r in table.rows if r not in spill]
    return [r for r in table.rows if r not in spill and not _placeholder(table, r, skip)]


def is_placeholder_row(table: Table, r: int, ignore: tuple[str, ...] = ("序号",)) -> bool:
    """A pre-numbered template row nobody filled: blank but for ``ignore`` columns."""
    return _placeholder(table, r, frozenset(table.columns[c] for c in ignore if c in table.columns))


def _placeholder(table: Table, r: int, skip: frozenset[int]) -> bool:
    row = table.sheet.rows[r] if r < len(table.sheet.rows) else []
    for c in range(table.first_col, min(table.last_col + 1, len(row))):
        if c not in skip and not is_blank(row[c]):
            return False
    return True


class MergeFill:
    """Data cells covered by a vertical merge read as the merge's top-left value.

    Clerks merge 党支部名称, 所属党组织, 责任领导 or 完成时限 down over the rows of one branch;
    only the top cell holds the value. Horizontal spans are not filled: the cells to the right
    belong to other columns.
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self._columns = table.columns  # read for every cell: kept at hand
        self._rows = table.sheet.rows
        self.top: dict[tuple[int, int], int] = {}
        first = table.header_row + 1
        for r1, c1, r2, _ in table.sheet.merges:
            if r2 > r1 and r1 >= first:  # a merge from the header down is not data
                for r in range(r1 + 1, r2 + 1):
                    self.top[(r, c1)] = r1

    def value(self, r: int, column: str) -> Any:
        """The cell of ``column`` in data row ``r`` (None when blank or the column is absent)."""
        col = self._columns.get(column)
        if col is None:
            return None
        if self.top:
            r = self.top.get((r, col), r)
        try:
            value = self._rows[r][col]
        except IndexError:
            return None
        return None if type(value) is str and not value else value

    def row(self, r: int) -> dict[str, Any]:
        """Every column of data row ``r``: canonical name -> raw value (None when blank)."""
        rows = self.table.sheet.rows
        columns = self.table.columns
        if not self.top:
            cells = rows[r] if r < len(rows) else []
            n = len(cells)
            return {
                name: (cells[c] if c < n and cells[c] != "" else None)
                for name, c in columns.items()
            }
        out: dict[str, Any] = {}
        for name, col in columns.items():
            src = self.top.get((r, col), r)
            cells = rows[src] if src < len(rows) else []
            value = cells[col] if col < len(cells) else None
            out[name] = None if value == "" else value
        return out

    def texts(self, r: int) -> dict[str, str]:
        """The filled columns of data row ``r`` as the clerk reads them (stripped text, 12.0 as
        '12'); a blank column is missing, so read it with ``.get(column, "")``."""
        if self.top:
            return {
                name: v.strip() if type(v) is str else cell_text(v)
                for name, v in self.row(r).items()
                if v is not None
            }
        rows = self.table.sheet.rows
        cells = rows[r] if r < len(rows) else []
        n = len(cells)
        out: dict[str, str] = {}
        for name, c in self.table.columns.items():
            if c < n:
                v = cells[c]
                if type(v) is str:  # most cells: no comparison of a number with ""
                    if v:
                        out[name] = v.strip()
                elif v is not None:
                    out[name] = cell_text(v)
        return out
