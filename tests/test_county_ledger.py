"""The county ledger's rows rendered in the workers that rate the files: the county workbook is
the same whichever process renders which rows, and the same as one rendering of the whole."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import zipfile
from pathlib import Path

import openpyxl
import pytest

from branchctl.io.pool import run_tasks
from branchctl.io.xlsx.plain import PlainSheet, render_rows, write_plain
from branchctl.jobs.county import SourceTask, _crashed, rate_county, rate_packed, unpack
from branchctl.jobs.rate import write_county
from branchctl.reports.county import ledger_part
from branchctl.rules.county import ledger_columns
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    Layout,
    classification_sheet,
    expected_rating,
    is_met,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)
from tests.test_county import COMPUTED, LEDGER_HEAD, _county, _sheet

AS_OF = dt.date(2025, 6, 30)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _rated(tmp_path: Path, jobs: int = 2):
    county = _county(tmp_path)
    return county, rate_county([county["folder"]], load_rubric(None), as_of=AS_OF, jobs=jobs,
                               ledger=True)  # fmt: skip


def test_rows_rendered_by_the_workers_make_the_same_workbook_as_rendered_by_the_county(tmp_path):
    _, rated = _rated(tmp_path)
    # the workers rendered each file's rows, for that file's own columns
    assert all(s.ledger is not None for s in rated.rated)
    by_workers = tmp_path / "workers.xlsx"
    write_county(rated, by_workers, bottom=3)
    for s in rated.rated:
        s.ledger = None  # now the county renders every row itself
    by_county = tmp_path / "county.xlsx"
    write_county(rated, by_county, bottom=3)
    assert _members(by_workers) == _members(by_county)
    rows = _sheet(by_county, "评定台账")
    assert len(rows) == 1 + 19 and [r[0] for r in rows[1:]] == list(range(1, 20))  # 序号


SHORT_FORM = ["序号", "所属党组织", "党支部名称", "支部类型", "基本组织", "组织队伍", "基本活动",
              "基本制度", "基本保障", "发挥作用", "负面清单", "星级", "定级类别", "等次"]  # fmt: skip


def mixed_forms(folder: Path) -> dict[str, list[dict]]:
    """Two townships on the full form and, between them, one on a short form (no counts, no
    secretary, no 备注)."""
    records = {
        "城关镇党委": sample_branches(7, seed=11, townships=["城关镇党委"], veto_rate=0),
        "柳林镇党委": sample_branches(5, seed=12, townships=["柳林镇党委"], veto_rate=0),
        "青山乡党委": sample_branches(6, seed=13, townships=["青山乡党委"], veto_rate=0),
    }
    records["柳林镇党委"][2] = with_wrong_claim(records["柳林镇党委"][2], "星级")
    write_workbook(folder / "1城关镇.xlsx", [classification_sheet(records["城关镇党委"])])
    short = Layout.bare(columns=SHORT_FORM, org="柳林镇党委")
    write_workbook(folder / "2柳林镇.xlsx", [classification_sheet(records["柳林镇党委"], short)])
    write_workbook(folder / "3青山乡.xlsx", [classification_sheet(records["青山乡党委"])])
    return records


def test_files_of_other_forms_are_rendered_again_for_the_county_columns(tmp_path):
    """柳林镇 sent a short form: its rows rendered in the worker do not fit the county ledger's
    columns, so the county renders them; every cell stands under its header, and the workbook
    is the one the county renders alone."""
    folder = tmp_path / "二季度"
    records = mixed_forms(folder)
    rated = rate_county([folder], load_rubric(None), as_of=AS_OF, jobs=2, ledger=True)
    columns = tuple(ledger_columns(rated.rated))
    fitting = {s.label: s.ledger is not None and s.ledger.columns == columns for s in rated.rated}
    assert fitting == {"1城关镇.xlsx": True, "2柳林镇.xlsx": False, "3青山乡.xlsx": True}
    out = tmp_path / "全县.xlsx"
    write_county(rated, out)
    rows = _sheet(out, "评定台账")
    col = {name: i for i, name in enumerate(rows[0])}
    assert rows[0][: len(LEDGER_HEAD)] == LEDGER_HEAD and rows[0][-5:] == COMPUTED
    by_name = {r["党支部名称"]: r for rs in records.values() for r in rs}
    assert sorted(r[col["党支部名称"]] for r in rows[1:]) == sorted(by_name)
    for row in rows[1:]:
        record = by_name[row[col["党支部名称"]]]
        short = row[col["来源文件"]] == "2柳林镇.xlsx"
        assert row[col["所属党组织"]] == record["所属党组织"]
        assert is_met(row[col["基本活动"]]) == record["基本活动"]
        assert (row[col["支部书记"]] is None) == short
        assert row[col["计算星级"]] == expected_rating(record)[0]
    wrong = records["柳林镇党委"][2]["党支部名称"]
    assert "星级不符" in next(r[col["核对结果"]] for r in rows if r[col["党支部名称"]] == wrong)
    for s in rated.rated:
        s.ledger = None
    alone = tmp_path / "alone.xlsx"
    write_county(rated, alone)
    assert _members(out) == _members(alone)


def test_rows_rendered_in_parts_write_the_same_sheet_as_in_one(tmp_path):
    """Indexes decided by the whole sheet (row numbers, 序号, shared strings, formats, and a
    number written as it was first met: 2 after 2.0 stays 2.0) come out the same whatever the
    blocks the rows were rendered in."""
    _, rated = _rated(tmp_path, jobs=1)
    columns = ledger_columns(rated.rated)
    lines: list[list] = []
    for s in rated.rated:
        _, rows, widths = ledger_part(s, columns, rated.rubric, len(lines) + 1)
        header = rows[:1]
        lines += rows[1:]
    lines[0][3], lines[1][3] = 2.0, 2  # 行号
    whole = PlainSheet("评定台账", header, [render_rows(lines, ordinal=0)], lines, widths)
    cut = [render_rows(lines[i : i + 1], ordinal=0) for i in range(len(lines))]
    parts = PlainSheet("评定台账", header, cut, lines, widths)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_plain([whole], a)
    write_plain([parts], b)
    assert _members(a) == _members(b)
    xml = _members(a)["xl/worksheets/sheet1.xml"]
    assert b'<c r="A2"><v>1</v></c>' in xml and b'<c r="D2"><v>2.0</v></c>' in xml
    assert b'<c r="A3"><v>2.0</v></c>' in xml  # 序号 2 after 2.0: as the sheet always had it
    values = _sheet(b, "评定台账")
    assert [r[0] for r in values[1:]] == list(range(1, 20))
    assert values[0] == header[0]


def test_a_county_whose_rows_change_after_rating_renders_them_itself(tmp_path):
    """Quotas settle over the whole county: the workers render nothing, and the county ledger
    shows the categories the quota left."""
    from tests.test_rating_rubrics import HEFEI, five_basics_sheet

    folder = tmp_path / "司法系统"
    write_workbook(folder / "局机关.xlsx", [five_basics_sheet(HEFEI[:6])])
    write_workbook(folder / "基层所.xlsx", [five_basics_sheet(HEFEI[6:])])
    rated = rate_county([folder], load_rubric("five-basics"), as_of=AS_OF, jobs=1, ledger=True)
    assert all(s.ledger is None for s in rated.rated)
    out = tmp_path / "q.xlsx"
    write_county(rated, out)
    rows = _sheet(out, "评定台账")
    col = {name: i for i, name in enumerate(rows[0])}
    graded = [r[col["党支部名称"]] for r in rows[1:] if r[col["计算类别"]] == "A"]
    assert graded == ["局机关第一党支部"]


def test_the_county_workbook_is_whole_when_the_patch_cannot_take_it(tmp_path, monkeypatch):
    """Should the patch writer refuse the scratch workbook, the copy is rebuilt from its rows
    read back: every branch is still there."""
    from branchctl.io.xlsx import write as xlsx_write
    from branchctl.io.xlsx.package import PatchUnsupported

    def refuse(*args, **kwargs):
        raise PatchUnsupported("test")

    monkeypatch.setattr(xlsx_write, "patch_xlsx", refuse)
    _, rated = _rated(tmp_path, jobs=1)
    out = tmp_path / "全县.xlsx"
    write_county(rated, out)
    assert rated.notes  # the clerk is told the copy was rebuilt
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["评定台账", "汇总"]
    assert wb["评定台账"].max_row == 1 + 19


def test_the_workers_render_under_spawn_as_under_fork(tmp_path):
    """Windows starts workers by spawning: the task and its rendered rows travel by pickle."""
    records = sample_branches(6, seed=5, townships=["城关镇党委"], veto_rate=0)
    records[1] = with_wrong_claim(records[1], "星级")
    path = write_workbook(tmp_path / "城关镇.xlsx", [classification_sheet(records, Layout())])
    other = write_workbook(tmp_path / "柳林镇.xlsx", [classification_sheet(records[3:])])
    rubric = load_rubric(None)
    tasks = [SourceTask(str(p), p.name, True, rubric, AS_OF, ledger=True) for p in (path, other)]
    here = [unpack(rate_packed(t)) for t in tasks]
    spawned = run_tasks(rate_packed, tasks, jobs=2, crashed=_crashed,
                        context=multiprocessing.get_context("spawn"))  # fmt: skip
    theirs = [unpack(p) for p in spawned]
    assert [s.ledger for s in theirs] == [s.ledger for s in here]
    assert all(s.ledger is not None and s.keys for s in theirs)
    assert theirs[0].ledger.marks  # the claim that differs is marked on its cell


@pytest.mark.parametrize("value", [dt.date(2025, 3, 31), dt.datetime(2025, 3, 31, 8, 30), True])
def test_other_values_are_written_in_place(tmp_path, value):
    header = [["序号", "填报时间"]]
    lines = [[1, value], [2, "100%"]]
    sheet = PlainSheet("表", header, [render_rows(lines, ordinal=0)], lines)
    out = tmp_path / "t.xlsx"
    write_plain([sheet], out)
    ws = openpyxl.load_workbook(out)["表"]
    got = ws["B2"].value
    assert got == value or (isinstance(value, dt.date) and got.date() == value)
    assert ws["B3"].value == "100%" and ws["A3"].value == 2
