"""Which tables rating reads, and where it stops rather than guess.

A table is rated when it carries the rubric's key column and aspects. Where a table can be read
two ways, rating refuses, naming the cells: a column it reads named twice with no copy to choose
(:func:`refuse_ambiguous`), a mark or score it cannot read (:func:`refuse_bad_values`). What
reading skipped (填表示例 sheets and rows) becomes the run's notes.
"""

from __future__ import annotations

from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.findings.catalogue import finding
from branchctl.forms.tables import Layout, Table, example_rows, find_forms
from branchctl.forms.values import cell_text
from branchctl.io.cells import cell_name
from branchctl.io.workbook import Workbook
from branchctl.rules.results import COMPUTED_COLUMNS, SOURCE_COLUMN, RatedTable
from branchctl.rules.rubric import MONTHS, Rubric


def rated_tables(book: Workbook, rubric: Rubric, layout: Layout | None = None) -> list[Table]:
    """The tables of ``book`` that carry what ``rubric`` rates: its key column and aspects
    (a points rubric: a month column), for branches or, with a member variant, members."""
    layout = layout or find_forms(book, rubric.aspect_headers())
    out = []
    for table in layout.tables:
        if not (table.form.per_branch or table.form.key == "member_points"):
            continue
        variant = rubric.for_table(table)
        if not table.has(variant.key_column) and variant.key_column not in table.ambiguous:
            continue
        if rubric.points is not None and not any(table.has(m) for m in MONTHS):
            continue
        required = variant.required_columns()
        present = [a for a in required if table.has(a) or a in table.ambiguous]
        if len(present) == len(required):
            refuse_ambiguous(table, variant, book)
            out.append(table)
        elif present:
            missing = "、".join(a for a in required if not table.has(a))
            raise BranchctlError(
                f"找到了{table.form.annex}的表头，但缺少“{missing}”列，无法评定",
                path=book.path,
                sheet=table.sheet_name,
                cell=cell_name(table.header_row, table.first_col),
            )
    return out


def read_columns(variant: Rubric) -> set[str]:
    """Every column rating reads under ``variant``: a copy of one named twice stops it."""
    columns = {
        variant.key_column,
        "所属党组织",
        "所属党支部",
        "支部类型",
        "星级",
        "定级类别",
        "等次",
    }
    columns |= {"总分", "加分", "减分", *MONTHS, *variant.veto_columns, *variant.deduct_columns}
    for aspect in variant.aspects:
        columns.add(aspect.name)
        for rule in aspect.indicators:
            columns.update((rule.test.column, *rule.test.instead))
    return columns


def refuse_ambiguous(table: Table, variant: Rubric, book: Workbook) -> None:
    """A column named twice with nothing to say which copy counts: no guess. Every such column
    of a table rated stops it, as validate reports every one (``duplicate-column``): rating
    reads more than the marks (caps, votes, proof, a rule's conditions), and a column it
    cannot read is a column it leaves out without a word."""
    named = table.ambiguous_cells()
    if not named:
        return
    which = "、".join(f"“{k}”（{'、'.join(v)}）" for k, v in named.items())
    first = next(iter(named.values()))[0]
    raise BranchctlError(
        f"表头重复：{which}各出现不止一次，且都可见（或都已隐藏），无法确定按哪一列评定；"
        "请删除不用的列或将其隐藏后重新评定",
        path=book.path,
        sheet=table.sheet_name,
        cell=first,
        code="duplicate-column",
    )


def prefer_classification(tables: list[Table]) -> list[Table]:
    """附件1 where the workbook has one; 附件2 repeats its branches, so it is used only alone."""
    first = [t for t in tables if t.form.key == "classification"]
    return first or tables


def is_rated_copy(table: Table) -> bool:
    """A table that already carries the columns ``rate`` appends (a .rated.xlsx given again).

    A county ledger (the master of ``collect``, the county workbook of ``rate``) carries them
    too, beside the marks and a 来源文件 column: it is rated from its marks, like any ledger.
    """
    if table.has(SOURCE_COLUMN):
        return False
    for r in range(table.header_top, table.header_row + 1):
        line = table.sheet.rows[r]
        if COMPUTED_COLUMNS[0] in line and COMPUTED_COLUMNS[-1] in line:
            return True
    return False


def reading_notes(layout: Layout, tables: list[Table]) -> list[str]:
    """What reading skipped: example sheets and example rows (填表示例)."""
    notes = [finding("example-sheet", sheet=s.name).message + "。" for s in layout.examples]
    for table in tables:
        rows = example_rows(table)
        if rows:
            message = finding(
                "example-skipped",
                rows="、".join(str(r + 1) for r in rows),
                what="党支部",
            ).message
            notes.append(f"工作表“{table.sheet_name}”{message}。")
    return notes


MAX_NAMED_CELLS = 10  # a refusal names this many unreadable cells, then counts the rest


def refuse_bad_values(rated: list[RatedTable], path: Path | None) -> None:
    """Unreadable marks or scores: rating would guess, so it stops, naming every cell."""
    bad = [
        (t.table, b.row - 1, column, b.bad_hints.get(column, "不是有效的填写内容"))
        for t in rated
        for b in t.branches
        for column in b.bad
        if column in t.table.columns
    ]
    if not bad:
        return
    table, r, column, hint = bad[0]
    message = f"“{column}”填写为“{cell_text(table.value(r, column))}”，{hint}"
    if len(bad) > 1:
        others = [
            f"{'' if t.sheet is table.sheet else t.sheet_name + '!'}{t.cell(rr, c)}"
            f"“{cell_text(t.value(rr, c))}”"
            for t, rr, c, _ in bad[1:MAX_NAMED_CELLS]
        ]
        more = f"等{len(bad) - 1}处" if len(bad) > MAX_NAMED_CELLS else ""
        message += f"；另有{'、'.join(others)}{more}也无法识别"
    raise BranchctlError(
        f"{message}；可先用 branchctl validate 查看全部问题",
        path=path,
        sheet=table.sheet_name,
        cell=table.cell(r, column),
        code="bad-mark",
    )
