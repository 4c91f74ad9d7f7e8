"""Rating branches (or members) under a rubric: pure functions from located tables to results.

One row is rated by :func:`rate_row`: each aspect judged by its mark, its score or its indicator
rules; stars counted or taken from a total; deductions and veto applied; category and level
looked up; the claims read. :func:`rate_workbook` then applies what needs every row at once:
quotas (五个基本: A at most 10%) and the ranking.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.forms.tables import Layout, Table, find_forms
from branchctl.forms.values import (
    is_blank,
    name_key,
    name_keys,
)
from branchctl.io.workbook import Workbook
from branchctl.rules.quotas import apply_quotas
from branchctl.rules.ranking import rank
from branchctl.rules.rateable import (
    is_rated_copy,
    prefer_classification,
    rated_tables,
    reading_notes,
    refuse_bad_values,
)
from branchctl.rules.results import (
    BranchRating,
    QuotaOutcome,
    RatedTable,
    RatingResult,
    ShareOutcome,
)
from branchctl.rules.row_rater import MEMO_ROWS, TableRater
from branchctl.rules.rubric import MONTHS, Rubric
from branchctl.rules.scoring import (
    points_period,
)
from branchctl.rules.shares import measure_shares


def rate_workbook(
    book: Workbook,
    rubric: Rubric,
    as_of: dt.date | None = None,
    *,
    layout: Layout | None = None,
    strict: bool = True,
    settle: bool = True,
    one_per_branch: bool = False,
) -> RatingResult:
    """Rate every rated table of ``book``. ``strict``: an unreadable mark stops it (else it is
    listed in the branch's ``bad``); ``settle``: apply what needs every branch at once (quotas,
    shares, ranking) — a county settles once over all its files instead; ``one_per_branch``:
    附件2 only where there is no 附件1 (it repeats its branches), so each branch counts once."""
    as_of = as_of or dt.date.today()
    layout = layout or find_forms(book, rubric.aspect_headers())
    tables = rated_tables(book, rubric, layout)
    if one_per_branch:
        tables = prefer_classification(tables)
    if not tables:
        if rubric.points is not None:
            what = "一张带“党支部名称”（或“党员姓名”）和“1月”至“12月”得分列的积分表"
        else:
            what = f"一张带“{rubric.key_column}”和“{'、'.join(rubric.required_columns())}”各列的分类定级表或创建台账"
        raise BranchctlError(f"没有找到可评定的表格：需要{what}", path=book.path)
    for t in tables:
        if is_rated_copy(t):
            raise BranchctlError(
                "这是本工具写出的批注工作簿（已有“计算星级”“核对结果”列），请对乡镇报来的原始台账评定",
                path=book.path,
                sheet=t.sheet_name,
            )
    rated = [RatedTable(t, rate_table(t, rubric, book.path, False, as_of=as_of)) for t in tables]
    if strict:
        refuse_bad_values(rated, book.path)
    result = RatingResult(book.path, rubric, rated, notes=reading_notes(layout, tables))
    if not result.branches:
        raise BranchctlError(
            "表中只有表头，没有填写任何党支部，请填报后再评定",
            path=book.path,
            sheet=tables[0].sheet_name,
        )
    if settle:
        result.quotas, result.shares = settle_ratings(result.branches, rubric)
        result.notes += [q.note() for q in result.quotas] + [o.note() for o in result.shares]
    if rubric.points is not None:
        result.period = points_period(tables[0].title, as_of)
        result.notes += _points_notes(result, as_of)
    return result


def settle_ratings(
    branches: list[BranchRating], rubric: Rubric
) -> tuple[list[QuotaOutcome], list[ShareOutcome]]:
    """What needs every branch rated together: the quotas (changing categories in place), the
    shares measured on the outcome, and the ranking. Returns what each quota and share did."""
    units = [b for b in branches if b.entity == "branch"]
    quotas = apply_quotas(units, rubric)
    shares = measure_shares(units, rubric)
    if rubric.ranking:
        for entity in ("branch", "member"):
            rank([b for b in branches if b.entity == entity], rubric.ranking)
    return quotas, shares


def _points_notes(result: RatingResult, as_of: dt.date) -> list[str]:
    period = result.period
    assert period is not None
    notes = []
    if period.note:
        notes.append(period.note + "。")
    if period.months:
        notes.append(
            f"得分计至{period.months}月；星级按{period.star_months}月底（季度末）的累计得分评定。"
            if period.star_months
            else f"得分计至{period.months}月；第一季度尚未结束，新年度星级从0星起评。"
        )
    else:
        notes.append("新年度从零开始：尚无已过完的月份，得分和星级均为0。")
    for rated in result.tables:
        table = rated.table
        later = [
            m
            for m in MONTHS[period.months :]
            if table.has(m) and any(not is_blank(table.value(r, m)) for r in table.rows)
        ]
        if later:
            notes.append(
                f"“{table.sheet_name}”中{'、'.join(later)}已有得分，未计入（核对日期{as_of.isoformat()}）。"
            )
        absent = [m for m in MONTHS[: period.months] if not table.has(m)]
        if absent:
            notes.append(f"“{table.sheet_name}”没有{'、'.join(absent)}列，按0分计。")
    return notes


def rate_table(
    table: Table,
    rubric: Rubric,
    path: Path | None = None,
    strict: bool = True,
    *,
    as_of: dt.date | None = None,
) -> list[BranchRating]:
    """Rate every data row of ``table``. ``strict``: an unreadable mark or score stops it,
    naming every such cell of the table; otherwise it counts as unmet and is listed in the
    branch's ``bad`` (validate reports it as a finding).

    Rows repeat: a ledger of 100,000 branches holds about 1,300 different combinations of
    marks, negative list, claims and indicator inputs, and a county's 1,000 township files
    (45,000 rows) a few hundred, so each combination is rated once (:class:`TableRater`, whose
    memo outlives the table) and every row then only takes its name, place and findings."""
    out: list[BranchRating] = []
    seen: dict[str, int] = {}
    rater = TableRater(table, rubric, path, as_of or dt.date.today())
    variant = rater.variant
    who = "党员" if variant.entity == "member" else "党支部"
    per_branch = variant.entity == "branch"
    rated = rater.rate_all(table.rows)
    # a branch's name is its stripped text: name_key of the cell (kept for validate's own
    # duplicate check where the table is small; a big ledger's names would push out the cache)
    names = [b.name for b in rated]
    keys = name_keys(names) if len(names) >= MEMO_ROWS else list(map(name_key, names))
    for branch, key in zip(rated, keys, strict=True):
        if key and key in seen and per_branch:
            branch.warn("duplicate-name", variant.key_column, first_row=seen[key], who=who)
        elif key:
            seen[key] = branch.row
        out.append(branch)
    if strict:
        refuse_bad_values([RatedTable(table, out)], path)
    return out


def rate_row(
    table: Table,
    r: int,
    rubric: Rubric,
    categories: dict[str, str],
    levels: dict[str, str],
    path: Path | None = None,
    *,
    as_of: dt.date | None = None,
) -> BranchRating:
    """Rate one data row. An unreadable mark or score counts as unmet and is listed in ``bad``
    (rate then refuses, naming the cells; validate reports each as a finding)."""
    rater = TableRater(table, rubric, path, as_of or dt.date.today(), (categories, levels))
    return rater.rate(r, memo=False)
