"""What the cell reader does not give: hidden rows and columns (.xlsx, .xls, .ods) and the
merged ranges of an .ods (python-calamine gives none for .ods).

Read once per workbook, after the safety checks, straight from the file: the sheet XML of an
.xlsx (``<row hidden="1">``, ``<col hidden="1">``), the ROW and COLINFO records of an .xls, the
``content.xml`` of an .ods (``table:visibility="collapse"``, ``number-rows-spanned``…).
Everything stays bounded: a hidden or spanned range is kept as a range (``rows``, ``cols``),
never expanded cell by cell, and the caller clips it to the grid it has read.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

Span = tuple[int, int]  # 0-based first and last index, inclusive
Merge = tuple[int, int, int, int]  # r1, c1, r2, c2, 0-based inclusive

_CHUNK = 1 << 20


@dataclass
class SheetState:
    """One sheet's hidden rows and columns (ranges) and, for an .ods, its merged ranges."""

    hidden_rows: list[Span] = field(default_factory=list)
    hidden_cols: list[Span] = field(default_factory=list)
    merges: list[Merge] | None = None  # None: the cell reader's merges stand


def clip(spans: list[Span], size: int) -> frozenset[int]:
    """The indices of ``spans`` below ``size`` (the grid's height or width)."""
    out: set[int] = set()
    for first, last in spans:
        out.update(range(max(first, 0), min(last, size - 1) + 1))
    return frozenset(out)


def read_sheet_states(path: Path, fmt: str) -> dict[str, SheetState]:
    """Sheet name -> its state. A part this reader cannot make sense of gives no state (the
    workbook was readable by python-calamine: nothing is hidden or merged beyond what it says)."""
    try:
        if fmt == "xlsx":
            return _xlsx(path)
        if fmt == "xls":
            return _xls(path)
        if fmt == "ods":
            return _ods(path)
    except (OSError, KeyError, ValueError, IndexError, struct.error, zipfile.BadZipFile):
        pass
    return {}


# ------------------------------------------------------------------------------------ xlsx

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ATTR = re.compile(rb"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_HIDDEN = re.compile(rb"\bhidden\s*=\s*[\"'](?:1|true)[\"']")
_TAG_NAME = re.compile(rb"<(?:\w+:)?(\w+)")
_FIRST_ROW = re.compile(rb"<(?:\w+:)?row[\s>][^>]*>")
_ROW_NUMBER = re.compile(rb"\sr\s*=")


def _attrs(raw: bytes) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(raw):
        name = m.group(1).decode("ascii", "replace")
        value = m.group(2) if m.group(2) is not None else m.group(3)
        out[name] = value.decode("utf-8", "replace")
        out.setdefault(name.rsplit(":", 1)[-1], out[name])
    return out


def _xlsx(path: Path) -> dict[str, SheetState]:
    out: dict[str, SheetState] = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        rels = {
            a.get("Id", ""): a.get("Target", "")
            for a in map(_attrs, _REL.findall(z.read("xl/_rels/workbook.xml.rels")))
        }
        for raw in _SHEET.findall(z.read("xl/workbook.xml")):
            a = _attrs(raw)
            target = rels.get(a.get("r:id", a.get("id", "")), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            part = posixpath.normpath(part)
            if part in names and "name" in a:
                out[_unescape(a["name"])] = _xlsx_sheet(z, part)
    return out


def _unescape(text: str) -> str:
    for entity, ch in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, ch)
    return text.replace("&amp;", "&")


def _xlsx_sheet(z: zipfile.ZipFile, part: str) -> SheetState:
    """``hidden="1"`` is rare: find it, then read the one tag around it (a row or a col)."""
    state = SheetState()
    rows_before: int | None = None  # <row> tags already scanned, where rows lack r=""
    tail = b""
    with z.open(part) as f:
        while True:
            chunk = f.read(_CHUNK)
            last = len(chunk) < _CHUNK
            data = tail + chunk
            cut = len(data) if last else data.rfind(b"<")  # a cut tag goes with the next chunk
            if cut < 0:
                cut = len(data)
            region, tail = data[:cut], data[cut:]
            if rows_before is None and (m := _FIRST_ROW.search(region)):
                # writers give every row its r="" or none: count rows only where they do not
                rows_before = -1 if _ROW_NUMBER.search(m.group(0)) else 0
            if b"hidden" in region:
                for m in _HIDDEN.finditer(region):
                    _xlsx_hidden(region, m.start(), m.end(), max(rows_before or 0, 0), state)
            if rows_before is not None and rows_before >= 0:
                rows_before += region.count(b"<row ") + region.count(b"<row>")
            if last:
                break
    return state


def _xlsx_hidden(region: bytes, at: int, after: int, rows_before: int, state: SheetState) -> None:
    start = region.rfind(b"<", 0, at)
    end = region.find(b">", after)
    tag = region[start : end + 1]
    name = _TAG_NAME.match(tag)
    if start < 0 or end < 0 or name is None:
        return
    a = _attrs(tag)
    if name.group(1) == b"row":
        r = a.get("r")
        if r is None:  # r is optional: this row follows the ones counted before it
            index = (
                rows_before + region.count(b"<row ", 0, start) + region.count(b"<row>", 0, start)
            )
        else:
            index = int(r) - 1
        state.hidden_rows.append((index, index))
    elif name.group(1) == b"col" and "min" in a:
        state.hidden_cols.append((int(a["min"]) - 1, int(a.get("max", a["min"])) - 1))


# ------------------------------------------------------------------------------------- xls

_BOF, _EOF, _BOUNDSHEET, _ROW, _COLINFO = 0x0809, 0x000A, 0x0085, 0x0208, 0x007D


def _xls(path: Path) -> dict[str, SheetState]:
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
        if stream is None:
            return {}
        data = ole.openstream(stream).read()
    sheets: list[tuple[str, int]] = []
    for rtype, body in _records(data, 0):
        if rtype == _BOUNDSHEET and len(body) >= 8:
            offset, kind = struct.unpack_from("<IH", body, 0)
            if (kind >> 8) & 0xFF == 0:  # a worksheet (not a chart or a macro sheet)
                sheets.append((_biff8_name(body[6:]), offset))
        elif rtype == _EOF:
            break
    return {name: _xls_sheet(data, offset) for name, offset in sheets}


def _records(data: bytes, pos: int) -> Iterator[tuple[int, memoryview]]:
    view = memoryview(data)
    n = len(data)
    unpack = struct.Struct("<HH").unpack_from
    while pos + 4 <= n:
        rtype, size = unpack(data, pos)
        yield rtype, view[pos + 4 : pos + 4 + size]
        pos += 4 + size


def _biff8_name(raw: memoryview) -> str:
    length, flags = raw[0], raw[1]
    if flags & 1:
        return bytes(raw[2 : 2 + 2 * length]).decode("utf-16-le", "replace")
    return bytes(raw[2 : 2 + length]).decode("latin-1")


def _xls_sheet(data: bytes, offset: int) -> SheetState:
    state = SheetState()
    depth = 0
    for rtype, body in _records(data, offset):
        if rtype == _BOF:
            depth += 1
        elif rtype == _EOF:
            depth -= 1
            if depth <= 0:
                break
        elif rtype == _ROW and len(body) >= 16 and depth == 1:
            if body[12] & 0x20:  # fDyZero: the row is hidden
                row = struct.unpack_from("<H", body, 0)[0]
                state.hidden_rows.append((row, row))
        elif rtype == _COLINFO and len(body) >= 10 and depth == 1:
            first, last, _, _, options = struct.unpack_from("<HHHHH", body, 0)
            if options & 1:
                state.hidden_cols.append((first, last))
    return state


# ------------------------------------------------------------------------------------- ods

_ODS_TAG = re.compile(rb"<(/?)table:(table-column|table-row|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_CELL = re.compile(rb"<table:(table-cell|covered-table-cell)(?=[\s/>])([^>]*?)/?>")
_NUMBER = re.compile(rb"table:(number-[a-z-]+)\s*=\s*[\"']\+?0*(\d+)[\"']")
_COLLAPSED = re.compile(rb"table:visibility\s*=\s*[\"'](?:collapse|filter)[\"']")
_NAME = re.compile(rb"table:name\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ROW_END = b"</table:table-row>"


def _numbers(attrs: bytes) -> dict[bytes, int]:
    return {k: int(v) for k, v in _NUMBER.findall(attrs)} if b"number-" in attrs else {}


def _ods(path: Path) -> dict[str, SheetState]:
    with zipfile.ZipFile(path) as z:
        content = z.read("content.xml")
    out: dict[str, SheetState] = {}
    state: SheetState | None = None
    row = col = 0
    for m in _ODS_TAG.finditer(content):
        closing, tag, attrs, empty = m.groups()
        if tag == b"table":
            state = None
            name = None if closing else _NAME.search(attrs)
            if name is not None:
                raw = name.group(1) if name.group(1) is not None else name.group(2)
                state = out[_unescape(raw.decode("utf-8", "replace"))] = SheetState(merges=[])
                row = col = 0
        elif state is None or closing:
            continue
        elif tag == b"table-column":
            n = _numbers(attrs).get(b"number-columns-repeated", 1)
            if _COLLAPSED.search(attrs):
                state.hidden_cols.append((col, col + n - 1))
            col += n
        else:  # a row: its cells are read only where one of them spans
            n = _numbers(attrs).get(b"number-rows-repeated", 1)
            if _COLLAPSED.search(attrs):
                state.hidden_rows.append((row, row + n - 1))
            if not empty:
                end = content.find(_ROW_END, m.end())
                end = len(content) if end < 0 else end
                if content.find(b"spanned", m.end(), end) >= 0:
                    _ods_spans(content, m.end(), end, row, state)
            row += n
    return out


def _ods_spans(content: bytes, start: int, end: int, row: int, state: SheetState) -> None:
    col = 0
    assert state.merges is not None
    for m in _ODS_CELL.finditer(content, start, end):
        numbers = _numbers(m.group(2))
        down = numbers.get(b"number-rows-spanned", 1)
        across = numbers.get(b"number-columns-spanned", 1)
        if m.group(1) == b"table-cell" and (down > 1 or across > 1):
            state.merges.append((row, col, row + down - 1, col + across - 1))
        col += numbers.get(b"number-columns-repeated", 1)
