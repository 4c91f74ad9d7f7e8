"""The ``compare`` job: rate two ledgers, compare them, write NEW's annotated copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.forms.name_map import load_name_map
from branchctl.io.outputs import check_output_path
from branchctl.io.xlsx.write import write_annotated
from branchctl.reports.compare import comparison_plan
from branchctl.rules.comparison import Comparison, compare_ledgers
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
    stage: Any = None,
) -> CompareReport:
    """Compare two ledgers and write NEW's annotated copy to ``out`` (when given)."""
    the_rubric = load_rubric(rubric)
    if out is not None:
        check_output_path(out, old, new)
    renames = load_name_map(name_map) if name_map is not None else None
    if stage:
        stage("正在读取并评定两期台账 …")
    comparison = compare_ledgers(old, new, the_rubric, renames)
    notes: list[str] = []
    if out is not None:
        if stage:
            stage(f"正在写出 {out.name} …")
        notes = write_annotated(comparison.new.book, comparison_plan(comparison), out)
    return CompareReport(comparison, out, notes)
