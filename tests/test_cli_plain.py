"""`branchctl rate LEDGER -o OUT --json` and `branchctl validate DIR --json`, the commonest
command lines, run without typer and click, and mean exactly what click would make of them;
anything less plain still goes to click."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import branchctl.cli.rate
import branchctl.cli.validate
from branchctl.cli.app import app
from branchctl.cli.plain import (
    RATE_DEFAULTS,
    RATE_OPTIONS,
    VALIDATE_DEFAULTS,
    VALIDATE_OPTIONS,
    rate_arguments,
    validate_arguments,
)
from tests.builders import (
    Layout,
    classification_sheet,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()

# What a clerk's `rate` of one township file must not load: the other commands, the county's
# machinery, the documents, and the heavy libraries that only they or large files need.
NOT_FOR_A_TOWNSHIP_FILE = (
    "typer",
    "numpy",
    "xlsxwriter",
    "docx",
    "docxtpl",
    "jinja2",
    "tabulate",
    "wcwidth",
    "olefile",
    "branchctl.cli.root",
    "branchctl.cli.archive",
    "branchctl.cli.notice",
    "branchctl.cli.validate",
    "branchctl.jobs.county",
    "branchctl.jobs.validate",
    "branchctl.documents",
    "branchctl.archive",
)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    records = sample_branches(12, seed=5)
    records[3] = with_wrong_claim(records[3], "星级")
    return write_workbook(
        tmp_path / "城关镇.xlsx", [classification_sheet(records, Layout.messy(), name="定级表")]
    )


def _run(argv: list[str]) -> tuple[int, bytes, list[str]]:
    """``branchctl ARGV`` in a fresh process: exit code, stdout, and which of
    NOT_FOR_A_TOWNSHIP_FILE it loaded."""
    code = (
        "import sys\n"
        "from branchctl.cli.app import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        f"loaded = [m for m in {NOT_FOR_A_TOWNSHIP_FILE!r} if m in sys.modules]\n"
        "print(code, *loaded, file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, check=True)
    exit_code, *loaded = run.stderr.decode("utf-8").strip().splitlines()[-1].split()
    return int(exit_code), run.stdout, loaded


def test_rating_a_township_file_loads_only_what_rating_needs(ledger, tmp_path):
    plain, spelt = tmp_path / "plain", tmp_path / "spelt"
    plain.mkdir(), spelt.mkdir()
    code, stdout, loaded = _run(["rate", str(ledger), "-o", str(plain / "a.xlsx"), "--json"])
    assert (code, loaded) == (1, [])
    doc = json.loads(stdout)
    assert doc["summary"]["total"] == 12 and doc["summary"]["mismatches"] == 1
    # the same command line as click reads it (``--out=`` is not plain): the same result
    code, again, loaded = _run(["rate", str(ledger), f"--out={spelt / 'a.xlsx'}", "--json"])
    assert code == 1 and "typer" in loaded
    assert again == stdout
    assert (spelt / "a.xlsx").read_bytes() == (plain / "a.xlsx").read_bytes()


@pytest.mark.parametrize(
    "argv",
    [
        ["rate", "L.xlsx"],
        ["rate", "L.xlsx", "-o", "out.xlsx", "--json"],
        ["--debug", "rate", "--json", "L.xlsx", "--out", "结果.xlsx"],
        ["rate", "a.xlsx", "b.xlsx", "--bottom", "10", "--by", "来源文件", "-j", "1"],
        ["rate", "二季度报表", "--annotate", "退回", "--rubric", "five-basics", "--jobs", "02"],
        ["rate", "L.xlsx", "--as-of", "2025年6月30日", "--bottom", "0"],
        ["rate", "（１）城关镇.xlsx", "-o", "a＝b.xlsx"],  # full-width, but no option
    ],
)
def test_a_plain_command_line_means_what_click_makes_of_it(argv, monkeypatch):
    seen: dict[str, Any] = {}

    def run_rate(*args: Any) -> int:
        seen.update(zip(["paths", *RATE_DEFAULTS], args, strict=True))
        return 0

    monkeypatch.setattr(branchctl.cli.rate, "run_rate", run_rate)
    assert runner.invoke(app, argv).exit_code == 0
    read = rate_arguments(argv)
    assert read is not None
    assert read == (argv[0] == "--debug", seen)


@pytest.mark.parametrize(
    "argv",
    [
        ["rate"],  # no file: click says which argument is missing
        ["rate", "--help"],
        ["rate", "L.xlsx", "-h"],
        ["--version"],
        ["validate", "报表"],
        ["rat", "L.xlsx"],
        ["rate", "L.xlsx", "-o", "a.xlsx", "-o", "b.xlsx"],  # given twice: refused by name
        ["rate", "L.xlsx", "--json", "--json"],
        ["rate", "L.xlsx", "－o", "a.xlsx"],  # a full-width dash: said so in Chinese
        ["rate", "L.xlsx", "—json"],
        ["rate", "L.xlsx", "--out=a.xlsx"],
        ["rate", "L.xlsx", "-oa.xlsx"],
        ["rate", "L.xlsx", "-o"],
        ["rate", "L.xlsx", "-o", "--json"],
        ["rate", "L.xlsx", "--bottom", "-1"],
        ["rate", "L.xlsx", "--bottom", "+3"],
        ["rate", "L.xlsx", "--jobs", "0"],
        ["rate", "L.xlsx", "--nope"],
        ["rate", "--", "-L.xlsx"],
        ["rate", ""],  # click reads an empty path as the current folder
        ["rate", "-"],
    ],
)
def test_anything_less_plain_goes_to_click(argv):
    assert rate_arguments(argv) is None


@pytest.mark.parametrize(
    ("name", "options", "defaults"),
    [("rate", RATE_OPTIONS, RATE_DEFAULTS), ("validate", VALIDATE_OPTIONS, VALIDATE_DEFAULTS)],
)
def test_the_plain_options_are_the_command_s_own(name, options, defaults):
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    spellings = {}
    for param in command.params:
        if param.param_type_name != "option" or param.name == "help":
            continue
        assert defaults[param.name] == param.default, param.name
        if param.is_flag:
            takes: str | int = "flag"
        elif getattr(param.type, "min", None) is not None:
            takes = param.type.min
        elif param.type.name == "path":
            takes = "path"
        else:
            takes = "text"
        spellings |= {opt: (param.name, takes) for opt in param.opts + param.secondary_opts}
    assert spellings == options
    assert set(defaults) == {p.name for p in command.params} - {"paths", "help"}


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "报表"],
        ["validate", "报表", "--json", "--as-of", "2025-06-30"],
        [
            "--debug",
            "validate",
            "a.xlsx",
            "b.xls",
            "--annotate",
            "退回修改",
            "--report",
            "结果.xlsx",
        ],
        ["validate", "报表", "--rubric", "hundred-points", "-j", "1", "--json"],
    ],
)
def test_a_plain_validate_line_means_what_click_makes_of_it(argv, monkeypatch):
    seen: dict[str, Any] = {}

    def run_validate(*args: Any) -> int:
        seen.update(zip(["paths", *VALIDATE_DEFAULTS], args, strict=True))
        return 0

    monkeypatch.setattr(branchctl.cli.validate, "run_validate", run_validate)
    assert runner.invoke(app, argv).exit_code == 0
    assert validate_arguments(argv) == (argv[0] == "--debug", seen)
    assert rate_arguments(argv) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],
        ["validate", "报表", "--help"],
        ["validate", "报表", "--json", "--json"],
        ["validate", "报表", "--as-of=2025-06-30"],
        ["validate", "报表", "-o", "a.xlsx"],  # rate's option, not validate's
        ["validate", "报表", "--jobs", "0"],
        ["rate", "L.xlsx"],
    ],
)
def test_a_less_plain_validate_line_goes_to_click(argv):
    assert validate_arguments(argv) is None


def test_validating_a_folder_does_not_load_typer(ledger, tmp_path):
    folder = ledger.parent
    code, stdout, loaded = _run(["validate", str(folder), "--json", "--as-of", "2025-06-30"])
    assert code == 1 and "typer" not in loaded
    doc = json.loads(stdout)
    assert doc["summary"]["files"] == 1 and doc["summary"]["errors"] >= 1
    # as click reads the same command (``--as-of=`` is not plain): the same document
    code, again, loaded = _run(["validate", str(folder), "--json", "--as-of=2025-06-30"])
    assert code == 1 and "typer" in loaded
    assert again == stdout
