"""The county picture: a quarter of township submissions rated, reported and compared as one."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from tests.builders import (
    ASPECTS,
    Layout,
    category_for,
    classification_sheet,
    expected_rating,
    lists_combined_sheet,
    sample_branches,
    sample_problems,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()
LEDGER_HEAD = ["序号", "来源文件", "工作表", "行号", "所属党组织", "党支部名称", "支部类型"]
COMPUTED = ["计算星级", "计算类别", "计算等次", "未达标方面", "核对结果"]


def _township(org: str, n: int, seed: int) -> list[dict]:
    return sample_branches(n, seed=seed, townships=[org], veto_rate=0, small_branches=False)


def _county(tmp_path: Path, suffix: str = "xlsx") -> dict:
    """二季度报表/ as a county receives it: three townships that can be rated (one with a
    claim that differs), one that cannot (a mark that is no mark), a lock file."""
    folder = tmp_path / "二季度报表"
    chengguan = _township("城关镇党委", 8, 1)
    qingshan = _township("青山乡党委", 6, 2)
    qingshan[2] = with_wrong_claim(qingshan[2], "星级")
    hexi = _township("河西街道党工委", 5, 3)
    liulin = _township("柳林镇党委", 3, 4)
    liulin[1]["基本活动"] = "基本达标"
    files = {
        f"城关镇.{suffix}": [
            classification_sheet(chengguan),
            lists_combined_sheet(sample_problems(chengguan)),
        ],
        f"青山乡/青山乡二季度.{suffix}": [
            classification_sheet(qingshan, Layout.messy(), name="定级")
        ],
        f"河西街道.{suffix}": [classification_sheet(hexi, Layout.bare())],
        f"柳林镇.{suffix}": [classification_sheet(liulin)],
    }
    paths = {name: write_workbook(folder / name, sheets) for name, sheets in files.items()}
    (folder / "~$城关镇.xlsx").write_bytes(b"lock")
    rated = {"城关镇党委": chengguan, "青山乡党委": qingshan, "河西街道党工委": hexi}
    return {"folder": folder, "paths": paths, "rated": rated, "柳林镇": liulin}


def _sheet(path: Path, name: str) -> list[list]:
    ws = openpyxl.load_workbook(path)[name]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _json(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


# ------------------------------------------------------------------------------ rate


def test_rate_a_folder_writes_the_county_workbook(tmp_path):
    county = _county(tmp_path)
    out = tmp_path / "全县评定.xlsx"
    args = ["rate", str(county["folder"]), "-o", str(out), "--bottom", "3", "--jobs", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # a file not rated, a claim that differs
    assert "文件 4 个，未能评定 1 个" in result.stdout
    assert "柳林镇.xlsx：" in result.stdout and "“基本达标”" in result.stdout
    assert "参评支部 19 个" in result.stdout

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["评定台账", "汇总", "评定说明"]
    rows = _sheet(out, "评定台账")
    head = rows[0]
    assert head[:7] == LEDGER_HEAD and head[-5:] == COMPUTED
    assert all(a in head for a in ASPECTS)
    col = {name: i for i, name in enumerate(head)}
    records = {r["党支部名称"]: r for rs in county["rated"].values() for r in rs}
    assert sorted(row[col["党支部名称"]].strip() for row in rows[1:]) == sorted(records)
    sources = Counter(row[col["来源文件"]] for row in rows[1:])
    assert sources == {"城关镇.xlsx": 8, "青山乡/青山乡二季度.xlsx": 6, "河西街道.xlsx": 5}
    for row in rows[1:]:
        stars, category, level = expected_rating(records[row[col["党支部名称"]].strip()])
        assert row[col["计算星级"]] == stars and row[col["计算类别"]] == category
        assert row[col["计算等次"]] == level

    ws = wb["评定台账"]
    wrong = county["rated"]["青山乡党委"][2]["党支部名称"]
    r = next(i for i, row in enumerate(rows) if row[col["党支部名称"]].strip() == wrong) + 1
    claim = ws.cell(r, col["星级"] + 1)
    assert claim.fill.fgColor.rgb.endswith(("FFC7CE", "C00000"))  # marked as a rated copy is
    assert "填报" in claim.comment.text and "核算" in claim.comment.text
    assert "星级不符" in ws.cell(r, col["核对结果"] + 1).value
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")

    summary = _sheet(out, "汇总")
    by_org = {row[0]: row for row in summary if row and row[0] in county["rated"]}
    stars_at = next(row for row in summary if row and row[0] == "所属党组织").index("0星")
    for org, members in county["rated"].items():
        counts = Counter(expected_rating(m)[0] for m in members)
        assert by_org[org][1] == len(members)
        assert by_org[org][stars_at : stars_at + 7] == [counts.get(s, 0) for s in range(7)]
    assert wb["汇总"]._charts  # the native chart of the star distribution
    bottom = [row for row in summary if row and isinstance(row[0], int) and row[2] in records]
    assert len(bottom) == 3

    notes = _sheet(out, "评定说明")
    liulin = next(row for row in notes if row and row[1] == "柳林镇.xlsx")
    assert liulin[2] == "未能评定" and "基本达标" in liulin[4]


def test_rate_a_folder_json_lists_every_file(tmp_path):
    county = _county(tmp_path)
    code, doc = _json("rate", str(county["folder"]), "-o", str(tmp_path / "x.xlsx"), "--jobs", "1")
    assert code == 1
    assert "file" not in doc
    files = {Path(f["path"]).name: f for f in doc["files"]}
    assert sorted(files) == ["城关镇.xlsx", "柳林镇.xlsx", "河西街道.xlsx", "青山乡二季度.xlsx"]
    assert not files["柳林镇.xlsx"]["ok"] and "基本达标" in files["柳林镇.xlsx"]["message"]
    assert all(f["ok"] and f["message"] is None for n, f in files.items() if n != "柳林镇.xlsx")
    branches = doc["branches"]
    assert len(branches) == doc["summary"]["total"] == 19
    assert doc["summary"]["mismatches"] == 1
    for b in branches:
        assert Path(b["file"]).name == {"城关镇党委": "城关镇.xlsx", "青山乡党委": "青山乡二季度.xlsx",
                                        "河西街道党工委": "河西街道.xlsx"}[b["party_org"]]  # fmt: skip
    qingshan = [b for b in branches if b["party_org"] == "青山乡党委"]
    assert {b["sheet"] for b in qingshan} == {"定级"}  # the row in the township's own sheet


def test_one_ledger_is_rated_as_before_with_file_on_every_branch(tmp_path):
    county = _county(tmp_path)
    path = county["paths"]["城关镇.xlsx"]
    code, doc = _json("rate", str(path))
    assert code == 0
    assert doc["file"] == str(path) and "files" not in doc
    assert {b["file"] for b in doc["branches"]} == {str(path)}
    assert (path.parent / "城关镇.rated.xlsx").exists()


def test_nothing_rated_is_exit_two(tmp_path):
    county = _county(tmp_path)
    result = runner.invoke(app, ["rate", str(county["paths"]["柳林镇.xlsx"]), str(tmp_path / "无")])
    assert result.exit_code == 2
    folder = tmp_path / "只有坏文件"
    folder.mkdir()
    (folder / "坏.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    result = runner.invoke(app, ["rate", str(folder), "-o", str(tmp_path / "y.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：找到的 1 个工作簿都未能评定，例如文件“")
    assert "坏.xlsx”：" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "y.xlsx").exists()


def test_outputs_never_overwrite_a_township_file(tmp_path):
    county = _county(tmp_path)
    chengguan = county["paths"]["城关镇.xlsx"]
    before = chengguan.read_bytes()
    result = runner.invoke(app, ["rate", str(county["folder"]), "-o", str(chengguan)])
    assert result.exit_code == 2 and "不是本工具生成的评定汇总工作簿" in result.stderr
    result = runner.invoke(app, ["rate", str(chengguan), str(county["paths"]["河西街道.xlsx"]),
                                 "-o", str(chengguan)])  # fmt: skip
    assert result.exit_code == 2 and "不能与输入文件相同" in result.stderr
    assert chengguan.read_bytes() == before
    # an earlier county workbook inside the folder is replaced, and not counted as an input
    inside = county["folder"] / "评定汇总.xlsx"
    for _ in range(2):
        code, doc = _json("rate", str(county["folder"]), "-o", str(inside), "--jobs", "1")
        assert doc["summary"]["total"] == 19 and len(doc["files"]) == 4


def test_annotate_writes_each_rated_copy(tmp_path):
    county = _county(tmp_path)
    copies = tmp_path / "评定副本"
    result = runner.invoke(app, ["rate", str(county["folder"]), "-o", str(tmp_path / "z.xlsx"),
                                 "--annotate", str(copies), "--jobs", "1"])  # fmt: skip
    assert result.exit_code == 1
    assert sorted(p.name for p in copies.iterdir()) == [
        "城关镇.rated.xlsx", "河西街道.rated.xlsx", "青山乡二季度.rated.xlsx"
    ]  # fmt: skip
    head = _sheet(copies / "河西街道.rated.xlsx", "附件1")[0]
    assert head[-5:] == COMPUTED


def test_the_same_branch_in_two_files_is_reported(tmp_path):
    county = _county(tmp_path)
    twice = county["rated"]["城关镇党委"][3]
    write_workbook(county["folder"] / "城关镇补报.xlsx", [classification_sheet([twice])])
    out = tmp_path / "dup.xlsx"
    result = runner.invoke(app, ["rate", str(county["folder"]), "-o", str(out), "--jobs", "1"])
    assert "在多个文件中重复出现的党支部 1 处" in result.stdout
    assert f"{twice['党支部名称']}：城关镇.xlsx；城关镇补报.xlsx" in result.stdout
    notes = _sheet(out, "评定说明")
    dup = next(row for row in notes if row and row[2] == twice["党支部名称"])
    assert dup[3] == 2 and "城关镇补报.xlsx" in dup[4]
    code, doc = _json("rate", str(county["folder"]), "-o", str(out), "--jobs", "1")
    warned = [b for b in doc["branches"] if b["name"] == twice["党支部名称"]]
    assert len(warned) == 2 and all("多个文件" in " ".join(b["warnings"]) for b in warned)


# ------------------------------------------------------------------------------ notice


def _township_rows(text: str) -> dict[str, list[str]]:
    """The bulletin's 各乡镇（街道）星级分布 table: township -> its cells."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 3 and re.fullmatch(r"\d+", cells[1]):
            rows[cells[0]] = cells
    return rows


def _expected_rows(groups: dict[str, list[dict]]) -> dict[str, list[str]]:
    out = {}
    for org, members in groups.items():
        stars = Counter(expected_rating(m)[0] for m in members)
        standard = sum(1 for m in members if expected_rating(m)[0] == 6)
        out[org] = [org, str(len(members)), *[str(stars.get(s, 0)) for s in range(6, -1, -1)],
                    str(standard), f"{standard / len(members) * 100:.1f}%"]  # fmt: skip
    return out


def test_bulletin_of_a_folder_counts_every_township(tmp_path):
    county = _county(tmp_path)
    out = tmp_path / "通报.md"
    result = runner.invoke(app, ["notice", "通报", "--data", str(county["folder"]), "-o", str(out),
                                 "--set", "发文机关=中共某县委组织部"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "柳林镇.xlsx" in result.stderr and "未能全部计入" in result.stderr
    text = out.read_text("utf-8")
    assert "本次共评定党支部19个" in text
    rows = _township_rows(text)
    expected = _expected_rows(county["rated"])
    for org, cells in expected.items():
        assert rows[org] == cells
    assert rows["合计"][1] == "19"


def test_data_given_twice_uses_both(tmp_path):
    county = _county(tmp_path)
    out = tmp_path / "两镇.md"
    result = runner.invoke(app, ["notice", "通报", "--data", str(county["paths"]["城关镇.xlsx"]),
                                 "-d", str(county["paths"]["河西街道.xlsx"]), "-o", str(out),
                                 "--set", "发文机关=中共某县委组织部"])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "本次共评定党支部13个" in text
    rows = _township_rows(text)
    assert set(rows) == {"城关镇党委", "河西街道党工委", "合计"}
    groups = {k: v for k, v in county["rated"].items() if k != "青山乡党委"}
    for org, cells in _expected_rows(groups).items():
        assert rows[org] == cells


def test_rectification_notices_of_a_county_carry_each_files_problems(tmp_path):
    county = _county(tmp_path)
    folder = tmp_path / "整改"
    result = runner.invoke(app, ["notice", "整改通知书", "--data", str(county["folder"]),
                                 "--per-branch", "-o", str(folder), "--format", "md"])  # fmt: skip
    assert result.exit_code == 0, result.output
    short = [m for ms in county["rated"].values() for m in ms if expected_rating(m)[0] < 6]
    assert len(list(folder.iterdir())) == len(short)
    problems = sample_problems(county["rated"]["城关镇党委"])
    first = problems[0]
    text = (folder / f"{first['党支部名称']}.md").read_text("utf-8")
    assert first["问题描述"] in text


# ------------------------------------------------------------------------------ masters


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods"])
def test_master_round_trip_collect_rate_notice(tmp_path, suffix):
    county = _county(tmp_path, suffix)
    folder = county["folder"]
    master = tmp_path / "全县汇总.xlsx"
    assert runner.invoke(app, ["collect", str(folder), "-o", str(master)]).exit_code == 1
    _, direct = _json("rate", str(folder), "-o", str(tmp_path / "a.xlsx"), "--jobs", "1")
    code, from_master = _json("rate", str(master), "-o", str(tmp_path / "b.xlsx"))
    assert code == 1  # 柳林镇's rows in the master still hold the bad mark: they are left out
    assert [f["ok"] for f in from_master["files"]] == [False]
    assert "柳林镇" in from_master["files"][0]["message"]
    assert from_master["summary"] == direct["summary"]

    def key(b: dict) -> tuple:
        return (b["party_org"], b["name"], b["stars"], b["category"], b["level"])

    assert sorted(map(key, from_master["branches"])) == sorted(map(key, direct["branches"]))
    # the county workbook is a county ledger too: rated again, the same picture
    _, again = _json("rate", str(tmp_path / "a.xlsx"), "-o", str(tmp_path / "c.xlsx"))
    assert again["summary"] == direct["summary"]
    rows = _sheet(tmp_path / "b.xlsx", "评定台账")
    col = rows[0].index("来源文件")
    assert {r[col] for r in rows[1:]} == {
        f"全县汇总.xlsx › 城关镇.{suffix}",
        f"全县汇总.xlsx › 青山乡/青山乡二季度.{suffix}",
        f"全县汇总.xlsx › 河西街道.{suffix}",
    }
    out = tmp_path / "通报.md"
    result = runner.invoke(app, ["notice", "通报", "--data", str(master), "-o", str(out),
                                 "--set", "发文机关=中共某县委组织部"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = _township_rows(out.read_text("utf-8"))
    for org, cells in _expected_rows(county["rated"]).items():
        assert rows[org] == cells


def test_a_city_collects_county_masters_and_keeps_the_chain(tmp_path):
    city = tmp_path / "各县"
    city.mkdir()
    for county, seed in (("甲县", 1), ("乙县", 5)):
        folder = tmp_path / county
        for i, town in enumerate(("城关镇", "河口镇")):
            records = _township(f"{county}{town}党委", 4, seed + i)
            write_workbook(folder / f"{town}.xlsx", [classification_sheet(records)])
        runner.invoke(app, ["collect", str(folder), "-o", str(city / f"{county}汇总.xlsx")])
    master = tmp_path / "全市.xlsx"
    result = runner.invoke(app, ["collect", str(city), "-o", str(master)])
    assert result.exit_code == 0, result.output
    rows = _sheet(master, "汇总台账")
    col = rows[0].index("来源文件")
    assert {r[col] for r in rows[1:]} == {
        "甲县汇总.xlsx › 城关镇.xlsx", "甲县汇总.xlsx › 河口镇.xlsx",
        "乙县汇总.xlsx › 城关镇.xlsx", "乙县汇总.xlsx › 河口镇.xlsx",
    }  # fmt: skip
    assert {r[col + 1] for r in rows[1:]} == {"附件1"}  # the township's own sheet and row
    out = tmp_path / "全市评定.xlsx"
    result = runner.invoke(app, ["rate", str(master), "-o", str(out), "--by", "来源文件"])
    assert result.exit_code == 0, result.output
    summary = _sheet(out, "汇总")
    head = next(i for i, row in enumerate(summary) if row and row[0] == "来源文件")
    groups = {row[0]: row[1] for row in summary[head + 1 : head + 3]}
    assert groups == {"甲县汇总.xlsx": 8, "乙县汇总.xlsx": 8}


def test_a_master_beside_its_townships_is_not_counted_twice(tmp_path):
    county = _county(tmp_path)
    inside = county["folder"] / "全县汇总.xlsx"
    runner.invoke(app, ["collect", str(county["folder"]), "-o", str(inside)])
    out = tmp_path / "x.xlsx"
    result = runner.invoke(app, ["rate", str(county["folder"]), "-o", str(out), "--jobs", "1"])
    assert "参评支部 19 个" in result.stdout
    assert "跳过的文件 1 个：全县汇总.xlsx（汇总工作簿" in result.stdout
    again = tmp_path / "再汇总.xlsx"  # collect passes over it the same way
    result = runner.invoke(app, ["collect", str(county["folder"]), "-o", str(again)])
    assert "汇总党支部 22 个" in result.stdout and "跳过 2 个文件" in result.stdout


# ------------------------------------------------------------------------------ compare


def test_compare_two_folders_county_against_county(tmp_path):
    before = _county(tmp_path / "一季度")
    now = tmp_path / "二季度"
    changed = dict(before["rated"]["河西街道党工委"][0])
    for aspect in ASPECTS:
        changed[aspect] = True
    changed.update({"星级": 6, "定级类别": category_for(6), "等次": "先进"})
    hexi = [changed, *before["rated"]["河西街道党工委"][1:]]
    write_workbook(now / "河西街道.xlsx", [classification_sheet(hexi, Layout.bare())])
    write_workbook(now / "城关镇.xlsx", [classification_sheet(before["rated"]["城关镇党委"])])
    out = tmp_path / "对比.xlsx"
    code, doc = _json("compare", str(before["folder"]), str(now), "-o", str(out))
    assert code == 0
    changes = Counter(b["change"] for b in doc["branches"])
    old_stars = expected_rating(before["rated"]["河西街道党工委"][0])[0]
    assert changes["撤销"] == 6 + 3  # 青山乡 and 柳林镇 (rated as unmet, with a note) sent nothing
    assert changes["升星"] == (1 if old_stars < 6 else 0)
    up = next(b for b in doc["branches"] if b["name"] == changed["党支部名称"])
    assert up["new_stars"] == 6 and up["old_stars"] == old_stars
    assert any("柳林镇.xlsx" in w and "按未达标计" in w for w in doc["warnings"])
    assert openpyxl.load_workbook(out).sheetnames == ["变动汇总"]
    # a collect master against the folder it was made from: nothing changed
    master = tmp_path / "一季度汇总.xlsx"
    runner.invoke(app, ["collect", str(before["folder"]), "-o", str(master)])
    code, doc = _json("compare", str(master), str(before["folder"]), "-o", str(tmp_path / "m.xlsx"))
    assert code == 0 and doc["old"] == str(master)
    assert Counter(b["change"] for b in doc["branches"]) == {"持平": 22}


def test_a_quota_is_counted_over_the_whole_county(tmp_path):
    from tests.test_rating_rubrics import HEFEI, five_basics_sheet

    folder = tmp_path / "司法系统"
    write_workbook(folder / "局机关.xlsx", [five_basics_sheet(HEFEI[:6])])
    write_workbook(folder / "基层所.xlsx", [five_basics_sheet(HEFEI[6:])])
    copies = tmp_path / "副本"
    args = ["rate", str(folder), "--rubric", "five-basics", "-o", str(tmp_path / "q.xlsx"),
            "--annotate", str(copies), "--jobs", "1", "--as-of", "2025-06-30"]  # fmt: skip
    code, doc = _json(*args)
    assert code == 1  # claims of A moved by the cap
    grades = {b["name"]: b["category"] for b in doc["branches"]}
    # 12 branches in the county: one A (10%, rounded down); alone, 局机关's 6 would keep none
    assert [n for n, g in grades.items() if g == "A"] == ["局机关第一党支部"]
    rows = _sheet(copies / "局机关.rated.xlsx", "附件1")
    head = next(r for r in rows if r and "计算类别" in r)
    at, name = head.index("计算类别"), head.index("党支部名称")
    graded = {r[name]: r[at] for r in rows if r and r[at] in ("A", "B", "C", "D")}
    assert graded["局机关第一党支部"] == "A" and graded["局机关第二党支部"] == "B"
