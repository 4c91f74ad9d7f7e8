"""The floor: read workbooks with python-calamine alone, every sheet, nothing else.

This is the least any reader of these files must do (open the zip, parse every sheet into
Python values), so a command's time is reported as a multiple of it. Folders are searched
recursively for .xlsx/.xlsm/.xls/.ods, in sorted order, all read in this one process.

    python benchmarks/floor_calamine.py FILE_OR_DIR...
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


def main(argv: list[str]) -> int:
    files = rows = cells = 0
    for path in workbook_paths(argv):
        r, c = read_all(path)
        files += 1
        rows += r
        cells += c
    print(f"files={files} rows={rows} cells={cells}")
    return 0 if files else 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
