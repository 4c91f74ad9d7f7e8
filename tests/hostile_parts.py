"""Writing the parts of hostile workbooks by hand: xlsx packages, ODS content, raw zips whose
sizes and CRCs we choose, deflate streams assembled without inflating them, and BIFF records.

Used by :mod:`tests.hostile`; nothing here decides what a case expects.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

from branchctl.io.cells import column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships"><sheets><sheet name="附件1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet"/></Relationships>'
)
SHEET_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
    "<sheetData>"
)
SHEET_TAIL = "</sheetData></worksheet>"
A1 = '<row r="1"><c r="A1" t="inlineStr"><is><t>附件1</t></is></c></row>'


def package_parts(
    sheets: Sequence[tuple[str, bytes]], extra: Sequence[tuple[str, bytes]] = ()
) -> list[tuple[str, bytes]]:
    """The parts of an .xlsx holding ``sheets`` (name, worksheet XML), then ``extra`` parts."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    types = CONTENT_TYPES.replace(
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
        overrides,
    )
    listed = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        for i in range(1, len(sheets) + 1)
    )
    workbook = WORKBOOK.replace('<sheet name="附件1" sheetId="1" r:id="rId1"/>', listed)
    workbook_rels = WORKBOOK_RELS.split("<Relationship ")[0] + rels + "</Relationships>"
    parts = [
        ("[Content_Types].xml", types.encode()),
        ("_rels/.rels", ROOT_RELS.encode()),
        ("xl/workbook.xml", workbook.encode()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
    ]
    parts += [(f"xl/worksheets/sheet{i}.xml", data) for i, (_, data) in enumerate(sheets, 1)]
    return parts + list(extra)


def write_package(
    path: Path,
    sheet: bytes,
    extra: Sequence[tuple[str, bytes]] = (),
    sheets: Sequence[tuple[str, bytes]] | None = None,
) -> Path:
    """A minimal .xlsx around one worksheet part (or ``sheets``), written with zipfile."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in package_parts(sheets or [("附件1", sheet)], extra):
            z.writestr(name, data)
    return path


def sheet_xml(rows: str, after: str = "") -> bytes:
    """A worksheet part: 附件1 in A1, then ``rows``; ``after`` follows sheetData (mergeCells)."""
    return (SHEET_HEAD + A1 + rows + "</sheetData>" + after + "</worksheet>").encode()


def small_ledger(path: Path, extra: dict[str, object] | None = None) -> Path:
    """A small valid ledger written by openpyxl, with optional extra cells (address -> value)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "附件1"
    ws.append(["附件1"])
    ws.append(["XX镇党支部分类定级表"])
    ws.append(["序号", "所属党组织", "党支部名称", "基本组织", "组织队伍", "星级"])
    ws.append([1, "XX镇党委", "东村党支部", "√", "√", "2星"])
    ws.append([2, "XX镇党委", "西村党支部", "√", "×", "1星"])
    for ref, value in (extra or {}).items():
        ws[ref] = value
    wb.save(path)
    return path


# --- zip writing by hand: sizes and CRCs as we choose ----------------------------------------


def write_raw_zip(path: Path, entries: Sequence[tuple[str, bytes, int, int]]) -> Path:
    """Zip64 archive of (name, raw deflate data, declared CRC, declared uncompressed size)."""
    with open(path, "wb") as out:
        central = []
        for name, raw, crc, size in entries:
            encoded = name.encode()
            offset = out.tell()
            extra = struct.pack("<HHQQ", 1, 16, size, len(raw))
            out.write(
                struct.pack(
                    "<4sHHHHHIIIHH",
                    b"PK\x03\x04",
                    45,
                    0x800,
                    zipfile.ZIP_DEFLATED,
                    0,
                    0x21,
                    crc,
                    0xFFFFFFFF,
                    0xFFFFFFFF,
                    len(encoded),
                    len(extra),
                )
                + encoded
                + extra
            )
            out.write(raw)
            cextra = struct.pack("<HHQQQ", 1, 24, size, len(raw), offset)
            central.append(
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    45,
                    45,
                    0x800,
                    zipfile.ZIP_DEFLATED,
                    0,
                    0x21,
                    crc,
                    0xFFFFFFFF,
                    0xFFFFFFFF,
                    len(encoded),
                    len(cextra),
                    0,
                    0,
                    0,
                    0,
                    0xFFFFFFFF,
                )
                + encoded
                + cextra
            )
        directory = b"".join(central)
        start = out.tell()
        out.write(directory)
        end64 = out.tell()
        count = len(entries)
        out.write(
            struct.pack(
                "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), start
            )
        )
        out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, end64, 1))
        out.write(
            struct.pack(
                "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0
            )
        )
    return path


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A + B from crc(A), crc(B) and len(B) (zlib's crc32_combine, in Python)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # operator for one zero bit
    even = [_gf2_times(odd, odd[n]) for n in range(32)]  # two zero bits
    odd = [_gf2_times(even, even[n]) for n in range(32)]  # four zero bits
    while True:
        even = [_gf2_times(odd, odd[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = [_gf2_times(even, even[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def repeated_deflate(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate data, CRC and size of head + block * times + tail, without inflating it.

    A full flush after each block resets the compressor's history, so every repetition of the
    block compresses to the same bytes: compress it once and repeat the output.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    packed = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(block) + c.flush(zlib.Z_FULL_FLUSH) == packed
    last = c.compress(tail) + c.flush(zlib.Z_FINISH)
    crc_block, crc_blocks = zlib.crc32(block), 0
    length = 0
    for bit in reversed(range(times.bit_length())):  # crc of block * times by doubling
        crc_blocks, length = _crc32_combine(crc_blocks, crc_blocks, length), length * 2
        if times >> bit & 1:
            crc_blocks, length = (
                _crc32_combine(crc_blocks, crc_block, len(block)),
                length + len(block),
            )
    crc = _crc32_combine(zlib.crc32(head), crc_blocks, length)
    crc = _crc32_combine(crc, zlib.crc32(tail), len(tail))
    return first + packed * times + last, crc, len(head) + length + len(tail)


# --- .xls: BIFF records in an OLE file written by xlwt ---------------------------------------


def biff_records(data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos + 4 <= len(data):
        typ, length = struct.unpack_from("<HH", data, pos)
        out.append((typ, data[pos : pos + 4 + length]))
        pos += 4 + length
    return out


def xls_stream() -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("附件1")
    ws.write(0, 0, "附件1")
    ws.write(1, 0, "东村党支部")
    ws.write(1, 1, 3)
    return bytes(wb.get_biff_data())


def save_xls(path: Path, stream: bytes) -> Path:
    from xlwt import CompoundDoc

    CompoundDoc.XlsDoc().save(str(path), stream)
    return path


def insert_after_first_bof(stream: bytes, record: bytes) -> bytes:
    """Insert a record into the workbook globals, moving the sheet offsets to match."""
    out, inserted = [], False
    for typ, raw in biff_records(stream):
        if typ == 0x0085:  # BOUNDSHEET: absolute offset of the sheet's BOF
            (offset,) = struct.unpack_from("<I", raw, 4)
            raw = raw[:4] + struct.pack("<I", offset + len(record)) + raw[8:]
        out.append(raw)
        if typ == 0x0809 and not inserted:
            out.append(record)
            inserted = True
    return b"".join(out)


# --- .ods ------------------------------------------------------------------------------------


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_content(tables: Sequence[tuple[str, str]]) -> str:
    """content.xml of an .ods holding ``tables`` (name, table:table-row elements)."""
    body = "".join(
        f"<table:table table:name={quoteattr(name)}>{rows}</table:table>" for name, rows in tables
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}"
        "</office:spreadsheet></office:body></office:document-content>"
    )


def write_ods(
    path: Path,
    table_rows: str = "",
    name: str = "附件1",
    tables: Sequence[tuple[str, str]] | None = None,
) -> Path:
    """A minimal .ods whose one table holds ``table_rows`` (table:table-row elements), or
    the ``tables`` given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        z.writestr("content.xml", ods_content(tables or [(name, table_rows)]))
    return path


# --- small ledgers in the standard layout, to carry the hostile parts ---------------------------

ASPECTS = ("基本组织", "组织队伍", "基本活动", "基本制度", "基本保障", "发挥作用")


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def ledger_rows(branches: int = 3) -> str:
    """Rows 2 onwards of a small 附件1 (title, header, ``branches`` branches) after A1."""
    header = ["序号", "所属党组织", "党支部名称", *ASPECTS]
    rows = [f'<row r="2">{text_cell("A2", "城关镇党支部分类定级表")}</row>']
    rows.append(
        '<row r="3">'
        + "".join(text_cell(f"{column_letter(c)}3", h) for c, h in enumerate(header))
        + "</row>"
    )
    for i in range(branches):
        r = 4 + i
        cells = [f'<c r="A{r}"><v>{i + 1}</v></c>', text_cell(f"B{r}", "城关镇党委")]
        cells.append(text_cell(f"C{r}", f"第{i + 1}村党支部"))
        cells += [text_cell(f"{column_letter(3 + k)}{r}", "√") for k in range(len(ASPECTS))]
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(rows)


def merge_cells(refs: list[str]) -> str:
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)
    return f'<mergeCells count="{len(refs)}">{cells}</mergeCells>'


def xls_ledger_stream() -> bytes:
    """The BIFF stream of a small 附件1 (title, header, three branches), written by xlwt."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("附件1")
    for c, value in enumerate(["附件1"]):
        ws.write(0, c, value)
    ws.write(1, 0, "城关镇党支部分类定级表")
    for c, value in enumerate(["序号", "所属党组织", "党支部名称", *ASPECTS]):
        ws.write(2, c, value)
    for i in range(3):
        for c, value in enumerate([i + 1, "城关镇党委", f"第{i + 1}村党支部", *"√" * 6]):
            ws.write(3 + i, c, value)
    return bytes(wb.get_biff_data())


ODS_CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'


def ods_ledger_rows() -> str:
    header = ["序号", "所属党组织", "党支部名称", *ASPECTS]
    rows = [
        f"<table:table-row>{ODS_CELL.format('附件1')}</table:table-row>",
        "<table:table-row>" + "".join(ODS_CELL.format(h) for h in header) + "</table:table-row>",
    ]
    for i in range(3):
        values = [str(i + 1), "城关镇党委", f"第{i + 1}村党支部", *"√" * 6]
        rows.append(
            "<table:table-row>" + "".join(map(ODS_CELL.format, values)) + "</table:table-row>"
        )
    return "".join(rows)
