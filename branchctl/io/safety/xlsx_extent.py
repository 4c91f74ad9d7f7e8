"""The extent of the cells python-calamine would materialise from an xlsx worksheet part.

calamine positions a cell by its ``r`` attribute (upper or lower case letters), or, without
one, by counting cells in the row and rows in the sheet. Cells without a value (``<c r="X"/>``,
``<c r="X"></c>``) are dropped. The dense grid spans A1 to the farthest cell with a value.

The fast path (numpy, about 0.3 s per 100 MB of sheet XML) reads every cell tag of the form
every spreadsheet program writes, ``<c r="AB12"`` (``r`` first, double quotes, upper case),
and takes the exact maximum row and column, counting empty cells too. A tag in any other form
(no ``r``, a prefix, other quoting or case), or a maximum beyond the limit, sends the part to
the exact scan, which walks every row and cell tag as calamine does and skips empty cells;
except that where the extent first passes the limit, cells holding a value in that region alone
beyond it refuse the sheet at once (a far cell, a sheet too large: no element-by-element parse).
A part that comes whole (tens of KB) is first searched for cells beyond Z99999 or irregular
tags: none found, and no vector scan is needed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from branchctl.errors import BranchctlError
from branchctl.io.cells import column_number
from branchctl.io.safety.facts import MergeBudget, SheetFacts
from branchctl.io.safety.limits import (
    EXCEL_MAX_COLS,
    EXCEL_MAX_ROWS,
    MAX_CELLS,
    check_extent,
    far_cell_name,
    number,
)
from branchctl.io.safety.xmlparts import Elements, Scanner

if TYPE_CHECKING:  # numpy is imported when a large part is scanned: not for a township's file
    import numpy as np

_PAD = b"\x00" * 32


@cache
def _delim() -> np.ndarray:
    """What may follow an element name: space / >."""
    import numpy as np

    delim = np.zeros(256, dtype=bool)
    delim[[9, 10, 13, 32, 47, 62]] = True
    return delim


def _in_range(x: np.ndarray, lo: int, count: int) -> np.ndarray:
    """x in [lo, lo + count) for uint8 arrays (wrap-around makes it one comparison)."""
    import numpy as np

    return (x - np.uint8(lo)) < np.uint8(count)


def _lex_max(a: np.ndarray, starts: np.ndarray, width: int) -> int:
    """The start of the greatest of the equal-width byte strings a[s : s + width]."""
    for k in range(width):
        digits = a[starts + k]
        starts = starts[digits == digits.max()]
    return int(starts[0])


class XlsxCells(Scanner):
    """Exact maximum row and column over standard cell tags, empty cells included; on the way,
    the merged ranges (counted against the budget) and the hidden rows and columns."""

    def __init__(self, path: Path, label: str) -> None:
        self.rows = 0
        self.cols = 0
        self.irregular = False
        self.prefix: bytes | None = None  # b"" or the namespace prefix the cells use (x:c)
        self.facts = SheetFacts()
        self.merges = MergeBudget(path, label)
        self.path, self.label = path, label
        self.whole = False  # the part comes as one region (set by the zip scan)
        self.merges_at = -1  # in a part that comes whole: the ``<`` of its first ``mergeCell``

    def feed(self, region: bytes) -> None:
        # rfind: a search from the end is several times faster than ``in`` or ``find`` for these
        # words, and the merged ranges sit at the end of a sheet
        if region.rfind(b"hidden") >= 0:
            _hidden(region, self.facts)
        if not self.irregular:
            last = region.rfind(b"mergeCell")
            if last >= 0:
                first = _first_merge(region, last)
                self.irregular = not _merges(region, self.merges, first, last)
                if self.whole:
                    self.merges_at = first - 1
        if self.irregular:
            return
        if self.whole and _near_cells_only(region):
            # the part in one region, every cell within Z99999: a bound is enough
            if _CELL_TAG.search(region) is not None:
                self.rows, self.cols = NEAR_BOUND
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
            return
        rows, cols = max(self.rows, found[0]), max(self.cols, found[1])
        if rows * cols > MAX_CELLS >= self.rows * self.cols and not self.prefix:
            _refuse_values_beyond(self.path, self.label, region)
        self.rows, self.cols = rows, cols

    def needs_exact(self) -> bool:
        """True unless every cell tag was standard and the extent is within the limits."""
        return (
            self.irregular
            or self.rows > EXCEL_MAX_ROWS
            or self.cols > EXCEL_MAX_COLS
            or self.rows * self.cols > MAX_CELLS
        )


# A cell holding a value, as every spreadsheet program writes it: the reference first, attribute
# values without ``<`` or ``>``, then the value element. What does not match is left to the exact
# scan (an empty cell, ``<c ...></c>``, does not count: calamine drops it).
_VALUE_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: [A-Za-z:]{1,20}="[^"<>]*")*><(?:v|is|f)[ >]'
)


def _refuse_values_beyond(path: Path, label: str, region: bytes) -> None:
    """Refuse the sheet now if the cells holding a value in this region alone span a grid past
    MAX_CELLS: the region where the extent first passes the limit (a far cell, or the row where
    a too-large sheet crosses it). Otherwise the exact scan decides, after the part."""
    rows = cols = 0
    far = (0, 0)
    for m in _VALUE_CELL.finditer(region):
        row, col = int(m.group(2)), _column(m.group(1))
        rows, cols = max(rows, row), max(cols, col)
        if row * col > (far[0] + 1) * (far[1] + 1):
            far = (row - 1, col - 1)
    if rows <= EXCEL_MAX_ROWS and cols <= EXCEL_MAX_COLS:
        check_extent(path, label, rows, cols, far)


# Merged ranges: ``<mergeCell ref="A1:C2"/>``. A tag the pattern does not read (a ``>`` inside an
# attribute value, other quoting) makes the count differ, and the exact scan counts instead.
_MERGE_REF = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell\s[^>]*?\bref=\"([A-Za-z]{1,3})([0-9]{1,7})"
    rb"(?::([A-Za-z]{1,3})([0-9]{1,7}))?\""
)


def _first_merge(region: bytes, last: int) -> int:
    """Where the first ``mergeCell`` of region is, the last being at ``last``: normally in the
    ``<mergeCells>`` tag that opens the ranges, with none before it (searched from the end)."""
    opening = region.rfind(b"<mergeCells", 0, last)
    if opening >= 0 and region.rfind(b"mergeCell", 0, opening + 9) < 0:
        return opening + 1
    return region.find(b"mergeCell")


def _merges(region: bytes, budget: MergeBudget, first: int, last: int) -> bool:
    """Count the merged ranges of region; False when a tag cannot be read by pattern.

    Only the stretch from the first ``mergeCell`` (at ``first``) to the last (at ``last``) is
    searched (the patterns start at every ``<``; the ranges sit together in one
    ``<mergeCells>`` element).
    """
    region = region[max(first - 256, 0) : last + 256]
    refs = _MERGE_REF.findall(region)
    # every tag read, none hidden from the pattern: each counted once (<mergeCells> aside)
    if len(refs) != region.count(b"mergeCell") - region.count(b"mergeCells"):
        return False
    cells = 0
    for c1, r1, c2, r2 in refs:
        if c2:
            cells += (abs(int(r2) - int(r1)) + 1) * (abs(_column(c2) - _column(c1)) + 1)
        else:
            cells += 1
    budget.add_cells(len(refs), cells)
    return True


_COLUMNS: dict[bytes, int] = {}


def _column(letters: bytes) -> int:
    """column_number, remembered (a sheet's merges name the same few columns again and again)."""
    n = _COLUMNS.get(letters)
    if n is None:
        n = _COLUMNS[letters] = column_number(letters)
    return n


# Hidden rows and columns: ``<row r="5" hidden="1">``, ``<col min="3" max="4" hidden="1"/>``.
_HIDDEN_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?(row|col)\s([^<>]*?\bhidden=\"(?:1|true)\"[^<>]*)>"
)
_ATTR = re.compile(rb"\b(r|min|max)=\"([0-9]{1,7})\"")


def _hidden(region: bytes, facts: SheetFacts) -> None:
    for m in _HIDDEN_TAG.finditer(region):
        attrs = {k: int(v) for k, v in _ATTR.findall(m.group(2))}
        if m.group(1) == b"row" and attrs.get(b"r", 0) > 0:
            facts.hidden_rows.append((attrs[b"r"] - 1, attrs[b"r"]))
        elif m.group(1) == b"col" and attrs.get(b"min", 0) > 0:
            first = attrs[b"min"]
            facts.hidden_cols.append((first - 1, max(first, attrs.get(b"max", first))))


_FIRST_CELL = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?c[\s/>]")


def _tags_ending(a: np.ndarray, n: int, lead: bytes) -> np.ndarray:
    """Offsets in a[:n] just past ``lead`` (b"<c", b"<x:c") where a delimiter follows it."""
    import numpy as np

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
    return pos[_delim()[a[pos]]]


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
    if len(region) <= SMALL_REGION:
        return _small_cell_extent(region, prefix)
    import numpy as np

    n = len(region)
    a = np.frombuffer(region + _PAD + b"\x00" * len(prefix), dtype=np.uint8)
    cells = _tags_ending(a, n, b"<" + prefix + b":c" if prefix else b"<c")
    if region.find(b":") >= 0:  # every <anything:c ...> must be one of those, or its end tag
        colons = np.flatnonzero(a[:n] == 58)
        expected = len(cells) + len(_tags_ending(a, n, b"</" + prefix + b":c")) if prefix else 0
        if ((a[colons + 1] == 99) & _delim()[a[colons + 2]]).sum() != expected:
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
    run = _in_range(a[q], 49, 9)  # 1-9: a leading zero would defeat the comparison below
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
    return int(region[r : r + most_digits]), column_number(region[c : c + most_letters])


# A part that comes whole (a township's sheets: tens of KB) is first searched for any cell tag
# other than ``<c r="X12345"`` (one letter, at most five digits, no leading zero) and for any
# prefixed one: none, and the grid is within Z99999, well under every limit. Two searches that
# find nothing cost a fifth of the vector scan. (Written as one negative look-ahead, digits taken
# possessively, then the delimiter: a fifth fewer steps at each cell than the same as two
# alternatives.)
NEAR_BOUND = (99_999, 26)
_FAR_OR_IRREGULAR = re.compile(rb'<c(?! r="[A-Z][1-9][0-9]{0,4}+")[\t\n\r />]')


def _near_cells_only(region: bytes) -> bool:
    return not _prefixed_cell(region) and _FAR_OR_IRREGULAR.search(region) is None


# Colons a region of tens of KB is searched by, one by one, for a prefixed cell tag, before the
# pattern does it: a sheet written by xlsxwriter has a few (namespaces, merged ranges), one by
# Excel a few on every row; the pattern reads every byte, ``find`` skips to the next colon
# (memchr), but each call costs as much as the pattern reading a few KB.
_COLONS_ONE_BY_ONE = 64
_COLONS_FROM_BYTES = 16 << 10
_DELIMITERS = frozenset((b"\t", b"\n", b"\r", b" ", b"/", b">"))


def _prefixed_cell(region: bytes) -> bool:
    """True if region holds a prefixed cell tag or its end (``x:c`` then a delimiter)."""
    at = region.find(b":")
    for _ in range(_COLONS_ONE_BY_ONE if len(region) >= _COLONS_FROM_BYTES else 0):
        if at < 0:
            return False
        if region[at + 1 : at + 2] == b"c" and region[at + 2 : at + 3] in _DELIMITERS:
            return True
        at = region.find(b":", at + 1)
    return at >= 0 and _PREFIXED_CELL_TAG.search(region, at) is not None


# Below this size a region is scanned with regular expressions: numpy's fixed cost per call
# (about half a millisecond) would dominate a workbook of thousands of small sheets.
SMALL_REGION = 32 << 10
_ANY_CELL = re.compile(rb"<c[\t\n\r />]")
_STANDARD = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_COLON_C = re.compile(rb":c[\t\n\r />]")
_PREFIX_PATTERNS: dict[bytes, tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]] = {}


def _small_cell_extent(region: bytes, prefix: bytes) -> tuple[int, int] | None:
    """What :func:`_standard_cell_extent` gives, by regular expressions (for small regions)."""
    if prefix:
        if prefix not in _PREFIX_PATTERNS:
            p = re.escape(prefix)
            _PREFIX_PATTERNS[prefix] = (
                re.compile(rb"<" + p + rb":c[\t\n\r />]"),
                re.compile(rb"<" + p + rb':c r="([A-Z]{1,3})([0-9]{1,7})"'),
                re.compile(rb"</" + p + rb":c[\t\n\r />]"),
            )
        any_cell, standard, end_tag = _PREFIX_PATTERNS[prefix]
        if _ANY_CELL.search(region):
            return None  # unprefixed cells besides prefixed ones
    else:
        any_cell, standard, end_tag = _ANY_CELL, _STANDARD, _COLON_C
    tags = len(any_cell.findall(region))
    refs = standard.findall(region)
    if len(refs) != tags:
        return None
    if b":" in region:  # every <anything:c ...> must be one of those, or its end tag
        expected = tags + len(end_tag.findall(region)) if prefix else 0
        if len(_COLON_C.findall(region)) != expected:
            return None
    if not refs:
        return 0, 0
    letters, digits = map(set, zip(*refs, strict=True))
    if any(d.startswith(b"0") for d in digits):
        return None  # as the fast path: the exact scan reads such references
    # without leading zeros, the longer string is the larger number, then the greater one
    return int(max(digits, key=_size_then_text)), column_number(max(letters, key=_size_then_text))


def _size_then_text(text: bytes) -> tuple[int, bytes]:
    return len(text), text


# --- the exact scan: parse the part as XML ----------------------------------------------------

_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")
_REF_RANGE = re.compile(rb"([A-Za-z]+)([0-9]+)(?::([A-Za-z]+)([0-9]+))?")


class XlsxExactCells(Elements):
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
        self.beyond: str | None = None  # the reference of a cell past Excel's last, as written
        self.ref: str | None = None
        self.merges = MergeBudget(path, label)

    def _hit(self, row: int, col: int, ref: str | None) -> None:
        if (
            self.beyond is None
            and ref is not None
            and (row >= EXCEL_MAX_ROWS or col >= EXCEL_MAX_COLS)
        ):
            self.beyond = ref
        self.max_row = max(self.max_row, row)
        self.max_col = max(self.max_col, col)
        if (row + 1) * (col + 1) > (self.far[0] + 1) * (self.far[1] + 1):
            self.far = (row, col)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            if self.pending is not None:  # a <c> inside a <c>: count the outer one
                self._hit(*self.pending, self.ref)
            ref = self.ref = attrs.get("r")
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
        elif local == "mergeCell":
            m = _REF_RANGE.fullmatch(attrs.get("ref", "").encode())
            if m:  # calamine rejects a malformed range itself
                r1, c1 = number(m.group(2)) - 1, column_number(m.group(1)) - 1
                r2, c2 = (
                    (number(m.group(4)) - 1, column_number(m.group(3)) - 1)
                    if m.group(3)
                    else (r1, c1)
                )
                self.merges.add(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
        elif self.pending is not None:
            self.pending_value = True  # <v>, <is>, <f> inside the cell

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            if self.pending is not None and self.pending_value:
                self._hit(*self.pending, self.ref)
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
        row = number(m.group(2))
        if row == 0:
            return None
        return row - 1, column_number(m.group(1)) - 1

    def finish(self) -> None:
        super().finish()
        if self.max_row < 0:
            return
        if self.max_row >= EXCEL_MAX_ROWS or self.max_col >= EXCEL_MAX_COLS:
            where = f"地址“{self.beyond}”" if self.beyond else far_cell_name(*self.far)
            raise BranchctlError(
                f"单元格{where}超出 Excel 的最大范围（1,048,576 行、16,384 列即 XFD 列），"
                "文件已损坏或被恶意构造，已拒绝读取",
                path=self.path,
                sheet=self.label,
            )
        check_extent(self.path, self.label, self.max_row + 1, self.max_col + 1, self.far)
