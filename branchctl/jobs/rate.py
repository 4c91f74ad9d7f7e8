"""Whole jobs behind the commands: read, work, write. Plain functions returning plain data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from branchctl.forms.lists import ProblemItem, WorkItem, overdue, read_lists, read_work_ledger
from branchctl.forms.tables import find_forms
from branchctl.io.outputs import check_output_path
from branchctl.io.workbook import Workbook, read_workbook
from branchctl.io.xlsx.write import write_annotated
from branchctl.reports.annotate import rating_plan
from branchctl.rules.ranking import bottom_ranking
from branchctl.rules.rating import rate_workbook
from branchctl.rules.results import BranchRating, RatingResult
from branchctl.rules.rubric import Rubric
from branchctl.rules.rubric_file import load_rubric


def _quiet(_: str) -> None:
    pass


@dataclass
class RateReport:
    result: RatingResult
    out: Path | None
    bottom: list[BranchRating]
    overdue: dict[str, int] = field(default_factory=dict)  # name_key -> overdue tasks
    notes: list[str] = field(default_factory=list)  # what the clerk should know about the output


def overdue_by_branch(book: Workbook, rubric: Rubric, as_of: dt.date) -> dict[str, int]:
    """Overdue tasks per branch (name_key) in the workbook's 附件3 lists and 附件4 work ledger."""

    layout = find_forms(book, rubric.aspect_headers())
    counts: dict[str, int] = {}
    items: list[ProblemItem | WorkItem] = [
        *read_lists(layout, as_of),
        *read_work_ledger(layout, as_of),
    ]
    for item in items:
        if item.branch_key and overdue(item, as_of):
            counts[item.branch_key] = counts.get(item.branch_key, 0) + 1
    return counts


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
    the_rubric = load_rubric(rubric)
    if out is not None:
        check_output_path(out, path)
    stage(f"正在读取 {path.name} …")
    book = read_workbook(path)
    stage("正在评定 …")
    result = rate_workbook(book, the_rubric, as_of)
    late = overdue_by_branch(book, the_rubric, as_of or dt.date.today()) if bottom else {}
    weakest = bottom_ranking(result.branches, bottom, late)
    notes: list[str] = []
    if out is not None:
        stage(f"正在写出 {out.name} …")
        notes = write_annotated(book, rating_plan(result, weakest, late), out)
    return RateReport(result, out, weakest, late, notes)
