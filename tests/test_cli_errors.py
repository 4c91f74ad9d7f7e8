"""A mistyped command line: one Chinese sentence on stderr and exit code 2, never click's box."""

from __future__ import annotations

import json
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
        (
            ["rate"],
            "错误：缺少参数 PATHS（台账文件、文件夹或汇总台账，可写多个），用 branchctl rate --help 查看用法。",
        ),
        (
            ["compare", "a.xlsx"],
            "错误：缺少参数 NEW（本期台账、汇总台账或报表文件夹），用 branchctl compare --help 查看用法。",
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
            ["compare", "一季度.xlsx", "城关", "镇.xlsx"],
            "错误：多余的参数“镇.xlsx”（文件名含空格时请加引号），用 branchctl compare --help 查看用法。",
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
    assert out == "" and err.startswith("用法：branchctl [选项] 命令") and "命令：" in err


def test_help_and_version(capsys):
    for args in (["--help"], ["-h"], ["rate", "--help"], ["rubric", "show", "-h"]):
        code, out, err = _main(capsys, *args)
        assert code == 0, err
        assert out.startswith("用法：branchctl"), out
        assert err == ""
    code, out, _ = _main(capsys, "--version")
    assert code == 0 and out.startswith("branchctl ")
    for args in (["--help"], ["--version"]):
        result = _script(*args)
        assert result.returncode == 0 and result.stderr == ""
        assert result.stdout.startswith(("用法：branchctl", "branchctl "))


def test_the_script_speaks_chinese():
    result = _script("rate", "x.xlsx", "--ouput", "y.xlsx")
    assert result.returncode == 2
    assert "没有选项 --ouput，是不是要用 --out？" in _one_chinese_sentence(result.stderr)
    assert result.stdout == ""


def test_command_list_lines_are_not_cut():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = result.stdout.split("命令：")[-1]
    assert "..." not in commands
    assert "notice    用模板生成通报" in commands


# ------------------------------------------------------------------------------- --debug


def test_debug_anywhere_on_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = "二季度/没有.xlsx"  # named as given, with its folder
    for args in (["--debug", "rate", missing], ["rate", "--debug", missing]):
        code, _, err = _main(capsys, *args)
        assert code == 2
        assert "Traceback" in err  # --debug took effect
        assert err.rstrip().endswith("错误：文件“二季度/没有.xlsx”：文件不存在。")
    code, _, err = _main(capsys, "rate", missing)
    assert code == 2
    assert _one_chinese_sentence(err) == "错误：文件“二季度/没有.xlsx”：文件不存在。"
    result = _script("rate", missing, "--debug")  # as the clerk is told: add --debug and rerun
    assert result.returncode == 2
    assert "No such option" not in result.stderr and "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith("错误：文件“二季度/没有.xlsx”：文件不存在。")


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


# ------------------------------------------------------- full-width options, values twice


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (["－o", "结果.xlsx"], "-o"),  # full-width hyphen-minus
        (["－ｏ", "结果.xlsx"], "-o"),  # full-width letter too
        (["——out", "结果.xlsx"], "--out"),  # a Chinese input method's 破折号
        (["—out", "结果.xlsx"], "--out"),  # a word processor's em dash for "--"
        (["–o", "结果.xlsx"], "-o"),  # en dash
        (["－－json"], "--json"),
        (["--out＝结果.xlsx"], "--out=结果.xlsx"),  # full-width equals sign
        (["－o＝结果.xlsx"], "-o 结果.xlsx"),  # a short option takes its value after a space
    ],
)
def test_full_width_options_say_what_to_type(capsys, typed, meant):
    code, out, err = _main(capsys, "rate", "城关镇.xlsx", *typed)
    assert code == 2 and out == ""
    assert _one_chinese_sentence(err) == (
        f"错误：“{typed[0]}”里有全角字符或中文破折号，选项要用半角（英文输入法）输入，"
        f"请写成 {meant}。"
    )
    assert "空格" not in err  # not the hint about file names with spaces


@pytest.mark.parametrize(
    ("command", "typed", "meant"),
    [
        ("rate", ["-o=结果.xlsx"], "-o 结果.xlsx 或 --out=结果.xlsx"),
        ("validate", ["-j=2"], "-j 2 或 --jobs=2"),
    ],
)
def test_a_short_option_with_an_equals_sign_says_what_to_type(capsys, command, typed, meant):
    """click would take "=结果.xlsx" for the file name and write a file of that name."""
    code, out, err = _main(capsys, command, "城关镇.xlsx", *typed)
    assert code == 2 and out == ""
    assert _one_chinese_sentence(err) == (
        f"错误：“{typed[0]}”：短选项 {typed[0][:2]} 后面不加等号，请写成 {meant}。"
    )


def test_full_width_text_that_is_not_an_option_is_left_alone(tmp_path, capsys):
    """A file name with full-width characters, or a value, is not taken for an option."""
    monkey_name = str(tmp_path / "－城关镇（１）.xlsx")
    code, _, err = _main(capsys, "rate", monkey_name)
    assert code == 2 and "文件不存在" in err


@pytest.mark.parametrize(
    ("args", "option", "values"),
    [
        (["rate", "x.xlsx", "-o", "a.xlsx", "-o", "b.xlsx"], "--out", "“a.xlsx”、“b.xlsx”"),
        (["rate", "x.xlsx", "-oa.xlsx", "--out=b.xlsx"], "--out", "“a.xlsx”、“b.xlsx”"),
        (
            ["validate", "报表/", "--rubric", "six-star", "--rubric", "five-basics"],
            "--rubric",
            "“six-star”、“five-basics”",
        ),
        (["collect", "报表/", "-o", "a.xlsx", "-j", "2", "--jobs", "4"], "--jobs", "“2”、“4”"),
        (["template", "附件1", "--rows", "10", "--rows", "20"], "--rows", "“10”、“20”"),
    ],
)
def test_an_option_given_twice_is_not_silently_dropped(capsys, args, option, values):
    code, out, err = _main(capsys, *args)
    assert code == 2 and out == ""
    assert _one_chinese_sentence(err) == (
        f"错误：选项 {option} 只能给一个值，这里给了多次（{values}），请只保留一个。"
    )


def test_options_that_take_many_values_take_them_all(tmp_path, capsys):
    ledger = write_workbook(tmp_path / "台账.xlsx", [classification_sheet(sample_branches(4))])
    source = tmp_path / "模板.md"
    source.write_text("{{ 发文机关 }}：{{ 联系电话 }}\n", encoding="utf-8")
    out = tmp_path / "通知.md"
    code, _, err = _main(
        capsys,
        "notice", str(source), "--like", "通报", "--data", str(ledger), "-o", str(out),
        "--set", "发文机关=中共某县委组织部", "--set", "联系电话=0538-1234567",
    )  # fmt: skip
    assert code == 0, err
    assert "中共某县委组织部：0538-1234567" in out.read_text("utf-8")


# ----------------------------------------------------------------- paths as given


def test_paths_are_named_as_given_with_their_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _main(capsys, "rate", "二季度/城关镇_规范台帐.xlsx")
    assert code == 2
    assert _one_chinese_sentence(err) == "错误：文件“二季度/城关镇_规范台帐.xlsx”：文件不存在。"
    write_workbook(tmp_path / "台账.xlsx", [classification_sheet(sample_branches(3))])
    missing_folder = "三季度/评定结果.xlsx"
    for args in (
        ["rate", "台账.xlsx", "-o", missing_folder],
        ["collect", "台账.xlsx", "-o", missing_folder],
        ["validate", "台账.xlsx", "--report", missing_folder],
        ["compare", "台账.xlsx", "台账.xlsx", "-o", missing_folder],
    ):
        code, out, err = _main(capsys, *args)
        assert code == 2, args
        assert err.splitlines()[-1] == (
            "错误：文件“三季度/评定结果.xlsx”：文件夹“三季度”不存在，"
            "请先建好这个文件夹，或换一个输出位置。"
        ), args
        assert not (tmp_path / "三季度").exists()


def test_comparing_a_file_with_itself_warns(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_workbook(tmp_path / "二季度.xlsx", [classification_sheet(sample_branches(5))])
    code, out, err = _main(capsys, "compare", "二季度.xlsx", "./二季度.xlsx", "-o", "c.xlsx")
    assert code == 0
    assert err == (
        "提示：上期和本期是同一个文件“二季度.xlsx”，对比结果将全部持平，请检查是否选错了文件。\n"
    )
    assert "持平 5 个" in out
    (tmp_path / "副本.xlsx").write_bytes((tmp_path / "二季度.xlsx").read_bytes())
    code, out, err = _main(capsys, "compare", "二季度.xlsx", "副本.xlsx", "-o", "c.xlsx", "--json")
    assert code == 0 and json.loads(out)["summary"]["持平"] == 5
    assert err.startswith("提示：上期和本期两个文件“二季度.xlsx”和“副本.xlsx”内容完全相同")


# ------------------------------------------------------------------ the shared handler


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        (
            RuntimeError("坏了"),
            2,
            "错误：程序内部出错（RuntimeError: 坏了），请加 --debug 重新运行并反馈。\n",
        ),
        (MemoryError(), 2, "错误：文件过大，内存不足，无法处理。\n"),
        (KeyboardInterrupt(), 130, "已中断，未写出任何不完整的文件。\n"),
    ],
)
def test_every_failure_ends_in_one_sentence(tmp_path, capsys, monkeypatch, raised, code, said):
    """Whatever goes wrong inside a job, the clerk gets one sentence and the documented code."""
    import branchctl.jobs.rate

    def fail(*args, **kwargs):
        raise raised

    monkeypatch.setattr(branchctl.jobs.rate, "rate_file", fail)
    got, out, err = _main(capsys, "rate", str(tmp_path / "台账.xlsx"))
    assert (got, out, err) == (code, "", said)


def test_progress_goes_to_a_terminal_only(tmp_path):
    """On a terminal stderr shows the stages and a bar; piped, stdout and stderr stay clean."""
    import pty

    folder = tmp_path / "报表"
    for i in range(3):
        write_workbook(folder / f"乡镇{i}.xlsx", [classification_sheet(sample_branches(3, seed=i))])
    args = [sys.executable, "-m", "branchctl", "validate", str(folder), "-j", "1"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    leader, follower = pty.openpty()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower, env=env) as proc:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child has gone
                break
            if not chunk:
                break
            seen += chunk
        out = proc.stdout.read() if proc.stdout else b""
    os.close(leader)
    assert proc.returncode in (0, 1)
    assert "校验 [##########".encode() in seen and b"3/3" in seen
    assert b"\x1b[K" not in out and "共检查 3 个文件".encode() in out
    piped = subprocess.run(args, capture_output=True, env=env, timeout=60)
    assert piped.stderr == b"" and b"\x1b" not in piped.stdout


@pytest.mark.parametrize("args", [["rubric", "show", "six-star"], ["rubric", "list", "--json"]])
def test_a_reader_that_goes_away_is_no_error(args):
    """`branchctl … | head -1`: the pipe closes early; no traceback, no sentence."""
    with subprocess.Popen(
        [sys.executable, "-m", "branchctl", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # before the child has written anything
        err = proc.stderr.read()
    assert proc.returncode == 0 and err == b""


@pytest.mark.parametrize("where", ["input", "rubric", "annotate"])
def test_a_name_the_system_refuses_as_too_long_is_named_not_called_a_bug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """A path over the system's limit (255 bytes a name) is the clerk's to shorten: the sentence
    names it and says why, not "程序内部出错…请反馈" as if the tool were broken."""
    ledger = write_workbook(
        tmp_path / "城关镇.xlsx", [classification_sheet(sample_branches(3, seed=2))]
    )
    long = str(tmp_path / ("长" * 120 + ".xlsx"))  # 360 bytes in UTF-8
    args = {
        "input": ["rate", long],
        "rubric": ["rate", str(ledger), "--rubric", long],
        "annotate": ["rate", str(ledger), str(ledger), "--annotate", long],
    }[where]
    code, _, err = _main(capsys, *args)
    assert code == 2
    sentence = _one_chinese_sentence(err)
    assert "文件名或路径太长" in sentence and "程序内部出错" not in sentence
