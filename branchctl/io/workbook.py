"""Reading a workbook into plain grids of raw cell values, with merges and Excel coordinates.

Everything is read as raw values (python-calamine): no column typing, so phone numbers and IDs
are never turned into floats (see PITFALLS). Grids start at A1 whatever the sheet's used range,
so ``rows[r][c]`` is Excel cell (r + 1, c + 1).

Merged ranges stay ranges (``Sheet.merges``, 0-based and inclusive), in every format: calamine
gives them for .xlsx and .xls, the pre-scan reads the spans of an .ods. Their count and the cells
they cover are bounded by the pre-scan; look a cell's range up with ``Sheet.merge_at`` rather
than expanding them cell by cell. Hidden rows and columns (``Sheet.hidden_rows``,
``Sheet.hidden_cols``) come from the pre-scan too, limited to the grid.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.io.cells import cell_name
from branchctl.io.safety import (
    MAX_CELLS,
    READ_COST,
    Scan,
    SheetFacts,
    inflation_limit,
    scan_file,
)
from branchctl.io.smallfiles import open_regular, regular_file

FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}

# Reading a workbook costs at most about READ_COST times what its parts inflate to (calamine's
# cells and strings, then the Python grid; io/safety/limits.py), plus the process. Deflate
# inflates at most 1,032 times.
PROCESS_MEMORY = 80 << 20
MAX_DEFLATE_RATIO = 1032

Range = tuple[int, int, int, int]  # r1, c1, r2, c2: 0-based, inclusive

# Sheets of this many cells or more are built with their repeated texts shared (_shared_rows);
# smaller ones, a township's, take python-calamine's grid as it comes.
SHARED_FROM_CELLS = 1 << 16
SHARED_TEXTS = 1 << 16


def reading_memory(size: int) -> int:
    """A bound of the memory that reading and checking a workbook of ``size`` bytes may take."""
    return PROCESS_MEMORY + READ_COST * min(inflation_limit(size), MAX_DEFLATE_RATIO * size)


class MergeIndex:
    """Merged ranges found by cell, without expanding them: each range is filed under the
    blocks of 64 x 64 cells it touches (a few per range; the pre-scan bounds what they cover)."""

    BLOCK = 64

    def __init__(self, merges: list[Range] | None = None) -> None:
        self.blocks: dict[tuple[int, int], list[Range]] = {}
        for merge in merges or ():
            self.add(merge)

    def add(self, merge: Range) -> None:
        r1, c1, r2, c2 = merge
        b = self.BLOCK
        for br in range(r1 // b, r2 // b + 1):
            for bc in range(c1 // b, c2 // b + 1):
                self.blocks.setdefault((br, bc), []).append(merge)

    def at(self, row: int, col: int) -> Range | None:
        """The first range holding cell (row, col), or None."""
        for r1, c1, r2, c2 in self.blocks.get((row // self.BLOCK, col // self.BLOCK), ()):
            if r1 <= row <= r2 and c1 <= col <= c2:
                return r1, c1, r2, c2
        return None

    def overlaps(self, merge: Range) -> bool:
        """True if ``merge`` shares a cell with a range already filed."""
        r1, c1, r2, c2 = merge
        b = self.BLOCK
        for br in range(r1 // b, r2 // b + 1):
            for bc in range(c1 // b, c2 // b + 1):
                for m in self.blocks.get((br, bc), ()):
                    if m[0] <= r2 and r1 <= m[2] and m[1] <= c2 and c1 <= m[3]:
                        return True
        return False


@dataclass
class Sheet:
    name: str
    index: int
    visible: bool
    rows: list[list[Any]]
    merges: list[Range] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: frozenset[int] = frozenset()  # 0-based, within the grid
    hidden_cols: frozenset[int] = frozenset()
    _index: MergeIndex | None = field(default=None, repr=False, compare=False)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return max(map(len, self.rows), default=0)

    def value(self, row: int, col: int) -> Any:
        if 0 <= row < len(self.rows):
            r = self.rows[row]
            if 0 <= col < len(r):
                return r[col]
        return ""

    def merge_at(self, row: int, col: int) -> Range | None:
        """The merged range holding cell (row, col), or None (indexed on first use)."""
        if not self.merges:
            return None
        if self._index is None:
            self._index = MergeIndex(self.merges)
        return self._index.at(row, col)


@dataclass
class Workbook:
    path: Path
    format: str  # "xlsx" (also .xlsm), "xls" or "ods"
    sheets: list[Sheet]

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


_NAME_ATTR = re.compile(r'\bname="([^"]*)"')


def xlsx_sheet_names(path: Path) -> set[str]:
    """The names in an .xlsx's ``xl/workbook.xml`` (its sheets), without reading the workbook;
    empty for anything else (not a regular file, not a zip, no such part, a part over 1 MB).
    How this tool knows its own outputs (rated copies, county ledgers, collect masters)."""
    if path.suffix.lower() != ".xlsx":
        return set()
    try:  # opened as a regular file only: a FIFO named .xlsx must not block here
        with open_regular(path, "工作簿文件") as f, zipfile.ZipFile(f) as z:
            info = z.getinfo("xl/workbook.xml")
            if info.file_size > 1 << 20:
                return set()
            text = z.read(info).decode("utf-8", "replace")
    except (BranchctlError, OSError, KeyError, EOFError, zipfile.BadZipFile):
        return set()
    return set(_NAME_ATTR.findall(text))


def workbook_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BranchctlError(
            "不是受支持的工作簿格式（支持 .xlsx、.xlsm、.xls、.ods）",
            path=path,
            code="file-unreadable",
        )
    return fmt


def read_workbook(path: str | Path) -> Workbook:
    """Read every sheet of a workbook, after the safety checks; raise BranchctlError if unsafe.

    The format comes from the content (``safety.scan_file``): a file whose content differs
    from its extension (an .xlsx saved under a .xls name) is read as what it is.
    """
    import python_calamine as pc

    path = Path(path)
    regular_file(path, "工作簿文件", missing="文件不存在")
    named = workbook_format(path)
    scan = scan_file(path)
    book = _open_package(scan, pc)
    try:
        if book is not None:
            pass
        elif scan.format == named:
            book = pc.CalamineWorkbook.from_path(str(path))
        else:  # calamine picks its reader by extension; from a file object it sniffs content
            with open(path, "rb") as f:
                book = pc.CalamineWorkbook.from_filelike(f)
    except pc.PasswordError as e:
        raise BranchctlError(
            "工作簿设有密码保护，无法读取，请取消密码后重新提交", path=path, code="file-encrypted"
        ) from e
    except Exception as e:  # calamine raises several types for corrupt files
        raise BranchctlError(
            f"无法读取工作簿：文件已损坏或不是电子表格（{reader_reason(e)}）", path=path
        ) from e
    except BaseException as e:  # a Rust panic surfaces as pyo3's PanicException
        if type(e).__name__ != "PanicException":
            raise
        raise BranchctlError("无法读取工作簿（文件结构异常，读取组件出错）", path=path) from e
    sheets: list[Sheet] = []
    for index, meta in enumerate(book.sheets_metadata):
        if "WorkSheet" not in str(meta.typ):
            continue
        sheet = _read_sheet(
            book, meta.name, index, meta.visible == pc.SheetVisibleEnum.Visible, path, pc
        )
        _apply_facts(sheet, scan.sheets.get(meta.name), scan.format)
        sheets.append(sheet)
    return Workbook(path=path, format=scan.format, sheets=sheets)


def _open_package(scan: Scan, pc: Any) -> Any:
    """The workbook from the package the scan made of a small .xlsx (the parts it checked,
    stored), or None: no package, or one calamine cannot open, where the file itself is opened
    as before, so that a damaged workbook is described as before."""
    package, scan.package = scan.package, None  # held no longer than calamine needs it
    if package is None:
        return None
    try:
        return pc.CalamineWorkbook.from_filelike(package)
    except Exception:
        return None
    except BaseException as e:  # a Rust panic surfaces as pyo3's PanicException
        if type(e).__name__ != "PanicException":
            raise
        return None


def _read_sheet(book: Any, name: str, index: int, visible: bool, path: Path, pc: Any) -> Sheet:
    try:
        raw = book.get_sheet_by_index(index)
    except pc.PasswordError as e:
        raise BranchctlError(
            "工作簿设有密码保护，无法读取", path=path, sheet=name, code="file-encrypted"
        ) from e
    except Exception as e:
        raise BranchctlError(f"工作表无法读取（{reader_reason(e)}）", path=path, sheet=name) from e
    except BaseException as e:  # a Rust panic surfaces as pyo3's PanicException
        if type(e).__name__ != "PanicException":
            raise
        raise BranchctlError(
            "工作表无法读取（文件结构异常，读取组件出错）", path=path, sheet=name
        ) from e
    if raw.height == 0 or raw.width == 0:
        return Sheet(name, index, visible, [], [])
    _, (r1, c1) = raw.start, raw.end
    if (r1 + 1) * (c1 + 1) > MAX_CELLS:
        raise BranchctlError(
            f"使用范围延伸到 {cell_name(r1, c1)}，超出安全读取上限（{MAX_CELLS:,} 个单元格），"
            "请删除远处的空白或多余单元格后重新提交",
            path=path,
            sheet=name,
        )
    try:
        rows = (
            raw.to_python(skip_empty_area=False)
            if (r1 + 1) * (c1 + 1) < SHARED_FROM_CELLS
            else _shared_rows(raw)
        )
    except Exception as e:
        raise BranchctlError(f"工作表无法读取（{reader_reason(e)}）", path=path, sheet=name) from e
    merges = [(a[0], a[1], b[0], b[1]) for a, b in (raw.merged_cell_ranges or [])]
    return Sheet(name, index, visible, rows, merges)


def _shared_rows(raw: Any) -> list[list[Any]]:
    """The grid from A1, as ``to_python(skip_empty_area=False)`` gives it, built row by row with
    each repeated text held once: a ledger repeats its marks, types, stars and township names
    on every row, and python-calamine makes a new string object for every cell. At 1,048,576
    rows x 21 columns the rows take 0.6 GB instead of 2 GB, beside calamine's own 1.1 GB grid.

    The first SHARED_TEXTS distinct texts are remembered (a column of names, unique on every
    row, would only fill the table); later ones are shared when they were seen among those.
    """
    (r0, c0), (_, c1) = raw.start, raw.end
    rows: list[list[Any]] = [[""] * (c1 + 1) for _ in range(r0)]
    pad = [""] * c0
    texts: dict[str, str] = {}
    share = texts.setdefault
    append = rows.append
    for row in raw.iter_rows():
        cells = [share(v, v) if type(v) is str else v for v in row]
        if c0:
            cells[0:0] = pad
        append(cells)
        if len(texts) > SHARED_TEXTS:
            share = texts.get
    return rows


def _apply_facts(sheet: Sheet, facts: SheetFacts | None, fmt: str) -> None:
    """What the pre-scan saw of the sheet: the spans of an .ods, hidden rows and columns."""
    if facts is None:
        return
    if fmt == "ods" and not sheet.merges:  # the ranges that start within the grid
        height, width = sheet.height, sheet.width
        sheet.merges = [m for m in facts.merges if m[0] < height and m[1] < width]
    if facts.hidden_rows:
        sheet.hidden_rows = _within(facts.hidden_rows, sheet.height)
    if facts.hidden_cols:
        sheet.hidden_cols = _within(facts.hidden_cols, sheet.width)


def _within(ranges: list[tuple[int, int]], limit: int) -> frozenset[int]:
    """The indexes of ``[start, stop)`` ranges that fall below ``limit`` (the grid's size)."""
    out: set[int] = set()
    for start, stop in ranges:
        out.update(range(max(start, 0), min(stop, limit)))
    return frozenset(out)


# What python-calamine says about a damaged file is English; a clerk reads these instead.
_READER_REASONS = (
    ("shared string", "单元格引用的共享文字不存在"),
    ("boolean", "有单元格的逻辑值写法错误"),
    ("'t' attribute", "有单元格的类型标记无法识别"),
    ("missing the expected", "有单元格地址写法错误"),
    ("xml", "工作表的 XML 结构不完整或有错误"),
    ("zip", "压缩结构损坏"),
    ("cfb", "复合文档结构损坏"),
    ("utf", "文字编码错误"),
    ("date", "有日期单元格的值无法识别"),
    ("number", "有数字单元格的值无法识别"),
    ("formula", "有公式无法识别"),
)


def reader_reason(e: BaseException) -> str:
    """Why python-calamine could not read a file, in Chinese (its English never reaches a clerk)."""
    text = f"{type(e).__name__} {e}".lower()
    for needle, reason in _READER_REASONS:
        if needle in text:
            return reason
    return "数据不符合表格文件的格式"
