"""What a file is, from its first bytes: a workbook container, or what the clerk sent instead."""

from __future__ import annotations

import codecs
from pathlib import Path

from branchctl.errors import BranchctlError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EMPTY_ZIP_MAGICS = (b"PK\x05\x06", b"PK\x07\x08")

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


def not_a_spreadsheet(path: Path, head: bytes) -> BranchctlError:
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
