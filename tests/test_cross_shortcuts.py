"""The cross checks pass over an item they judge quiet (``_quiet_dates``) without running the
date and status checks: every item so judged must be one those checks say nothing of, or a
finding would be lost silently. Checked over every combination of the fields they read, on a
work ledger read from a real township workbook."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from branchctl.checks import cross
from branchctl.checks.context import CheckContext
from branchctl.forms.lists import WorkItem
from branchctl.forms.tables import find_forms
from branchctl.forms.values import Deadline
from branchctl.io.workbook import read_workbook
from branchctl.rules.rubric_file import load_rubric

SAMPLE = Path(__file__).resolve().parent.parent / "sample_ledgers" / "城关镇_规范台账.xlsx"
AS_OF = dt.date(2025, 6, 30)

DEADLINES = [
    (None, ""),
    (Deadline(dt.date(2025, 3, 31)), "2025年3月31日"),  # past
    (Deadline(AS_OF), "2025年6月30日"),  # due today: not late
    (Deadline(dt.date(2025, 9, 30)), "2025年9月30日"),
    (Deadline(None, "ongoing"), "长期坚持"),
    (Deadline(None, "immediate"), "立行立改"),
    (None, "六月底前后"),  # written, unreadable (with its error below)
]
CLOSED = [(None, ""), (Deadline(dt.date(2025, 5, 1)), "2025年5月1日"), (None, "五月")]
STATUSES = ["", "已完成", "推进中", "未启动", "差不多"]


def test_an_item_judged_quiet_gets_no_date_or_status_finding() -> None:
    book = read_workbook(SAMPLE)
    rubric = load_rubric("six-star")
    ctx = CheckContext(book, find_forms(book, rubric.aspect_headers()), rubric, AS_OF)
    ledger = ctx.tables("work_ledger")[0]
    columns = {(ledger.sheet_name, name) for name in ledger.columns}
    quiet = loud = 0
    for (deadline, d_text), (closed, c_text), status, d_err, c_err, s_err in itertools.product(
        DEADLINES, CLOSED, STATUSES, (None, "读不出"), (None, "读不出"), (None, "不是选项")
    ):
        item = WorkItem(
            "城关镇机关党支部", "城关镇机关党支部", "任务", deadline, d_text, status, closed,
            ledger.sheet_name, ledger.header_row + 2, c_text, d_err, c_err, s_err,
            ledger.columns,
        )  # fmt: skip
        ctx.findings.clear()
        cross._dates_and_status(ctx, item, item.task, columns)
        if cross._quiet_dates(item, AS_OF):
            quiet += 1
            assert ctx.findings == [], item
        elif ctx.findings:
            loud += 1
    assert quiet and loud  # both sides of the shortcut were reached
