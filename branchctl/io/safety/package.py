"""The package a small .xlsx is read from: the parts the scan inflated and checked, stored.

python-calamine is handed, instead of the file, a zip of the parts exactly as the scan inflated
and checked them, stored uncompressed: it reads the bytes that were checked (the file cannot
change between the scan and the read) and does not inflate them a second time (about a tenth of
its read of a township's file). The package is never joined into one buffer: the reader reads
it through :class:`Package`, piece by piece (a buffer of a few hundred KB would be mapped
afresh from the system for every file, and its pages faulted in: more than the inflating saved).
"""

from __future__ import annotations

import bisect
import struct
import zipfile

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

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = [p for p in pieces if p]
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
            out = piece[pos - start : end - start]
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


def stored_package(infos: list[zipfile.ZipInfo], held: dict[str, bytes]) -> Package:
    """The zip's parts, as the scan inflated and checked them (``held``, by name; the empty
    folder entries it skips are empty), in a zip that stores them: no compression, each part's
    CRC as the directory gives it (checked by the scan), names as the directory spells them."""
    pieces: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for info in infos:
        body = held.get(info.filename, b"")
        name = info.orig_filename.encode()
        size = len(body)
        pieces += (
            _LOCAL.pack(b"PK\x03\x04", 20, 0x800, 0, 0, 0x21, info.CRC, size, size, len(name), 0),
            name,
            body,
        )
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
