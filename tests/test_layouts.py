"""Layouts beyond the fidelity corpus: where a row or a column could be read two ways, the
reader either finds what the sheet says or refuses, naming the cells (issue 11)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from branchctl.checks.run import check_workbook
from branchctl.errors import BranchctlError
from branchctl.forms.merges import MergeFill, by_first_row, starting_in
from branchctl.forms.tables import find_forms
from branchctl.io.workbook import Sheet, read_workbook
from branchctl.rules.rating import rate_workbook
from branchctl.rules.rubric_file import load_rubric
from tests.builders import ASPECTS, write_workbook
from tests.corpus.cases import old_marks, quarter_cols
from tests.corpus.layout import FOOTER, Col, Grid, Table, std_cols

RUBRIC = load_rubric("six-star")
AS_OF = dt.date(2025, 6, 30)
FORMATS = ["xlsx", "xls", "ods"]


def _rate(path: Path):
    return rate_workbook(read_workbook(path), RUBRIC, AS_OF)


def _check(path: Path):
    return check_workbook(read_workbook(path), RUBRIC, AS_OF)


@pytest.mark.parametrize("fmt", FORMATS)
def test_section_labels_without_numbers(tmp_path: Path, fmt: str) -> None:
    """A label naming only branch types, alone in the name column, is a section; a branch's
    name alone there is a branch whose cells are still to fill; 以下空白 merged across is no
    branch; a section naming two types gives none."""
    g = Grid("附件1")
    t = Table(g, std_cols(counts=False), org="城关镇党委")
    t.preamble()
    t.header()
    t.section("农村党支部", where="name", type="农村")
    t.branch("城关镇东街村党支部", "√√√√√√")
    unfilled = t.row({"党支部名称": "城关镇西关村党支部"}, skipped=False)
    t.section("机关和事业单位党支部", where="name", restart=False)
    t.branch("城关镇中心学校党支部", "√√√√×√")
    blank_note = t.row({"序号": "以下空白"})
    g.merge(blank_note, t.index["序号"], blank_note, t.last)
    t.footer([FOOTER])
    path = write_workbook(tmp_path / f"t.{fmt}", [g.spec()])

    rated = {b.row: b for b in _rate(path).branches}
    assert sorted(rated) == sorted([*(b.row for b in t.branches), unfilled])
    assert rated[t.branches[0].row].type == "农村"
    assert rated[unfilled].type == "农村" and rated[unfilled].stars == 0
    assert [f.code for f in rated[unfilled].findings] == ["mark-blank"] * 6
    assert rated[t.branches[1].row].type is None  # 机关和事业单位: two types
    blanks = {f.cell for f in _check(path) if f.code == "required-blank"}
    assert blanks == {t.cell(unfilled, c) for c in ("所属党组织", *ASPECTS)}


def _two_quarters(tmp_path: Path, fmt: str, old: str, new: str, hide: bool) -> tuple[Path, Table]:
    g = Grid("附件1")
    t = Table(g, quarter_cols(old, new))
    t.preamble()
    t.header()
    t.branch("城关镇东街村党支部", "√√√√√√", type="农村", values=old_marks("√√√√××"))
    t.branch("城关镇西关村党支部", "√√√√√×", type="农村", values=old_marks("××××××"))
    if hide:
        g.hidden_cols |= {t.index[f"旧{a}"] for a in ASPECTS} | {t.index[a] for a in ASPECTS}
    return write_workbook(tmp_path / f"t.{fmt}", [g.spec()]), t


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_earlier_quarter_named_by_its_group_header_is_not_read(tmp_path: Path, fmt: str) -> None:
    path, t = _two_quarters(tmp_path, fmt, "上季度达标情况", "本季度达标情况", hide=False)
    assert [b.stars for b in _rate(path).branches] == [6, 5]
    assert not [f for f in _check(path) if f.severity == "error"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_both_copies_hidden_is_refused(tmp_path: Path, fmt: str) -> None:
    path, t = _two_quarters(tmp_path, fmt, "一季度", "二季度", hide=True)
    with pytest.raises(BranchctlError) as refused:
        _rate(path)
    assert refused.value.code == "duplicate-column"
    first, second = t.header_cells["旧基本组织"], t.header_cells["基本组织"]
    assert first in str(refused.value) and second in str(refused.value)
    found = [f for f in _check(path) if f.code == "duplicate-column"]
    assert len(found) == 6 and all("都已隐藏" in f.message for f in found)
    assert found[0].cell == first and second in found[0].message


def test_a_merge_over_the_whole_grid_is_kept_as_ranges() -> None:
    """A merge reaching XFD1048576 is read as a range, never cell by cell."""
    rows = [["序号", "党支部名称"], [1, "甲党支部"], [2, ""], [3, ""]]
    sheet = Sheet("s", 0, True, rows, [(1, 1, 1_048_575, 16_383)])
    fill = MergeFill(sheet, range(16_384), starting_in(by_first_row(sheet), 1))
    assert fill.value(3, 1) == "甲党支部" and fill.value(3, 0) == 3
    assert fill.touches(1_000_000) and not fill.touches(0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_hidden_state_and_ods_merges_are_read(tmp_path: Path, fmt: str) -> None:
    g = Grid("附件1")
    t = Table(g, std_cols(counts=False))
    t.preamble()
    t.header()
    with t.org_group("城关镇李家庄村党总支"):
        t.branch("李家庄村第一党支部", "√√√√√√", type="农村")
        t.branch("李家庄村第二党支部", "√√√√√×", type="农村", hidden=True)
    g.hidden_cols.add(t.index["备注"])
    path = write_workbook(tmp_path / f"t.{fmt}", [g.spec()])
    sheet = read_workbook(path).sheet("附件1")
    assert sheet.hidden_rows == {t.branches[1].row - 1}
    assert sheet.hidden_cols == {t.index["备注"]}
    org = t.index["所属党组织"]
    assert (t.branches[0].row - 1, org, t.branches[1].row - 1, org) in sheet.merges
    [table] = find_forms(read_workbook(path), RUBRIC.aspect_headers()).tables
    assert [table.value(b.row - 1, "所属党组织") for b in t.branches] == [
        "城关镇李家庄村党总支"
    ] * 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_table_takes_the_unit_written_above_it(tmp_path: Path, fmt: str) -> None:
    """Two townships on one sheet, the first one's footer naming its own unit again: the second
    table's rows take the 填报单位 written right above the second table."""
    g = Grid("Sheet1")
    a = Table(g, std_cols(org=False, counts=False), org="城关镇党委")
    a.preamble(annex="附件1")
    a.header()
    a.branch("城关镇东街村党支部", "√√√√√√", type="农村")
    a.footer(["填报单位：城关镇党委        填报人：王某某"], merged=False)
    b = Table(g, std_cols(org=False, counts=False), org="青山乡党委")
    b.preamble(annex=None)
    b.header()
    b.branch("青山乡杨柳村党支部", "√√√√××", type="农村")
    path = write_workbook(tmp_path / f"t.{fmt}", [g.spec()])
    orgs = {b.name: b.party_org for b in _rate(path).branches}
    assert orgs == {"城关镇东街村党支部": "城关镇党委", "青山乡杨柳村党支部": "青山乡党委"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_name_column_twice_is_refused(tmp_path: Path, fmt: str) -> None:
    g = Grid("附件1")
    cols = std_cols(counts=False)
    at = next(j for j, c in enumerate(cols) if c.key == "党支部名称")
    cols.insert(at + 1, Col("简称", "支部名称"))
    t = Table(g, cols)
    t.preamble()
    t.header()
    t.branch("城关镇东街村党支部", "√√√√√√", type="农村", values={"简称": "东街村"})
    path = write_workbook(tmp_path / f"t.{fmt}", [g.spec()])
    first, second = t.header_cells["党支部名称"], t.header_cells["简称"]
    with pytest.raises(BranchctlError) as refused:
        _rate(path)
    assert first in str(refused.value) and second in str(refused.value)
    [found] = [f for f in _check(path) if f.severity == "error"]
    assert (found.code, found.cell) == ("duplicate-column", first) and second in found.message
