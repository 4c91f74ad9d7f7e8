"""The package a small .xlsx is read from: the parts the scan inflated and checked, stored.

python-calamine is handed, instead of the file, a zip of the parts exactly as the scan inflated
and checked them, stored uncompressed: it reads the bytes that were checked (the file cannot
change between the scan and the read) and does not inflate them a second time (about a tenth of
its read of a township's file). The package is never joined into one buffer: the reader reads
it through :class:`Package`, piece by piece (a buffer of a few hundred KB would be mapped
afresh from the system for every file, and its pages faulted in: more than the inflating saved).

One change is made to what the scan checked, where it cannot change what calamine reads (see
:func:`merges_ahead`): a worksheet's merged ranges are copied ahead of its cells, so that
calamine, which looks for them in a second pass over the whole sheet, stops at once (a third of
its read of a township's file).
"""

from __future__ import annotations

import bisect
import re
import struct
import zipfile
import zlib

from branchctl.io.safety.xmlparts import CHUNK

# Packages are made of .xlsx files whose parts inflate to at most this much in all.
PACKAGE_MAX_BYTES = 8 << 20
# Parts by which python-calamine, which tells the format of a package from its content, could
# take it for another kind of workbook (.ods, .xlsb) than the scan did.
_OTHER_KINDS = ("content.xml", "mimetype", "xl/workbook.bin")
_UNICODE_PATH = 0x7075  # an extra field some zip readers take a part's name from
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")


class Package:
    """A zip held as pieces (headers, names, the parts' bytes), read as one file: ``read``,
    ``seek`` and ``tell``, what python-calamine (and zipfile) ask of a file object."""

    def __init__(self, pieces: list[bytes | memoryview]) -> None:
        self.pieces = [p for p in pieces if len(p)]
        self.starts: list[int] = []
        size = 0
        for piece in self.pieces:
            self.starts.append(size)
            size += len(piece)
        self.size = size
        self.pos = 0
        self.index = 0  # the piece holding pos (reads go on from where the last one ended)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self.pos, self.size)[whence]
        self.pos = max(base + offset, 0)
        self.index = max(bisect.bisect_right(self.starts, self.pos) - 1, 0)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def seekable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        pos = self.pos
        end = self.size if n is None or n < 0 else min(self.size, pos + n)
        if end <= pos:
            return b""
        i, starts, pieces = self.index, self.starts, self.pieces
        piece, start = pieces[i], starts[i]
        if end <= start + len(piece):  # within one piece, as most reads are
            out = bytes(piece[pos - start : end - start])  # a bytes piece itself, not a copy
        else:
            parts = []
            while pos < end:
                piece, start = pieces[i], starts[i]
                parts.append(piece[pos - start : end - start])
                pos = start + len(piece)
                i += 1
            out = b"".join(parts)
            i -= 1  # the last piece read from
        while i + 1 < len(starts) and starts[i + 1] <= end:
            i += 1
        self.pos, self.index = end, i
        return out


def packable(fmt: str, infos: list[zipfile.ZipInfo]) -> bool:
    """True if a zip read from memory is read as a package: an .xlsx of at most
    PACKAGE_MAX_BYTES whose parts all come whole (at most one chunk each), read by every zip
    reader under the same names, nothing in it by which its kind could be mistaken, and only
    empty folder entries besides the parts (the scan skips those)."""
    if fmt != "xlsx" or sum(info.file_size for info in infos) > PACKAGE_MAX_BYTES:
        return False
    for info in infos:
        if info.file_size > CHUNK or info.filename.lower() in _OTHER_KINDS:
            return False
        if info.filename.endswith("/") and not info.file_size and (info.compress_size or info.CRC):
            return False
        if _has_extra(info.extra, _UNICODE_PATH):
            return False
    return True


def stored_package(
    infos: list[zipfile.ZipInfo],
    held: dict[str, bytes],
    ahead: dict[str, tuple[int, bytes]] | None = None,
) -> Package:
    """The zip's parts, as the scan inflated and checked them (``held``, by name; the empty
    folder entries it skips are empty), in a zip that stores them: no compression, each part's
    CRC as the directory gives it (checked by the scan), names as the directory spells them.
    ``ahead``: bytes put into a part at an offset, by name, that keep its CRC (merges_ahead)."""
    pieces: list[bytes | memoryview] = []
    central: list[bytes] = []
    offset = 0
    for info in infos:
        body = held.get(info.filename, b"")
        name = info.orig_filename.encode()
        at, put = ahead.get(info.filename, (0, b"")) if ahead else (0, b"")
        size = len(body) + len(put)
        local = _LOCAL.pack(
            b"PK\x03\x04", 20, 0x800, 0, 0, 0x21, info.CRC, size, size, len(name), 0
        )
        if put:
            whole = memoryview(body)
            pieces += (local, name, whole[:at], put, whole[at:])
        else:
            pieces += (local, name, body)
        central += (
            _CENTRAL.pack(
                b"PK\x01\x02",
                20,
                20,
                0x800,
                0,
                0,
                0x21,
                info.CRC,
                size,
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            ),
            name,
        )
        offset += _LOCAL.size + len(name) + size
    directory = b"".join(central)
    n = len(infos)
    pieces += (directory, _END.pack(b"PK\x05\x06", 0, 0, n, n, len(directory), offset, 0))
    return Package(pieces)


def _has_extra(extra: bytes, wanted: int) -> bool:
    """True if the extra fields of a directory entry hold one with the id ``wanted``."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        if kind == wanted:
            return True
        at += 4 + size
    return False


# --- merged ranges ahead of the cells ----------------------------------------------------------
#
# calamine reads a worksheet twice: its cells, up to ``</sheetData>``, then, for the merged ranges,
# the part again from its start up to the first ``<mergeCells>`` (after the cells, where every
# spreadsheet program writes it): a second pass over every cell. A copy of the ``<mergeCells>``
# element put just before ``<sheetData>`` ends that pass at once. Nothing else changes: the bytes
# from ``<sheetData>`` on are the file's, so are the cells, and the ranges are the same ones.
#
# Why the copy cannot change what calamine reads (its XML reader, quick-xml, does not check end
# tag names there, only that an end tag has a start tag to close):
# - the copy goes where every byte before ``<sheetData>`` reads as tags and whitespace (_HEAD:
#   attribute values in double quotes without ``<`` or ``>``, no single quote outside them, no
#   comment, no processing instruction but the declaration), so the reader is between tags there,
#   with or without the copy; the copy is itself such tags, each closed by its own end tag. The
#   cell pass reads the same events from ``<sheetData>`` on: the same cells, or the same refusal;
# - if the cell pass ends, it ends at the one ``</sheetData>`` (the word occurs only there and in
#   the start tag); from there to the ranges there are only self-closing tags (_SELF_CLOSING),
#   none of them a ``mergeCell`` (the scan gives the first ``mergeCell`` of the part). The second
#   pass over the file itself reads the same events up to there, then the same ``<mergeCells>``
#   element as the copy: the same ranges.
# (The patterns take each run of characters whole, ``*+``: a few thousand steps a sheet.)

_TAG_BODY = rb"""[^<>"']*+(?:"[^<>"]*+"[^<>"']*+)*+"""
_HEAD = re.compile(
    rb"(?:\xef\xbb\xbf)?(?:<\?xml[^<>?]*+\?>[ \t\r\n]*+)?"
    rb"(?:<[^<>\"'!?]" + _TAG_BODY + rb">[ \t\r\n]*+)*+"
)
_SELF_CLOSING = re.compile(rb"[ \t\r\n]*+(?:<[^<>\"'!?/]" + _TAG_BODY + rb"(?<=/)>[ \t\r\n]*+)*+")
_MERGE_CELLS = re.compile(
    rb'<mergeCells(?: count="[0-9]{1,7}+")?>'
    rb'(?:<mergeCell ref="[A-Z]{1,3}+[0-9]{1,7}+(?::[A-Z]{1,3}+[0-9]{1,7}+)?+"/>)*+</mergeCells>'
)


def merges_ahead(part: bytes, merges_at: int) -> tuple[int, bytes] | None:
    """Where to put what into the worksheet ``part``: a copy of its ``<mergeCells>`` element (at
    ``merges_at``: the first ``mergeCell`` of the part) before ``<sheetData>``, then whitespace
    that keeps the part's CRC; None unless the part is written as every spreadsheet program
    writes it (see above)."""
    start = part.find(b"sheetData") - 1
    end = part.rfind(b"sheetData") + 10  # just past </sheetData>
    if (
        start < 0
        or part[start : start + 11] != b"<sheetData>"
        or part[end - 12 : end] != b"</sheetData>"
        or end > merges_at
        or part.rfind(b"sheetData", start + 10, end - 10) >= 0
        or _HEAD.fullmatch(part, 0, start) is None
        or end < merges_at
        and _SELF_CLOSING.fullmatch(part, end, merges_at) is None
    ):
        return None
    block = _MERGE_CELLS.match(part, merges_at)
    if block is None:
        return None
    copy = block.group()
    before = zlib.crc32(memoryview(part)[:start])
    after = zlib.crc32(copy, before)
    keeper = _crc_keeper(after, before)
    return (start, copy + keeper) if zlib.crc32(keeper, after) == before else None


# --- keeping a part's CRC ---------------------------------------------------------------------
#
# What is put into a part is followed by 32 tabs and carriage returns (whitespace, which calamine
# skips before <sheetData>) chosen so that the CRC register ends where it was before the insert:
# the part keeps the CRC the directory gives (the scan checked it), and no CRC of the whole part
# is computed again. A CRC is linear in the bits of the data, and a tab and a carriage return
# differ in one bit, so the choice is a product with a fixed 32 x 32 bit matrix, worked out once
# (_KEEPERS: by each byte of the CRC bits to flip, the carriage returns that flip them).

_TABS = b"\t" * 32


def _keepers() -> list[list[int]]:
    flips = [zlib.crc32(_TABS[:i] + b"\r" + _TABS[i + 1 :]) ^ zlib.crc32(_TABS) for i in range(32)]
    pivots: dict[int, tuple[int, int]] = {}  # highest bit -> (flip, returns that make it)
    for i, flip in enumerate(flips):
        returns = 1 << i
        while flip:
            top = flip.bit_length() - 1
            if top not in pivots:
                pivots[top] = (flip, returns)
                break
            flip, returns = flip ^ pivots[top][0], returns ^ pivots[top][1]
    by_bit = []
    for bit in range(32):  # the 32 flips are independent: every bit has its pivot
        want, returns = 1 << bit, 0
        while want:
            flip, made = pivots[want.bit_length() - 1]
            want, returns = want ^ flip, returns ^ made
        by_bit.append(returns)
    tables = []
    for low in range(0, 32, 8):
        table = [0] * 256
        for value in range(1, 256):  # each value: a smaller one and its lowest bit
            lowest = value & -value
            table[value] = table[value ^ lowest] ^ by_bit[low + lowest.bit_length() - 1]
        tables.append(table)
    return tables


_KEEPERS = _keepers()
# The 32 tabs and carriage returns for each byte of carriage-return bits.
_RETURNS = [bytes(13 if value >> i & 1 else 9 for i in range(8)) for value in range(256)]


def _crc_keeper(crc: int, wanted: int) -> bytes:
    """32 tabs and carriage returns that take a CRC register from ``crc`` to ``wanted``."""
    flip = zlib.crc32(_TABS, crc) ^ wanted
    t0, t1, t2, t3 = _KEEPERS
    returns = t0[flip & 255] ^ t1[flip >> 8 & 255] ^ t2[flip >> 16 & 255] ^ t3[flip >> 24]
    return b"".join(_RETURNS[returns >> shift & 255] for shift in (0, 8, 16, 24))
