"""The limits of the pre-scan, and the refusals every scan shares.

Measured on a 100,000-branch x 20-column ledger written by xlsxwriter (inline strings, the
largest form): one 97 MB worksheet part, 8.6 MB on disk (ratio 11); the same ledger saved by
LibreOffice as .ods has a 217 MB content.xml (ratio 42). The limits leave ten times that room
for a provincial ledger, and refuse what no spreadsheet program writes.
"""

from __future__ import annotations

from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.cells import HUGE, cell_name

# A sheet whose used range is larger than this many cells is refused rather than read:
# a stray cell at XFD1048576 would otherwise make a dense grid of 17 billion cells.
MAX_CELLS = 12_000_000
# Merged ranges of one sheet: the cells they cover count against MAX_CELLS too (each may be
# visited by whoever reads the merges); a ledger merges a column down per group of branches,
# some thousands of ranges.
MAX_MERGES = 500_000

# Entries in the zip's central directory; a workbook has tens, one with many sheets and
# pictures a few hundred.
MAX_ZIP_ENTRIES = 10_000
# Bytes of central directory that zipfile reads into memory before anything else.
MAX_CENTRAL_DIRECTORY_BYTES = 16 << 20
# What the parts of a zip may inflate to, in all: at most MAX_INFLATION times the file's size
# (ledgers inflate about 11 times, LibreOffice's .ods up to 42), but never less than
# MIN_INFLATION_ALLOWED (a small file may hold a sheet of formatted blanks), nor more than
# MAX_UNCOMPRESSED_TOTAL (an Excel-maximum ledger of 1,048,576 rows x 21 columns with inline
# strings inflates to about 1.2 GB, LibreOffice's .ods of it to about 2.3 GB). Reading costs
# about three times what the parts inflate to (tested: ``tests/test_safety_limits.py``), so a
# file costs at most a bounded multiple of its size: a 3.8 MB file, at most 243 MB of XML.
MAX_INFLATION = 64
MIN_INFLATION_ALLOWED = 100 << 20
MAX_UNCOMPRESSED_TOTAL = 4 << 30
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

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384


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
        f"超出安全上限 {MAX_CELLS:,} 个单元格，请删除远处多余的内容后重新提交",
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
