"""Annotate an .xls or .ods source by rebuilding it as a fresh .xlsx with xlsxwriter.

The new workbook holds every sheet of the source (hidden sheets stay hidden), every value as
read (text always as text, so ``=…`` never becomes a formula; numbers; dates with a date
format) and the merged ranges, then the plan: appended columns with a bold bordered header,
fills, comments, and new sheets with hyperlinks and native bar charts.

The original formatting (fonts, fills, borders, number formats, column widths, print setup) is
not carried over: the values are read with python-calamine, which does not read formatting
from .xls/.ods. Column widths are estimated from the content instead. This is also the fallback
for an .xlsx that the patch writer cannot handle.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from branchctl.io.outputs import OUTPUT_PROPERTY
from branchctl.io.workbook import MergeIndex, Sheet, Workbook
from branchctl.io.xlsx.parts import unique_sheet_name
from branchctl.io.xlsx.plan import (
    LINK_COLOR,
    LOOKS,
    MAX_WIDTH,
    PERCENT_FORMAT,
    TEXT_ON_FILL,
    AnnotationPlan,
    NewSheet,
    Percent,
    SheetPlan,
    axis_step,
    display_width,
    stronger,
)
from branchctl.io.xlsx.text import xml_safe

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm:ss"
TIME = "hh:mm:ss"
WIDTH_SAMPLE = 2000  # rows looked at to estimate a column's width
MANY_SHEETS = 200  # more sheets than this are written in memory, not through temporary files
MAX_FORMATTED_MERGE = 1000  # cells of a merged range written blank to carry its format
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
_SHEET_REF = re.compile(r"^'((?:[^']|'')*)'!|^([^'!]+)!")


def rebuild_xlsx(source: Workbook, plan: AnnotationPlan, out: Path) -> None:
    """Write ``source``'s values with ``plan`` applied to a new .xlsx at ``out``."""
    options = {
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "nan_inf_to_errors": True,
        # xlsxwriter writes each sheet to a temporary file: for thousands of small sheets the
        # file system's work dominates (50,000 sheets: minutes); they fit in memory instead.
        "in_memory": len(source.sheets) > MANY_SHEETS,
    }
    book = _Book(str(out), options)
    if plan.kind is not None:
        book.set_custom_property(OUTPUT_PROPERTY, plan.kind)
    formats = _Formats(book)
    names: dict[str, str] = {}  # source name -> name in the new workbook
    used: set[str] = set()  # lower case; looked up, not scanned: 50,000 sheets stay linear
    for sheet in source.sheets:
        name = unique_sheet_name(sheet.name, ())
        if name.lower() in used:
            name = unique_sheet_name(sheet.name, used)
        used.add(name.lower())
        names[sheet.name] = name
    first_visible = None
    for sheet in source.sheets:
        ws = book.add_worksheet(names[sheet.name])
        _write_sheet(ws, sheet, sheet.merges, plan.sheets.get(sheet.name), formats)
        if not sheet.visible:
            ws.hide()
        elif first_visible is None:
            first_visible = ws
    taken = list(names.values())
    for new in plan.new_sheets:
        name = unique_sheet_name(new.name, taken)
        taken.append(name)
        ws = book.add_worksheet(name)
        _write_new_sheet(book, ws, new, name, names, formats)
        if first_visible is None:
            first_visible = ws
    if first_visible is not None:
        first_visible.activate()
        first_visible.set_first_sheet()
    book.close()


class _Book(xlsxwriter.Workbook):
    """xlsxwriter compares each new sheet's name with every sheet before it (quadratic: 83 s
    for 10,000 sheets); a valid name not used before is recorded in a set instead. Anything
    else goes through xlsxwriter's own check, and its errors."""

    def __init__(self, filename: str, options: dict[str, Any]) -> None:
        super().__init__(filename, options)
        self._taken: set[str] = set()

    def _check_sheetname(self, sheetname: str | None, is_chartsheet: bool = False) -> str:
        key = (sheetname or "").lower()
        if (
            is_chartsheet
            or not sheetname
            or key in self._taken
            or len(sheetname.encode("utf-16-le")) > 62
            or _BAD_SHEET_CHARS.search(sheetname)
            or sheetname.startswith("'")
            or sheetname.endswith("'")
        ):
            checked: str = super()._check_sheetname(sheetname, is_chartsheet)
        else:
            self.sheetname_count += 1
            checked = sheetname
        self._taken.add(checked.lower())
        return checked


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class _Formats:
    """xlsxwriter formats, one per combination (xlsxwriter keeps every Format object)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[Any, ...], Format] = {}

    def get(
        self, kind: str = "plain", fill: str | None = None, num: str | None = None
    ) -> Format | None:
        if kind == "plain" and not fill and not num:
            return None
        key = (kind, fill, num)
        if key not in self.cache:
            look = LOOKS[kind]
            props: dict[str, Any] = {"valign": "vcenter"}
            if look.border:
                props["border"] = 1
            if look.bold:
                props["bold"] = True
            if look.size:
                props["font_size"] = look.size
            if look.center:
                props["align"] = "center"
            if look.wrap:
                props["text_wrap"] = True
            if look.link:
                props.update(underline=1, font_color="#" + LINK_COLOR)
            fill = fill or look.fill
            if fill:
                props.update(bg_color="#" + fill, pattern=1)
                if fill in TEXT_ON_FILL:
                    props.update(bold=True, font_color="#" + TEXT_ON_FILL[fill])
            if num:
                props["num_format"] = num
            self.cache[key] = self.book.add_format(props)
        return self.cache[key]


def _number_format(value: Any) -> str | None:
    if isinstance(value, Percent):
        return PERCENT_FORMAT
    if isinstance(value, dt.datetime):
        return DATETIME
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, dt.time | dt.timedelta):
        return TIME
    return None


def _write_value(ws: Worksheet, r: int, c: int, value: Any, fmt: Format | None) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_string(r, c, str(value), fmt)
        else:
            ws.write_number(r, c, value, fmt)
    elif isinstance(value, dt.date | dt.time | dt.timedelta):
        ws.write_datetime(r, c, value, fmt)
    else:
        ws.write_string(r, c, xml_safe(str(value)), fmt)


def _widths(
    rows: Iterable[list[Any]], width: int, merges: Iterable[tuple[int, int, int, int]] = ()
) -> list[float]:
    """Column widths fitted to the cells of table rows: a title or footer line (one value in
    its row) and a value merged across columns run on over the cells beside them."""
    across = {(r1, c1) for r1, c1, _, c2 in merges if c2 > c1}
    best = [0] * width
    for i, row in enumerate(rows):
        if i >= WIDTH_SAMPLE:
            break
        if sum(1 for v in row if v is not None and v != "") < 2:
            continue
        for c, value in enumerate(row):
            if value is not None and value != "" and (i, c) not in across:
                best[c] = max(best[c], display_width(value))
    return [min(50.0, max(8.0, w + 2.0)) for w in best]


def _write_sheet(
    ws: Worksheet,
    sheet: Sheet,
    merges: list[tuple[int, int, int, int]],
    plan: SheetPlan | None,
    formats: _Formats,
) -> None:
    plan = plan or SheetPlan()
    cells: dict[tuple[int, int], tuple[Any, str]] = {}  # new cells: (value, kind)
    widths = _widths(sheet.rows, sheet.width, merges)
    merges = list(merges)
    index = MergeIndex(merges)
    for group in plan.appended:
        top, bottom = min(group.header_top, group.header_row), group.header_row
        for i, text in enumerate(group.headers):
            col = group.first_col + i
            merge = (top, col, bottom, col)
            text_row = bottom
            if (
                top < bottom
                and not index.overlaps(merge)
                and all(sheet.value(r, col) in (None, "") for r in range(top, bottom + 1))
            ):  # never merge over a value: the merge would hide it
                merges.append(merge)
                index.add(merge)
                text_row = top  # a merged cell shows the value of its top-left cell
            for r in range(top, bottom + 1):
                cells[(r, col)] = (text if r == text_row else None, "header")
            width = group.widths[i] if group.widths and i < len(group.widths) else None
            sample = [
                v[i]
                for _, v in zip(range(WIDTH_SAMPLE), group.values.values(), strict=False)
                if i < len(v)
            ]
            guess = min(MAX_WIDTH, max(8.0, max(display_width(x) for x in [text, *sample]) + 2.0))
            widths += [8.43] * (col + 1 - len(widths))
            widths[col] = width or guess
        for r, values in group.values.items():
            for i in range(len(group.headers)):  # header cells win, as in the patch writer
                value = values[i] if i < len(values) else None
                cells.setdefault((r, group.first_col + i), (value, "body"))
    fills: dict[tuple[int, int], str] = {}
    for r, (c1, c2, fill) in plan.row_fills.items():
        for c in range(c1, c2 + 1):
            fills[(r, c)] = fill
    comments: dict[tuple[int, int], str] = {}
    marked: dict[tuple[int, int], str] = {}
    for mark in plan.marks:
        key = (mark.row, mark.col)
        marked[key] = stronger(marked.get(key), mark.fill)
        if mark.comment:
            comments[key] = f"{comments[key]}\n{mark.comment}" if key in comments else mark.comment
    fills.update(marked)
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if (r, c) in cells and value not in (None, ""):
                del cells[(r, c)]  # a cell holding a value keeps it
            _write_value(
                ws, r, c, value, formats.get("plain", fills.get((r, c)), _number_format(value))
            )
    for (r, c), (value, kind) in cells.items():
        _write_value(ws, r, c, value, formats.get(kind, fills.get((r, c)), _number_format(value)))
    for (r, c), fill in fills.items():
        if sheet.value(r, c) in (None, "") and (r, c) not in cells:
            ws.write_blank(r, c, None, formats.get("plain", fill))
    _write_merges(ws, sheet, merges, cells, fills, formats)
    for (r, c), text in comments.items():
        lines = sum(max(1, math.ceil(display_width(x) / 28)) for x in text.split("\n"))
        ws.write_comment(
            r,
            c,
            xml_safe(text),
            {"author": "branchctl", "x_scale": 1.5, "y_scale": max(1, lines / 4)},
        )
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    if plan.appended:  # the computed columns on paper too: A4 landscape, one page wide
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)


def _write_merges(
    ws: Worksheet,
    sheet: Sheet,
    merges: list[tuple[int, int, int, int]],
    cells: dict[tuple[int, int], tuple[Any, str]],
    fills: dict[tuple[int, int], str],
    formats: _Formats,
) -> None:
    """Merged ranges as ranges: xlsxwriter's ``merge_range`` visits (and writes) every covered
    cell, which a hostile sheet turns into billions. A range is recorded and its top-left cell
    written; the covered cells are written blank only to carry a format over a small range.
    Ranges overlapping an earlier one (a damaged source) are left unmerged, as Excel would."""
    written = MergeIndex()
    for r1, c1, r2, c2 in merges:
        if (r1, c1) == (r2, c2) or r2 < r1 or c2 < c1 or r2 >= MAX_ROWS or c2 >= MAX_COLS:
            continue
        if written.overlaps((r1, c1, r2, c2)):
            continue
        written.add((r1, c1, r2, c2))
        value, kind = cells.get((r1, c1), (sheet.value(r1, c1), "plain"))
        fmt = formats.get(kind, fills.get((r1, c1)), _number_format(value))
        ws.merge.append([r1, c1, r2, c2])
        if fmt is not None and (r2 - r1 + 1) * (c2 - c1 + 1) <= MAX_FORMATTED_MERGE:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    ws.write_blank(r, c, None, fmt)
        _write_value(ws, r1, c1, value, fmt)


def _rename_target(target: str, names: dict[str, str]) -> str:
    """A link target like "'Sheet 1'!C5", with the sheet renamed as in the new workbook."""
    target = target.lstrip("#")
    m = _SHEET_REF.match(target)
    if not m:
        return target
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    sheet = names.get(sheet, sheet)
    return "'" + sheet.replace("'", "''") + "'!" + target[m.end() :]


def _write_new_sheet(
    book: xlsxwriter.Workbook,
    ws: Worksheet,
    sheet: NewSheet,
    name: str,
    names: dict[str, str],
    formats: _Formats,
) -> None:
    widths = sheet.column_widths()
    for r, row in enumerate(sheet.rows):
        kind = sheet.row_kind(r)
        for c, value in enumerate(row):
            empty = value is None or value == ""
            fill = sheet.fills.get((r, c))
            fmt = formats.get(sheet.cell_kind(r, c), fill, _number_format(value))
            if (r, c) in sheet.spans:
                ws.merge_range(r, c, r, sheet.spans[(r, c)], "", fmt)
            if (r, c) in sheet.links:
                target = xml_safe(_rename_target(sheet.links[(r, c)], names))
                shown = xml_safe(str(value)) if not empty else target
                ws.write_url(r, c, "internal:" + target, fmt, string=shown)
                continue
            if empty and not fill and kind != "header":
                continue
            _write_value(ws, r, c, value, fmt)
        height = sheet.row_height(r, widths)
        if height:
            ws.set_row(r, height)
    for (r, c), fill in sheet.fills.items():
        row = sheet.rows[r] if r < len(sheet.rows) else []
        if c >= len(row):
            ws.write_blank(r, c, None, formats.get("plain", fill))
    for c, w in enumerate(widths):
        if w or c in sheet.hidden_cols:
            ws.set_column(c, c, w or None, None, {"hidden": c in sheet.hidden_cols})
    for c in sheet.hidden_cols:
        if c >= len(widths):
            ws.set_column(c, c, None, None, {"hidden": True})
    if sheet.freeze_row:
        ws.freeze_panes(sheet.freeze_row, 0)
    if sheet.autofilter:
        ws.autofilter(*sheet.autofilter)
    if sheet.landscape:
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.print_area(*sheet.print_area())
    for spec in sheet.charts:
        chart = book.add_chart({"type": "column"})
        assert chart is not None
        cat_col, cat_first, cat_last = spec.categories
        val_col, val_first, val_last = spec.values
        chart.add_series(
            {
                "name": xml_safe(spec.series_name),
                "categories": [name, cat_first, cat_col, cat_last, cat_col],
                "values": [name, val_first, val_col, val_last, val_col],
                "data_labels": {"value": True},
                "fill": {"color": "#4472C4"},
                "gap": 80,
            }
        )
        chart.set_title({"name": xml_safe(spec.title)})
        chart.set_legend({"none": True})
        counts = [
            sheet.rows[r][val_col] if val_col < len(sheet.rows[r]) else None
            for r in range(val_first, min(val_last + 1, len(sheet.rows)))
        ]
        chart.set_y_axis({"min": 0, "major_unit": axis_step(counts), "num_format": "0"})
        chart.set_size({"width": spec.width, "height": spec.height})
        ws.insert_chart(spec.anchor[0], spec.anchor[1], chart, {"object_position": 1})
