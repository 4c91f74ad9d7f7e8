"""A workbook made from scratch: the starting point the patch writer annotates.

A table the tool builds itself (the county ledger: one row per branch of every township) is
written here as a plain .xlsx — header rows styled like the header of a new sheet, text in the
shared strings (``=…`` stays text), numbers as numbers, dates as dates, the header frozen and
filtered — with the part of its annotation plan that touches every row already applied: the
appended columns and the row fills. The rest of the plan (cell marks with their comments, new
sheets) is then applied by :func:`branchctl.io.xlsx.write.write_annotated`, which copies the
rows it does not touch as they are; so a county ledger gets the same columns, fills and comments
as a township's rated copy.

The rows are rendered apart from the sheet they go into (:func:`render_rows`), where they are
made — a county's in the worker that rated the file — into their XML with a ``%s`` wherever only
the whole sheet knows the answer: the row's number, its ordinal (序号), a text's index in the
shared strings, a cell format's index. Writing the sheet (:func:`write_plain`) then fills those
in, block by block, in order: the indexes come out as if the sheet had been rendered in one go.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from branchctl.io.cells import column_letter
from branchctl.io.xlsx.package import (
    CT_SHEET,
    CT_STYLES,
    CT_WORKBOOK,
    NS_MAIN,
    NS_PKG_R,
    NS_R,
    RT,
    Styles,
    to_bytes,
)
from branchctl.io.xlsx.parts import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    cell_tail,
    display_width,
    escape_text,
)
from branchctl.io.xlsx.plan import SheetPlan

WIDTH_SAMPLE = 500  # rows looked at to fit a column's width
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CT_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

# What each ``%s`` of rendered rows stands for: code = 4 * index + kind (see RowsXml.codes)
ROW, NUMBER, TEXT, STYLE = range(4)
StyleKey = tuple[str, str | None, type | None]  # (look, fill, date type): one cell format
Fill = tuple[int, int, str]  # (first col, last col, fill) of a row
_DEFAULT: StyleKey = ("plain", None, None)  # the workbook's default cell format: no ``s``


@dataclass
class RowsXml:
    """Rows rendered apart from their sheet (see the module's notes): picklable and compact."""

    template: str  # the rows' XML, a ``%s`` where the sheet decides (and ``%%`` for ``%``)
    codes: array  # per ``%s``: 4 * index + kind, the index into rows, numbers, texts or styles
    # the numbers, in the order first met (equal ones once, as the sheet writes them: 2 after
    # 2.0 is written 2.0); an ordinal stands in as its row (an index into rows) at ``ordinals``
    numbers: list[int | float]
    ordinals: list[int]  # the places in ``numbers`` that hold a row's ordinal
    texts: list[str]  # the texts, in the order first met
    styles: list[StyleKey]  # the cell formats, in the order first asked for
    rows: int
    width: int  # columns: the longest row


@dataclass
class PlainSheet:
    """One sheet to write: header rows (values) and the rows below them, already rendered."""

    name: str
    header: list[list[Any]]  # the first rows, styled as a header, frozen and filtered
    parts: list[RowsXml] = field(default_factory=list)  # the rows below, block by block
    sample: list[list[Any]] = field(default_factory=list)  # the first rows below, as values
    widths: dict[int, float] = field(default_factory=dict)  # column -> width; else fitted


def applied(
    rows: list[list[Any]], plan: SheetPlan
) -> tuple[list[list[Any]], dict[int, Fill], dict[int, float]]:
    """``rows`` with ``plan``'s appended columns written in (headers in the header row), the
    row fills and the widths the appended columns ask for; both taken out of the plan, which
    keeps its cell marks. The rows themselves are copied only where they grow."""
    rows = list(rows)
    widths: dict[int, float] = {}
    for group in plan.appended:
        first, n = group.first_col, len(group.headers)
        for r, values in [(group.header_row, group.headers), *group.values.items()]:
            line = rows[r]
            cells = [*values[:n], *[None] * (n - len(values))]
            if len(line) <= first:
                rows[r] = [*line, *[None] * (first - len(line)), *cells]
            else:
                rows[r] = [*line[:first], *[None] * (first - len(line)), *cells, *line[first + n :]]
        for i, w in enumerate(group.widths or []):
            if w is not None:  # else fitted to the values, as the others
                widths[first + i] = w
    fills, plan.appended, plan.row_fills = plan.row_fills, [], {}
    return rows, fills, widths


def render_rows(
    lines: Sequence[list[Any]],
    look: str = "plain",
    fills: dict[int, Fill] | None = None,
    ordinal: int | None = None,
) -> RowsXml:
    """``lines`` (a sheet's rows from its first row or any row below) as :class:`RowsXml`:
    cells styled as ``look``, a row's ``fills`` (by its index in ``lines``) over its columns
    c1..c2; the cells of column ``ordinal`` hold the row's ordinal, whatever they hold here."""
    fills = fills or {}
    width = max(
        (max(len(line), fills[j][1] + 1 if j in fills else 0) for j, line in enumerate(lines)),
        default=0,
    )
    # a cell's XML up to its value: its column, then %s for its row and its format
    heads = [f'<c r="{column_letter(c)}%s"%s' for c in range(width)]
    valued = [f"{head}%s" for head in heads]  # and %s for its value
    blank = [f"{head}/>" for head in heads]  # an empty cell, for its format
    texts: dict[str, int] = {}
    styles: dict[StyleKey, int] = {}
    numbers: dict[int | float, int] = {}  # a number, its place among the numbers and ordinals
    ordinals: list[int] = []
    rows_of: list[int] = []  # the row of each ordinal
    codes: list[int] = []
    out: list[str] = []
    put, code = out.append, codes.extend
    none = (0, -1, None)

    def style(key: StyleKey) -> int:
        found = styles.get(key)
        if found is None:
            found = styles[key] = 4 * len(styles) + STYLE
        return found

    outside_key: StyleKey = (look, None, None)
    for j, line in enumerate(lines):
        row = 4 * j + ROW
        c1, c2, fill = fills.get(j, none)
        inside_key = (look, fill, None) if fill else outside_key
        outside, inside = style(outside_key), style(inside_key)
        # an empty cell is written only for its format: not in the default one
        shown_out, shown_in = outside_key != _DEFAULT, inside_key != _DEFAULT
        put('<row r="%s">')
        codes.append(row)
        cells = line if len(line) > c2 else [*line, *[None] * (c2 + 1 - len(line))]
        for c, value in enumerate(cells):
            within = c1 <= c <= c2
            st = inside if within else outside
            kind_of = type(value)
            if c == ordinal:
                found = 4 * (len(numbers) + len(ordinals)) + NUMBER
                ordinals.append(found >> 2)
                rows_of.append(j)
            elif kind_of is str and value:
                known = texts.get(value)
                found = (
                    known if known is not None else texts.setdefault(value, 4 * len(texts) + TEXT)
                )
            elif value is None or value == "":
                if shown_in if within else shown_out:
                    put(blank[c])
                    code((row, st))
                continue
            elif kind_of is int or kind_of is float:
                known = numbers.get(value)
                found = (
                    known
                    if known is not None
                    else numbers.setdefault(value, 4 * (len(numbers) + len(ordinals)) + NUMBER)
                )
            else:
                tail = cell_tail(value).replace("%", "%%")
                if isinstance(value, dt.date):
                    st = style((look, fill if within else None, _date_kind(value)))
                put(heads[c] + tail)
                code((row, st))
                continue
            put(valued[c])
            code((row, st, found))
        put("</row>")
    places: list[int | float] = [0] * (len(numbers) + len(ordinals))
    for value, at in numbers.items():
        places[at >> 2] = value
    for at, j in zip(ordinals, rows_of, strict=True):
        places[at] = j
    small = max(codes, default=0) < 1 << 16  # two bytes a code on the way back
    return RowsXml("".join(out), array("H" if small else "I", codes), places, ordinals,
                   list(texts), list(styles), len(lines), width)  # fmt: skip


def write_plain(sheets: list[PlainSheet], out: Path) -> None:
    """Write ``sheets`` as a new .xlsx at ``out`` (not atomically: a scratch file)."""
    styles = _Styles(Styles(None))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:  # a scratch file: read once, soon
        z.writestr("[Content_Types].xml", _content_types(len(sheets)))
        z.writestr("_rels/.rels", _rels([("officeDocument", "xl/workbook.xml")]))
        z.writestr("xl/workbook.xml", _workbook([s.name for s in sheets]))
        targets = [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
        parts = [*targets, ("styles", "styles.xml"), ("sharedStrings", "sharedStrings.xml")]
        z.writestr("xl/_rels/workbook.xml.rels", _rels(parts))
        strings = _SharedTails()  # text -> the end of its cell's XML, by its index
        for i, plain in enumerate(sheets, 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as f:
                for chunk in _sheet_xml(plain, styles, strings):
                    f.write(chunk.encode())
        z.writestr("xl/styles.xml", to_bytes(styles.styles.root))
        z.writestr("xl/sharedStrings.xml", _shared_strings(strings))


class _Styles:
    """Cell formats by (look, fill, value type), made once."""

    def __init__(self, styles: Styles) -> None:
        self.styles = styles
        self.made: dict[StyleKey, str] = {}

    def attr(self, key: StyleKey) -> str:
        """`` s="N"`` for a cell, or "" for the default format."""
        found = self.made.get(key)
        if found is None:
            kind, fill, value_type = key
            s = self.styles.cell_style(kind, fill) if key[:2] != _DEFAULT[:2] else 0
            if value_type is dt.datetime:
                s = self.styles.with_numfmt(s, DATETIME_FORMAT)
            elif value_type is dt.date:
                s = self.styles.with_numfmt(s, DATE_FORMAT)
            found = self.made[key] = f' s="{s}"' if s else ""
        return found


class _SharedTails(dict[str, str]):
    """Text -> the end of its cell's XML, pointing into the shared strings (added when new)."""

    def __missing__(self, text: str) -> str:
        tail = self[text] = f' t="s"><v>{len(self)}</v></c>'
        return tail


class _NumberTails(dict[int | float, str]):
    """Number -> the end of its cell's XML, made once for equal numbers (so 2 after 2.0 is
    written as 2.0: how the sheet has always been written)."""

    def __missing__(self, value: int | float) -> str:
        tail = self[value] = cell_tail(value)
        return tail


def _filled(
    part: RowsXml,
    first: int,
    top: int,
    styles: _Styles,
    strings: _SharedTails,
    numbers: _NumberTails,
) -> str:
    """``part``'s XML standing at row ``first`` (0-based) of a sheet with ``top`` header rows,
    its ordinals counted from the first row below them."""
    values = part.numbers
    if part.ordinals:
        values = list(values)
        for at in part.ordinals:
            values[at] += first - top + 1
    size = max(part.rows, len(values), len(part.texts), len(part.styles))
    lut = [""] * (4 * size)
    lut[ROW : 4 * part.rows : 4] = map(str, range(first + 1, first + part.rows + 1))
    lut[NUMBER : 4 * len(values) : 4] = map(numbers.__getitem__, values)
    lut[TEXT : 4 * len(part.texts) : 4] = map(strings.__getitem__, part.texts)
    lut[STYLE : 4 * len(part.styles) : 4] = map(styles.attr, part.styles)
    codes = part.codes
    if len(codes) < 2:  # itemgetter gives a tuple from two items
        return part.template % tuple(lut[c] for c in codes)
    return part.template % itemgetter(*codes)(lut)


def _sheet_xml(plain: PlainSheet, styles: _Styles, strings: _SharedTails) -> Iterator[str]:
    top = len(plain.header)
    parts = [render_rows(plain.header, "header"), *plain.parts]
    height = sum(p.rows for p in parts)
    width = max(1, *(p.width for p in parts))
    last_letter = column_letter(width - 1)
    pane = (
        f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/>'
        if top
        else ""
    )
    widths = _widths(plain.header, plain.sample[:WIDTH_SAMPLE], width, plain.widths)
    cols = "".join(
        f'<col min="{c + 1}" max="{c + 1}" width="{w:g}" customWidth="1"/>'
        for c, w in enumerate(widths)
    )
    yield (
        f'{_XML}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
        f'<dimension ref="A1:{last_letter}{max(height, 1)}"/>'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
    )
    numbers = _NumberTails()
    first = 0
    block: list[str] = []
    size = 0
    for part in parts:
        block.append(_filled(part, first, top, styles, strings, numbers))
        first += part.rows
        size += len(block[-1])
        if size >= 1 << 20:
            yield "".join(block)
            block.clear()
            size = 0
    yield "".join(block)
    yield "</sheetData>"
    if top and height:
        yield f'<autoFilter ref="A{top}:{last_letter}{height}"/>'
    yield (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/></worksheet>'
    )


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT_SHEET}"/>'
        for i in range(1, sheets + 1)
    )
    return (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT_WORKBOOK}"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{CT_STYLES}"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_STRINGS}"/>{overrides}'
        "</Types>"
    )


def _shared_strings(strings: dict[str, str]) -> bytes:
    items = []
    for text in strings:  # in index order: a dict keeps the order of insertion
        shown = escape_text(text)
        space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
        items.append(f"<si><t{space}>{shown}</t></si>")
    return (
        f'{_XML}<sst xmlns="{NS_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        f"{''.join(items)}</sst>"
    ).encode()


def _rels(targets: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{RT}{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, 1)
    )
    return f'{_XML}<Relationships xmlns="{NS_PKG_R}">{items}</Relationships>'


def _workbook(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape_text(name).replace(chr(34), "&quot;")}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, 1)
    )
    return (
        f'{_XML}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><bookViews><workbookView/>'
        f"</bookViews><sheets>{sheets}</sheets></workbook>"
    )


def _date_kind(value: dt.date) -> type:
    return dt.datetime if isinstance(value, dt.datetime) else dt.date


def _widths(
    header: list[list[Any]], sample: list[list[Any]], width: int, given: dict[int, float]
) -> list[float]:
    best = [0] * width
    for line in sample:
        for c, value in enumerate(line):
            if value is not None and value != "":
                best[c] = max(best[c], display_width(value))
    for line in header:  # a header wraps: half its width will do
        for c, value in enumerate(line):
            if value:
                best[c] = max(best[c], (display_width(value) + 1) // 2 + 2)
    return [given.get(c, min(40.0, max(6.0, w + 2.0))) for c, w in enumerate(best)]
