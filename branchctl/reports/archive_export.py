"""The county ledger of a period from the archive (``archive export``): one row per branch with
its stars the period before, the change and the clerk's adjustment, a 趋势 sheet (counts by
stars and category per period, and by township, with a native chart) and the 报送情况.

Written with xlsxwriter through ``atomic_output``; every text as text, never a formula.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from branchctl.io.outputs import OUTPUT_PROPERTY, atomic_output
from branchctl.io.xlsx.plan import CHANGE_FILLS, band_fills
from branchctl.rules.history import FLAGS, PeriodPicture
from branchctl.rules.periods import Period

LEDGER_SHEET = "全县台账"
TREND_SHEET = "趋势"
STATUS_SHEET = "报送情况"
LEDGER_COLUMNS = (
    ("序号", 6), ("乡镇（街道）", 14), ("所属党组织", 16), ("党支部名称", 30), ("支部类型", 10),
    ("星级", 6), ("定级类别", 10), ("等次", 6), ("未达标方面", 24), ("上期星级", 8), ("变动", 6),
    ("调整原因", 30), ("提示", 24), ("报送文件", 24),
)  # fmt: skip
# 授星 and 摘星 are the archive's words for the compare job's 升星 and 降星: the same colours
CHANGE_COLOURS = {
    "授星": CHANGE_FILLS["升星"],
    "摘星": CHANGE_FILLS["降星"],
    "新增": CHANGE_FILLS["新增"],
    "撤销": CHANGE_FILLS["撤销"],
}


def write_ledger(picture: PeriodPicture, out: Path) -> None:
    """The export workbook: 全县台账, 趋势 and 报送情况, written atomically."""
    import xlsxwriter

    with atomic_output(out) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
             "strings_to_urls": False},
        )  # fmt: skip
        try:
            wb.set_custom_property(OUTPUT_PROPERTY, "export")
            formats = _Formats(wb, category_fills(picture.rubric))
            _ledger(wb.add_worksheet(LEDGER_SHEET), picture, formats)
            _trend(wb, wb.add_worksheet(TREND_SHEET), picture, formats)
            _status(wb.add_worksheet(STATUS_SHEET), picture, formats)
        finally:
            wb.close()


class _Formats:
    def __init__(self, wb: Any, category_fills: dict[str, str]) -> None:
        border = {"border": 1, "valign": "vcenter"}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.header = wb.add_format(
            {**border, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}
        )
        self.cell = wb.add_format(border)
        self.fills = {
            colour: wb.add_format({**border, "bg_color": f"#{colour}"})
            for colour in {*CHANGE_COLOURS.values(), *category_fills.values()}
        }

    def fill(self, colour: str | None) -> Any:
        return self.fills.get(colour or "", self.cell)


def category_fills(rubric: dict[str, Any]) -> dict[str, str]:
    """The rubric's row fill per category, as the rated copies colour them."""
    names = list(rubric.get("categories", []))
    return dict(rubric.get("fills") or band_fills(names, [None] * len(names)))


def _put(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, str):
        ws.write_string(r, c, value, fmt)
    else:
        ws.write_number(r, c, value, fmt)


def _row(ws: Any, r: int, values: list[Any], fmt: Any, fills: dict[int, Any] | None = None) -> None:
    for c, value in enumerate(values):
        _put(ws, r, c, value, (fills or {}).get(c, fmt))


def _header(ws: Any, r: int, names: list[str], formats: _Formats) -> None:
    for c, name in enumerate(names):
        ws.write_string(r, c, name, formats.header)


# ------------------------------------------------------------------------------ 全县台账


def _ledger(ws: Any, picture: PeriodPicture, formats: _Formats) -> None:
    for c, (_, width) in enumerate(LEDGER_COLUMNS):
        ws.set_column(c, c, width)
    ws.write_string(0, 0, f"{picture.period.label}党支部评星定级台账", formats.title)
    before = picture.previous.label if picture.previous else "无（档案中没有更早的评定）"
    ws.write_string(
        1, 0, f"上期：{before}；评定规则：{picture.rubric.get('title', '')}", formats.note
    )
    _header(ws, 2, [name for name, _ in LEDGER_COLUMNS], formats)
    ws.freeze_panes(3, 4)
    colours = category_fills(picture.rubric)
    r = 3
    for i, row in enumerate(picture.rows, 1):
        b = row.rating
        reason = b.reason if b.adjusted else None
        if reason and b.rated_stars != b.stars:
            reason = f"{reason}（核算{b.rated_stars}星）"
        values = [
            i, b.township, b.party_org or "", b.name, b.type or "", b.stars, b.category, b.level,
            "、".join(json.loads(b.unmet)), row.previous, row.change, reason or "",
            "、".join(FLAGS[f] for f in row.flags), b.file_name,
        ]  # fmt: skip
        fills = {
            6: formats.fill(colours.get(b.category)),
            10: formats.fill(CHANGE_COLOURS.get(row.change)),
        }
        _row(ws, r, values, formats.cell, fills)
        r += 1
    for gone in picture.gone:
        values = [r - 2, gone.township, gone.party_org or "", gone.name, gone.type or "", None,
                  "", "", "", gone.stars, "撤销", "", "本期报送中没有该支部", ""]  # fmt: skip
        _row(ws, r, values, formats.cell, {10: formats.fill(CHANGE_COLOURS["撤销"])})
        r += 1
    if r > 3:
        ws.autofilter(2, 0, r - 1, len(LEDGER_COLUMNS) - 1)


# ------------------------------------------------------------------------------ 趋势


def _trend(wb: Any, ws: Any, picture: PeriodPicture, formats: _Formats) -> None:
    """Counts per period by stars and by category (with a stacked column chart), then the same
    per township and period."""
    periods: list[Period] = list(dict.fromkeys(t[0] for t in picture.trend))
    max_stars = int(picture.rubric.get("max_stars", 6))
    stars = list(range(max_stars, -1, -1))
    categories = list(picture.rubric.get("categories", []))
    categories += sorted({t[3] for t in picture.trend} - set(categories))
    by_stars: Counter[tuple[Period, int]] = Counter()
    by_category: Counter[tuple[Period, str]] = Counter()
    town_stars: Counter[tuple[str, Period, int]] = Counter()
    town_category: Counter[tuple[str, Period, str]] = Counter()
    for period, township, n_stars, category, count in picture.trend:
        by_stars[(period, n_stars)] += count
        by_category[(period, category)] += count
        town_stars[(township, period, n_stars)] += count
        town_category[(township, period, category)] += count
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2 + len(stars) + len(categories) + 2, 9)
    ws.write_string(0, 0, f"党支部星级和定级类别趋势（至{picture.period.label}）", formats.title)

    r = 2
    ws.write_string(r, 0, "各期星级分布（支部数）", formats.note)
    r += 1
    _header(ws, r, ["期次", *[f"{s}星" for s in stars], "合计", "平均星级"], formats)
    for period in periods:
        r += 1
        counts = [by_stars[(period, s)] for s in stars]
        total = sum(counts)
        mean = (
            round(sum(s * n for s, n in zip(stars, counts, strict=True)) / total, 2) if total else 0
        )
        _row(ws, r, [period.label, *counts, total, mean], formats.cell)

    r += 2
    ws.write_string(r, 0, "各期定级类别（支部数）", formats.note)
    r += 1
    header_row = r
    _header(ws, r, ["期次", *categories, "合计"], formats)
    for period in periods:
        r += 1
        counts = [by_category[(period, c)] for c in categories]
        _row(ws, r, [period.label, *counts, sum(counts)], formats.cell)
    if periods:
        fills = category_fills(picture.rubric)
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for c, name in enumerate(categories, 1):
            chart.add_series(
                {
                    "name": [TREND_SHEET, header_row, c],
                    "categories": [TREND_SHEET, header_row + 1, 0, r, 0],
                    "values": [TREND_SHEET, header_row + 1, c, r, c],
                    "fill": {"color": f"#{fills.get(name, 'BFBFBF')}"},
                    "border": {"color": "#7F7F7F"},
                }
            )
        chart.set_title({"name": "各期定级类别"})
        chart.set_y_axis({"name": "支部数"})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(2, len(stars) + 5, chart, {"x_scale": 1.2, "y_scale": 1.1})

    r += 2
    ws.write_string(r, 0, "各乡镇（街道）各期星级和定级类别（支部数）", formats.note)
    r += 1
    _header(
        ws, r, ["乡镇（街道）", "期次", "支部数", *[f"{s}星" for s in stars], *categories], formats
    )
    townships = list(dict.fromkeys(t[1] for t in sorted(picture.trend, key=lambda t: t[1])))
    for township in townships:
        for period in periods:
            counts = [town_stars[(township, period, s)] for s in stars]
            if not sum(counts):
                continue
            r += 1
            kinds = [town_category[(township, period, c)] for c in categories]
            _row(ws, r, [township, period.label, sum(counts), *counts, *kinds], formats.cell)


# ------------------------------------------------------------------------------ 报送情况


def _status(ws: Any, picture: PeriodPicture, formats: _Formats) -> None:
    status = picture.status
    ws.set_column(0, 0, 18)
    ws.set_column(1, 6, 11)
    due = status.deadline.isoformat() if status.deadline else "未设定"
    ws.write_string(0, 0, f"{picture.period.label}报送情况（截止日期：{due}）", formats.title)
    _header(
        ws, 1, ["乡镇（街道）", "状态", "报送次数", "最近报送", "逾期", "错误数", "名册"], formats
    )
    for r, t in enumerate(status.townships, 2):
        values = [t.name, t.state, t.submissions, t.last or "", "逾期" if t.late else "",
                  t.errors, "" if t.on_roster else "不在名册"]  # fmt: skip
        _row(ws, r, values, formats.cell)
