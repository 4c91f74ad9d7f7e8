"""`branchctl compare`: last quarter's ledger against this quarter's, branch by branch."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.forms.name_map import load_name_map
from tests.builders import (
    ASPECTS,
    Layout,
    classification_sheet,
    creation_ledger_sheet,
    expected_rating,
    instructions_sheet,
    read_sheet,
    sample_branches,
    table_sheet,
    with_claims,
    write_workbook,
)

runner = CliRunner()


def _with_stars(record: dict, stars: int) -> dict:
    """The record with its first ``stars`` aspects met and the rest not (claims agreeing)."""
    marks = {a: i < stars for i, a in enumerate(ASPECTS)}
    return with_claims({**record, **marks, "负面清单": "无"})


def _quarters(tmp_path: Path, new_suffix: str = ".xlsx"):
    """Q1 and Q2 ledgers of 12 branches: every kind of change, a rename, a messy Q2."""
    base = [_with_stars(r, 3) for r in sample_branches(12, seed=21)]
    extra = _with_stars(sample_branches(13, seed=22)[12], 5)
    q1 = [dict(r) for r in base]
    q2 = [dict(r) for r in base]
    q2[0] = _with_stars(q2[0], 5)  # 升星 3 -> 5
    q2[1] = _with_stars(q2[1], 1)  # 降星 3 -> 1
    q2[2] = with_claims({**q2[2], "负面清单": "支部书记受到党纪处分"})  # 降星 by veto
    renamed = q2[3]["党支部名称"].replace("党支部", "联合党支部")
    q2[3] = {**_with_stars(q2[3], 4), "党支部名称": renamed}  # renamed, 升星 3 -> 4
    q2[4]["党支部名称"] = " " + q2[4]["党支部名称"].replace("(", "（") + "\u3000"  # same, spaced
    gone = q2.pop(5)  # 撤销
    q2.append(extra)  # 新增
    old = write_workbook(tmp_path / "一季度.xlsx", [classification_sheet(q1, Layout())])
    new = write_workbook(
        tmp_path / f"二季度{new_suffix}",
        [instructions_sheet(), classification_sheet(q2, Layout.messy(), name="定级表")],
    )
    return old, new, q1, q2, gone, extra, renamed


def _map_file(tmp_path: Path, old_name: str, new_name: str) -> Path:
    path = tmp_path / "更名对照.csv"
    path.write_bytes(f"原名称,新名称\n{old_name},{new_name}\n".encode("gb18030"))
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_compare_json_gives_every_change(tmp_path, suffix):
    old, new, q1, q2, gone, extra, renamed = _quarters(tmp_path, suffix)
    mapping = _map_file(tmp_path, q1[3]["党支部名称"], renamed)
    before = old.read_bytes(), new.read_bytes()
    result = runner.invoke(app, ["compare", str(old), str(new), "--json", "--map", str(mapping)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["old"] == str(old) and doc["new"] == str(new)
    by_name = {b["name"]: b for b in doc["branches"]}
    assert len(doc["branches"]) == 13  # 11 in both, 1 new, 1 gone

    first = by_name[q1[0]["党支部名称"]]
    assert first == {
        "party_org": q1[0]["所属党组织"],
        "name": q1[0]["党支部名称"],
        "old_name": q1[0]["党支部名称"],
        "old_stars": 3, "new_stars": 5,
        "old_category": "加强指导", "new_category": "重点对象",
        "old_level": "中间", "new_level": "先进",
        "change": "升星",
        "old_row": 6, "new_row": classification_sheet(q2, Layout.messy()).data_rows[0],
        "sheet": "定级表", "old_sheet": "附件1", "new_sheet": "定级表",
    }  # fmt: skip
    assert by_name[q1[1]["党支部名称"]]["change"] == "降星"
    assert by_name[q1[1]["党支部名称"]]["new_stars"] == 1
    vetoed = by_name[q1[2]["党支部名称"]]
    assert (vetoed["change"], vetoed["new_stars"], vetoed["new_category"]) == (
        "降星",
        0,
        "软弱涣散",
    )
    moved = by_name[renamed]
    assert (moved["change"], moved["old_name"], moved["old_stars"], moved["new_stars"]) == (
        "升星", q1[3]["党支部名称"], 3, 4,
    )  # fmt: skip
    spaced = by_name[q2[4]["党支部名称"].strip()]
    assert (spaced["change"], spaced["old_row"]) == ("持平", 10)
    went = by_name[gone["党支部名称"]]
    assert (went["change"], went["new_stars"], went["new_row"], went["old_row"]) == (
        "撤销",
        None,
        None,
        11,
    )
    came = by_name[extra["党支部名称"]]
    assert (came["change"], came["old_stars"], came["new_stars"]) == ("新增", None, 5)
    assert [b["change"] for b in doc["branches"]][-1] == "撤销"  # gone branches come last

    s = doc["summary"]
    assert {k: s[k] for k in ("升星", "降星", "持平", "新增", "撤销")} == {
        "升星": 2, "降星": 2, "持平": 7, "新增": 1, "撤销": 1,
    }  # fmt: skip
    assert (s["old_total"], s["new_total"], s["renamed"]) == (12, 12, 1)
    assert s["by_stars"]["old"]["3"] == 12
    assert s["by_stars"]["new"] == {"0": 1, "1": 1, "2": 0, "3": 7, "4": 1, "5": 2, "6": 0}
    orgs = s["by_party_org"]
    assert sum(sum(c.values()) for c in orgs.values()) == 13
    org = q1[0]["所属党组织"]
    expected = {k: 0 for k in ("升星", "降星", "持平", "新增", "撤销")}
    for b in doc["branches"]:
        if b["party_org"] == org:
            expected[b["change"]] += 1
    assert orgs[org] == expected
    assert (old.read_bytes(), new.read_bytes()) == before, "inputs are never written to"


def test_compare_rows_match_the_sheets(tmp_path):
    old, new, q1, q2, *_ = _quarters(tmp_path)
    result = runner.invoke(app, ["compare", str(old), str(new), "--json"])
    doc = json.loads(result.stdout)
    old_rows = {r["党支部名称"]: row for r, row in zip(q1, range(6, 18), strict=True)}
    for b in doc["branches"]:
        if b["old_name"] in old_rows:
            assert b["old_row"] == old_rows[b["old_name"]]
    without_map = {b["name"]: b["change"] for b in doc["branches"]}
    assert without_map[q1[3]["党支部名称"]] == "撤销"  # no map: the renamed branch looks gone
    assert list(without_map.values()).count("新增") == 2


def test_annotated_workbook(tmp_path):
    old, new, q1, q2, gone, extra, renamed = _quarters(tmp_path)
    out = tmp_path / "对比.xlsx"
    result = runner.invoke(app, ["compare", str(old), str(new), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "升星 1 个，降星 2 个，持平 7 个，新增 2 个，撤销 2 个" in result.stdout
    assert "已写出对比工作簿" in result.stdout
    sheet = read_sheet(out, "定级表")
    original = read_sheet(new, "定级表")
    width = max(len(r) for r in original.rows)
    for r, row in enumerate(original.rows):  # every original value unchanged
        assert sheet.rows[r][:width] == row + [""] * (width - len(row)), r
    header = [v for v in sheet.rows[3][width:] if v]
    assert header == ["上期星级", "本期星级", "变动", "变动说明"]
    spec = classification_sheet(q2, Layout.messy(), name="定级表")
    row = spec.data_rows[0] - 1
    assert sheet.rows[row][width : width + 4] == [3.0, 5.0, "升星", "3星→5星；加强指导→重点对象"]
    gone_row = spec.data_rows[-1] - 1
    assert sheet.rows[gone_row][width + 2] == "新增"

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["填表说明", "定级表", "变动汇总"]
    ws = wb["定级表"]
    name_col = spec.columns["党支部名称"] + 1
    assert ws.cell(spec.data_rows[0], name_col).fill.fgColor.rgb.endswith("C6EFCE")  # 升星
    assert ws.cell(spec.data_rows[1], name_col).fill.fgColor.rgb.endswith("F8CBAD")  # 降星
    summary = [
        [c for c in row if c is not None] for row in wb["变动汇总"].iter_rows(values_only=True)
    ]
    assert ["变动", "支部数"] in summary
    assert ["撤销", 2] in summary
    listed = [row for row in summary if row and row[0] == "撤销"]
    assert any(gone["党支部名称"] in row for row in listed)
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_map_file_formats(tmp_path):
    xlsx = write_workbook(
        tmp_path / "对照.xlsx",
        [table_sheet("Sheet1", ["序号", "原名称", "新名称"], [{"序号": 1, "原名称": "甲村党支部", "新名称": "甲村联合党支部"}], Layout.bare(), annex=None, title=None)],
    )  # fmt: skip
    toml = tmp_path / "对照.toml"
    toml.write_text('["更名"]\n"甲村党支部" = "甲村联合党支部"\n', encoding="utf-8")
    plain = tmp_path / "对照2.toml"
    plain.write_text('"甲村党支部" = "甲村联合党支部"\n', encoding="utf-8")
    headless = tmp_path / "对照.csv"
    headless.write_text("甲村党支部,甲村联合党支部\n", encoding="utf-8")
    for path in (xlsx, toml, plain, headless):
        assert load_name_map(path) == {"甲村党支部": "甲村联合党支部"}, path


def test_same_name_twice(tmp_path):
    records = [_with_stars(r, 4) for r in sample_branches(6, seed=5)]
    twin = dict(records[1])  # the same branch twice under its 所属党组织
    namesake = {**records[2], "所属党组织": "别的镇党委"}  # same name, another township: legit
    old = write_workbook(tmp_path / "old.xlsx", [classification_sheet(records)])
    new = write_workbook(
        tmp_path / "new.xlsx", [classification_sheet([*records, twin, _with_stars(namesake, 6)])]
    )
    result = runner.invoke(app, ["compare", str(old), str(new), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    [warning] = [w for w in doc["warnings"] if "出现2次" in w]
    assert records[1]["党支部名称"] in warning and "第7行" in warning and "第12行" in warning
    changes = [(b["name"], b["party_org"], b["change"]) for b in doc["branches"]]
    assert (records[2]["党支部名称"], records[2]["所属党组织"], "持平") in changes
    assert (records[2]["党支部名称"], "别的镇党委", "新增") in changes
    assert changes.count((records[1]["党支部名称"], records[1]["所属党组织"], "新增")) == 1
    text = runner.invoke(app, ["compare", str(old), str(new)])
    assert "出现2次" in text.stdout


def test_old_list_with_stated_stars_only(tmp_path):
    """Last year's published list has only 星级: compared on the stars it states."""
    records = [_with_stars(r, 4) for r in sample_branches(5, seed=8)]
    published = table_sheet(
        "名单", ["序号", "所属党组织", "党支部名称", "星级"], records, Layout(star_style="chinese"),
        annex=None, title="2024年度党支部星级评定结果",
    )  # fmt: skip
    old = write_workbook(tmp_path / "2024年度.xlsx", [published])
    records[0] = _with_stars(records[0], 6)
    new = write_workbook(tmp_path / "2025年度.ods", [creation_ledger_sheet(records)])
    result = runner.invoke(app, ["compare", str(old), str(new), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["basis"] == {"old": "claimed", "new": "computed"}
    assert [b["change"] for b in doc["branches"]] == ["升星", "持平", "持平", "持平", "持平"]
    assert doc["branches"][0]["old_category"] == "加强指导"
    assert any("填报的“星级”" in w for w in doc["warnings"])
    assert (tmp_path / "2025年度.compare.xlsx").exists()


def test_bad_input_exits_2(tmp_path):
    old, new, *_ = _quarters(tmp_path)
    missing = runner.invoke(app, ["compare", str(old), str(tmp_path / "无.xlsx")])
    assert missing.exit_code == 2 and "文件不存在" in missing.stderr
    same = runner.invoke(app, ["compare", str(old), str(new), "-o", str(new)])
    assert same.exit_code == 2 and "不能与输入文件相同" in same.stderr
    bad_map = tmp_path / "对照.csv"
    bad_map.write_text("原名称,新名称\n甲村党支部,\n", encoding="utf-8")
    mapped = runner.invoke(app, ["compare", str(old), str(new), "--map", str(bad_map)])
    assert mapped.exit_code == 2 and "原名称和新名称都要填写" in mapped.stderr
    twice = tmp_path / "对照.toml"
    twice.write_text('"甲" = "乙"\n" 甲" = "丙"\n', encoding="utf-8")
    conflict = runner.invoke(app, ["compare", str(old), str(new), "--map", str(twice)])
    assert conflict.exit_code == 2 and "对应了两个新名称" in conflict.stderr
    empty = write_workbook(tmp_path / "空.xlsx", [instructions_sheet()])
    no_form = runner.invoke(app, ["compare", str(empty), str(new)])
    assert no_form.exit_code == 2 and "没有找到可对比的表格" in no_form.stderr
    assert not (tmp_path / "二季度.compare.xlsx").exists()


def test_expected_rating_agrees_with_helper():
    record = _with_stars(sample_branches(1, seed=1)[0], 4)
    assert expected_rating(record) == (4, "加强指导", "中间")
