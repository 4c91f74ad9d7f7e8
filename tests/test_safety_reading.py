"""What the reader gives beyond cell values, and the bounds it keeps: merged ranges as ranges in
every format (the spans of an .ods too), hidden rows and columns, merges written back as ranges,
inflation bounded by the file's size, folder entries that cannot be read, small files."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

import pytest

from branchctl.errors import BranchctlError
from branchctl.io.cells import column_letter
from branchctl.io.discovery import Unreadable, find_workbooks
from branchctl.io.discovery import Workbook as Found
from branchctl.io.safety.zipcheck import _check_declared_sizes, inflation_limit
from branchctl.io.smallfiles import (
    MAX_NESTING,
    nesting,
    open_regular,
    parse_bounded,
    read_small,
    read_small_text,
    regular_file,
)
from branchctl.io.workbook import Sheet, Workbook, read_workbook
from branchctl.io.xlsx.plan import FILL_ERROR, AnnotationPlan, CellMark
from branchctl.io.xlsx.rebuild import rebuild_xlsx
from branchctl.jobs.validate import validate_paths
from branchctl.rules.rating import rate_workbook
from branchctl.rules.rubric_file import load_rubric
from tests.builders import Layout, classification_sheet, sample_branches, write_workbook
from tests.hostile import merged_org_ods
from tests.hostile_inputs import BAD_ENTRY_FINDINGS, _bad_entries
from tests.hostile_parts import (
    ledger_rows,
    ods_ledger_rows,
    sheet_xml,
    text_cell,
    write_ods,
    write_package,
)

# --- merges ----------------------------------------------------------------------------------


def test_ods_spans_come_back_as_merge_ranges(tmp_path: Path) -> None:
    """所属党组织 merged down over three branches in an .ods: one range, found by any cell."""
    sheet = read_workbook(merged_org_ods(tmp_path)).sheets[0]
    assert sheet.merges == [(2, 1, 4, 1)]
    assert sheet.value(2, 1) == "城关镇党委" and sheet.value(3, 1) in ("", None)
    assert sheet.merge_at(4, 1) == (2, 1, 4, 1)
    assert sheet.merge_at(4, 2) is None and sheet.merge_at(1, 1) is None


def test_xlsx_merges_are_ranges_found_by_cell(tmp_path: Path) -> None:
    merges = (
        '<mergeCells count="2"><mergeCell ref="B4:B6"/><mergeCell ref="A200:CV200"/></mergeCells>'
    )
    path = write_package(tmp_path / "合并.xlsx", sheet_xml(ledger_rows(), merges))
    sheet = read_workbook(path).sheets[0]
    assert sorted(sheet.merges) == [(3, 1, 5, 1), (199, 0, 199, 99)]
    assert sheet.merge_at(5, 1) == (3, 1, 5, 1)
    assert sheet.merge_at(199, 70) == (199, 0, 199, 99)
    assert sheet.merge_at(198, 70) is None


def test_the_rebuild_writes_a_merge_without_its_covered_cells(tmp_path: Path) -> None:
    """A marked merge of 200,000 cells: one range in the sheet XML, not 200,000 blank cells."""
    sheet = Sheet("附件1", 0, True, [["附件1"], ["说明"]], merges=[(1, 0, 99_999, 1)])
    plan = AnnotationPlan()
    plan.sheet("附件1").marks.append(CellMark(1, 0, FILL_ERROR, "说明有误"))
    out = tmp_path / "重建.xlsx"
    rebuild_xlsx(Workbook(tmp_path / "原.ods", "ods", [sheet]), plan, out)
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<mergeCell ref="A2:B100000"/>' in xml
    assert len(re.findall(r"<c ", xml)) < 10
    assert read_workbook(out).sheets[0].merges == [(1, 0, 99_999, 1)]


def test_a_small_merged_header_keeps_its_format_over_every_cell(tmp_path: Path) -> None:
    sheet = Sheet("附件1", 0, True, [["附件1", "", ""]], merges=[(0, 0, 0, 2)])
    plan = AnnotationPlan()
    plan.sheet("附件1").marks.append(CellMark(0, 0, FILL_ERROR, "标题"))
    out = tmp_path / "重建.xlsx"
    rebuild_xlsx(Workbook(tmp_path / "原.ods", "ods", [sheet]), plan, out)
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<mergeCell ref="A1:C1"/>' in xml
    assert all(f'r="{ref}" s="' in xml for ref in ("A1", "B1", "C1"))


# --- hidden rows and columns -----------------------------------------------------------------


def test_hidden_rows_and_columns_of_an_xlsx(tmp_path: Path) -> None:
    rows = ledger_rows().replace('<row r="5">', '<row r="5" hidden="1">')
    cols = (
        '<cols><col min="2" max="3" hidden="1" width="0"/><col min="4" max="4" width="9"/></cols>'
    )
    xml = sheet_xml(rows).replace(b"<sheetData>", cols.encode() + b"<sheetData>")
    sheet = read_workbook(write_package(tmp_path / "隐藏.xlsx", xml)).sheets[0]
    assert sheet.hidden_rows == {4}
    assert sheet.hidden_cols == {1, 2}


def test_hidden_rows_and_columns_of_an_xls(tmp_path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("附件1")
    for r in range(4):
        for c in range(4):
            ws.write(r, c, f"{r}{c}")
    ws.row(2).hidden = True
    ws.col(3).hidden = True
    wb.save(str(tmp_path / "隐藏.xls"))
    sheet = read_workbook(tmp_path / "隐藏.xls").sheets[0]
    assert sheet.hidden_rows == {2}
    assert sheet.hidden_cols == {3}


def test_hidden_rows_and_columns_of_an_ods_within_the_grid(tmp_path: Path) -> None:
    columns = (
        '<table:table-column table:number-columns-repeated="2"/>'
        '<table:table-column table:visibility="collapse" table:number-columns-repeated="2"/>'
        '<table:table-column table:visibility="collapse" table:number-columns-repeated="16380"/>'
    )
    rows = ods_ledger_rows().replace(
        "<table:table-row>", '<table:table-row table:visibility="collapse">', 3
    )
    rows = rows.replace('<table:table-row table:visibility="collapse">', "<table:table-row>", 2)
    trailing = '<table:table-row table:visibility="filter" table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>'
    sheet = read_workbook(write_ods(tmp_path / "隐藏.ods", columns + rows + trailing)).sheets[0]
    assert sheet.hidden_rows == {2}  # the third row; the hidden rows below the grid are not kept
    assert sheet.hidden_cols == set(range(2, sheet.width))


# --- inflation --------------------------------------------------------------------------------


def _infos(*parts: tuple[str, int, int]) -> list[zipfile.ZipInfo]:
    out = []
    for name, size, packed in parts:
        info = zipfile.ZipInfo(name)
        info.file_size, info.compress_size = size, packed
        out.append(info)
    return out


def test_a_genuine_ledger_of_excels_maximum_is_not_a_compression_bomb(tmp_path: Path) -> None:
    """1,048,576 rows x 21 columns with inline strings: a 1.2 GB sheet in 110 MB (ratio 11)."""
    infos = _infos(
        ("xl/worksheets/sheet1.xml", 1_230_000_000, 110_000_000), ("xl/styles.xml", 4000, 900)
    )
    _check_declared_sizes(tmp_path / "全省.xlsx", infos, 110_001_000)  # no refusal
    assert inflation_limit(110_001_000) > 1_230_004_000


def test_a_part_inflating_hundreds_of_times_is_refused_before_reading(tmp_path: Path) -> None:
    infos = _infos(("xl/worksheets/sheet1.xml", 960 << 20, 3_900_000))
    with pytest.raises(BranchctlError, match="疑似“压缩炸弹”") as refused:
        _check_declared_sizes(tmp_path / "高倍.xlsx", infos, 3_960_000)
    assert "254 倍" in str(refused.value)
    # a small file may still hold a sheet of formatted blanks: the floor
    _check_declared_sizes(
        tmp_path / "空白.xlsx", _infos(("xl/worksheets/sheet1.xml", 90 << 20, 900_000)), 1_000_000
    )


def test_the_limits_follow_the_machine_within_bounds() -> None:
    """The budget is a share of the machine's memory, never below what holds an Excel-maximum
    ledger's grid nor above 16 GB; the cells cap never past 32 columns of Excel's rows."""
    from branchctl.io.safety import limits

    assert limits.memory_budget(512 << 20) == limits.MIN_MEMORY_BUDGET
    assert limits.memory_budget(8 << 30) == int((8 << 30) * limits.MEMORY_SHARE)
    assert limits.memory_budget(1 << 40) == limits.MAX_MEMORY_BUDGET
    assert limits.memory_budget(0) == limits.MIN_MEMORY_BUDGET  # unknown: the least
    assert limits.MIN_MEMORY_BUDGET // limits.CELL_BYTES >= 1_048_576 * 21
    assert 1_048_576 * 21 <= limits.MAX_CELLS <= 1_048_576 * 32
    assert limits.MAX_UNCOMPRESSED_TOTAL <= limits.MEMORY_BUDGET // limits.READ_COST


def test_a_ledger_past_what_the_machine_holds_is_refused_from_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a machine that holds less, the same Excel-maximum ledger is refused before anything
    is inflated, in a sentence that says why."""
    from branchctl.io.safety import zipcheck

    monkeypatch.setattr(zipcheck, "MAX_UNCOMPRESSED_TOTAL", 1 << 30)
    infos = _infos(
        ("xl/worksheets/sheet1.xml", 1_149_768_097, 104_019_037), ("xl/styles.xml", 4000, 900)
    )
    with pytest.raises(BranchctlError, match="超过本机内存可安全读取的上限 1.0 GB") as refused:
        _check_declared_sizes(tmp_path / "全省.xlsx", infos, 104_024_039)
    assert "炸弹" not in str(refused.value)


def _rows_xml(first: int, count: int, width: int) -> str:
    rows = []
    for r in range(first, first + count):
        cells = "".join(text_cell(f"{column_letter(c)}{r}", "√") for c in range(width))
        rows.append(f'<row r="{r}">{cells}</row>')
    return "".join(rows)


def test_a_far_value_cell_in_a_large_part_is_refused_where_it_stands(tmp_path: Path) -> None:
    """A sheet of 2 MB of marks with one value far below and right: refused by the cell scan at
    that cell, not after an element-by-element parse."""
    from branchctl.io.safety import limits

    far_row = limits.MAX_CELLS // 40 + 1
    rows = _rows_xml(2, 6000, 20) + f'<row r="{far_row}">{text_cell(f"AN{far_row}", "x")}</row>'
    path = write_package(tmp_path / "远处.xlsx", sheet_xml(rows))
    with pytest.raises(BranchctlError, match=f"AN{far_row}") as refused:
        read_workbook(path)
    assert f"{far_row:,} 行 × 40 列" in str(refused.value)


def test_a_far_empty_cell_is_left_to_the_exact_scan(tmp_path: Path) -> None:
    """A formatted but empty cell far away: calamine drops it, so the sheet is read."""
    from branchctl.io.safety import limits

    far_row = limits.MAX_CELLS // 40 + 1
    rows = _rows_xml(2, 6000, 20) + f'<row r="{far_row}"><c r="AN{far_row}" s="1"/></row>'
    sheet = read_workbook(write_package(tmp_path / "远处空白.xlsx", sheet_xml(rows))).sheets[0]
    assert sheet.height == 6001 and sheet.width == 20


def test_a_large_sheet_holds_each_repeated_text_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ledger laid out from C4 (blank rows and columns before it), read as a large sheet is:
    every cell where Excel has it, and a repeated township one object, not one per cell."""
    from branchctl.io import workbook

    monkeypatch.setattr(workbook, "SHARED_FROM_CELLS", 1)
    records = sample_branches(200, seed=3)
    layout = Layout(annex=None, title=None, fill_row=None, leading_blank_rows=3, start_col=2)
    path = write_workbook(tmp_path / "大表.xlsx", [classification_sheet(records, layout)])
    sheet = read_workbook(path).sheets[0]
    header = next(r for r in range(10) if sheet.value(r, 2) == "序号")
    names = [sheet.value(r, 4) for r in range(header + 2, header + 2 + len(records))]
    assert names == [r["党支部名称"] for r in records]
    assert all(len(row) == sheet.width for row in sheet.rows)
    assert sheet.rows[0] == [""] * sheet.width and sheet.value(header + 2, 0) == ""
    orgs = {id(sheet.value(r, 3)) for r in range(header + 2, header + 2 + len(records))}
    assert len(orgs) == len({r["所属党组织"] for r in records})
    result = rate_workbook(read_workbook(path), load_rubric(), dt.date(2025, 6, 30))
    assert [b.name for b in result.branches] == names


# --- folder entries that cannot be read ------------------------------------------------------


def test_every_folder_entry_that_cannot_be_read_is_its_own_finding(tmp_path: Path) -> None:
    _bad_entries(tmp_path)
    found = find_workbooks([tmp_path])
    reasons = {f.path.name: f.reason for f in found if isinstance(f, Unreadable)}
    assert set(reasons) == {k for k, v in BAD_ENTRY_FINDINGS.items() if v}
    assert "循环" in reasons["循环.xlsx"] and "不存在" in reasons["断链.xlsx"]
    assert "普通文件" in reasons["管道.xlsx"] and "UTF-8" in reasons["城关镇.xlsx"]
    assert [f.path.name for f in found if isinstance(f, Found)] == ["东村.xlsx"]
    run = validate_paths([tmp_path], rubric=load_rubric(), as_of=dt.date(2025, 6, 30))
    codes = {Path(f.path).name: [x.code for x in f.findings] for f in run.report.files}
    assert codes.pop("东村.xlsx") == []
    assert codes == {name: ["file-unreadable"] for name in reasons}


def test_a_loop_named_on_the_command_line_is_not_called_missing(tmp_path: Path) -> None:
    (tmp_path / "环.xlsx").symlink_to("环.xlsx")
    with pytest.raises(BranchctlError, match="循环的符号链接") as refused:
        read_workbook(tmp_path / "环.xlsx")
    assert "不存在" not in str(refused.value)


# --- small files ------------------------------------------------------------------------------


def test_small_files_are_regular_files_of_bounded_size(tmp_path: Path) -> None:
    fifo = tmp_path / "管道.toml"
    os.mkfifo(fifo)
    with pytest.raises(BranchctlError, match="不是普通文件"):
        read_small(fifo, "变量文件", 1 << 20)  # opened without blocking: no writer needed
    with pytest.raises(BranchctlError, match="不是普通文件"):
        regular_file("/dev/zero", "变量文件")
    with pytest.raises(BranchctlError, match="这是一个文件夹而不是变量文件"):
        open_regular(tmp_path, "变量文件")
    with pytest.raises(BranchctlError, match="变量文件不存在"):
        regular_file(tmp_path / "无.toml", "变量文件")
    big = tmp_path / "大.toml"
    with open(big, "wb") as f:
        f.truncate(1536 << 20)  # sparse: 1.5 GB that takes no disk
    with pytest.raises(BranchctlError, match="变量文件过大（1.5 GB"):
        read_small(big, "变量文件", 1 << 20)
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes("发文机关 = '城关镇'".encode("gb18030"))
    with pytest.raises(BranchctlError, match="不是 UTF-8 编码（第 1 个字节"):
        read_small_text(gbk, "变量文件", 1 << 20)


def test_deep_nesting_is_a_sentence_not_a_recursion_error(tmp_path: Path) -> None:
    import json
    import tomllib

    with pytest.raises(BranchctlError, match="嵌套层数过多"):
        parse_bounded(json.loads, "[" * 100_000 + "]" * 100_000, "校验结果文件", tmp_path, "x")
    with pytest.raises(BranchctlError, match="嵌套层数过多"):
        parse_bounded(tomllib.loads, "a = " + "[" * 40 + "]" * 40, "变量文件", tmp_path, "x")
    assert parse_bounded(tomllib.loads, "a = [[1]]", "变量文件", tmp_path, "x") == {"a": [[1]]}
    assert nesting({"a": [1, {"b": []}]}) == 4 and nesting(3) == 0
    assert nesting([[[]]] * 3) == 3 < MAX_NESTING


def test_limits_are_worked_out_where_there_is_no_sysconf_nor_resource(monkeypatch) -> None:
    """On Windows neither os.sysconf nor the resource module exists: the read budget falls back
    to its floor (1 GB) instead of stopping every command at import."""
    import sys

    from branchctl.io.safety import limits

    monkeypatch.delattr(os, "sysconf")
    monkeypatch.setitem(sys.modules, "resource", None)  # `import resource` raises ImportError
    assert limits.machine_memory() == 0
    assert limits.memory_budget() == limits.MIN_MEMORY_BUDGET
