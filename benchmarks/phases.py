"""CPU per phase of validate's work on each file, in one process (no pool, no start-up).

Each file is read by python-calamine alone first (the floor), then put through validate's
stages one at a time, timing each: the safety pre-scan alone, the read (which runs the
pre-scan again and hands calamine the parts it checked), finding the forms, the checks of each
form, the cross-list checks, the rubric's own checks. Where the time goes when validate's ratio
to the floor moves.

    python benchmarks/phases.py [DIR]        # default benchmarks/out/townships_1000
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from floor_calamine import read_all

from branchctl.checks import cross, forms
from branchctl.checks.context import CheckContext
from branchctl.checks.run import rubric_specific_checks, sort_findings
from branchctl.forms.tables import find_forms
from branchctl.io.safety.check import scan_file
from branchctl.io.workbook import read_workbook
from branchctl.rules.rubric_file import load_rubric

AS_OF = dt.date(2025, 6, 30)


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else Path(__file__).parent / "out" / "townships_1000")
    files = sorted(folder.glob("*.xlsx"))
    if not files:
        print(f"no .xlsx in {folder}: run benchmarks/bench_validate.py first", file=sys.stderr)
        return 2
    rubric = load_rubric(None)
    spent: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        start = time.process_time()
        out = fn(*args)
        spent[name] = spent.get(name, 0.0) + time.process_time() - start
        return out

    for path in files:
        timed("floor (calamine)", read_all, path)
        timed("pre-scan alone", scan_file, path)
        book = timed("read (with pre-scan)", read_workbook, path)
        found = timed("find_forms", find_forms, book, rubric.aspect_headers())
        ctx = CheckContext(book, found, rubric, AS_OF)
        timed("check_forms", forms.check_forms, ctx)
        timed("check_cross", cross.check_cross, ctx)
        timed("rubric checks", rubric_specific_checks, ctx)
        timed("sort", sort_findings, ctx.findings, book)
    print(f"{len(files)} files, CPU per file:")
    for name, seconds in spent.items():
        print(f"  {name:22s} {seconds / len(files) * 1000:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
