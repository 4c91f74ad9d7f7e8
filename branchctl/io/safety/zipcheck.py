"""Zip containers (.xlsx, .xlsm, .ods): the directory, the declared sizes and ratios, then every
part streamed through zipfile (bounded by its declared size, CRC checked at the end: a lying
header is caught), its XML prolog checked, and the sheets scanned for their cell extent."""

from __future__ import annotations

import codecs
import contextlib
import io
import posixpath
import struct
import zipfile
import zlib
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.safety.facts import Scan, SheetFacts
from branchctl.io.safety.limits import (
    MAX_CENTRAL_DIRECTORY_BYTES,
    MAX_COMPRESSION_RATIO,
    MAX_INDEX_PART_BYTES,
    MAX_INFLATION,
    MAX_UNCOMPRESSED_TOTAL,
    MAX_ZIP_ENTRIES,
    MIN_INFLATION_ALLOWED,
    RATIO_CHECK_MIN_BYTES,
    shared_sheet_data,
)
from branchctl.io.safety.ods_extent import OdsCells, OdsExactCells
from branchctl.io.safety.package import merges_ahead, packable, stored_package
from branchctl.io.safety.xlsx_extent import XlsxCells, XlsxExactCells
from branchctl.io.safety.xmlparts import CHUNK, Scanner, check_prolog, stream_part, utf16_xml
from branchctl.io.smallfiles import size_text

_XML_SUFFIXES = (".xml", ".rels")
_NOT_SHEETS = (".vml", "xl/sharedstrings.xml", "xl/styles.xml")


def corrupt_zip(path: Path) -> BranchctlError:
    return BranchctlError(
        "文件不完整或已损坏（压缩结构无法解析），可能下载或拷贝时中断，请重新获取后再提交",
        path=path,
    )


def check_zip(path: Path, size: int, data: bytes | None = None) -> Scan:
    """Scan a zip container of ``size`` bytes; ``data``: the whole file, already read (a small
    one), so that its parts are inflated from memory rather than opened one by one."""
    _check_end_record(path, size, data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise corrupt_zip(path) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _too_many_entries(path, len(infos))
        _check_names(path, infos)
        fmt = _zip_kind(path, zf, {i.filename for i in infos})
        _check_declared_sizes(path, infos, size)
        # The parts inflated from memory, by name: each is inflated once, for the sheet labels,
        # the scan and the package handed to the reader.
        held: dict[str, bytes] | None = {} if data is not None and packable(fmt, infos) else None
        labels = _sheet_labels(path, zf, data, held) if fmt == "xlsx" else {}
        ahead: dict[str, tuple[int, bytes]] = {}  # what the package puts into the sheets
        scan = Scan(fmt)
        for info in infos:
            scan.sheets.update(_scan_part(path, zf, info, fmt, labels, data, held, ahead))
        if held is not None:
            scan.package = stored_package(infos, held, ahead)
    return scan


def _too_many_entries(path: Path, n: int) -> BranchctlError:
    return BranchctlError(
        f"压缩结构包含 {n:,} 个部件，超过安全上限 {MAX_ZIP_ENTRIES:,} 个，疑似恶意构造的文件，已拒绝读取",
        path=path,
    )


def _check_end_record(path: Path, size: int, data: bytes | None = None) -> None:
    """Check the entry count and directory size before zipfile loads the whole directory."""
    with contextlib.nullcontext(io.BytesIO(data)) if data is not None else open(path, "rb") as f:
        tail_len = min(size, 22 + 65535)
        f.seek(size - tail_len)
        tail = f.read(tail_len)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise corrupt_zip(path)
        entries, cd_size = struct.unpack_from("<HI", tail, at + 10)
        if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
            loc = at - 20
            if loc < 0 or tail[loc : loc + 4] != b"PK\x06\x07":
                raise corrupt_zip(path)
            (z64_offset,) = struct.unpack_from("<Q", tail, loc + 8)
            if z64_offset + 56 > size:
                raise corrupt_zip(path)
            f.seek(z64_offset)
            rec = f.read(56)
            if len(rec) < 56 or rec[:4] != b"PK\x06\x06":
                raise corrupt_zip(path)
            entries, cd_size = struct.unpack_from("<QQ", rec, 32)
    if entries > MAX_ZIP_ENTRIES:
        raise _too_many_entries(path, entries)
    if cd_size > min(MAX_CENTRAL_DIRECTORY_BYTES, size):
        raise BranchctlError(
            f"压缩目录大小异常（{size_text(cd_size)}），疑似恶意构造或已损坏的文件，已拒绝读取",
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
                raise corrupt_zip(path) from None
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


def _check_names(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse two entries of one name: readers disagree on which one counts (calamine reads the
    last, zipfile's directory keeps the last, a patch would copy both)."""
    seen: set[str] = set()
    for info in infos:
        key = info.filename.lower()  # part names are case-insensitive (OPC)
        if key in seen:
            raise BranchctlError(
                f"压缩结构中有两个同名部件（{info.filename}），不同程序会读出不同的内容，"
                "文件已损坏或被篡改，已拒绝读取",
                path=path,
            )
        seen.add(key)


def inflation_limit(size: int) -> int:
    """The most a zip of ``size`` bytes on disk may declare its parts inflate to, in all."""
    return min(MAX_UNCOMPRESSED_TOTAL, max(MIN_INFLATION_ALLOWED, MAX_INFLATION * size))


def _check_declared_sizes(path: Path, infos: list[zipfile.ZipInfo], size: int) -> None:
    """Declared sizes first: what the parts inflate to, in all and each against its own size."""
    for info in infos:
        if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise BranchctlError(
                f"部件 {info.filename} 的压缩比高达 {ratio:,.0f} 倍（解压后 {size_text(info.file_size)}），"
                "疑似“压缩炸弹”，已拒绝读取",
                path=path,
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_TOTAL:
        raise BranchctlError(
            f"解压后总大小为 {size_text(total)}，超过本机内存可安全读取的上限 "
            f"{size_text(MAX_UNCOMPRESSED_TOTAL)}，请把表格拆成几个文件后再提交",
            path=path,
        )
    if total > inflation_limit(size):
        raise BranchctlError(
            f"解压后总大小为 {size_text(total)}，是文件本身（{size_text(size)}）的 "
            f"{total / max(size, 1):,.0f} 倍，正常的表格不超过 {MAX_INFLATION} 倍，"
            "疑似“压缩炸弹”，已拒绝读取",
            path=path,
        )


Element = tuple[str, dict[str, str]]  # "namespace}name" (or "name"), attributes


def _sheet_labels(
    path: Path, zf: zipfile.ZipFile, data: bytes | None = None, held: dict[str, bytes] | None = None
) -> dict[str, str] | None:
    """Map worksheet part names to sheet names, from workbook.xml and its rels (None: unknown).
    ``held``: where the parts inflated from ``data`` are kept for the scan."""

    def parse(name: str) -> list[Element] | None:
        try:
            info = zf.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_INDEX_PART_BYTES:
            return None
        try:
            if data is not None:
                text = _inflate(data, info)
                if held is not None and info.file_size <= CHUNK:
                    held[name] = text
            else:
                with zf.open(info) as f:
                    text = f.read(MAX_INDEX_PART_BYTES)
        except (
            zipfile.BadZipFile,
            EOFError,
            OSError,
            zlib.error,
            NotImplementedError,
            RuntimeError,
        ):
            return None  # reported when the part is scanned
        check_prolog(path, name, text, utf16=False)
        return _elements(text)

    book, rels = parse("xl/workbook.xml"), parse("xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return None
    targets: dict[str, str] = {}
    for tag, attrs in rels:
        if tag.endswith("Relationship") and attrs.get("Id") and attrs.get("Target"):
            target = attrs["Target"]
            if target.startswith("/"):
                part = target.lstrip("/")
            else:
                part = posixpath.normpath(posixpath.join("xl", target))
            targets[attrs["Id"]] = part
    labels: dict[str, str] = {}
    for tag, attrs in book:
        if tag.endswith("}sheet") or tag == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith("}id")), None)
            if rid in targets:
                if targets[rid] in labels:
                    raise shared_sheet_data(path)
                labels[targets[rid]] = attrs.get("name") or targets[rid]
    return labels


def _elements(text: bytes) -> list[Element] | None:
    """Every element of a small XML part, in order, names qualified as ``namespace}name``; None
    for a part expat rejects or one with a DTD (calamine will report the broken workbook)."""
    from xml.parsers import expat

    found: list[Element] = []

    def no_dtd(*args: object) -> None:
        raise ValueError("DTD")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = lambda name, attrs: found.append((name, attrs))
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        parser.Parse(text, True)
    except (expat.ExpatError, ValueError):
        return None
    return found


# A local file header's general purpose flags, name length and extra field length.
_LOCAL_FIELDS = struct.Struct("<6xH18xHH")


def _inflate(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """One part of a zip held in memory, inflated as zipfile would (its local header checked,
    at most its declared size, CRC checked): BadZipFile, EOFError or zlib.error if not."""
    at = info.header_offset
    if data[at : at + 4] != b"PK\x03\x04" or len(data) < at + 30:
        raise zipfile.BadZipFile(info.filename)
    flags, name_len, extra_len = _LOCAL_FIELDS.unpack_from(data, at)
    try:
        local_name = data[at + 30 : at + 30 + name_len].decode(
            "utf-8" if flags & 0x800 else "cp437"
        )
    except UnicodeDecodeError:
        raise zipfile.BadZipFile(info.filename) from None
    if local_name != info.orig_filename or (flags | info.flag_bits) & 0x60:
        raise zipfile.BadZipFile(info.filename)  # names differ; patched data, strong encryption
    start = at + 30 + name_len + extra_len
    raw = data[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise EOFError(info.filename)
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw[: info.file_size]
    else:
        inflater = zlib.decompressobj(-15)
        out = inflater.decompress(raw, info.file_size)
        if not inflater.eof and inflater.decompress(inflater.unconsumed_tail, 1):
            raise zipfile.BadZipFile(info.filename)  # inflates past its declared size
    if len(out) != info.file_size:
        raise EOFError(info.filename)
    if zlib.crc32(out) != info.CRC:
        raise zipfile.BadZipFile(info.filename)
    return out


def _scan_part(
    path: Path,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    fmt: str,
    labels: dict[str, str] | None,
    data: bytes | None = None,
    held: dict[str, bytes] | None = None,
    ahead: dict[str, tuple[int, bytes]] | None = None,
) -> dict[str, SheetFacts]:
    """Stream one part through zipfile: size and CRC, DTD, and the cell extent of sheets.

    Returns what was seen of the sheets the part holds, by sheet name (merges, hidden rows and
    columns), when the part is a worksheet or the .ods content. A part inflated from ``data``
    whole is kept in ``held`` (if given), by name; what the package is to put into a worksheet
    held so, in ``ahead`` (io/safety/package.py).
    """
    name = info.filename
    if name.endswith("/") and info.file_size == 0:
        return {}
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
    lower = name.lower()
    named_xml = lower.endswith(_XML_SUFFIXES) or sheet
    # Parts calamine reads must be UTF-8 (it reads a UTF-16 sheet as empty); others, such as
    # customXml items, may be UTF-16 and are only checked for a DTD.
    read_by_calamine = sheet or name.startswith("xl/") or name in ("content.xml", "styles.xml")
    # A part that fits one chunk (nearly all of them) is read once, whole: zipfile stops at the
    # declared size and checks the CRC, so a lying size cannot make it read more.
    whole: bytes | None = None
    try:
        if data is not None and info.file_size <= CHUNK:
            whole = held.get(name) if held is not None else None
            if whole is None:
                whole = _inflate(data, info)
                if held is not None:
                    held[name] = whole
            head = whole[:64]
        else:
            with zf.open(info) as f:
                if info.file_size <= CHUNK:
                    whole = f.read(CHUNK + 1)
                    head = whole[:64]
                else:
                    head = f.read(64)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise _bad_part(path, name) from e
    utf16 = utf16_xml(head)
    xml_like = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<") or utf16

    def check_xml(first: bytes) -> None:
        if named_xml or xml_like:
            check_prolog(path, name, first, utf16=not read_by_calamine)

    # The cell scan runs on every UTF-8 XML part, whatever its name (a relationship can make any
    # part a worksheet), except, when workbook.xml's relationships are known and no sheet points
    # to them, legacy VML drawings (often not well-formed) and the big shared strings and styles.
    scanner: Scanner | None = None
    skipped = labels is not None and not sheet and lower.endswith(_NOT_SHEETS)
    label = labels.get(name, name) if labels else name
    if fmt == "xlsx" and (sheet or xml_like and not skipped and not utf16):
        scanner = XlsxCells(path, label)
        scanner.whole = whole is not None
    elif fmt == "ods" and name == "content.xml":
        scanner = OdsCells(path)
    try:
        stream_part(path, zf, info, check_xml, scanner, whole)
        if isinstance(scanner, XlsxCells):
            if scanner.needs_exact():
                stream_part(path, zf, info, None, XlsxExactCells(path, label), whole)
            elif sheet and ahead is not None and held is not None and whole is not None:
                put = merges_ahead(whole, scanner.merges_at) if scanner.merges_at > 0 else None
                if put is not None:
                    ahead[name] = put
            return {label: scanner.facts} if sheet else {}
        if isinstance(scanner, OdsCells):
            if scanner.needs_exact:
                exact = OdsExactCells(path)
                stream_part(path, zf, info, None, exact, whole)
                return exact.facts
            return scanner.facts
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        # zipfile: BadZipFile for a CRC or size mismatch, EOFError or zlib.error for a
        # truncated or corrupt deflate stream.
        raise _bad_part(path, name) from e
    return {}


def _bad_part(path: Path, name: str) -> BranchctlError:
    return BranchctlError(
        f"部件 {name} 的内容与压缩目录记录不符（解压或校验失败），文件已损坏或被篡改，请重新获取后再提交",
        path=path,
    )
