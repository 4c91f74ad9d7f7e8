"""The ``rate`` job: one ledger rated into its annotated copy, or many workbooks (files,
folders, county ledgers) rated as one county into the county workbook."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError, os_reason
from branchctl.forms.tables import find_forms
from branchctl.io.collector import collector_paused
from branchctl.io.outputs import (
    LEDGER_KINDS,
    TEMP_PREFIX,
    TEMP_SUFFIX,
    check_output_path,
    ensure_distinct,
    output_kind,
)
from branchctl.io.workbook import Sheet, Workbook, read_workbook, xlsx_sheet_names
from branchctl.io.xlsx.write import write_annotated
from branchctl.reports.annotate import rating_plan
from branchctl.reports.collection import is_master_workbook
from branchctl.reports.county import COUNTY_SHEETS, CountyReport, county_plan, ledger_grid
from branchctl.rules.county import GROUPINGS, LEDGER_SHEET, CountyRating
from branchctl.rules.ranking import bottom_ranking
from branchctl.rules.rating import rate_workbook
from branchctl.rules.results import BranchRating, RatingResult
from branchctl.rules.rubric_file import load_rubric

COUNTY_OUT = "评定汇总.xlsx"  # the county workbook, in the current folder unless -o says
RATED_SUFFIX = ".rated.xlsx"


def _quiet(_: str) -> None:
    pass


@dataclass
class RateReport:
    result: RatingResult
    out: Path | None
    bottom: list[BranchRating]
    overdue: dict[str, int] = field(default_factory=dict)  # name_key -> overdue tasks
    notes: list[str] = field(default_factory=list)  # what the clerk should know about the output
    summary: dict[str, Any] = field(default_factory=dict)  # result.summary(), worked out once


def rate_file(
    path: Path,
    *,
    out: Path | None,
    rubric: str | None = None,
    as_of: dt.date | None = None,
    bottom: int = 0,
    stage: Callable[[str], None] = _quiet,
) -> RateReport:
    """Rate every per-branch table of a workbook and write the annotated copy to ``out``."""
    # rating makes millions of objects and no garbage (see io.collector); not for a county
    # run: its worker processes would inherit a paused collector
    with collector_paused(freeze=True):
        return _rate_file(path, out, rubric, as_of, bottom, stage)


def _rate_file(
    path: Path,
    out: Path | None,
    rubric: str | None,
    as_of: dt.date | None,
    bottom: int,
    stage: Callable[[str], None],
) -> RateReport:
    the_rubric = load_rubric(rubric)
    if out is not None:
        check_output_path(out, path)
    stage(f"正在读取 {path.name} …")
    book = read_workbook(path)
    stage("正在评定 …")
    layout = find_forms(book, the_rubric.aspect_headers())
    result = rate_workbook(book, the_rubric, as_of, layout=layout)
    late = {}
    if bottom:
        from branchctl.jobs.county import overdue_by_branch  # not loaded unless asked

        late = overdue_by_branch(layout, as_of or dt.date.today())
    weakest = bottom_ranking(result.branches, bottom, late)
    summary = result.summary()
    notes: list[str] = []
    if out is not None:
        stage(f"正在写出 {out.name} …")
        notes = write_annotated(book, rating_plan(result, weakest, late, summary=summary), out)
    return RateReport(result, out, weakest, late, notes, summary)


# ------------------------------------------------------------------------------ a county


def is_county_workbook(path: Path) -> bool:
    """A workbook of ledgers this tool wrote: the county workbook of ``rate`` or the master of
    ``collect`` (marked so, or known by their sheets)."""
    if path.suffix.lower() != ".xlsx" or not path.is_file():  # a pipe or a device: not opened
        return False
    if output_kind(path) in LEDGER_KINDS or is_master_workbook(path):
        return True
    return set(COUNTY_SHEETS) <= xlsx_sheet_names(path)


def is_county_run(paths: Sequence[Path]) -> bool:
    """Several workbooks, a folder, or a county ledger: rated as one county."""
    return len(paths) != 1 or paths[0].is_dir() or is_county_workbook(paths[0])


def rate_paths(
    paths: Sequence[Path],
    *,
    out: Path | None = None,
    annotate_dir: Path | None = None,
    rubric: str | None = None,
    as_of: dt.date | None = None,
    bottom: int = 0,
    by: str = "所属党组织",
    jobs: int | None = None,
    stage: Callable[[str], None] = _quiet,
    progress: Callable[[int, int], None] | None = None,
) -> RateReport | CountyReport:
    """``branchctl rate``: one ledger into its rated copy (beside it, or ``out``); several
    workbooks, a folder or a county ledger into the county workbook ``out`` (default
    评定汇总.xlsx here), with each file's rated copy in ``annotate_dir`` when given."""
    if by not in GROUPINGS:
        raise BranchctlError(f"--by 应为{'或'.join(GROUPINGS)}")
    if not is_county_run(paths):
        path = paths[0]
        if annotate_dir is not None and out is not None:
            raise BranchctlError("只评定一个台账时批注工作簿由 -o 指定，请去掉 --annotate")
        if by != "所属党组织":
            raise BranchctlError("--by 只用于评定多个文件（汇总按来源文件分组），一个台账请去掉它")
        if annotate_dir is not None:
            _folder(annotate_dir)
            out = annotate_dir / f"{path.stem}{RATED_SUFFIX}"
        return rate_file(path, out=out or path.with_name(f"{path.stem}{RATED_SUFFIX}"),
                         rubric=rubric, as_of=as_of, bottom=bottom, stage=stage)  # fmt: skip
    # a county's machinery, loaded only for one: rating a single ledger starts faster
    from branchctl.jobs.county import rate_county
    from branchctl.jobs.validate import annotated_names

    the_rubric = load_rubric(rubric)
    target = out or Path(COUNTY_OUT)
    _guard_county_out(target, paths)
    exclude = [target]
    if annotate_dir is not None:
        _folder(annotate_dir)
        roots = [p.resolve() for p in paths if p.is_dir()]
        if not any(r == annotate_dir.resolve() or annotate_dir.resolve() in r.parents
                   for r in roots):  # fmt: skip
            exclude.append(annotate_dir)
    stage("正在评定 …")
    county = rate_county(
        paths,
        the_rubric,
        as_of=as_of,
        jobs=jobs,
        exclude=exclude,
        overdue=bool(bottom),
        ledger=True,
        annotate=(lambda files: annotated_names(files, annotate_dir, RATED_SUFFIX))
        if annotate_dir is not None
        else None,
        progress=progress,
    )
    if not county.rated:
        raise BranchctlError(county.unrated_reason())
    stage(f"正在写出 {target.name} …")
    summary = county.summary()
    weakest = write_county(county, target, bottom, by, summary)
    return CountyReport(county, target, weakest, by, annotate_dir, summary)


def write_county(
    county: CountyRating,
    out: Path,
    bottom: int = 0,
    by: str = "所属党组织",
    summary: dict[str, Any] | None = None,
) -> list[BranchRating]:
    """Write the county workbook to ``out``; returns its 倒排 (as placed in the ledger).
    ``summary``: the county's, when already worked out."""
    from branchctl.io.xlsx.plain import write_plain  # a county's only

    sheet, plan, weakest = county_plan(county, bottom, by, summary)
    # what touches every row is written with the rows; the patch adds the comments and sheets
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=out.parent)
    except OSError as e:
        raise BranchctlError(f"无法在输出文件夹中创建文件（{os_reason(e)}）", path=out) from e
    os.close(fd)
    scratch = Path(name)
    try:
        write_plain([sheet], scratch)
        # the patch copies the rows it does not mark: it need not have them read
        ledger = Workbook(scratch, "xlsx", [Sheet(LEDGER_SHEET, 0, True, [])])
        notes = write_annotated(ledger, plan, out)
        if notes:  # rebuilt from the values (never yet for a scratch of ours): give them
            ledger = Workbook(scratch, "xlsx", [Sheet(LEDGER_SHEET, 0, True, ledger_grid(county))])
            notes = write_annotated(ledger, plan, out)
        county.notes += notes
    finally:
        with contextlib.suppress(OSError):
            scratch.unlink()
    return weakest


def _guard_county_out(out: Path, paths: Sequence[Path]) -> None:
    if out.suffix.lower() != ".xlsx":
        raise BranchctlError(
            "评定汇总工作簿只能写成 .xlsx 格式，请把输出文件名改为 .xlsx 结尾", path=out
        )
    if not out.parent.is_dir():
        raise BranchctlError("输出文件所在的文件夹不存在", path=out)
    ensure_distinct(out, *[p for p in paths if not p.is_dir()])
    if out.exists() and not is_county_workbook(out):
        raise BranchctlError(
            "这个文件已存在，而且不是本工具生成的评定汇总工作簿，为免覆盖乡镇报表，请用 -o 另选一个文件名",
            path=out,
        )


def _folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise BranchctlError("--annotate 应指定一个文件夹，而这是一个文件", path=path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BranchctlError(f"无法创建评定副本文件夹（{os_reason(e)}）", path=path) from e
