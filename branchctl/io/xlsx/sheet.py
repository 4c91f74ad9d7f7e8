"""Streaming one worksheet's XML with the plan applied: the patch writer's hot loop.

The sheet is read in chunks and written as it goes, never loaded whole. Rows are handled at the
byte level: a row that the plan does not touch is copied as is; a row that it touches gets its
fills (each cell's format cloned with the fill, mapped with ``bytes.replace`` in the common
case) and its new cells; rows that do not exist are created in order. In a block of plain rows
(every row ``<row r=".."``, every cell ``<c r=".." s=".."``: what Excel, WPS and xlsxwriter
write) a data row is written straight from its result: what a row of its shape needs is worked
out once, and its new cells are made once per distinct result, joined with its row number (the
cells themselves are made by :mod:`branchctl.io.xlsx.row_edit`). The small parts before
and after ``<sheetData>`` (dimension, column widths, merges, legacy drawing) are edited with
lxml.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from lxml import etree

from branchctl.io.cells import cell_name
from branchctl.io.xlsx.edits import Group, SheetEdits, set_widths
from branchctl.io.xlsx.package import (
    NS_MAIN,
    SHEET_ORDER,
    PatchUnsupported,
    Styles,
    insert_ordered,
    parse_xml,
)
from branchctl.io.xlsx.plan import RowValues
from branchctl.io.xlsx.row_edit import CELL_R, CELL_S, COLS, SPANS, RowEditor

_CHUNK = 1 << 22  # bytes of sheet XML read at a time
_MARK = b"<!--branchctl-rows-->"
_SHEETDATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(/?)>")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
_ROW_R = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_REF = re.compile(r"([A-Z]+)(\d+)")

_S_VALUE = re.compile(rb'" s="(\d+)"')
_NEVER = 1 << 62  # a row after every row
_ABSENT = object()


class Source(Protocol):
    """Where the sheet comes from: a zip member, or a thread reading one ahead."""

    def read(self, n: int = -1, /) -> bytes: ...


class Sink(Protocol):
    """Where the edited sheet goes: a zip member, or a thread writing to one."""

    def write(self, data: bytes, /) -> int: ...


# ---------------------------------------------------------------- streaming one sheet


class SheetPatcher(RowEditor):
    """Streams one worksheet part from ``src`` to ``dst`` with the edits applied."""

    def __init__(
        self, edits: SheetEdits, styles: Styles, on_tail: Callable[[etree._Element], None]
    ) -> None:
        super().__init__(edits, styles)
        self.on_tail = on_tail
        self.pending = edits.edited_rows()
        self.next = 0  # index into pending
        self.prev_row = -1
        self.style_rows = {r for r, _ in edits.style_cells}
        self.key_memo: dict[tuple[Any, ...], list[bytes]] = {}  # see _edit_direct
        self.one_style: dict[tuple[str, bytes], tuple[bytes, bytes | None]] = {}
        self.shapes: dict[Any, tuple[bytes | None, bytes | None, str | None] | None] = {}
        self.row_memo: dict[tuple[Any, ...], list[bytes]] = {}  # see _plain_rows
        self.rests: dict[bytes, bytes] = {}
        # each group's values, read through their items when they have keys (RowValues)
        self.access: list[tuple[Group, Any, Any, Any]] = [
            (g, g[1].sources.get, g[1].key, g[1].make)
            if isinstance(g[1], RowValues) and g[1].key is not None
            else (g, None, None, None)
            for g in edits.groups
        ]

    # -- regexes for the sheet's namespace prefix (usually none)

    def _setup(self, prefix: bytes) -> None:
        self.set_prefix(prefix)
        p = re.escape(prefix)
        # a block of rows is plain when every row starts <row r=".." and is not empty, and
        # every cell starts <c r=".." s="..": then rows are edited without parsing them
        self.row_tag = re.compile(b"<" + p + rb'row r="(\d+)"[^>]*>')
        self.loose_row = re.compile(b"<" + p + rb'row(?! r="\d++")(?=[\s/>])')
        self.loose_cell = re.compile(b"<" + p + rb'c(?! r="[A-Z]{1,3}+\d++" s="\d)(?=[\s/>])')

    def run(self, src: Source, dst: Sink) -> None:
        buf = b""
        while True:
            m = _SHEETDATA.search(buf)
            if m:
                break
            chunk = src.read(_CHUNK)
            if not chunk:
                raise PatchUnsupported("worksheet without <sheetData>")
            buf += chunk
        prefix = m.group(1) or b""
        self._setup(prefix)
        root = _ROOT.search(buf, 0, m.start())
        if root is None or (root.group(1) or b"") != prefix:
            raise PatchUnsupported("unexpected worksheet root")
        if b"purl.oclc.org" in root.group(0):
            raise PatchUnsupported("strict OOXML")
        head = buf[: m.start()] + b"<" + prefix + b"sheetData>"
        buf = buf[m.end() :]
        close = b"</" + prefix + b"sheetData>"
        if m.group(2):  # <sheetData/>
            buf = close + buf
        dst.write(self._edit_head(head))
        while True:
            end = buf.find(close)
            if end >= 0:
                if self.style_rows:
                    self._scan_styles(buf[:end])
                self._rows(buf[:end], dst)
                self._flush_pending(dst)
                tail = buf[end:] + src.read()
                dst.write(self._edit_tail(root.group(0), tail))
                return
            cut = buf.rfind(self.row_close)
            if cut >= 0:
                cut += len(self.row_close)
                if self._styles_ready(buf[:cut]):
                    self._rows(buf[:cut], dst)
                    buf = buf[cut:]
            chunk = src.read(_CHUNK)
            if not chunk:
                raise PatchUnsupported("worksheet XML ends inside <sheetData>")
            buf += chunk

    # -- before and after the rows

    def _edit_head(self, head: bytes) -> bytes:
        decl = re.match(rb"\s*<\?xml[^>]*\?>", head)
        p = self.prefix
        root = parse_xml(head + _MARK + b"</" + p + b"sheetData></" + p + b"worksheet>")
        ns = etree.QName(root).namespace
        if ns != NS_MAIN:
            raise PatchUnsupported(f"worksheet namespace {ns}")
        edits = self.edits
        dim = root.find(f"{{{ns}}}dimension")
        if dim is not None and (edits.max_row >= 0 or edits.max_col >= 0):
            refs = [_REF.fullmatch(x) for x in dim.get("ref", "A1").upper().split(":")]
            if all(refs):
                rows = [int(m.group(2)) - 1 for m in refs if m]
                cols = [int(COLS[m.group(1).encode()]) for m in refs if m]
                r2, c2 = max(rows + [edits.max_row]), max(cols + [edits.max_col])
                dim.set("ref", f"{cell_name(min(rows), min(cols))}:{cell_name(r2, c2)}")
        cols_el = root.find(f"{{{ns}}}cols")
        if edits.widths:
            if cols_el is None:
                cols_el = etree.Element(f"{{{ns}}}cols")
                insert_ordered(root, cols_el, SHEET_ORDER)
            set_widths(cols_el, ns, edits.widths)
        if cols_el is not None:
            for el in cols_el.iterchildren(f"{{{ns}}}col"):
                style = int(el.get("style", "0") or 0)
                if style:
                    self.col_styles.append(
                        (int(el.get("min", "1")) - 1, int(el.get("max", "1")) - 1, style)
                    )
        text = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False)
        return (decl.group(0) if decl else b"") + text[: text.index(_MARK)]

    def _edit_tail(self, root_tag: bytes, tail: bytes) -> bytes:
        p = self.prefix
        root = parse_xml(root_tag + b"<" + p + b"sheetData>" + _MARK + tail)
        ns = etree.QName(root).namespace
        if self.edits.merges:
            merge_cells = root.find(f"{{{ns}}}mergeCells")
            if merge_cells is None:
                merge_cells = etree.Element(f"{{{ns}}}mergeCells")
                insert_ordered(root, merge_cells, SHEET_ORDER)
            for r1, c1, r2, c2 in self.edits.merges:
                etree.SubElement(
                    merge_cells,
                    f"{{{ns}}}mergeCell",
                    ref=f"{cell_name(r1, c1)}:{cell_name(r2, c2)}",
                )
            merge_cells.set("count", str(len(merge_cells.findall(f"{{{ns}}}mergeCell"))))
        self.on_tail(root)
        text = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
        return text[text.index(_MARK) + len(_MARK) :]

    # -- the rows

    def _last_row(self, block: bytes) -> int | None:
        i = block.rfind(self.row_open)
        if i < 0:
            return None
        m = _ROW_R.search(block, i, block.find(b">", i))
        return int(m.group(1)) - 1 if m else None

    def _iter_rows(self, block: bytes) -> Iterator[tuple[int, int, bytes, bytes | None]]:
        """(start, end, attributes, content or None) of each <row> in a block of whole rows."""
        open_, close, n = self.row_open, self.row_close, len(self.row_open)
        pos = 0
        while True:
            i = block.find(open_, pos)
            if i < 0:
                return
            j = block.find(b">", i)
            if block[j - 1] == 47:  # "/>"
                yield i, j + 1, block[i + n : j - 1], None
                pos = j + 1
            else:
                k = block.find(close, j)
                if k < 0:
                    raise PatchUnsupported("unclosed <row>")
                yield i, k + len(close), block[i + n : j], block[j + 1 : k]
                pos = k + len(close)

    def _styles_ready(self, block: bytes) -> bool:
        if not self.style_rows:
            return True
        last = self._last_row(block)
        if last is None or last < max(self.style_rows):
            return False
        self._scan_styles(block)
        return True

    def _scan_styles(self, block: bytes) -> None:
        """Record the formats of the cells that new header cells copy."""
        prev = -1
        for _, _, attrs, inner in self._iter_rows(block):
            m = _ROW_R.search(attrs)
            r = int(m.group(1)) - 1 if m else prev + 1
            prev = r
            if r not in self.style_rows or inner is None:
                continue
            prev_col = -1
            for cell in self.cell_full.finditer(inner):
                rm = CELL_R.search(cell.group(1))
                col = COLS[rm.group(1)] if rm else prev_col + 1
                prev_col = col
                if (r, col) in self.edits.style_cells:
                    sm = CELL_S.search(cell.group(1))
                    self.found_styles[(r, col)] = int(sm.group(1)) if sm else 0
        self.style_rows = set()

    def _rows(self, block: bytes, dst: Sink) -> None:
        pending, total = self.pending, len(self.pending)
        wanted = pending[self.next] if self.next < total else None
        last = self._last_row(block)
        if last is not None and (wanted is None or wanted > last):
            dst.write(block)  # nothing to change in these rows
            self.prev_row = last
            return
        cut = self._plain_from(block)
        if cut is not None:
            if cut:
                self._parsed_rows(block[:cut], dst)
            self._plain_rows(block[cut:], dst)
        else:
            self._parsed_rows(block, dst)

    def _plain_from(self, block: bytes) -> int | None:
        """Where the plain rows of a block of whole rows begin (after a title or header row
        that is not plain, say); None when few or none are."""
        if b"<![CDATA[" in block or b"<!--" in block:  # a section holding what looks like tags
            return None
        last = -1
        for pattern in (self.loose_row, self.loose_cell):
            for n, m in enumerate(pattern.finditer(block)):
                if n == 64:
                    return None  # not a few header cells: XML of another shape throughout
                last = max(last, m.start())
        if last < 0:
            return 0
        end = block.find(self.row_close, last)
        return None if end < 0 else end + len(self.row_close)

    def _parsed_rows(self, block: bytes, dst: Sink) -> None:
        """:meth:`_rows` for any block: each row parsed, cell by cell where it is edited."""
        pending, total = self.pending, len(self.pending)
        out: list[bytes] = []
        pos = 0
        for start, end, attrs, inner in self._iter_rows(block):
            m = _ROW_R.search(attrs)
            r = int(m.group(1)) - 1 if m else self.prev_row + 1
            self.prev_row = r
            if m and (self.next >= total or pending[self.next] > r):
                continue
            out.append(block[pos:start])
            pos = end
            while self.next < total and pending[self.next] < r:
                out.append(self._create_row(pending[self.next]))
                self.next += 1
            attrs = attrs if m else b' r="%d"' % (r + 1) + attrs
            if self.next < total and pending[self.next] == r:
                self.next += 1
                out.append(self._edit_row(r, attrs, inner or b""))
            else:
                out.append(
                    self.row_open
                    + attrs
                    + (b"/>" if inner is None else b">" + inner + self.row_close)
                )
        out.append(block[pos:])
        dst.write(b"".join(out))

    def _plain_rows(self, block: bytes, dst: Sink) -> None:
        """:meth:`_rows` for a plain block: each row found by its tag alone, and a data row
        edited straight from its values (:meth:`_edit_direct`)."""
        pending, total = self.pending, len(self.pending)
        nxt = self.next
        wanted = pending[nxt] if nxt < total else _NEVER
        close = self.row_close
        open_n, close_n = len(self.row_open), len(close)
        out: list[bytes] = []
        pos = 0
        r = self.prev_row
        # the common row at the least cost: one group of keyed values, every cell in one
        # format; what the row needs is worked out once per shape (_shape)
        single = self.access[0] if len(self.access) == 1 and self.access[0][1] else None
        get: Any
        keyf: Any
        make: Any
        get, keyf, make = single[1:] if single else (None, None, None)
        first, n_new = (single[0][0], single[0][3]) if single else (0, 0)
        special, fills_get = self.edits.rows, self.edits.fills.get
        match, cell_sp, cell_open = self.cell_rs.match, self.cell_sp, self.cell_open
        shapes, row_memo, rests = self.shapes, self.row_memo, self.rests
        for m in self.row_tag.finditer(block):
            r = int(m.group(1)) - 1
            if r < wanted:
                continue  # untouched: copied with the bytes around it
            start, j = m.span()
            if start != pos:
                out.append(block[pos:start])
            tag = m.group(0)
            empty = tag[-2] == 47  # <row .../>
            if empty:
                k = pos = j
            else:
                k = block.find(close, j)
                if k < 0:
                    raise PatchUnsupported("unclosed <row>")
                pos = k + close_n
            while wanted < r:
                out.append(self._create_row(wanted))
                nxt += 1
                wanted = pending[nxt] if nxt < total else _NEVER
            if wanted != r:
                out.append(block[start:pos])
                continue
            nxt += 1
            wanted = pending[nxt] if nxt < total else _NEVER
            if empty:
                out.append(self._edit_row(r, tag[open_n:-2], b""))
                continue
            if get is not None and r not in special:  # looked at in place, copied once
                item = get(r, _ABSENT)
                n = block.count(cell_sp, j, k)
                if item is not _ABSENT and n and n == block.count(b'" s="', j, k):
                    head = match(block, j, k)
                    tail = match(block, block.rfind(cell_open, j, k), k)
                    if head is not None and tail is not None:
                        base = tail.group(2)
                        fill = fills_get(r)
                        row_shape = (fill, n, head.group(1), tail.group(1), head.group(2), base)
                        shape = shapes.get(row_shape)
                        if shape is None:
                            shape = self._shape(row_shape)
                        if shape is not None and (
                            shape[0] is None or block.count(shape[0], j, k) == n
                        ):
                            cells_key = (base, shape[2], keyf(item))
                            pieces = row_memo.get(cells_key)
                            if pieces is None:
                                if len(row_memo) > 100_000:
                                    row_memo.clear()
                                pieces = row_memo[cells_key] = self._made(
                                    first, n_new, make(item), base, shape[2]
                                )
                            # the tag after its row number, without spans (a hint; ours would
                            # be stale), worked out once per spelling
                            after = m.end(1) - start + 1
                            rest = rests.get(tag[after:])
                            if rest is None:
                                if len(rests) > 10_000:
                                    rests.clear()
                                rest = rests[tag[after:]] = SPANS.sub(b"", tag[after:])
                            out += (
                                tag[:after],
                                rest,
                                block[j:k]
                                if shape[0] is None or shape[1] is None
                                else block[j:k].replace(shape[0], shape[1]),
                                (b"%d" % (r + 1)).join(pieces),
                                close,
                            )
                            continue
            inner = block[j:k]
            edited = self._edit_direct(r, tag, inner)
            out.append(edited if edited is not None else self._edit_row(r, tag[open_n:-1], inner))
        out.append(block[pos:])
        self.next, self.prev_row = nxt, r
        dst.write(b"".join(out))

    def _edit_direct(self, r: int, tag: bytes, inner: bytes) -> bytes | None:
        """A data row of a plain block with its fill and appended values (no header cell, no
        mark), made as :meth:`_edit_fast` makes it; None for anything else."""
        if r in self.edits.rows:
            return None  # header cells or marks: the general path
        first = n_new = hits = 0
        left: int | None = None
        values: list[Any] | None = None
        key: Any = None
        item: Any = None
        make: Any = None
        for (g_first, g_values, g_left, g_n), get, keyf, g_make in self.access:
            if get is not None:
                item = get(r, _ABSENT)
                if item is _ABSENT:
                    continue
                key, make = keyf(item), g_make
            else:
                values = g_values.get(r)
                if values is None:
                    continue
            hits += 1
            first, left, n_new = g_first, g_left, g_n
        if hits > 1:
            return None  # in two groups
        n = inner.count(self.cell_sp)
        if n != inner.count(b'" s="'):  # text that looks like a format: the general path
            return None
        head = tail = None
        last = -1
        if n:
            head = self.cell_rs.match(inner)
            if head is None:
                head = self.cell_rs.search(inner)
            tail = self.cell_rs.match(inner, inner.rfind(self.cell_open))
            if head is None or tail is None:
                return None
            last = COLS[tail.group(1)]
            if hits and last >= first:
                return None  # new cells among the old: the general path
        body = inner
        fill = self.edits.fills.get(r)
        if fill is not None:
            lo, hi, color = fill
            covered = 0
            if hits:
                covered = max(0, min(hi, first + n_new - 1) - max(lo, first) + 1)
            if n != hi - lo + 1 - covered:
                return None
            if head is not None:
                if not (lo <= COLS[head.group(1)] and last <= hi):
                    return None
                one = self.one_style.get((color, head.group(2)))
                if one is None:
                    one = self._one_style(color, head.group(2))
                if inner.count(one[0]) == n:  # every cell in the same format
                    if one[1] is not None:
                        body = inner.replace(one[0], one[1])
                else:
                    body = self._map_styles(inner, set(_S_VALUE.findall(inner)), color)
        attrs = tag[len(self.row_open) : -1]
        if b"spans" in attrs:
            attrs = SPANS.sub(b"", attrs)  # spans is an optional hint; ours would be stale
        if not hits:
            return self.row_open + attrs + b">" + body + self.row_close
        if tail is None or left is None or last != left:
            return None  # the new cells' format found the long way
        end = first + n_new - 1
        if fill is None or fill[1] < first or fill[0] > end:
            new_fill = None
        elif fill[0] <= first and end <= fill[1]:
            new_fill = fill[2]
        else:
            return None  # the fill covers part of the new cells
        row = b"%d" % (r + 1)
        base = tail.group(2)
        if values is None:  # cells made once for the rows whose items share a key
            shape = (first, n_new, base, new_fill, key)
            pieces = self.key_memo.get(shape)
            if pieces is None:
                if len(self.key_memo) > 100_000:
                    self.key_memo.clear()
                pieces = self.key_memo[shape] = self._made(first, n_new, make(item), base, new_fill)
            cells = row.join(pieces)
        else:
            cells = self._data_cells(row, first, n_new, values, base, new_fill)
        return self.row_open + attrs + b">" + body + cells + self.row_close

    def _shape(
        self, row_shape: tuple[tuple[int, int, str] | None, int, bytes, bytes, bytes, bytes]
    ) -> tuple[bytes | None, bytes | None, str | None] | None:
        """For a row of the single group whose ``n`` cells (from ``head`` to ``tail``) all have
        the format of its first: (what to replace, by what, the new cells' fill), as
        :meth:`_edit_direct` would make them; None when the row takes another path."""
        fill, n, head, tail, style, _ = row_shape
        (first, _, left, n_new), _, _, _ = self.access[0]
        found: tuple[bytes | None, bytes | None, str | None] | None = None
        last = COLS[tail]
        end = first + n_new - 1
        if last < first and left is not None and last == left:
            if fill is None:
                found = (None, None, None)
            else:
                lo, hi, color = fill
                covered = max(0, min(hi, end) - max(lo, first) + 1)
                new_fill = None if hi < first or lo > end else color
                if (
                    n == hi - lo + 1 - covered
                    and lo <= COLS[head]
                    and last <= hi
                    and (new_fill is None or (lo <= first and end <= hi))
                ):
                    one = self.one_style.get((color, style)) or self._one_style(color, style)
                    found = (one[0], one[1], new_fill)
        self.shapes[row_shape] = found
        return found

    def _one_style(self, color: str, old: bytes) -> tuple[bytes, bytes | None]:
        """(`" s="old"`, its replacement with the fill ``color``, None if the same)."""
        memo = self._fill_memo(color)
        if old not in memo:
            memo[old] = b"%d" % self.styles.with_fill(int(old), color)
        new = memo[old]
        found = self.one_style[(color, old)] = (
            b'" s="' + old + b'"',
            b'" s="' + new + b'"' if new != old else None,
        )
        return found

    def _flush_pending(self, dst: Sink) -> None:
        while self.next < len(self.pending):
            dst.write(self._create_row(self.pending[self.next]))
            self.next += 1
