"""Builders of hostile workbook files: what a clerk's inbox holds on a bad day, and worse.

Each builder takes a folder, writes one file there and returns its path. ``HOSTILE_CASES``
lists ``(name, builder, expected code)`` so any test that reads files (``read_workbook``,
``rate``, ``validate``) can run them all; every one must end in a ``BranchctlError`` with that
code, quickly and within a small memory budget, never in a crash.

Files are small on disk even when they claim to be huge: the zip bomb is a 3 GB sheet of
blanks that takes 3 MB, built from one compressed block repeated (see ``zip_bomb_xlsx``).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

UNREADABLE = "file-unreadable"
ENCRYPTED = "file-encrypted"

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
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
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships"><sheets><sheet name="附件1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet"/></Relationships>'
)
_SHEET_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
    "<sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"
_A1 = '<row r="1"><c r="A1" t="inlineStr"><is><t>附件1</t></is></c></row>'


def _package_parts(sheet: bytes) -> list[tuple[str, bytes]]:
    return [
        ("[Content_Types].xml", _CONTENT_TYPES.encode()),
        ("_rels/.rels", _ROOT_RELS.encode()),
        ("xl/workbook.xml", _WORKBOOK.encode()),
        ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.encode()),
        ("xl/worksheets/sheet1.xml", sheet),
    ]


def _write_package(path: Path, sheet: bytes) -> Path:
    """A minimal .xlsx around one worksheet part, written with zipfile."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _package_parts(sheet):
            z.writestr(name, data)
    return path


def _sheet(rows: str) -> bytes:
    return (_SHEET_HEAD + _A1 + rows + _SHEET_TAIL).encode()


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


def _write_raw_zip(path: Path, entries: Sequence[tuple[str, bytes, int, int]]) -> Path:
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


def _deflate(data: bytes) -> bytes:
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


def _repeated_deflate(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
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


# --- not a spreadsheet at all ---------------------------------------------------------------


def empty_file(folder: Path) -> Path:
    path = folder / "空文件.xlsx"
    path.write_bytes(b"")
    return path


def directory_named_xlsx(folder: Path) -> Path:
    path = folder / "x.xlsx"
    path.mkdir()
    (path / "说明.txt").write_text("这是一个文件夹", encoding="utf-8")
    return path


def random_bytes_xlsx(folder: Path) -> Path:
    path = folder / "乱码.xlsx"
    data = random.Random(20240630).randbytes(64 * 1024)
    path.write_bytes(b"\x00" + data[1:])
    return path


def pdf_named_xlsx(folder: Path) -> Path:
    path = folder / "扫描件.xlsx"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return path


def png_named_xlsx(folder: Path) -> Path:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    path = folder / "截图.xlsx"
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return path


def html_named_xls(folder: Path) -> Path:
    """What many web systems send as "Excel": an HTML table with an .xls name."""
    path = folder / "系统导出.xls"
    path.write_text(
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">\n<head><meta charset="utf-8">'
        "</head><body><table border=1>\n<tr><th>序号</th><th>党支部名称</th><th>星级</th></tr>\n"
        "<tr><td>1</td><td>东村党支部</td><td>3星</td></tr>\n</table></body></html>\n",
        encoding="utf-8",
    )
    return path


def csv_named_xls(folder: Path) -> Path:
    path = folder / "台账导出.xls"
    path.write_bytes("序号,党支部名称,星级\n1,东村党支部,3星\n2,西村党支部,4星\n".encode("gb18030"))
    return path


def tsv_named_xls(folder: Path) -> Path:
    """ "Unicode text" exports: UTF-16 with a BOM, tab separated."""
    path = folder / "统计表.xls"
    path.write_bytes("序号\t党支部名称\t星级\r\n1\t东村党支部\t3星\r\n".encode("utf-16"))
    return path


def plain_zip_named_xlsx(folder: Path) -> Path:
    path = folder / "打包.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("东村/台账.txt", "见附件")
        z.writestr("西村/台账.txt", "见附件")
    return path


def word_named_xlsx(folder: Path) -> Path:
    path = folder / "通知.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return path


# --- broken workbooks -------------------------------------------------------------------------


def truncated_xlsx(folder: Path) -> Path:
    """A download cut short: the zip's central directory is missing."""
    path = small_ledger(folder / "下载中断.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def corrupt_zip_xlsx(folder: Path) -> Path:
    """Bytes of the worksheet's compressed data overwritten: inflating it fails or the CRC does."""
    path = small_ledger(folder / "损坏.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 8, start + info.compress_size - 4, 7):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def missing_parts_xlsx(folder: Path) -> Path:
    path = folder / "缺少部件.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("xl/worksheets/sheet1.xml", _sheet(""))
    return path


def xlsb_named_xlsx(folder: Path) -> Path:
    path = folder / "二进制.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def utf16_sheet_xlsx(folder: Path) -> Path:
    """calamine reads a UTF-16 part as an empty sheet; refuse it with a clear message."""
    path = folder / "UTF16.xlsx"
    sheet = _sheet("").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    return _write_package(path, sheet)


# --- password-protected -----------------------------------------------------------------------


def encrypted_xlsx(folder: Path) -> Path:
    """An .xlsx with an opening password ("123"): an OLE file holding EncryptedPackage."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = small_ledger(folder / "明文.xlsx.tmp")
    path = folder / "加密.xlsx"
    with open(plain, "rb") as src, open(path, "wb") as out:
        OOXMLFile(src).encrypt("123", out)
    plain.unlink()
    return path


def _biff_records(data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos + 4 <= len(data):
        typ, length = struct.unpack_from("<HH", data, pos)
        out.append((typ, data[pos : pos + 4 + length]))
        pos += 4 + length
    return out


def _xls_stream() -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("附件1")
    ws.write(0, 0, "附件1")
    ws.write(1, 0, "东村党支部")
    ws.write(1, 1, 3)
    return bytes(wb.get_biff_data())


def _save_xls(path: Path, stream: bytes) -> Path:
    from xlwt import CompoundDoc

    CompoundDoc.XlsDoc().save(str(path), stream)
    return path


def _insert_after_first_bof(stream: bytes, record: bytes) -> bytes:
    """Insert a record into the workbook globals, moving the sheet offsets to match."""
    out, inserted = [], False
    for typ, raw in _biff_records(stream):
        if typ == 0x0085:  # BOUNDSHEET: absolute offset of the sheet's BOF
            (offset,) = struct.unpack_from("<I", raw, 4)
            raw = raw[:4] + struct.pack("<I", offset + len(record)) + raw[8:]
        out.append(raw)
        if typ == 0x0809 and not inserted:
            out.append(record)
            inserted = True
    return b"".join(out)


def encrypted_xls(folder: Path) -> Path:
    """An .xls whose globals start with FILEPASS (RC4 encryption), as Excel writes it."""
    body = struct.pack("<HHH", 1, 1, 1) + bytes(range(48))
    filepass = struct.pack("<HH", 0x002F, len(body)) + body
    return _save_xls(folder / "加密.xls", _insert_after_first_bof(_xls_stream(), filepass))


# --- bombs ------------------------------------------------------------------------------------


def xml_bomb_xlsx(folder: Path) -> Path:
    """Billion laughs in the worksheet part (calamine stops at it; refuse it by name first)."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    ]
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!DOCTYPE worksheet [{''.join(entities)}]>\n"
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        "&lol9;</t></is></c></row></sheetData></worksheet>"
    )
    return _write_package(folder / "XML炸弹.xlsx", sheet.encode())


def zip_bomb_xlsx(folder: Path, gigabytes: int = 3) -> Path:
    """A worksheet of ``gigabytes`` GB of blanks, a zip64 deflate entry of about 3 MB on disk.

    Writing it through ``ZipFile.open(info, "w", force_zip64=True)`` would compress 3 GB
    (about 25-40 s here); the same deflate stream is assembled from one compressed 4 MB block.
    """
    path = folder / "压缩炸弹.xlsx"
    block = b" " * (4 << 20)
    raw, crc, size = _repeated_deflate(
        _SHEET_HEAD.encode(), block, gigabytes * 256, (_A1 + _SHEET_TAIL).encode()
    )
    entries = [(n, _deflate(d), zlib.crc32(d), len(d)) for n, d in _package_parts(b"")[:-1]]
    entries.append(("xl/worksheets/sheet1.xml", raw, crc, size))
    return _write_raw_zip(path, entries)


def lying_header_xlsx(folder: Path) -> Path:
    """A worksheet that declares 100 KB but inflates to 64 MB (and to a cell at XFD1048576)."""
    path = folder / "大小造假.xlsx"
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    raw, crc, _size = _repeated_deflate(
        (_SHEET_HEAD + _A1).encode(), b" " * (1 << 20), 64, (far + _SHEET_TAIL).encode()
    )
    entries = [(n, _deflate(d), zlib.crc32(d), len(d)) for n, d in _package_parts(b"")[:-1]]
    entries.append(("xl/worksheets/sheet1.xml", raw, crc, 100 << 10))
    return _write_raw_zip(path, entries)


def too_many_entries_xlsx(folder: Path) -> Path:
    path = _write_package(folder / "部件过多.xlsx", _sheet(""))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:
        for i in range(10_001):
            z.writestr(f"customXml/item{i}.xml", b"")
    return path


# --- a dense grid python-calamine would allocate (and abort on) -------------------------------


def far_cell_xlsx(folder: Path) -> Path:
    """A valid workbook (openpyxl) with A1 and one value at XFD1048576: 17 billion cells."""
    return small_ledger(folder / "远处单元格.xlsx", {"XFD1048576": "备注"})


def far_cell_implicit_xlsx(folder: Path) -> Path:
    """Cells without an ``r`` attribute in row 1,048,576: positions come from counting."""
    cells = "<c><v>1</v></c>" * 40
    sheet = _sheet(f'<row r="1048576">{cells}</row>')
    return _write_package(folder / "隐式地址.xlsx", sheet)


def far_cell_lowercase_xlsx(folder: Path) -> Path:
    """calamine accepts lower-case references: ``xfd1048576`` is as far as ``XFD1048576``."""
    sheet = _sheet('<row r="1048576"><c s="0" r="xfd1048576"><v>1</v></c></row>')
    return _write_package(folder / "小写地址.xlsx", sheet)


def far_cell_quoted_xlsx(folder: Path) -> Path:
    """A ``>`` inside an attribute value before ``r``: a naive tag scan would stop at it."""
    sheet = _sheet('<row r="1048576"><c s="0" x=">" r="XFD1048576"><v>1</v></c></row>')
    return _write_package(folder / "引号地址.xlsx", sheet)


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def write_ods(path: Path, table_rows: str, name: str = "附件1") -> Path:
    """A minimal .ods whose one table holds ``table_rows`` (table:table-row elements)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{table_rows}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        z.writestr("content.xml", content)
    return path


def ods_repeated_cell(folder: Path) -> Path:
    """One cell with a value, repeated across 16,384 columns and 1,000,000 rows."""
    rows = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>附件1</text:p>'
        "</table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
    )
    return write_ods(folder / "重复单元格.ods", rows)


def ods_quoted_repeat(folder: Path) -> Path:
    """The row repeat hides behind a ``>`` inside a quoted attribute value."""
    rows = (
        '<table:table-row table:style-name=">" table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"/></table:table-row>'
    )
    return write_ods(folder / "引号重复.ods", rows)


def xls_far_cell(folder: Path) -> Path:
    """An .xls with a NUMBER record at row 65,536, column 65,536 (BIFF allows 16-bit columns)."""
    out, sheets_seen, added = [], 0, False
    for typ, raw in _biff_records(_xls_stream()):
        if typ == 0x0809:
            sheets_seen += 1
        if typ == 0x000A and sheets_seen == 2 and not added:  # EOF of the first sheet
            body = struct.pack("<HHHd", 0xFFFF, 0xFFFF, 0, 7.0)
            out.append(struct.pack("<HH", 0x0203, len(body)) + body)
            added = True
        out.append(raw)
    return _save_xls(folder / "远处单元格.xls", b"".join(out))


def xls_huge_dimensions(folder: Path) -> Path:
    """DIMENSIONS claiming 4 billion rows: calamine reserves that many cells up front."""
    out = []
    for typ, raw in _biff_records(_xls_stream()):
        if typ == 0x0200:
            raw = raw[:4] + struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 256, 0)
        out.append(raw)
    return _save_xls(folder / "声明范围过大.xls", b"".join(out))


Builder = Callable[[Path], Path]

HOSTILE_CASES: list[tuple[str, Builder, str]] = [
    ("empty-file", empty_file, UNREADABLE),
    ("directory-named-xlsx", directory_named_xlsx, UNREADABLE),
    ("random-bytes-xlsx", random_bytes_xlsx, UNREADABLE),
    ("pdf-named-xlsx", pdf_named_xlsx, UNREADABLE),
    ("png-named-xlsx", png_named_xlsx, UNREADABLE),
    ("html-named-xls", html_named_xls, UNREADABLE),
    ("csv-named-xls", csv_named_xls, UNREADABLE),
    ("tsv-named-xls", tsv_named_xls, UNREADABLE),
    ("plain-zip-named-xlsx", plain_zip_named_xlsx, UNREADABLE),
    ("word-named-xlsx", word_named_xlsx, UNREADABLE),
    ("truncated-xlsx", truncated_xlsx, UNREADABLE),
    ("corrupt-zip-xlsx", corrupt_zip_xlsx, UNREADABLE),
    ("missing-parts-xlsx", missing_parts_xlsx, UNREADABLE),
    ("xlsb-named-xlsx", xlsb_named_xlsx, UNREADABLE),
    ("utf16-sheet-xlsx", utf16_sheet_xlsx, UNREADABLE),
    ("encrypted-xlsx", encrypted_xlsx, ENCRYPTED),
    ("encrypted-xls", encrypted_xls, ENCRYPTED),
    ("xml-bomb-xlsx", xml_bomb_xlsx, UNREADABLE),
    ("zip-bomb-xlsx", zip_bomb_xlsx, UNREADABLE),
    ("lying-header-xlsx", lying_header_xlsx, UNREADABLE),
    ("too-many-entries-xlsx", too_many_entries_xlsx, UNREADABLE),
    ("far-cell-xlsx", far_cell_xlsx, UNREADABLE),
    ("far-cell-implicit-xlsx", far_cell_implicit_xlsx, UNREADABLE),
    ("far-cell-lowercase-xlsx", far_cell_lowercase_xlsx, UNREADABLE),
    ("far-cell-quoted-xlsx", far_cell_quoted_xlsx, UNREADABLE),
    ("ods-repeated-cell", ods_repeated_cell, UNREADABLE),
    ("ods-quoted-repeat", ods_quoted_repeat, UNREADABLE),
    ("xls-far-cell", xls_far_cell, UNREADABLE),
    ("xls-huge-dimensions", xls_huge_dimensions, UNREADABLE),
]
