"""Batch validation: find the workbooks, check each one alone (in parallel), collect the findings.

A file that cannot be read, and a folder entry that cannot be opened, is a finding of that file,
never the end of the run. Files are found by :mod:`branchctl.io.discovery` and checked in worker
processes by :mod:`branchctl.io.pool` (reading and checking are CPU-bound): results come back in
sorted-path order, and a worker that dies costs only its file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from branchctl.checks.run import check_workbook
from branchctl.errors import BranchctlError, os_reason
from branchctl.findings.catalogue import entry, finding
from branchctl.findings.model import FileReport, Finding, ValidationReport
from branchctl.io.cells import parse_cell, quote_sheet
from branchctl.io.discovery import Unreadable, find_workbooks, is_under, only_outputs, own_outputs
from branchctl.io.discovery import Workbook as FoundWorkbook
from branchctl.io.outputs import CHECKED_SUFFIX, is_tool_output, refuse_inputs, sweep_leftovers
from branchctl.io.pool import run_tasks
from branchctl.io.workbook import Workbook, read_workbook, reading_memory
from branchctl.io.xlsx.plan import FILL_ERROR, FILL_WARNING, AnnotationPlan, CellMark, NewSheet
from branchctl.io.xlsx.write import write_annotated
from branchctl.reports.validation import check_report_path
from branchctl.rules.rubric import Rubric

ANNOTATED_SUFFIX = CHECKED_SUFFIX
RESULT_SHEET = "校验结果"


@dataclass
class FileResult:
    report: FileReport
    annotated: str | None = None  # the annotated copy written, if any
    note: str | None = None  # why no annotated copy could be written, or how it was written
    extra: Any = None  # what the caller's ``then`` made of the workbook read (None: unread)


# What a caller may do with each workbook read, in the worker, after its check: e.g. rate it.
# A module-level function (workers receive it by name); its result travels back in FileResult.
Then = Callable[[Workbook, list[Finding]], Any]


@dataclass
class ValidationRun:
    report: ValidationReport
    results: list[FileResult]
    notes: list[str] = field(default_factory=list)  # run-level remarks for stderr

    @property
    def has_errors(self) -> bool:
        return any(not f.ok for f in self.report.files)


# ----------------------------------------------------------------------------- the files


def is_skipped_name(name: str) -> bool:
    """Office lock files (~$…), hidden and temporary files, and this tool's own copies
    (x.rated.xlsx, x.compare.xlsx) are never submissions. A checked copy (x.checked.xlsx) may
    be the township's corrected submission: :func:`own_outputs` decides by its neighbours."""
    return name.startswith(("~$", ".", "~")) or name.endswith(".tmp") or is_tool_output(Path(name))


def collect_workbooks(paths: Sequence[str | Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """Files named, and workbooks found in folders (recursively), de-duplicated, sorted.

    Files named on the command line are taken whatever they are (a non-workbook becomes that
    file's finding); in folders only workbooks are taken, skipping lock, hidden and temporary
    files, rated copies (``*.rated.xlsx``), checked copies beside their originals, the tool's own outputs under other names
    (:func:`own_outputs`) and anything under ``exclude`` (the folders and files this run
    writes). Folder entries that cannot be read are left out here; :func:`validate_paths`
    reports them.
    """
    found, _ = own_outputs(find_workbooks(paths, skip_name=is_skipped_name, exclude=exclude))
    return [f.path for f in found if isinstance(f, FoundWorkbook)]


def annotated_names(
    files: Sequence[Path], folder: Path, suffix: str = ANNOTATED_SUFFIX
) -> list[Path]:
    """``<stem>.checked.xlsx`` (or ``suffix``) in ``folder`` for each file, made unique: a shared
    stem keeps its suffix (``报表.xls.checked.xlsx``), then its folder's name, then a number."""
    out: list[Path] = []
    used: set[str] = set()
    stems = _counts(f.stem.lower() for f in files)
    names = _counts(f.name.lower() for f in files)
    for f in files:
        base = f.stem if stems[f.stem.lower()] == 1 else f.name
        if stems[f.stem.lower()] > 1 and names[f.name.lower()] > 1:
            base = f"{f.parent.name}_{f.name}"
        name, n = base, 2
        while name.lower() in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name.lower())
        out.append(folder / f"{name}{suffix}")
    return out


def _counts(items: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


# ------------------------------------------------------------------------------ one file


def check_file(
    path: Path,
    rubric: Rubric,
    as_of: dt.date,
    annotate_to: Path | None = None,
    then: Then | None = None,
) -> FileResult:
    """Read and check one workbook; write its annotated copy when it has an error; hand the
    workbook read and its findings to ``then`` (its result in ``FileResult.extra``)."""

    try:
        book = read_workbook(path)
    except BranchctlError as e:
        code = e.code if e.code in ("file-unreadable", "file-encrypted") else "file-unreadable"
        reason = e.message if not e.sheet else f"工作表“{e.sheet}”{e.message}"
        return FileResult(FileReport(str(path), [finding(code, reason=reason)]))
    except MemoryError:
        return FileResult(
            FileReport(
                str(path), [finding("file-unreadable", reason="文件过大，内存不足，无法读取")]
            )
        )
    except Exception as e:  # a reader failure on a hostile file: that file's finding only
        reason = f"无法读取工作簿（{type(e).__name__}）"
        return FileResult(FileReport(str(path), [finding("file-unreadable", reason=reason)]))
    try:
        findings = check_workbook(book, rubric, as_of)
    except Exception as e:  # a bug of ours must not end the batch
        findings = [finding("check-failed", reason=f"{type(e).__name__}: {e}"[:200])]
    result = FileResult(FileReport(str(path), findings))
    if then is not None:
        result.extra = then(book, findings)
    if annotate_to is not None and result.report.errors and any(f.sheet for f in findings):
        result.annotated, result.note = _annotate(book, findings, annotate_to)
    return result


def _annotate(book: Workbook, findings: list[Finding], out: Path) -> tuple[str | None, str | None]:

    try:
        notes = write_annotated(book, annotation_plan(book, findings), out)
    except BranchctlError as e:
        return None, e.sentence()
    except Exception as e:
        return None, f"文件“{book.path.name}”的批注副本未能写出（{type(e).__name__}: {e}）。"
    return str(out), "".join(notes) or None


def annotation_plan(book: Workbook, findings: Sequence[Finding]) -> AnnotationPlan:
    """Cells with findings filled red (error) or yellow (warning) with the messages as a comment,
    and a 校验结果 sheet listing every finding with a link to its cell."""
    plan = AnnotationPlan(kind="checked")
    sheets = {s.name: s for s in book.sheets}
    marks: dict[tuple[str, int, int], list[Finding]] = {}
    for f in findings:
        pos = parse_cell(f.cell) if f.sheet and f.cell else None
        if pos is not None and f.sheet in sheets:
            # a cell covered by a merge cannot hold a comment: mark the merge's top-left cell
            r, c = pos
            merge = sheets[f.sheet].merge_at(r, c)
            if merge is not None:
                r, c = merge[0], merge[1]
            marks.setdefault((f.sheet, r, c), []).append(f)
    for (sheet, r, c), group in marks.items():
        fill = FILL_ERROR if any(f.severity == "error" for f in group) else FILL_WARNING
        comment = "\n".join(f"【{entry(f.code).title}】{f.message}" for f in group)
        plan.sheet(sheet).marks.append(CellMark(r, c, fill, comment))
    plan.new_sheets.append(_result_sheet(book, findings))
    return plan


def _result_sheet(book: Workbook, findings: Sequence[Finding]) -> NewSheet:
    names = {s.name for s in book.sheets}
    name, n = RESULT_SHEET, 2
    while name in names:
        name, n = f"{RESULT_SHEET}{n}", n + 1
    errors = sum(1 for f in findings if f.severity == "error")
    rows: list[list[Any]] = [
        [
            f"校验结果：错误 {errors} 条，警告 {len(findings) - errors} 条（点击“位置”可跳到该单元格）"
        ],
        ["序号", "级别", "工作表", "位置", "问题", "说明", "填写内容", "问题代码"],
    ]
    links: dict[tuple[int, int], str] = {}
    fills: dict[tuple[int, int], str] = {}
    for i, f in enumerate(findings, 1):
        r = len(rows)
        where = f.cell or (f"第{f.row}行" if f.row else "")
        rows.append(
            [
                i,
                "错误" if f.severity == "error" else "警告",
                f.sheet or "",
                where,
                entry(f.code).title,
                f.message,
                f.value or "",
                f.code,
            ]
        )
        fills[(r, 1)] = FILL_ERROR if f.severity == "error" else FILL_WARNING
        if f.sheet and f.cell:
            links[(r, 3)] = f"{quote_sheet(f.sheet)}!{f.cell}"
    return NewSheet(
        name=name,
        rows=rows,
        header_rows={1},
        title_rows={0},
        widths=[6.0, 6.0, 14.0, 8.0, 18.0, 70.0, 20.0, 20.0],
        links=links,
        fills=fills,
        freeze_row=2,
        autofilter=(1, 0, len(rows) - 1, 7) if findings else None,
        hidden_cols={7},  # the finding codes, for the county's tools: hidden from townships
        landscape=True,
    )


# ------------------------------------------------------------------------------ the batch


def validate_paths(
    paths: Sequence[str | Path],
    *,
    rubric: Rubric,
    as_of: dt.date,
    annotate_dir: Path | None = None,
    report_path: Path | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    then: Then | None = None,
    encode: bool = False,
) -> ValidationRun:
    """Check every workbook under ``paths``; raise BranchctlError only when the run cannot go.

    ``annotate_dir`` receives ``<stem>.checked.xlsx`` for each file with an error;
    ``report_path`` is only guarded here (never an input, never searched), the caller writes it;
    ``then`` runs on each workbook read (see :func:`check_file`); ``encode``: only the JSON
    of the reports is wanted, each made in the worker (:meth:`FileReport.encoded`).
    """

    outputs: list[Path] = []
    if report_path is not None:
        check_report_path(report_path)  # an existing file under PATH stays an input: refused below
    if annotate_dir is not None:
        if annotate_dir.exists() and not annotate_dir.is_dir():
            raise BranchctlError("--annotate 应指定一个文件夹，而这是一个文件", path=annotate_dir)
        # the copies are skipped by name; a folder being checked is not left out for holding them
        roots = [Path(p).resolve() for p in paths if Path(p).is_dir()]
        if not any(is_under(root, annotate_dir.resolve()) for root in roots):
            outputs.append(annotate_dir)
    found, skipped = own_outputs(find_workbooks(paths, skip_name=is_skipped_name, exclude=outputs))
    if not found and skipped:
        raise only_outputs(skipped)
    if not found:
        raise BranchctlError("没有找到工作簿（.xlsx、.xlsm、.xls、.ods），请检查路径")
    books = [f for f in found if isinstance(f, FoundWorkbook)]
    inputs = {f.real for f in books}
    targets: list[Path | None] = [None] * len(books)
    if annotate_dir is not None:
        targets = list(annotated_names([f.path for f in books], annotate_dir))
    refuse_inputs([report_path, *targets], inputs)  # hard links of an input too
    if annotate_dir is not None:
        try:
            annotate_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise BranchctlError(
                f"无法创建批注副本文件夹（{os_reason(e)}）", path=annotate_dir
            ) from e
        sweep_leftovers(annotate_dir)  # before the workers write there
    tasks = [(f.path, t) for f, t in zip(books, targets, strict=True)]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    checked = iter(
        run_tasks(
            partial(_check_task, rubric=rubric, as_of=as_of, then=then, encode=encode),
            tasks,
            jobs=jobs,
            crashed=_crashed,
            progress=progress,
            needs=[reading_memory(f.size) for f in books],
        )
    )
    results = [next(checked) if isinstance(f, FoundWorkbook) else _unreadable(f) for f in found]
    notes = [f"跳过“{label}”：{why}" for label, why in skipped]
    notes += [r.note for r in results if r.note]
    return ValidationRun(ValidationReport([r.report for r in results], skipped), results, notes)


def _check_task(
    task: tuple[Path, Path | None],
    rubric: Rubric,
    as_of: dt.date,
    then: Then | None = None,
    encode: bool = False,
) -> FileResult:
    path, target = task
    result = check_file(path, rubric, as_of, target, then)
    if encode:
        result.report = result.report.encoded()
    return result


def _crashed(task: tuple[Path, Path | None]) -> FileResult:
    reason = "读取此文件时读取程序异常退出（文件可能已损坏或经过篡改）"
    return FileResult(FileReport(str(task[0]), [finding("file-unreadable", reason=reason)]))


def _unreadable(entry: Unreadable) -> FileResult:
    """A folder entry that cannot be read: a finding of that entry."""
    return FileResult(
        FileReport(str(entry.path), [finding("file-unreadable", reason=entry.reason)])
    )
