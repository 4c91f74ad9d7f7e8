"""`branchctl rubric` and `rate --rubric` as a clerk uses them: list, copy, edit, check, rate."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.rules.rubric_file import builtin_text
from tests.builders import write_workbook
from tests.test_rating_rubrics import BRANCH_POINTS, HEFEI, five_basics_sheet, points_sheet

runner = CliRunner()

SPEC_KEYS = {
    "file", "sheet", "row", "party_org", "name", "type", "stars", "category", "level", "met", "unmet",
    "standard", "veto", "claimed_stars", "claimed_category", "claimed_level", "warnings",
}  # fmt: skip


def test_list_shows_each_builtin_on_one_line() -> None:
    result = runner.invoke(app, ["rubric", "list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "six-star",
        "five-basics",
        "five-standard",
        "hundred-points",
        "star-points",
    ]
    assert lines[0].split(maxsplit=1)[1].startswith("六星级党支部评星定级：")
    doc = json.loads(runner.invoke(app, ["rubric", "list", "--json"]).stdout)
    assert doc["rubrics"][1]["categories"] == ["A", "B", "C", "D"]


def test_show_prints_the_file_verbatim() -> None:
    for name in ("six-star", "five-standard", "five-basics", "hundred-points", "star-points"):
        result = runner.invoke(app, ["rubric", "show", name])
        assert result.exit_code == 0
        assert result.stdout == builtin_text(name)
        assert result.stdout.startswith("# ")  # the comments come too


def test_show_unknown_name() -> None:
    result = runner.invoke(app, ["rubric", "show", "ten-star"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "错误：没有名为“ten-star”的内置规则，可选：five-basics、five-standard、hundred-points、six-star、star-points。"
    )


def test_check_a_good_copy(tmp_path: Path) -> None:
    path = tmp_path / "我的规则.toml"
    path.write_text(runner.invoke(app, ["rubric", "show", "star-points"]).stdout, "utf-8")
    result = runner.invoke(app, ["rubric", "check", str(path)])
    assert result.exit_code == 0
    assert result.stdout == (
        "检查通过：党支部“创星晋级”积分定星（star-points）：评定党支部，按月积分，季度末按累计得分定星，"
        "0至5星；也可评定党员。\n"
    )


def test_check_a_changed_copy_that_kept_the_builtin_name(tmp_path: Path) -> None:
    text = builtin_text("hundred-points")
    same = tmp_path / "原样.toml"  # a comment added changes nothing
    same.write_text(text + "\n# 2025年3月县委组织部印发\n", "utf-8")
    result = runner.invoke(app, ["rubric", "check", str(same)])
    assert result.exit_code == 0 and result.stderr == ""
    changed = tmp_path / "本县规则.toml"  # the weights changed, the name left as it was
    changed.write_text(
        text.replace("weight = 0.7", "weight = 0.6").replace("weight = 0.3\n", "weight = 0.4\n"),
        "utf-8",
    )
    result = runner.invoke(app, ["rubric", "check", str(changed)])
    assert result.exit_code == 0
    assert "基础项60%、评议项40%" in result.stdout
    assert result.stderr == (
        "提示：规则名“hundred-points”与内置规则相同，但内容已改动；评定结果、汇总表和公文中会显示为"
        "“党支部星级评定（百分制）（hundred-points）”，与内置规则分不清。请把 name 和 title 改成本县的，"
        '如 name = "本县百分制"。\n'
    )
    renamed = tmp_path / "改名.toml"
    renamed.write_text(
        changed.read_text("utf-8").replace('name = "hundred-points"', 'name = "本县百分制"'),
        "utf-8",
    )
    assert runner.invoke(app, ["rubric", "check", str(renamed)]).stderr == ""


def test_check_a_bad_file_names_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = Path("坏规则.toml")
    path.write_text(
        builtin_text("five-basics").replace(
            "pass_mark = 12", "pass_mark = \"open('/etc/passwd')\"", 1
        ),
        "utf-8",
    )
    result = runner.invoke(app, ["rubric", "check", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("错误：文件“坏规则.toml”：规则项 aspects[1].pass_mark：应为数字")
    assert len(message.splitlines()) == 1 and "Traceback" not in result.stderr


def test_check_unknown_key_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(builtin_text("six-star") + "\n[extras]\nfoo = 1\n", "utf-8")
    result = runner.invoke(app, ["rubric", "check", str(path)])
    assert result.exit_code == 2 and "规则项 extras：不认识这个键" in result.stderr
    result = runner.invoke(app, ["rubric", "check", str(tmp_path / "没有.toml")])
    assert result.exit_code == 2 and "规则文件不存在" in result.stderr


def _renamed_sheet(tmp_path: Path) -> Path:
    """The HEFEI sheet, with one branch at 87 points and 基本队伍 headed 队伍建设."""
    rows = [*HEFEI[:11], ("人民调解协会党支部", [18, 18, 17, 17, 17], "", "B")]  # 87
    sheet = five_basics_sheet(rows)
    header = sheet.header_rows[-1] - 1
    col = sheet.columns["基本队伍"]
    assert sheet.rows[header][col] == "基本队伍"
    sheet.rows[header][col] = "队伍建设"
    return write_workbook(tmp_path / "定级.xlsx", [sheet])


def test_an_edited_copy_changes_the_result_as_edited(tmp_path: Path) -> None:
    ledger = _renamed_sheet(tmp_path)
    built_in = runner.invoke(app, ["rate", str(ledger), "--rubric", "five-basics", "--json"])
    assert built_in.exit_code == 2 and "基本队伍" in built_in.stderr  # the header is not known

    text = runner.invoke(app, ["rubric", "show", "five-basics"]).stdout
    edited = text.replace(
        'aliases = ["建强基本队伍", "基本队伍得分"]',
        'aliases = ["建强基本队伍", "基本队伍得分", "队伍建设"]',
    )
    edited = edited.replace('name = "A"\nmin_total = 90', 'name = "A"\nmin_total = 85')
    edited = edited.replace("max_share = 0.10", "max_share = 0.20")
    assert edited.count("队伍建设") == 1 and "min_total = 85" in edited
    mine = tmp_path / "本局规则.toml"
    mine.write_text(edited, "utf-8")
    assert runner.invoke(app, ["rubric", "check", str(mine)]).exit_code == 0

    result = runner.invoke(
        app,
        ["rate", str(ledger), "--rubric", str(mine), "--json", "-o", str(tmp_path / "out.xlsx")],
    )
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    grades = {b["name"]: b["category"] for b in doc["branches"]}
    # 20% of 12 is 2: 95 and 93 keep A; 90, 87 (now over 85) fall to B
    assert [n for n, g in grades.items() if g == "A"] == ["局机关第一党支部", "局机关第二党支部"]
    quota = doc["summary"]["quotas"][0]
    assert (quota["limit"], quota["candidates"]) == (2, 4)
    assert [m["name"] for m in quota["moved"]] == ["人民调解协会党支部", "局机关第三党支部"]


def test_rate_five_basics_json_keeps_specs_keys(tmp_path: Path) -> None:
    ledger = write_workbook(tmp_path / "定级.xlsx", [five_basics_sheet(HEFEI)])
    out = tmp_path / "定级.rated.xlsx"
    result = runner.invoke(
        app, ["rate", str(ledger), "--rubric", "five-basics", "--json", "--as-of", "2025-06-30"]
    )
    assert result.exit_code == 1  # claims of A moved by the cap
    doc = json.loads(result.stdout)
    assert doc["rubric"] == "five-basics"
    for b in doc["branches"]:
        assert SPEC_KEYS <= set(b) and set(b) - SPEC_KEYS == {
            "score",
            "scores",
            "claimed_score",
            "rank",
            "quota",
            "warning_codes",  # issue 10: the codes of the warnings, alongside
        }
    s = doc["summary"]
    assert list(s["by_stars"]) == ["0", "1", "2", "3", "4", "5"]
    assert s["by_category"] == {"A": 1, "B": 4, "C": 5, "D": 2}
    assert {
        "total",
        "by_stars",
        "by_category",
        "standard_count",
        "standard_rate",
        "mismatches",
        "quotas",
    } == set(s)

    book = openpyxl.load_workbook(out)
    sheet = book["附件1"]
    headers = [c.value for c in sheet[4]]  # merged down over the two header rows
    assert headers[-7:] == [
        "计算星级",
        "计算类别",
        "计算等次",
        "未达标方面",
        "核对结果",
        "计算总分",
        "排名",
    ]
    summary = [row[0] for row in book["汇总"].iter_rows(values_only=True)]
    assert any(isinstance(v, str) and v.startswith("A级名额：参评12个支部的10%") for v in summary)


def test_rate_star_points_in_the_terminal(tmp_path: Path) -> None:
    ledger = write_workbook(tmp_path / "积分.xlsx", [points_sheet(BRANCH_POINTS)])
    result = runner.invoke(
        app, ["rate", str(ledger), "--rubric", "star-points", "--as-of", "2025-05-31"]
    )
    assert result.exit_code == 1  # 北坡村 claims 2 stars, 1 after its 减星项 (at June); at May too
    out = result.stdout
    assert "规则：党支部“创星晋级”积分定星（star-points）" in out
    assert "得分计至5月；星级按3月底（季度末）的累计得分评定。" in out
    assert "排名（前6名，完整排名见汇总表）：" in out
    doc = json.loads(
        runner.invoke(
            app, ["rate", str(ledger), "--rubric", "star-points", "--as-of", "2025-06-30", "--json"]
        ).stdout
    )
    assert doc["summary"]["period"] == {"year": 2025, "months": 6, "star_months": 6}
    assert [b["rank"] for b in doc["branches"]] == [1, 2, 4, 5, 6, 2]


def test_rate_with_a_bad_rubric_file_exits_2(tmp_path: Path) -> None:
    ledger = write_workbook(tmp_path / "积分.xlsx", [points_sheet(BRANCH_POINTS)])
    bad = tmp_path / "坏.toml"
    bad.write_text("name = 'x'\nmax_stars = 'many'\n", "utf-8")
    result = runner.invoke(app, ["rate", str(ledger), "--rubric", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：文件“{bad}”：规则项 ")
    assert not (tmp_path / "积分.rated.xlsx").exists()


def test_rubric_help_has_examples() -> None:
    for args in (
        ["rubric", "--help"],
        ["rubric", "list", "--help"],
        ["rubric", "show", "--help"],
        ["rubric", "check", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "示例：branchctl rubric" in result.stdout
