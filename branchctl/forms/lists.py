"""The three lists (附件3) and the work ledger (附件4) as plain items, whatever their layout.

附件3 comes either as one combined sheet (one row per problem, task and owner beside it) or as
three sheets linked by number: 问题清单 (序号) ← 任务清单 (对应问题序号) ← 责任清单 (对应任务序号).
:func:`read_lists` unifies both into :class:`ProblemItem` rows, one per problem and task.

Nothing here raises on a bad cell: raw text is kept, the parse failure is noted on the item
(``*_error``), and validation turns it into a finding. Every field remembers the cell it came
from (:class:`CellRef`) so a finding can name it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.datarows import CellRef, RowSources
from branchctl.forms.spec import normalize_text
from branchctl.forms.tables import Layout, Table
from branchctl.forms.values import (
    BadValue,
    Deadline,
    cell_text,
    is_blank,
    name_key,
    parse_date,
    parse_enum,
)

LIST_FORMS = ("lists", "problems", "tasks", "responsibilities")
_TYPED = ("完成时限", "销号时间", "完成情况")  # the cells of a task's row read as values, not text
_NUMBER_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass(slots=True)
class ProblemItem:
    """One problem of 附件3 with one of its tasks (a problem without a task has ``task == ""``).

    The combined sheet's reader passes the fields by position: keep their order."""

    branch: str  # as written, trimmed
    branch_key: str  # values.name_key(branch), for matching across sheets
    category: str  # 问题类别 as written, trimmed
    description: str
    task: str
    measures: str
    owner: str  # 责任人; several owners of one task joined with "、"
    owner_title: str  # 职务
    leader: str  # 责任领导
    deadline: Deadline | None
    deadline_text: str
    sheet: str  # where the problem is
    row: int  # 1-based Excel row of the problem
    number: str = ""  # 序号 of the problem as written
    status: str = ""  # 完成情况 where the sheet has one (canonical when recognised)
    closed: Deadline | None = None  # 销号时间 where the sheet has one
    closed_text: str = ""
    has_task: bool = True  # False: no task row (three-sheet form) or 整改任务 blank
    has_owner_row: bool = True  # False: three-sheet form and no 责任清单 row for the task
    deadline_error: str | None = None  # Chinese hint when 完成时限 is not a date
    closed_error: str | None = None
    status_error: str | None = None
    # where its fields came from: canonical column -> cell (the three linked sheets); the
    # combined sheet's items keep their table's columns instead (one row holds every field,
    # its cells made only when asked), and these are empty
    refs: Mapping[str, CellRef] = field(default_factory=dict)
    columns: dict[str, int] | None = None

    @property
    def sources(self) -> Mapping[str, CellRef]:
        """Canonical column -> the cell it came from."""
        if self.columns is not None:
            return RowSources(self.sheet, self.row, self.columns)
        return self.refs

    def source(self, column: str) -> CellRef:
        """The cell of ``column``; for a column the sheet lacks, the row that would hold it."""
        if self.columns is not None:  # the combined sheet: every field on the problem's row
            return CellRef(self.sheet, self.row, self.columns.get(column))
        ref = self.refs.get(column)
        if ref is not None:
            return ref
        task = self.refs.get("整改任务")
        if column in ("责任人", "职务", "责任领导", "完成时限") and task is not None:
            return CellRef(task.sheet, task.row, None)
        return CellRef(self.sheet, self.row, None)

    @property
    def is_closed(self) -> bool:
        return is_closed(self.status, self.closed, self.closed_text)

    @property
    def task_row(self) -> tuple[str, int]:
        """The sheet and 1-based row of the task (several problems may share one linked task):
        where :meth:`source` finds 整改任务."""
        if self.columns is not None:  # the combined sheet: the problem's own row
            return self.sheet, self.row
        ref = self.refs.get("整改任务")
        return (self.sheet, self.row) if ref is None else (ref.sheet, ref.row)


DONE = "已完成"  # the 完成情况 value that closes an item (forms.toml enums.完成情况)


def is_closed(status: str, closed: Deadline | None, closed_text: str) -> bool:
    """An item is closed (销号) when marked 已完成 or given a 销号时间, even an unreadable one."""
    return status == DONE or closed is not None or bool(closed_text)


@dataclass(slots=True)
class WorkItem:
    """One row of 附件4 创建工作台账 (its reader passes the fields by position: keep their order)."""

    branch: str
    branch_key: str
    task: str
    deadline: Deadline | None
    deadline_text: str
    status: str  # 完成情况, canonical (已完成/推进中/未启动) when recognised, else as written
    closed: Deadline | None  # 销号时间
    sheet: str
    row: int  # 1-based Excel row
    closed_text: str = ""
    deadline_error: str | None = None
    closed_error: str | None = None
    status_error: str | None = None
    # its table's columns (canonical name -> 0-based column, shared by the table's items): a
    # cell reference is made only when a finding names one
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def sources(self) -> RowSources:
        """The cells of its row: canonical column -> :class:`CellRef`."""
        return RowSources(self.sheet, self.row, self.columns)

    def source(self, column: str) -> CellRef:
        return CellRef(self.sheet, self.row, self.columns.get(column))

    @property
    def is_closed(self) -> bool:
        return is_closed(self.status, self.closed, self.closed_text)


@dataclass
class BrokenLink:
    """A task or responsibility row whose 对应问题序号 / 对应任务序号 matches nothing."""

    sheet: str
    row: int
    column: str  # 对应问题序号 | 对应任务序号
    col: int
    value: str
    target: str  # 问题清单 | 任务清单


@dataclass
class Lists:
    """Everything read from 附件3: the items, and what could not be linked."""

    items: list[ProblemItem] = field(default_factory=list)
    broken_links: list[BrokenLink] = field(default_factory=list)
    missing: list[str] = field(
        default_factory=list
    )  # 任务清单/责任清单 absent in the three-sheet form
    tables: list[Table] = field(default_factory=list)


def overdue(item: ProblemItem | WorkItem, as_of: dt.date) -> bool:
    """Past its dated deadline and not closed; 长期坚持/立行立改 and closed items never are."""
    d = item.deadline
    if d is None or d.kind != "date" or d.date is None:
        return False
    return d.date < as_of and not item.is_closed


def read_lists(layout: Layout, as_of: dt.date | None = None) -> list[ProblemItem]:
    """Every problem × task of 附件3, from the combined sheet and/or the three linked sheets."""
    return read_lists_detail(layout, as_of).items


def read_lists_detail(layout: Layout, as_of: dt.date | None = None) -> Lists:
    out = Lists()
    by_kind: dict[str, list[Table]] = {k: [] for k in LIST_FORMS}
    for table in layout.tables:
        if table.form.key in by_kind:
            by_kind[table.form.key].append(table)
            out.tables.append(table)
    for table in by_kind["lists"]:
        out.items += _combined_items(table, as_of)
    if by_kind["problems"]:
        _read_linked(by_kind, as_of, out)
    return out


def read_work_ledger(layout: Layout, as_of: dt.date | None = None) -> list[WorkItem]:
    """Every row of every 附件4 work ledger in the workbook."""
    items: list[WorkItem] = []
    for table in layout.tables:
        if table.form.key == "work_ledger":
            items += _work_items(table, as_of)
    return items


# 进展情况 and 佐证材料 are not read into an item: nothing reads them from one (the evidence
# check reads the rubric's evidence columns from the table itself)
_WORK_TEXTS = ("党支部名称", "工作任务", "完成时限", "销号时间")


def _work_items(table: Table, as_of: dt.date | None) -> list[WorkItem]:
    sheet, columns = table.sheet_name, table.columns
    # read a column at a time, as text; three columns typed (each distinct value parsed once)
    texts = table.column_texts(_WORK_TEXTS)
    due, done, state = table.column_values(_TYPED)
    # positional, in field order: keyword arguments cost twice as much as the item itself
    return [
        WorkItem(
            branch, key, task, deadline[0], deadline_text, status[0], closed[0], sheet, r + 1,
            closed_text, deadline[1], closed[1], status[1], columns,
        )
        for (
            r, key, branch, task, deadline_text, closed_text, deadline, closed, status,
        ) in zip(
            table.rows,
            _name_keys(texts[0]),
            *texts,
            *_parsed_columns(due, done, state, as_of),
            strict=True,
        )
    ]  # fmt: skip


# ------------------------------------------------------------------------------- internals


def _name_keys(names: list[str]) -> list[str]:
    """:func:`name_key` of each name down a column, each different name keyed once (a branch
    has several problems and tasks)."""
    keys = dict.fromkeys(names, "")
    for name in keys:
        keys[name] = name_key(name)
    return list(map(keys.__getitem__, names))


def _parsed_columns(
    due: list[Any], done: list[Any], state: list[Any], as_of: dt.date | None
) -> tuple[list[Any], list[Any], list[Any]]:
    """完成时限, 销号时间 and 完成情况 down a list's rows, each parsed as its column reads."""
    return (
        _each(due, lambda v: _date(v, as_of, True)),
        _each(done, lambda v: _date(v, as_of, False)),
        _each(state, lambda v: _enum(v, "完成情况")),
    )


# The same few texts (已完成, 2025年12月底, 长期坚持…) fill whole columns: parse each once.
_PARSED: dict[Any, Any] = {}
_PARSED_MAX = 4096


def _remember(key: Any, value: Any) -> None:
    if key is None:
        return
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[key] = value


class _Row:
    """Text and typed values of one data row, read once, never raising."""

    __slots__ = ("table", "r")

    def __init__(self, table: Table, r: int) -> None:
        self.table = table
        self.r = r

    def raw(self, column: str) -> Any:
        return self.table.value(self.r, column)

    def text(self, column: str) -> str:
        value = self.table.value(self.r, column)
        if value is None:
            return ""
        return value.strip() if type(value) is str else cell_text(value)

    def date(
        self, column: str, as_of: dt.date | None, deadline: bool = False
    ) -> tuple[Deadline | None, str | None]:
        return _date(self.table.value(self.r, column), as_of, deadline)

    def enum(self, column: str) -> tuple[str, str | None]:
        return _enum(self.table.value(self.r, column), column)

    def all_sources(self) -> RowSources:
        return RowSources(self.table.sheet.name, self.r + 1, self.table.columns)

    def sources(self, columns: tuple[str, ...]) -> dict[str, CellRef]:
        sheet, row, cols = self.table.sheet.name, self.r + 1, self.table.columns
        return {name: CellRef(sheet, row, cols[name]) for name in columns if name in cols}


_DISTINCT = frozenset({str, type(None), dt.date, dt.datetime, dt.time})  # none equals another's


def _each(values: list[Any], parse: Callable[[Any], Any]) -> list[Any]:
    """``parse`` of each value of a column, each distinct value parsed once (a column repeats a
    few texts); where numbers are among them (1 == 1.0 == True), each value by itself."""
    distinct = dict.fromkeys(values)
    if not all(type(k) in _DISTINCT for k in distinct):
        return [parse(v) for v in values]
    for k in distinct:
        distinct[k] = parse(k)
    return list(map(distinct.__getitem__, values))


def _date(raw: Any, as_of: dt.date | None, deadline: bool) -> tuple[Deadline | None, str | None]:
    """(the date or deadline, None) or (None, why it cannot be read) for a raw cell."""
    if raw is None:
        return None, None
    key = (type(raw), raw, as_of, deadline)  # text, a number or a datetime: all hashable
    found = _PARSED.get(key)
    if found is None:
        try:
            found = (parse_date(raw, as_of, deadline=deadline), None)
        except BadValue as e:
            found = (None, str(e))
        _remember(key, found)
    return found  # type: ignore[no-any-return]


def _enum(raw: Any, column: str) -> tuple[str, str | None]:
    """(the value, None) or (the text as written, why it is not one of the choices)."""
    if raw is None:
        return "", None
    key = (type(raw), raw, column)
    found = _PARSED.get(key)
    if found is None:
        try:
            found = (parse_enum(raw, column) or "", None)
        except BadValue as e:
            found = (cell_text(raw), str(e))
        _remember(key, found)
    return found  # type: ignore[no-any-return]


_NO_REFS: Mapping[str, CellRef] = {}  # a combined-sheet item's refs: its columns stand in

_COMBINED_TEXTS = (
    "党支部名称", "问题类别", "问题描述", "整改任务", "整改措施", "责任人", "职务", "责任领导",
    "完成时限", "序号", "销号时间",
)  # fmt: skip


def _combined_items(table: Table, as_of: dt.date | None) -> list[ProblemItem]:
    sheet, columns = table.sheet_name, table.columns
    # read a column at a time, as text; three columns typed (each distinct value parsed once)
    texts = table.column_texts(_COMBINED_TEXTS)
    due, done, state = table.column_values(_TYPED)
    # positional, in field order: keyword arguments cost twice as much as the item itself
    return [
        ProblemItem(
            branch, key, category, description, task, measures, owner, owner_title,
            leader, deadline[0], deadline_text, sheet, r + 1, number, status[0], closed[0],
            closed_text, bool(task or measures), True, deadline[1], closed[1], status[1],
            _NO_REFS, columns,
        )
        for (
            r, key, branch, category, description, task, measures, owner, owner_title, leader,
            deadline_text, number, closed_text, deadline, closed, status,
        ) in zip(
            table.rows,
            _name_keys(texts[0]),
            *texts,
            *_parsed_columns(due, done, state, as_of),
            strict=True,
        )
    ]  # fmt: skip


def _numbers(value: Any) -> list[str]:
    """Serial numbers in a cell: 3, 3.0, '３', '3、4' -> ['3'] / ['3', '4']."""
    if is_blank(value):
        return []
    text = cell_text(value)

    parts = [normalize_text(p) for p in _NUMBER_SPLIT.split(text) if p.strip()]
    return [p[:-2] if p.endswith(".0") else p for p in parts]


def _read_linked(by_kind: dict[str, list[Table]], as_of: dt.date | None, out: Lists) -> None:
    rows: dict[str, list[_Row]] = {}
    for kind in ("problems", "tasks", "responsibilities"):
        rows[kind] = []
        for table in by_kind[kind]:
            rows[kind] += [_Row(table, r) for r in table.rows]
    problem_numbers = {n for row in rows["problems"] for n in _numbers(row.raw("序号"))}
    task_numbers = {n for row in rows["tasks"] for n in _numbers(row.raw("序号"))}
    tasks_by_problem: dict[str, list[_Row]] = {}
    owners_by_task: dict[str, list[_Row]] = {}
    for row in rows["tasks"]:
        for n in _numbers(row.raw("对应问题序号")):
            tasks_by_problem.setdefault(n, []).append(row)
        _check_link(row, "对应问题序号", problem_numbers, "问题清单", out)
    for row in rows["responsibilities"]:
        for n in _numbers(row.raw("对应任务序号")):
            owners_by_task.setdefault(n, []).append(row)
        if by_kind["tasks"]:
            _check_link(row, "对应任务序号", task_numbers, "任务清单", out)
    has_owners = bool(by_kind["responsibilities"])
    if not by_kind["tasks"]:
        out.missing.append("任务清单")
    if not has_owners:
        out.missing.append("责任清单")

    for problem in rows["problems"]:
        linked = [t for n in _numbers(problem.raw("序号")) for t in tasks_by_problem.get(n, [])]
        if not linked:
            out.items.append(_linked_item(problem, None, [], as_of, has_owners))
            continue
        for task in linked:
            owners = [o for n in _numbers(task.raw("序号")) for o in owners_by_task.get(n, [])]
            out.items.append(_linked_item(problem, task, owners, as_of, has_owners))


def _check_link(row: _Row, column: str, targets: set[str], target: str, out: Lists) -> None:
    raw = row.raw(column)
    numbers = _numbers(raw)
    table = row.table
    if numbers and not any(n in targets for n in numbers) and column in table.columns:
        col = table.columns[column]
        out.broken_links.append(
            BrokenLink(table.sheet_name, row.r + 1, column, col, cell_text(raw), target)
        )


def _first(rows: list[_Row], column: str) -> tuple[str, CellRef | None]:
    for row in rows:
        text = row.text(column)
        if text:
            return text, row.sources((column,)).get(column)
    return "", (rows[0].sources((column,)).get(column) if rows else None)


def _joined(rows: list[_Row], column: str) -> str:
    seen: list[str] = []
    for row in rows:
        text = row.text(column)
        if text and text not in seen:
            seen.append(text)
    return "、".join(seen)


def _linked_item(
    problem: _Row,
    task: _Row | None,
    owners: list[_Row],
    as_of: dt.date | None,
    has_owners: bool,
) -> ProblemItem:
    sources = problem.sources(("序号", "党支部名称", "问题类别", "问题描述", "查摆时间"))
    deadline_text = ""
    deadline: Deadline | None = None
    deadline_error: str | None = None
    task_text = measures = ""
    status = closed_text = status_error = closed_error = None
    closed: Deadline | None = None
    if task is not None:
        task_text = task.text("整改任务")
        measures = task.text("整改措施")
        sources.update(task.sources(("整改任务", "整改措施")))
        sources["任务序号"] = CellRef(
            task.table.sheet_name, task.r + 1, task.table.columns.get("序号")
        )
        # The deadline of the task, or of its owners' rows where the task sheet leaves it out.
        for row in (task, *owners):
            if row.text("完成时限"):
                deadline, deadline_error = row.date("完成时限", as_of, deadline=True)
                deadline_text = row.text("完成时限")
                sources.update(row.sources(("完成时限",)))
                break
        else:
            ref = task.sources(("完成时限",)).get("完成时限")
            sources["完成时限"] = ref or CellRef(task.table.sheet_name, task.r + 1, None)
        for row in (task, *owners):
            if row.text("完成情况") or row.text("销号时间"):
                status, status_error = row.enum("完成情况")
                closed, closed_error = row.date("销号时间", as_of)
                closed_text = row.text("销号时间")
                sources.update(row.sources(("完成情况", "销号时间")))
                break
    owner, ref = _first(owners, "责任人")
    if ref is not None:
        sources["责任人"] = ref
    title, ref = _first(owners, "职务")
    if ref is not None:
        sources["职务"] = ref
    leader, ref = _first(owners, "责任领导")
    if ref is not None:
        sources["责任领导"] = ref
    branch = problem.text("党支部名称")
    return ProblemItem(
        branch=branch,
        branch_key=name_key(branch),
        category=problem.text("问题类别"),
        description=problem.text("问题描述"),
        task=task_text,
        measures=measures,
        owner=_joined(owners, "责任人") or owner,
        owner_title=title,
        leader=leader,
        deadline=deadline,
        deadline_text=deadline_text,
        sheet=problem.table.sheet_name,
        row=problem.r + 1,
        number=problem.text("序号"),
        status=status or "",
        closed=closed,
        closed_text=closed_text or "",
        has_task=task is not None and bool(task_text or measures),
        has_owner_row=bool(owners) or not has_owners or task is None,
        deadline_error=deadline_error,
        closed_error=closed_error,
        status_error=status_error,
        refs=sources,
    )
