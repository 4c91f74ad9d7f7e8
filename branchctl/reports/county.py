"""What a county rating shows: the county workbook (every branch, 汇总, 评定说明) and the
terminal summary.

The county workbook is the county ledger (every file's rows, :func:`branchctl.rules.county.
ledger_rows`) annotated exactly as a township's rated copy is — :func:`branchctl.reports.annotate.
rating_plan` appends the computed columns, fills each row by category and comments the claims
that differ, file by file where the file is rated (:func:`ledger_part`, in a worker) — with the
汇总 sheet (here by 所属党组织 or by 来源文件) and a 评定说明 sheet listing every file and what
became of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from branchctl.forms.values import name_key
from branchctl.io.xlsx.plain import WIDTH_SAMPLE, PlainSheet, applied, render_rows
from branchctl.io.xlsx.plan import FILL_ERROR, FILL_WARNING, AnnotationPlan, CellMark, NewSheet
from branchctl.reports.annotate import SUMMARY_SHEET, rating_plan, summary_sheet
from branchctl.rules.county import (
    LEDGER_SHEET,
    CountyRating,
    LedgerPart,
    SourceRating,
    group_keys,
    ledger_columns,
    ledger_rows,
    ledger_table,
    placed_branches,
)
from branchctl.rules.ranking import bottom_ranking
from branchctl.rules.results import BranchRating, RatedTable, RatingResult
from branchctl.rules.rubric import Rubric

NOTES_SHEET = "评定说明"
# The sheets that make a county workbook: how it is known when it is found again.
COUNTY_SHEETS = (LEDGER_SHEET, SUMMARY_SHEET)
LISTED = 20  # files and branches listed on the terminal before "……另有"


@dataclass
class CountyReport:
    county: CountyRating
    out: Path | None
    bottom: list[BranchRating]  # the 倒排, as placed in the county ledger
    by: str
    annotate_dir: Path | None = None
    summary: dict[str, Any] = field(default_factory=dict)  # county.summary(), worked out once

    @property
    def exit_code(self) -> int:
        s = self.summary or self.county.summary()
        return 1 if self.county.failed or s["mismatches"] else 0


def county_plan(
    county: CountyRating,
    bottom: int = 0,
    by: str = "所属党组织",
    summary: dict[str, Any] | None = None,
) -> tuple[PlainSheet, AnnotationPlan, list[BranchRating]]:
    """The county ledger (its rows rendered, most of them by the workers that rated the files),
    the plan that annotates it, and its 倒排 (the ``bottom`` weakest); ``summary``: the
    county's, when already worked out."""
    rubric = county.rubric
    columns = ledger_columns(county.rated)
    key = tuple(columns)
    sheet = PlainSheet(LEDGER_SHEET, [columns])
    marks: list[CellMark] = []
    at = 1  # the ledger's row (0-based) of the next file's first row, below the header
    for s in county.rated:
        part = s.ledger
        if part is None or part.columns != key or len(sheet.sample) < WIDTH_SAMPLE:
            # not rendered for this ledger's columns; or its values fit the column widths
            part, rows, widths = ledger_part(s, columns, rubric, at)
            if not sheet.sample:
                sheet.header, sheet.widths = rows[:1], widths
            if len(sheet.sample) < WIDTH_SAMPLE:
                sheet.sample += rows[1:]
        sheet.parts.append(part.rows)
        marks += [replace(m, row=m.row + at) for m in part.marks]
        at += part.rows.rows
    placed = placed_branches(county.rated) if bottom or rubric.ranking else county.branches
    late: dict[int, int] = {}
    weakest: list[BranchRating] = []
    if bottom:  # the overdue tasks and the ranking only for a 倒排 asked for
        moved = iter(placed)
        for s in county.rated:
            for b in s.branches:
                late[id(next(moved))] = s.overdue.get(name_key(b.name), 0)
        weakest = bottom_ranking(placed, bottom, lambda b: late.get(id(b), 0))
    title = f"{county.name}（{len(county.rated)}个文件）"
    ledger = RatedTable(ledger_table(columns, []), placed)
    result = RatingResult(Path(title), rubric, [ledger], county.quotas, None, county.notes,
                          county.shares)  # fmt: skip
    plan = AnnotationPlan(kind="county")
    plan.sheet(LEDGER_SHEET).marks = marks
    groups = group_keys(county, by)
    plan.new_sheets.append(
        summary_sheet(result, weakest, lambda b: late.get(id(b), 0), by, groups, summary)
    )
    plan.new_sheets.append(notes_sheet(county))
    return sheet, plan, weakest


def ledger_part(
    source: SourceRating, columns: Sequence[str], rubric: Rubric, first: int = 1
) -> tuple[LedgerPart, list[list[Any]], dict[int, float]]:
    """``source``'s rows of the county ledger of ``columns``, annotated as a rated copy is (the
    computed columns, the row fills by category, the claims marked) and rendered; with the
    header row and the rows as values (序号 from ``first``), and the computed columns' widths."""
    table = ledger_table(columns, ledger_rows(source, columns, first))
    rated = RatedTable(table, placed_branches([source]))
    plan = rating_plan(RatingResult(Path(source.label), rubric, [rated])).sheet(LEDGER_SHEET)
    rows, fills, widths = applied(table.sheet.rows, plan)
    body = render_rows(rows[1:], "plain", {r - 1: f for r, f in fills.items()}, ordinal=0)
    marks = [replace(m, row=m.row - 1) for m in plan.marks]
    return LedgerPart(tuple(columns), body, marks), rows, widths


def ledger_grid(county: CountyRating) -> list[list[Any]]:
    """The county ledger as values, its header row first and the computed columns included:
    what a copy rebuilt without the patch writer is made from."""
    columns = ledger_columns(county.rated)
    grid: list[list[Any]] = []
    for s in county.rated:
        _, rows, _ = ledger_part(s, columns, county.rubric, max(len(grid), 1))
        grid += rows if not grid else rows[1:]
    return grid or [columns]


def notes_sheet(county: CountyRating) -> NewSheet:
    """评定说明: every file with what became of it, the files passed over, the duplicates."""
    rows: list[list[Any]] = [["评定说明"]]
    headers: set[int] = set()
    fills: dict[tuple[int, int], str] = {}
    rows.append(
        [
            f"评定文件 {len(county.sources)} 个，其中未能评定或部分未能评定 {len(county.failed)} 个，"
            f"跳过 {len(county.skipped)} 个；参评党支部 {len(county.branches)} 个，"
            f"在多个文件中重复出现的 {len(county.duplicates)} 处。"
        ]
    )
    rows.append([])
    headers.add(len(rows))
    rows.append(["序号", "来源文件", "状态", "支部数", "说明"])
    for i, s in enumerate(county.sources, 1):
        state = "已评定" if s.ok else ("部分未能评定" if s.branches else "未能评定")
        if not s.ok:
            fills[(len(rows), 2)] = FILL_ERROR
        rows.append(
            [i, s.label, state, len(s.branches), "；".join(filter(None, [s.message, *s.notes]))]
        )
    if county.duplicates:
        rows.append([])
        headers.add(len(rows))
        rows.append(["序号", "所属党组织", "党支部名称", "出现次数", "出现位置"])
        for i, group in enumerate(county.duplicates, 1):
            _, first = group[0]
            where = "；".join(f"{s.chain(b)}“{b.sheet}”第{b.row}行" for s, b in group)
            fills[(len(rows), 2)] = FILL_WARNING
            rows.append([i, first.party_org or "", first.name, len(group), where])
    if county.skipped:
        rows.append([])
        headers.add(len(rows))
        rows.append(["序号", "跳过的文件", "原因"])
        rows += [[i, label, why] for i, (label, why) in enumerate(county.skipped, 1)]
    return NewSheet(
        name=NOTES_SHEET,
        rows=rows,
        header_rows=headers,
        title_rows={0},
        widths=[6.0, 36.0, 14.0, 24.0, 80.0],
        fills=fills,
    )


def county_text(report: CountyReport) -> str:
    """The terminal summary of a county rating."""
    from tabulate import tabulate

    county = report.county
    s = report.summary or county.summary()
    total = s["total"]
    lines = [
        f"评定：{county.name}（文件 {len(county.sources)} 个，未能评定 {len(county.failed)} 个，"
        f"跳过 {len(county.skipped)} 个）    规则：{county.rubric.title}（{county.rubric.name}）",
        f"参评支部 {total} 个，达标 {s['standard_count']} 个（{s['standard_rate']:.1%}），"
        f"自评与核算不符 {s['mismatches']} 个。",
        "",
    ]
    stars = list(s["by_stars"])
    groups: dict[str, list[BranchRating]] = {}
    for key, b in zip(group_keys(county, report.by), county.branches, strict=True):
        groups.setdefault(key, []).append(b)
    table = []
    for key, members in groups.items():
        counts = Counter(str(b.stars) for b in members)
        standard = sum(1 for b in members if b.standard)
        table.append([key, len(members), *[counts[k] for k in stars],
                      f"{standard / len(members):.1%}"])  # fmt: skip
    lines.append(
        tabulate(table, headers=[report.by, "支部数", *[f"{k}星" for k in stars], "达标率"])
    )
    for note in county.notes:
        lines += ["", note]
    if county.failed:
        lines += ["", "未能评定的文件（其余文件照常评定）："]
        lines += [f"  {f.label}：{f.message}" for f in county.failed[:LISTED]]
        if len(county.failed) > LISTED:
            lines.append(f"  ……共 {len(county.failed)} 个，见“{NOTES_SHEET}”工作表。")
    if county.duplicates:
        lines += [
            "",
            f"在多个文件中重复出现的党支部 {len(county.duplicates)} 处（均已计入，请核实）：",
        ]
        for group in county.duplicates[:LISTED]:
            where = "；".join(f.chain(b) for f, b in group)
            lines.append(f"  {group[0][1].name}：{where}")
    mismatched = [(src, b) for src in county.sources for b in src.branches if b.mismatch]
    if mismatched:
        lines += ["", "自评与核算不符的支部："]
        rows = [
            [src.chain(b), b.sheet, b.row, b.name, b.check_text()] for src, b in mismatched[:LISTED]
        ]
        lines.append(tabulate(rows, headers=["来源文件", "工作表", "行", "党支部名称", "核对结果"]))
        if len(mismatched) > LISTED:
            lines.append(f"……另有 {len(mismatched) - LISTED} 个，见评定汇总工作簿。")
    if report.bottom:
        lines += ["", f"倒排最弱的 {len(report.bottom)} 个支部："]
        rows = [[i, b.party_org or "", b.name, b.stars, len(b.unmet)]
                for i, b in enumerate(report.bottom, 1)]  # fmt: skip
        lines.append(
            tabulate(rows, headers=["名次", "所属党组织", "党支部名称", "星级", "未达标方面数"])
        )
    if county.skipped:
        lines += ["", f"跳过的文件 {len(county.skipped)} 个：" + "；".join(
            f"{label}（{why}）" for label, why in county.skipped[:LISTED])]  # fmt: skip
    if report.out is not None:
        lines += ["", f"已写出评定汇总工作簿：{report.out}"]
    if report.annotate_dir is not None:
        copies = sum(1 for f in county.sources if f.annotated)
        lines.append(f"各文件的评定副本（{copies} 个）在：{report.annotate_dir}")
    return "\n".join(lines)
