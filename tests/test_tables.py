"""Finding the forms in township workbooks: headers, columns, data rows, in every format."""

from __future__ import annotations

import pytest

from branchctl.forms.tables import find_forms
from branchctl.io.workbook import read_workbook
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    CLASSIFICATION_COLUMNS,
    Layout,
    classification_sheet,
    creation_ledger_sheet,
    instructions_sheet,
    lists_combined_sheet,
    problem_sheet,
    responsibility_sheet,
    sample_branches,
    sample_problems,
    sample_work_items,
    scratch_sheet,
    task_sheet,
    work_ledger_sheet,
    write_workbook,
)

ASPECT_HEADERS = load_rubric("six-star").aspect_headers()


def _tables(path):
    return find_forms(read_workbook(path), ASPECT_HEADERS).tables


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
@pytest.mark.parametrize(
    "layout", [Layout(), Layout.messy(), Layout.bare()], ids=["tidy", "messy", "bare"]
)
def test_classification_rows_and_columns(tmp_path, suffix, layout):
    records = sample_branches(25, seed=3)
    spec = classification_sheet(records, layout, name="定级")
    path = write_workbook(tmp_path / f"t{suffix}", [instructions_sheet(), spec, scratch_sheet()])
    tables = _tables(path)
    assert [t.form.key for t in tables] == ["classification"]
    table = tables[0]
    assert table.sheet_name == "定级"
    assert [r + 1 for r in table.rows] == spec.data_rows
    for column in CLASSIFICATION_COLUMNS:
        assert table.columns[column] == spec.columns[column], column
    assert table.header_row + 1 == spec.header_rows[-1]
    assert table.header_top + 1 == spec.header_rows[0]


def test_every_form_in_one_workbook(tmp_path):
    records = sample_branches(12, seed=5)
    problems = sample_problems(records, seed=5)
    items = sample_work_items(records, seed=5)
    sheets = [
        classification_sheet(records, Layout.messy(), name="Sheet1"),
        creation_ledger_sheet(records, Layout(), name="Sheet2"),
        lists_combined_sheet(problems, Layout(), name="Sheet3"),
        work_ledger_sheet(items, Layout(), name="Sheet4"),
        problem_sheet(problems, Layout(), name="问题"),
        task_sheet(problems, Layout(), name="任务"),
        responsibility_sheet(problems, Layout(), name="责任"),
    ]
    path = write_workbook(tmp_path / "all.xlsx", sheets)
    found = {t.sheet_name: t.form.key for t in _tables(path)}
    assert found == {
        "Sheet1": "classification",
        "Sheet2": "creation_ledger",
        "Sheet3": "lists",
        "Sheet4": "work_ledger",
        "问题": "problems",
        "任务": "tasks",
        "责任": "responsibilities",
    }
    by_sheet = {t.sheet_name: t for t in _tables(path)}
    for spec in sheets:
        assert [r + 1 for r in by_sheet[spec.name].rows] == spec.data_rows, spec.name


def test_totals_footer_and_blank_rows_are_not_branches(tmp_path):
    records = sample_branches(10, seed=1)
    spec = classification_sheet(records, Layout(totals_row=True, footer=True, blank_rows={2, 5}))
    table = _tables(write_workbook(tmp_path / "t.xlsx", [spec]))[0]
    assert len(table.rows) == 10
    texts = [str(table.value(r, "党支部名称")) for r in table.rows]
    assert not any("合计" in t for t in texts)


def test_instructions_only_workbook_has_no_form(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", [instructions_sheet()])
    layout = find_forms(read_workbook(path), ASPECT_HEADERS)
    assert layout.tables == []


def test_a_rubric_column_is_read_only_under_the_rubric_that_has_it(tmp_path):
    # 群众满意度 is a column of the hundred-points rubric alone: a run that reads the same file
    # under six-star and then hundred-points (and back) recognises it only under the second.
    sheet = classification_sheet(sample_branches(6, seed=5))
    col = max(len(row) for row in sheet.rows)
    header = sheet.header_rows[-1] - 1
    for i, r in enumerate([header, *(d - 1 for d in sheet.data_rows)]):
        sheet.rows[r] += [""] * (col - len(sheet.rows[r]))
        sheet.rows[r].append("群众满意度" if i == 0 else 95.5)
    book = read_workbook(write_workbook(tmp_path / "满意度.xlsx", [sheet]))
    hundred = load_rubric("hundred-points").aspect_headers()
    seen = []
    for headers in (ASPECT_HEADERS, hundred, ASPECT_HEADERS, {}, hundred):
        (table,) = find_forms(book, headers).tables
        seen.append(table.columns.get("群众满意度"))
    assert seen == [None, col, None, None, col]
