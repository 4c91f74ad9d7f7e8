"""The ``compare`` job: rate two ledgers, compare them, write NEW's annotated copy.

Either side may be one ledger (a township's, or a county ledger such as the master of
``collect``) or a folder of township files, rated as one county (county against county). A
folder has no one workbook to annotate: its comparison workbook holds the 变动汇总 sheet alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.forms.name_map import load_name_map
from branchctl.io.outputs import check_output_path
from branchctl.io.workbook import Workbook
from branchctl.io.xlsx.write import write_annotated
from branchctl.jobs.county import rate_county
from branchctl.reports.compare import comparison_plan
from branchctl.rules.comparison import (
    Comparison,
    Ledger,
    compare_ledgers,
    county_ledger,
    read_ledger,
)
from branchctl.rules.rubric import Rubric
from branchctl.rules.rubric_file import load_rubric


@dataclass
class CompareReport:
    comparison: Comparison
    out: Path | None
    notes: list[str] = field(default_factory=list)  # what the clerk should know about the output


def compare_files(
    old: Path,
    new: Path,
    *,
    out: Path | None,
    rubric: str | None = None,
    name_map: Path | None = None,
    jobs: int | None = None,
    stage: Any = None,
) -> CompareReport:
    """Compare two ledgers (or folders) and write NEW's annotated copy to ``out`` (when given)."""
    the_rubric = load_rubric(rubric)
    if out is not None:
        check_output_path(out, *[p for p in (old, new) if not p.is_dir()])
    renames = load_name_map(name_map) if name_map is not None else None
    if stage:
        stage("正在读取并评定两期台账 …")
    before = _ledger(old, the_rubric, "上期", jobs, out)
    after = _ledger(new, the_rubric, "本期", jobs, out)
    comparison = compare_ledgers(before, after, the_rubric, renames)
    notes: list[str] = []
    if out is not None:
        if stage:
            stage(f"正在写出 {out.name} …")
        # a folder has no one workbook to annotate: the comparison sheet stands alone
        book = after.book or Workbook(new, "new", [])
        notes = write_annotated(book, comparison_plan(comparison), out)
    return CompareReport(comparison, out, notes)


def _ledger(path: Path, rubric: Rubric, when: str, jobs: int | None, out: Path | None) -> Ledger:
    if not path.is_dir():
        return read_ledger(path, rubric, f"{when}台账")
    county = rate_county([path], rubric, jobs=jobs, exclude=[out] if out else [], strict=False)
    return county_ledger(county, f"{when}文件夹")
