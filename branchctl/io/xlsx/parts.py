"""New content for an .xlsx package: cells, comments and their VML drawings, new sheets,
drawings and native bar charts, as bytes ready to be written into the zip.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree

from branchctl.io.cells import cell_name, column_letter, quote_sheet
from branchctl.io.xlsx.package import (
    NS_MAIN,
    NS_R,
    PatchUnsupported,
    Styles,
    parse_xml,
    to_bytes,
)
from branchctl.io.xlsx.plan import (
    DEFAULT_WIDTH,
    PERCENT_FORMAT,
    BarChart,
    NewSheet,
    Percent,
    axis_step,
    display_width,
)
from branchctl.io.xlsx.text import xml_safe

COMMENT_AUTHOR = "branchctl"
DATE_FORMAT = "yyyy\\-mm\\-dd"
DATETIME_FORMAT = "yyyy\\-mm\\-dd hh:mm:ss"
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


# ---------------------------------------------------------------- cells

_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """Text as XML character data that Excel reads back unchanged."""
    text = xml_safe(text)
    text = _EXCEL_ESCAPE.sub(r"_x005F_\1", text)  # Excel decodes _xHHHH_ in strings
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return escape_text(text).replace('"', "&quot;")


def excel_serial(value: dt.date | dt.datetime) -> float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - EXCEL_EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def number_format(value: Any) -> str | None:
    """The number format a new cell needs to show ``value`` as read (dates, percentages)."""
    if isinstance(value, Percent):
        return PERCENT_FORMAT
    if isinstance(value, dt.datetime):
        return DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    return None


def cell_tail(value: Any, p: str = "") -> str:
    """The end of a <c> element after its ``s`` attribute: strings inline, numbers as numbers,
    dates as serials (the cell's format must show them as dates).

    ``p`` is the prefix of the main namespace in the sheet (usually none).
    """
    if value is None or value == "":
        return "/>"
    if isinstance(value, bool):
        return f' t="b"><{p}v>{int(value)}</{p}v></{p}c>'
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return f"><{p}v>{value!r}</{p}v></{p}c>"
    if isinstance(value, dt.date):
        return f"><{p}v>{excel_serial(value)!r}</{p}v></{p}c>"
    text = escape_text(str(value))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f' t="inlineStr"><{p}is><{p}t{space}>{text}</{p}t></{p}is></{p}c>'


def cell_xml(ref: str, s: int, value: Any, p: str = "") -> str:
    """One complete <c> element (see :func:`cell_tail`)."""
    style = f' s="{s}"' if s else ""
    return f'<{p}c r="{ref}"{style}{cell_tail(value, p)}'


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether two ranges (r1, c1, r2, c2) share a cell."""
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def guess_width(values: Iterable[Any], low: float = 8, high: float = 50) -> float:
    return float(min(high, max(low, max((display_width(v) for v in values), default=0) + 2)))


# ---------------------------------------------------------------- comments


def _rich_text(text: str) -> str:
    return (
        '<r><rPr><sz val="9"/><color indexed="81"/><rFont val="宋体"/><family val="3"/>'
        f'<charset val="134"/></rPr><t xml:space="preserve">{escape_text(text)}</t></r>'
    )


def comments_xml(comments: dict[tuple[int, int], str]) -> bytes:
    items = "".join(
        f'<comment ref="{cell_name(r, c)}" authorId="0"><text>{_rich_text(text)}</text></comment>'
        for (r, c), text in sorted(comments.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{NS_MAIN}"><authors><author>{COMMENT_AUTHOR}</author></authors>'
        f"<commentList>{items}</commentList></comments>"
    ).encode()


def merge_comments(
    data: bytes, comments: dict[tuple[int, int], str]
) -> tuple[bytes, set[tuple[int, int]]]:
    """Add comments to an existing comments part; a cell already commented gets our text appended.

    Returns the new part and the cells that got a new comment (they need a VML shape).
    """
    root = parse_xml(data)
    ns = etree.QName(root).namespace or NS_MAIN
    authors = root.find(f"{{{ns}}}authors")
    if authors is None:
        authors = etree.Element(f"{{{ns}}}authors")
        root.insert(0, authors)
    names = [a.text or "" for a in authors.iterchildren(f"{{{ns}}}author")]
    if COMMENT_AUTHOR in names:
        author_id = names.index(COMMENT_AUTHOR)
    else:
        etree.SubElement(authors, f"{{{ns}}}author").text = COMMENT_AUTHOR
        author_id = len(names)
    comment_list = root.find(f"{{{ns}}}commentList")
    if comment_list is None:
        comment_list = etree.SubElement(root, f"{{{ns}}}commentList")
    existing = {c.get("ref", "").upper(): c for c in comment_list.iterchildren(f"{{{ns}}}comment")}
    added: set[tuple[int, int]] = set()
    for (r, c), text in sorted(comments.items()):
        ref = cell_name(r, c)
        fragment = f'<text xmlns="{ns}">{_rich_text(text)}</text>'
        run = parse_xml(fragment.encode())[0]
        if ref in existing:
            body = existing[ref].find(f"{{{ns}}}text")
            if body is None:
                body = etree.SubElement(existing[ref], f"{{{ns}}}text")
            t = run.find(f"{{{ns}}}t")
            if t is not None:
                t.text = "\n" + (t.text or "")
            runs = list(body.iterchildren(f"{{{ns}}}r", f"{{{ns}}}t"))
            if runs:
                runs[-1].addnext(run)
            else:
                body.insert(0, run)
        else:
            comment = etree.SubElement(
                comment_list, f"{{{ns}}}comment", ref=ref, authorId=str(author_id)
            )
            etree.SubElement(comment, f"{{{ns}}}text").append(run)
            added.add((r, c))
    return to_bytes(root), added


_VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel">'
)
_VML_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def vml_blocks(count: int, first: int) -> list[int]:
    """Shape-id blocks (1,024 ids each) for ``count`` comment shapes, starting at block ``first``."""
    return list(range(first, first + count // 1023 + 1))


def _vml_shapes(
    cells: Iterable[tuple[int, int]], comments: dict[tuple[int, int], str], blocks: list[int]
) -> str:
    out = []
    for n, (r, c) in enumerate(sorted(cells)):
        block, k = divmod(n, 1023)
        shape_id = blocks[block] * 1024 + k + 1
        lines = sum(
            max(1, math.ceil(display_width(line) / 28)) for line in comments[(r, c)].split("\n")
        )
        height = min(20, max(3, lines + 1))
        top = max(r - 1, 0)
        out.append(
            f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{(c + 1) * 48 + 12}pt;margin-top:{top * 15 + 2}pt;width:144pt;"
            f'height:{height * 15}pt;z-index:{n + 1};visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" '
            'obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
            f"<x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{c + 1}, 15, {top}, 10, {c + 4}, 15, "
            f"{top + height}, 4</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{r}</x:Row>"
            f"<x:Column>{c}</x:Column></x:ClientData></v:shape>"
        )
    return "".join(out)


def vml_xml(
    cells: Iterable[tuple[int, int]], comments: dict[tuple[int, int], str], blocks: list[int]
) -> bytes:
    data = ",".join(str(b) for b in blocks)
    return (
        f'{_VML_HEAD}<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/>'
        f"</o:shapelayout>{_VML_SHAPETYPE}{_vml_shapes(cells, comments, blocks)}</xml>"
    ).encode()


_IDMAP = re.compile(rb'(<o:idmap\b[^>]*?\bdata=")([^"]*)(")')


def existing_vml_blocks(data: bytes) -> list[int]:
    blocks = []
    for m in _IDMAP.finditer(data):
        blocks += [int(x) for x in re.findall(rb"\d+", m.group(2))]
    return blocks


def merge_vml(
    data: bytes,
    cells: set[tuple[int, int]],
    comments: dict[tuple[int, int], str],
    blocks: list[int],
) -> bytes:
    """Add comment shapes to an existing VML drawing (often not well-formed XML: edit as bytes)."""
    shapes = _vml_shapes(cells, comments, blocks).encode()
    if b'id="_x0000_t202"' not in data:
        shapes = _VML_SHAPETYPE.encode() + shapes
    extra = ",".join(str(b) for b in blocks).encode()
    data, n = _IDMAP.subn(
        lambda m: m.group(1) + m.group(2) + b"," + extra + m.group(3), data, count=1
    )
    if n == 0:
        layout = (
            b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="'
            + extra
            + b'"/></o:shapelayout>'
        )
        shapes = layout + shapes
    end = data.rfind(b"</xml>")
    if end < 0:
        raise PatchUnsupported("VML drawing without </xml>")
    return data[:end] + shapes + data[end:]


# ---------------------------------------------------------------- new sheets and charts


_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


def unique_sheet_name(wanted: str, taken: Iterable[str]) -> str:
    """A valid sheet name, suffixed (汇总(2)) when one like it exists; compared case-insensitively."""
    base = _BAD_NAME.sub("_", xml_safe(wanted)).strip("'")[:31] or "Sheet"
    used = {t.lower() for t in taken}
    name, n = base, 1
    while name.lower() in used:
        n += 1
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
    return name


def chart_anchor(chart: BarChart, widths: list[float]) -> tuple[int, int, int, int, int, int]:
    """:meth:`BarChart.extent` with the offsets in EMU, as a drawing part wants them."""
    r1, c1, r2, c2, col_px, row_px = chart.extent(widths)
    return r1, c1, r2, c2, col_px * 9525, row_px * 9525


def drawing_xml(anchors: list[tuple[tuple[int, int, int, int, int, int], str]]) -> bytes:
    parts = []
    for n, ((r1, c1, r2, c2, cx, ry), rid) in enumerate(anchors, start=1):
        parts.append(
            f"<xdr:twoCellAnchor><xdr:from><xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{r1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{c2}"
            f"</xdr:col><xdr:colOff>{cx}</xdr:colOff><xdr:row>{r2}</xdr:row><xdr:rowOff>{ry}"
            f'</xdr:rowOff></xdr:to><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
            f'<xdr:cNvPr id="{n + 1}" name="图表 {n}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            f'xmlns:r="{NS_R}" r:id="{rid}"/></a:graphicData></a:graphic></xdr:graphicFrame>'
            "<xdr:clientData/></xdr:twoCellAnchor>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">{"".join(parts)}</xdr:wsDr>'
    ).encode()


def _range_ref(sheet: str, col: int, first: int, last: int) -> str:
    letter = column_letter(col)
    return f"{quote_sheet(sheet)}!${letter}${first + 1}:${letter}${last + 1}"


def chart_xml(chart: BarChart, sheet: NewSheet, sheet_name: str) -> bytes:
    cat_col, cat_first, cat_last = chart.categories
    val_col, val_first, val_last = chart.values

    def value(r: int, c: int) -> Any:
        row = sheet.rows[r] if r < len(sheet.rows) else []
        return row[c] if c < len(row) else None

    cats = [value(r, cat_col) for r in range(cat_first, cat_last + 1)]
    vals = [value(r, val_col) for r in range(val_first, val_last + 1)]
    cat_pts = "".join(
        f'<c:pt idx="{i}"><c:v>{escape_text(str(v))}</c:v></c:pt>'
        for i, v in enumerate(cats)
        if v is not None
    )
    val_pts = "".join(
        f'<c:pt idx="{i}"><c:v>{v!r}</c:v></c:pt>'
        for i, v in enumerate(vals)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    )
    title = escape_text(chart.title)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{NS_R}"><c:lang val="zh-CN"/><c:roundedCorners val="0"/><c:chart><c:title><c:tx><c:rich>'
        '<a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1400" b="1"/></a:pPr><a:r>'
        f'<a:rPr lang="zh-CN" sz="1400" b="1"/><a:t>{title}</a:t></a:r></a:p></c:rich></c:tx>'
        '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        f'<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>{escape_text(chart.series_name)}</c:v></c:tx>'
        '<c:spPr><a:solidFill><a:srgbClr val="4472C4"/></a:solidFill></c:spPr>'
        '<c:invertIfNegative val="0"/><c:dLbls><c:showLegendKey val="0"/><c:showVal val="1"/>'
        '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/>'
        '<c:showBubbleSize val="0"/></c:dLbls>'
        f"<c:cat><c:strRef><c:f>{escape_text(_range_ref(sheet_name, cat_col, cat_first, cat_last))}</c:f>"
        f'<c:strCache><c:ptCount val="{len(cats)}"/>{cat_pts}</c:strCache></c:strRef></c:cat>'
        f"<c:val><c:numRef><c:f>{escape_text(_range_ref(sheet_name, val_col, val_first, val_last))}</c:f>"
        f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(vals)}"/>{val_pts}'
        '</c:numCache></c:numRef></c:val></c:ser><c:gapWidth val="80"/>'
        '<c:axId val="50010001"/><c:axId val="50010002"/></c:barChart>'
        '<c:catAx><c:axId val="50010001"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="50010002"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/>'
        '</c:catAx><c:valAx><c:axId val="50010002"/><c:scaling><c:orientation val="minMax"/>'
        '<c:min val="0"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
        '<c:numFmt formatCode="0" sourceLinked="0"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="50010001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/>'
        f'<c:majorUnit val="{axis_step(vals)}"/></c:valAx></c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        "</c:chartSpace>"
    ).encode()


def _covered(sheet: NewSheet) -> dict[int, dict[int, int]]:
    """row -> {col: spanning col} for every cell of a span, the spanning cell included."""
    found: dict[int, dict[int, int]] = {}
    for (r, c), last in sheet.spans.items():
        for cc in range(c, last + 1):
            found.setdefault(r, {})[cc] = c
    return found


def new_sheet_xml(
    sheet: NewSheet,
    name: str,
    styles: Styles,
    drawing_rid: str | None,
    widths: list[float] | None = None,
) -> bytes:
    """The worksheet XML of a new sheet: values, styles, widths (``widths``, when already
    worked out), links, freeze pane, filter, page setup."""
    rows_xml = []
    max_col = 0
    widths = sheet.column_widths() if widths is None else list(widths)
    covered = _covered(sheet)
    for r, row in enumerate(sheet.rows):
        kind = sheet.row_kind(r)
        cells = []
        spanned = covered.get(r, {})
        cols = sorted({*range(len(row)), *(c for (rr, c) in sheet.fills if rr == r), *spanned})
        for c in cols:
            origin = spanned.get(c, c)  # a cell covered by a span looks like the spanning cell
            value = row[c] if c < len(row) and c == origin else None
            fill = sheet.fills.get((r, origin))
            empty = value is None or value == ""
            if empty and not fill and kind != "header" and c == origin:
                continue
            s = styles.cell_style(sheet.cell_kind(r, origin, kind), fill)
            fmt = number_format(value)
            if fmt:
                s = styles.with_numfmt(s, fmt)
            cells.append(cell_xml(cell_name(r, c), s, value))
            max_col = max(max_col, c)
        if cells:
            height = sheet.row_height(r, widths, kind)
            ht = f' ht="{height:g}" customHeight="1"' if height else ""
            rows_xml.append(f'<row r="{r + 1}"{ht}>{"".join(cells)}</row>')
    last = cell_name(max(len(sheet.rows) - 1, 0), max_col)
    if sheet.freeze_row:
        top = cell_name(sheet.freeze_row, 0)
        views = (
            f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{sheet.freeze_row}" '
            f'topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/></sheetView></sheetViews>'
        )
    else:
        views = '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    widths += [0.0] * (max(sheet.hidden_cols, default=-1) + 1 - len(widths))
    cols_xml = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="{w or DEFAULT_WIDTH:g}" customWidth="1"'
        + (' hidden="1"/>' if i in sheet.hidden_cols else "/>")
        for i, w in enumerate(widths)
        if w or i in sheet.hidden_cols
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">',
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if sheet.landscape else "",
        f'<dimension ref="A1:{last}"/>',
        views,
        '<sheetFormatPr defaultRowHeight="15"/>',
        f"<cols>{cols_xml}</cols>" if cols_xml else "",
        f"<sheetData>{''.join(rows_xml)}</sheetData>",
    ]
    if sheet.autofilter:
        r1, c1, r2, c2 = sheet.autofilter
        parts.append(f'<autoFilter ref="{cell_name(r1, c1)}:{cell_name(r2, c2)}"/>')
    if sheet.spans:
        merges = "".join(
            f'<mergeCell ref="{cell_name(r, c)}:{cell_name(r, last)}"/>'
            for (r, c), last in sorted(sheet.spans.items())
        )
        parts.append(f'<mergeCells count="{len(sheet.spans)}">{merges}</mergeCells>')
    if sheet.links:
        links = "".join(
            f'<hyperlink ref="{cell_name(r, c)}" location="{_attr(target.lstrip("#"))}"/>'
            for (r, c), target in sorted(sheet.links.items())
        )
        parts.append(f"<hyperlinks>{links}</hyperlinks>")
    if sheet.landscape:
        parts.append('<printOptions horizontalCentered="1"/>')
        parts.append(
            '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        )
        parts.append(
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        )
    else:
        parts.append(
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        )
    if drawing_rid:
        parts.append(f'<drawing r:id="{drawing_rid}"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode()
