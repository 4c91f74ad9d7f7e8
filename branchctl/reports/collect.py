"""Writing the master workbook of ``collect``: 汇总台账 and 汇总说明, and the terminal summary.

Written with xlsxwriter in constant-memory mode, row by row, every string with ``write_string``
so that nothing a township typed becomes a formula or a number.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from branchctl.forms.values import cell_text
from branchctl.io.outputs import OUTPUT_PROPERTY, atomic_output
from branchctl.io.xlsx.plan import ROW_ERROR, ROW_WARNING
from branchctl.reports.collection import (
    MASTER_SHEET,
    NOTES_SHEET,
    Collection,
    CollectReport,
    location,
    origin,
)
from branchctl.rules.results import COMPUTED_COLUMNS


def write_collection(collection: Collection, out: Path) -> None:
    """The master workbook: 汇总台账 (one row per branch) and 汇总说明, written atomically."""
    import xlsxwriter

    with atomic_output(out) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
             "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"},
        )  # fmt: skip
        try:
            wb.set_custom_property(OUTPUT_PROPERTY, "master")
            formats = _Formats(wb)
            _write_master(wb.add_worksheet(MASTER_SHEET), collection, formats)
            _write_notes(wb.add_worksheet(NOTES_SHEET), collection, formats)
        finally:
            wb.close()


class _Formats:
    def __init__(self, wb: Any) -> None:

        border = {"border": 1, "valign": "vcenter"}
        self.header = wb.add_format(
            {**border, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}
        )
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        # Plain cells carry no format at all: a city's master has half a million of them.
        self.plain = {
            "text": None,
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        error = {"bg_color": f"#{ROW_ERROR}"}
        self.error = {
            "text": wb.add_format(error),
            "date": wb.add_format({**error, "num_format": "yyyy-mm-dd"}),
            "datetime": wb.add_format({**error, "num_format": "yyyy-mm-dd hh:mm"}),
        }
        self.warning = wb.add_format({"bg_color": f"#{ROW_WARNING}"})
        self.duplicate = wb.add_format({"bg_color": "#F8CBAD"})
        self.wrap = wb.add_format({**border, "text_wrap": True})


def write_value(ws: Any, r: int, c: int, value: Any, fmt: dict[str, Any]) -> None:
    """One cell as read: strings always as strings (never a formula or a number), dates as dates."""
    if value is None:
        if fmt["text"] is not None:
            ws.write_blank(r, c, None, fmt["text"])
    elif isinstance(value, str):
        ws.write_string(r, c, value, fmt["text"])
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt["text"])
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fmt["text"])
    elif isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value, fmt["datetime" if value.time() != dt.time(0) else "date"])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time(0)), fmt["date"])
    else:  # datetime.time, timedelta: as the clerk sees it
        ws.write_string(r, c, cell_text(value), fmt["text"])


_WIDTHS = {"所属党组织": 16, "党支部名称": 32, "支部类型": 12, "支部书记": 10, "负面清单": 16,
           "未达标方面": 24, "核对结果": 30, "校验": 40, "重复": 40, "来源文件": 30, "工作表": 10,
           "创建措施": 24, "进展情况": 16, "备注": 14}  # fmt: skip


def _write_master(ws: Any, collection: Collection, fm: _Formats) -> None:
    columns = collection.columns
    for c, name in enumerate(columns):
        ws.write_string(0, c, name, fm.header)
        ws.set_column(c, c, _WIDTHS.get(name, 8 if name in collection.rubric.aspect_names else 10))
    index = {name: c for c, name in enumerate(columns)}
    first_computed = index[COMPUTED_COLUMNS[0]]
    r = 0
    for f in collection.files:
        for row in f.rows:
            r += 1
            fmt = fm.error if row.errors else fm.plain
            ws.write_number(r, 0, r, fmt["text"])
            for c in range(1, first_computed):
                write_value(ws, r, c, row.values.get(columns[c]), fmt)
            for j, value in enumerate(row.computed or [None] * len(COMPUTED_COLUMNS)):
                write_value(ws, r, first_computed + j, value, fmt)
            check = row.check_text()
            check_fmt = (
                fm.error["text"] if row.errors else fm.warning if row.warnings else fmt["text"]
            )
            ws.write_string(r, index["校验"], check, check_fmt)
            ws.write_string(
                r, index["重复"], row.duplicate, fm.duplicate if row.duplicate else fmt["text"]
            )
            source, sheet, number = origin(f, row)
            ws.write_string(r, index["来源文件"], source, fmt["text"])
            ws.write_string(r, index["工作表"], sheet, fmt["text"])
            write_value(ws, r, index["行号"], number, fmt)
    ws.freeze_panes(1, index["党支部名称"] + 1)
    ws.autofilter(0, 0, max(r, 1), len(columns) - 1)


def _write_notes(ws: Any, collection: Collection, fm: _Formats) -> None:
    lines: list[tuple[list[Any], Any]] = []  # (cells, format)
    files = collection.files
    lines.append((["乡镇报表汇总说明"], fm.title))
    lines.append(([
        f"汇总时间：{dt.datetime.now():%Y-%m-%d %H:%M}    评定规则：{collection.rubric.title}    "
        f"读取文件 {len(files)} 个（无法读取 {len(collection.unreadable)} 个，"
        f"未找到表格 {len(collection.without_form)} 个，跳过 {len(collection.skipped)} 个）；"
        f"汇总党支部 {collection.rows} 个，有误 {collection.error_rows} 个，重复 {len(collection.duplicates)} 处。"
    ], None))  # fmt: skip
    lines.append(([], None))
    lines.append(
        (
            ["序号", "来源文件", "状态", "工作表", "汇总行数", "有误行数", "重复行数", "问题说明"],
            fm.header,
        )
    )
    for i, f in enumerate(files, 1):
        dups = sum(1 for row in f.rows if row.duplicate)
        lines.append(([i, f.source, f.status_text, "、".join(f.sheets), len(f.rows), f.error_rows, dups,
                       "；".join([*f.problems, *f.notes])], fm.wrap))  # fmt: skip
    if collection.duplicates:
        lines.append(([], None))
        lines.append((["重复的党支部（已在汇总台账的“重复”列标出，请核实后只保留一处）"], fm.bold))
        lines.append((["序号", "所属党组织", "党支部名称", "出现次数", "出现位置"], fm.header))
        for i, group in enumerate(collection.duplicates, 1):
            _, first = group[0]
            lines.append(
                (
                    [
                        i,
                        first.party_org,
                        first.name,
                        len(group),
                        "；".join(location(f, r) for f, r in group),
                    ],
                    fm.wrap,
                )
            )
    if collection.same_names:
        lines.append(([], None))
        lines.append((["同名提示（名称相同但所属党组织不同，未按重复处理）"], fm.bold))
        lines.append((["序号", "党支部名称", "出现位置"], fm.header))
        for i, group in enumerate(collection.same_names, 1):
            where = "；".join(
                f"{location(f, r)}（{r.party_org or '所属党组织未填写'}）" for f, r in group
            )
            lines.append(([i, group[0][1].name, where], fm.wrap))
    if collection.skipped:
        lines.append(([], None))
        lines.append((["跳过的文件"], fm.bold))
        lines.append((["序号", "文件", "原因"], fm.header))
        for i, (label, reason) in enumerate(collection.skipped, 1):
            lines.append(([i, label, reason], fm.wrap))
    for r, (cells, fmt) in enumerate(lines):
        for c, value in enumerate(cells):
            if isinstance(value, str):
                ws.write_string(r, c, value, fmt)
            else:
                ws.write_number(r, c, value, fmt)
    for c, width in enumerate((6, 36, 14, 24, 10, 10, 10, 60)):
        ws.set_column(c, c, width)


def collect_text(report: CollectReport, limit: int = 20) -> str:
    """The terminal summary of a collection."""
    from tabulate import tabulate

    c = report.collection
    lines = [
        f"读取文件 {len(c.files)} 个，汇总党支部 {c.rows} 个，用时 {c.seconds:.1f} 秒。",
        f"有误的行 {c.error_rows} 个，重复的党支部 {len(c.duplicates)} 处，"
        f"无法读取 {len(c.unreadable)} 个文件，未找到表格 {len(c.without_form)} 个文件，跳过 {len(c.skipped)} 个文件。",
    ]
    troubled = [f for f in c.files if f.status != "collected" or f.error_rows or f.problems]
    if troubled:
        rows = [
            [f.source, f.status_text, len(f.rows), f.error_rows, "；".join(f.problems)[:60]]
            for f in troubled[:limit]
        ]
        lines += [
            "",
            tabulate(rows, headers=["来源文件", "状态", "汇总行数", "有误行数", "问题说明"]),
        ]
        if len(troubled) > limit:
            lines.append(f"……另有 {len(troubled) - limit} 个文件，见“{NOTES_SHEET}”工作表。")
    if c.duplicates:
        lines += ["", "重复的党支部："]
        for group in c.duplicates[:limit]:
            lines.append(f"  {group[0][1].name}：" + "；".join(location(f, r) for f, r in group))
        if len(c.duplicates) > limit:
            lines.append(f"  ……共 {len(c.duplicates)} 处。")
    lines += ["", f"已写出汇总工作簿：{report.out}"]
    return "\n".join(lines)
