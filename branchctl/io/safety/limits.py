"""The limits of the pre-scan, and the refusals every scan shares.

Measured on ledgers written by xlsxwriter (inline strings, the largest form): 100,000 branches
x 20 columns make one 97 MB worksheet part, 8.6 MB on disk (ratio 11); Excel's maximum,
1,048,576 rows x 21 columns, a 1.15 GB part in 104 MB (ratio 11); the 100,000-branch ledger
saved by LibreOffice as .ods has a 217 MB content.xml (ratio 42). What a read may materialise
(cells, inflated bytes) follows the machine's memory; the rest refuses what no spreadsheet
program writes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.cells import HUGE, cell_name

# --- what the machine can hold ------------------------------------------------------------------
#
# The caps on what a read may materialise follow the memory of the machine (and of the process,
# under ``ulimit -v``), measured once at start-up: a clerk's 8 GB laptop reads an Excel-maximum
# ledger, a 2 GB virtual machine refuses it in a sentence rather than being killed half-way.
# Measured on the 1,048,576-row x 21-column ledger (benchmarks/README.md): python-calamine's dense
# grid costs 32 bytes a cell and the Python rows 8 more (values shared, see io/workbook.py); the
# whole read peaks at about 1.7 times what the parts inflate to (READ_COST leaves room).

# Share of the machine's (or the process's) memory one read may count on.
MEMORY_SHARE = 0.6
# Bounds of that budget, whatever the machine: never so little that a township's file is
# refused, never so much that one file may take a server.
MIN_MEMORY_BUDGET = 1 << 30
MAX_MEMORY_BUDGET = 16 << 30
# Memory of one cell of a sheet's dense grid (empty ones too): calamine's value and a Python slot.
CELL_BYTES = 48
# Reading costs at most this many times what the parts inflate to (calamine's cells and strings,
# then the Python rows; tests/test_safety_reading.py measures it).
READ_COST = 3


def machine_memory() -> int:
    """Physical memory, or the process's address-space limit if lower (0: unknown)."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # Windows has no sysconf
        physical = _windows_memory()
    try:
        import resource  # POSIX only: Windows has no address-space limit to read
    except ImportError:
        return max(physical, 0)
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError):
        soft = resource.RLIM_INFINITY
    if soft != resource.RLIM_INFINITY and soft > 0:
        physical = min(physical, soft) if physical > 0 else soft
    return max(physical, 0)


def _windows_memory() -> int:
    """Physical memory on Windows (GlobalMemoryStatusEx); 0 elsewhere or when it fails."""
    if sys.platform != "win32":
        return 0
    import ctypes

    class _Status(ctypes.Structure):
        _fields_ = [
            ("length", ctypes.c_ulong),
            ("load", ctypes.c_ulong),
            ("total_physical", ctypes.c_ulonglong),
            ("available_physical", ctypes.c_ulonglong),
            ("total_page_file", ctypes.c_ulonglong),
            ("available_page_file", ctypes.c_ulonglong),
            ("total_virtual", ctypes.c_ulonglong),
            ("available_virtual", ctypes.c_ulonglong),
            ("available_extended_virtual", ctypes.c_ulonglong),
        ]

    status = _Status()
    status.length = ctypes.sizeof(_Status)
    try:
        ok = ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return 0
    return int(status.total_physical) if ok else 0


def memory_budget(machine: int | None = None) -> int:
    """What one read may use: MEMORY_SHARE of the machine's memory, within the bounds above."""
    machine = machine_memory() if machine is None else machine
    if machine <= 0:
        return MIN_MEMORY_BUDGET
    return min(MAX_MEMORY_BUDGET, max(MIN_MEMORY_BUDGET, int(machine * MEMORY_SHARE)))


MEMORY_BUDGET = memory_budget()

# A sheet whose dense grid from A1 is larger than this many cells is refused rather than read:
# a stray cell at XFD1048576 would otherwise make a grid of 17 billion cells. At least an
# Excel-maximum ledger of 21 columns where the budget holds it (1 GB holds 22 million cells);
# never more than 32 columns of Excel's 1,048,576 rows (a 1 KB file can ask for that grid: it
# costs 1.6 GB).
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
MAX_CELLS = min(EXCEL_MAX_ROWS * 32, MEMORY_BUDGET // CELL_BYTES)
# Merged ranges of one sheet: the cells they cover are counted (each may be visited by whoever
# reads the merges), and bounded apart from the grid: a ledger merges a column down per group of
# branches, at most a few columns down a whole sheet.
MAX_MERGED_CELLS = 12_000_000
MAX_MERGES = 500_000

# Entries in the zip's central directory; a workbook has tens, one with many sheets and
# pictures a few hundred.
MAX_ZIP_ENTRIES = 10_000
# Bytes of central directory that zipfile reads into memory before anything else.
MAX_CENTRAL_DIRECTORY_BYTES = 16 << 20
# What the parts of a zip may inflate to, in all: at most MAX_INFLATION times the file's size
# (ledgers inflate about 11 times, LibreOffice's .ods up to 42), but never less than
# MIN_INFLATION_ALLOWED (a small file may hold a sheet of formatted blanks), nor more than the
# budget holds at READ_COST, up to 4 GB (an Excel-maximum ledger of 1,048,576 rows x 21 columns
# with inline strings inflates to 1.15 GB, LibreOffice's .ods of it to about 2.3 GB). So a file
# costs at most a bounded multiple of its size (a 3.8 MB file, at most 243 MB of XML), and one
# the machine cannot hold is refused from the zip directory, before anything is inflated.
MAX_INFLATION = 64
MIN_INFLATION_ALLOWED = 100 << 20
MAX_UNCOMPRESSED_TOTAL = min(4 << 30, MEMORY_BUDGET // READ_COST)
# Compression ratio above which a part is a zip bomb (deflate tops out near 1,030 on blanks;
# measured on real parts: 11 for a worksheet, 13-30 for sheets of formatted empty cells or rows,
# 42 for LibreOffice's content.xml, 98 for LibreOffice's sharedStrings.xml of the 100k ledger).
# Small parts are exempt: an all-blank 500 KB part is harmless whatever its ratio.
MAX_COMPRESSION_RATIO = 400
RATIO_CHECK_MIN_BYTES = 1 << 20
# The XML prolog (declaration, comments) must end within this many bytes.
MAX_PROLOG_BYTES = 64 << 10
# One XML tag (element name and attributes); a namespace-heavy root is about 4 KB.
MAX_TAG_BYTES = 1 << 20
# workbook.xml and its relationships are parsed for sheet names only up to this size.
MAX_INDEX_PART_BYTES = 16 << 20
# An ODS row (all its cells) must fit in this many bytes; LibreOffice writes a 20-column row
# in about 2 KB.
MAX_ODS_ROW_BYTES = 64 << 20
# OLE (.xls): the Workbook stream is read into memory (Excel 97-2003 holds at most 65,536 rows;
# a full 65,536 x 20 ledger saved by LibreOffice has a 20 MB stream of 1.1 million records).
MAX_XLS_STREAM_BYTES = 128 << 20
# BIFF records walked (about 0.3-0.7 s per million); 65,536 rows x 100 cells fit.
MAX_BIFF_RECORDS = 8_000_000


def number(digits: bytes) -> int:
    """Decimal digits as an int; :data:`HUGE` for anything longer than twelve digits."""
    digits = digits.lstrip(b"0")
    return HUGE if len(digits) > 12 else int(digits or b"0")


def far_cell_name(row: int, col: int) -> str:
    """A cell's A1 name, or 第 N 行第 M 列 where A1 letters would be absurd."""
    if row >= EXCEL_MAX_ROWS or col >= EXCEL_MAX_COLS:  # no A1 name: past Excel's last cell
        return f"第 {row + 1:,} 行第 {col + 1:,} 列"
    return cell_name(row, col)


def check_extent(path: Path, sheet: str, rows: int, cols: int, far: tuple[int, int]) -> None:
    """Refuse a sheet whose dense grid from A1 would exceed MAX_CELLS."""
    if rows * cols <= MAX_CELLS:
        return
    far_name = far_cell_name(*far)
    plain = not far_name.startswith("第")
    raise BranchctlError(
        f"{'这里' if plain else far_name}有内容，整张表读取时需展开为 {rows:,} 行 × {cols:,} 列，"
        f"超出本机可安全读取的上限 {MAX_CELLS:,} 个单元格，请删除远处多余的内容或把表格拆开后重新提交",
        path=path,
        sheet=sheet,
        cell=far_name if plain else None,
    )


def shared_sheet_data(path: Path) -> BranchctlError:
    # Each reference makes calamine parse the same data again: a cheap way to make it work
    # for hours. No spreadsheet program writes this.
    return BranchctlError(
        "多个工作表指向同一份数据，结构异常，疑似恶意构造的文件，已拒绝读取", path=path
    )


def encrypted(path: Path) -> BranchctlError:
    return BranchctlError(
        "工作簿设有打开密码，无法读取，请在 Excel 中取消密码后重新提交",
        path=path,
        code="file-encrypted",
    )
