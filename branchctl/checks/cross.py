"""Checks across forms: 附件3 lists and 附件4 work ledger item by item, their branches against the
per-branch table, and every unmet aspect against the problem list."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from branchctl.checks.context import CheckContext
from branchctl.forms.datarows import CellRef
from branchctl.forms.lists import (
    DONE,
    Lists,
    ProblemItem,
    WorkItem,
    overdue,
    read_lists_detail,
)
from branchctl.forms.spec import normalize_header
from branchctl.forms.tables import Table
from branchctl.forms.values import name_key, parse_date
from branchctl.io.cells import cell_name
from branchctl.rules.results import BranchRating

# A name written with or without its ending still names the same branch.
_BRANCH_SUFFIX = re.compile(r"(联合党支部|党总支部|党总支|党支部|支部)$")
_MIN_SHORT = 3  # a shortened name must keep this many characters to match by its ending


class Branches:
    """The branches of the reference table (附件1, else 附件2), matched leniently by name."""

    def __init__(self, ctx: CheckContext) -> None:
        self.present = bool(ctx.reference)
        form = ctx.reference[0].form if ctx.reference else None
        self.title = f"{form.annex}{form.title}" if form else ""  # named in unknown-branch
        names = [n for table in ctx.reference for n in table.column_values(("党支部名称",))[0]]
        self.keys: set[str] = set(map(name_key, names))
        self.keys.discard("")
        self._shorts: dict[str, set[str]] | None = None

    @property
    def shorts(self) -> dict[str, set[str]]:
        """A key without its ending (党支部, 支部…) -> the keys that shorten to it: made when a
        name is first not found as it is (most are)."""
        if self._shorts is None:
            self._shorts = {}
            for key in self.keys:
                self._shorts.setdefault(_short(key), set()).add(key)
        return self._shorts

    def resolve(self, key: str) -> str | None:
        """The reference key ``key`` names: exact, without 党支部, or by a unique ending."""
        if key in self.keys:
            return key
        short = _short(key)
        shorts = self.shorts
        if len(shorts.get(short, ())) >= 1:
            return sorted(shorts[short])[0]
        if len(short) >= _MIN_SHORT:
            ends = {k for s, ks in shorts.items() if s.endswith(short) for k in ks}
            if len(ends) == 1:
                return ends.pop()
        return None


@lru_cache(maxsize=1 << 14)
def _short(key: str) -> str:
    return _BRANCH_SUFFIX.sub("", key)


def check_cross(ctx: CheckContext) -> None:
    branches = Branches(ctx)
    lists = read_lists_detail(ctx.layout, ctx.as_of)
    _creation_branches(ctx, branches)
    _lists(ctx, lists, branches)
    _work_ledger(ctx, ctx.work_items(), branches)
    if lists.tables:
        _unmet_without_problem(ctx, lists, branches)


def _at_ref(
    ctx: CheckContext,
    code: str,
    ref: CellRef,
    column: str | None,
    value: str | None,
    **fields: object,
) -> None:
    ctx.add(
        code,
        sheet=ref.sheet,
        row=ref.row,
        column=column,
        cell=ref.cell,
        value=value or None,
        **fields,
    )


def _creation_branches(ctx: CheckContext, branches: Branches) -> None:
    """附件2 rows naming a branch that 附件1 lacks (when both are present)."""
    if not ctx.tables("classification"):
        return
    for table in ctx.tables("creation_ledger"):
        for r in ctx.rows(table):
            key = name_key(ctx.cell(table, r, "党支部名称"))
            if key and branches.resolve(key) is None:
                ctx.at("unknown-branch", table, r, "党支部名称", reference=branches.title)


# ---------------------------------------------------------------------------------- 附件3


def category_aspect(ctx: CheckContext, text: str) -> str | None:
    """The rubric aspect a 问题类别 names (its name or an alias, 方面 optional)."""
    found = ctx.categories.get(text, _UNSEEN)
    if found is not _UNSEEN:
        return found  # type: ignore[no-any-return]
    headers = ctx.aspect_headers
    key = normalize_header(text)
    aspect = headers.get(key) or headers.get(key.removesuffix("方面"))
    ctx.categories[text] = aspect
    return aspect


_UNSEEN: Any = object()


def _lists(ctx: CheckContext, lists: Lists, branches: Branches) -> None:
    problem_tables = [t for t in lists.tables if t.form.key == "problems"]
    for missing in lists.missing:
        sheet = problem_tables[0].sheet_name if problem_tables else None
        ctx.add("list-missing", sheet=sheet, missing=missing)
    for link in lists.broken_links:
        ctx.add(
            "bad-link",
            sheet=link.sheet,
            row=link.row,
            column=link.column,
            cell=cell_name(link.row - 1, link.col),
            value=link.value,
            target=link.target,
        )
    columns = {(t.sheet_name, name) for t in lists.tables for name in t.columns}
    seen_problems: set[tuple[str, int]] = set()
    seen_tasks: set[tuple[str, int]] = set()
    # most items give no finding: what :func:`_problem` and :func:`_task` would look at is
    # looked at here first, and only an item that may give one goes through them
    keys = branches.keys if branches.present else None
    categories = ctx.categories
    dated = any(name == "查摆时间" for _, name in columns)
    owners_listed = "责任清单" not in lists.missing
    as_of = ctx.as_of
    for item in lists.items:
        problem_row = (item.sheet, item.row)
        if problem_row not in seen_problems:
            seen_problems.add(problem_row)
            if not (
                item.branch
                and (keys is None or item.branch_key in keys)
                and item.category
                and categories.get(item.category) is not None
                and item.description
                and not dated
            ):
                _problem(ctx, item, branches, columns)
        if not item.has_task:
            if "任务清单" not in lists.missing:
                where = "整改任务" if "整改任务" in item.sources else "序号"
                ref = item.source(where)
                ctx.add(
                    "problem-without-task",
                    sheet=ref.sheet,
                    row=ref.row,
                    column=where,
                    cell=ref.cell,
                    branch=item.branch,
                    problem=_short_text(item.description),
                )
            continue
        # the combined sheet: the task is on the problem's row (ProblemItem.task_row)
        task_row = problem_row if item.columns is not None else item.task_row
        if task_row in seen_tasks:
            continue
        seen_tasks.add(task_row)
        if not ((item.owner or not owners_listed) and _quiet_dates(item, as_of)):
            _task(ctx, item, columns, owners_listed)


def _problem(
    ctx: CheckContext, item: ProblemItem, branches: Branches, columns: set[tuple[str, str]]
) -> None:
    if item.branch:
        _unknown_branch(ctx, item, branches)
    elif not _blank(ctx, item, "党支部名称", columns):
        _unknown_branch(ctx, item, branches)
    if item.category:
        unknown = category_aspect(ctx, item.category) is None
    else:
        unknown = not _blank(ctx, item, "问题类别", columns) and category_aspect(ctx, "") is None
    if unknown:
        hint = (
            "不是评定的方面之一，应为"
            + "、".join(f"“{a}”" for a in ctx.rubric.aspect_names)
            + "之一"
        )
        _at_ref(ctx, "bad-enum", item.source("问题类别"), "问题类别", item.category, hint=hint)
    if not item.description:
        _blank(ctx, item, "问题描述", columns)
    ref = item.sources.get("查摆时间")
    if ref is not None and ref.col is not None:
        table = _table_of(ctx, ref.sheet)
        if table is not None:
            raw = ctx.raw(table, ref.row - 1, "查摆时间")
            try:
                parse_date(raw, ctx.as_of)
            except ValueError as e:
                _at_ref(
                    ctx,
                    "bad-date",
                    ref,
                    "查摆时间",
                    ctx.text(table, ref.row - 1, "查摆时间"),
                    hint=str(e),
                )


def _blank(
    ctx: CheckContext, item: ProblemItem, column: str, columns: set[tuple[str, str]]
) -> bool:
    """required-blank for a blank cell of a problem, where its sheet has the column."""
    if (item.sheet, column) not in columns:
        return False
    _at_ref(ctx, "required-blank", item.source(column), column, None, extra="")
    return True


def _unknown_branch(ctx: CheckContext, item: ProblemItem | WorkItem, branches: Branches) -> None:
    """unknown-branch when the per-branch table does not list the item's branch."""
    if branches.present and branches.resolve(item.branch_key) is None:
        _at_ref(
            ctx,
            "unknown-branch",
            item.source("党支部名称"),
            "党支部名称",
            item.branch,
            reference=branches.title,
        )


def _table_of(ctx: CheckContext, sheet: str) -> Table | None:
    for table in ctx.layout.tables:
        if table.sheet_name == sheet:
            return table
    return None


def _task(
    ctx: CheckContext, item: ProblemItem, columns: set[tuple[str, str]], owners_listed: bool
) -> None:
    task = item.task or item.measures  # shortened only for a finding
    if not item.owner and owners_listed:
        owner_ref = item.source("责任人")
        if not item.has_owner_row:  # no 责任清单 row points at this task
            task_ref = item.source("整改任务")
            _at_ref(
                ctx, "task-without-owner", task_ref, "整改任务", item.task, task=_short_text(task)
            )
        elif (owner_ref.sheet, "责任人") in columns:
            _at_ref(ctx, "task-without-owner", owner_ref, "责任人", None, task=_short_text(task))
    _dates_and_status(ctx, item, task, columns)


def _dates_and_status(
    ctx: CheckContext, item: ProblemItem | WorkItem, task: str, columns: set[tuple[str, str]]
) -> None:
    """完成时限, 完成情况 and 销号时间 of a task (附件3) or a work item (附件4); ``task`` is its
    text as written (shortened in a finding)."""
    # the cell references are made only for a finding: most items have none
    if item.deadline_error:
        _at_ref(
            ctx,
            "bad-date",
            item.source("完成时限"),
            "完成时限",
            item.deadline_text,
            hint=item.deadline_error,
        )
    elif not item.deadline_text and not item.is_closed and _has_deadline_column(item, columns):
        deadline_ref = item.source("完成时限")
        ref = deadline_ref if deadline_ref.col is not None else _fallback(item)
        _at_ref(ctx, "deadline-missing", ref, "完成时限", None, task=_short_text(task))
    if item.closed_error:
        _at_ref(
            ctx,
            "bad-date",
            item.source("销号时间"),
            "销号时间",
            item.closed_text,
            hint=item.closed_error,
        )
    if item.status_error:
        status_ref = item.source("完成情况")
        _at_ref(ctx, "bad-enum", status_ref, "完成情况", item.status, hint=item.status_error)
    if (
        item.status == "已完成"
        and not item.closed_text
        and (item.source("完成情况").sheet, "销号时间") in columns
    ):
        _at_ref(
            ctx,
            "closed-without-date",
            item.source("销号时间"),
            "销号时间",
            None,
            status_column="完成情况",
            status=item.status,
        )
    if overdue(item, ctx.as_of) and item.deadline is not None:
        as_of = f"{ctx.as_of.year}年{ctx.as_of.month}月{ctx.as_of.day}日"
        _at_ref(
            ctx,
            "deadline-overdue",
            item.source("完成时限"),
            "完成时限",
            item.deadline_text,
            task=_short_text(task),
            deadline=item.deadline.text,
            as_of=as_of,
        )


def _quiet_dates(item: ProblemItem | WorkItem, as_of: dt.date) -> bool:
    """Whether :func:`_dates_and_status` has nothing to say of ``item`` (most items): its
    deadline written and readable, its status and 销号时间 readable and agreeing, and not
    overdue. False where it may have something to say."""
    if item.deadline_error or item.closed_error or item.status_error or not item.deadline_text:
        return False
    if item.status == DONE and not item.closed_text:
        return False  # closed-without-date, where the sheet has a 销号时间 column
    return not overdue(item, as_of)


def _has_deadline_column(item: ProblemItem | WorkItem, columns: set[tuple[str, str]]) -> bool:
    ref = item.source("完成时限")
    if ref.col is not None:
        return True
    # three linked sheets: the deadline may stand in 任务清单 or 责任清单
    return any(name == "完成时限" for _, name in columns)


def _fallback(item: ProblemItem | WorkItem) -> CellRef:
    for column in ("整改任务", "工作任务", "党支部名称"):
        ref = item.sources.get(column)
        if ref is not None:
            return ref
    return CellRef(item.sheet, item.row, None)


def _short_text(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------- 附件4


def _work_ledger(ctx: CheckContext, items: list[WorkItem], branches: Branches) -> None:
    columns = {(t.sheet_name, name) for t in ctx.tables("work_ledger") for name in t.columns}
    keys = branches.keys if branches.present else None
    as_of = ctx.as_of
    for item in items:
        if (
            item.branch
            and item.task
            and item.status
            and (keys is None or item.branch_key in keys)
            and _quiet_dates(item, as_of)
        ):
            continue  # nothing to say (most items)
        for column, text in (
            ("党支部名称", item.branch),
            ("工作任务", item.task),
            ("完成情况", item.status),
        ):
            if not text and (item.sheet, column) in columns:
                _at_ref(ctx, "required-blank", item.source(column), column, None, extra="")
        if item.branch:
            _unknown_branch(ctx, item, branches)
        _dates_and_status(ctx, item, item.task or item.branch, columns)


# ------------------------------------------------------------------------- unmet aspects


def _unmet_without_problem(ctx: CheckContext, lists: Lists, branches: Branches) -> None:
    listed: set[tuple[str, str]] = set()
    categories, keys = ctx.categories, branches.keys
    for item in lists.items:
        category, key = item.category, item.branch_key
        aspect = categories.get(category, _UNSEEN)
        if aspect is _UNSEEN:
            aspect = category_aspect(ctx, category)
        if aspect is not None:
            listed.add((key if key in keys else branches.resolve(key) or key, aspect))
    rated = sorted(ctx.rated, key=lambda tr: tr[0].form.key != "classification")
    if not rated:
        return
    table, ratings = rated[0]
    for b in ratings:
        if b.unmet:
            _unmet_row(ctx, table, b, branches, listed)


def _unmet_row(
    ctx: CheckContext,
    table: Table,
    b: BranchRating,
    branches: Branches,
    listed: set[tuple[str, str]],
) -> None:
    key = name_key(b.name)
    if not key:
        return
    key = key if key in branches.keys else branches.resolve(key) or key
    for aspect in b.unmet:
        if aspect in b.blank or aspect in b.bad:
            continue  # reported as required-blank / bad-mark
        if (key, aspect) not in listed:
            ctx.at("unmet-without-problem", table, b.row - 1, aspect, branch=b.name, aspect=aspect)
