"""Hostile workbook files: what a clerk's inbox holds on a bad day, and what an attacker sends.

- ``HOSTILE_CASES``: ``(name, builder, code)``: files that must be refused with that finding
  code (one Chinese sentence: exit 2 for ``rate``, a finding for ``validate``), quickly and in
  little memory, never a crash;
- ``BOUNDED_CASES``: ``(name, builder)``: odd but harmless files (tens of thousands of merges,
  sheets or tables) that must be read within the same bounds.

Inputs that are not workbooks (FIFOs, devices, link loops, small files) are in
:mod:`tests.hostile_inputs`; the writers of raw parts in :mod:`tests.hostile_parts`. Files are
small on disk even when they claim to be huge: the zip bomb is a 3 GB sheet of blanks that
takes 3 MB, built from one compressed block repeated (see ``zip_bomb_xlsx``).
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from branchctl.io.cells import column_letter
from tests.hostile_parts import (
    A1,
    ASPECTS,
    CONTENT_TYPES,
    MAIN_NS,
    ODS_CELL,
    SHEET_HEAD,
    SHEET_TAIL,
    biff_records,
    deflate,
    insert_after_first_bof,
    ledger_rows,
    merge_cells,
    ods_ledger_rows,
    package_parts,
    repeated_deflate,
    save_xls,
    sheet_xml,
    small_ledger,
    text_cell,
    write_ods,
    write_package,
    write_raw_zip,
    xls_ledger_stream,
    xls_stream,
)

UNREADABLE = "file-unreadable"
ENCRYPTED = "file-encrypted"


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
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml(""))
    return path


def xlsb_named_xlsx(folder: Path) -> Path:
    path = folder / "二进制.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def utf16_sheet_xlsx(folder: Path) -> Path:
    """calamine reads a UTF-16 part as an empty sheet; refuse it with a clear message."""
    path = folder / "UTF16.xlsx"
    sheet = sheet_xml("").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    return write_package(path, sheet)


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


def encrypted_xls(folder: Path) -> Path:
    """An .xls whose globals start with FILEPASS (RC4 encryption), as Excel writes it."""
    body = struct.pack("<HHH", 1, 1, 1) + bytes(range(48))
    filepass = struct.pack("<HH", 0x002F, len(body)) + body
    return save_xls(folder / "加密.xls", insert_after_first_bof(xls_stream(), filepass))


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
    return write_package(folder / "XML炸弹.xlsx", sheet.encode())


def zip_bomb_xlsx(folder: Path, gigabytes: int = 3) -> Path:
    """A worksheet of ``gigabytes`` GB of blanks, a zip64 deflate entry of about 3 MB on disk.

    Writing it through ``ZipFile.open(info, "w", force_zip64=True)`` would compress 3 GB
    (about 25-40 s here); the same deflate stream is assembled from one compressed 4 MB block.
    """
    path = folder / "压缩炸弹.xlsx"
    block = b" " * (4 << 20)
    raw, crc, size = repeated_deflate(
        SHEET_HEAD.encode(), block, gigabytes * 256, (A1 + SHEET_TAIL).encode()
    )
    entries = [
        (n, deflate(d), zlib.crc32(d), len(d)) for n, d in package_parts([("附件1", b"")])[:4]
    ]
    entries.append(("xl/worksheets/sheet1.xml", raw, crc, size))
    return write_raw_zip(path, entries)


def lying_header_xlsx(folder: Path) -> Path:
    """A worksheet that declares 100 KB but inflates to 64 MB (and to a cell at XFD1048576)."""
    path = folder / "大小造假.xlsx"
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    raw, crc, _size = repeated_deflate(
        (SHEET_HEAD + A1).encode(), b" " * (1 << 20), 64, (far + SHEET_TAIL).encode()
    )
    entries = [
        (n, deflate(d), zlib.crc32(d), len(d)) for n, d in package_parts([("附件1", b"")])[:4]
    ]
    entries.append(("xl/worksheets/sheet1.xml", raw, crc, 100 << 10))
    return write_raw_zip(path, entries)


def too_many_entries_xlsx(folder: Path) -> Path:
    path = write_package(folder / "部件过多.xlsx", sheet_xml(""))
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
    sheet = sheet_xml(f'<row r="1048576">{cells}</row>')
    return write_package(folder / "隐式地址.xlsx", sheet)


def far_cell_lowercase_xlsx(folder: Path) -> Path:
    """calamine accepts lower-case references: ``xfd1048576`` is as far as ``XFD1048576``."""
    sheet = sheet_xml('<row r="1048576"><c s="0" r="xfd1048576"><v>1</v></c></row>')
    return write_package(folder / "小写地址.xlsx", sheet)


def far_cell_leading_zero_xlsx(folder: Path) -> Path:
    """``A0000002`` has more digits than ``XFD999999``: a comparison of digit strings by
    length then text would miss the far cell (in a part large enough for the vector scan)."""
    rows = '<row r="2"><c r="A0000002"><v>1</v></c></row>'
    rows += '<row r="3"><c r="B3" s="1"/></row>' * 3000  # past the small-region scan
    rows += '<row r="999999"><c r="XFD999999"><v>1</v></c></row>'
    return write_package(folder / "前导零.xlsx", sheet_xml(rows))


def far_cell_quoted_xlsx(folder: Path) -> Path:
    """A ``>`` inside an attribute value before ``r``: a naive tag scan would stop at it."""
    sheet = sheet_xml('<row r="1048576"><c s="0" x=">" r="XFD1048576"><v>1</v></c></row>')
    return write_package(folder / "引号地址.xlsx", sheet)


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
    for typ, raw in biff_records(xls_stream()):
        if typ == 0x0809:
            sheets_seen += 1
        if typ == 0x000A and sheets_seen == 2 and not added:  # EOF of the first sheet
            body = struct.pack("<HHHd", 0xFFFF, 0xFFFF, 0, 7.0)
            out.append(struct.pack("<HH", 0x0203, len(body)) + body)
            added = True
        out.append(raw)
    return save_xls(folder / "远处单元格.xls", b"".join(out))


def xls_huge_dimensions(folder: Path) -> Path:
    """DIMENSIONS claiming 4 billion rows: calamine reserves that many cells up front."""
    out = []
    for typ, raw in biff_records(xls_stream()):
        if typ == 0x0200:
            raw = raw[:4] + struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 256, 0)
        out.append(raw)
    return save_xls(folder / "声明范围过大.xls", b"".join(out))


# --- merges and spans: a few KB that cover the whole sheet ------------------------------------


def merges_down_60_columns_xlsx(folder: Path) -> Path:
    """A 3 KB ledger whose data columns are merged down to row 1,048,576, 60 of them."""
    refs = [f"{column_letter(c)}4:{column_letter(c)}1048576" for c in range(60)]
    sheet = sheet_xml(ledger_rows(), merge_cells(refs))
    return write_package(folder / "合并到底.xlsx", sheet)


def overlapping_merges_xlsx(folder: Path) -> Path:
    """2,000 merges down, each overlapping the next (no program writes that)."""
    refs = [f"C{r}:D1048576" for r in range(4, 2004)]
    return write_package(folder / "重叠合并.xlsx", sheet_xml(ledger_rows(), merge_cells(refs)))


def full_width_header_merges_xlsx(folder: Path) -> Path:
    """40,000 rows each merged across all 16,384 columns."""
    refs = [f"A{r}:XFD{r}" for r in range(10, 40010)]
    return write_package(folder / "整行合并.xlsx", sheet_xml(ledger_rows(), merge_cells(refs)))


def xls_full_sheet_merges(folder: Path) -> Path:
    """An .xls ledger with 20 overlapping merges, each over the whole 65,536 x 256 sheet."""
    body = struct.pack("<H", 20) + struct.pack("<HHHH", 0, 0xFFFF, 0, 0xFF) * 20
    merged = struct.pack("<HH", 0x00E5, len(body)) + body
    out, sheets_seen = [], 0
    for typ, raw in biff_records(xls_ledger_stream()):
        if typ == 0x0809:
            sheets_seen += 1
        if typ == 0x000A and sheets_seen == 2:  # before the EOF of the first sheet
            out.append(merged)
            sheets_seen += 1
        out.append(raw)
    return save_xls(folder / "整表合并.xls", b"".join(out))


def ods_span_whole_grid(folder: Path) -> Path:
    """A 2 KB ledger with one cell below it spanning every column and a million rows."""
    rows = (
        '<table:table-row><table:table-cell table:number-columns-spanned="16384" '
        'table:number-rows-spanned="1000000" office:value-type="string"><text:p>备注</text:p>'
        "</table:table-cell></table:table-row>"
    )
    return write_ods(folder / "跨越全表.ods", ods_ledger_rows() + rows)


def ods_repeated_spans(folder: Path) -> Path:
    """A ledger, then a row with a 20-column span repeated a million times."""
    rows = (
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-spanned="20"/></table:table-row>'
    )
    return write_ods(folder / "重复跨越.ods", ods_ledger_rows() + rows)


# --- memory: what a part inflates to ----------------------------------------------------------


def inflating_part_xlsx(folder: Path) -> Path:
    """3.8 MB on disk, one cell of 960 MB of text: ratio 254, under the old 400 and 1 GB caps."""
    letters = random.Random(7)
    chunk = bytes(letters.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(256))
    raw, crc, size = repeated_deflate(
        (SHEET_HEAD + A1 + ledger_rows() + '<row r="9"><c r="A9" t="inlineStr"><is><t>').encode(),
        chunk * ((4 << 20) // 256),
        240,
        ("</t></is></c></row>" + SHEET_TAIL).encode(),
    )
    entries = [
        (n, deflate(d), zlib.crc32(d), len(d)) for n, d in package_parts([("附件1", b"")])[:4]
    ]
    entries.append(("xl/worksheets/sheet1.xml", raw, crc, size))
    return write_raw_zip(folder / "高倍膨胀.xlsx", entries)


# --- zip structure ----------------------------------------------------------------------------


def duplicate_entry_xlsx(folder: Path) -> Path:
    """Two ``xl/worksheets/sheet1.xml`` entries: readers disagree on which one counts."""
    path = write_package(folder / "重复部件.xlsx", sheet_xml(""))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is told to write
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
            z.writestr(
                "xl/worksheets/sheet1.xml", sheet_xml('<row r="2"><c r="A2"><v>9</v></c></row>')
            )
    return path


# --- cells and readers' messages --------------------------------------------------------------


def absurd_column_xlsx(folder: Path) -> Path:
    """A cell reference of nine letters: no column has that number."""
    sheet = sheet_xml(f'<row r="2">{text_cell("AAAAAAAAA1", "x")}</row>')
    return write_package(folder / "超长列号.xlsx", sheet)


def reader_error_xlsx(folder: Path) -> Path:
    """A boolean cell holding "x": the pre-scan has nothing against it, the reader refuses it
    (in English, which must not reach the clerk)."""
    sheet = sheet_xml(ledger_rows() + '<row r="9"><c r="A9" t="b"><v>x</v></c></row>')
    return write_package(folder / "读取出错.xlsx", sheet)


# --- harmless, only many: must be read, quickly ----------------------------------------------


def many_small_merges_xlsx(folder: Path) -> Path:
    """A ledger with 40,000 two-cell merges below it (a form printed 40,000 times, say)."""
    refs = [f"A{r}:B{r}" for r in range(10, 40010)]
    return write_package(folder / "小合并四万.xlsx", sheet_xml(ledger_rows(), merge_cells(refs)))


def many_sheets_xlsx(folder: Path) -> Path:
    """A ledger and 9,989 more sheets of one cell each."""
    sheets = [("附件1", sheet_xml(ledger_rows()))]
    sheets += [(f"表{i}", sheet_xml("")) for i in range(2, 9991)]
    path = folder / "九千九百九十表.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in package_parts(sheets):
            z.writestr(name, data)
    return path


def many_tables_ods(folder: Path) -> Path:
    """50,000 tables of one cell each, the first a small ledger."""
    tables = [("附件1", ods_ledger_rows())]
    tables += [
        (f"表{i}", f"<table:table-row>{ODS_CELL.format(i)}</table:table-row>")
        for i in range(2, 50001)
    ]
    return write_ods(folder / "五万表.ods", tables=tables)


def merged_org_ods(folder: Path) -> Path:
    """所属党组织 merged down over three branches: spans must come back as merge ranges."""
    header = ["序号", "所属党组织", "党支部名称", *ASPECTS]
    rows = [
        f"<table:table-row>{ODS_CELL.format('附件1')}</table:table-row>",
        "<table:table-row>" + "".join(ODS_CELL.format(h) for h in header) + "</table:table-row>",
    ]
    for i in range(3):
        org = (
            '<table:table-cell table:number-rows-spanned="3" office:value-type="string">'
            "<text:p>城关镇党委</text:p></table:table-cell>"
            if i == 0
            else "<table:covered-table-cell/>"
        )
        cells = ODS_CELL.format(i + 1) + org + ODS_CELL.format(f"第{i + 1}村党支部")
        rows.append(f"<table:table-row>{cells}{ODS_CELL.format('√') * 6}</table:table-row>")
    return write_ods(folder / "合并党委.ods", "".join(rows))


# --- the lists --------------------------------------------------------------------------------

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
    ("far-cell-leading-zero-xlsx", far_cell_leading_zero_xlsx, UNREADABLE),
    ("ods-repeated-cell", ods_repeated_cell, UNREADABLE),
    ("ods-quoted-repeat", ods_quoted_repeat, UNREADABLE),
    ("xls-far-cell", xls_far_cell, UNREADABLE),
    ("xls-huge-dimensions", xls_huge_dimensions, UNREADABLE),
    ("merges-down-60-columns-xlsx", merges_down_60_columns_xlsx, UNREADABLE),
    ("overlapping-merges-xlsx", overlapping_merges_xlsx, UNREADABLE),
    ("full-width-header-merges-xlsx", full_width_header_merges_xlsx, UNREADABLE),
    ("xls-full-sheet-merges", xls_full_sheet_merges, UNREADABLE),
    ("ods-span-whole-grid", ods_span_whole_grid, UNREADABLE),
    ("ods-repeated-spans", ods_repeated_spans, UNREADABLE),
    ("inflating-part-xlsx", inflating_part_xlsx, UNREADABLE),
    ("duplicate-entry-xlsx", duplicate_entry_xlsx, UNREADABLE),
    ("absurd-column-xlsx", absurd_column_xlsx, UNREADABLE),
    ("reader-error-xlsx", reader_error_xlsx, UNREADABLE),
]

BOUNDED_CASES: list[tuple[str, Builder]] = [
    ("many-small-merges-xlsx", many_small_merges_xlsx),
    ("many-sheets-xlsx", many_sheets_xlsx),
    ("many-tables-ods", many_tables_ods),
    ("merged-org-ods", merged_org_ods),
]


def build_all(folder: Path) -> dict[str, tuple[Path, str]]:
    """Every file of HOSTILE_CASES (name -> (path, code)) built in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: (Path(builder(folder)), code) for name, builder, code in HOSTILE_CASES}
