"""Turning results into annotation plans: what the annotated copy of a workbook shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from itertools import compress
from operator import attrgetter, ne
from typing import Any

from branchctl.findings.catalogue import finding
from branchctl.forms.tables import Table
from branchctl.io.xlsx.plan import (
    FILL_ERROR,
    FILL_WARNING,
    ROW_PIXELS,
    AnnotationPlan,
    AppendedColumns,
    BarChart,
    CellMark,
    NewSheet,
    Percent,
    RowValues,
    band_fills,
)
from branchctl.rules.ranking import Overdue, overdue_counter
from branchctl.rules.results import (
    COMPUTED_COLUMNS,
    BranchRating,
    CapHit,
    RatingResult,
    extra_columns,
    extra_values,
)
from branchctl.rules.rubric import Rubric
from branchctl.rules.scoring import number_text

RATE_WIDTHS: list[float | None] = [10.0, 12.0, 10.0, None, None]  # None: fitted to the text
SUMMARY_SHEET = "汇总"
CHART_COL = 4  # the chart stands right of the star and category tables (columns A–C), from E
CHART_ROWS = 12  # at least this many rows high


def rating_plan(
    result: RatingResult,
    bottom: list[BranchRating] | None = None,
    overdue: Overdue | None = None,
    group_by: str = "所属党组织",
    groups: list[str] | None = None,
    summary: dict[str, Any] | None = None,
) -> AnnotationPlan:
    """The annotated copy of a rated workbook: computed columns, fills, comments, 汇总 sheet
    (``summary``: the result's, when already worked out)."""
    plan = AnnotationPlan(kind="rated")
    categories = result.rubric.categories
    fills = band_fills([b.name for b in categories], [b.fill for b in categories])
    extra = bool(extra_columns(result.rubric))
    for rated in result.tables:
        table = rated.table
        sheet = plan.sheet(table.sheet_name)
        first = table.last_col + 1
        by_row: dict[int, BranchRating] = {}  # the computed columns are made as they are written
        headers = list(COMPUTED_COLUMNS) + extra_columns(
            result.rubric
        )  # score, rank for some rubrics
        row_fills = {  # one tuple per fill, shared by the rows
            name: (table.first_col, first + len(headers) - 1, fill)
            for name, fill in fills.items()
            if fill
        }
        fills_by_row = sheet.row_fills
        for b in rated.branches:
            r = b.row - 1
            by_row[r] = b
            fill = row_fills.get(b.category)
            if fill:
                fills_by_row[r] = fill
            if not (
                b.disagreements
                or b.findings
                or b.blank
                or b.capped_from is not None
                or _CLAIMED(b) != _GRADES(b)  # b.mismatch, without 3 calls per row
                and b.mismatch
            ):
                continue  # nothing to mark (caps and proof gaps come with a finding)
            basis = f"按{len(result.rubric.aspects)}个方面核算"
            if b.veto:
                basis = f"负面清单“{b.veto}”一票否决"
            elif b.capped_from is not None:  # a cap lowered the stars the score earned
                basis = f"{_lowest_cap(b).reason()}，核算"
            elif b.parts:
                basis = f"按综合得分{number_text(b.score)}分核算"
            for column, differs, claimed, computed in (
                ("星级", b.stars_differ, f"{b.claimed_stars}星", f"{b.stars}星"),
                ("定级类别", b.category_differs, b.claimed_category, b.category),
                ("等次", b.level_differs, b.claimed_level, b.level),
            ):
                if differs:
                    sheet.marks.append(
                        CellMark(
                            r,
                            table.columns[b.claimed_in.get(column, column)],
                            FILL_ERROR,
                            f"填报：{claimed}\n{basis}：{computed}",
                        )
                    )
            for d in b.disagreements:  # a mark the data contradicts (indicator rules)
                if d.aspect in table.columns:
                    sheet.marks.append(
                        CellMark(r, table.columns[d.aspect], FILL_WARNING, d.message())
                    )
            sheet.marks += _rubric_marks(b, table, result.rubric)  # caps, proof
            for aspect in b.blank:
                if aspect not in table.columns:
                    continue
                note = finding("mark-blank", column=aspect, what="").message
                sheet.marks.append(CellMark(r, table.columns[aspect], FILL_WARNING, note))
        style_col = table.columns.get("党支部名称", table.first_col)
        sheet.appended.append(
            AppendedColumns(
                first_col=first,
                header_top=table.header_top,
                header_row=table.header_row,
                headers=list(headers),
                values=RowValues(by_row, _computed_with_extras(result.rubric))
                if extra
                else RowValues(by_row, _computed, _computed_key),
                style_from=(table.header_row, style_col),
                widths=[*RATE_WIDTHS, *[10.0] * (len(headers) - len(COMPUTED_COLUMNS))],
            )
        )
    plan.new_sheets.append(summary_sheet(result, bottom, overdue, group_by, groups, summary))
    return plan


def _computed(b: BranchRating) -> list[Any]:
    """A rated row's computed columns (COMPUTED_COLUMNS)."""
    return [b.stars, b.category, b.level, _unmet_text(b), b.check_text()]


_CLAIMED = attrgetter("claimed_stars", "claimed_category", "claimed_level")
_GRADES = attrgetter("stars", "category", "level")
_STARS, _CATEGORY, _STANDARD = attrgetter("stars"), attrgetter("category"), attrgetter("standard")
_SHOWN = attrgetter(
    "stars", "category", "level", "veto", "claimed_stars", "claimed_category", "claimed_level"
)


def _computed_key(b: BranchRating) -> Hashable:
    """What :func:`_computed` depends on: branches alike get their cells made once."""
    return (*_SHOWN(b), b.stars.__class__, b.claimed_stars.__class__, *b.unmet)  # 3 ≠ 3.0 here


def _computed_with_extras(rubric: Rubric) -> Callable[[BranchRating], list[Any]]:
    """The computed columns and the ones ``rubric`` adds (extra_columns)."""
    return lambda b: [*_computed(b), *extra_values(b, rubric)]


def _lowest_cap(b: BranchRating) -> CapHit:
    return min(b.caps, key=lambda h: h.max_stars)


def _rubric_marks(b: BranchRating, table: Table, rubric: Rubric) -> list[CellMark]:
    """Yellow cells for what some rubrics add: the cell that capped the stars, a grade's
    proof left blank."""
    r = b.row - 1
    marks = []
    if b.capped_from is not None:
        lowest = _lowest_cap(b)
        columns = [lowest.column]
        if rubric.satisfaction is not None and lowest.column == rubric.satisfaction.column:
            columns += [t.column for t in rubric.satisfaction.tallies]  # the rate from votes
        col = next((table.columns[c] for c in columns if c in table.columns), None)
        if col is not None:
            text = next(f.message for f in b.findings if f.code == "stars-capped")
            marks.append(CellMark(r, col, FILL_WARNING, text))
    for note in b.findings:
        if note.code == "evidence-missing" and note.column in table.columns:
            marks.append(CellMark(r, table.columns[note.column], FILL_WARNING, note.message))
    return marks


def _unmet_text(b: BranchRating) -> str:
    if b.veto:
        return f"负面清单：{b.veto}"
    return "、".join(b.unmet) if b.unmet else "无"


def summary_sheet(
    result: RatingResult,
    bottom: list[BranchRating] | None = None,
    overdue: Overdue | None = None,
    group_by: str = "所属党组织",
    groups: list[str] | None = None,
    summary: dict[str, Any] | None = None,
) -> NewSheet:
    """The 汇总 sheet: counts by stars, by category and by 所属党组织 (or ``group_by``, each
    branch's group in ``groups``), and a bar chart."""
    s = result.summary() if summary is None else summary
    rubric = result.rubric
    total = s["total"]
    rows: list[list[Any]] = []
    headers: set[int] = set()
    titles: set[int] = set()

    def pct(n: int) -> Percent:
        return Percent(n / total if total else 0.0)

    titles.add(len(rows))
    rows.append([f"{rubric.title}汇总"])
    rows.append(
        [
            f"文件：{result.path.name}    参评支部：{total}个    "
            f"达标：{s['standard_count']}个（{pct(s['standard_count']):.1%}）"
            f"    自评与核算不符：{s['mismatches']}个"
        ]
    )
    rows.append([])
    chart_top = len(rows)
    headers.add(len(rows))
    rows.append(["星级", "支部数", "占比"])
    star_first = len(rows)
    for stars, n in s["by_stars"].items():
        rows.append([f"{stars}星", n, pct(n)])
    star_last = len(rows) - 1
    rows.append([])
    headers.add(len(rows))
    rows.append(["定级类别", "支部数", "占比"])
    for name, n in s["by_category"].items():
        rows.append([name, n, pct(n)])
    rows.append([])
    while len(rows) - chart_top < CHART_ROWS + 1:  # room for the chart beside the two tables
        rows.append([])
    chart = BarChart(
        title="星级分布",
        categories=(0, star_first, star_last),
        values=(1, star_first, star_last),
        anchor=(chart_top, CHART_COL),
        height=(len(rows) - chart_top - 1) * ROW_PIXELS + ROW_PIXELS // 2,
    )

    unmet_cells: list[tuple[int, int]] = []  # 倒排's 未达标方面: spans to the widest table's end
    headers.add(len(rows))
    star_cols = [f"{k}星" for k in s["by_stars"]]
    categories = list(s["by_category"])
    rows.append([group_by, "支部数", *star_cols, *categories, "达标数", "达标率", "自评不符"])
    members_of: dict[str, list[BranchRating]] = {}
    keys = groups or [b.party_org or "（未填写）" for b in result.branches]
    for key, b in zip(keys, result.branches, strict=True):
        members_of.setdefault(key, []).append(b)
    for key, members in members_of.items():
        rows.append(_group_row(key, members, s["by_stars"], categories))
    rows.append(_group_row("合计", result.branches, s["by_stars"], categories))

    if bottom:
        rows.append([])
        headers.add(len(rows))
        rows.append(
            [
                "倒排名次",
                "所属党组织",
                "党支部名称",
                "星级",
                "未达标方面数",
                "逾期任务数",
                "未达标方面",
            ]
        )
        late = overdue_counter(overdue)
        unmet_cells.append((len(rows) - 1, 6))
        for i, b in enumerate(bottom, 1):
            unmet_cells.append((len(rows), 6))
            rows.append(
                [i, b.party_org or "", b.name, b.stars, len(b.unmet), late(b), _unmet_text(b)]
            )

    notes = _rubric_rows(result, rows, headers)  # quota notes, points period, ranking

    last = max(len(r) for i, r in enumerate(rows) if i in headers) - 1
    spans = {(r, 0): last for r in (1, *notes)}  # note lines wrap within the tables' width
    spans.update({cell: last for cell in unmet_cells if cell[1] < last})
    return NewSheet(
        name=SUMMARY_SHEET,
        rows=rows,
        header_rows=headers,
        title_rows=titles,
        charts=[chart],
        landscape=True,
        spans=spans,
    )


def _group_row(
    org: str, members: list[BranchRating], star_keys: dict[str, int], categories: list[str]
) -> list[Any]:
    n = len(members)
    standard = sum(map(bool, map(_STANDARD, members)))
    stars = Counter(map(str, map(_STARS, members)))
    in_category = Counter(map(_CATEGORY, members))
    # b.mismatch asked only of the branches whose claims are not their grades as they stand
    maybe = compress(members, map(ne, map(_CLAIMED, members), map(_GRADES, members)))
    return [
        org,
        n,
        *[stars[k] for k in star_keys],
        *[in_category[c] for c in categories],
        standard,
        Percent(standard / n if n else 0.0),
        sum(1 for b in maybe if b.mismatch),
    ]


def _rubric_rows(result: RatingResult, rows: list[list[Any]], headers: set[int]) -> list[int]:
    """Rows some rubrics add to 汇总: notes (quota moves, months counted) and the ranking.
    Returns the rows of the notes."""
    notes: list[int] = []
    if result.notes:
        rows.append([])
        headers.add(len(rows))
        rows.append(["说明"])
        for note in result.notes:
            notes.append(len(rows))
            rows.append([note])
    if result.rubric.ranking:
        rows.append([])
        headers.add(len(rows))
        rows.append(["排名", "所属党组织", "名称", "星级", "得分", "定级类别"])
        for b in sorted(result.branches, key=lambda b: (b.rank or 0, b.sheet, b.row)):
            score = extra_values(b, result.rubric)[0] if result.rubric.has_total else None
            rows.append([b.rank, b.party_org or "", b.name, b.stars, score, b.category])
    return notes
