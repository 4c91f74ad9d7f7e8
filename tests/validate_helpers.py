"""Helpers for the validate tests: planting errors in built sheets, and a corpus of clean files.

The workbooks come from ``tests/builders.py``; this module only edits the built
:class:`~tests.builders.SheetSpec` grids (set a cell, merge a column down) and checks files.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from branchctl.findings.model import Finding
from branchctl.jobs.validate import check_file
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    Layout,
    SheetSpec,
    classification_sheet,
    creation_ledger_sheet,
    instructions_sheet,
    lists_combined_sheet,
    problem_sheet,
    responsibility_sheet,
    sample_branches,
    sample_problems,
    sample_work_items,
    scratch_sheet,
    task_sheet,
    work_ledger_sheet,
    write_workbook,
)

AS_OF = dt.date(2025, 6, 30)
RUBRIC = load_rubric()

# Warnings a clean corpus may carry, and why they are right:
#   too-few-members: sample_branches makes some branches of 2 formal members (as real villages
#   and small firms have); SPEC asks validate to point them out, as a warning.
ACCEPTED_WARNINGS = {"too-few-members"}


def check(path: Path, as_of: dt.date = AS_OF, rubric: Any = RUBRIC) -> list[Finding]:
    return check_file(path, rubric, as_of).report.findings


def codes(findings: Sequence[Finding]) -> Counter[str]:
    return Counter(f.code for f in findings)


def errors(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def only(findings: Sequence[Finding], code: str) -> Finding:
    """The one finding of ``code`` (fails listing all findings otherwise)."""
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, (
        f"expected one {code}, got: {[(f.code, f.cell, f.message) for f in findings]}"
    )
    return found[0]


def set_cell(spec: SheetSpec, index: int, column: str, value: Any) -> str:
    """Overwrite record ``index``'s ``column`` in the built grid; return the cell address."""
    spec.rows[spec.data_rows[index] - 1][spec.columns[column]] = value
    return spec.ref(index, column)


def merge_down(spec: SheetSpec, column: str, first: int, last: int) -> None:
    """Merge ``column`` from record ``first`` down to record ``last`` (contiguous rows), as
    clerks do for a branch's name over its problems: only the top cell keeps its value."""
    col = spec.columns[column]
    top, bottom = spec.data_rows[first] - 1, spec.data_rows[last] - 1
    assert bottom - top == last - first, "records must stand on consecutive rows"
    for r in range(top + 1, bottom + 1):
        spec.rows[r][col] = None
    spec.merges.append((top, col, bottom, col))


def runs(problems: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """(first, last) record indices of each branch's consecutive problems, longest first."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(problems) + 1):
        if i == len(problems) or problems[i]["党支部名称"] != problems[start]["党支部名称"]:
            out.append((start, i - 1))
            start = i
    return sorted(out, key=lambda ab: ab[0] - ab[1])


def submission(
    records: list[dict[str, Any]],
    *,
    layout: Layout | None = None,
    lists: str = "combined",
    work: bool = True,
    creation: bool = False,
    seed: int = 0,
) -> list[SheetSpec]:
    """A township submission: 附件1, optionally 附件2, 附件3 (combined/linked/none), 附件4."""
    sheets = [classification_sheet(records, layout)]
    if creation:
        sheets.append(creation_ledger_sheet(records, layout))
    problems = sample_problems(records, seed=seed)
    if lists == "combined":
        sheets.append(lists_combined_sheet(problems, layout))
    elif lists == "linked":
        sheets += [problem_sheet(problems), task_sheet(problems), responsibility_sheet(problems)]
    if work:
        sheets.append(work_ledger_sheet(sample_work_items(records, seed=seed)))
    return sheets


def clean_corpus(folder: Path) -> list[Path]:
    """Realistic submissions with no error in them, every kind of mess SPEC §2 allows."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []

    # 1. Everything a careless clerk does at once, combined lists, prose and scratch sheets.
    records = sample_branches(24, seed=21, townships=["城关镇党委"])
    sheets = submission(records, layout=Layout.messy())
    out.append(
        write_workbook(folder / "城关镇.xlsx", [*sheets, instructions_sheet(), scratch_sheet()])
    )

    # 2. Legacy .xls: 附件1 and 附件2, the three linked lists.
    records = sample_branches(18, seed=22, townships=["青山乡党委"])
    out.append(
        write_workbook(folder / "青山乡.xls", submission(records, lists="linked", creation=True))
    )

    # 3. .ods (no merge data), a bare table from A1.
    records = sample_branches(12, seed=23, townships=["河西街道党工委"])
    out.append(write_workbook(folder / "河西街道.ods", submission(records, layout=Layout.bare())))

    # 4. Merged branch names over their problems, ongoing and month-end deadlines written in
    #    full-width digits, a totals row and footer, the table starting in column C.
    records = sample_branches(15, seed=24, townships=["石桥镇党委"])
    problems = sample_problems(records, seed=4)
    deadlines = [
        "长期坚持",
        "２０２５年６月底",
        "2025年6月",
        "持续推进",
        "２０２５年１２月３１日",
        "立行立改",
        "9月底",
    ]
    for i, p in enumerate(problems):
        p["完成时限"] = deadlines[i % len(deadlines)]
    lists = lists_combined_sheet(problems, Layout(start_col=2, totals_row=False, footer=True))
    for first, last in runs(problems):
        if last > first:
            merge_down(lists, "党支部名称", first, last)
            merge_down(lists, "责任人", first, last)
    items = sample_work_items(records, seed=4)
    for item in items:
        if item["完成情况"] == "已完成":
            item["完成时限"] = "2025年3月底"  # closed before the as-of date: never overdue
    layout = Layout.messy(start_col=2, fullwidth_digits=True)
    out.append(
        write_workbook(
            folder / "石桥镇.xlsx",
            [classification_sheet(records, layout), lists, work_ledger_sheet(items, Layout())],
        )
    )

    # 5. Only 附件1 (a county that asked for the table alone), names with stray spaces.
    records = sample_branches(30, seed=25, townships=["柳林镇党委", "柳林镇机关党委"])
    out.append(
        write_workbook(
            folder / "柳林镇.xlsx", [classification_sheet(records, Layout(stray_spaces=True))]
        )
    )
    return out
