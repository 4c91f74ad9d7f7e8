"""What a comparison shows: NEW's workbook annotated, the 变动汇总 sheet, the terminal summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from branchctl.io.xlsx.plan import (
    CHANGE_FILLS,
    ROW_PIXELS,
    AnnotationPlan,
    AppendedColumns,
    BarChart,
    NewSheet,
)
from branchctl.rules.comparison import CHANGES, Comparison

COMPARE_COLUMNS = ["上期星级", "本期星级", "变动", "变动说明"]
COMPARE_WIDTHS: list[float | None] = [10.0, 10.0, 8.0, None]  # None: fitted to the text
SUMMARY_SHEET = "变动汇总"
CHART_COL = 5  # the chart stands right of the change and star tables (columns A–D), from F


def comparison_plan(comparison: Comparison) -> AnnotationPlan:
    """NEW's workbook with the changes coloured, 上期/本期星级 and 变动 appended, a 变动汇总 sheet."""
    plan = AnnotationPlan(kind="compare")
    new = comparison.new
    by_row = {(c.new.sheet, c.new.row): c for c in comparison.changes if c.new is not None}
    for table in new.tables:
        sheet = plan.sheet(table.sheet_name)
        first = table.last_col + 1
        values: dict[int, list[Any]] = {}
        for r in table.rows:
            c = by_row.get((table.sheet_name, r + 1))
            if c is None:
                continue
            values[r] = [c.old.stars if c.old else None, c.current.stars, c.change, c.note()]
            if c.change != "持平":  # 持平 keeps the clerk's own colours
                sheet.row_fills[r] = (
                    table.first_col,
                    first + len(COMPARE_COLUMNS) - 1,
                    CHANGE_FILLS[c.change],
                )
        sheet.appended.append(
            AppendedColumns(
                first_col=first,
                header_top=table.header_top,
                header_row=table.header_row,
                headers=list(COMPARE_COLUMNS),
                values=values,
                style_from=(table.header_row, table.columns.get("党支部名称", table.first_col)),
                widths=list(COMPARE_WIDTHS),
            )
        )
    names = {s.name for s in new.book.sheets} if new.book is not None else set()
    plan.new_sheets.append(summary_sheet(comparison, _free_name(SUMMARY_SHEET, names)))
    return plan


def _free_name(name: str, taken: set[str]) -> str:
    n, candidate = 2, name
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    return candidate


def summary_sheet(comparison: Comparison, name: str = SUMMARY_SHEET) -> NewSheet:
    """变动汇总: counts by change with a chart, stars then and now, by 所属党组织, the changed branches."""
    s = comparison.summary()
    rows: list[list[Any]] = []
    headers: set[int] = set()
    fills: dict[tuple[int, int], str] = {}
    links: dict[tuple[int, int], str] = {}
    rows.append(["党支部星级季度对比（授星摘星）"])
    rows.append(
        [
            f"上期：{comparison.old.name}（{s['old_total']}个）    "
            f"本期：{comparison.new.name}（{s['new_total']}个）    规则：{comparison.rubric.title}"
        ]
    )
    rows.append([])
    chart_top = len(rows)
    headers.add(len(rows))
    rows.append(["变动", "支部数"])
    first = len(rows)
    for change in CHANGES:
        fills[(len(rows), 0)] = CHANGE_FILLS[change]
        rows.append([change, s[change]])
    last = len(rows) - 1
    rows.append([])
    headers.add(len(rows))
    rows.append(["星级", "上期支部数", "本期支部数", "增减"])
    for stars, before in s["by_stars"]["old"].items():
        after = s["by_stars"]["new"][stars]
        rows.append([f"{stars}星", before, after, after - before])
    rows.append([])
    while len(rows) - chart_top < 13:  # room for the chart beside the two tables
        rows.append([])
    chart = BarChart(
        "星级变动",
        (0, first, last),
        (1, first, last),
        anchor=(chart_top, CHART_COL),
        height=(len(rows) - chart_top - 1) * ROW_PIXELS + ROW_PIXELS // 2,
    )
    headers.add(len(rows))
    rows.append(["所属党组织", *CHANGES, "合计"])
    for org, counts in s["by_party_org"].items():
        rows.append([org, *[counts[k] for k in CHANGES], sum(counts.values())])
    rows.append(["合计", *[s[k] for k in CHANGES], len(comparison.changes)])
    changed = [c for c in comparison.changes if c.change != "持平"]
    if changed:
        rows.append([])
        headers.add(len(rows))
        rows.append(["变动", "所属党组织", "党支部名称", "上期星级", "本期星级", "上期类别", "本期类别",
                     "上期等次", "本期等次", "变动说明", "位置"])  # fmt: skip
        for c in changed:
            o, n = c.old, c.new
            r = len(rows)
            fills[(r, 0)] = CHANGE_FILLS[c.change]
            rows.append([
                c.change, c.current.party_org or "", c.current.name,
                o.stars if o else None, n.stars if n else None,
                o.category if o else None, n.category if n else None,
                o.level if o else None, n.level if n else None,
                c.note(), c.where(),
            ])  # fmt: skip
            if n is not None and n.file is None:  # a county's branch is in another workbook
                links[(r, 2)] = f"'{n.sheet.replace(chr(39), chr(39) * 2)}'!A{n.row}"
    notes = [*comparison.old.warnings, *comparison.new.warnings, *comparison.warnings]
    if notes:
        rows.append([])
        headers.add(len(rows))
        rows.append(["提示"])
        rows += [[text] for text in notes]
    return NewSheet(
        name=name,
        rows=rows,
        header_rows=headers,
        title_rows={0},
        links=links,
        fills=fills,
        charts=[chart],
        landscape=True,
    )


def comparison_text(comparison: Comparison, out: Path | None, limit: int = 30) -> str:
    """The terminal summary: counts, by 所属党组织, the branches that lost stars or went."""
    from tabulate import tabulate

    s = comparison.summary()
    lines = [
        f"上期：{comparison.old.name}（{s['old_total']}个）  "
        f"本期：{comparison.new.name}（{s['new_total']}个）  规则：{comparison.rubric.title}",
        "，".join(f"{k} {s[k]} 个" for k in CHANGES)
        + (f"（其中更名 {s['renamed']} 个）" if s["renamed"] else "")
        + "。",
        "",
        tabulate(
            [[org, *[c[k] for k in CHANGES]] for org, c in s["by_party_org"].items()],
            headers=["所属党组织", *CHANGES],
        ),
    ]
    for kind in ("降星", "撤销", "升星", "新增"):
        items = [c for c in comparison.changes if c.change == kind]
        if not items:
            continue
        lines += ["", f"{kind}的支部："]
        rows = [
            [
                c.current.party_org or "",
                c.current.name,
                c.old.stars if c.old else "",
                c.new.stars if c.new else "",
            ]
            for c in items[:limit]
        ]
        lines.append(tabulate(rows, headers=["所属党组织", "党支部名称", "上期星级", "本期星级"]))
        if len(items) > limit:
            lines.append(f"……另有 {len(items) - limit} 个，见对比工作簿。")
    notes = [*comparison.old.warnings, *comparison.new.warnings, *comparison.warnings]
    if notes:
        lines += ["", "提示："] + [f"  {n}" for n in notes[:limit]]
        if len(notes) > limit:
            lines.append(f"  ……共 {len(notes)} 条。")
    if out is not None:
        lines += ["", f"已写出对比工作簿：{out}"]
    return "\n".join(lines)
