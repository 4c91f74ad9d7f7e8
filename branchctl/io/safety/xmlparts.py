"""XML parts of a workbook: the prolog check (no DTD, no UTF-16 where calamine reads), and
streaming a part through a scanner in regions that never split a tag."""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.safety.limits import MAX_PROLOG_BYTES, MAX_TAG_BYTES
from branchctl.io.smallfiles import size_text

CHUNK = 1 << 20


class Scanner:
    """Receives a part's text region by region; each region ends just before a ``<``."""

    def feed(self, region: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self) -> None:  # pragma: no cover - interface
        pass


def stream_part(
    path: Path,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    check_xml: Callable[[bytes], None] | None,
    scanner: Scanner | None,
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
            chunk = f.read(CHUNK)
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
                    f"部件 {info.filename} 中有一个超过 {size_text(MAX_TAG_BYTES)} 的 XML 标签，"
                    "结构异常，已拒绝读取",
                    path=path,
                )
            else:
                carry = buf
        if total != info.file_size:  # zipfile checks this too; keep the invariant explicit
            raise zipfile.BadZipFile(info.filename)
    if scanner is not None:
        scanner.finish()


PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def utf16_xml(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 4 and b"<" in head[:2] and b"\x00" in head[:4]
    )


def check_prolog(path: Path, part: str, head: bytes, utf16: bool) -> None:
    """No DTD before the root element (billion laughs, external entities); UTF-16 if allowed."""
    data = head[:MAX_PROLOG_BYTES]
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif utf16_xml(data):
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
    if data.startswith(b"<?"):  # the XML declaration, then (nearly always) the root element
        end = data.find(b"?>", 2)
        if end >= 0:
            pos = end + 2
            rest = data[pos : pos + 16].lstrip()
            if len(rest) > 1 and rest[0] == 0x3C and rest[1] not in b"!?":  # <x
                return
    while True:
        m = PROLOG_ITEM.match(data, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = data[pos : pos + 16].lstrip()
    if rest.startswith((b"<!--", b"<?")) or (not rest and len(head) > MAX_PROLOG_BYTES):
        raise BranchctlError(
            f"部件 {part} 的 XML 开头异常（超过 {size_text(MAX_PROLOG_BYTES)} 仍未开始正文），已拒绝读取",
            path=path,
        )
    if rest.startswith(b"<!"):
        raise BranchctlError(
            f"部件 {part} 含有 DTD 声明（<!DOCTYPE>），可被用作“XML 炸弹”，正常的表格文件不会包含，已拒绝读取",
            path=path,
        )


# quick-xml (under calamine) honours quotes: ``<c x=">" r="XFD1">`` is one tag, and a ``<``
# inside an attribute value is text, so no byte pattern can be trusted with a hostile file. The
# exact scans parse the part with expat (no DTD: refused before) and see the elements calamine
# sees; a part expat rejects as malformed is refused. About 3-5 s per 100 MB of XML: used only
# when a fast scan cannot vouch for a part.


class Elements(Scanner):
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
