"""Where a value read from a table came from: every value can name its cell (:class:`CellRef`),
and a row's cells are made on demand (:class:`RowSources`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

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
