"""Validation findings that depend on the rubric: ``indicator-disagrees``, ``quota-exceeded``
and ``quota-below`` (quotas and shares, on what the submission claims), ``cap-exceeded`` (a
claim above a cap that holds), ``evidence-missing`` (a grade's proof left blank; for tasks, see
:mod:`branchctl.checks.evidence`), and ``bad-number`` for an unreadable satisfaction rate.

Called once per workbook from :func:`branchctl.checks.run.rubric_specific_checks` with the rated
per-branch tables. Messages come from ``data/findings.toml`` (``{detail}`` is filled here).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from branchctl.checks.evidence import task_evidence
from branchctl.findings.catalogue import finding
from branchctl.findings.model import Finding
from branchctl.forms.tables import Table
from branchctl.forms.values import BadValue, cell_text, name_key
from branchctl.io.cells import cell_name
from branchctl.rules.quotas import claimed_over_quota
from branchctl.rules.results import BranchRating
from branchctl.rules.rubric import Rubric
from branchctl.rules.scoring import parse_percent
from branchctl.rules.shares import measure_shares

if TYPE_CHECKING:
    from branchctl.checks.context import CheckContext

MAX_NAMED = 10


def check(ctx: CheckContext) -> list[Finding]:
    """The rubric-specific findings of one workbook under check."""
    return rubric_findings(ctx.rated, ctx.rubric, ctx.as_of) + task_evidence(ctx)


def rubric_findings(
    rated: list[tuple[Table, list[BranchRating]]], rubric: Rubric, as_of: dt.date
) -> list[Finding]:
    """``indicator-disagrees`` for each mark its data contradicts; ``quota-exceeded`` when the
    submission claims more of a capped category than its quota allows."""
    findings: list[Finding] = []
    for table, branches in rated:
        findings += _disagreements(table, branches, rubric, as_of)
        findings += _caps(table, branches, rubric)
        findings += _proof(table, branches)
        findings += _bad_rates(table, branches, rubric)
    findings += _quotas(rated, rubric)
    findings += _shares(rated, rubric)
    return findings


def _disagreements(
    table: Table, branches: list[BranchRating], rubric: Rubric, as_of: dt.date
) -> list[Finding]:
    """One finding per mark its data contradicts, as the rating already judged it."""
    out = []
    for b in branches:
        r = b.row - 1
        for d in b.disagreements:
            if d.aspect not in table.columns:
                continue
            said = "达标" if d.marked else "未达标"
            found = "；".join(d.reasons) if d.reasons else "数据符合各项指标"
            who = f"第{b.row}行“{b.name}”" if b.name else f"第{b.row}行"
            out.append(
                finding(
                    "indicator-disagrees",
                    sheet=table.sheet_name,
                    row=b.row,
                    column=d.aspect,
                    cell=cell_name(r, table.columns[d.aspect]),
                    value=cell_text(table.value(r, d.aspect)),
                    detail=f"{who}“{d.aspect}”标记为{said}，但核算不符：{found}，请核实",
                )
            )
    return out


def _distinct(rated: list[tuple[Table, list[BranchRating]]]) -> list[BranchRating]:
    """Every rated branch once, even where 附件1 and 附件2 both list it (附件1 first)."""
    ordered = sorted(rated, key=lambda tb: tb[0].form.key != "classification")
    seen: set[str] = set()
    branches: list[BranchRating] = []
    for _, rows in ordered:
        for b in rows:
            if b.entity != "branch":
                continue
            key = name_key(b.name) or f"{b.sheet}:{b.row}"
            if key in seen:
                continue
            seen.add(key)
            branches.append(b)
    return branches


def _quotas(rated: list[tuple[Table, list[BranchRating]]], rubric: Rubric) -> list[Finding]:
    if not rubric.quotas:
        return []
    branches = _distinct(rated)
    out = []
    for over in claimed_over_quota(branches, rubric):
        names = "、".join(b.name for b in over.branches[:MAX_NAMED])
        if len(over.branches) > MAX_NAMED:
            names += f"等{len(over.branches)}个"
        sheet = over.branches[0].sheet
        out.append(
            finding(
                "quota-exceeded",
                sheet=sheet,
                column="定级类别",
                detail=f"{over.detail()}（{names}），请按总分从高到低重新核定",
            )
        )
    return out


def _shares(rated: list[tuple[Table, list[BranchRating]]], rubric: Rubric) -> list[Finding]:
    """``quota-below`` for a minimum share the submission misses, ``quota-exceeded`` for a
    maximum it passes: counted on its claims, the computed grade where it claims none."""
    if not rubric.shares:
        return []
    branches = _distinct(rated)
    if not branches:
        return []
    out = []
    for outcome in measure_shares(branches, rubric, claimed=True):
        if outcome.ok or outcome.kind == "target":
            continue
        out.append(
            finding(
                "quota-below" if outcome.kind == "min" else "quota-exceeded",
                sheet=branches[0].sheet,
                column=outcome.share.grade.column,
                detail=f"{outcome.note().rstrip('。')}，请按比例要求重新核定",
            )
        )
    return out


def _caps(table: Table, branches: list[BranchRating], rubric: Rubric) -> list[Finding]:
    """``cap-exceeded`` where a claim (stars, category or level) is above what a cap that
    holds for the branch allows."""
    if not rubric.caps:
        return []
    variant = rubric.for_table(table)
    out = []
    for b in branches:
        if not b.caps:
            continue
        lowest = min(b.caps, key=lambda h: h.max_stars)
        total = b.star_score if variant.points is not None else b.score
        allowed = range(lowest.max_stars + 1)
        categories = {variant.category_for(s, total) for s in allowed}
        levels = {variant.level_for(s, total, variant.category_for(s, total)) for s in allowed}
        claims = []
        if b.claimed_stars is not None and b.claimed_stars > lowest.max_stars:
            claims.append(("星级", f"{b.claimed_stars}星"))
        if b.claimed_category is not None and b.claimed_category not in categories:
            claims.append((b.claimed_in.get("定级类别", "定级类别"), f"“{b.claimed_category}”"))
        if b.claimed_level is not None and b.claimed_level not in levels:
            claims.append((b.claimed_in.get("等次", "等次"), f"“{b.claimed_level}”"))
        for column, claimed in claims:
            out.append(
                _at(
                    "cap-exceeded",
                    table,
                    b,
                    column,
                    branch=b.name,
                    claimed=claimed,
                    reason=lowest.reason(),
                )
            )
    return out


def _proof(table: Table, branches: list[BranchRating]) -> list[Finding]:
    """``evidence-missing`` where a branch standing at a grade leaves its proof blank."""
    out = []
    for b in branches:
        for gap in b.evidence_missing:
            column = next((c for c in gap.columns if c in table.columns), None)
            if column is None:  # the proof column is not in the sheet: point at the claim
                column = "星级" if "星级" in table.columns else None
            then = f"（{gap.rule}）" if gap.rule else ""
            out.append(
                _at(
                    "evidence-missing",
                    table,
                    b,
                    column,
                    item=b.name,
                    state=gap.state(),
                    missing=gap.columns_text(),
                    then=then,
                )
            )
    return out


def _bad_rates(table: Table, branches: list[BranchRating], rubric: Rubric) -> list[Finding]:
    """``bad-number`` for a satisfaction rate that cannot be read (its tallies are counts,
    checked with every count)."""
    sat = rubric.satisfaction
    if sat is None or sat.column not in table.columns:
        return []
    out = []
    for b in branches:
        if sat.column in b.bad:
            raw = table.value(b.row - 1, sat.column)
            try:
                parse_percent(raw)
            except BadValue as e:
                out.append(_at("bad-number", table, b, sat.column, hint=str(e)))
    return out


def _at(code: str, table: Table, b: BranchRating, column: str | None, **fields: str) -> Finding:
    """A finding at ``b``'s row in ``column`` (the row's name cell where column is None)."""
    r = b.row - 1
    col = table.columns.get(column) if column else table.columns.get("党支部名称")
    value = cell_text(table.value(r, column)) if column and col is not None else None
    return finding(
        code,
        sheet=table.sheet_name,
        row=b.row,
        column=column,
        cell=cell_name(r, col) if col is not None else None,
        value=value,
        **fields,
    )
