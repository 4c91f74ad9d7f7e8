"""Editing one row of a worksheet's XML: the cells the plan adds and the fills it gives, made
from each row's edit (:class:`~branchctl.io.xlsx.edits.RowEdit`) and memoised, since rows
repeat their results. :class:`~branchctl.io.xlsx.sheet.SheetPatcher` streams the sheet and
hands each touched row here.
"""

from __future__ import annotations

import re
from typing import Any

from branchctl.io.cells import cell_name, column_letter
from branchctl.io.xlsx.edits import DATA, FILL, HEADER, RowEdit, SheetEdits
from branchctl.io.xlsx.package import Styles
from branchctl.io.xlsx.parts import cell_tail, number_format

CELL_R = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""")
CELL_S = re.compile(rb"""\ss\s*=\s*["'](\d+)["']""")
SPANS = re.compile(rb"""\sspans\s*=\s*["'][^"']*["']""")
_CUSTOM_FORMAT = re.compile(rb"""\scustomFormat\s*=\s*["'](?:1|true)["']""")
_NO_CELL = (None, FILL, None)


class _Columns(dict[bytes, int]):
    """Column letters -> 0-based index, computed once per letters."""

    def __missing__(self, letters: bytes) -> int:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ch - 64
        self[letters] = n - 1
        return n - 1


COLS = _Columns()


class RowEditor:
    """The row-level half of the patch writer: its memos and the regexes of the sheet's
    namespace prefix (set by :meth:`set_prefix`)."""

    prefix: bytes
    p: str
    row_open: bytes
    row_close: bytes
    cell_open: bytes
    cell_sp: bytes
    cell_rs: re.Pattern[bytes]
    odd_cell: re.Pattern[bytes]
    cell_full: re.Pattern[bytes]
    has_value: re.Pattern[bytes]

    def __init__(self, edits: SheetEdits, styles: Styles) -> None:
        self.edits = edits
        self.styles = styles
        self.col_styles: list[tuple[int, int, int]] = []  # (first, last, style) from <cols>
        self.found_styles: dict[tuple[int, int], int] = {}
        self.fill_memos: dict[str, dict[bytes, bytes]] = {}  # fill -> old s -> new s
        self.new_memo: dict[tuple[Any, ...], bytes] = {}  # -> the s attribute of a new cell
        self.tails: dict[tuple[type, Any], tuple[bytes, str | None]] = {}
        self.refs: dict[int, bytes] = {}  # column -> b'<c r="AB'
        self.group_refs: dict[tuple[int, int], list[bytes]] = {}
        self.group_memo: dict[tuple[Any, ...], list[bytes]] = {}  # see _group_cells

    def set_prefix(self, prefix: bytes) -> None:
        """The byte patterns of rows and cells under the sheet's namespace prefix (usually none)."""
        p = re.escape(prefix)
        self.prefix = prefix
        self.p = prefix.decode()
        self.row_open = b"<" + prefix + b"row"
        self.row_close = b"</" + prefix + b"row>"
        self.cell_open = b"<" + prefix + b'c r="'
        self.cell_sp = b"<" + prefix + b"c "
        self.cell_rs = re.compile(b"<" + p + rb'c r="([A-Z]{1,3})\d+" s="(\d+)"')
        self.odd_cell = re.compile(b"<" + p + rb"c(?:[\t\r\n>]|/>)")
        self.cell_full = re.compile(
            b"<" + p + rb"c(?=[\s/>])([^>]*?)(/>|>(.*?)</" + p + rb"c>)", re.S
        )
        self.has_value = re.compile(b"<" + p + rb"(?:v|is|f)[\s/>]")

    def _create_row(self, r: int) -> bytes:
        ed = self.edits.row_edit(r)
        cells = ed.new_cells()
        cols = sorted(set(cells) | ed.targets())
        body = self._new_cells(r, cols, ed, cells, {}, b"")
        return self.row_open + b' r="%d">' % (r + 1) + body + self.row_close

    def _edit_row(self, r: int, attrs: bytes, inner: bytes) -> bytes:
        ed = self.edits.row_edit(r)
        if b"spans" in attrs:
            attrs = SPANS.sub(b"", attrs)  # spans is an optional hint; ours would be stale
        body = self._edit_fast(r, inner, ed, attrs)
        if body is None:
            body = self._edit_slow(r, inner, ed, ed.new_cells(), attrs)
        return self.row_open + attrs + b">" + body + self.row_close

    def _edit_fast(self, r: int, inner: bytes, ed: RowEdit, attrs: bytes) -> bytes | None:
        """The common case at C speed: fills mapped with bytes.replace, new cells appended.

        Returns None (use the slow path) unless every cell starts ``<c r=".." s=".."``, every
        cell to fill exists and the new cells all lie right of the existing ones. Counting
        ``" s="`` proves that no text in the row contains it, so replacing it is safe.
        """
        if ed.headers or self.odd_cell.search(inner):
            return None
        found = self.cell_rs.findall(inner)
        n = len(found)
        if n != inner.count(self.cell_sp) or n != inner.count(b'" s="'):
            return None
        groups = ed.groups
        first_new = min(g[0] for g in groups) if groups else None
        last = COLS[found[-1][0]] if n else -1
        if n and first_new is not None and last >= first_new:
            return None
        fill, marks = ed.fill, ed.marks
        body = inner
        if fill is not None and not marks:
            lo, hi, color = fill
            covered = 0
            for g in groups:
                covered += max(0, min(hi, g[0] + g[3] - 1) - max(lo, g[0]) + 1)
            if n != hi - lo + 1 - covered or (n and not (lo <= COLS[found[0][0]] and last <= hi)):
                return None
            if n:
                body = self._map_styles(inner, {x[1] for x in found}, color)
        elif fill is not None or marks:
            cols = [COLS[x[0]] for x in found]
            body, restyled = self._restyle_each(inner, cols, found, ed)
            if restyled != len(ed.targets().difference(ed.new_cells())):
                return None
        if not groups:
            return body
        lefts: dict[int, bytes | None] = {}
        for g in groups:
            left = g[2]
            if left is not None and left not in lefts and n:
                if last == left:
                    lefts[left] = found[-1][1]
                else:
                    cols = [COLS[x[0]] for x in found]
                    if left in cols:
                        lefts[left] = found[cols.index(left)][1]
        return body + self._group_cells(r, ed, lefts, attrs)

    def _map_styles(self, inner: bytes, olds: set[bytes], color: str) -> bytes:
        """Give every cell of the row the fill ``color``, one replace per distinct format."""
        memo = self._fill_memo(color)
        ordered = sorted(olds)  # not the set's order: that of bytes changes with the hash seed
        for x in ordered:
            if x not in memo:
                memo[x] = b"%d" % self.styles.with_fill(int(x), color)
        changes = [(x, memo[x]) for x in ordered if memo[x] != x]
        if len(changes) > 1 and {new for _, new in changes} & olds:  # a chain: go via markers
            for i, (old, _) in enumerate(changes):
                inner = inner.replace(b'" s="' + old + b'"', b'" s="\x00%d"' % i)
            changes = [(b"\x00%d" % i, new) for i, (_, new) in enumerate(changes)]
        for old, new in changes:
            inner = inner.replace(b'" s="' + old + b'"', b'" s="' + new + b'"')
        return inner

    def _restyle_each(
        self, inner: bytes, cols: list[int], found: list[tuple[bytes, bytes]], ed: RowEdit
    ) -> tuple[bytes, int]:
        pieces = inner.split(b'" s="')  # piece k + 1 starts with cell k's format
        restyled = 0
        for k, col in enumerate(cols):
            color = ed.fill_at(col)
            if color is None:
                continue
            memo = self._fill_memo(color)
            old = found[k][1]
            if old not in memo:
                memo[old] = b"%d" % self.styles.with_fill(int(old), color)
            pieces[k + 1] = memo[old] + pieces[k + 1][len(old) :]
            restyled += 1
        return b'" s="'.join(pieces), restyled

    def _group_cells(
        self, r: int, ed: RowEdit, lefts: dict[int, bytes | None], attrs: bytes
    ) -> bytes:
        """The appended data cells of a row, formatted like the table's last cell."""
        row = b"%d" % (r + 1)
        out: list[bytes] = []
        fill, marks = ed.fill, ed.marks
        for first, values, left, n in ed.groups:
            last = first + n - 1
            if left not in lefts or (marks and any(first <= c <= last for c in marks)):
                out.append(
                    self._new_cells(
                        r, list(range(first, last + 1)), ed, ed.new_cells(), lefts, attrs
                    )
                )
                continue
            if fill is None or fill[1] < first or fill[0] > last:
                color = None
            elif fill[0] <= first and last <= fill[1]:
                color = fill[2]
            else:  # the fill covers part of the group
                out.append(
                    self._new_cells(
                        r, list(range(first, last + 1)), ed, ed.new_cells(), lefts, attrs
                    )
                )
                continue
            out.append(self._data_cells(row, first, n, values, lefts[left], color))
        return b"".join(out)

    def _data_cells(
        self, row: bytes, first: int, n: int, values: list[Any], base: bytes | None, color: Any
    ) -> bytes:
        """``n`` appended data cells from column ``first`` of the row numbered ``row``, formatted
        like the table's cell of format ``base``, with the fill ``color``."""
        if len(values) < n:
            values = [*values, *([None] * (n - len(values)))]
        # rows repeat their results: the cells are made once per values, the row number
        # joined in between (ref, row, s and value, ref, row, …)
        try:
            shape = (first, n, base, color, tuple(values), tuple(map(type, values)))
            pieces = self.group_memo.get(shape)
        except TypeError:  # a value that cannot be a key: made the long way
            shape, pieces = None, None
        if pieces is not None:
            return row.join(pieces)
        made = self._made(first, n, values, base, color)
        if shape is not None:
            if len(self.group_memo) > 100_000:
                self.group_memo.clear()
            self.group_memo[shape] = made
        return row.join(made)

    def _made(
        self, first: int, n: int, values: list[Any], base: bytes | None, color: Any
    ) -> list[bytes]:
        """The pieces of :meth:`_data_cells`, to be joined by the row number."""
        if len(values) < n:
            values = [*values, *([None] * (n - len(values)))]
        tails, memo = self.tails, self.new_memo
        key: tuple[Any, ...] = (DATA, base, color, None)
        plain = memo.get(key) or self._new_style(key)
        made: list[bytes] = []  # joined by the row number: ref, row, s and value, ref, …
        before = b""
        for ref, value in zip(self._refs(first, n), values, strict=False):
            found = tails.get((value.__class__, value))
            tail, fmt = found if found is not None else self._tail(value)
            if fmt is None:
                s = plain
            else:
                key = (DATA, base, color, fmt)
                s = memo.get(key) or self._new_style(key)
            made.append(before + ref)
            before = s + tail
        made.append(before)
        return made

    def _refs(self, first: int, n: int) -> list[bytes]:
        """b'<c r="U', b'<c r="V', ... for ``n`` columns from ``first``."""
        key = (first, n)
        refs = self.group_refs.get(key)
        if refs is None:
            refs = self.group_refs[key] = [
                self.cell_open + column_letter(c).encode() for c in range(first, first + n)
            ]
        return refs

    def _fill_memo(self, color: str) -> dict[bytes, bytes]:
        memo = self.fill_memos.get(color)
        if memo is None:
            memo = self.fill_memos[color] = {}
        return memo

    def _edit_slow(
        self,
        r: int,
        inner: bytes,
        ed: RowEdit,
        cells: dict[int, tuple[Any, int, Any]],
        attrs: bytes,
    ) -> bytes:
        """Merge new cells into the row in column order; keep every cell that holds a value."""
        wanted = sorted(set(cells) | ed.targets())
        out: list[bytes] = []
        lefts: dict[int, bytes | None] = {}
        pos, i, prev = 0, 0, -1
        p = self.prefix
        matches = list(self.cell_full.finditer(inner))
        for m in matches:
            rm = CELL_R.search(m.group(1))
            col = COLS[rm.group(1)] if rm else prev + 1
            prev = col
            out.append(inner[pos : m.start()])
            pos = m.end()
            while i < len(wanted) and wanted[i] < col:
                out.append(self._new_cells(r, [wanted[i]], ed, cells, lefts, attrs))
                i += 1
            sm = CELL_S.search(m.group(1))
            lefts[col] = sm.group(1) if sm else None
            if i < len(wanted) and wanted[i] == col:
                i += 1
                content = m.group(3)
                if col in cells and not (content and self.has_value.search(content)):
                    out.append(self._new_cells(r, [col], ed, cells, lefts, attrs))
                    continue
            cell_attrs = m.group(1)
            fill = ed.fill_at(col)
            if fill is not None:
                s = b' s="%d"' % self.styles.with_fill(int(sm.group(1)) if sm else 0, fill)
                cell_attrs = CELL_S.sub(s, cell_attrs, count=1) if sm else cell_attrs + s
            if not rm:
                cell_attrs = b' r="%s"' % cell_name(r, col).encode() + cell_attrs
            out.append(b"<" + p + b"c" + cell_attrs + m.group(2))
        tail = inner[pos:]
        out.append(self._new_cells(r, wanted[i:], ed, cells, lefts, attrs))
        out.append(tail)
        return b"".join(out)

    def _default_style(self, attrs: bytes, col: int) -> int:
        """The format Excel shows for a missing cell: the row's, else the column's."""
        if attrs and _CUSTOM_FORMAT.search(attrs):
            m = CELL_S.search(attrs)
            if m:
                return int(m.group(1))
        for first, last, style in self.col_styles:
            if first <= col <= last:
                return style
        return 0

    def _new_cells(
        self,
        r: int,
        new_cols: list[int],
        ed: RowEdit,
        cells: dict[int, tuple[Any, int, Any]],
        lefts: dict[int, bytes | None],
        attrs: bytes,
    ) -> bytes:
        row = b"%d" % (r + 1)
        return b"".join(self._new_cell(row, c, ed, cells, lefts, attrs) for c in new_cols)

    def _new_cell(
        self,
        row: bytes,
        col: int,
        ed: RowEdit,
        cells: dict[int, tuple[Any, int, Any]],
        lefts: dict[int, bytes | None],
        attrs: bytes,
    ) -> bytes:
        """One new cell; ``lefts`` holds the formats of this row's cells that data cells copy."""
        value, kind, source = cells.get(col, _NO_CELL)
        tail, fmt = self._tail(value)
        fill = ed.fill_at(col)
        if kind == HEADER:
            key: tuple[Any, ...] = (HEADER, source, fill, fmt)
        elif kind == DATA and source in lefts:  # like the table's last cell in this row
            key = (DATA, lefts[source], fill, fmt)
        else:
            key = (kind, self._default_style(attrs, col), fill, fmt)
        s = self.new_memo.get(key)
        if s is None:
            s = self._new_style(key)
        ref = self.refs.get(col)
        if ref is None:
            ref = self.refs[col] = self.cell_open + column_letter(col).encode()
        return ref + row + s + tail

    def _new_style(self, key: tuple[Any, ...]) -> bytes:
        """The ``s`` attribute (after the ref's closing quote) for a new cell's memo key."""
        styles = self.styles
        kind, base, fill, fmt = key
        if kind == HEADER:
            found = self.found_styles.get(base) if base else None
            style = found if found is not None else styles.cell_style("header")
        elif kind == DATA:
            style = styles.general(int(base or 0))
        else:
            style = base
        if fill:
            style = styles.with_fill(style, fill)
        if fmt:
            style = styles.with_numfmt(style, fmt)
        s = self.new_memo[key] = b'" s="%d"' % style if style else b'"'
        return s

    def _tail(self, value: Any) -> tuple[bytes, str | None]:
        """A new cell's XML after its ``s`` attribute, and the number format it needs."""
        key = (type(value), value) if isinstance(value, str | int | float | None) else None
        if key is not None and key in self.tails:
            return self.tails[key]
        found = (cell_tail(value, self.p).encode(), number_format(value))
        if key is not None:
            if len(self.tails) > 100_000:
                self.tails.clear()
            self.tails[key] = found
        return found
