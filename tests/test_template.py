"""`branchctl template`: blank standard forms a township fills through their drop-downs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.documents.blank_forms import default_name, resolve_kinds
from branchctl.forms.tables import find_forms
from branchctl.io.workbook import read_workbook
from branchctl.jobs.validate import check_file
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    ASPECTS,
    BRANCH_TYPES,
    Layout,
    classification_sheet,
    sample_branches,
    write_workbook,
)

runner = CliRunner()
SIX = load_rubric("six-star")


def _template(tmp_path: Path, *args: str, name: str = "空白.xlsx") -> Path:
    out = tmp_path / name
    result = runner.invoke(app, ["template", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成空白表格" in result.stdout
    return out


def _choices(ws) -> dict[str, list[str]]:
    """Column letter -> the options of its drop-down list."""
    out: dict[str, list[str]] = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            options = dv.formula1.strip('"').split(",")
            for ref in str(dv.sqref).split():
                out[ref.rstrip("0123456789").split(":")[0].rstrip("0123456789")] = options
    return out


def _validation_types(ws) -> dict[str, str]:
    out = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            out["".join(ch for ch in ref.split(":")[0] if ch.isalpha())] = dv.type
    return out


def test_classification_template_layout(tmp_path):
    out = _template(tmp_path, "附件1", "--unit", "城关镇党委", "--rows", "30")
    book = read_workbook(out)
    layout = find_forms(book, SIX.aspect_headers())
    assert [t.form.key for t in layout.tables] == ["classification"]
    table = layout.tables[0]
    assert table.rows == []  # 30 numbered but empty rows are no branches
    assert (table.header_top, table.header_row) == (3, 4)  # two-level header in rows 4-5
    assert table.annex == "附件1"
    assert table.title == "城关镇党支部分类定级表"
    assert table.unit == "城关镇党委"
    assert list(table.columns) == [
        "序号", "所属党组织", "党支部名称", "支部类型", "党员人数", "正式党员", "预备党员",
        "支委人数", "支部书记", *ASPECTS, "负面清单", "星级", "定级类别", "等次", "备注",
    ]  # fmt: skip

    ws = openpyxl.load_workbook(out)["附件1"]
    merges = {str(m) for m in ws.merged_cells.ranges}
    assert "A2:T2" in merges  # the title across the table
    assert "J4:O4" in merges  # 六个方面达标情况 over the six aspects
    assert {"A4:A5", "C4:C5", "T4:T5"} <= merges  # the rest merged down both header rows
    assert ws["J4"].value == "六个方面达标情况"
    assert ws["E4"].value == "党员人数\n（人）"
    assert ws["A1"].value == "附件1"
    assert [ws.cell(r, 1).value for r in range(6, 36)] == list(range(1, 31))
    assert ws.cell(36, 1).value.startswith("填报人：")
    assert ws.cell(37, 1).value.startswith("说明：")
    assert ws.freeze_panes == "D6"  # header rows and the columns up to 党支部名称
    assert ws.print_title_rows == "$4:$5"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["C"].width > ws.column_dimensions["J"].width
    assert ws["J4"].font.b and ws["J4"].fill.fgColor.rgb.endswith("DDEBF7")

    choices = _choices(ws)
    for letter in "JKLMNO":
        assert choices[letter] == ["√", "×"]
    assert choices["D"] == list(BRANCH_TYPES)
    assert choices["Q"] == ["6星", "5星", "4星", "3星", "2星", "1星", "无星"]
    assert choices["R"] == ["示范点", "重点对象", "加强指导", "软弱涣散"]
    assert choices["S"] == ["先进", "中间", "后进"]
    types = _validation_types(ws)
    assert types["E"] == "whole" and types["H"] == "whole"


def test_lists_and_work_ledger_templates(tmp_path):
    out = _template(tmp_path, "3", "work", "附件3-分表")
    book = read_workbook(out)
    found = {t.sheet_name: t.form.key for t in find_forms(book, SIX.aspect_headers()).tables}
    assert found == {
        "附件3": "lists",
        "附件4": "work_ledger",
        "问题清单": "problems",
        "任务清单": "tasks",
        "责任清单": "responsibilities",
    }
    wb = openpyxl.load_workbook(out)
    lists = wb["附件3"]
    assert [lists.cell(4, c).value for c in (3, 5, 6)] == ["问题清单", "任务清单", "责任清单"]
    assert lists["E5"].value == "整改任务（措施）"
    assert _choices(lists)["C"] == list(ASPECTS)  # 问题类别 = the rubric's aspects
    deadline = next(dv for dv in lists.data_validations.dataValidation if "H" in str(dv.sqref))
    assert deadline.type == "custom" and "长期坚持" in deadline.formula1
    assert deadline.promptTitle and "长期坚持" in deadline.prompt
    work = wb["附件4"]
    assert _choices(work)["F"] == ["已完成", "推进中", "未启动"]
    assert _validation_types(work)["G"] == "date"  # 销号时间
    assert work["D6"].number_format == 'yyyy"年"m"月"d"日"'
    assert _validation_types(wb["任务清单"])["B"] == "whole"  # 对应问题序号


def test_rubric_decides_the_aspect_columns(tmp_path):
    rubric = tmp_path / "三方面.toml"
    rubric.write_text(
        'name = "three"\nmax_stars = 3\n'
        '[[aspects]]\nname = "班子建设"\n[[aspects]]\nname = "队伍建设"\n[[aspects]]\nname = "阵地建设"\n'
        '[[categories]]\nname = "好"\nstars = [3]\n[[categories]]\nname = "差"\nstars = [0, 1, 2]\n'
        '[[levels]]\nname = "先进"\nstars = [3]\n[[levels]]\nname = "后进"\nstars = [0, 1, 2]\n',
        encoding="utf-8",
    )
    out = _template(tmp_path, "1", "3", "--rubric", str(rubric))
    wb = openpyxl.load_workbook(out)
    ws = wb["附件1"]
    assert ws["J4"].value == "三个方面达标情况"
    assert [ws.cell(5, c).value for c in (10, 11, 12)] == ["班子建设", "队伍建设", "阵地建设"]
    assert _choices(wb["附件3"])["C"] == ["班子建设", "队伍建设", "阵地建设"]


@pytest.mark.parametrize(
    ("typed", "forms"),
    [
        ("附件1", ["classification"]),
        ("1", ["classification"]),
        ("classification", ["classification"]),
        ("附件２", ["creation_ledger"]),
        ("lists", ["lists"]),
        ("附件3-分表", ["problems", "tasks", "responsibilities"]),
        ("4", ["work_ledger"]),
        ("全部", ["classification", "creation_ledger", "lists", "work_ledger"]),
    ],
)
def test_kind_names(typed, forms):
    assert resolve_kinds([typed]) == forms


def test_default_name_and_bad_kind(tmp_path, monkeypatch):
    assert default_name(["1"], "城关镇党委") == "城关镇_附件1_党支部分类定级表.xlsx"
    assert default_name(["附件3-分表"]) == "附件3_问题清单任务清单责任清单.xlsx"
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["template", "附件1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "附件1_党支部分类定级表.xlsx").exists()
    again = runner.invoke(app, ["template", "附件1"])
    assert again.exit_code == 2 and "已存在" in again.stderr
    bad = runner.invoke(app, ["template", "附件9", "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2
    assert "不认识表格类型“附件9”" in bad.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_rows_holding_only_a_serial_number_are_blank(tmp_path):
    """A pre-numbered form (序号 only) has no branches in its empty rows, wherever they stand."""
    records = sample_branches(6, seed=2)
    spec = classification_sheet(records, Layout(footer=True))
    serial = spec.columns["序号"]
    last = spec.data_rows[-1]  # 1-based: the row after it is the first footer row
    for k in range(4):  # four numbered empty rows between the data and the footer
        row = [None] * len(spec.rows[0])
        row[serial] = len(records) + k + 1
        spec.rows.insert(last + k, row)
    spec.merges = [
        (r1 + 4, c1, r2 + 4, c2) if r1 >= last else (r1, c1, r2, c2)
        for r1, c1, r2, c2 in spec.merges
    ]
    path = write_workbook(tmp_path / "numbered.xlsx", [spec])
    table = find_forms(read_workbook(path), SIX.aspect_headers()).tables[0]
    assert [r + 1 for r in table.rows] == spec.data_rows


# ------------------------------------------------------------------------------ round trip

AS_OF = dt.date(2025, 6, 30)


def _fill_classification(ws, choices, branches):
    """Fill 附件1 as a clerk would: marks, types, claims only from the drop-downs."""
    marks = choices["J"]
    for i, b in enumerate(branches):
        r = 6 + i
        ws.cell(r, 2, "城关镇党委")
        ws.cell(r, 3, b["name"])
        ws.cell(r, 4, choices["D"][i % len(choices["D"])])
        ws.cell(r, 5, b["members"])
        ws.cell(r, 6, b["members"] - 1)
        ws.cell(r, 7, 1)
        ws.cell(r, 8, 3 if b["members"] - 1 >= 7 else 0)
        ws.cell(r, 9, "张建国")
        for j in range(6):
            ws.cell(r, 10 + j, marks[0] if j < b["stars"] else marks[1])
        ws.cell(r, 16, "无")
        stars = next(s for s in choices["Q"] if s == (f"{b['stars']}星" if b["stars"] else "无星"))
        ws.cell(r, 17, stars)
        category = SIX.category_for(b["stars"])
        level = SIX.level_for(b["stars"])
        assert category in choices["R"] and level in choices["S"]
        ws.cell(r, 18, category)
        ws.cell(r, 19, level)
        ws.cell(r, 20, "=以等号开头的备注")
        ws.cell(r, 20).data_type = "s"


def test_round_trip_template_fill_validate_rate(tmp_path):
    out = _template(tmp_path, "附件1", "附件3", "附件4", "--unit", "城关镇党委", "--rows", "20")
    branches = [
        {"name": "城关镇东街村党支部", "stars": 6, "members": 25},
        {"name": "城关镇西关村党支部", "stars": 4, "members": 12},
        {"name": "城关镇阳光社区党支部", "stars": 5, "members": 8},
        {"name": "城关镇卫生院党支部", "stars": 2, "members": 6},
    ]
    wb = openpyxl.load_workbook(out)
    _fill_classification(wb["附件1"], _choices(wb["附件1"]), branches)

    lists = wb["附件3"]
    categories = _choices(lists)["C"]
    r = 6
    for b in branches:
        for aspect in categories[b["stars"] :]:  # one problem per unmet aspect
            lists.cell(r, 2, b["name"])
            lists.cell(r, 3, aspect)
            lists.cell(r, 4, f"{aspect}方面存在不足")
            lists.cell(r, 5, f"补齐{aspect}短板")
            lists.cell(r, 6, "李明")
            lists.cell(r, 7, "王书记")
            lists.cell(r, 8, dt.datetime(2025, 12, 31))
            r += 1
    work = wb["附件4"]
    status = _choices(work)["F"]
    for i, b in enumerate(branches[1:]):
        row = 6 + i
        work.cell(row, 2, b["name"])
        work.cell(row, 3, "对照标准补齐短板")
        work.cell(row, 4, dt.datetime(2025, 12, 31) if i else "长期坚持")
        work.cell(row, 5, "正在推进")
        work.cell(row, 6, status[i % len(status)])
        if status[i % len(status)] == "已完成":
            work.cell(row, 7, dt.datetime(2025, 6, 20))
            work.cell(row, 8, "会议记录")
    filled = tmp_path / "城关镇_已填.xlsx"
    wb.save(filled)

    report = check_file(filled, SIX, AS_OF).report  # what `branchctl validate` runs per file
    assert [f.message for f in report.findings if f.severity == "error"] == []
    checked = runner.invoke(app, ["validate", str(filled), "--json", "--as-of", "2025-06-30"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["summary"]["errors"] == 0

    rated = runner.invoke(app, ["rate", str(filled), "--json", "-o", str(tmp_path / "r.xlsx")])
    assert rated.exit_code == 0, rated.output
    result = json.loads(rated.stdout)
    assert [(b["name"], b["stars"], b["row"]) for b in result["branches"]] == [
        (b["name"], b["stars"], 6 + i) for i, b in enumerate(branches)
    ]
    assert result["summary"]["mismatches"] == 0


# ------------------------------------------------------------------------------ scored rubrics


def _columns(ws) -> dict[str, int]:
    """Header -> column number, from the two header rows (a grouped column by its lower cell)."""
    out: dict[str, int] = {}
    for r in (4, 5):
        for c in range(1, ws.max_column + 1):
            text = ws.cell(r, c).value
            if isinstance(text, str) and not text.endswith("达标情况"):
                out[text.split("\n")[0]] = c
    return out


def _rules(ws) -> dict[int, object]:
    """Column number -> its data validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            letters = "".join(ch for ch in ref.split(":")[0] if ch.isalpha())
            out[openpyxl.utils.column_index_from_string(letters)] = dv
    return out


def _fits(dv, value) -> bool:
    """Whether Excel lets a clerk type ``value`` through the validation ``dv``."""
    if dv.type == "list":
        return value in dv.formula1.strip('"').split(",")
    if dv.type in ("decimal", "whole"):
        if not isinstance(value, int | float) or (dv.type == "whole" and value != int(value)):
            return False
        low = float(dv.formula1)
        if dv.operator == "greaterThanOrEqual":
            return value >= low
        return low <= value <= float(dv.formula2)
    return dv.type is None  # a prompt only: free text


# Two branches per rubric: the cells a clerk fills besides the common ones, and what rating gives
# (stars, 定级类别, 等次), claimed through the drop-downs.
SCORED = {
    "hundred-points": [
        ({"基本组织": 20, "组织队伍": 15, "基本活动": 19.5, "基本制度": 15, "基本保障": 14,
          "发挥作用": 15, "群众满意度": 96, "佐证材料": "支部会议记录、活动照片"},
         (5, "示范点", "先进")),  # 98.5×0.7+96×0.3 = 97.75; 申报五星须附佐证材料
        ({"基本组织": 10, "组织队伍": 8, "基本活动": 10, "基本制度": 8, "基本保障": 8,
          "发挥作用": 8, "群众满意度": 0.8}, (1, "软弱涣散", "后进")),  # 52×0.7+80×0.3 = 60.4
    ],
    "five-basics": [
        ({"基本队伍": 18, "基本阵地": 17, "基本制度": 16, "基本活动": 16, "基本保障": 15},
         (5, "B", "中间")),  # total 82, every aspect at 12 or more
        ({"基本队伍": 12, "基本阵地": 12, "基本制度": 11.5, "基本活动": 14, "基本保障": 15},
         (4, "C", "中间")),  # total 64.5, 基本制度 below 12
    ],
    "star-points": [
        ({**{f"{m}月": 10 for m in range(1, 13)}, "加分": 2, "减分": 0, "减星项": "无"},
         (5, "补贴奖励", "先进")),  # 122
        ({**{f"{m}月": 6.5 if m % 2 else 5.5 for m in range(1, 13)}, "加分": 0, "减分": 0,
          "减星项": "无"}, (2, "补贴扣发", "后进")),  # 72
    ],
}  # fmt: skip


@pytest.mark.parametrize("rubric", sorted(SCORED))
def test_scored_rubric_template_round_trip(tmp_path, rubric):
    """A score is typed where the rubric reads a score (a number range, never √/×): filled
    through the template's own validations, the form checks clean and rates as expected."""
    out = _template(tmp_path, "附件1", "--rubric", rubric, "--unit", "城关镇党委")
    wb = openpyxl.load_workbook(out)
    ws = wb["附件1"]
    rules, column = _rules(ws), _columns(ws)
    aspects = [a.name for a in load_rubric(rubric).aspects]
    for name in aspects:
        assert rules[column[name]].type == "decimal", name  # no √/× where a score is read
    first = 6 if aspects else 5  # two header rows when the aspects are grouped
    names = ["城关镇东街村党支部", "城关镇西关村党支部"]
    for i, (cells, (stars, category, level)) in enumerate(SCORED[rubric]):
        row = {"所属党组织": "城关镇党委", "党支部名称": names[i], "支部类型": "农村",
               "党员人数": 20, "正式党员": 19, "预备党员": 1, "支委人数": 3, "支部书记": "张建国",
               "负面清单": "无", **cells, "星级": f"{stars}星", "定级类别": category, "等次": level}  # fmt: skip
        for name, value in row.items():
            dv = rules.get(column[name])
            assert dv is None or _fits(dv, value), (name, value)
            ws.cell(first + i, column[name], value)
    filled = tmp_path / "城关镇_已填.xlsx"
    wb.save(filled)

    args = ["--rubric", rubric, "--as-of", "2025-12-31", "--json"]
    checked = runner.invoke(app, ["validate", str(filled), *args])
    report = json.loads(checked.stdout)
    assert report["summary"]["errors"] == 0, checked.output
    assert not [f for f in report["files"][0]["findings"] if f["code"] == "evidence-missing"], (
        checked.output
    )
    rated = runner.invoke(app, ["rate", str(filled), *args, "-o", str(tmp_path / "r.xlsx")])
    result = json.loads(rated.stdout)
    assert [(b["name"], b["stars"], b["category"], b["level"]) for b in result["branches"]] == [
        (names[i], *want) for i, (_, want) in enumerate(SCORED[rubric])
    ]
    assert result["summary"]["mismatches"] == 0 and rated.exit_code == 0, rated.output


def test_hundred_points_template_carries_the_proof_column_its_five_star_claims_need(tmp_path):
    """百分制 requires 佐证材料 for a 五星 claim: the blank form has the column (before 备注), and
    a 五星 claim left without it is named by validate; other rubrics' forms do not carry it."""
    out = _template(tmp_path, "附件1", "--rubric", "hundred-points", "--unit", "城关镇党委")
    wb = openpyxl.load_workbook(out)
    ws = wb["附件1"]
    column = _columns(ws)
    assert column["佐证材料"] == column["备注"] - 1
    cells = {"所属党组织": "城关镇党委", "党支部名称": "城关镇东街村党支部", "支部类型": "农村",
             "党员人数": 20, "正式党员": 19, "预备党员": 1, "支委人数": 3, "支部书记": "张建国",
             "负面清单": "无", **{k: v for k, v in SCORED["hundred-points"][0][0].items()
                               if k != "佐证材料"}, "星级": "5星", "定级类别": "示范点", "等次": "先进"}  # fmt: skip
    for name, value in cells.items():
        ws.cell(6, column[name], value)
    filled = tmp_path / "城关镇_已填.xlsx"
    wb.save(filled)
    checked = runner.invoke(
        app,
        ["validate", str(filled), "--rubric", "hundred-points", "--as-of", "2025-12-31", "--json"],
    )
    missing = [
        f
        for f in json.loads(checked.stdout)["files"][0]["findings"]
        if f["code"] == "evidence-missing"
    ]
    assert len(missing) == 1 and missing[0]["row"] == 6 and "佐证材料" in missing[0]["message"]

    plain = openpyxl.load_workbook(_template(tmp_path, "附件1", name="六星.xlsx"))["附件1"]
    assert "佐证材料" not in _columns(plain)
