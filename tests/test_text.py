"""Text made safe for the files the tool writes: XML for Word and Excel, Markdown for reports and
notices — the validate report read back as a Markdown viewer shows it."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.text import core_property, markdown_cell, markdown_text, xml_text
from tests.builders import classification_sheet, sample_branches, write_workbook
from tests.validate_helpers import set_cell

HOSTILE = [
    '<img src=x onerror="alert(1)">',
    "![图](http://example.com/track.png)",
    "[点这里](http://example.com)",
    "a\\|b|c",
    "http://example.com/x 与 www.example.com",
    "**粗** _斜_ `码` # 标题 &amp; ~~删~~",
    "1. 不是列表",
]


def _gfm() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")


def test_xml_text_drops_only_what_xml_cannot_hold():
    assert xml_text("张\x00村\x01\x0b\x1f\ud800\ufffe党支部\t\n\r") == "张村党支部\t\n\r"
    assert xml_text("A&B<C>") == "A&B<C>"  # escaping is the XML writer's job


def test_core_property_is_one_clean_line_within_255_characters():
    assert core_property("张村\x01党支部\n第一") == "张村 党支部 第一"
    assert len(core_property("长" * 1000)) == 255
    assert core_property(None) == ""


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_cell_is_one_literal_table_cell(value):
    row = f"| {markdown_cell(value)} | 尾 |"
    html = _gfm().render(f"| 甲 | 乙 |\n|---|---|\n{row}\n")
    assert "<img" not in html and "<a " not in html and "<strong>" not in html
    assert "<em>" not in html and "<code>" not in html and "<ol" not in html
    cells = re.findall(r"<td>(.*?)</td>", html)
    assert len(cells) == 2 and cells[1] == "尾"


def test_markdown_text_keeps_the_value_readable():
    assert markdown_text("张村(一)党支部") == "张村(一)党支部"
    assert markdown_text("第一行\n第二行") == "第一行 第二行"
    assert markdown_text("控制\x1b[31m字符") == "控制 \\[31m字符"
    assert markdown_cell("见 http://x.cn") == "见 http\\://x.cn"


def test_validate_markdown_report_escapes_every_cell(tmp_path):
    folder = tmp_path / "报表"
    records = sample_branches(len(HOSTILE) + 2, seed=71, small_branches=False, veto_rate=0)
    spec = classification_sheet(records)
    for i, value in enumerate(HOSTILE):
        set_cell(spec, i, "基本活动", value)  # each a bad mark, quoted in its finding
    write_workbook(folder / "城关|镇.xlsx", [spec])
    report = tmp_path / "校验结果.md"
    result = CliRunner().invoke(app, ["validate", str(folder), "--report", str(report)])
    assert result.exit_code == 1, result.output
    text = report.read_text("utf-8")
    html = _gfm().render(text)
    assert "<img" not in html and "<a " not in html and "<strong>" not in html
    assert "onerror" in html  # shown as text, not run
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]:
        assert len(re.findall(r"<t[dh]", row)) in (4, 5)  # no cell split by a | from a value
    assert "城关|镇.xlsx" in html
