"""The floor: read workbooks with python-calamine alone, every sheet, nothing else.

This is the least any reader of these files must do (open the zip, parse every sheet into
Python values), so a command's time is reported as a multiple of it. Folders are searched
recursively for .xlsx/.xlsm/.xls/.ods, in sorted order, all read in this one process, or with
``--jobs N`` in N worker processes (the files dealt out in turn), the floor of a command that
reads them in N processes.

    python benchmarks/floor_calamine.py [--jobs N] FILE_OR_DIR...
"""

from __future__ import annotations

import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


def workbook_paths(args: list[str]) -> list[Path]:
    paths: list[Path] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            paths += sorted(q for q in p.rglob("*") if q.suffix.lower() in SUFFIXES and q.is_file())
        else:
            paths.append(p)
    return paths


def read_all(path: Path) -> tuple[int, int]:
    """Read every sheet of one workbook; return (rows, cells) so the work cannot be skipped."""
    wb = CalamineWorkbook.from_path(str(path))
    rows = cells = 0
    for name in wb.sheet_names:
        data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        rows += len(data)
        cells += sum(len(r) for r in data)
    return rows, cells


def read_part(paths: list[Path]) -> tuple[int, int, int]:
    rows = cells = 0
    for path in paths:
        r, c = read_all(path)
        rows += r
        cells += c
    return len(paths), rows, cells


def main(argv: list[str]) -> int:
    jobs = 1
    if argv[:1] == ["--jobs"]:
        jobs, argv = int(argv[1]), argv[2:]
    paths = workbook_paths(argv)
    if jobs <= 1:
        files, rows, cells = read_part(paths)
    else:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(read_part, [paths[i::jobs] for i in range(jobs)])
        files, rows, cells = (sum(p[i] for p in parts) for i in range(3))
    print(f"files={files} rows={rows} cells={cells}")
    return 0 if files else 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
