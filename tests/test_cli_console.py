"""What reaches the clerk's console: JSON as UTF-8 bytes on a GBK console (Chinese Windows),
terminal text that never crashes on a character the console cannot show, and escape sequences
from cell text or file names shown escaped, never acted on."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app, main
from branchctl.text import terminal_safe
from tests.builders import (
    Layout,
    classification_sheet,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()
RARE = "\U00020bb7"  # 𠮷, a 生僻字 outside GBK (and outside the Basic Multilingual Plane)
HOSTILE = "东街\x1b]0;已被改写\x07村\x1b[2J党支部\u202e"  # retitle the window, clear the screen
RAW = ("\x1b", "\x07", "\u202e")


def _ledger(path: Path, name: str, seed: int = 3, wrong: bool = True) -> Path:
    """A six-branch .xls ledger whose first branch is called ``name`` (and claims wrong stars)."""
    records = sample_branches(6, seed=seed, veto_rate=0)
    records[0] = records[0] | {"党支部名称": name}
    if wrong:
        records[0] = with_wrong_claim(records[0], "星级")
    return write_workbook(path, [classification_sheet(records, Layout(), name="定级表")])


def _run(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    """The real entry point with the console encoding of a Chinese Windows machine."""
    return subprocess.run(
        [sys.executable, "-m", "branchctl", *args],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": encoding},
        timeout=120,
    )


# ------------------------------------------------------------------------- GBK console


def test_json_is_utf8_bytes_on_a_gbk_console(tmp_path):
    ledger = _ledger(tmp_path / "城关镇.xls", f"{RARE}家村党支部")
    run = _run("rate", str(ledger), "--json", "-o", str(tmp_path / "r.xlsx"), encoding="gbk")
    assert run.returncode == 1, run.stderr.decode("gbk", "replace")  # a wrong claim, as usual
    assert run.stderr == b""
    assert RARE.encode("utf-8") in run.stdout  # F0 A0 AE B7, not "?" nor a GBK byte pair
    doc = json.loads(run.stdout.decode("utf-8"))
    assert doc["branches"][0]["name"] == f"{RARE}家村党支部"
    assert doc["summary"]["mismatches"] == 1


class GbkConsole:
    """stdout and stderr as on a Chinese Windows console: GBK, strict, bytes kept for reading."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.out, self.err = io.BytesIO(), io.BytesIO()
        monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(self.out, encoding="gbk"))
        monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(self.err, encoding="gbk"))

    def run(self, *args: str) -> tuple[int, bytes, bytes]:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        code = exited.value.code
        return (code if isinstance(code, int) else 0), self.out.getvalue(), self.err.getvalue()


def test_validate_json_is_utf8_bytes_on_a_gbk_console(tmp_path, monkeypatch):
    folder = tmp_path / "报表"
    _ledger(folder / f"{RARE}溪镇.xls", f"{RARE}家村党支部")
    console = GbkConsole(monkeypatch)
    code, out, err = console.run("validate", str(folder), "--json", "--as-of", "2025-06-30")
    assert code == 1 and err == b""
    doc = json.loads(out.decode("utf-8"))
    assert Path(doc["files"][0]["path"]).name == f"{RARE}溪镇.xls"


def test_terminal_text_replaces_what_a_gbk_console_cannot_show(tmp_path, monkeypatch):
    ledger = _ledger(tmp_path / "城关镇.xls", f"{RARE}家村党支部")
    console = GbkConsole(monkeypatch)
    code, out, err = console.run("rate", str(ledger), "-o", str(tmp_path / "r.xlsx"))
    assert code == 1 and err == b""
    text = out.decode("gbk")  # every byte is GBK: the console shows it
    assert "?家村党支部" in text and "自评与核算不符 1 个" in text


def test_error_sentence_on_a_gbk_console(tmp_path, monkeypatch):
    missing = tmp_path / f"{RARE}溪镇.xlsx"
    console = GbkConsole(monkeypatch)
    code, out, err = console.run("rate", str(missing))
    assert code == 2 and out == b""
    text = err.decode("gbk")
    assert text.startswith("错误：文件“") and text.endswith("?溪镇.xlsx”：文件不存在。\n")


# ------------------------------------------------------------------- escape sequences


def _shown_escaped(output: str) -> None:
    for char in RAW:
        assert char not in output, repr(output)
    assert "东街\\x1b]0;已被改写\\x07村\\x1b[2J党支部\\u202e" in output


def test_terminal_safe_keeps_text_and_line_breaks():
    assert terminal_safe("第一行\n第二行 A1") == "第一行\n第二行 A1"
    assert terminal_safe("a\x1b[31mb\x9bc\rd\te\udcff") == "a\\x1b[31mb\\x9bc\\x0dd\\x09e\\udcff"


def test_rate_shows_escapes_from_cells_escaped(tmp_path):
    ledger = _ledger(tmp_path / "城关镇.xls", HOSTILE)
    result = runner.invoke(app, ["rate", str(ledger), "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 1
    _shown_escaped(result.stdout)
    as_json = runner.invoke(app, ["rate", str(ledger), "--json", "-o", str(tmp_path / "r.xlsx")])
    for char in RAW:
        assert char not in as_json.stdout  # escaped inside the JSON strings, read back whole
    assert json.loads(as_json.stdout)["branches"][0]["name"] == HOSTILE


def test_validate_shows_escapes_from_cells_and_file_names_escaped(tmp_path):
    folder = tmp_path / "报表"
    _ledger(folder / "城关镇\x1b[8m.xls", HOSTILE)
    result = runner.invoke(app, ["validate", str(folder), "--as-of", "2025-06-30"])
    assert result.exit_code == 1
    _shown_escaped(result.stdout)
    assert "城关镇\\x1b[8m.xls" in result.stdout


def test_compare_shows_escapes_from_cells_escaped(tmp_path):
    old = _ledger(tmp_path / "一季度.xls", "东街村党支部", wrong=False)
    new = _ledger(tmp_path / "二季度.xls", HOSTILE, wrong=False)  # renamed: 撤销 and 新增
    result = runner.invoke(app, ["compare", str(old), str(new), "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    assert "新增的支部" in result.stdout
    _shown_escaped(result.stdout)


def test_collect_shows_escapes_from_cells_escaped(tmp_path):
    folder = tmp_path / "报表"
    _ledger(folder / "城关镇.xls", HOSTILE, seed=3, wrong=False)
    _ledger(folder / "青山乡.xls", HOSTILE, seed=3, wrong=False)  # the same branch twice
    result = runner.invoke(app, ["collect", str(folder), "-o", str(tmp_path / "汇总.xlsx")])
    assert result.exit_code == 1
    assert "重复的党支部" in result.stdout
    _shown_escaped(result.stdout)


@pytest.mark.parametrize("command", ["rate", "validate"])
def test_error_sentences_show_escapes_escaped(tmp_path, command):
    missing = tmp_path / "城关镇\x1b]0;x\x07.xlsx"
    result = runner.invoke(app, [command, str(missing)])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "城关镇\\x1b]0;x\\x07.xlsx" in result.stderr
