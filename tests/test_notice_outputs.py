"""What `branchctl notice` writes, as a clerk sees it: which notices, their names and layout,
and one sentence when the output folder cannot take them."""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.documents.docx_layout import text_width
from tests.builders import (
    classification_sheet,
    expected_rating,
    sample_branches,
    with_claims,
    write_workbook,
)

runner = CliRunner()
SET = ["--set", "发文机关=中共示例县委组织部", "--set", "成文日期=2025年7月1日"]
CHAR = 16  # points: one character of 3号


def _invoke(*args: str):
    return runner.invoke(app, ["notice", *args])


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """Twelve branches of 6, 5, 4 and 2 stars."""
    records = sample_branches(12, seed=31, stars=[6, 5, 4, 2])
    path = tmp_path_factory.mktemp("ledger") / "城关镇台账.xlsx"
    return write_workbook(path, [classification_sheet(records)]), records


def _stars(records, name):
    return next(expected_rating(r)[0] for r in records if r["党支部名称"] == name)


# ------------------------------------------------------------------------------ --below


def test_below_limits_rectification_notices_to_branches_under_n_stars(ledger, tmp_path):
    path, records = ledger
    every = tmp_path / "全部"
    result = _invoke(
        "整改通知书", "--data", str(path), "--per-branch", "-o", str(every), "--format", "md"
    )
    assert result.exit_code == 0, result.output
    # the default: every branch short of the standard, five-star 先进 branches too
    assert sorted(_stars(records, p.stem) for p in every.iterdir()) == [2, 2, 2, 4, 4, 4, 5, 5, 5]
    few = tmp_path / "四星以下"
    result = _invoke(
        "整改通知书", "--data", str(path), "--per-branch", "-o", str(few), "--format", "md",
        "--below", "4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(_stars(records, p.stem) for p in few.iterdir()) == [2, 2, 2]
    assert result.stdout == f"已生成 3 份整改通知书（.md），保存在：{few}\n"


def test_below_is_refused_where_there_are_no_stars(ledger, tmp_path):
    path, _ = ledger
    result = _invoke("退回修改意见", "--data", str(path), "--below", "3", *SET)
    assert result.exit_code == 2
    assert result.stderr == "错误：--below 按星级挑选支部，只用于整改通知书等评定数据的模板。\n"
    result = _invoke("整改通知书", "--data", str(path), "--below", "0")
    assert result.exit_code == 2 and "Traceback" not in result.output


# ------------------------------------------------------------------------------ layout


def test_document_number_comes_with_a_letterhead(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "通报.docx"
    result = _invoke(
        "通报", "--data", str(path), "-o", str(out), *SET, "--set", "文号=示组通〔2025〕12号"
    )
    assert result.exit_code == 0, result.output
    mark, number, title = Document(str(out)).paragraphs[:3]
    assert (mark.text, number.text) == ("中共示例县委组织部文件", "示组通〔2025〕12号")
    assert mark.alignment == number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
    assert title.text.startswith("关于")
    # the clerk's own letterhead text, and no number
    out = tmp_path / "公示.docx"
    result = _invoke(
        "公示", "--data", str(path), "-o", str(out), *SET, "--set", "版头=中共示例县委组织部",
        "--set", "公示期=7月1日至7日", "--set", "联系电话=1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    mark, title = Document(str(out)).paragraphs[:2]
    assert mark.text == "中共示例县委组织部" and title.text.startswith("关于")
    assert mark._p.pPr.find(qn("w:pBdr")) is not None  # the red rule under the mark itself
    # neither: the title comes first
    out = tmp_path / "无版头.docx"
    assert _invoke("通报", "--data", str(path), "-o", str(out), *SET).exit_code == 0
    assert Document(str(out)).paragraphs[0].text.startswith("关于")


def test_seal_field_chooses_the_signature_layout(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "通报.docx"
    result = _invoke("通报", "--data", str(path), "-o", str(out), *SET, "--set", "印章=无")
    assert result.exit_code == 0, result.output
    assert "印章" not in result.output  # a layout setting, not an unused template variable
    d = Document(str(out))
    name, date = d.paragraphs[-2:]
    assert (name.text, date.text) == ("中共示例县委组织部", "2025年7月1日")
    name_start = name.paragraph_format.right_indent.pt / CHAR + text_width(name.text)
    date_start = date.paragraph_format.right_indent.pt / CHAR + text_width(date.text)
    assert name.paragraph_format.right_indent.pt == 2 * CHAR and name_start - date_start == 2
    result = _invoke("通报", "--data", str(path), "-o", str(out), *SET, "--set", "印章=红色")
    assert result.exit_code == 2
    assert result.stderr == "错误：“印章”应为“有”（加盖印章，默认）或“无”，而不是“红色”。\n"


def test_combined_rectification_notices_each_start_on_an_odd_page(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "整改通知书.docx"
    result = _invoke("整改通知书", "--data", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    d = Document(str(out))
    sections = list(d.element.body.iter(qn("w:sectPr")))
    assert len(sections) == 9  # one per notice
    assert {s.find(qn("w:type")).get(qn("w:val")) for s in sections} == {"oddPage"}
    assert {s.find(qn("w:pgNumType")).get(qn("w:start")) for s in sections} == {"1"}


# ------------------------------------------------------------------------------ --per-branch

HOSTILE_NAMES = [
    "COM¹",
    "CONIN$",
    "CON .x",
    "aux",
    "NUL.txt",
    "lpt9",
    "..",
    "../../etc/passwd党支部",
    "张村\x01党支部",
    "\x1b]0;标题\x07李村党支部",
    "王村党支部\ufffe",
    "赵村党支部" + "很长的名称" * 60,  # over 255 characters
    "钱村党支部" + "长" * 300 + "\x0b",
]


def test_per_branch_writes_every_notice_whatever_the_names(tmp_path):
    records = sample_branches(38, seed=32, stars=[3])
    for i, name in enumerate(HOSTILE_NAMES):
        records[i] = with_claims(records[i] | {"党支部名称": name})
    records[20] = with_claims(records[20] | {"党支部名称": "孙村党支部" + "很长的名称" * 60 + "甲"})
    records[21] = with_claims(records[21] | {"党支部名称": "孙村党支部" + "很长的名称" * 60 + "乙"})
    path = write_workbook(tmp_path / "台账.xls", [classification_sheet(records)])
    folder = tmp_path / "整改"
    result = _invoke("整改通知书", "--data", str(path), "--per-branch", "-o", str(folder))
    assert result.exit_code == 0, result.output
    files = sorted(folder.iterdir())
    assert len(files) == 38 and result.stdout.startswith("已生成 38 份整改通知书")
    reserved = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|(com|lpt)[0-9¹²³])$", re.I)
    for f in files:
        assert f.parent == folder and f.suffix == ".docx"
        assert len(f.name.encode()) <= 255
        assert not reserved.match(f.name.split(".")[0].rstrip(" "))
        assert not any(unicodedata.category(ch) == "Cc" for ch in f.name)
        d = Document(str(f))  # a valid document
        assert len(d.core_properties.title) <= 255
        assert not any(unicodedata.category(ch) == "Cc" for p in d.paragraphs for ch in p.text)
    names = {f.stem for f in files}
    assert {"_COM¹", "_CONIN$", "_CON .x", "_aux", "_NUL.txt", "_lpt9"} <= names


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_one_sentence(ledger, tmp_path):
    path, _ = ledger
    parent = tmp_path / "只读"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        folder = parent / "整改"
        result = _invoke("整改通知书", "--data", str(path), "--per-branch", "-o", str(folder))
        assert result.exit_code == 2
        assert result.stderr == f"错误：无法创建输出文件夹“{folder}”（没有权限）。\n"
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_a_folder_that_cannot_be_created_is_one_sentence(ledger, tmp_path, monkeypatch):
    path, _ = ledger

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    folder = tmp_path / "整改"
    result = _invoke("整改通知书", "--data", str(path), "--per-branch", "-o", str(folder))
    assert result.exit_code == 2
    assert result.stderr == f"错误：无法创建输出文件夹“{folder}”（没有权限）。\n"
    assert not (tmp_path / "整改").exists()


@pytest.mark.parametrize(
    ("code", "reason"), [(errno.ENOSPC, "磁盘空间不足"), (errno.EROFS, "磁盘是只读的")]
)
def test_a_full_or_read_only_disk_is_one_sentence_and_no_empty_folder(
    ledger, tmp_path, monkeypatch, code, reason
):
    from branchctl.documents.docx_render import DocxRenderer

    path, _ = ledger

    def fail(self, markdown, target, title=None):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(DocxRenderer, "write", fail)
    folder = tmp_path / "整改"
    result = _invoke("整改通知书", "--data", str(path), "--per-branch", "-o", str(folder))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：无法写入文件夹“{folder}”（{reason}），")
    assert result.stderr.endswith("未写出。\n") and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # the folder made for the notices is gone again
