"""A mistyped command line: one Chinese sentence on stderr and exit code 2, never click's box."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app, main
from tests.builders import (
    Layout,
    classification_sheet,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``main()`` in this process (fast), as the ``branchctl`` script runs it."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    out, err = capsys.readouterr()
    return code if isinstance(code, int) else (0 if code is None else 1), out, err


def _script(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process: ``python -m branchctl …``."""
    return subprocess.run(
        [sys.executable, "-m", "branchctl", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )


def _one_chinese_sentence(err: str) -> str:
    assert err.startswith("错误："), err
    for english in ("Usage:", "Error:", "Traceback", "Try ", "Did you mean", "Possible"):
        assert english not in err, err
    assert err.count("\n") == 1, err
    return err.strip()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["rate", "x.xlsx", "--ouput", "y.xlsx"],
            "错误：没有选项 --ouput，是不是要用 --out？用 branchctl rate --help 查看全部选项。",
        ),
        (["rate"], "错误：缺少参数 FILE（台账文件），用 branchctl rate --help 查看用法。"),
        (
            ["compare", "a.xlsx"],
            "错误：缺少参数 NEW（本期台账），用 branchctl compare --help 查看用法。",
        ),
        (
            ["rate", "x.xlsx", "--bottom", "-1"],
            "错误：选项 --bottom 的值“-1”无效：应为不小于 0 的整数。",
        ),
        (
            ["rate", "x.xlsx", "--bottom", "abc"],
            "错误：选项 --bottom 的值“abc”无效：应为不小于 0 的整数。",
        ),
        (
            ["collect", "报表/", "-o", "汇总.xlsx", "--jobs", "0"],
            "错误：选项 --jobs 的值“0”无效：应为不小于 1 的整数。",
        ),
        (
            ["validate", "报表/", "-j", "x"],
            "错误：选项 --jobs 的值“x”无效：应为不小于 1 的整数。",
        ),
        (
            ["template", "附件1", "--rows", "-5"],
            "错误：选项 --rows 的值“-5”无效：应为 1 到 5000 之间的整数。",
        ),
        (
            ["rat"],
            "错误：没有命令“rat”，是不是要用 rate？"
            "可用的命令：rate、compare、collect、template、notice、validate、rubric、archive。",
        ),
        (
            ["rubric", "shw"],
            "错误：没有命令“shw”，是不是要用 show？branchctl rubric 可用的子命令：list、show、check。",
        ),
        (
            ["collect", "报表/"],
            "错误：缺少选项 --out（汇总工作簿的输出路径），用 branchctl collect --help 查看用法。",
        ),
        (["rate", "x.xlsx", "-o"], "错误：选项 -o 后面缺少值，用 branchctl rate --help 查看用法。"),
        (["rate", "x.xlsx", "--json=1"], "错误：选项 --json 不带值，请去掉“=”及其后面的内容。"),
        (
            ["rate", "城关", "镇.xlsx"],
            "错误：多余的参数“镇.xlsx”（文件名含空格时请加引号），用 branchctl rate --help 查看用法。",
        ),
        (
            ["rate", "x.xlsx", "--version"],
            "错误：选项 --version 要写在命令名之前，如 branchctl --version。",
        ),
    ],
)
def test_usage_errors_are_one_chinese_sentence(capsys, args, expected):
    code, out, err = _main(capsys, *args)
    assert code == 2
    assert out == ""
    assert _one_chinese_sentence(err) == expected


def test_missing_command_lists_the_commands(capsys):
    code, _, err = _main(capsys, "--debug")
    assert code == 2
    assert "缺少命令" in _one_chinese_sentence(err) and "rate、compare" in err


def test_bare_branchctl_still_shows_the_help(capsys):
    code, out, err = _main(capsys)
    assert code == 2
    assert "Commands:" in out + err and "错误" not in err


def test_help_and_version(capsys):
    for args in (["--help"], ["-h"], ["rate", "--help"], ["rubric", "show", "-h"]):
        code, out, err = _main(capsys, *args)
        assert code == 0, err
        assert out.startswith("Usage: branchctl"), out
        assert err == ""
    code, out, _ = _main(capsys, "--version")
    assert code == 0 and out.startswith("branchctl ")
    for args in (["--help"], ["--version"]):
        result = _script(*args)
        assert result.returncode == 0 and result.stderr == ""
        assert result.stdout.startswith(("Usage: branchctl", "branchctl "))


def test_the_script_speaks_chinese():
    result = _script("rate", "x.xlsx", "--ouput", "y.xlsx")
    assert result.returncode == 2
    assert "没有选项 --ouput，是不是要用 --out？" in _one_chinese_sentence(result.stderr)
    assert result.stdout == ""


def test_command_list_lines_are_not_cut():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:")[1]
    assert "..." not in commands
    assert "notice    用模板生成通报" in commands


# ------------------------------------------------------------------------------- --debug


def test_debug_anywhere_on_the_command_line(tmp_path, capsys):
    missing = str(tmp_path / "没有.xlsx")
    for args in (["--debug", "rate", missing], ["rate", "--debug", missing]):
        code, _, err = _main(capsys, *args)
        assert code == 2
        assert "Traceback" in err  # --debug took effect
        assert err.rstrip().endswith("错误：文件“没有.xlsx”：文件不存在。")
    code, _, err = _main(capsys, "rate", missing)
    assert code == 2
    assert _one_chinese_sentence(err) == "错误：文件“没有.xlsx”：文件不存在。"
    result = _script("rate", missing, "--debug")  # as the clerk is told: add --debug and rerun
    assert result.returncode == 2
    assert "No such option" not in result.stderr and "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith("错误：文件“没有.xlsx”：文件不存在。")


def test_command_exit_codes_pass_through(tmp_path, capsys):
    records = sample_branches(6, seed=3)
    records[1] = with_wrong_claim(records[1], "星级")
    ledger = write_workbook(
        tmp_path / "台账.xlsx", [classification_sheet(records, Layout(), name="定级表")]
    )
    code, out, _ = _main(capsys, "rate", str(ledger), "--debug", "-o", str(tmp_path / "r.xlsx"))
    assert code == 1 and "台账" in out  # a mismatch: exit 1, as before
    code, out, _ = _main(capsys, "rubric", "check", "six-star")
    assert code == 0 and out.startswith("检查通过")
    code, _, err = _main(capsys, "rubric", "show", "没有这个规则")
    assert code == 2 and err.startswith("错误：")


# ------------------------------------------------------------------------------ template


def test_template_refuses_to_overwrite_a_filled_workbook(tmp_path):
    out = tmp_path / "old.xlsx"
    first = runner.invoke(app, ["template", "附件1", "-o", str(out)])
    assert first.exit_code == 0, first.output
    book = openpyxl.load_workbook(out)
    book.active["C20"] = "已填写的内容"
    book.save(out)
    before = out.read_bytes()

    again = runner.invoke(app, ["template", "附件2", "-o", str(out)])
    assert again.exit_code == 2
    assert again.stderr.strip() == (
        "错误：文件“old.xlsx”已存在，为免覆盖已填写的表格，请换一个文件名，或加 --force 覆盖。"
    )
    assert out.read_bytes() == before

    forced = runner.invoke(app, ["template", "附件2", "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_bytes() != before
    assert "已填写的内容" not in [
        c.value for row in openpyxl.load_workbook(out).active for c in row
    ]


def test_template_force_replaces_the_default_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["template", "附件1"]).exit_code == 0
    again = runner.invoke(app, ["template", "附件1"])
    assert again.exit_code == 2 and "--force" in again.stderr
    assert runner.invoke(app, ["template", "附件1", "--force"]).exit_code == 0


def test_system_and_toml_failures_are_said_in_chinese(tmp_path, capsys):
    """An output folder that cannot exist and a malformed rule file: the reason in Chinese, not
    the operating system's or the TOML reader's English."""
    ledger = write_workbook(tmp_path / "台账.xlsx", [classification_sheet(sample_branches(3))])
    (tmp_path / "是文件").write_text("x", encoding="utf-8")
    out = str(tmp_path / "是文件" / "退回")
    code, _, err = _main(capsys, "validate", str(ledger), "--annotate", out)
    assert code == 2 and "无法创建批注副本文件夹（路径中有一段不是文件夹）" in err
    rules = tmp_path / "规则.toml"
    rules.write_text('name = "x"\nmax_stars = \n', encoding="utf-8")
    code, _, err = _main(capsys, "rubric", "check", str(rules))
    assert code == 2 and "第2行第13列" in err and "写法有误" in err
    assert not any(word in err for word in ("Expected", "Not a directory", "line"))
