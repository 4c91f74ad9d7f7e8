"""validate --json on a county's folder: each file's entry is made into JSON text in the worker
that read it, and the main process joins the text. The document must be the very bytes that
encoding it whole gives (json.dumps, then made terminal-safe), whatever the findings hold."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.findings.catalogue import finding
from branchctl.findings.model import FileReport, ValidationReport
from branchctl.text import json_safe
from tests.builders import (
    Layout,
    classification_sheet,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)


def _reports() -> list[FileReport]:
    odd = "城关镇\x1b[31m党支部\u202e\t“引号”\\"  # an escape sequence, a bidi override, a tab
    return [
        FileReport("a/城关镇.xlsx", []),
        FileReport(
            "b/青山乡.xlsx",
            [
                finding(
                    "bad-mark",
                    sheet="附件1",
                    row=7,
                    column="基本组织",
                    cell="K7",
                    value=odd,
                    hint=odd,
                ),
                finding(
                    "required-blank", sheet=odd, row=8, column="党支部名称", cell="D8", extra=""
                ),
            ],
        ),
        FileReport("c/河西\x07街道.xlsx", [finding("file-unreadable", reason="压缩结构损坏")]),
    ]


def _whole(report: ValidationReport) -> str:
    return json_safe(json.dumps(report.to_json(), ensure_ascii=False))


def test_joined_text_is_the_whole_document_encoded() -> None:
    plain = ValidationReport(_reports(), [("x.rated.xlsx", "本工具写出的\x1b评定批注副本")])
    encoded = ValidationReport([r.encoded() for r in _reports()], plain.skipped)
    assert encoded.json_text() == plain.json_text() == _whole(plain)
    assert encoded.to_json() == plain.to_json()  # read back for a small batch's indented JSON
    assert encoded.summary() == plain.summary() == {"files": 3, "ok": 1, "errors": 3, "warnings": 0}
    assert "\x1b" not in encoded.json_text() and "\\u001b" in encoded.json_text()
    empty = ValidationReport([])
    assert empty.json_text() == _whole(empty)


def test_a_county_folder_and_a_few_files_print_as_before(tmp_path: Path) -> None:
    """Past 100 files the document is compact and joined; a few files, indented: each equal to
    the document made whole from the findings (text mode reads the same findings)."""
    folder = tmp_path / "二季度"
    for i in range(101):
        records = sample_branches(3, seed=i, small_branches=False)
        if i % 10 == 0:
            records[0] = with_wrong_claim(records[0])
        write_workbook(folder / f"{i:03d}乡.xlsx", [classification_sheet(records, Layout())])
    runner = CliRunner()
    big = runner.invoke(app, ["validate", str(folder), "--json", "--as-of", "2025-06-30"])
    assert big.exit_code == 1
    doc = json.loads(big.stdout)
    assert doc["summary"]["files"] == 101 and doc["summary"]["errors"] >= 11
    assert big.stdout == json.dumps(doc, ensure_ascii=False) + "\n"  # compact, as one dumps
    few = [str(folder / f"{i:03d}乡.xlsx") for i in range(3)]
    small = runner.invoke(app, ["validate", *few, "--json", "--as-of", "2025-06-30"])
    assert small.stdout == json.dumps(json.loads(small.stdout), ensure_ascii=False, indent=2) + "\n"
    assert json.loads(small.stdout)["files"] == doc["files"][:3]
