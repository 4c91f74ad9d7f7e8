"""Validation findings that depend on the rubric: ``quota-exceeded`` and ``indicator-disagrees``.

Called once per workbook from :func:`branchctl.checks.run.rubric_specific_checks` with the rated
per-branch tables. Messages come from ``data/findings.toml`` (``{detail}`` is filled here).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from branchctl.findings.catalogue import finding
from branchctl.findings.model import Finding
from branchctl.forms.tables import Table
from branchctl.forms.values import cell_text, name_key
from branchctl.io.cells import cell_name
from branchctl.rules.quotas import claimed_over_quota
from branchctl.rules.results import BranchRating
from branchctl.rules.rubric import Rubric

if TYPE_CHECKING:
    from branchctl.checks.context import CheckContext

MAX_NAMED = 10


def check(ctx: CheckContext) -> list[Finding]:
    """The rubric-specific findings of one workbook under check."""
    return rubric_findings(ctx.rated, ctx.rubric, ctx.as_of)


def rubric_findings(
    rated: list[tuple[Table, list[BranchRating]]], rubric: Rubric, as_of: dt.date
) -> list[Finding]:
    """``indicator-disagrees`` for each mark its data contradicts; ``quota-exceeded`` when the
    submission claims more of a capped category than its quota allows."""
    findings: list[Finding] = []
    for table, branches in rated:
        findings += _disagreements(table, branches, rubric, as_of)
    findings += _quotas(rated, rubric)
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


def _quotas(rated: list[tuple[Table, list[BranchRating]]], rubric: Rubric) -> list[Finding]:
    if not rubric.quotas:
        return []
    # one branch once, even where 附件1 and 附件2 both list it (附件1 first)
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
