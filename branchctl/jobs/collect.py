"""Compiling township submissions into one master ledger (汇总台账) and a 汇总说明 sheet.

Every per-branch row of every file is kept with where it came from (来源文件, 工作表, 行号).
Cell values are copied as read, never retyped: text stays text (phone numbers, IDs, ``=…``),
numbers stay numbers, dates stay dates. Files are found by :mod:`branchctl.io.discovery` and read
in parallel by :mod:`branchctl.io.pool`, one file per task; a file or folder entry that cannot be
read is listed, never the end of the run. Rows with errors are still collected,
and marked; the same branch (name and 所属党组织) in two places is marked on every row.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from branchctl.checks.run import check_workbook
from branchctl.errors import BranchctlError
from branchctl.forms.tables import Table, find_forms
from branchctl.forms.values import cell_text, name_key
from branchctl.io.discovery import Unreadable, find_workbooks, own_outputs
from branchctl.io.outputs import ensure_distinct, is_tool_output, output_kind, require_folder
from branchctl.io.pool import run_tasks
from branchctl.io.workbook import Workbook, read_workbook, reading_memory, xlsx_sheet_names
from branchctl.reports.collect import write_collection
from branchctl.reports.collection import (
    BRANCH_COLUMNS,
    CLAIM_COLUMNS,
    MASTER_SHEET,
    MAX_FILE_PROBLEMS,
    NOTES_SHEET,
    PLAN_COLUMNS,
    TRAILER_COLUMNS,
    CollectedRow,
    Collection,
    CollectReport,
    FileResult,
    location,
)
from branchctl.rules.county import SET_ASIDE, inner_files, set_aside
from branchctl.rules.rating import rate_row
from branchctl.rules.results import COMPUTED_COLUMNS, SOURCE_COLUMN
from branchctl.rules.rubric import Rubric
from branchctl.rules.rubric_file import load_rubric

# ------------------------------------------------------------------------------ finding files


def is_master_workbook(path: Path) -> bool:
    """A master workbook written by an earlier ``collect``: marked so (``output_kind``), or,
    written before the mark, known by its 汇总台账 and 汇总说明 sheets."""
    return output_kind(path) == "master" or {MASTER_SHEET, NOTES_SHEET} <= xlsx_sheet_names(path)


def guard_master_output(out: Path) -> None:
    """Refuse to write the master over an existing workbook that is not an earlier master."""
    if out.exists() and not is_master_workbook(out):
        raise BranchctlError(
            "这个文件已存在，而且不是本工具生成的汇总工作簿，为免覆盖乡镇报表，请换一个输出文件名",
            path=out,
        )


def find_sources(
    paths: list[Path], exclude: Path | None = None
) -> tuple[list[tuple[Path, str]], list[tuple[str, str]], list[FileResult]]:
    """(path, 来源文件 label) of every workbook under ``paths``; the files passed over, why; and
    the folder entries that cannot be read, as unreadable results."""
    found: list[tuple[Path, str]] = []
    skipped: list[tuple[str, str]] = []
    unreadable: list[FileResult] = []
    seen: set[Path] = set()
    target = exclude.resolve() if exclude is not None else None
    for given in paths:
        items = find_workbooks([given], missing="文件或文件夹不存在")
        if given.is_dir() and not items:
            raise BranchctlError("文件夹中没有找到工作簿（.xlsx .xlsm .xls .ods）", path=given)
        items, passed_over = own_outputs(items, keep_ledgers=True)  # ledgers: see set_aside
        skipped += passed_over
        for item in items:
            if isinstance(item, Unreadable):
                unreadable.append(
                    FileResult(str(item.path), item.label, "unreadable", problems=[item.reason])
                )
                continue
            if item.real in seen:
                continue
            seen.add(item.real)
            path, label = item.path, item.label
            if path.name.startswith("~$"):
                skipped.append((label, "Excel 打开文件时生成的临时锁定文件"))
            elif path.name.startswith("."):
                skipped.append((label, "隐藏文件或未写完的临时文件"))
            elif item.real == target:
                skipped.append((label, "本次汇总的输出文件（此前生成的汇总工作簿）"))
            elif is_tool_output(path):
                skipped.append((label, "本工具生成的批注或对比工作簿，其数据已在原报表中"))
            else:  # a master is a county ledger: a city collects them (see set_aside)
                found.append((path, label))
    return found, skipped, unreadable


# ------------------------------------------------------------------------------ one file


def read_file(path: Path, source: str, rubric: Rubric, as_of: dt.date | None = None) -> FileResult:
    """Every per-branch row of one workbook, marked with the findings of ``validate``.

    Never raises for a bad file: an unreadable file is a result with status "unreadable".
    """

    result = FileResult(str(path), source, "collected")
    try:
        book = read_workbook(path)
        layout = find_forms(book, rubric.aspect_headers())
    except BranchctlError as e:
        result.status = "unreadable"
        result.problems.append(e.message if not e.sheet else f"工作表“{e.sheet}”{e.message}")
        return result
    except Exception as e:  # a file the reader chokes on in a new way: still only this file
        result.status = "unreadable"
        result.problems.append(f"无法读取（{type(e).__name__}: {str(e)[:100]}）")
        return result
    per_branch = [t for t in layout.tables if t.form.per_branch]
    main = [t for t in per_branch if t.form.key == "classification"]
    extra = [t for t in per_branch if t.form.key != "classification"] if main else []
    main = main or per_branch
    if not main:
        result.status = "no-form"
        result.problems.append("没有找到附件1（党支部分类定级表）或附件2（达标创建台账）")
        return result
    plans: dict[str, tuple[Table, int]] = {}
    for table in extra:
        for r in table.rows:
            plans.setdefault(name_key(table.value(r, "党支部名称")), (table, r))
    used: set[tuple[str, int]] = set()
    for table in main:
        result.sheets.append(table.sheet_name)
        _collect_table(table, rubric, result, plans, used)
    for table in extra:
        leftovers = [r for r in table.rows if (table.sheet_name, r + 1) not in used]
        if leftovers:
            result.sheets.append(table.sheet_name)
            note = "该支部只在附件2中出现，附件1中没有"
            _collect_table(table, rubric, result, {}, used, leftovers, note)
    _mark_findings(book, rubric, as_of or dt.date.today(), result)
    return result


def _collect_table(
    table: Table,
    rubric: Rubric,
    result: FileResult,
    plans: dict[str, tuple[Table, int]],
    used: set[tuple[str, int]],
    rows: list[int] | None = None,
    note: str | None = None,
) -> None:

    missing = [a for a in rubric.aspect_names if not table.has(a)]
    if missing:
        result.problems.append(
            f"工作表“{table.sheet_name}”缺少“{'、'.join(missing)}”列，未计算星级"
        )
    categories, levels = rubric.category_labels(), rubric.level_labels()
    for r in table.rows if rows is None else rows:
        values = table.row(r)
        if values.get("支部类型") is None and table.branch_type(r):
            values["支部类型"] = table.branch_type(r)  # the type its section names
        row = CollectedRow(values, "", "", table.sheet_name, r + 1, None)
        row.sources.append((table.sheet_name, r + 1))
        other = plans.get(name_key(values.get("党支部名称")))
        if other is not None:  # the same branch in 附件2: its plan columns join the row
            plan_table, pr = other
            used.add((plan_table.sheet_name, pr + 1))
            row.sources.append((plan_table.sheet_name, pr + 1))
            for c in plan_table.columns:
                if values.get(c) is None:
                    values[c] = plan_table.value(pr, c)
        row.name = cell_text(values.get("党支部名称"))
        row.party_org = cell_text(values.get("所属党组织")) or (table.unit or "")
        if values.get("所属党组织") is None and row.party_org:
            values["所属党组织"] = row.party_org  # from the 填报单位 line above the table
        if note:
            row.warnings.append(note)
        if not missing:
            b = rate_row(table, r, rubric, categories, levels, None)
            unmet = f"负面清单：{b.veto}" if b.veto else ("、".join(b.unmet) or "无")
            row.computed = [b.stars, b.category, b.level, unmet, b.check_text()]
        result.rows.append(row)


def _mark_findings(book: Workbook, rubric: Rubric, as_of: dt.date, result: FileResult) -> None:
    """The findings of ``validate`` on each collected row; the rest are the file's problems."""

    try:
        findings = check_workbook(book, rubric, as_of)
    except Exception as e:  # a checking bug must not lose the file's rows
        result.problems.append(f"校验未能完成（{type(e).__name__}）")
        return
    rows: dict[tuple[str, int], list[CollectedRow]] = {}
    for row in result.rows:
        for where in row.sources:
            rows.setdefault(where, []).append(row)
    errors = warnings = 0
    for f in findings:
        targets = rows.get((f.sheet or "", f.row or 0))
        if targets:
            for row in targets:
                (row.errors if f.severity == "error" else row.warnings).append(f.message)
        elif f.severity == "error":
            errors += 1
            if errors <= MAX_FILE_PROBLEMS:
                at = f"工作表“{f.sheet}”第{f.row}行：" if f.sheet and f.row else ""
                result.problems.append(at + f.message)
        else:
            warnings += 1
    if errors > MAX_FILE_PROBLEMS:
        result.problems.append(f"……共有 {errors} 个错误，请用 branchctl validate 查看")
    if warnings:
        result.notes.append(
            f"其他表格有 {warnings} 条提示（如逾期任务），请用 branchctl validate 查看"
        )


def _read_task(task: tuple[str, str], rubric: Rubric, as_of: dt.date | None) -> FileResult:
    path, source = task
    return read_file(Path(path), source, rubric, as_of)


def _crashed(task: tuple[str, str]) -> FileResult:
    return FileResult(
        task[0], task[1], "unreadable", problems=["读取时程序异常退出，文件可能已损坏"]
    )


# ------------------------------------------------------------------------------ many files


def collect(
    paths: list[Path],
    rubric: Rubric,
    *,
    jobs: int | None = None,
    as_of: dt.date | None = None,
    exclude: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Collection:
    """Read every workbook under ``paths`` (in parallel) and gather their per-branch rows."""
    start = time.perf_counter()
    if exclude is not None:
        guard_master_output(exclude)
    sources, skipped, unreadable = find_sources(paths, exclude)
    if not sources and not unreadable:
        raise BranchctlError("没有可汇总的工作簿（只找到临时文件或本工具生成的文件）")
    tasks = [(str(p), label) for p, label in sources]
    jobs = max(1, jobs or os.cpu_count() or 1)
    files = run_tasks(
        partial(_read_task, rubric=rubric, as_of=as_of),
        tasks,
        jobs=1 if len(tasks) < 4 else min(jobs, len(tasks)),
        crashed=_crashed,
        progress=progress,
        chunk=1,
        needs=[reading_memory(_size(p)) for p, _ in sources],
    )
    named = {p.resolve() for p in paths if p.is_file()}
    for f in set_aside(files, lambda f: f.source, _inner_files,
                       lambda f: Path(f.path).resolve() in named):  # fmt: skip
        files.remove(f)
        skipped.append((f.source, SET_ASIDE))
    files = sorted([*files, *unreadable], key=lambda f: f.source) if unreadable else files
    duplicates, same_names = _mark_duplicates(files)
    return Collection(files, skipped, rubric, _columns(files, rubric), duplicates, same_names,
                      time.perf_counter() - start)  # fmt: skip


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _inner_files(f: FileResult) -> set[str]:
    return inner_files(cell_text(row.values.get(SOURCE_COLUMN)) for row in f.rows)


def _columns(files: list[FileResult], rubric: Rubric) -> list[str]:
    present = {c for f in files for row in f.rows for c, v in row.values.items() if v is not None}
    plan = [c for c in PLAN_COLUMNS if c in present]
    return ["序号", *BRANCH_COLUMNS, *rubric.aspect_names, *CLAIM_COLUMNS, *plan, "备注",
            *COMPUTED_COLUMNS, *TRAILER_COLUMNS]  # fmt: skip


def _mark_duplicates(
    files: list[FileResult],
) -> tuple[
    list[list[tuple[FileResult, CollectedRow]]], list[list[tuple[FileResult, CollectedRow]]]
]:
    by_name: dict[str, list[tuple[FileResult, CollectedRow]]] = {}
    for f in files:
        for row in f.rows:
            if row.name:
                by_name.setdefault(name_key(row.name), []).append((f, row))
    duplicates = []
    same_names = []
    for group in by_name.values():
        if len(group) < 2:
            continue
        by_org: dict[str, list[tuple[FileResult, CollectedRow]]] = {}
        for f, row in group:
            by_org.setdefault(name_key(row.party_org), []).append((f, row))
        for same in by_org.values():
            if len(same) > 1:
                duplicates.append(same)
                for _, row in same:
                    others = [location(of, orow) for of, orow in same if orow is not row]
                    row.duplicate = f"重复（共{len(same)}处），另见：" + "；".join(others[:3])
        if len(by_org) > 1:
            same_names.append(group)
    return duplicates, same_names


# ------------------------------------------------------------------------------ the job


def collect_files(
    paths: list[Path],
    *,
    out: Path,
    rubric: str | None = None,
    jobs: int | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CollectReport:
    """Collect every workbook under ``paths`` into the master workbook ``out``."""

    the_rubric = load_rubric(rubric)
    if out.suffix.lower() != ".xlsx":
        raise BranchctlError(
            "汇总工作簿只能写成 .xlsx 格式，请把输出文件名改为 .xlsx 结尾", path=out
        )
    require_folder(out)
    ensure_distinct(out, *[p for p in paths if p.is_file()])

    collection = collect(paths, the_rubric, jobs=jobs, as_of=as_of, exclude=out, progress=progress)
    write_collection(collection, out)
    return CollectReport(collection, out)
