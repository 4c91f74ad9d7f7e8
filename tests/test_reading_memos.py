"""What a process remembers between workbooks (header rows, header texts, the lines above a
table) never changes how the next workbook is read: every township fills the county's template,
but one may place it elsewhere or merge its cells otherwise."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest

from branchctl.forms import headers, preamble, tables
from branchctl.forms.lists import read_lists
from branchctl.forms.merges import MergeFill
from branchctl.forms.tables import Layout as Found
from branchctl.forms.tables import find_forms
from branchctl.io.workbook import Sheet, read_workbook
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    CLASSIFICATION_COLUMNS,
    Layout,
    SheetSpec,
    classification_sheet,
    lists_combined_sheet,
    sample_branches,
    sample_problems,
    sample_work_items,
    work_ledger_sheet,
    write_workbook,
)
from tests.validate_helpers import merge_down

HEADERS = load_rubric().aspect_headers()


def _read(path: Path) -> Found:
    return find_forms(read_workbook(path), HEADERS)


def _shape(found: Found) -> list[tuple[object, ...]]:
    return [
        (
            t.sheet_name,
            t.form.key,
            t.header_top,
            t.header_row,
            t.first_col,
            t.last_col,
            t.columns,
            t.ambiguous,
            t.rows,
            t.skipped,
            t.end,
            t.annex,
            t.title,
            t.unit,
            t.report_date,
        )
        for t in found.tables
    ]


def _fresh(path: Path) -> list[tuple[object, ...]]:
    """The tables of ``path`` as a process that has read nothing before finds them."""
    headers._MEMOS.clear()
    preamble._line.cache_clear()
    return _shape(_read(path))


def _submission(tmp_path: Path, name: str, layout: Layout, seed: int) -> tuple[Path, SheetSpec]:
    records = sample_branches(10, seed=seed)
    problems = sample_problems(records, seed=seed)
    spec = classification_sheet(records, layout, name="附件1")
    sheets = [
        spec,
        lists_combined_sheet(problems, replace(layout, two_level=True)),
        work_ledger_sheet(sample_work_items(records, seed=seed), replace(layout, two_level=False)),
    ]
    return write_workbook(tmp_path / name, sheets), spec


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_the_same_header_placed_elsewhere_is_read_where_it_stands(tmp_path, suffix):
    made = [
        _submission(tmp_path, f"{i}{suffix}", layout, seed=i)
        for i, layout in enumerate(
            [
                Layout(),
                Layout(start_col=2),
                Layout(start_col=1, two_level=False),
                Layout(start_col=2, leading_blank_rows=2),
                Layout(),
            ]
        )
    ]
    seen = []
    for path, spec in made:  # one process: each read after the others' headers
        found = _read(path)
        table = found.tables[0]
        for column in CLASSIFICATION_COLUMNS:
            assert table.columns[column] == spec.columns[column], (path.name, column)
        assert [r + 1 for r in table.rows] == spec.data_rows
        assert table.header_top + 1 == spec.header_rows[0]
        assert [t.form.key for t in found.tables] == ["classification", "lists", "work_ledger"]
        seen.append(_shape(found))
    for (path, _), shape in zip(made, seen, strict=True):
        assert _fresh(path) == shape, path.name


def _with_gap(spec: SheetSpec, column: str) -> tuple[SheetSpec, int]:
    """``spec`` with a blank column inserted right of ``column`` (the header cell can then be
    merged across it); returns the new spec and the column's index."""
    col = spec.columns[column]
    out = copy.deepcopy(spec)
    for line in out.rows:
        if len(line) > col:
            line.insert(col + 1, None)
    out.columns = {k: (c + 1 if c > col else c) for k, c in spec.columns.items()}
    out.merges = [
        (r1, c1 + (c1 > col), r2, c2 + (c2 > col) + (c1 <= col < c2))
        for r1, c1, r2, c2 in out.merges
    ]
    out.widths = [*out.widths[: col + 1], None, *out.widths[col + 1 :]]
    return out, col


def test_the_same_header_texts_merged_otherwise_read_each_as_merged(tmp_path):
    records = sample_branches(8, seed=4)
    spec, col = _with_gap(classification_sheet(records, Layout.bare(), name="附件1"), "党支部名称")
    across = copy.deepcopy(spec)
    across.merges.append((0, col, 0, col + 1))  # 党支部名称 merged over the blank column
    plain = write_workbook(tmp_path / "plain.xlsx", [spec])
    merged = write_workbook(tmp_path / "merged.xlsx", [across])
    order = [plain, merged, plain, merged]
    shapes = [_shape(_read(path)) for path in order]
    # the merged cell reads as 党支部名称 in both columns: which copy counts is not said
    plain_table, merged_table = _read(plain).tables[0], _read(merged).tables[0]
    assert plain_table.columns["党支部名称"] == col and not plain_table.ambiguous
    assert "党支部名称" not in merged_table.columns
    assert [c for _, c in merged_table.ambiguous["党支部名称"]] == [col, col]
    for path, shape in zip(order, shapes, strict=True):
        assert _fresh(path) == shape, path.name


@pytest.mark.parametrize("turned_at_once", [True, False])
def test_lists_read_down_the_columns_as_row_by_row_merges_and_all(
    tmp_path, monkeypatch, turned_at_once
):
    """A small table is turned into columns at once, a large one column by column as asked:
    either way each column reads as its rows do."""
    if not turned_at_once:
        monkeypatch.setattr(tables, "_TURNED_CELLS", 0)
    records = sample_branches(10, seed=7)
    problems = sample_problems(records, seed=7)
    spec = lists_combined_sheet(problems)
    merge_down(spec, "党支部名称", 0, 2)
    merge_down(spec, "完成时限", 3, 5)
    path = write_workbook(tmp_path / "lists.xlsx", [classification_sheet(records), spec])
    found = _read(path)
    table = next(t for t in found.tables if t.form.key == "lists")
    names = tuple(table.columns)
    values = table.column_values(names)
    texts = table.column_texts(names)
    for i, r in enumerate(table.rows):
        assert tuple(v[i] for v in values) == table.values(r, names)
        row_texts = table.texts(r)
        assert tuple(t[i] for t in texts) == tuple(row_texts.get(n, "") for n in names)
    items = read_lists(found)
    assert [p.branch for p in items[:3]] == [problems[0]["党支部名称"]] * 3
    assert items[3].deadline_text == items[4].deadline_text == items[5].deadline_text != ""
    assert items[4].deadline == items[3].deadline is not None


@pytest.mark.parametrize(
    "merges",
    [
        [(0, 0, 1, 2), (2, 1, 3, 1), (5, 0, 5, 3)],  # by first row, no two sharing a cell
        [(5, 0, 5, 3), (0, 0, 1, 2), (2, 1, 3, 1)],  # the same, in another order
        [(0, 0, 2, 1), (1, 1, 3, 2), (1, 0, 1, 3), (3, 0, 4, 0)],  # overlapping (hostile)
        [(1, 0, 1, 3), (3, 0, 4, 0), (0, 0, 2, 1), (1, 1, 3, 2)],  # overlapping, unordered
        [(0, 0, 300, 0), (1, 1, 2, 2), (4, 2, 5, 3)],  # down past the sheet, no cell shared
        [(0, 1, 300, 1), (2, 0, 3, 2), (5, 3, 5, 3)],  # down past the sheet, overlapping
    ],
)
def test_a_row_read_through_its_merges_reads_as_each_cell_does(merges):
    rows = [[f"{r}{c}" if (r + c) % 3 else "" for c in range(4)] for r in range(6)]
    rows[4] = rows[4][:2]  # a short row
    sheet = Sheet("s", 0, True, rows, list(merges))
    for columns in (range(5), range(1, 3), [0, 2, 3]):
        fill = MergeFill(sheet, columns, sheet.merges)
        for r in range(6):
            assert fill.line(r, 5) == [fill.value(r, c) for c in range(5)], (columns, r)
        for r in range(6):  # a header merged down, asked before any cell is read
            for cols in ([0], [1, 2], [0, 3], [3], [0, 1, 2, 3]):
                fresh = MergeFill(sheet, columns, sheet.merges)
                merged = any(fill.source(r, c)[0] < r for c in cols)
                assert fresh.merged_down(r, cols) == merged, (columns, r, cols)
        # the rows a merge over one of the columns touches, however asked
        wanted = set(columns)
        touched = {
            r
            for r1, c1, r2, c2 in merges
            if (r1, c1) != (r2, c2) and wanted & set(range(c1, c2 + 1))
            for r in range(r1, r2 + 1)
        }
        assert {r for r in range(-1, 8) if fill.touches(r)} == touched & set(range(-1, 8))
        assert fill.touching([7, 5, 3, 1, 0, -1]) == touched & {7, 5, 3, 1, 0, -1}
