"""The BIFF walk: every record of the ``Workbook`` stream of an .xls, as python-calamine reads it.

calamine parses every sheet when the workbook is opened: it reserves DIMENSIONS rows x columns
cells up front, and builds a dense grid from the cell records (16-bit row and column: a column
of 65,535 makes a grid of 4 billion cells). Every record of every sheet is walked here, as
calamine walks them; the walk costs about as much as calamine's own read of an .xls (0.35 s
for a full 65,536-row sheet), a few milliseconds for a township's file.
"""

from __future__ import annotations

import codecs
import struct
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.safety.facts import MergeBudget, SheetFacts
from branchctl.io.safety.limits import (
    MAX_BIFF_RECORDS,
    MAX_CELLS,
    check_extent,
    encrypted,
    shared_sheet_data,
)

_EOF, _FILEPASS, _SST, _BOUNDSHEET, _CODEPAGE = 0x000A, 0x002F, 0x00FC, 0x0085, 0x0042
_DIMENSIONS, _MULRK = 0x0200, 0x00BD
_ROW, _COLINFO, _MERGEDCELLS = 0x0208, 0x007D, 0x00E5
# Records whose body starts with row and column, as calamine reads them, and the length
# below which calamine rejects them: NUMBER, RK, LABELSST, BOOLERR, LABEL, FORMULA.
_CELL_RECORDS = {0x0203: 14, 0x027E: 10, 0x00FD: 10, 0x0205: 8, 0x0204: 6, 0x0006: 20}
_BIFF_HEADER = struct.Struct("<HHHH")


def _corrupt_biff(path: Path) -> BranchctlError:
    return BranchctlError(
        "Excel 97-2003 工作簿的数据已损坏（记录结构异常），请用 Excel 打开后另存为 .xlsx 再提交",
        path=path,
    )


def _too_many_records(path: Path) -> BranchctlError:
    return BranchctlError(
        f"Excel 97-2003 工作簿的记录数超过安全上限 {MAX_BIFF_RECORDS:,} 条，结构异常，已拒绝读取",
        path=path,
    )


def check_biff(path: Path, data: bytes) -> dict[str, SheetFacts]:
    """Walk every record; refuse what calamine would choke on; return each sheet's merges
    (bounded: calamine reads them itself) and hidden rows and columns."""
    if len(data) < 8 or struct.unpack_from("<H", data)[0] not in (0x0809, 0x0409, 0x0209, 0x0009):
        raise _corrupt_biff(path)
    biff8 = struct.unpack_from("<H", data, 4)[0] == 0x0600
    codepage = "cp1252"
    sheets: list[tuple[int, str]] = []
    pos, end, records = 0, len(data) - 4, 0
    while pos <= end:  # the workbook globals, up to their EOF
        typ, length = struct.unpack_from("<HH", data, pos)
        body = pos + 4
        pos = body + length
        records += 1
        if records > MAX_BIFF_RECORDS:
            raise _too_many_records(path)
        if typ == _FILEPASS:
            raise encrypted(path)
        if typ == _EOF:
            break
        if pos > len(data):
            raise _corrupt_biff(path)
        if typ == _CODEPAGE and length >= 2:
            codepage = _codepage(struct.unpack_from("<H", data, body)[0])
        elif typ == _BOUNDSHEET and length >= 8:
            (offset,) = struct.unpack_from("<I", data, body)
            sheets.append((offset, _sheet_name(data[body + 6 : pos], biff8, codepage)))
        elif typ == _SST and length >= 8:
            _check_sst(path, data, body)
    if len({offset for offset, _name in sheets}) < len(sheets):
        raise shared_sheet_data(path)
    facts: dict[str, SheetFacts] = {}
    for offset, name in sheets:
        facts[name] = SheetFacts()
        records = _walk_sheet(path, data, offset, name, records, facts[name])
    return facts


def _check_sst(path: Path, data: bytes, body: int) -> None:
    """Refuse a string count no stream can hold (each string takes 3 bytes or more).

    calamine 0.37 survives a false count, but reserving the declared count up front is what a
    reader does; even a writer that put the total count of string cells here stays far below
    this bound.
    """
    (count,) = struct.unpack_from("<i", data, body + 4)
    if count < 0 or count > len(data) // 3:
        raise BranchctlError(
            f"Excel 97-2003 工作簿的共享字符串表声明了 {count:,} 个字符串，与实际数据不符，"
            "文件已损坏或被恶意构造，已拒绝读取",
            path=path,
        )


def _dimension_cells(data: bytes, body: int, length: int) -> int:
    """The cell count calamine reserves for a DIMENSIONS record (u32 arithmetic, as it does)."""
    if length == 14 and body + 12 <= len(data):
        rf, rl, cf, cl = struct.unpack_from("<IIHH", data, body)
    elif length == 10 and body + 8 <= len(data):
        rf, rl, cf, cl = struct.unpack_from("<HHHH", data, body)
    else:
        return 0
    if rl >= 1 and cl >= 1:
        rows = ((rl - 1) - rf + 1) % (1 << 32)
        cols = ((cl - 1) - cf + 1) % (1 << 32)
    else:
        rows = cols = 1
    return rows * cols


def _walk_sheet(
    path: Path, data: bytes, pos: int, name: str, records: int, facts: SheetFacts
) -> int:
    """Walk one sheet's records as calamine does; return the running record count."""
    start = pos
    merges = MergeBudget(path, name)
    unpack = _BIFF_HEADER.unpack_from
    cells = _CELL_RECORDS
    last = len(data) - 8
    max_row = max_col = -1
    walked = 0
    for walked in range(1, MAX_BIFF_RECORDS - records + 2):  # noqa: B007 - the count is used
        if pos > last:
            break
        typ, length, row, col = unpack(data, pos)
        pos += 4 + length
        if typ in cells:  # a short record is rejected by calamine: counting it is harmless
            if row > max_row:
                max_row = row
            if col > max_col:
                max_col = col
        elif typ == _EOF:
            break
        elif typ == _MULRK and length > 6:
            max_row = max(max_row, row)
            max_col = max(max_col, col + (length - 6) // 6 - 1)
        elif typ == _ROW:  # row, then (at 12) options: 0x20 hidden
            if length >= 16 and data[pos - length + 12] & 0x20:
                facts.hidden_rows.append((row, row + 1))
        elif typ == _COLINFO:  # first and last column, then (at 8) options: 0x01 hidden
            if length >= 10 and data[pos - length + 8] & 0x01:
                facts.hidden_cols.append((row, col + 1))
        elif typ == _MERGEDCELLS:
            _merged_cells(data, pos - length, length, merges)
        elif typ == _DIMENSIONS:
            reserved = _dimension_cells(data, pos - length, length)
            if reserved > MAX_CELLS:
                raise BranchctlError(
                    f"工作表声明的使用范围达 {reserved:,} 个单元格，超出安全上限 {MAX_CELLS:,} 个，"
                    "文件已损坏或被恶意构造，已拒绝读取",
                    path=path,
                    sheet=name,
                )
    else:
        raise _too_many_records(path)
    if max_row >= 0 and (max_row + 1) * (max_col + 1) > MAX_CELLS:
        check_extent(path, name, max_row + 1, max_col + 1, _far_biff_cell(data, start))
    return records + walked


def _merged_cells(data: bytes, body: int, length: int, merges: MergeBudget) -> None:
    """MERGEDCELLS: a count, then first and last row, first and last column of each range."""
    if length < 2:
        return
    (count,) = struct.unpack_from("<H", data, body)
    for i in range(min(count, (length - 2) // 8)):
        r1, r2, c1, c2 = struct.unpack_from("<HHHH", data, body + 2 + 8 * i)
        merges.add(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def _far_biff_cell(data: bytes, pos: int) -> tuple[int, int]:
    """The cell farthest from A1 in one sheet: walked again only when refusing, to name it."""
    unpack = _BIFF_HEADER.unpack_from
    best = (0, 0)
    while pos <= len(data) - 8:
        typ, length, row, col = unpack(data, pos)
        pos += 4 + length
        if typ == _EOF:
            break
        if typ == _MULRK and length > 6:
            col += (length - 6) // 6 - 1
        elif typ not in _CELL_RECORDS:
            continue
        if (row + 1) * (col + 1) > (best[0] + 1) * (best[1] + 1):
            best = (row, col)
    return best


def _codepage(number: int) -> str:
    if number == 1200:
        return "utf-16-le"
    try:
        return codecs.lookup(f"cp{number}").name
    except LookupError:
        return "cp1252"


def _sheet_name(raw: bytes, biff8: bool, codepage: str) -> str:
    if not raw:
        return "?"
    n = raw[0]
    if biff8 and len(raw) >= 2:
        if raw[1] & 1:
            return raw[2 : 2 + 2 * n].decode("utf-16-le", "replace")
        return raw[2 : 2 + n].decode("latin-1")
    return raw[1 : 1 + n].decode(codepage, "replace")
