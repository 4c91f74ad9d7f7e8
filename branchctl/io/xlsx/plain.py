"""A workbook made from scratch, as values only: the starting point the patch writer annotates.

A table the tool builds itself (the county ledger: one row per branch of every township) is
written here as a plain .xlsx — header rows styled like the header of a new sheet, text as
inline strings (``=…`` stays text), numbers as numbers, dates as dates, the header frozen and
filtered — and then annotated by :func:`branchctl.io.xlsx.write.write_annotated` like any
ledger, so it gets the same computed columns, fills and comments as a township's rated copy.
Built as strings in one pass: a county's tens of thousands of rows take about a second.
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

WIDTH_SAMPLE = 500  # rows looked at to fit a column's width
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass
class PlainSheet:
    """One sheet to write: its grid from A1 and which of its rows are headers."""

    sheet: Sheet
    header_rows: int = 1  # the first rows, styled as a header, frozen and filtered
    filter_cols: int | None = None  # columns the filter spans (more than written: appended)
    widths: dict[int, float] = field(default_factory=dict)  # column -> width; else fitted


def write_plain(sheets: list[PlainSheet], out: Path) -> None:
    """Write ``sheets`` as a new .xlsx at ``out`` (not atomically: a scratch file)."""
    styles = Styles(None)
    header = styles.cell_style("header")
    dates: dict[type, int] = {
        dt.datetime: styles.with_numfmt(0, DATETIME_FORMAT),
        dt.date: styles.with_numfmt(0, DATE_FORMAT),
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _content_types(len(sheets)))
        z.writestr("_rels/.rels", _rels([("officeDocument", "xl/workbook.xml")]))
        z.writestr("xl/workbook.xml", _workbook([s.sheet.name for s in sheets]))
        targets = [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
        z.writestr("xl/_rels/workbook.xml.rels", _rels([*targets, ("styles", "styles.xml")]))
        for i, plain in enumerate(sheets, 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as f:
                for chunk in _sheet_xml(plain, header, dates):
                    f.write(chunk.encode())
        z.writestr("xl/styles.xml", to_bytes(styles.root))


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
        f'<Override PartName="/xl/styles.xml" ContentType="{CT_STYLES}"/>{overrides}</Types>'
    )


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


def _sheet_xml(plain: PlainSheet, header: int, dates: dict[type, int]) -> Any:
    sheet = plain.sheet
    rows = sheet.rows
    width = max(sheet.width, 1)
    letters = [column_letter(c) for c in range(max(width, plain.filter_cols or 0))]
    top = plain.header_rows
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
    tails: dict[str, str] = {}  # text -> its cell XML: marks and names repeat down a county
    block: list[str] = []
    for r, line in enumerate(rows):
        n = r + 1
        style = f' s="{header}"' if r < top else ""
        cells = []
        for c, value in enumerate(line):
            kind = type(value)
            if value is None or value == "":
                if style:
                    cells.append(f'<c r="{letters[c]}{n}"{style}/>')
                continue
            if kind is str:
                tail = tails.get(value)
                if tail is None:
                    tail = tails[value] = cell_tail(value)
                cells.append(f'<c r="{letters[c]}{n}"{style}{tail}')
            elif kind is int or kind is float:
                cells.append(f'<c r="{letters[c]}{n}"{style}{cell_tail(value)}')
            else:
                s = dates.get(kind)
                if s is None and isinstance(value, dt.date):
                    s = dates[dt.datetime if isinstance(value, dt.datetime) else dt.date]
                cell_style = f' s="{s}"' if s is not None else style
                cells.append(f'<c r="{letters[c]}{n}"{cell_style}{cell_tail(value)}')
        block.append(f'<row r="{n}">{"".join(cells)}</row>')
        if len(block) >= 2000:
            yield "".join(block)
            block.clear()
    yield "".join(block)
    yield "</sheetData>"
    if top and rows:
        right = letters[max(width, plain.filter_cols or 0) - 1]
        yield f'<autoFilter ref="A{top}:{right}{len(rows)}"/>'
    yield (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/></worksheet>'
    )


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
