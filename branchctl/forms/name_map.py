"""Renamed branches: an old → new name map for ``compare``, from a sheet, a CSV or TOML.

A sheet or CSV has two columns, 原名称 and 新名称 (a header row is recognised by those names
and their synonyms; without one the first two columns are taken). A CSV saved by Excel in
Chinese is GBK: both UTF-8 and GBK are read. TOML: ``"原名称" = "新名称"`` lines, at the top
level or under a ``["更名"]`` table.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError, toml_reason
from branchctl.forms.values import cell_text, name_key
from branchctl.io.smallfiles import parse_bounded, read_small, read_small_text, regular_file
from branchctl.io.workbook import read_workbook

# A map of a county's renamed branches is a few thousand lines.
MAX_MAP_BYTES = 16 << 20
_MAP_OLD = ("原名称", "旧名称", "原党支部名称", "原支部名称", "上期名称", "更名前", "原名")
_MAP_NEW = ("新名称", "现名称", "新党支部名称", "新支部名称", "本期名称", "更名后", "现名")
_MAP_TABLES = ("更名", "rename", "名称对照")


def load_name_map(path: Path) -> dict[str, str]:
    """Old → new branch names (as written) from a two-column sheet or CSV (原名称, 新名称) or TOML."""
    regular_file(path, "更名对照表")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        pairs = _toml_pairs(path)
    elif suffix in (".csv", ".txt"):
        pairs = _grid_pairs(csv_rows(path, "更名对照表"), path)
    else:
        book = read_workbook(path)
        sheet = next((s for s in book.sheets if s.visible and s.height), None)
        pairs = _grid_pairs(sheet.rows if sheet else [], path)
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for old, new in pairs:
        key = name_key(old)
        if key in seen and name_key(out[seen[key]]) != name_key(new):
            raise BranchctlError(
                f"“{old}”对应了两个新名称（“{out[seen[key]]}”和“{new}”）", path=path
            )
        seen.setdefault(key, old)
        out[seen[key]] = new
    if not out:
        raise BranchctlError("更名对照表中没有找到任何“原名称 → 新名称”的对应", path=path)
    return out


def _toml_pairs(path: Path) -> list[tuple[str, str]]:
    text = read_small_text(path, "更名对照表", MAX_MAP_BYTES)
    try:
        data = parse_bounded(tomllib.loads, text, "更名对照表", path, "file-unreadable")
    except tomllib.TOMLDecodeError as e:
        raise BranchctlError(f"更名对照表不是有效的 TOML：{toml_reason(e)}", path=path) from e
    for key in _MAP_TABLES:
        if isinstance(data.get(key), dict):
            data = data[key]
            break
    pairs = []
    for old, new in data.items():
        if not isinstance(new, str):
            raise BranchctlError(f'“{old}”的新名称应为文本，如 "{old}" = "新名称"', path=path)
        pairs.append((old.strip(), new.strip()))
    return [(o, n) for o, n in pairs if o and n]


def csv_rows(path: Path, what: str, max_bytes: int = MAX_MAP_BYTES) -> list[list[str]]:
    """The rows of a CSV file saved as UTF-8 or (Excel in Chinese) GBK; ``what`` names the file
    in the error, e.g. 更名对照表."""
    return list(csv.reader(chinese_text(path, what, max_bytes).splitlines()))


def chinese_text(path: Path, what: str, max_bytes: int = MAX_MAP_BYTES) -> str:
    """A small text file saved as UTF-8 or (Notepad and Excel in Chinese) GBK."""
    raw = read_small(path, what, max_bytes)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BranchctlError(f"{what}的编码无法识别（应为 UTF-8 或 GBK）", path=path)


def _grid_pairs(rows: list[list[Any]], path: Path) -> list[tuple[str, str]]:
    old_col, new_col, start = 0, 1, 0
    for r, row in enumerate(rows[:10]):
        texts = [name_key(v) for v in row]
        olds = [c for c, t in enumerate(texts) if t in _MAP_OLD]
        news = [c for c, t in enumerate(texts) if t in _MAP_NEW]
        if olds and news:
            old_col, new_col, start = olds[0], news[0], r + 1
            break
    pairs = []
    for row in rows[start:]:
        old = cell_text(row[old_col]) if old_col < len(row) else ""
        new = cell_text(row[new_col]) if new_col < len(row) else ""
        if old and new:
            pairs.append((old, new))
        elif old or new:
            raise BranchctlError(f"“{old or new}”只填了一个名称，原名称和新名称都要填写", path=path)
    return pairs
