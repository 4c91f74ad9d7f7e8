"""`branchctl validate` as a county clerk uses it: a folder of township files in, a verdict out."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.reports.validation import validation_markdown, validation_text
from tests.builders import classification_sheet, sample_branches, with_wrong_claim, write_workbook
from tests.validate_helpers import AS_OF, RUBRIC, set_cell

runner = CliRunner()
AS_OF_ARG = ["--as-of", AS_OF.isoformat()]


@pytest.fixture()
def townships(tmp_path):
    """A folder with one clean submission and one to return for correction."""
    folder = tmp_path / "二季度"
    good = sample_branches(5, seed=61, small_branches=False, veto_rate=0)
    write_workbook(folder / "青山乡.xlsx", [classification_sheet(good)])
    bad = sample_branches(6, seed=62, small_branches=False, veto_rate=0)
    bad[2] = with_wrong_claim(bad[2], "星级")
    spec = classification_sheet(bad)
    set_cell(spec, 4, "基本活动", "基本达标")
    write_workbook(folder / "城关镇.xlsx", [spec])
    return folder


def _invoke(*args: str):
    return runner.invoke(app, ["validate", *args])


def test_json_is_exactly_the_library_report(townships):
    from branchctl.jobs.validate import validate_paths

    result = _invoke(str(townships), "--json", "--jobs", "1", *AS_OF_ARG)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    expected = validate_paths([townships], rubric=RUBRIC, as_of=AS_OF, jobs=1).report.to_json()
    assert data == expected
    assert data["summary"] == {"files": 2, "ok": 1, "errors": 2, "warnings": 0}
    city = data["files"][0]
    assert Path(city["path"]).name == "城关镇.xlsx" and city["ok"] is False
    assert [f["code"] for f in city["findings"]] == ["stars-mismatch", "bad-mark"]
    assert city["findings"][1]["value"] == "基本达标"


def test_terminal_view_and_exit_codes(townships):
    result = _invoke(str(townships), *AS_OF_ARG)
    assert result.exit_code == 1
    out = result.stdout
    for text in (
        "文件",
        "错误",
        "警告",
        "结论",
        "退回修改",
        "通过",
        "达标标记无效",
        "共检查 2 个文件",
    ):
        assert text in out
    clean = _invoke(str(townships / "青山乡.xlsx"), *AS_OF_ARG)
    assert clean.exit_code == 0 and "通过" in clean.stdout


def test_reports_and_annotated_copies(townships, tmp_path):
    out = tmp_path / "退回修改"
    for suffix in (".md", ".xlsx", ".json"):
        report = tmp_path / f"校验结果{suffix}"
        result = _invoke(
            str(townships), "--report", str(report), "--annotate", str(out), *AS_OF_ARG
        )
        assert result.exit_code == 1, result.output
        assert report.is_file() and f"已写出报告：{report}" in result.stdout
    assert "| 城关镇.xlsx |" not in (tmp_path / "校验结果.md").read_text("utf-8")  # full paths
    assert "`stars-mismatch`" in (tmp_path / "校验结果.md").read_text("utf-8")
    data = json.loads((tmp_path / "校验结果.json").read_text("utf-8"))
    assert data["summary"]["errors"] == 2
    wb = openpyxl.load_workbook(tmp_path / "校验结果.xlsx")
    assert wb.sheetnames == ["校验结果", "文件汇总"]
    ws = wb["校验结果"]
    assert ws.auto_filter.ref == "A1:J3"
    assert [c.value for c in ws[1]][:6] == ["文件", "工作表", "行", "列", "单元格", "级别"]
    assert ws["J2"].value == "stars-mismatch"
    assert sorted(p.name for p in out.iterdir()) == ["城关镇.checked.xlsx"]
    assert not list(townships.glob("*.checked.xlsx"))  # inputs' folder untouched


@pytest.mark.parametrize(
    "args, message",
    [
        (["没有这个文件夹"], "路径不存在"),
        (["{folder}", "--rubric", "no-such-rubric"], "没有名为"),
        (["{folder}", "--as-of", "尽快"], "--as-of"),
        (["{folder}", "--report", "{folder}/城关镇.xlsx"], "输出文件不能与输入文件相同"),
        (["{empty}"], "没有找到工作簿"),
    ],
)
def test_run_that_cannot_go_is_exit_two(townships, tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    args = [a.format(folder=townships, empty=tmp_path / "empty") for a in args]
    result = _invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_bad_option_is_exit_two(townships):
    assert _invoke(str(townships), "--jobs", "0").exit_code == 2


def test_help_has_an_example_and_exit_codes():
    result = runner.invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    for text in ("示例", "退出码", "--annotate", "--report", "--jobs"):
        assert text in result.stdout


def test_text_builders_return_strings(townships):
    from branchctl.jobs.validate import validate_paths

    report = validate_paths([townships], rubric=RUBRIC, as_of=AS_OF, jobs=1).report
    text = validation_text(report, limit=1)
    assert "……另有 1 条" in text
    md = validation_markdown(report)
    assert md.startswith("# 乡镇报表校验结果") and "| 文件 | 错误 | 警告 | 结论 |" in md


def test_our_own_copies_are_not_submissions_and_annotate_may_share_the_folder(townships):
    rated = runner.invoke(app, ["rate", str(townships / "青山乡.xlsx")])
    assert rated.exit_code == 0 and (townships / "青山乡.rated.xlsx").exists()
    result = _invoke(str(townships), "--json", *AS_OF_ARG, "--annotate", str(townships))
    assert result.exit_code == 1, result.output
    names = sorted(Path(f["path"]).name for f in json.loads(result.stdout)["files"])
    assert names == ["城关镇.xlsx", "青山乡.xlsx"]
    assert (townships / "城关镇.checked.xlsx").exists()
    again = _invoke(str(townships), "--json", *AS_OF_ARG)
    assert len(json.loads(again.stdout)["files"]) == 2  # the .checked copy is not checked


def test_a_blank_form_is_returned(tmp_path):
    path = write_workbook(tmp_path / "空白.xlsx", [classification_sheet([])])
    result = _invoke(str(path), "--json", *AS_OF_ARG)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert [f["code"] for f in findings] == ["form-empty"]
    assert "没有填写任何党支部" in findings[0]["message"]
