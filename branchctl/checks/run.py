"""Checking one workbook: every finding of SPEC §4, located to the cell.

The checks come in two groups, each a module: :mod:`branchctl.checks.forms` looks at each form
alone (columns, required cells, marks, numbers, dates, enums, duplicates, the claims against the
computed rating); :mod:`branchctl.checks.cross` looks across forms (branches of 附件2–4 against
the per-branch table, unmet aspects against the problem list, problems against tasks and owners,
deadlines against the as-of date). Both write into one :class:`CheckContext`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from branchctl.checks import cross as checks_cross
from branchctl.checks import forms as checks_forms
from branchctl.checks import rubric as rubric_checks
from branchctl.checks.context import CheckContext
from branchctl.findings.model import Finding
from branchctl.forms.tables import find_forms
from branchctl.io.cells import parse_cell
from branchctl.io.workbook import Workbook
from branchctl.rules.rubric import Rubric


def check_workbook(book: Workbook, rubric: Rubric, as_of: dt.date) -> list[Finding]:
    """Every finding for ``book``, in reading order (sheet, row, column)."""
    ctx = CheckContext(book, find_forms(book, rubric.aspect_headers()), rubric, as_of)
    checks_forms.check_forms(ctx)
    checks_cross.check_cross(ctx)
    ctx.findings += rubric_specific_checks(ctx)
    return sort_findings(ctx.findings, book)


def rubric_specific_checks(ctx: CheckContext) -> list[Finding]:
    """RUBRIC-SPECIFIC CHECKS: the single call site for ``quota-exceeded`` and
    ``indicator-disagrees`` (issue 5).

    ``branchctl.checks.rubric`` is wired in here with one call, e.g.
    ``return rubric_checks.check(ctx)``; it gets the located tables, the rated rows
    (``ctx.rated``), the rubric and the as-of date, and builds its findings with
    :func:`branchctl.findings.catalogue.finding` (or ``ctx.at``) so messages stay in findings.toml.
    """
    return rubric_checks.check(ctx)


def sort_findings(findings: list[Finding], book: Workbook | None = None) -> list[Finding]:
    """File-level findings first, then by sheet order in the workbook, row, column, code."""
    order = {s.name: s.index for s in book.sheets} if book is not None else {}

    def key(f: Finding) -> tuple[Any, ...]:
        pos = parse_cell(f.cell) if f.cell else None
        col = pos[1] if pos else -1
        return (
            f.sheet is not None,
            order.get(f.sheet or "", 1 << 20),
            f.sheet or "",
            f.row or 0,
            col,
        )

    return sorted(findings, key=key)
