"""One workbook under check: the context every check reads its tables and cells from and
writes its findings into."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from branchctl.findings.catalogue import finding
from branchctl.findings.model import Finding
from branchctl.forms.lists import WorkItem, read_work_ledger
from branchctl.forms.tables import Layout, Table
from branchctl.forms.values import cell_text
from branchctl.io.cells import cell_name
from branchctl.io.workbook import Workbook
from branchctl.rules.results import BranchRating
from branchctl.rules.rubric import Rubric

# Per-branch forms in order of authority: the branches of the first present are the reference.
REFERENCE_ORDER = ("classification", "creation_ledger")


@dataclass
class CheckContext:
    """One workbook under check: its forms, the rubric, the as-of date, and the findings so far."""

    book: Workbook
    layout: Layout
    rubric: Rubric
    as_of: dt.date
    findings: list[Finding] = field(default_factory=list)
    # per-branch tables whose branches the other forms must name (附件1, else 附件2)
    reference: list[Table] = field(default_factory=list)
    # per-branch tables carrying every aspect of the rubric, with their rated rows
    rated: list[tuple[Table, list[BranchRating]]] = field(default_factory=list)
    _labels: dict[int, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)
    categories: dict[str, str | None] = field(default_factory=dict)  # 问题类别 text -> aspect
    parsed: dict[Any, tuple[Any, str | None]] = field(
        default_factory=dict
    )  # (column, text) -> (value, hint)

    _work: list[WorkItem] | None = None

    def __post_init__(self) -> None:
        self.aspect_headers = self.rubric.aspect_headers()  # looked up for every problem

    def work_items(self) -> list[WorkItem]:
        """The rows of the 附件4 work ledgers (:func:`read_work_ledger`), read once for every
        check that looks at them."""
        if self._work is None:
            self._work = read_work_ledger(self.layout, self.as_of)
        return self._work

    def labels(self, variant: Rubric) -> tuple[dict[str, str], dict[str, str]]:
        """The category and level spellings of a rubric variant, computed once."""
        found = self._labels.get(id(variant))
        if found is None:
            found = self._labels[id(variant)] = (variant.category_labels(), variant.level_labels())
        return found

    def tables(self, *kinds: str) -> list[Table]:
        return [t for t in self.layout.tables if t.form.key in kinds]

    def per_branch(self) -> list[Table]:
        """Tables with one row per branch (附件1, 附件2, and any per-branch form a rubric reads)."""
        return [t for t in self.layout.tables if t.form.per_branch]

    def reference_tables(self) -> list[Table]:
        for kind in REFERENCE_ORDER:
            if found := self.tables(kind):
                return found
        return self.per_branch()[:1]

    def rows(self, table: Table) -> list[int]:
        """The data rows of ``table``: as every command reads them (:class:`Table`)."""
        return table.rows

    def raw(self, table: Table, r: int, column: str) -> Any:
        """The cell of ``column`` in data row ``r`` (0-based), vertical merges filled.

        Checks read a row's cells one after another: the row is read whole and kept; a loop
        that reads one column down the rows uses :meth:`cell` instead.
        """
        return self.row(table, r).get(column)

    def row(self, table: Table, r: int) -> dict[str, Any]:
        """The non-blank cells of data row ``r`` (see :meth:`raw`): canonical column -> raw
        value, read-only (the table keeps the last row read); a missing key means blank."""
        return table.cells(r)

    def cell(self, table: Table, r: int, column: str) -> Any:
        """As :meth:`raw`, for one cell alone."""
        return table.value(r, column)

    def text(self, table: Table, r: int, column: str) -> str:
        value = self.raw(table, r, column)
        return "" if value is None else cell_text(value)

    def add(self, code: str, **fields: Any) -> None:
        self.findings.append(finding(code, **fields))

    def at(self, code: str, table: Table, r: int, column: str | None, **fields: Any) -> None:
        """A finding at data row ``r`` (0-based) and ``column`` of ``table``."""
        if column is None:  # the row as a whole: point at its branch name
            col: int | None = table.columns.get("党支部名称", table.first_col)
        else:
            col = table.columns.get(column)
        value = fields.pop("value", None)
        if value is None and column and col is not None:
            value = self.text(table, r, column)
        self.add(
            code,
            sheet=table.sheet_name,
            row=r + 1,
            column=column,
            cell=cell_name(r, col) if col is not None else None,
            value=value,
            **fields,
        )
