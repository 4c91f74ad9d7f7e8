"""A workbook made from scratch: the starting point the patch writer annotates.

A table the tool builds itself (the county ledger: one row per branch of every township) is
written here as a plain .xlsx — header rows styled like the header of a new sheet, text as
inline strings (``=…`` stays text), numbers as numbers, dates as dates, the header frozen and
filtered — with the part of its annotation plan that touches every row already applied: the
appended columns and the row fills. The rest of the plan (cell marks with their comments, new
sheets) is then applied by :func:`branchctl.io.xlsx.write.write_annotated`, which copies the
rows it does not touch as they are; so a county ledger gets the same columns, fills and comments
as a township's rated copy, and its tens of thousands of rows are built once, as strings.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.io.cells import column_letter
from branchctl.io.workbook import Sheet
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


@dataclass
class PlainSheet:
    """One sheet to write: its grid from A1 and which of its rows are headers."""

    sheet: Sheet
    header_rows: int = 1  # the first rows, styled as a header, frozen and filtered
    # appended columns and row fills to apply while writing: taken out of the plan
    plan: SheetPlan | None = None
    widths: dict[int, float] = field(default_factory=dict)  # column -> width; else fitted
    fills: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # taken from the plan


def write_plain(sheets: list[PlainSheet], out: Path) -> None:
    """Write ``sheets`` as a new .xlsx at ``out`` (not atomically: a scratch file). Each sheet's
    appended columns and row fills are applied and removed from its plan."""
    styles = _Styles(Styles(None))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:  # a scratch file: read once, soon
        z.writestr("[Content_Types].xml", _content_types(len(sheets)))
        z.writestr("_rels/.rels", _rels([("officeDocument", "xl/workbook.xml")]))
        z.writestr("xl/workbook.xml", _workbook([s.sheet.name for s in sheets]))
        targets = [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
        parts = [*targets, ("styles", "styles.xml"), ("sharedStrings", "sharedStrings.xml")]
        z.writestr("xl/_rels/workbook.xml.rels", _rels(parts))
        strings: dict[str, int] = {}  # text -> its index in the shared strings
        for i, plain in enumerate(sheets, 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as f:
                for chunk in _sheet_xml(_applied(plain), styles, strings):
                    f.write(chunk.encode())
        z.writestr("xl/styles.xml", to_bytes(styles.styles.root))
        z.writestr("xl/sharedStrings.xml", _shared_strings(strings))


class _Styles:
    """Cell formats by (kind, fill, value type), made once."""

    def __init__(self, styles: Styles) -> None:
        self.styles = styles
        self.made: dict[tuple[str, str | None, type | None], str] = {}

    def attr(self, kind: str, fill: str | None, value_type: type | None = None) -> str:
        """`` s="N"`` for a cell, or "" for the default format."""
        key = (kind, fill, value_type)
        found = self.made.get(key)
        if found is None:
            s = self.styles.cell_style(kind, fill) if kind != "plain" or fill else 0
            if value_type is dt.datetime:
                s = self.styles.with_numfmt(s, DATETIME_FORMAT)
            elif value_type is dt.date:
                s = self.styles.with_numfmt(s, DATE_FORMAT)
            found = self.made[key] = f' s="{s}"' if s else ""
        return found


def _applied(plain: PlainSheet) -> PlainSheet:
    """The sheet with its plan's appended columns written into the grid (headers in the header
    row) and its row fills to apply; both taken out of the plan, which keeps its cell marks."""
    plan = plain.plan
    if plan is None:
        return plain
    rows = list(plain.sheet.rows)  # the rows themselves are copied only where they grow
    widths = dict(plain.widths)
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
    sheet = Sheet(plain.sheet.name, plain.sheet.index, plain.sheet.visible, rows)
    return PlainSheet(sheet, plain.header_rows, None, widths, fills)


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


def _shared_strings(strings: dict[str, int]) -> bytes:
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


def _sheet_xml(plain: PlainSheet, styles: _Styles, strings: dict[str, int]) -> Any:
    sheet = plain.sheet
    rows = sheet.rows
    width = max(sheet.width, 1)
    letters = [column_letter(c) for c in range(width)]
    top = plain.header_rows
    fills = plain.fills
    last = f"{letters[width - 1]}{max(len(rows), 1)}"
    pane = (
        f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/>'
        if top
        else ""
    )
    widths = _widths(rows, width, top, plain.widths)
    cols = "".join(
        f'<col min="{c + 1}" max="{c + 1}" width="{w:g}" customWidth="1"/>'
        for c, w in enumerate(widths)
    )
    yield (
        f'{_XML}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><dimension ref="A1:{last}"/>'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
    )
    tails: dict[Any, str] = {}  # value -> its cell XML: marks and names repeat down a county
    shared = _SharedTails(strings)
    heads = [f'<c r="{letter}' for letter in letters]
    block: list[str] = []
    for r, line in enumerate(rows):
        n = f'{r + 1}"'
        kind = "header" if r < top else "plain"
        c1, c2, fill = fills.get(r, (0, -1, None))
        outside = styles.attr(kind, None)
        inside = styles.attr(kind, fill) if fill else outside
        parts = [f'<row r="{r + 1}">']
        for c in range(max(len(line), c2 + 1)):
            value = line[c] if c < len(line) else None
            style = inside if c1 <= c <= c2 else outside
            if value is None or value == "":
                if style:
                    parts += (heads[c], n, style, "/>")
                continue
            kind_of = type(value)
            if kind_of is str:
                tail = shared[value]
            elif kind_of is int or kind_of is float:
                found = tails.get(value)
                if found is None:
                    found = tails[value] = cell_tail(value)
                tail = found
            else:
                tail = cell_tail(value)
                if isinstance(value, dt.date):
                    style = styles.attr(kind, fill if c1 <= c <= c2 else None, _date_kind(value))
            parts += (heads[c], n, style, tail)
        parts.append("</row>")
        block.append("".join(parts))
        if len(block) >= 2000:
            yield "".join(block)
            block.clear()
    yield "".join(block)
    yield "</sheetData>"
    if top and rows:
        yield f'<autoFilter ref="A{top}:{letters[width - 1]}{len(rows)}"/>'
    yield (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/></worksheet>'
    )


class _SharedTails(dict[str, str]):
    """Text -> the end of its cell's XML, pointing into the shared strings (added when new)."""

    def __init__(self, strings: dict[str, int]) -> None:
        super().__init__()
        self.strings = strings

    def __missing__(self, text: str) -> str:
        index = self.strings.setdefault(text, len(self.strings))
        tail = self[text] = f' t="s"><v>{index}</v></c>'
        return tail


def _date_kind(value: dt.date) -> type:
    return dt.datetime if isinstance(value, dt.datetime) else dt.date


def _widths(rows: list[list[Any]], width: int, top: int, given: dict[int, float]) -> list[float]:
    best = [0] * width
    for line in rows[top : top + WIDTH_SAMPLE]:
        for c, value in enumerate(line):
            if value is not None and value != "":
                best[c] = max(best[c], display_width(value))
    for line in rows[:top]:  # a header wraps: half its width will do
        for c, value in enumerate(line):
            if value:
                best[c] = max(best[c], (display_width(value) + 1) // 2 + 2)
    return [given.get(c, min(40.0, max(6.0, w + 2.0))) for c, w in enumerate(best)]
