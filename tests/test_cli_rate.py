"""`branchctl rate` as a clerk uses it: real workbooks in, JSON, summary and annotated copy out."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from tests.builders import (
    Layout,
    classification_sheet,
    expected_rating,
    instructions_sheet,
    read_sheet,
    sample_branches,
    scratch_sheet,
    with_claims,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _messy_ledger(
    tmp_path: Path, suffix: str = ".xlsx", n: int = 30, wrong: dict[int, str] | None = None
):
    records = sample_branches(n, seed=11)
    for i, column in (wrong or {}).items():
        records[i] = with_wrong_claim(records[i], column)
    records[7] = with_claims(records[7] | {"负面清单": "发生违纪违法问题"})
    records[2]["备注"] = "=请核实党员人数"
    spec = classification_sheet(records, Layout.messy(), name="定级表")
    path = write_workbook(
        tmp_path / f"青山乡{suffix}", [instructions_sheet(), spec, scratch_sheet()]
    )
    return path, spec, records


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_rate_json_matches_the_rubric(tmp_path, suffix):
    path, spec, records = _messy_ledger(
        tmp_path, suffix, wrong={4: "星级", 9: "定级类别", 13: "等次"}
    )
    before = _digest(path)
    result = runner.invoke(app, ["rate", str(path), "--json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["rubric"] == "six-star"
    branches = doc["branches"]
    assert [b["row"] for b in branches] == spec.data_rows
    for b, record in zip(branches, records, strict=True):
        assert b["name"] == record["党支部名称"].strip()
        assert (b["stars"], b["category"], b["level"]) == expected_rating(record)
        assert b["sheet"] == "定级表"
    assert doc["summary"]["total"] == len(records)
    assert doc["summary"]["mismatches"] == 3
    assert branches[7]["veto"] == "发生违纪违法问题"
    assert branches[7]["stars"] == 0
    assert sum(doc["summary"]["by_stars"].values()) == len(records)
    assert set(doc["summary"]["by_stars"]) == {str(i) for i in range(7)}
    assert _digest(path) == before, "the input must never change"
    out = path.with_name(f"{path.stem}.rated.xlsx")
    assert out.exists()


def test_annotated_copy_keeps_every_value(tmp_path):
    path, spec, records = _messy_ledger(tmp_path, wrong={4: "星级"})
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["rate", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert "自评与核算不符 1 个" in result.stdout
    original = read_sheet(path, "定级表")
    rated = read_sheet(out, "定级表")
    for r, row in enumerate(original.rows):
        for c, value in enumerate(row):
            assert rated.rows[r][c] == value, (r, c)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["填表说明", "定级表", "Sheet3", "汇总"]
    assert book["Sheet3"].sheet_state == "hidden"
    ws = book["定级表"]
    header_row = spec.header_rows[0]  # merged down over both header rows
    last = max(spec.columns.values()) + 1
    headers = [ws.cell(header_row, last + 1 + i).value for i in range(5)]
    assert headers == ["计算星级", "计算类别", "计算等次", "未达标方面", "核对结果"]
    first = spec.data_rows[0]
    stars, category, level = expected_rating(records[0])
    assert ws.cell(first, last + 1).value == stars
    assert ws.cell(first, last + 2).value == category
    # the claimed stars cell of the wrong claim is highlighted with a comment
    wrong_cell = ws[spec.ref(4, "星级")]
    assert wrong_cell.comment is not None and "核算" in wrong_cell.comment.text
    # text that looks like a formula stays text
    note = ws[spec.ref(2, "备注")]
    assert note.value == "=请核实党员人数" and note.data_type == "s"
    summary = book["汇总"]
    texts = [c.value for row in summary.iter_rows() for c in row if c.value is not None]
    assert "星级" in texts and "定级类别" in texts and "所属党组织" in texts
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_clean_ledger_exits_zero_with_chinese_summary(tmp_path):
    records = sample_branches(20, seed=2, veto_rate=0)
    path = write_workbook(tmp_path / "城关镇.xlsx", [classification_sheet(records, Layout())])
    result = runner.invoke(app, ["rate", str(path)])
    assert result.exit_code == 0, result.output
    assert "参评支部 20 个" in result.stdout
    assert "已写出批注工作簿" in result.stdout


def test_output_equal_to_input_is_refused(tmp_path):
    path, _, _ = _messy_ledger(tmp_path)
    before = _digest(path)
    result = runner.invoke(app, ["rate", str(path), "-o", str(path)])
    assert result.exit_code == 2
    assert "不能与输入文件相同" in result.stderr
    assert _digest(path) == before


def test_missing_file_is_one_sentence(tmp_path):
    result = runner.invoke(app, ["rate", str(tmp_path / "没有.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"错误：文件“{tmp_path / '没有.xlsx'}”")
    assert "Traceback" not in result.stderr


def test_no_form_is_exit_two(tmp_path):
    path = write_workbook(tmp_path / "说明.xlsx", [instructions_sheet()])
    result = runner.invoke(app, ["rate", str(path)])
    assert result.exit_code == 2
    assert "没有找到可评定的表格" in result.stderr


def test_bad_mark_names_the_cell(tmp_path):
    records = sample_branches(6, seed=4)
    spec = classification_sheet(records, Layout())
    spec.rows[spec.data_rows[3] - 1][spec.columns["基本活动"]] = "基本达标"
    path = write_workbook(tmp_path / "t.xlsx", [spec])
    result = runner.invoke(app, ["rate", str(path), "--json"])
    assert result.exit_code == 2
    assert spec.ref(3, "基本活动") in result.stderr
    assert result.stdout == ""


def test_version_and_help_do_not_load_pandas():
    code = "import sys; from branchctl.cli.app import app; assert 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "评定" in result.stdout
    assert runner.invoke(app, ["--version"]).stdout.startswith("branchctl ")


def test_every_hostile_file_ends_in_one_chinese_sentence(tmp_path, hostile_files):
    """Each hostile file, rated by the real command in its own memory-capped process."""
    import resource

    def cap() -> None:
        limit = 1536 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    runs = []
    for i, (name, (path, _code)) in enumerate(hostile_files.items()):
        before = _digest(path) if path.is_file() else None
        out = tmp_path / f"out{i}.xlsx"
        proc = subprocess.Popen(
            [sys.executable, "-m", "branchctl", "rate", str(path), "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=cap,
        )
        runs.append((name, path, before, out, proc))
    for name, path, before, out, proc in runs:
        stdout, stderr = proc.communicate(timeout=60)
        text = stderr.decode("utf-8")
        assert proc.returncode == 2, (name, text)
        assert text.startswith("错误：") and text.count("\n") == 1, (name, text)
        assert "Traceback" not in text and path.name in text, (name, text)
        assert stdout == b"", name
        assert not out.exists(), name
        if before is not None:
            assert _digest(path) == before, name


def test_blank_form_and_our_own_copy_are_not_rated(tmp_path):
    blank = classification_sheet([], Layout())
    path = write_workbook(tmp_path / "空白.xlsx", [blank])
    result = runner.invoke(app, ["rate", str(path)])
    assert result.exit_code == 2
    assert "没有填写任何党支部" in result.stderr
    records = sample_branches(5, seed=8)
    source = write_workbook(tmp_path / "城关镇.xlsx", [classification_sheet(records, Layout())])
    assert runner.invoke(app, ["rate", str(source)]).exit_code == 0
    again = runner.invoke(
        app, ["rate", str(tmp_path / "城关镇.rated.xlsx"), "-o", str(tmp_path / "x.xlsx")]
    )
    assert again.exit_code == 2
    assert "批注工作簿" in again.stderr and not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("mark", ["V", "○", "★", "☆", "☑"])
def test_a_mark_outside_the_spec_is_refused_naming_its_cell(tmp_path, mark):
    """SPEC §2 lists the marks exactly: ○ (基本达标 to some clerks, 未达标 to others), the star
    symbols ★ and ☆ (in 星级, ☆☆☆ counts three stars) and V are none of them."""
    records = sample_branches(3, seed=9, veto_rate=0)
    spec = classification_sheet(records, Layout())
    spec.rows[spec.data_rows[1] - 1][spec.columns["基本活动"]] = mark
    spec.rows[spec.data_rows[2] - 1][spec.columns["发挥作用"]] = mark
    path = write_workbook(tmp_path / "t.xlsx", [spec])
    result = runner.invoke(app, ["rate", str(path), "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert spec.ref(1, "基本活动") in result.stderr and spec.ref(2, "发挥作用") in result.stderr
    assert f"“{mark}”" in result.stderr
    checked = json.loads(runner.invoke(app, ["validate", str(path), "--json"]).stdout)
    bad = [f["cell"] for f in checked["files"][0]["findings"] if f["code"] == "bad-mark"]
    assert bad == [spec.ref(1, "基本活动"), spec.ref(2, "发挥作用")]
