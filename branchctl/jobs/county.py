"""Rating many workbooks as one county: find them, rate each alone (in parallel), settle.

Each workbook is read and rated in a worker process through the one reader of every command
(``read_workbook``, ``find_forms``, ``rate_workbook``). A file that cannot be rated is a result
with its reason, never the end of the run. What needs every branch at once — the quotas, the
ranking, the same branch sent twice — is done once, over the county.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from operator import attrgetter
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.forms.lists import ProblemItem, WorkItem, overdue, read_lists, read_work_ledger
from branchctl.forms.tables import Layout, find_forms
from branchctl.forms.values import name_key
from branchctl.io.discovery import Unreadable, find_workbooks, only_outputs, own_outputs
from branchctl.io.discovery import Workbook as FoundWorkbook
from branchctl.io.pool import run_tasks
from branchctl.io.workbook import read_workbook, reading_memory
from branchctl.io.xlsx.write import write_annotated
from branchctl.jobs.validate import is_skipped_name
from branchctl.reports.annotate import rating_plan
from branchctl.reports.county import ledger_part
from branchctl.rules.county import (
    SET_ASIDE,
    CountyRating,
    SourceRating,
    ledger_columns,
    mark_duplicates,
    set_aside,
)
from branchctl.rules.rating import rate_workbook, settle_ratings
from branchctl.rules.results import SOURCE_COLUMN, BranchRating, RatingResult
from branchctl.rules.rubric import Rubric

Settled = dict[tuple[str, int], tuple[str, str, int | None, str | None]]


@dataclass(frozen=True)
class SourceTask:
    """One workbook to rate, and what to bring back besides its branches."""

    path: str
    label: str
    named: bool
    rubric: Rubric
    as_of: dt.date | None  # None: the file's own 填报时间, else today
    problems: bool = False  # its 附件3 problems (notices)
    overdue: bool = False  # its overdue tasks per branch (倒排)
    annotate_to: str | None = None  # write its rated copy here
    settled: Settled | None = None  # the county's quotas and ranks, for the copy
    strict: bool = True  # False: an unreadable mark counts as unmet, with a note
    ledger: bool = False  # render its rows of the county ledger here (see LedgerPart)


def overdue_by_branch(layout: Layout, as_of: dt.date) -> dict[str, int]:
    """Overdue tasks per branch (name_key) in a workbook's 附件3 lists and 附件4 work ledger."""
    counts: dict[str, int] = {}
    items: list[ProblemItem | WorkItem] = [
        *read_lists(layout, as_of),
        *read_work_ledger(layout, as_of),
    ]
    for item in items:
        if item.branch_key and overdue(item, as_of):
            counts[item.branch_key] = counts.get(item.branch_key, 0) + 1
    return counts


def rate_source(task: SourceTask) -> SourceRating:
    """Rate one workbook; never raises for a bad file (its result says why)."""
    out = SourceRating(task.path, task.label, ok=True, named=task.named)
    try:
        book = read_workbook(task.path)
        layout = find_forms(book, task.rubric.aspect_headers())
        out.report_date = next((t.report_date for t in layout.tables if t.report_date), None)
        as_of = task.as_of or out.report_date or dt.date.today()
        try:
            result = rate_workbook(book, task.rubric, as_of, layout=layout, settle=False,
                                   one_per_branch=True, strict=task.strict)  # fmt: skip
        except BranchctlError as e:
            if e.code != "bad-mark" or not _is_county_ledger(layout):
                raise
            # a county ledger: a bad mark is one township file's, not the whole ledger's
            result = rate_workbook(book, task.rubric, as_of, layout=layout, settle=False,
                                   one_per_branch=True, strict=False)  # fmt: skip
            _drop_bad_sources(out, result)
    except BranchctlError as e:
        return SourceRating(task.path, task.label, ok=False, message=e.sentence(), named=task.named)
    except MemoryError:
        return _failed(task, "文件过大，内存不足，无法读取")
    except Exception as e:  # a reader failure on a hostile file: that file's only
        return _failed(task, f"无法读取工作簿（{type(e).__name__}）")
    out.county = any(rt.table.has(SOURCE_COLUMN) for rt in result.tables)
    out.notes += result.notes
    out.notes += [
        f"“{b.sheet}”第{b.row}行“{'、'.join(b.bad)}”的标记无法识别，按未达标计"
        for b in result.branches
        if b.bad
    ]
    columns = sorted({c for rt in result.tables for c in rt.table.columns},
                     key=lambda c: min(rt.table.columns.get(c, 1 << 30) for rt in result.tables))  # fmt: skip
    out.columns = tuple(columns)
    for rt in result.tables:
        for b in rt.branches:
            values = rt.table.row_values(b.row - 1)
            out.branches.append(b)
            out.rows.append(tuple(values.get(c) for c in columns))
    out.keys = [name_key(b.name) for b in out.branches]  # for the county's duplicates
    if task.ledger and out.branches:  # rendered here, in parallel, not by the county
        out.ledger = ledger_part(out, ledger_columns([out]), task.rubric)[0]
    if task.problems:
        out.problems = read_lists(layout, as_of)
    if task.overdue:
        out.overdue = overdue_by_branch(layout, as_of)
    if task.annotate_to is not None:
        if task.settled is not None:
            _apply(result.branches, task.settled)
        try:
            out.notes += write_annotated(book, rating_plan(result), Path(task.annotate_to))
            out.annotated = task.annotate_to
        except BranchctlError as e:
            out.notes.append(f"评定副本未能写出：{e.sentence()}")
    return out


# A worker's result travels back with each branch as the tuple of its fields: a slots
# dataclass unpickles field by field in Python (measured 25 µs a branch, 1.1 s of the main
# process for a county of 45,000 branches), a tuple in C.
_FIELDS = attrgetter(*(f.name for f in fields(BranchRating)))
Packed = tuple[SourceRating, list[tuple[Any, ...]]]


def pack(source: SourceRating) -> Packed:
    """``source`` as it travels from a worker: its branches as tuples (see :func:`unpack`)."""
    return replace(source, branches=[]), [_FIELDS(b) for b in source.branches]


def unpack(packed: Packed) -> SourceRating:
    source, branches = packed
    source.branches = [BranchRating(*values) for values in branches]
    return source


def rate_packed(task: SourceTask) -> Packed:
    """:func:`rate_source` in a worker, its result packed for the way back."""
    return pack(rate_source(task))


def _failed(task: SourceTask, reason: str) -> SourceRating:
    message = BranchctlError(reason, path=task.path).sentence()
    return SourceRating(task.path, task.label, ok=False, message=message, named=task.named)


def _is_county_ledger(layout: Any) -> bool:
    return any(t.has(SOURCE_COLUMN) for t in layout.tables)


def _drop_bad_sources(out: SourceRating, result: RatingResult) -> None:
    """Leave out the township files of a county ledger that hold an unreadable mark."""
    bad: dict[str, BranchRating] = {}
    for b in result.branches:
        if b.bad:
            bad.setdefault(b.source or "", b)
    for rt in result.tables:
        rt.branches = [b for b in rt.branches if (b.source or "") not in bad]
    out.ok = False
    parts = [
        f"“{source or '来源文件未填写'}”（“{b.sheet}”第{b.row}行“{'、'.join(b.bad)}”的标记无法识别）"
        for source, b in bad.items()
    ]
    out.message = (
        f"文件“{Path(out.path).name}”中{'、'.join(parts)}的支部未计入评定，"
        "请更正该乡镇的报表后重新汇总。"
    )


def _apply(branches: list[BranchRating], settled: Settled) -> None:
    for b in branches:
        found = settled.get((b.sheet, b.row))
        if found is not None:
            b.category, b.level, b.rank, b.quota = found


def _unreadable(entry: Unreadable) -> SourceRating:
    message = BranchctlError(entry.reason, path=entry.path).sentence()
    return SourceRating(str(entry.path), entry.label, ok=False, message=message, named=False)


def _crashed(task: SourceTask) -> Packed:
    return pack(_failed(task, "读取此文件时读取程序异常退出（文件可能已损坏或经过篡改）"))


# ------------------------------------------------------------------------------ the county


def rate_county(
    paths: Sequence[Path],
    rubric: Rubric,
    *,
    as_of: dt.date | None = None,
    jobs: int | None = None,
    exclude: Sequence[Path] = (),
    problems: bool = False,
    overdue: bool = False,
    strict: bool = True,
    ledger: bool = False,
    annotate: Callable[[list[Path]], list[Path]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CountyRating:
    """Rate every workbook under ``paths`` as one county (``annotate``: where the files'
    rated copies go; ``ledger``: each file's rows of the county ledger rendered as it is
    rated). Raises BranchctlError only when no workbook is found."""
    # searched as validate searches: its own copies, lock and hidden files passed over
    found = find_workbooks(paths, skip_name=is_skipped_name, exclude=exclude)
    if not found:
        where = paths[0] if len(paths) == 1 else None
        raise BranchctlError("没有找到工作簿（.xlsx、.xlsm、.xls、.ods），请检查路径", path=where)
    found, passed_over = own_outputs(found, keep_ledgers=True)  # ledgers: see set_aside below
    if not found:
        raise only_outputs(passed_over)
    books = [f for f in found if isinstance(f, FoundWorkbook)]
    copies = annotate([f.path for f in books]) if annotate is not None else None
    set_wide = bool(rubric.quotas or rubric.ranking)  # the copies wait for the county's outcome
    tasks = [
        SourceTask(str(f.path), f.label, f.named, rubric, as_of, problems, overdue,
                   str(copies[i]) if copies is not None and not set_wide else None, None, strict,
                   ledger and not set_wide)  # the county's quotas and ranks change the rows
        for i, f in enumerate(books)
    ]  # fmt: skip
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    rated = iter(run_tasks(rate_packed, tasks, jobs=workers, crashed=_crashed, progress=progress,
                           needs=[reading_memory(f.size) for f in books]))  # fmt: skip
    sources = [unpack(next(rated)) if isinstance(f, FoundWorkbook) else _unreadable(f)
               for f in found]  # fmt: skip
    # what the county holds lives to the end of the run: the collector need not look at it
    # again (measured: a third of the writing of the county workbook went to collections)
    gc.freeze()
    name = found[0].label if len(found) == 1 else _name(paths)
    county = CountyRating(name, rubric, sources, skipped=passed_over)
    for s in set_aside(sources, lambda s: s.label, SourceRating.inner_files, lambda s: s.named):
        county.sources.remove(s)
        county.skipped.append((s.label, SET_ASIDE))
    county.quotas, county.shares = settle_ratings(county.branches, rubric)
    county.notes = [q.note() for q in county.quotas] + [o.note() for o in county.shares]
    mark_duplicates(county)
    if copies is not None and set_wide:
        _annotate_settled(county, tasks, copies, workers, progress)
    return county


def _name(paths: Sequence[Path]) -> str:
    if len(paths) == 1:
        return paths[0].resolve().name or str(paths[0])
    return "、".join(p.name for p in paths[:3]) + ("等" if len(paths) > 3 else "")


def _annotate_settled(
    county: CountyRating,
    tasks: list[SourceTask],
    copies: list[Path],
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """The rated copies of a rubric with quotas or ranks: rated again, with the county's."""
    by_path = {s.path: s for s in county.rated}
    again = []
    for t, target in zip(tasks, copies, strict=True):
        s = by_path.get(t.path)
        if s is None:
            continue
        settled: Settled = {(b.sheet, b.row): (b.category, b.level, b.rank, b.quota)
                            for b in s.branches}  # fmt: skip
        again.append(SourceTask(t.path, t.label, t.named, t.rubric, t.as_of,
                                annotate_to=str(target), settled=settled))  # fmt: skip
    for packed in run_tasks(rate_packed, again, jobs=workers, crashed=_crashed, progress=progress):
        copy = unpack(packed)
        s = by_path[copy.path]
        s.annotated = copy.annotated
        s.notes += [n for n in copy.notes if n not in s.notes]
