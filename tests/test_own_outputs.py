"""The tool's own outputs saved under any name in the folder of submissions: known by the mark
they carry, passed over with a note by validate, collect and rate DIR — never counted as one
more township."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.io.outputs import output_kind
from tests.builders import (
    Layout,
    classification_sheet,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()
TOWNS = {"城关镇": ("城关镇党委", 5, "xlsx"), "青山乡": ("青山乡党委", 4, "xls"), "河西街道": ("河西街道党工委", 3, "xlsx")}  # fmt: skip
BRANCHES = 5 + 4 + 3


def _folder(tmp_path: Path) -> Path:
    """二季度/ as the county received it: three townships, one sent as .xls; 城关镇 claims
    stars its marks do not give (an error: its checked copy is written)."""
    folder = tmp_path / "二季度"
    for i, (town, (org, n, suffix)) in enumerate(TOWNS.items()):
        records = sample_branches(n, seed=i + 1, townships=[org], veto_rate=0, small_branches=False)
        if i == 0:
            records[0] = with_wrong_claim(records[0])
        write_workbook(folder / f"{town}.{suffix}", [classification_sheet(records, Layout())])
    return folder


def _run(*args: str) -> object:
    return runner.invoke(app, list(args))


def _json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _archive_export(folder: Path, out: Path) -> None:
    db = folder.parent / "档案.db"
    roster = folder.parent / "名册.txt"
    roster.write_text("\n".join(TOWNS) + "\n", "utf-8")
    env = {"BRANCHCTL_DB": str(db)}
    for args in (
        ["archive", "roster", str(roster), "--period", "2025Q2"],
        ["archive", "add", str(folder), "--period", "2025Q2"],
        ["archive", "export", "--period", "2025Q2", "-o", str(out)],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code in (0, 1), result.output


def _make(kind: str, folder: Path, tmp_path: Path) -> str:
    """Write one output of ``kind`` into ``folder`` under a name a clerk might choose."""
    if kind == "rated":
        _run("rate", str(folder / "城关镇.xlsx"), "-o", str(folder / "城关镇评定.xlsx"))
        return "城关镇评定.xlsx"
    if kind == "rated-xls":  # a rated copy of an .xls is rebuilt: marked all the same
        _run("rate", str(folder / "青山乡.xls"), "-o", str(folder / "青山乡评定.xlsx"))
        return "青山乡评定.xlsx"
    if kind == "report":
        _run("validate", str(folder), "--report", str(folder / "校验结果.xlsx"))
        return "校验结果.xlsx"
    if kind == "compare":
        both = str(folder / "城关镇.xlsx")
        _run("compare", both, both, "-o", str(folder / "城关镇对比.xlsx"))
        return "城关镇对比.xlsx"
    if kind == "county":
        _run("rate", str(folder), "-o", str(folder / "全县评定.xlsx"))
        return "全县评定.xlsx"
    if kind == "master":
        _run("collect", str(folder), "-o", str(folder / "全县汇总.xlsx"))
        return "全县汇总.xlsx"
    assert kind == "export"
    _archive_export(folder, folder / "二季度全县台账.xlsx")
    return "二季度全县台账.xlsx"


KINDS = ["rated", "rated-xls", "report", "compare", "county", "master", "export"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_output_in_the_folder_is_not_one_more_township(tmp_path, kind):
    folder = _folder(tmp_path)
    name = _make(kind, folder, tmp_path)
    assert (folder / name).is_file()
    assert output_kind(folder / name) == kind.removesuffix("-xls")

    checked = _json("validate", str(folder))
    assert sorted(Path(f["path"]).name for f in checked["files"]) == [
        "城关镇.xlsx", "河西街道.xlsx", "青山乡.xls"
    ]  # fmt: skip
    assert [s["file"] for s in checked["skipped"]] == [name]
    assert "本工具" in checked["skipped"][0]["reason"]
    result = runner.invoke(app, ["validate", str(folder)])
    assert f"跳过“{name}”：本工具" in result.stderr

    rated = _json("rate", str(folder), "-o", str(tmp_path / "评定.xlsx"))
    assert len(rated["branches"]) == rated["summary"]["total"] == BRANCHES
    assert len(rated["files"]) == 3 and [s["file"] for s in rated["skipped"]] == [name]

    result = _run("collect", str(folder), "-o", str(tmp_path / "汇总.xlsx"))
    assert f"汇总党支部 {BRANCHES} 个" in result.stdout and "跳过 1 个文件" in result.stdout
    notes = [row for row in openpyxl.load_workbook(tmp_path / "汇总.xlsx")["汇总说明"].values]
    assert any(name in [str(c) for c in row] for row in notes)


def test_every_output_together_and_the_county_counted_once(tmp_path):
    folder = _folder(tmp_path)
    names = [_make(kind, folder, tmp_path) for kind in KINDS]
    rated = _json("rate", str(folder), "-o", str(tmp_path / "评定.xlsx"))
    assert rated["summary"]["total"] == BRANCHES
    assert sorted(s["file"] for s in rated["skipped"]) == sorted(names)
    checked = _json("validate", str(folder))
    assert len(checked["files"]) == 3 and len(checked["skipped"]) == len(names)
    result = _run("collect", str(folder), "-o", str(tmp_path / "汇总.xlsx"))
    assert f"汇总党支部 {BRANCHES} 个" in result.stdout


def test_a_folder_of_county_ledgers_alone_is_still_read(tmp_path):
    """A city's folder holds county masters only: nothing to set aside them for."""
    city = tmp_path / "各县"
    city.mkdir()
    _run("collect", str(_folder(tmp_path / "甲县")), "-o", str(city / "甲县汇总.xlsx"))
    _run("collect", str(_folder(tmp_path / "乙县")), "-o", str(city / "乙县汇总.xlsx"))
    checked = _json("validate", str(city))
    assert len(checked["files"]) == 2 and "skipped" not in checked
    rated = _json("rate", str(city), "-o", str(tmp_path / "全市.xlsx"))
    assert rated["summary"]["total"] == 2 * BRANCHES and "skipped" not in rated


def test_named_on_the_command_line_an_output_is_read(tmp_path):
    folder = _folder(tmp_path)
    _make("master", folder, tmp_path)
    rated = _json("rate", str(folder / "全县汇总.xlsx"), "-o", str(tmp_path / "评定.xlsx"))
    assert rated["summary"]["total"] == BRANCHES
    _make("rated", folder, tmp_path)
    checked = _json("validate", str(folder / "城关镇评定.xlsx"))
    assert [Path(f["path"]).name for f in checked["files"]] == ["城关镇评定.xlsx"]


def test_a_folder_of_rated_copies_only_says_so(tmp_path):
    folder = _folder(tmp_path)
    only = tmp_path / "评定副本"
    only.mkdir()
    _run("rate", str(folder / "城关镇.xlsx"), "-o", str(only / "城关镇评定.xlsx"))
    for command in (["validate", str(only)], ["rate", str(only), "-o", str(tmp_path / "x.xlsx")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "没有找到乡镇报表：找到的“城关镇评定.xlsx”都是本工具写出的文件" in result.output
        assert "Traceback" not in result.output


def test_the_mark_keeps_the_workbooks_own_custom_properties(tmp_path):
    from openpyxl.packaging.custom import StringProperty

    folder = _folder(tmp_path)
    source = folder / "城关镇.xlsx"
    wb = openpyxl.load_workbook(source)
    wb.custom_doc_props.append(StringProperty(name="报送批次", value="第二批"))
    wb.save(source)
    out = tmp_path / "城关镇评定.xlsx"
    _run("rate", str(source), "-o", str(out))
    props = {p.name: p.value for p in openpyxl.load_workbook(out).custom_doc_props}
    assert props == {"报送批次": "第二批", "branchctl": "rated"}
    with zipfile.ZipFile(out) as z:
        assert z.namelist().count("docProps/custom.xml") == 1
    assert output_kind(source) is None


def test_a_checked_copy_sent_back_corrected_is_the_townships_submission(tmp_path):
    """validate --annotate writes the copies the townships correct: one that comes back,
    under any name, is read like any submission (and its mark says what it was)."""
    folder = _folder(tmp_path)
    _run("validate", str(folder / "城关镇.xlsx"), "--annotate", str(tmp_path / "退回"))
    back = folder / "城关镇（修改后）.xlsx"
    shutil.move(tmp_path / "退回" / "城关镇.checked.xlsx", back)
    (folder / "城关镇.xlsx").unlink()  # the corrected copy replaces the first submission
    assert output_kind(back) == "checked"
    checked = _json("validate", str(folder))
    assert "城关镇（修改后）.xlsx" in [Path(f["path"]).name for f in checked["files"]]
    assert "skipped" not in checked
    rated = _json("rate", str(folder), "-o", str(tmp_path / "评定.xlsx"))
    assert rated["summary"]["total"] == BRANCHES and "skipped" not in rated
    result = _run("collect", str(folder), "-o", str(tmp_path / "汇总.xlsx"))
    assert f"汇总党支部 {BRANCHES} 个" in result.stdout


def test_a_checked_copy_sent_back_under_its_own_name_is_read_unless_its_original_is_there(
    tmp_path,
):
    """A township corrects 城关镇.checked.xlsx and sends it back under that name: it is the
    township's submission (never passed over by its name, which would lose a township). Found
    beside 城关镇.xlsx, it is an earlier run's copy: passed over with a note naming the original,
    the same in validate, rate DIR and collect."""
    folder = _folder(tmp_path)
    _run("validate", str(folder / "城关镇.xlsx"), "--annotate", str(folder / "退回修改"))
    copy = folder / "退回修改" / "城关镇.checked.xlsx"
    assert output_kind(copy) == "checked"

    note = "与原报表“城关镇.xlsx”同时找到，是此前写出的校验批注副本，未读取"
    label = "退回修改/城关镇.checked.xlsx"
    checked = _json("validate", str(folder))
    assert [s["file"] for s in checked["skipped"]] == [label]
    assert note in checked["skipped"][0]["reason"]
    assert len(checked["files"]) == len(TOWNS)
    rated = _json("rate", str(folder), "-o", str(tmp_path / "评定.xlsx"))
    assert rated["summary"]["total"] == BRANCHES
    assert [s["file"] for s in rated["skipped"]] == [label]
    collected = _run("collect", str(folder), "-o", str(tmp_path / "汇总.xlsx"))
    assert f"汇总党支部 {BRANCHES} 个" in collected.stdout and "跳过 1 个文件" in collected.stdout
    notes = [
        [str(c) for c in row]
        for row in openpyxl.load_workbook(tmp_path / "汇总.xlsx")["汇总说明"].values
    ]
    assert any(label in row and any(note in c for c in row) for row in notes), notes

    (folder / "城关镇.xlsx").unlink()  # the corrected copy, still so named, replaces it
    shutil.move(copy, folder / "城关镇.checked.xlsx")
    checked = _json("validate", str(folder))
    assert "城关镇.checked.xlsx" in [Path(f["path"]).name for f in checked["files"]]
    assert "skipped" not in checked
    rated = _json("rate", str(folder), "-o", str(tmp_path / "评定2.xlsx"))
    assert rated["summary"]["total"] == BRANCHES and "skipped" not in rated
    collected = _run("collect", str(folder), "-o", str(tmp_path / "汇总2.xlsx"))
    assert f"汇总党支部 {BRANCHES} 个" in collected.stdout


def test_a_bulletin_of_the_folder_says_which_output_it_passed_over(tmp_path):
    """notice --data DIR rates the folder as rate does, and tells the clerk what it skipped."""
    folder = _folder(tmp_path)
    name = _make("rated", folder, tmp_path)
    out = tmp_path / "通报.md"
    result = runner.invoke(app, ["notice", "通报", "--data", str(folder), "-o", str(out),
                                 "--set", "发文机关=中共某县委组织部"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"已跳过“{name}”：本工具写出的评定批注副本，不是乡镇报送的报表" in result.stderr
    assert f"本次共评定党支部{BRANCHES}个" in out.read_text("utf-8")


def test_a_checked_copy_beside_another_townships_file_of_the_same_name_is_read(tmp_path):
    """Townships name their files alike (分类定级表.xlsx): 城关镇/分类定级表.checked.xlsx, sent
    back corrected, is 城关镇's submission even though 河西街道/分类定级表.xlsx is found too —
    only a file in the copy's own folder, or the folder above it, is its original."""
    built = _folder(tmp_path / "src")
    root = tmp_path / "二季度"
    (root / "河西街道").mkdir(parents=True)
    shutil.copy(built / "河西街道.xlsx", root / "河西街道" / "分类定级表.xlsx")
    _run("validate", str(built / "城关镇.xlsx"), "--annotate", str(tmp_path / "退回"))
    back = root / "城关镇" / "分类定级表.checked.xlsx"
    back.parent.mkdir()
    shutil.move(tmp_path / "退回" / "城关镇.checked.xlsx", back)

    rated = _json("rate", str(root), "-o", str(tmp_path / "评定.xlsx"))
    assert "skipped" not in rated
    assert rated["summary"]["total"] == TOWNS["城关镇"][1] + TOWNS["河西街道"][1]


def test_the_mark_is_found_however_the_zip_directory_sits(tmp_path):
    """A folder search first looks for docProps/custom.xml in the zip directory's bytes alone
    (most submissions carry none); the mark is still found in a copy with a zip comment, with
    bytes before the archive (a self-extracting wrapper), or rewritten by zipfile, and a
    workbook whose custom properties are another program's is no output."""
    folder = _folder(tmp_path)
    _run("rate", str(folder / "城关镇.xlsx"), "-o", str(folder / "城关镇评定.xlsx"))
    rated = folder / "城关镇评定.xlsx"
    assert output_kind(rated) == "rated"
    assert output_kind(folder / "城关镇.xlsx") is None
    commented = tmp_path / "注释.xlsx"
    with zipfile.ZipFile(rated) as src, zipfile.ZipFile(commented, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.comment = b"x" * 60_000  # the end record's comment: the directory sits further up
    assert output_kind(commented) == "rated"
    prefixed = tmp_path / "前缀.xlsx"
    prefixed.write_bytes(b"\0" * 4096 + rated.read_bytes())
    assert output_kind(prefixed) == "rated"
    foreign = tmp_path / "其他程序.xlsx"
    with zipfile.ZipFile(folder / "城关镇.xlsx") as src, zipfile.ZipFile(foreign, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("docProps/custom.xml", b'<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>')  # fmt: skip
    assert output_kind(foreign) is None
    assert output_kind(tmp_path / "缺.xlsx") is None
