"""The roster, and which township a submission comes from (填报单位, 所属党组织, file name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchctl.errors import BranchctlError
from branchctl.forms.roster import read_roster
from branchctl.forms.townships import match_township, township_key
from tests.archive_helpers import branches, cli, cli_json, write_submission
from tests.builders import Layout, table_sheet, write_workbook

ROSTER = ["城关镇", "青山乡", "河西街道", "石桥镇"]


@pytest.mark.parametrize(
    ("text", "key"),
    [("城关镇党委", "城关镇"), ("中共城关镇委员会", "城关镇"), (" 城关镇 ", "城关镇"),
     ("河西街道党工委", "河西街道"), ("城关镇党委（盖章）", "城关镇"), ("城关镇", "城关镇")],
)  # fmt: skip
def test_township_key(text, key):
    assert township_key(text) == key


def test_roster_from_text_utf8_or_gbk(tmp_path):
    utf8 = tmp_path / "名册.txt"
    utf8.write_text("# 二季度应报送\n城关镇\n\n青山乡党委\n城关镇党委\n河西街道\n", "utf-8")
    assert read_roster(utf8) == ["城关镇", "青山乡党委", "河西街道"]  # 城关镇党委 is 城关镇
    gbk = tmp_path / "名册2.txt"
    gbk.write_bytes("石桥镇\r\n柳林镇\r\n".encode("gbk"))
    assert read_roster(gbk) == ["石桥镇", "柳林镇"]


def test_roster_from_csv_and_workbook(tmp_path):
    csv = tmp_path / "名册.csv"
    csv.write_text("序号,乡镇（街道）,联系人\n1,城关镇,王明\n2,青山乡,李华\n", "utf-8-sig")
    assert read_roster(csv) == ["城关镇", "青山乡"]
    names = [{"序号": 1, "名称": "河西街道"}, {"序号": 2, "名称": "石桥镇"}]
    sheet = table_sheet("名册", ["序号", "名称"], names, Layout(), annex=None, title="乡镇名册")
    book = write_workbook(tmp_path / "名册.xlsx", [sheet])
    assert read_roster(book) == ["河西街道", "石桥镇"]


def test_bad_rosters_are_one_sentence(tmp_path):
    no_column = tmp_path / "名册.csv"
    no_column.write_text("序号,单位\n1,城关镇\n", "utf-8")
    with pytest.raises(BranchctlError, match="名册中没有“名称”列"):
        read_roster(no_column)
    empty = tmp_path / "空.txt"
    empty.write_text("\n# 无\n", "utf-8")
    with pytest.raises(BranchctlError, match="名册中没有任何乡镇"):
        read_roster(empty)
    with pytest.raises(BranchctlError, match="名册文件不存在"):
        read_roster(tmp_path / "没有.txt")


def test_match_order_unit_then_orgs_then_file_name_then_folder():
    path = Path("二季度/青山乡/城关镇报表.xlsx")
    by_unit = match_township(path, "城关镇党委", ["青山乡党委"], ROSTER)
    assert (by_unit.township, by_unit.source) == ("城关镇", "填报单位")
    by_orgs = match_township(path, None, ["河西街道党工委", "河西街道党工委 "], ROSTER)
    assert (by_orgs.township, by_orgs.source) == ("河西街道", "所属党组织")
    by_name = match_township(path, "县委办", ["城关镇党委", "青山乡党委"], ROSTER)
    assert (by_name.township, by_name.source) == ("城关镇", "文件名")
    by_folder = match_township(Path("青山乡/附件1.xlsx"), None, [], ROSTER)
    assert (by_folder.township, by_folder.source) == ("青山乡", "文件夹名")


def test_no_guessing():
    two = match_township(Path("城关镇和青山乡.xlsx"), None, [], ROSTER)
    assert two.township is None
    assert "文件名同时含有城关镇、青山乡" in two.reason
    stranger = match_township(Path("报表.xlsx"), "柳林镇党委", [], ROSTER)
    assert stranger.township is None
    assert stranger.reason.startswith("填报单位“柳林镇党委”不在名册中")
    # without a roster only what the workbook says names a township
    nothing_known = match_township(Path("城关镇.xlsx"), None, ["甲党委", "乙党委"], [])
    assert nothing_known.township is None and "尚无名册" in nothing_known.reason
    as_written = match_township(Path("x.xlsx"), "柳林镇党委", [], [])
    assert (as_written.township, as_written.source) == ("柳林镇党委", "填报单位")


def test_an_unmatched_file_is_reported_not_recorded(tmp_path):
    db = tmp_path / "档案.db"
    roster = tmp_path / "名册.txt"
    roster.write_text("\n".join(ROSTER), "utf-8")
    assert cli(db, "archive", "roster", str(roster), "--period", "2025Q2").exit_code == 0
    mixed = [*branches("城关镇", 2, 1), *branches("青山乡", 2, 2)]
    file = write_submission(tmp_path / "报表1.xlsx", "城关镇", mixed, fill_row=None)
    result = cli(db, "archive", "add", str(file), "--period", "2025Q2")
    assert result.exit_code == 1
    assert "无法确定报送单位：表头没有填报单位，各支部的所属党组织不是同一个" in result.stdout
    assert "未登记，可加 --township 指定" in result.stdout
    status = cli_json(db, "archive", "status", "--period", "2025Q2")
    assert [t["submissions"] for t in status["townships"]] == [0, 0, 0, 0]

    given = cli_json(
        db, "archive", "add", str(file), "--period", "2025Q2", "--township", "城关镇党委"
    )
    assert given["files"][0]["township"] == "城关镇"
    assert given["files"][0]["matched_by"] == "指定"
    assert given["files"][0]["result"] == "recorded"
    assert given["summary"]["recorded"] == 1
