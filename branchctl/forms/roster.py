"""The townships expected to submit in a period (the roster): a .txt with one name a line, or
a .csv or workbook with a 名称 column (or one of its synonyms below). A name is one township
however it is written (see :func:`branchctl.forms.townships.township_key`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.forms.name_map import chinese_text, csv_rows
from branchctl.forms.townships import township_key
from branchctl.forms.values import cell_text, name_key
from branchctl.io.smallfiles import regular_file
from branchctl.io.workbook import read_workbook

ROSTER_HEADERS = ("名称", "乡镇名称", "单位名称", "乡镇（街道）", "乡镇(街道)", "乡镇", "报送单位")


def read_roster(path: Path) -> list[str]:
    """The township names of a roster file, in order, each once."""
    regular_file(path, "名册文件")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        names = _text_lines(path)
    elif suffix == ".csv":
        names = _column(csv_rows(path, "名册"), path)
    else:
        book = read_workbook(path)
        sheet = next((s for s in book.sheets if s.visible and s.height), None)
        names = _column(sheet.rows if sheet else [], path)
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        key = township_key(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    if not out:
        raise BranchctlError("名册中没有任何乡镇（街道）名称", path=path)
    return out


def _text_lines(path: Path) -> list[str]:
    lines = (line.strip() for line in chinese_text(path, "名册").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _column(rows: Sequence[Sequence[Any]], path: Path) -> list[str]:
    headers = {name_key(h) for h in ROSTER_HEADERS}
    for r, row in enumerate(rows[:10]):
        for c, value in enumerate(row):
            if name_key(value) in headers:
                return [t for line in rows[r + 1 :] if (t := _at(line, c))]
    raise BranchctlError("名册中没有“名称”列（也可用 .txt 文件，每行一个名称）", path=path)


def _at(row: Sequence[Any], c: int) -> str:
    return cell_text(row[c]) if c < len(row) else ""
