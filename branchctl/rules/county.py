"""A county rated as one: the workbooks of a quarter (township files, county ledgers) rated
together, what became of each file, every branch in one list, and the county ledger they make.

A county ledger is a workbook of ledgers (the master of ``collect``, the county workbook of
``rate``): each row names its 来源文件. Rated again, a row keeps that chain, so a city that
collects county ledgers still sees county → township file → sheet and row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from branchctl.forms.spec import forms_data
from branchctl.forms.tables import Table
from branchctl.forms.values import cell_text, name_key
from branchctl.io.workbook import Sheet
from branchctl.io.xlsx.plain import RowsXml
from branchctl.io.xlsx.plan import CellMark
from branchctl.rules.results import (
    SOURCE_COLUMN,
    SOURCE_SEPARATOR,
    BranchRating,
    QuotaOutcome,
    ShareOutcome,
    summarize,
)
from branchctl.rules.rubric import Rubric

LEDGER_SHEET = "评定台账"
# The county ledger's first columns: where each row came from, then who the branch is. The
# rest follow as the tables have them: every column a rated table carried (marks, counts,
# claims…), so that the county ledger rated again gives the same result.
LEAD_COLUMNS = ("序号", SOURCE_COLUMN, "工作表", "行号", "所属党组织", "党支部名称", "支部类型")
GROUPINGS = ("所属党组织", SOURCE_COLUMN)  # what the 汇总 can count by (--by)
NO_GROUP = "（未填写）"

T = TypeVar("T")


@dataclass
class LedgerPart:
    """One file's rows of the county ledger, rendered where the file was rated (a worker), for
    the ledger of ``columns``: the county's unless its files differ in form (then they are
    rendered again, by the county)."""

    columns: tuple[str, ...]
    rows: RowsXml  # with the computed columns and the row fills
    marks: list[CellMark]  # the cells marked, their rows counted from the part's first (0)


@dataclass
class SourceRating:
    """One workbook of a county run: its rated branches, or why it could not be rated."""

    path: str  # as given or found
    label: str  # 来源文件 as shown: the path below the folder given, or the file name
    ok: bool
    message: str | None = None  # why (part of) it could not be rated: one Chinese sentence
    branches: list[BranchRating] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # the canonical columns of its rated tables, in order
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # each branch's cells, by columns
    county: bool = False  # a county ledger: its rows name their own 来源文件
    named: bool = True  # given on the command line (not found in a folder)
    problems: list[Any] = field(default_factory=list)  # 附件3 problems (notices)
    overdue: dict[str, int] = field(default_factory=dict)  # name_key -> overdue tasks (倒排)
    notes: list[str] = field(default_factory=list)
    report_date: dt.date | None = None  # 填报时间 above its table
    annotated: str | None = None  # its rated copy, when written
    ledger: LedgerPart | None = None  # its rows of the county ledger, when asked for
    keys: list[str] = field(default_factory=list)  # each branch's name_key, worked out where rated

    def chain(self, b: BranchRating) -> str:
        """The branch's 来源文件: this file, then the files a county ledger names."""
        return (
            f"{self.label}{SOURCE_SEPARATOR}{b.source}" if self.county and b.source else self.label
        )

    def inner_files(self) -> set[str]:
        """A county ledger's township files (their names), for :func:`set_aside`."""
        return inner_files(b.source for b in self.branches) if self.county else set()

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "message": self.message}


@dataclass
class CountyRating:
    """Every workbook of a run rated as one county."""

    name: str  # what the county is called in outputs: the folder, or the file given
    rubric: Rubric
    sources: list[SourceRating]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, why) not rated
    quotas: list[QuotaOutcome] = field(default_factory=list)
    shares: list[ShareOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates: list[list[tuple[SourceRating, BranchRating]]] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return Path(self.name)

    @property
    def rated(self) -> list[SourceRating]:
        return [s for s in self.sources if s.branches]

    @property
    def failed(self) -> list[SourceRating]:
        return [s for s in self.sources if not s.ok]

    @property
    def branches(self) -> list[BranchRating]:
        return [b for s in self.sources for b in s.branches]

    def summary(self) -> dict[str, Any]:
        return summarize(self.branches, self.rubric, self.quotas, shares=self.shares)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"files": [s.to_json() for s in self.sources]}
        if self.skipped:  # files passed over (own outputs, ledgers set aside), if any
            out["skipped"] = [{"file": label, "reason": why} for label, why in self.skipped]
        out["rubric"] = self.rubric.name
        out["branches"] = [b.to_json() for b in self.branches]
        out["summary"] = self.summary()
        return out

    def unrated_reason(self) -> str:
        """Why nothing could be rated: how many files, and the first one's reason."""
        first = self.failed[0].message if self.failed else None
        why = f"，例如{first.rstrip('。')}" if first else ""
        return f"找到的 {len(self.sources)} 个工作簿都未能评定{why}"

    def report_date(self) -> dt.date | None:
        """The latest 填报时间 of the files: the quarter a notice speaks of."""
        return max((s.report_date for s in self.sources if s.report_date), default=None)


# ------------------------------------------------------------------------------ one county


SET_ASIDE = "汇总工作簿，其中的支部已在同一文件夹的乡镇报表中，未重复计入"


def set_aside(
    files: Sequence[T],
    label: Callable[[T], str],
    inner: Callable[[T], set[str]],
    named: Callable[[T], bool],
) -> list[T]:
    """County ledgers found in a folder beside the township files they were made from (by
    name: ``inner`` gives the files a ledger's rows name, empty for a township's own): their
    branches are counted from those files already, so they are left out (see SET_ASIDE). A
    folder of county ledgers alone (a city's) keeps them all."""
    plain = {PurePosixPath(label(f)).name for f in files if not inner(f)}
    return [f for f in files if not named(f) and inner(f) & plain]


def inner_files(sources: Iterable[str | None]) -> set[str]:
    """The names of the files a county ledger's 来源文件 cells name (the first of each chain)."""
    return {PurePosixPath(s.split(SOURCE_SEPARATOR)[0]).name for s in sources if s}


def same_branches(
    items: Sequence[T],
    name: Callable[[T], str],
    org: Callable[[T], str],
    keyed: Callable[[T], str] | None = None,
) -> tuple[list[list[T]], list[list[T]]]:
    """Groups of one branch met more than once (the same name and 所属党组织), and groups of
    namesakes (the same name under different 所属党组织), in the order first met. ``keyed``:
    an item's ``name_key(name(item))``, when already worked out."""
    by_name: dict[str, list[T]] = {}
    for item in items:
        key = keyed(item) if keyed is not None else name_key(name(item))
        if key:
            by_name.setdefault(key, []).append(item)
    duplicates: list[list[T]] = []
    namesakes: list[list[T]] = []
    for group in by_name.values():
        if len(group) < 2:
            continue
        by_org: dict[str, list[T]] = {}
        for item in group:
            by_org.setdefault(name_key(org(item)), []).append(item)
        duplicates += [same for same in by_org.values() if len(same) > 1]
        if len(by_org) > 1:
            namesakes.append(group)
    return duplicates, namesakes


def mark_duplicates(county: CountyRating) -> None:
    """The same branch sent in two files: each is counted, and each names the other."""
    triples = [
        (s, b, k)
        for s in county.sources
        for b, k in zip(s.branches, s.keys or [name_key(b.name) for b in s.branches], strict=True)
        if b.entity == "branch"
    ]
    groups, _ = same_branches(
        triples, lambda t: t[1].name, lambda t: t[1].party_org or "", lambda t: t[2]
    )
    county.duplicates = [
        [(s, b) for s, b, _ in g] for g in groups if len({id(t[0]) for t in g}) > 1
    ]
    for group in county.duplicates:
        for _, b in group:
            others = "；".join(
                f"{o.chain(ob)}“{ob.sheet}”第{ob.row}行" for o, ob in group if ob is not b
            )
            b.warn("duplicate-in-files", others=others)


def group_keys(county: CountyRating, by: str) -> list[str]:
    """Each branch's group in the 汇总, in branch order. By 所属党组织, or by 来源文件 at the
    first level where the files differ: a county's township files, a city's county ledgers
    (given as a folder of them, or as one city ledger)."""
    if by not in GROUPINGS:
        raise ValueError(by)
    if by == "所属党组织":
        return [b.party_org or NO_GROUP for b in county.branches]
    chains = [s.chain(b).split(SOURCE_SEPARATOR) for s in county.sources for b in s.branches]
    depth = max((len(c) for c in chains), default=1)
    level = next(
        (k for k in range(depth) if len({c[k] if k < len(c) else "" for c in chains}) > 1),
        depth - 1,
    )
    return [c[min(level, len(c) - 1)] for c in chains]


# ------------------------------------------------------------------------------ the ledger


def ledger_columns(sources: Iterable[SourceRating]) -> list[str]:
    """The county ledger's columns: where each row came from and who the branch is, then the
    rest as the fullest table has them, then what the others add."""
    rest: dict[str, None] = {}
    for s in sorted(sources, key=lambda s: -len(s.columns)):
        rest.update((c, None) for c in s.columns if c not in LEAD_COLUMNS)
    return [*LEAD_COLUMNS, *rest]


def ledger_rows(s: SourceRating, columns: Sequence[str], first: int = 1) -> list[list[Any]]:
    """``s``'s rows of the county ledger of ``columns`` (:func:`ledger_columns`), its first
    row's 序号 ``first``."""
    index = {c: i for i, c in enumerate(s.columns)}
    picks = [index.get(c) for c in columns[len(LEAD_COLUMNS) :]]
    where = (index.get("工作表"), index.get("行号")) if s.county else (None, None)
    org_at = index.get("所属党组织")
    name_at = index.get("党支部名称")
    type_at = index.get("支部类型")
    lines: list[list[Any]] = []
    for n, (b, cells) in enumerate(zip(s.branches, s.rows, strict=True), first):
        sheet = cells[where[0]] if where[0] is not None else None
        row = cells[where[1]] if where[1] is not None else None
        org = cells[org_at] if org_at is not None else None
        lines.append(
            [
                n,
                s.chain(b),
                sheet if not _blank(sheet) else b.sheet,
                _row_number(row) if not _blank(row) else b.row,
                org if not _blank(org) else b.party_org,  # or the 填报单位 above the table
                cells[name_at] if name_at is not None else b.name,
                cells[type_at] if type_at is not None else b.type,
                *[cells[i] if i is not None else None for i in picks],
            ]
        )
    return lines


def ledger_table(columns: Sequence[str], lines: list[list[Any]]) -> Table:
    """The county ledger's table: a header row of ``columns``, then ``lines``."""
    grid = [list(columns), *lines]
    return Table(
        sheet=Sheet(LEDGER_SHEET, 0, True, grid),
        form=forms_data().forms["classification"],
        header_top=0,
        header_row=0,
        columns={c: i for i, c in enumerate(columns)},
        first_col=0,
        last_col=len(columns) - 1,
        rows=list(range(1, len(grid))),
    )


def placed_branches(sources: Iterable[SourceRating], first: int = 2) -> list[BranchRating]:
    """The branches of ``sources`` as they stand in the county ledger (its rows from ``first``)."""
    return [
        b.placed(LEDGER_SHEET, row)
        for row, b in enumerate((b for s in sources for b in s.branches), first)
    ]


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _row_number(value: Any) -> Any:
    text = cell_text(value)
    return int(text) if text.isdigit() else value
