"""``evidence-missing`` for tasks: a 附件4 task marked 已完成 or given a 销号时间 (or a 附件2 row
given a 销号时间) with its evidence columns blank (by default 佐证材料; the rubric's
``[evidence] closed``) is not closed. Past its deadline it is therefore overdue as well
(``deadline-overdue``), which the cross-form check, taking it as closed, does not report.

Only the evidence columns a sheet carries are checked: a ledger without a 佐证材料 column is
not faulted row by row.
"""

from __future__ import annotations

from branchctl.checks.context import CheckContext
from branchctl.findings.catalogue import finding
from branchctl.findings.model import Finding
from branchctl.forms.lists import DONE
from branchctl.forms.tables import Table
from branchctl.forms.values import is_blank
from branchctl.io.cells import cell_name

SHORT = 30


def task_evidence(ctx: CheckContext) -> list[Finding]:
    """The evidence findings of the work ledger (附件4) and the creation ledger (附件2)."""
    columns = ctx.rubric.evidence.closed
    if not columns:
        return []
    out: list[Finding] = []
    ledgers = {t.sheet_name: t for t in ctx.tables("work_ledger")}
    if any(_carried(t, columns) for t in ledgers.values()):
        for item in ctx.work_items():
            if not item.is_closed:
                continue  # most items
            table = ledgers.get(item.sheet)
            if table is None:
                continue
            state = f"完成情况为“{DONE}”" if item.status == DONE else "已填写销号时间"
            task = _short(item.task or item.branch)
            if not _unproven(ctx, table, item.row - 1, columns, task, state, out):
                continue
            d = item.deadline
            if d is not None and d.kind == "date" and d.date is not None and d.date < ctx.as_of:
                ref = item.source("完成时限")
                out.append(
                    finding(
                        "deadline-overdue",
                        sheet=ref.sheet,
                        row=ref.row,
                        column="完成时限",
                        cell=ref.cell,
                        value=item.deadline_text or None,
                        task=task,
                        deadline=d.text,
                        as_of=f"{ctx.as_of.year}年{ctx.as_of.month}月{ctx.as_of.day}日",
                    )
                )
    for table in ctx.tables("creation_ledger"):
        if not _carried(table, columns) or not table.has("销号时间"):
            continue
        for r in ctx.rows(table):
            if not is_blank(ctx.raw(table, r, "销号时间")):
                name = ctx.text(table, r, "党支部名称")
                _unproven(ctx, table, r, columns, _short(name), "已填写销号时间", out)
    return out


def _carried(table: Table, columns: tuple[str, ...]) -> bool:
    return any(table.has(c) for c in columns)


def _unproven(
    ctx: CheckContext,
    table: Table,
    r: int,
    columns: tuple[str, ...],
    item: str,
    state: str,
    out: list[Finding],
) -> bool:
    """Report the evidence columns row ``r`` leaves blank; whether there were any."""
    # cell by cell: most rows checked here are read whole by nothing else
    blank = [c for c in columns if table.has(c) and is_blank(ctx.cell(table, r, c))]
    if not blank:
        return False
    out.append(
        finding(
            "evidence-missing",
            sheet=table.sheet_name,
            row=r + 1,
            column=blank[0],
            cell=cell_name(r, table.columns[blank[0]]),
            item=item,
            state=state,
            missing="、".join(f"“{c}”" for c in blank),
            then="，不能视为完成销号",
        )
    )
    return True


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"
