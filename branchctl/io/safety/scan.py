"""Checks run on every workbook before python-calamine opens it: treat each file as hostile.

python-calamine cannot be trusted with a hostile file: it builds a dense grid from the used
range, so one cell at XFD1048576 makes it allocate 17 billion cells and the Rust allocator
aborts the whole process (no exception to catch); an .xls ``DIMENSIONS`` record makes it
reserve that many cells up front; a zip part may inflate to gigabytes. ``check_file`` looks at
the bytes first, cheaply, and refuses such a file with a one-sentence Chinese message
(``BranchctlError``, code ``file-unreadable`` or ``file-encrypted``).

What is checked, in order:

- the kind from the content, not the name: zip (.xlsx, .xlsm, .ods), OLE (.xls, or an
  encrypted .xlsx), or something else (empty, PDF, image, HTML or CSV exported by a web
  system and named .xls, ...), each with its own message;
- zip: the end-of-central-directory record (entry count, directory size) before Python's
  zipfile reads the directory; required parts; declared uncompressed total and per-part
  compression ratio; then every part is streamed through zipfile (bounded by its declared
  size, CRC checked at the end: a lying header is caught); XML parts must not start with a
  DTD (XML bomb) or be UTF-16; every xlsx part and the ODS ``content.xml`` are scanned for the
  extent of the cells python-calamine would materialise (a fast pass, and an exact XML parse
  when the fast pass cannot vouch for the part);
- OLE: the compound-file structure, an ``EncryptedPackage`` stream (password-protected .xlsx),
  and every record of the BIFF ``Workbook`` stream: ``FILEPASS`` (password-protected .xls),
  the ``SST`` count, ``DIMENSIONS`` and the cell coordinates of each sheet.

Costs, 100,000 branches x 20 columns (calamine's own read in brackets): .xlsx 0.45 s (3.6 s),
LibreOffice .ods 2.0 s (2.6 s); a full 65,536-row .xls 0.5 s (0.7 s).
"""

from __future__ import annotations

import codecs
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from branchctl.errors import BranchctlError, os_reason
from branchctl.io.cells import HUGE as _HUGE
from branchctl.io.cells import cell_name
from branchctl.io.cells import column_number as _col_number

# A sheet whose used range is larger than this many cells is refused rather than read:
# a stray cell at XFD1048576 would otherwise make a dense grid of 17 billion cells.
MAX_CELLS = 12_000_000

# --- limits ------------------------------------------------------------------------------
# Measured on a 100,000-branch x 20-column ledger written by xlsxwriter (inline strings, the
# largest form): one 97 MB worksheet part, 8.6 MB on disk (ratio 11); the same ledger saved
# by LibreOffice as .ods has a 217 MB content.xml (ratio 42). The limits leave ten times that
# room for a provincial ledger, and refuse what no spreadsheet program writes.

# Entries in the zip's central directory; a workbook has tens, one with many sheets and
# pictures a few hundred.
MAX_ZIP_ENTRIES = 10_000
# Bytes of central directory that zipfile reads into memory before anything else.
MAX_CENTRAL_DIRECTORY_BYTES = 16 << 20
# Sum of the declared uncompressed sizes of all parts (10x the 100k-branch ledger).
MAX_UNCOMPRESSED_TOTAL = 1 << 30
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
_CHUNK = 1 << 20

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_SUFFIXES = (".xml", ".rels")
_NOT_SHEETS = (".vml", "xl/sharedstrings.xml", "xl/styles.xml")


def check_file(path: str | Path) -> str:
    """Return the real format of a workbook (``"xlsx"``, ``"xls"`` or ``"ods"``) from its content.

    Raises BranchctlError (code ``file-unreadable`` or ``file-encrypted``) for anything that is
    not a workbook python-calamine can open safely. Never writes to the file.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise BranchctlError("文件不存在", path=p) from None
    except OSError as e:
        raise BranchctlError(f"无法读取文件信息（{os_reason(e)}）", path=p) from e
    if stat.S_ISDIR(st.st_mode):
        raise BranchctlError("这是一个文件夹而不是工作簿文件", path=p)
    if not stat.S_ISREG(st.st_mode):
        raise BranchctlError("不是普通文件，无法作为工作簿读取", path=p)
    if st.st_size == 0:
        raise BranchctlError(
            "文件是空的（0 字节），可能导出或拷贝时出错，请重新获取后再提交", path=p
        )
    try:
        with open(p, "rb") as f:
            head = f.read(8192)
    except OSError as e:
        raise BranchctlError(f"无法打开文件（{os_reason(e)}）", path=p) from e
    if head.startswith(ZIP_MAGIC):
        return _check_zip(p, st.st_size)
    if head.startswith(OLE_MAGIC):
        return _check_ole(p, st.st_size)
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise _corrupt_zip(p)
    raise _not_a_spreadsheet(p, head)


# --- what a non-spreadsheet file is -------------------------------------------------------

_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_ARCHIVES = (
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
)
_HTML_MARKERS = (b"<html", b"<!doctype html", b"<table", b"<head", b"<body", b"<meta", b"<style")


def _not_a_spreadsheet(path: Path, head: bytes) -> BranchctlError:
    """Name what the file is instead, with what the clerk should do about it."""
    suffix = path.suffix or "（无扩展名）"
    if head.startswith(b"%PDF"):
        return BranchctlError(
            "这是 PDF 文件而不是 Excel 工作簿，请提交原始的 .xlsx 表格", path=path
        )
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            return BranchctlError(
                f"这是 {kind} 图片而不是 Excel 工作簿，请提交原始的 .xlsx 表格", path=path
            )
    webp = head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    bmp = head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00"
    if webp or bmp:
        return BranchctlError("这是图片文件而不是 Excel 工作簿，请提交原始的 .xlsx 表格", path=path)
    for magic, kind in _ARCHIVES:
        if head.startswith(magic):
            return BranchctlError(
                f"这是 {kind} 压缩包而不是工作簿，请解压后分别提交其中的表格", path=path
            )
    if len(head) >= 4 and head[0] == 0x09 and head[1] in (0, 2, 4) and head[2] in (4, 6, 8, 16):
        return BranchctlError(
            "这是 Excel 4.0 或更早版本的表格，格式过旧，请用 Excel 打开后另存为 .xlsx 再提交",
            path=path,
        )
    text = _decode_text(head)
    if text is None:
        return BranchctlError(
            "文件内容不是 Excel 工作簿（.xlsx、.xls）或 ODS 表格，可能已损坏或并非表格文件",
            path=path,
        )
    low = text.lstrip().lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in low or (
        low.startswith("<?xml") and "<workbook" in low
    ):
        return BranchctlError(
            f"这是 Excel 2003 XML 表格，只是扩展名为 {suffix}，"
            "请用 Excel 打开后“另存为”Excel 工作簿（.xlsx）再提交",
            path=path,
        )
    if (
        any(m.decode() in low[:4096] for m in _HTML_MARKERS)
        or "urn:schemas-microsoft-com:office:excel" in low
    ):
        return BranchctlError(
            f"这是从网页系统导出的 HTML 网页，只是扩展名为 {suffix}，"
            "请用 Excel 打开后“另存为”Excel 工作簿（.xlsx）再提交",
            path=path,
        )
    if low.startswith("<?xml") or low.startswith("<"):
        return BranchctlError("这是 XML 文本文件而不是 Excel 工作簿，请提交 .xlsx 表格", path=path)
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    tabs = sum(ln.count("\t") for ln in lines)
    commas = sum(ln.count(",") + ln.count("，") for ln in lines)
    if lines and (tabs or commas):
        kind = "制表符分隔（TSV）" if tabs >= commas else "逗号分隔（CSV）"
        return BranchctlError(
            f"这是从网页系统导出的{kind}文本，只是扩展名为 {suffix}，"
            "请用 Excel 打开后“另存为”Excel 工作簿（.xlsx）再提交",
            path=path,
        )
    return BranchctlError("这是纯文本文件而不是 Excel 工作簿，请提交 .xlsx 表格", path=path)


def _decode_text(head: bytes) -> str | None:
    """The head as text if it looks like text (UTF-8, UTF-16 with BOM or GB18030), else None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        if b"\x00" in head:
            return None
        encodings = ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            # Incremental: the head may end inside a multi-byte character.
            text = codecs.getincrementaldecoder(enc)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
        if controls <= len(text) // 100:
            return text
    return None


# --- zip container (.xlsx, .xlsm, .ods) ----------------------------------------------------


def _corrupt_zip(path: Path) -> BranchctlError:
    return BranchctlError(
        "文件不完整或已损坏（压缩结构无法解析），可能下载或拷贝时中断，请重新获取后再提交",
        path=path,
    )


def _check_zip(path: Path, size: int) -> str:
    _check_end_record(path, size)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise _corrupt_zip(path) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _too_many_entries(path, len(infos))
        fmt = _zip_kind(path, zf, {i.filename for i in infos})
        _check_declared_sizes(path, infos)
        labels = _sheet_labels(path, zf) if fmt == "xlsx" else {}
        for info in infos:
            _scan_part(path, zf, info, fmt, labels)
    return fmt


def _too_many_entries(path: Path, n: int) -> BranchctlError:
    return BranchctlError(
        f"压缩结构包含 {n:,} 个部件，超过安全上限 {MAX_ZIP_ENTRIES:,} 个，疑似恶意构造的文件，已拒绝读取",
        path=path,
    )


def _check_end_record(path: Path, size: int) -> None:
    """Check the entry count and directory size before zipfile loads the whole directory."""
    with open(path, "rb") as f:
        tail_len = min(size, 22 + 65535)
        f.seek(size - tail_len)
        tail = f.read(tail_len)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise _corrupt_zip(path)
        entries, cd_size = struct.unpack_from("<HI", tail, at + 10)
        if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
            loc = at - 20
            if loc < 0 or tail[loc : loc + 4] != b"PK\x06\x07":
                raise _corrupt_zip(path)
            (z64_offset,) = struct.unpack_from("<Q", tail, loc + 8)
            if z64_offset + 56 > size:
                raise _corrupt_zip(path)
            f.seek(z64_offset)
            rec = f.read(56)
            if len(rec) < 56 or rec[:4] != b"PK\x06\x06":
                raise _corrupt_zip(path)
            entries, cd_size = struct.unpack_from("<QQ", rec, 32)
    if entries > MAX_ZIP_ENTRIES:
        raise _too_many_entries(path, entries)
    if cd_size > min(MAX_CENTRAL_DIRECTORY_BYTES, size):
        raise BranchctlError(
            f"压缩目录大小异常（{_size(cd_size)}），疑似恶意构造或已损坏的文件，已拒绝读取",
            path=path,
        )


def _zip_kind(path: Path, zf: zipfile.ZipFile, names: set[str]) -> str:
    """xlsx or ods from the parts present; a clear refusal for any other zip."""
    if (
        "xl/workbook.xml" in names
        or "[Content_Types].xml" in names
        and any(n.startswith("xl/") for n in names)
    ):
        missing = [n for n in ("[Content_Types].xml", "xl/workbook.xml") if n not in names]
        if "xl/workbook.bin" in names:
            raise BranchctlError(
                "这是 Excel 二进制工作簿（.xlsb），暂不支持，请用 Excel 另存为 .xlsx 后再提交",
                path=path,
            )
        if missing:
            raise _missing_parts(path, missing)
        return "xlsx"
    if "word/document.xml" in names:
        raise BranchctlError("这是 Word 文档而不是 Excel 工作簿，请提交 .xlsx 表格", path=path)
    if "ppt/presentation.xml" in names:
        raise BranchctlError(
            "这是 PowerPoint 演示文稿而不是 Excel 工作簿，请提交 .xlsx 表格", path=path
        )
    if "mimetype" in names or "content.xml" in names:
        mimetype = b""
        if "mimetype" in names:
            try:
                with zf.open("mimetype") as f:
                    mimetype = f.read(200).strip()
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
                raise _corrupt_zip(path) from None
        if mimetype and mimetype != b"application/vnd.oasis.opendocument.spreadsheet":
            raise BranchctlError(
                "这是 OpenDocument 文本或演示文档而不是电子表格，请提交 .xlsx 或 .ods 表格",
                path=path,
            )
        if "content.xml" not in names:
            raise _missing_parts(path, ["content.xml"])
        return "ods"
    if "[Content_Types].xml" in names:
        raise _missing_parts(path, ["xl/workbook.xml"])
    raise BranchctlError("这是普通 zip 压缩包而不是工作簿，请解压后分别提交其中的表格", path=path)


def _missing_parts(path: Path, missing: list[str]) -> BranchctlError:
    return BranchctlError(
        f"压缩结构中缺少工作簿必需的部件（{'、'.join(missing)}），不是完整的工作簿，"
        "请用 Excel 重新保存后提交",
        path=path,
    )


def _check_declared_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_UNCOMPRESSED_TOTAL:
            raise BranchctlError(
                f"解压后总大小超过 {_size(total)}（安全上限 {_size(MAX_UNCOMPRESSED_TOTAL)}），"
                "疑似“压缩炸弹”，已拒绝读取",
                path=path,
            )
        if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise BranchctlError(
                f"部件 {info.filename} 的压缩比高达 {ratio:,.0f} 倍（解压后 {_size(info.file_size)}），"
                "疑似“压缩炸弹”，已拒绝读取",
                path=path,
            )


def _sheet_labels(path: Path, zf: zipfile.ZipFile) -> dict[str, str] | None:
    """Map worksheet part names to sheet names, from workbook.xml and its rels (None: unknown)."""
    from defusedxml import ElementTree as SafeET

    def parse(name: str) -> object | None:
        try:
            info = zf.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_INDEX_PART_BYTES:
            return None
        try:
            with zf.open(info) as f:
                data = f.read(MAX_INDEX_PART_BYTES)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
            return None  # reported when the part is scanned
        _check_prolog(path, name, data, utf16=False)
        try:
            return SafeET.fromstring(data)
        except Exception:  # any parse failure: calamine will report the broken workbook
            return None

    book, rels = parse("xl/workbook.xml"), parse("xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return None
    targets: dict[str, str] = {}
    for el in rels.iter():  # type: ignore[attr-defined]
        if str(el.tag).endswith("Relationship") and el.get("Id") and el.get("Target"):
            target = str(el.get("Target"))
            if target.startswith("/"):
                part = target.lstrip("/")
            else:
                part = posixpath.normpath(posixpath.join("xl", target))
            targets[str(el.get("Id"))] = part
    labels: dict[str, str] = {}
    for el in book.iter():  # type: ignore[attr-defined]
        if str(el.tag).endswith("}sheet") or el.tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if str(k).endswith("}id")), None)
            if rid in targets:
                if targets[rid] in labels:
                    raise _shared_sheet_data(path)
                labels[targets[rid]] = str(el.get("name") or targets[rid])
    return labels


def _scan_part(
    path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, fmt: str, labels: dict[str, str] | None
) -> None:
    """Stream one part through zipfile: size and CRC, DTD, and the cell extent of sheets."""
    name = info.filename
    if name.endswith("/") and info.file_size == 0:
        return
    if info.flag_bits & 0x1:
        raise BranchctlError(
            "工作簿的压缩内容经过加密，无法读取，请取消加密后重新提交",
            path=path,
            code="file-encrypted",
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise BranchctlError(
            f"部件 {name} 使用了不受支持的压缩方式，请用 Excel 重新保存为 .xlsx 后提交", path=path
        )
    sheet = labels is not None and name in labels
    named_xml = name.lower().endswith(_XML_SUFFIXES) or sheet
    # Parts calamine reads must be UTF-8 (it reads a UTF-16 sheet as empty); others, such as
    # customXml items, may be UTF-16 and are only checked for a DTD.
    read_by_calamine = sheet or name.startswith("xl/") or name in ("content.xml", "styles.xml")
    # A part that fits one chunk (nearly all of them) is read once, whole: zipfile stops at the
    # declared size and checks the CRC, so a lying size cannot make it read more.
    whole: bytes | None = None
    try:
        with zf.open(info) as f:
            if info.file_size <= _CHUNK:
                whole = f.read(_CHUNK + 1)
                head = whole[:64]
            else:
                head = f.read(64)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise _bad_part(path, name) from e
    xml_like = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<") or _utf16_xml(head)

    def check_xml(first: bytes) -> None:
        if named_xml or xml_like:
            _check_prolog(path, name, first, utf16=not read_by_calamine)

    # The cell scan runs on every UTF-8 XML part, whatever its name (a relationship can make any
    # part a worksheet), except, when workbook.xml's relationships are known and no sheet points
    # to them, legacy VML drawings (often not well-formed) and the big shared strings and styles.
    scanner: _Scanner | None = None
    skipped = labels is not None and not sheet and name.lower().endswith(_NOT_SHEETS)
    if fmt == "xlsx" and (sheet or xml_like and not skipped and not _utf16_xml(head)):
        scanner = _XlsxCells()
    elif fmt == "ods" and name == "content.xml":
        scanner = _OdsCells(path)
    try:
        _stream_part(path, zf, info, check_xml, scanner, whole)
        if isinstance(scanner, _XlsxCells) and scanner.needs_exact():
            label = labels.get(name, name) if labels else name
            _stream_part(path, zf, info, None, _XlsxExactCells(path, label), whole)
        if isinstance(scanner, _OdsCells) and scanner.needs_exact:
            _stream_part(path, zf, info, None, _OdsExactCells(path), whole)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        # zipfile: BadZipFile for a CRC or size mismatch, EOFError or zlib.error for a
        # truncated or corrupt deflate stream.
        raise _bad_part(path, name) from e


def _bad_part(path: Path, name: str) -> BranchctlError:
    return BranchctlError(
        f"部件 {name} 的内容与压缩目录记录不符（解压或校验失败），文件已损坏或被篡改，请重新获取后再提交",
        path=path,
    )


class _Scanner:
    """Receives a part's text region by region; each region ends just before a ``<``."""

    def feed(self, region: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self) -> None:  # pragma: no cover - interface
        pass


def _stream_part(
    path: Path,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    check_xml: Callable[[bytes], None] | None,
    scanner: _Scanner | None,
    whole: bytes | None = None,
) -> None:
    """Read the part to its end (zipfile stops at the declared size and checks the CRC).

    The scanner gets regions that never split a tag: each ends just before a ``<`` (or in
    text), the rest is carried over; a tag longer than MAX_TAG_BYTES is refused. ``whole``:
    the part already read in full (at most one chunk), given to the scanner as one region.
    """
    if whole is not None:
        if len(whole) != info.file_size:
            raise zipfile.BadZipFile(info.filename)
        if check_xml is not None:
            check_xml(whole)
        if scanner is not None:  # no tag can exceed MAX_TAG_BYTES (= the chunk) in it
            if whole:
                scanner.feed(whole)
            scanner.finish()
        return
    with zf.open(info) as f:
        carry = b""
        total = 0
        while True:
            chunk = f.read(_CHUNK)
            if total == 0 and check_xml is not None:
                check_xml(chunk)
            total += len(chunk)
            if scanner is None:
                if not chunk:
                    break
                continue
            buf = carry + chunk if carry else chunk
            carry = b""
            if not chunk:
                if buf:
                    scanner.feed(buf)
                break
            cut = buf.rfind(b"<")
            if cut > 0:
                scanner.feed(buf[:cut])
                carry = buf[cut:]
            elif cut < 0 or buf.find(b">") >= 0:
                scanner.feed(buf)  # text only, or one complete tag followed by text
            elif len(buf) > MAX_TAG_BYTES:
                raise BranchctlError(
                    f"部件 {info.filename} 中有一个超过 {_size(MAX_TAG_BYTES)} 的 XML 标签，"
                    "结构异常，已拒绝读取",
                    path=path,
                )
            else:
                carry = buf
        if total != info.file_size:  # zipfile checks this too; keep the invariant explicit
            raise zipfile.BadZipFile(info.filename)
    if scanner is not None:
        scanner.finish()


# --- XML prolog: no DTD (XML bombs), no UTF-16 -----------------------------------------------

_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _utf16_xml(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 4 and b"<" in head[:2] and b"\x00" in head[:4]
    )


def _check_prolog(path: Path, part: str, head: bytes, utf16: bool) -> None:
    """No DTD before the root element (billion laughs, external entities); UTF-16 if allowed."""
    data = head[:MAX_PROLOG_BYTES]
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif _utf16_xml(data):
        if not utf16:
            raise BranchctlError(
                f"部件 {part} 使用了不受支持的文字编码（UTF-16），请用 Excel 重新保存后提交",
                path=path,
            )
        encoding = (
            "utf-16"
            if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            else ("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
        )
        data = data.decode(encoding, "replace").encode("utf-8")[:MAX_PROLOG_BYTES]
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(data, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = data[pos : pos + 16].lstrip()
    if rest.startswith((b"<!--", b"<?")) or (not rest and len(head) > MAX_PROLOG_BYTES):
        raise BranchctlError(
            f"部件 {part} 的 XML 开头异常（超过 {_size(MAX_PROLOG_BYTES)} 仍未开始正文），已拒绝读取",
            path=path,
        )
    if rest.startswith(b"<!"):
        raise BranchctlError(
            f"部件 {part} 含有 DTD 声明（<!DOCTYPE>），可被用作“XML 炸弹”，正常的表格文件不会包含，已拒绝读取",
            path=path,
        )


# --- xlsx worksheets: the extent calamine would materialise -----------------------------------
#
# calamine positions a cell by its ``r`` attribute (upper or lower case letters), or, without
# one, by counting cells in the row and rows in the sheet. Cells without a value (``<c r="X"/>``,
# ``<c r="X"></c>``) are dropped. The dense grid spans A1 to the farthest cell with a value.
#
# The fast path (numpy, about 0.3 s per 100 MB of sheet XML) reads every cell tag of the form
# every spreadsheet program writes, ``<c r="AB12"`` (``r`` first, double quotes, upper case),
# and takes the exact maximum row and column, counting empty cells too. A tag in any other form
# (no ``r``, a prefix, other quoting or case), or a maximum beyond the limit, sends the part to
# the exact scan, which walks every row and cell tag as calamine does and skips empty cells.

_PAD = b"\x00" * 32
_DELIM = np.zeros(256, dtype=bool)
_DELIM[[9, 10, 13, 32, 47, 62]] = True  # what may follow an element name: space / >


def _in_range(x: np.ndarray, lo: int, count: int) -> np.ndarray:
    """x in [lo, lo + count) for uint8 arrays (wrap-around makes it one comparison)."""
    return (x - np.uint8(lo)) < np.uint8(count)


def _lex_max(a: np.ndarray, starts: np.ndarray, width: int) -> int:
    """The start of the greatest of the equal-width byte strings a[s : s + width]."""
    for k in range(width):
        digits = a[starts + k]
        starts = starts[digits == digits.max()]
    return int(starts[0])


class _XlsxCells(_Scanner):
    """Exact maximum row and column over standard cell tags, empty cells included."""

    def __init__(self) -> None:
        self.rows = 0
        self.cols = 0
        self.irregular = False
        self.prefix: bytes | None = None  # b"" or the namespace prefix the cells use (x:c)

    def feed(self, region: bytes) -> None:
        if self.irregular:
            return
        found = _standard_cell_extent(region, self.prefix or b"")
        if found is None and self.prefix is None:  # the first cells may carry a prefix
            m = _FIRST_CELL.search(region)
            self.prefix = m.group(1) or b"" if m else b""
            found = _standard_cell_extent(region, self.prefix) if self.prefix else None
        elif found is not None and found != (0, 0) and self.prefix is None:
            self.prefix = b""
        if found is None:
            self.irregular = True
        else:
            self.rows = max(self.rows, found[0])
            self.cols = max(self.cols, found[1])

    def needs_exact(self) -> bool:
        """True unless every cell tag was standard and the extent is within the limits."""
        return (
            self.irregular
            or self.rows > EXCEL_MAX_ROWS
            or self.cols > EXCEL_MAX_COLS
            or self.rows * self.cols > MAX_CELLS
        )


_FIRST_CELL = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?c[\s/>]")


def _tags_ending(a: np.ndarray, n: int, lead: bytes) -> np.ndarray:
    """Offsets in a[:n] just past ``lead`` (b"<c", b"<x:c") where a delimiter follows it."""
    first = int.from_bytes(lead[:2], "little")
    even = n & ~1
    pos = np.concatenate(
        (
            np.flatnonzero(a[:even].view(np.uint16) == first) * 2,
            np.flatnonzero(a[1 : even + 1].view(np.uint16) == first) * 2 + 1,
        )
    )
    pos = pos[pos < n]
    for k in range(2, len(lead)):
        pos = pos[a[pos + k] == lead[k]]
    pos = pos + len(lead)
    return pos[_DELIM[a[pos]]]


# Every tag the fast path counts or checks starts ``<c`` or ``:c`` followed by a delimiter
# (_DELIM); a region without one has no cells (most parts besides the sheets). Two patterns
# that each start with a literal byte are searched several times faster than one ``[<:]c``.
_CELL_TAG = re.compile(rb"<c[\t\n\r />]")
_PREFIXED_CELL_TAG = re.compile(rb":c[\t\n\r />]")


def _standard_cell_extent(region: bytes, prefix: bytes) -> tuple[int, int] | None:
    """(max row, max column), 1-based, of the cells in region; None if any tag is not standard.

    Standard: ``<c r="AB12"`` (or ``<x:c r=...`` when the part's cells all use prefix x).
    """
    if _CELL_TAG.search(region) is None and _PREFIXED_CELL_TAG.search(region) is None:
        return 0, 0  # no cell tag, prefixed or not, and no ``x:c`` end tag: nothing to count
    n = len(region)
    a = np.frombuffer(region + _PAD + b"\x00" * len(prefix), dtype=np.uint8)
    cells = _tags_ending(a, n, b"<" + prefix + b":c" if prefix else b"<c")
    if region.find(b":") >= 0:  # every <anything:c ...> must be one of those, or its end tag
        colons = np.flatnonzero(a[:n] == 58)
        expected = len(cells) + len(_tags_ending(a, n, b"</" + prefix + b":c")) if prefix else 0
        if ((a[colons + 1] == 99) & _DELIM[a[colons + 2]]).sum() != expected:
            return None
    if prefix and len(_tags_ending(a, n, b"<c")):
        return None  # unprefixed cells besides prefixed ones
    if not len(cells):
        return 0, 0
    ok = a[cells] == 32
    ok &= a[cells + 1] == 114
    ok &= a[cells + 2] == 61
    ok &= a[cells + 3] == 34
    if not ok.all():
        return None
    p = cells + 4  # first letter of the reference
    if not _in_range(a[p], 65, 26).all():
        return None
    two = _in_range(a[p + 1], 65, 26)
    p2 = p[two]
    three = _in_range(a[p2 + 2], 65, 26)
    if _in_range(a[p2[three] + 3], 65, 26).any():
        return None  # four letters: beyond XFD
    letters = 1 + two.astype(np.int64)
    letters[np.flatnonzero(two)[three]] += 1
    q = p + letters  # first digit
    run = _in_range(a[q], 48, 10)
    if not run.all():
        return None
    digits = np.ones(len(q), dtype=np.int64)
    for k in range(1, 8):
        run &= _in_range(a[q + k], 48, 10)
        if not run.any():
            break
        digits += run
    if (a[q + digits] != 34).any():
        return None  # eight digits or more, or junk after the number
    most_digits, most_letters = int(digits.max()), int(letters.max())
    r = _lex_max(a, q[digits == most_digits], most_digits)
    c = _lex_max(a, p[letters == most_letters], most_letters)
    return int(region[r : r + most_digits]), _col_number(region[c : c + most_letters])


# --- exact scans: parse the part as XML ------------------------------------------------------
#
# quick-xml (under calamine) honours quotes: ``<c x=">" r="XFD1">`` is one tag, and a ``<``
# inside an attribute value is text, so no byte pattern can be trusted with a hostile file. The
# exact scans parse the part with expat (no DTD: refused before) and see the elements calamine
# sees; a part expat rejects as malformed is refused. About 3-5 s per 100 MB of XML: used only
# when a fast scan cannot vouch for a part.


class _Elements(_Scanner):
    """Feeds a part to expat; subclasses get ``start(name, attrs)`` and ``end(name)``."""

    def __init__(self, path: Path, part: str) -> None:
        from xml.parsers import expat

        self.path, self.part = path, part
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.StartDoctypeDeclHandler = self._no_dtd
        self.parser.EntityDeclHandler = self._no_dtd

    def _no_dtd(self, *args: object) -> None:
        raise ValueError("DTD")

    def feed(self, region: bytes) -> None:
        self._parse(region, False)

    def finish(self) -> None:
        self._parse(b"", True)

    def _parse(self, data: bytes, final: bool) -> None:
        from xml.parsers import expat

        try:
            self.parser.Parse(data, final)
        except ValueError:  # raised by _no_dtd
            raise BranchctlError(
                f"部件 {self.part} 含有 DTD 声明，可被用作“XML 炸弹”，正常的表格文件不会包含，已拒绝读取",
                path=self.path,
            ) from None
        except expat.ExpatError as e:
            raise BranchctlError(
                f"部件 {self.part} 不是格式正确的 XML（第 {e.lineno} 行第 {e.offset + 1} 列附近），"
                "文件已损坏或被恶意构造，已拒绝读取",
                path=self.path,
            ) from None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        raise NotImplementedError  # pragma: no cover - interface

    def end(self, name: str) -> None:
        raise NotImplementedError  # pragma: no cover - interface


_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")


class _XlsxExactCells(_Elements):
    """Exact extent of the cells with a value, positioned as calamine positions them."""

    def __init__(self, path: Path, label: str) -> None:
        super().__init__(path, label)
        self.label = label
        self.row_index = 0  # an upper bound of calamine's current row (0-based)
        self.col_index = 0
        self.pending: tuple[int, int] | None = None  # an open <c> whose value is not yet seen
        self.pending_value = False
        self.max_row = -1
        self.max_col = -1
        self.far: tuple[int, int] = (0, 0)

    def _hit(self, row: int, col: int) -> None:
        self.max_row = max(self.max_row, row)
        self.max_col = max(self.max_col, col)
        if (row + 1) * (col + 1) > (self.far[0] + 1) * (self.far[1] + 1):
            self.far = (row, col)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            if self.pending is not None:  # a <c> inside a <c>: count the outer one
                self._hit(*self.pending)
            ref = attrs.get("r")
            pos = self._position(ref.encode() if ref is not None else None)
            self.pending = None
            if pos is not None:  # calamine rejects a malformed reference itself
                self.col_index = pos[1] + 1
                self.pending, self.pending_value = pos, False
        elif local == "row":
            # calamine sets its row from r on <row r="5">, but may skip an empty <row r="5"/>
            # (expat reports both alike): keep the larger, an upper bound either way.
            ref = attrs.get("r", "")
            if ref.isdigit() and len(ref) <= 12:
                self.row_index = max(self.row_index, int(ref) - 1)
        elif self.pending is not None:
            self.pending_value = True  # <v>, <is>, <f> inside the cell

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            if self.pending is not None and self.pending_value:
                self._hit(*self.pending)
            self.pending = None
        elif local == "row":
            self.row_index += 1
            self.col_index = 0

    def _position(self, value: bytes | None) -> tuple[int, int] | None:
        if value is None:
            return self.row_index, self.col_index
        m = _REF.fullmatch(value)
        if not m:
            return None
        row = _number(m.group(2))
        if row == 0:
            return None
        return row - 1, _col_number(m.group(1)) - 1

    def finish(self) -> None:
        super().finish()
        if self.max_row < 0:
            return
        if self.max_row >= EXCEL_MAX_ROWS or self.max_col >= EXCEL_MAX_COLS:
            raise BranchctlError(
                f"单元格 {_far_cell_name(*self.far)} 超出 Excel 的最大范围（1,048,576 行 × 16,384 列），"
                "文件已损坏或被恶意构造，已拒绝读取",
                path=self.path,
                sheet=self.label,
            )
        _check_extent(self.path, self.label, self.max_row + 1, self.max_col + 1, self.far)


def _number(digits: bytes) -> int:
    digits = digits.lstrip(b"0")
    return _HUGE if len(digits) > 12 else int(digits or b"0")


def _check_extent(path: Path, sheet: str, rows: int, cols: int, far: tuple[int, int]) -> None:
    """Refuse a sheet whose dense grid from A1 would exceed MAX_CELLS."""
    limit = MAX_CELLS
    if rows * cols <= limit:
        return
    far_name = _far_cell_name(*far)
    plain = not far_name.startswith("第")
    raise BranchctlError(
        f"{'这里' if plain else far_name}有内容，整张表读取时需展开为 {rows:,} 行 × {cols:,} 列，"
        f"超出安全上限 {limit:,} 个单元格，请删除远处多余的内容后重新提交",
        path=path,
        sheet=sheet,
        cell=far_name if plain else None,
    )


def _far_cell_name(row: int, col: int) -> str:
    if row >= 10**8 or col >= 10**6:
        return f"第 {row + 1:,} 行第 {col + 1:,} 列"
    return cell_name(row, col)


# --- ods content.xml --------------------------------------------------------------------------
#
# calamine expands ``table:number-columns-repeated`` on a cell with a value (capping columns
# at 16,384) and ``table:number-rows-repeated`` on a row with a value; empty rows repeated
# before or between rows with values are materialised too; trailing empty rows and cells
# (LibreOffice writes them to the end of every sheet) are not. A cell has a value when it
# carries an ``office:`` value or value-type attribute (calamine 0.37 reads a cell with only a
# formula as empty; an ``office:`` annotation inside a cell is counted as a value, to be safe).
# calamine 0.37 also refuses an .ods of more than 100 million cells by itself; the 1.5 GB a
# test child may use already fails at 49 million.
#
# The fast pass splits the text at row ends and bounds a row's width by its byte length (every
# cell tag takes at least 17 bytes) plus its repeats. It relies on tags ending at the first
# ``>``, which holds when no attribute value holds ``<`` or ``>``: LibreOffice escapes them (and
# quotes) everywhere, so the pass checks that every ``<`` and ``>`` stands after an even number
# of ``"`` and that there is no ``'``, comment, CDATA or processing instruction. A file that
# fails those checks, or whose bound is too large, gets the exact pass (the tokenizer above).

_ODS_ITEM = re.compile(
    rb"<table:table(?=[\s/>])([^>]*)>|(</table:table>)|<table:table-row(?=[\s/>])([^>]*)>"
)
_ODS_ROW_END = b"</table:table-row>"
_ODS_ROW_START = re.compile(rb"<table:table-row(?=[\s/>])")
_ODS_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*[\"']\+?([0-9]+)")
_ODS_COLS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*[\"']\+?0*([0-9]+)")
_ODS_NAME = re.compile(rb"table:name\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ODS_MIN_CELL_BYTES = len(b"<table:table-cell")
_ODS_CELLS = (b"table:table-cell", b"table:covered-table-cell")
_ODS_NOT_MARKS = bytes(b for b in range(256) if b not in b"<>\"'!?")


class _OdsExtent:
    """Rows and widths of the tables of content.xml, repeats expanded, refused past the limit."""

    path: Path

    def _start_table(self, name: str | None) -> None:
        self.table = name
        self.rows = 0  # rows so far, repeats expanded
        self.last_row_end = 0  # rows up to the last row holding a value
        self.width = 0  # widest row, up to its last cell holding a value
        self.far = (0, 0)

    def _row(self, repeats: int, width: int) -> None:
        self.rows += repeats
        if width:
            self.last_row_end = self.rows
            self.width = max(self.width, width)
            if self.rows * width > (self.far[0] + 1) * (self.far[1] + 1):
                self.far = (self.rows - 1, width - 1)

    def _too_large(self) -> bool:
        return self.last_row_end * self.width > MAX_CELLS

    def _refuse_if_too_large(self) -> None:
        if self._too_large():
            _check_extent(
                self.path, self.table or "content.xml", self.last_row_end, self.width, self.far
            )


class _OdsCells(_OdsExtent, _Scanner):
    """The fast pass; ``needs_exact`` when it cannot vouch for the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.needs_exact = False
        self.pending = b""  # an unfinished row, carried to the next region
        self.first = True
        self._start_table(None)

    def feed(self, region: bytes) -> None:
        if self.needs_exact:
            return
        if not self._plain(region):
            self.needs_exact = True
            return
        # Split at row ends: each piece is [table tags, empty rows] <table:table-row ...> body.
        pieces = (self.pending + region if self.pending else region).split(_ODS_ROW_END)
        self.pending = pieces.pop()
        if len(self.pending) > MAX_ODS_ROW_BYTES:
            raise BranchctlError(
                f"表格中有一行的内容超过 {_size(MAX_ODS_ROW_BYTES)}，结构异常，已拒绝读取",
                path=self.path,
                sheet=self.table,
            )
        for piece in pieces:
            start = _ods_row_start(piece)
            if start != 0:
                self._tags(piece if start < 0 else piece[:start])
                if start < 0:
                    continue
            tag_end = piece.find(b">", start)
            if tag_end < 0:
                continue
            attrs = piece[start:tag_end]
            repeats = _rows_repeated(attrs) if b"repeated" in attrs else 1
            self._row(repeats, self._width(piece, tag_end + 1))

    def _plain(self, region: bytes) -> bool:
        """True if every tag in region ends at its first ``>`` (see the notes above).

        Keep only ``< > " ' ! ?``: with no quote in text (LibreOffice escapes them) the two
        quotes of a clean attribute value are adjacent there, so removing ``""`` leaves no quote
        unless some value holds a ``<`` or ``>``.
        """
        body = region
        if self.first:
            self.first = False
            prolog = _PROLOG_ITEM.match(region)
            body = region[prolog.end() :] if prolog else region
        marks = body.translate(None, _ODS_NOT_MARKS)
        if b"'" in marks or b"<!" in marks or b"<?" in marks:
            return False
        return b'"' not in marks.replace(b'""', b"")

    def _tags(self, text: bytes) -> None:
        """Table starts and ends and empty (self-closing) rows, in order."""
        for m in _ODS_ITEM.finditer(text):
            table_attrs, table_end, row_attrs = m.groups()
            if table_attrs is not None:
                if not table_attrs.endswith(b"/"):
                    self._finish_table()
                    self._start_table(_ods_name(table_attrs))
            elif table_end is not None:
                self._finish_table()
                self._start_table(None)
            elif row_attrs.endswith(b"/"):
                self._row(_rows_repeated(row_attrs), 0)

    def _width(self, body: bytes, start: int) -> int:
        """A bound of the columns up to the last cell with a value in body[start:] (0 if none)."""
        last = body.rfind(b"office:", start)
        if last < 0:
            return 0
        stop = body.find(b">", last)
        stop = len(body) if stop < 0 else stop
        cells = (stop - start) // _ODS_MIN_CELL_BYTES + 1  # every cell tag takes 17 bytes
        at = body.find(b"columns-repeated", start, stop)
        while at >= 0:
            m = _ODS_COLS_REPEATED.match(body, at - 7)
            if m:
                digits = m.group(1)
                cells += (int(digits) if len(digits) <= 12 else _HUGE) - 1
            at = body.find(b"columns-repeated", at + 16, stop)
        return cells

    def _finish_table(self) -> None:
        if self._too_large():
            self.needs_exact = True  # a bound, not a count: let the exact pass decide

    def finish(self) -> None:
        if not self.needs_exact:
            self._tags(self.pending)
            self._finish_table()


class _OdsExactCells(_OdsExtent, _Elements):
    """The exact pass: every table, row and cell element, as calamine reads them."""

    def __init__(self, path: Path) -> None:
        _Elements.__init__(self, path, "content.xml")
        self.in_row = False
        self.row_repeats = 1
        self.col = 0  # columns so far in the row, repeats expanded
        self.row_width = 0  # columns up to the last cell with a value
        self._start_table(None)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "table:table":
            self._refuse_if_too_large()
            self._start_table(attrs.get("table:name"))
        elif name == "table:table-row":
            self.in_row, self.col, self.row_width = True, 0, 0
            self.row_repeats = _repeat_value(attrs.get("table:number-rows-repeated"))
        elif name in ("table:table-cell", "table:covered-table-cell") and self.in_row:
            self.col += _repeat_value(attrs.get("table:number-columns-repeated"))
            if any(key.startswith("office:") for key in attrs):
                self.row_width = self.col

    def end(self, name: str) -> None:
        if name == "table:table":
            self._refuse_if_too_large()
            self._start_table(None)
        elif name == "table:table-row" and self.in_row:
            self._row(self.row_repeats, self.row_width)
            self.in_row = False

    def finish(self) -> None:
        super().finish()
        self._refuse_if_too_large()


def _repeat_value(value: str | None) -> int:
    digits = (value or "1").strip().lstrip("+")
    if not digits.isdigit():
        return 1  # calamine rejects it
    return _HUGE if len(digits) > 12 else max(int(digits), 1)


def _ods_row_start(piece: bytes) -> int:
    """Where the row that a piece's row end closes starts, or -1.

    Empty rows written as ``<table:table-row .../>`` may come first; a row nested inside a
    cell is an error for calamine and is not looked for.
    """
    at = piece.find(b"<table:table-row")
    while at >= 0:
        if piece[at + 16 : at + 17] in (b" ", b">", b"\t", b"\n", b"\r"):
            end = piece.find(b">", at)
            if end < 0 or piece[end - 1 : end] != b"/":
                return at
        at = piece.find(b"<table:table-row", at + 1)  # after <table:table-row-group> or <.../>
    return -1


def _rows_repeated(attrs: bytes) -> int:
    m = _ODS_ROWS_REPEATED.search(attrs)
    return max(_number(m.group(1)), 1) if m else 1


def _ods_name(attrs: bytes) -> str | None:
    m = _ODS_NAME.search(attrs)
    if not m:
        return None
    from xml.sax.saxutils import unescape

    raw = m.group(1) if m.group(1) is not None else m.group(2)
    return unescape(raw.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})


# --- OLE compound file (.xls, password-protected .xlsx) --------------------------------------

_FREESECT, _ENDOFCHAIN = 0xFFFFFFFF, 0xFFFFFFFE


def _corrupt_ole(path: Path) -> BranchctlError:
    return BranchctlError(
        "文件已损坏（Office 复合文档结构无法解析），可能下载或拷贝时中断，请重新获取后再提交",
        path=path,
    )


def _encrypted(path: Path) -> BranchctlError:
    return BranchctlError(
        "工作簿设有打开密码，无法读取，请在 Excel 中取消密码后重新提交",
        path=path,
        code="file-encrypted",
    )


class _Ole:
    """A minimal, bounded reader of the compound-file directory and streams."""

    def __init__(self, path: Path, f: BinaryIO, size: int) -> None:
        self.path, self.f, self.size = path, f, size
        header = f.read(512)
        if len(header) < 512:
            raise _corrupt_ole(path)
        (
            self.sector_shift,
            self.mini_shift,
            n_dir,
            self.n_fat,
            self.first_dir,
            _txn,
            self.mini_cutoff,
            self.first_minifat,
            self.n_minifat,
            self.first_difat,
            self.n_difat,
        ) = struct.unpack_from("<HH6xIIIIIIIII", header, 30)
        if self.sector_shift not in (9, 12) or self.mini_shift != 6:
            raise _corrupt_ole(path)
        self.sector = 1 << self.sector_shift
        self.n_sectors = max(0, (size - self.sector + self.sector - 1) // self.sector)
        if self.n_fat > self.n_sectors or self.n_difat > self.n_sectors:
            raise _corrupt_ole(path)
        difat = list(struct.unpack_from("<109I", header, 76))
        sect, seen = self.first_difat, 0
        per = self.sector // 4 - 1
        while sect not in (_FREESECT, _ENDOFCHAIN) and seen < self.n_difat:
            data = self._sector(sect)
            difat.extend(struct.unpack_from(f"<{per}I", data))
            (sect,) = struct.unpack_from("<I", data, per * 4)
            seen += 1
        fat_sectors = [s for s in difat[: self.n_fat] if s not in (_FREESECT, _ENDOFCHAIN)]
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat.extend(struct.unpack(f"<{self.sector // 4}I", self._sector(s)))
        self.entries = self._directory()

    def _sector(self, index: int) -> bytes:
        if index >= self.n_sectors:
            raise _corrupt_ole(self.path)
        self.f.seek((index + 1) << self.sector_shift)
        data = self.f.read(self.sector)
        if len(data) < self.sector:
            data += b"\x00" * (self.sector - len(data))  # a short last sector is common
        return data

    def _chain(self, start: int, fat: list[int], limit: int) -> Iterator[int]:
        sect, steps = start, 0
        while sect not in (_ENDOFCHAIN, _FREESECT):
            if sect >= len(fat) or steps > limit:
                raise _corrupt_ole(self.path)
            yield sect
            sect = fat[sect]
            steps += 1

    def _directory(self) -> dict[str, tuple[int, int, int]]:
        """Stream name (lower case) -> (type, start sector, size)."""
        entries: dict[str, tuple[int, int, int]] = {}
        self.root: tuple[int, int, int] | None = None
        for sect in self._chain(self.first_dir, self.fat, self.n_sectors):
            data = self._sector(sect)
            for off in range(0, self.sector, 128):
                name_len, typ = struct.unpack_from("<HB", data, off + 64)
                if typ == 0 or not 2 <= name_len <= 64:
                    continue
                name = data[off : off + name_len - 2].decode("utf-16-le", "replace")
                start, size = struct.unpack_from("<IQ", data, off + 116)
                if self.sector_shift == 9:
                    size &= 0xFFFFFFFF
                if typ == 5:
                    self.root = (typ, start, size)
                elif typ == 2:
                    entries.setdefault(name.lower(), (typ, start, size))
        return entries

    def read_stream(self, name: str, limit: int) -> bytes:
        typ, start, size = self.entries[name]
        if size > limit:
            raise BranchctlError(
                f"Excel 97-2003 工作簿的数据流大小为 {_size(size)}，超过安全上限 {_size(limit)}，已拒绝读取",
                path=self.path,
            )
        if size > self.size:
            raise _corrupt_ole(self.path)
        if size < self.mini_cutoff and self.root is not None:
            return self._read_mini(start, size)
        return self._read_chain(start, size)

    def _read_chain(self, start: int, size: int) -> bytes:
        """The first ``size`` bytes of a sector chain, reading runs of adjacent sectors at once."""
        needed = (size + self.sector - 1) // self.sector
        chain: list[int] = []
        for sect in self._chain(start, self.fat, self.n_sectors):
            chain.append(sect)
            if len(chain) >= needed:
                break
        if len(chain) < needed:
            raise _corrupt_ole(self.path)
        out = bytearray()
        i = 0
        while i < len(chain):
            j = i + 1
            while j < len(chain) and chain[j] == chain[j - 1] + 1:
                j += 1
            self.f.seek((chain[i] + 1) << self.sector_shift)
            out += self.f.read((j - i) * self.sector)
            i = j
        if len(out) < size:
            raise _corrupt_ole(self.path)
        return bytes(out[:size])

    def _read_mini(self, start: int, size: int) -> bytes:
        assert self.root is not None
        minifat: list[int] = []
        for sect in self._chain(self.first_minifat, self.fat, self.n_sectors):
            minifat.extend(struct.unpack(f"<{self.sector // 4}I", self._sector(sect)))
        _typ, root_start, root_size = self.root
        if root_size > self.size:
            raise _corrupt_ole(self.path)
        mini = self._read_chain(root_start, root_size)
        out = bytearray()
        for ms in self._chain(start, minifat, len(minifat)):
            out += mini[ms * 64 : ms * 64 + 64]
            if len(out) >= size:
                break
        if len(out) < size:
            raise _corrupt_ole(self.path)
        return bytes(out[:size])


def _check_ole(path: Path, size: int) -> str:
    with open(path, "rb") as f:
        try:
            ole = _Ole(path, f, size)
        except struct.error:
            raise _corrupt_ole(path) from None
        names = ole.entries
        if "encryptedpackage" in names or "encryptioninfo" in names:
            raise _encrypted(path)
        stream = "workbook" if "workbook" in names else "book" if "book" in names else None
        if stream is None:
            if "worddocument" in names:
                raise BranchctlError(
                    "这是 Word 文档而不是 Excel 工作簿，请提交 .xlsx 表格", path=path
                )
            if "powerpoint document" in names:
                raise BranchctlError(
                    "这是 PowerPoint 演示文稿而不是 Excel 工作簿，请提交 .xlsx 表格", path=path
                )
            raise BranchctlError(
                "这是 Office 复合文档但其中没有 Excel 工作簿数据，请提交 .xlsx 表格", path=path
            )
        try:
            data = ole.read_stream(stream, MAX_XLS_STREAM_BYTES)
        except struct.error:
            raise _corrupt_ole(path) from None
    _check_biff(path, data)
    return "xls"


# --- BIFF (the Workbook stream of an .xls) ----------------------------------------------------
#
# calamine parses every sheet when the workbook is opened: it reserves DIMENSIONS rows x columns
# cells up front, and builds a dense grid from the cell records (16-bit row and column: a column
# of 65,535 makes a grid of 4 billion cells). Every record of every sheet is walked here, as
# calamine walks them; the walk costs about as much as calamine's own read of an .xls (0.35 s
# for a full 65,536-row sheet), a few milliseconds for a township's file.

_EOF, _FILEPASS, _SST, _BOUNDSHEET, _CODEPAGE = 0x000A, 0x002F, 0x00FC, 0x0085, 0x0042
_DIMENSIONS, _MULRK = 0x0200, 0x00BD
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


def _shared_sheet_data(path: Path) -> BranchctlError:
    # Each reference makes calamine parse the same data again: a cheap way to make it work
    # for hours. No spreadsheet program writes this.
    return BranchctlError(
        "多个工作表指向同一份数据，结构异常，疑似恶意构造的文件，已拒绝读取", path=path
    )


def _check_biff(path: Path, data: bytes) -> None:
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
            raise _encrypted(path)
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
        raise _shared_sheet_data(path)
    for offset, name in sheets:
        records = _walk_sheet(path, data, offset, name, records)


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


def _walk_sheet(path: Path, data: bytes, pos: int, name: str, records: int) -> int:
    """Walk one sheet's records as calamine does; return the running record count."""
    start = pos
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
        _check_extent(path, name, max_row + 1, max_col + 1, _far_biff_cell(data, start))
    return records + walked


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


# --- helpers ----------------------------------------------------------------------------------


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} 字节"
