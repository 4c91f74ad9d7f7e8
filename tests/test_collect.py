"""`branchctl collect`: a county's township submissions compiled into one master ledger."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.errors import BranchctlError
from branchctl.jobs.collect import collect, find_sources
from branchctl.reports.collect import write_collection
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    ASPECTS,
    Layout,
    classification_sheet,
    creation_ledger_sheet,
    expected_rating,
    instructions_sheet,
    lists_combined_sheet,
    sample_branches,
    sample_problems,
    scratch_sheet,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()
SIX = load_rubric("six-star")
MASTER_HEAD = [
    "序号", "所属党组织", "党支部名称", "支部类型", "党员人数", "正式党员", "预备党员", "支委人数",
    "支部书记", *ASPECTS, "负面清单", "星级", "定级类别", "等次",
]  # fmt: skip
MASTER_TAIL = ["备注", "计算星级", "计算类别", "计算等次", "未达标方面", "核对结果",
               "校验", "重复", "来源文件", "工作表", "行号"]  # fmt: skip


def _township(org: str, n: int, seed: int) -> list[dict]:
    return sample_branches(n, seed=seed, townships=[org], veto_rate=0, small_branches=False)


def _county(tmp_path: Path) -> dict:
    """A folder as a county receives it: clean, messy, legacy, broken and stray files."""
    folder = tmp_path / "二季度报表"
    chengguan = _township("城关镇党委", 8, 1)
    chengguan[0]["支部书记"] = "13812345678"  # text that looks like a number stays text
    chengguan[1]["备注"] = "=请核实党员人数"  # text that looks like a formula stays text
    qingshan = _township("青山乡党委", 6, 2)
    qingshan[2] = with_wrong_claim(qingshan[2], "星级")  # an error: claim differs
    qingshan[4]["基本活动"] = "基本达标"  # an error: not a mark
    hexi = _township("河西街道党工委", 5, 3)
    hexi.append(dict(chengguan[3]))  # the same branch sent by two townships' files
    files = {
        "城关镇.xlsx": [instructions_sheet(), classification_sheet(chengguan), scratch_sheet()],
        "青山乡/青山乡二季度.xls": [classification_sheet(qingshan, Layout.messy(), name="定级")],
        "河西街道.ods": [classification_sheet(hexi, Layout.bare())],
    }
    paths = {name: write_workbook(folder / name, sheets) for name, sheets in files.items()}
    (folder / "~$城关镇.xlsx").write_bytes(b"lock")
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    write_workbook(folder / "填表说明.xlsx", [instructions_sheet()])
    (folder / "说明.docx").write_bytes(b"not a workbook")
    return {"folder": folder, "paths": paths, "城关镇": chengguan, "青山乡": qingshan, "河西": hexi}


def _rows(path: Path, sheet: str = "汇总台账") -> list[list]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_collect_a_county_folder(tmp_path):
    county = _county(tmp_path)
    out = tmp_path / "全县汇总.xlsx"
    result = runner.invoke(app, ["collect", str(county["folder"]), "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 1, result.output  # collected, with problems to report
    assert "读取文件 5 个，汇总党支部 20 个" in result.stdout
    assert "重复的党支部 1 处" in result.stdout and "无法读取 1 个文件" in result.stdout

    rows = _rows(out)
    header = rows[0]
    assert header == [*MASTER_HEAD, *MASTER_TAIL]
    col = {name: i for i, name in enumerate(header)}
    data = rows[1:]
    assert [r[col["序号"]] for r in data] == list(range(1, 21))
    # files in path order: 城关镇.xlsx, 河西街道.ods, 青山乡/青山乡二季度.xls
    assert [r[col["来源文件"]] for r in data] == (
        ["城关镇.xlsx"] * 8 + ["河西街道.ods"] * 6 + ["青山乡/青山乡二季度.xls"] * 6
    )
    spec = classification_sheet(county["城关镇"])
    expected = county["城关镇"] + county["河西"] + county["青山乡"]
    for r, record in zip(data, expected, strict=True):
        assert r[col["党支部名称"]].strip() == record["党支部名称"]
        assert r[col["所属党组织"]].strip() == record["所属党组织"]
        if record is not county["青山乡"][4]:
            assert r[col["计算星级"]] == expected_rating(record)[0]
    assert [r[col["行号"]] for r in data[:8]] == spec.data_rows
    assert data[0][col["工作表"]] == "附件1"
    assert data[0][col["支部书记"]] == "13812345678"  # still text, not 13812345678.0
    assert data[1][col["备注"]] == "=请核实党员人数"  # still text, not a formula
    messy = data[14:]
    assert messy[0][col["党员人数"]] == county["青山乡"][0]["党员人数"] or isinstance(
        messy[0][col["党员人数"]], str
    )  # "１２" or "12人" kept as written
    assert "核算应为" in messy[2][col["校验"]]
    assert "基本活动" in messy[4][col["校验"]]
    assert messy[0][col["校验"]] == "通过"

    name = county["城关镇"][3]["党支部名称"]
    dup_rows = [r for r in data if r[col["党支部名称"]].strip() == name]
    assert len(dup_rows) == 2
    assert all(r[col["重复"]].startswith("重复（共2处）") for r in dup_rows)
    assert "河西街道.ods" in dup_rows[0][col["重复"]] and "城关镇.xlsx" in dup_rows[1][col["重复"]]
    assert sum(1 for r in data if r[col["重复"]]) == 2

    ws = openpyxl.load_workbook(out)["汇总台账"]
    assert ws.freeze_panes == "D2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}21"
    bad = 1 + 14 + 3  # the row with the wrong claim
    assert ws.cell(bad, col["党支部名称"] + 1).fill.fgColor.rgb.endswith("FFC7CE")

    notes = [[c for c in r if c is not None] for r in _rows(out, "汇总说明")]
    flat = "\n".join(" ".join(str(c) for c in r) for r in notes)
    assert "坏文件.xlsx 无法读取" in flat
    assert "填表说明.xlsx 未找到表格" in flat
    assert "城关镇.xlsx 已汇总 附件1 8 0 1" in flat
    assert "青山乡/青山乡二季度.xls 已汇总（有误） 定级 6 2 0" in flat
    assert "~$城关镇.xlsx Excel 打开文件时生成的临时锁定文件" in flat
    assert f"{name} 2" in flat  # the duplicate, with where it stands
    assert "说明.docx" not in flat  # not a workbook: not looked at


def test_clean_collection_exits_0_and_skips_its_own_output(tmp_path):
    folder = tmp_path / "报表"
    for i, org in enumerate(("城关镇党委", "青山乡党委", "石桥镇党委", "柳林镇党委")):
        write_workbook(folder / f"{org}.xlsx", [classification_sheet(_township(org, 5, 10 + i))])
    out = folder / "汇总.xlsx"
    first = runner.invoke(app, ["collect", str(folder), "-o", str(out)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["collect", str(folder), "-o", str(out)])
    assert second.exit_code == 0, second.output
    assert len(_rows(out)) == 21  # its own previous output was not collected again
    assert "本次汇总的输出文件" in "\n".join(str(r) for r in _rows(out, "汇总说明"))


def test_parallel_and_serial_give_the_same_master(tmp_path):
    county = _county(tmp_path)
    a = collect([county["folder"]], SIX, jobs=1)
    b = collect([county["folder"]], SIX, jobs=3)
    assert [(f.source, f.status, len(f.rows)) for f in a.files] == [
        (f.source, f.status, len(f.rows)) for f in b.files
    ]
    assert [r.values for f in a.files for r in f.rows] == [
        r.values for f in b.files for r in f.rows
    ]
    write_collection(a, tmp_path / "a.xlsx")
    write_collection(b, tmp_path / "b.xlsx")
    assert _rows(tmp_path / "a.xlsx") == _rows(tmp_path / "b.xlsx")


def test_creation_ledger_joins_its_branch_rows(tmp_path):
    """附件1 and 附件2 of one file hold the same branches: one row each, 附件2's plan joined."""
    records = _township("石桥镇党委", 5, 4)
    problems = sample_problems(records)
    only_in_2 = _township("石桥镇党委", 6, 5)[5]
    path = write_workbook(
        tmp_path / "石桥镇.xlsx",
        [
            classification_sheet(records),
            creation_ledger_sheet([*records, only_in_2]),
            lists_combined_sheet(problems),
        ],
    )
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["collect", str(path), "-o", str(out)])
    rows = _rows(out)
    col = {name: i for i, name in enumerate(rows[0])}
    assert "创建目标" in col and col["创建目标"] > col["等次"]
    data = rows[1:]
    assert [r[col["党支部名称"]] for r in data] == [r["党支部名称"] for r in [*records, only_in_2]]
    assert [r[col["工作表"]] for r in data] == ["附件1"] * 5 + ["附件2"]
    assert all(r[col["创建目标"]] for r in data)
    assert "只在附件2中出现" in data[5][col["校验"]]
    assert sum(1 for r in data if r[col["重复"]]) == 0
    assert result.exit_code == 1  # 附件2 has a branch 附件1 lacks


def test_sources_and_bad_arguments(tmp_path):
    with pytest.raises(BranchctlError, match="文件或文件夹不存在"):
        find_sources([tmp_path / "无"])
    empty = tmp_path / "空"
    empty.mkdir()
    result = runner.invoke(app, ["collect", str(empty), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "没有找到工作簿" in result.stderr
    path = write_workbook(
        tmp_path / "a.xlsx", [classification_sheet(_township("城关镇党委", 3, 1))]
    )
    same = runner.invoke(app, ["collect", str(path), "-o", str(path)])
    assert same.exit_code == 2 and "不能与输入文件相同" in same.stderr
    csv = runner.invoke(app, ["collect", str(path), "-o", str(tmp_path / "x.csv")])
    assert csv.exit_code == 2 and ".xlsx" in csv.stderr


def test_a_file_that_kills_its_reader_costs_only_that_file(tmp_path, monkeypatch):
    import multiprocessing
    import os

    import branchctl.jobs.collect as collect_module

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched reader reaches the workers only when they are forked")

    folder = tmp_path / "报表"
    for i, org in enumerate(("城关镇党委", "青山乡党委", "石桥镇党委", "柳林镇党委")):
        write_workbook(folder / f"{i}_{org}.xlsx", [classification_sheet(_township(org, 3, i))])
    write_workbook(
        folder / "9_崩溃.xlsx", [classification_sheet(_township("河西街道党工委", 3, 9))]
    )
    real = collect_module.read_file

    def crashing(path, *args):
        if "崩溃" in str(path):
            os._exit(3)  # what a reader crash in native code looks like from outside
        return real(path, *args)

    monkeypatch.setattr(collect_module, "read_file", crashing)  # workers are forked with it
    result = collect([folder], SIX, jobs=2)
    assert [(f.source, f.status) for f in result.files] == [
        ("0_城关镇党委.xlsx", "collected"),
        ("1_青山乡党委.xlsx", "collected"),
        ("2_石桥镇党委.xlsx", "collected"),
        ("3_柳林镇党委.xlsx", "collected"),
        ("9_崩溃.xlsx", "unreadable"),
    ]
    assert result.rows == 12


def test_collect_never_overwrites_a_township_file(tmp_path):
    folder = tmp_path / "报表"
    for i, org in enumerate(("城关镇党委", "青山乡党委")):
        write_workbook(folder / f"{org}.xlsx", [classification_sheet(_township(org, 4, 30 + i))])
    victim = folder / "城关镇党委.xlsx"
    before = victim.read_bytes()
    result = runner.invoke(app, ["collect", str(folder), "-o", str(victim)])
    assert result.exit_code == 2
    assert "不是本工具生成的汇总工作簿" in result.stderr
    assert victim.read_bytes() == before
    # an earlier master under another name in the same folder is not collected again
    first = runner.invoke(app, ["collect", str(folder), "-o", str(folder / "全县汇总.xlsx")])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["collect", str(folder), "-o", str(folder / "全县汇总v2.xlsx")])
    assert second.exit_code == 0, second.output
    assert len(_rows(folder / "全县汇总v2.xlsx")) == len(_rows(folder / "全县汇总.xlsx"))
