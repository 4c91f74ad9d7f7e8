"""The built-in 百分制 rubric (hundred-points) on a street office's submission, as a clerk runs it:
`rate --json`, `validate --json`, the annotated copies read back, `rubric show` and `check`.

Every figure below is worked out by hand from the rubric's text: 综合得分 = 基础项 × 0.7 +
群众满意度 × 0.3; 满意度 = (满意 + 0.8 比较满意 + 0.6 基本满意) / 总票数; 95/85/75/65/60 分 for
5/4/3/2/1 星; caps 满意度 < 60% -> 2 星, < 90% -> 4 星, 是否软弱涣散 -> 2 星.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.io.xlsx.plan import FILL_ERROR, FILL_WARNING
from branchctl.rules.rubric_file import builtin_text
from tests.builders import (
    ASPECTS,
    FULLWIDTH,
    TALLY_COLUMNS,
    SheetSpec,
    hundred_points_sheet,
    work_ledger_sheet,
    write_workbook,
)

runner = CliRunner()
AS_OF = ["--as-of", "2025-06-30"]
ORG = "城关街道党工委"

# name, 支部类型, six scores (20/15/20/15/15/15), votes (满意, 比较满意, 基本满意, 不满意), 综合得分
# as written, 是否软弱涣散, 负面清单, 星级, 等次, 佐证材料
STREET = [
    # 基础100, 满意度 (48 + 1.6)/50 = 99.2, 70 + 29.76 = 99.76 -> 5★
    ("东风社区党支部", "城市社区", (20, 15, 20, 15, 15, 15), (48, 2, 0, 0), 99.76, None, "无", 5, "先进", "创建资料汇编1册"),
    # 基础94, (40 + 6.4 + 1.2)/50 = 95.2, 65.8 + 28.56 = 94.36 -> 4★; claims 五星 without proof
    ("朝阳社区党支部", "城市社区", (19, 14, 19, 14, 14, 14), (40, 8, 2, 0), None, None, "无", "五星", "先进", None),
    # 基础88, (20 + 8 + 6)/50 = 68, 61.6 + 20.4 = 82 -> 3★ (the < 90% cap, 4★, does not bite)
    ("新华社区党支部", "城市社区", (18, 13, 18, 13, 13, 13), (20, 10, 10, 10), 82, "否", "无", 3, "中间", None),
    # 基础98, (20 + 4 + 6)/50 = 60 (not below 60), 68.6 + 18 = 86.6 -> 4★; 社区 is 城市社区
    ("光明社区党支部", "社区", (20, 15, 19, 15, 14, 15), (20, 5, 10, 15), None, None, "无", "四星", "先进", None),
    # 基础100, (10 + 8 + 9)/50 = 54, 70 + 16.2 = 86.2 -> 4★, capped to 2★ (< 60%)
    ("幸福社区党支部", "城市社区", (20, 15, 20, 15, 15, 15), (10, 10, 15, 15), None, None, "无", 4, "先进", None),
    # 基础99, (45 + 4)/50 = 98, 69.3 + 29.4 = 98.7 -> 5★; nothing claimed, no proof
    ("红星村党支部", "农村", (19, 15, 20, 15, 15, 15), (45, 5, 0, 0), None, None, "无", None, None, None),
    # 基础100, (35 + 8 + 3)/50 = 92, 70 + 27.6 = 97.6 -> 5★
    ("青山村党支部", "农村", (20, 15, 20, 15, 15, 15), (35, 10, 5, 0), None, None, "无", 5, "先进", "台账、照片"),
    # 基础100, (30 + 8 + 6)/50 = 88, 70 + 26.4 = 96.4 -> 5★, capped to 4★ (< 90%)
    ("绿水村党支部", "农村", (20, 15, 20, 15, 15, 15), (30, 10, 10, 0), None, None, "无", None, None, None),
    # 基础74, (25 + 12 + 3)/50 = 80, 51.8 + 24 = 75.8 -> 3★, capped to 2★ (软弱涣散)
    ("县医院党支部", "事业单位", (15, 11, 15, 11, 11, 11), (25, 15, 5, 5), None, "是", "无", 3, "中间", None),
    # 基础67, (20 + 12 + 6)/50 = 76, 46.9 + 22.8 = 69.7 -> 2★; 综合得分 written as 70
    ("城建局机关党支部", "机关", (14, 10, 13, 10, 10, 10), (20, 15, 10, 5), 70, None, "无", 2, "中间", None),
    # 基础60 (基本保障 8 < 9: unmet), 80%, 42 + 24 = 66 -> 2★
    ("宏达公司党支部", "非公企业", (13, 9, 12, 9, 8, 9), (25, 15, 5, 5), None, None, "无", 2, "中间", None),
    # 基础88, 96%, 90.4 -> 4★, but the 负面清单 vetoes: 0★
    ("南街社区党支部", "城市社区", (18, 13, 18, 13, 13, 13), (40, 10, 0, 0), None, None, "党员违纪违法造成恶劣影响", "无星", "后进", None),
]  # fmt: skip

# (stars, category, level, score, 基础项, 评议项 = 满意度, capped_from, rank)
EXPECTED = {
    "东风社区党支部": (5, "示范点", "先进", 99.76, 100, 99.2, None, 1),
    "朝阳社区党支部": (4, "重点对象", "先进", 94.36, 94, 95.2, None, 5),
    "新华社区党支部": (3, "加强指导", "中间", 82, 88, 68, None, 8),
    "光明社区党支部": (4, "重点对象", "先进", 86.6, 98, 60, None, 6),
    "幸福社区党支部": (2, "加强指导", "中间", 86.2, 100, 54, 4, 7),
    "红星村党支部": (5, "示范点", "先进", 98.7, 99, 98, None, 2),
    "青山村党支部": (5, "示范点", "先进", 97.6, 100, 92, None, 3),
    "绿水村党支部": (4, "重点对象", "先进", 96.4, 100, 88, 5, 4),
    "县医院党支部": (2, "加强指导", "中间", 75.8, 74, 80, 3, 9),
    "城建局机关党支部": (2, "加强指导", "中间", 69.7, 67, 76, None, 10),
    "宏达公司党支部": (2, "加强指导", "中间", 66, 60, 80, None, 11),
    "南街社区党支部": (0, "软弱涣散", "后进", 90.4, 88, 96, None, 12),  # vetoed: ranked last
}

WORK = [  # 附件4: the second and fourth are 销号 without 佐证材料
    ("朝阳社区党支部", "完善党员活动室", dt.date(2025, 5, 31), "已完成", dt.date(2025, 5, 20), "照片、验收单"),
    ("幸福社区党支部", "开展群众满意度回头看", "2025年5月底", "已完成", dt.date(2025, 5, 28), None),
    ("县医院党支部", "软弱涣散整顿", "2025年12月底", "推进中", None, None),
    ("宏达公司党支部", "规范三会一课记录", dt.date(2025, 9, 30), "推进中", dt.date(2025, 6, 10), None),
    ("城建局机关党支部", "建立党员积分台账", dt.date(2025, 6, 30), "已完成", dt.date(2025, 6, 15), "会议记录"),
]  # fmt: skip


def street_records() -> list[dict[str, Any]]:
    records = []
    for i, (name, kind, scores, votes, total, weak, veto, stars, level, proof) in enumerate(STREET):
        records.append(
            {
                "所属党组织": ORG,
                "党支部名称": name,
                "支部类型": kind,
                **dict(zip(ASPECTS, scores, strict=True)),
                # every third row's votes typed as full-width text
                **{
                    c: str(v).translate(FULLWIDTH) if i % 3 == 0 else v
                    for c, v in zip(TALLY_COLUMNS, votes, strict=True)
                },
                "总分": total,
                "软弱涣散情形": weak,
                "负面清单": veto,
                "星级": stars,
                "等次": level,
                "佐证材料": proof,
            }
        )
    return records


def street_workbook(tmp_path: Path, suffix: str = ".xlsx") -> tuple[Path, SheetSpec, SheetSpec]:
    work = [
        {"党支部名称": b, "工作任务": t, "完成时限": d, "进展情况": "按计划推进", "完成情况": s,
         "销号时间": c, "佐证材料": p}
        for b, t, d, s, c, p in WORK
    ]  # fmt: skip
    sheet, ledger = hundred_points_sheet(street_records()), work_ledger_sheet(work)
    return write_workbook(tmp_path / f"城关街道{suffix}", [sheet, ledger]), sheet, ledger


def _row(spec: SheetSpec, name: str) -> int:
    return next(i for i, rec in enumerate(spec.records) if rec["党支部名称"] == name)


# ------------------------------------------------------------------------------- rate


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_rate_json_weighs_the_parts_bands_the_total_and_caps(tmp_path: Path, suffix: str) -> None:
    path, sheet, _ = street_workbook(tmp_path, suffix)
    result = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", "--json", *AS_OF])
    assert result.exit_code == 1, result.output  # three branches claim more than they get
    doc = json.loads(result.stdout)
    assert doc["rubric"] == "hundred-points"
    got = {
        b["name"]: (
            b["stars"], b["category"], b["level"], b["score"], b["parts"]["基础项"],
            b["parts"]["评议项"], b["capped_from"], b["rank"],
        )
        for b in doc["branches"]
    }  # fmt: skip
    assert got == EXPECTED
    assert all(b["satisfaction"] == b["parts"]["评议项"] for b in doc["branches"])
    by = {b["name"]: b for b in doc["branches"]}
    assert by["幸福社区党支部"]["caps"] == [
        {"rule": "群众满意度低于60%的，最高评为二星", "max_stars": 2, "column": "群众满意度",
         "seen": "群众满意度为54%"},
        {"rule": "群众满意度低于90%的，不得评为五星", "max_stars": 4, "column": "群众满意度",
         "seen": "群众满意度为54%"},
    ]  # fmt: skip
    assert [c["rule"] for c in by["县医院党支部"]["caps"]] == [
        "群众满意度低于90%的，不得评为五星",
        "被列为软弱涣散党组织的，不得评为三星及以上",
    ]
    assert by["光明社区党支部"]["caps"][0]["max_stars"] == 4  # holds, but 4★ is not above it
    assert by["东风社区党支部"]["caps"] == [] and by["新华社区党支部"]["capped_from"] is None
    assert by["幸福社区党支部"]["warnings"] == [
        "群众满意度为54%，群众满意度低于60%的，最高评为二星：4星调为2星"
    ]
    assert by["县医院党支部"]["warnings"] == [
        "“软弱涣散情形”为“是”，被列为软弱涣散党组织的，不得评为三星及以上：3星调为2星"
    ]
    assert by["城建局机关党支部"]["warnings"] == ["总分填报70分，按权重核算为69.7分"]
    assert by["宏达公司党支部"]["unmet"] == ["基本保障"] and not by["宏达公司党支部"]["standard"]
    assert by["南街社区党支部"]["veto"] == "党员违纪违法造成恶劣影响"
    # proof for 5★: claimed without it, and computed (nothing claimed) without it
    assert by["朝阳社区党支部"]["evidence_missing"] == [
        {"grade": "5星", "claimed": True, "columns": ["佐证材料"], "rule": "申报五星须附佐证材料"}
    ]
    assert by["红星村党支部"]["evidence_missing"][0]["claimed"] is False
    red_star = by["红星村党支部"]
    proof = "核算为5星，但未填写“佐证材料”（申报五星须附佐证材料），请补充"
    assert f"第{red_star['row']}行“红星村党支部”{proof}" in red_star["warnings"]
    assert "evidence-missing" in red_star["warning_codes"]
    assert by["东风社区党支部"]["evidence_missing"] == []
    assert [b["row"] for b in doc["branches"]] == sheet.data_rows

    s = doc["summary"]
    assert s["by_stars"] == {"0": 1, "1": 0, "2": 4, "3": 1, "4": 3, "5": 3}
    assert s["by_category"] == {"示范点": 3, "重点对象": 3, "加强指导": 5, "软弱涣散": 1}
    assert (s["standard_count"], s["mismatches"]) == (7, 3)
    shares = [
        (x["grade"], x["kind"], x["total"], x["bound"], x["count"], x["ok"]) for x in s["shares"]
    ]
    assert shares == [
        ("后进", "min", 6, 1, 1, True),  # six community branches: the vetoed one is 后进
        ("后进", "min", 6, 1, 0, False),  # the others: ceil(6 × 5%) = 1, none
        ("5星", "target", 12, 1, 3, False),  # round(1.2)
        ("4星", "target", 12, 5, 3, False),  # round(4.8)
        ("3星", "target", 12, 4, 1, False),  # round(3.6)
    ]
    borders = [[b["name"] for b in x["border"]] for x in s["shares"]]
    assert borders == [
        [],
        ["宏达公司党支部"],  # the weakest above 后进 among the non-community branches
        ["青山村党支部", "红星村党支部"],  # too many 5★: the weakest of them
        # too few 4★: the strongest below that can rise; 幸福 (86.2 分) is held at 2★ by its cap
        ["新华社区党支部", "城建局机关党支部"],
        ["城建局机关党支部", "宏达公司党支部"],  # 幸福 and 县医院 capped at 2★, 南街 vetoed
    ]
    assert s["shares"][1]["note"] == (
        "后进不少于城市社区以外党支部的5%：参评6个，至少1个（向上取整），核算为后进的0个，还差1个；"
        "处在边界上的：宏达公司党支部（2星，66分）。"
    )


def test_rate_annotated_copy_shows_parts_caps_and_proof(tmp_path: Path) -> None:
    path, sheet, _ = street_workbook(tmp_path)
    out = tmp_path / "评定结果.xlsx"
    result = runner.invoke(
        app, ["rate", str(path), "--rubric", "hundred-points", "-o", str(out), *AS_OF]
    )
    assert result.exit_code == 1, result.output
    assert "后进不少于城市社区以外党支部的5%" in result.stdout  # the shares are on screen too
    wb = openpyxl.load_workbook(out)
    ws = wb["附件1"]
    first = len(sheet.rows[sheet.header_rows[0] - 1]) + 1  # appended right of the table
    header = [ws.cell(sheet.header_rows[0], first + i).value for i in range(10)]
    assert header == [
        "计算星级", "计算类别", "计算等次", "未达标方面", "核对结果", "计算总分", "基础项得分",
        "评议项得分", "计算群众满意度（%）", "排名",
    ]  # fmt: skip
    i = _row(sheet, "幸福社区党支部")
    row = [ws.cell(sheet.data_rows[i], first + k).value for k in range(10)]
    assert row == [
        2, "加强指导", "中间", "无", "星级不符（填报4星，核算2星）；等次不符（填报“先进”，核算“中间”）",
        86.2, 100, 54, 54, 7,
    ]  # fmt: skip

    def mark(index: int, column: str) -> tuple[str, str]:
        cell = ws[sheet.ref(index, column)]
        return cell.fill.fgColor.rgb, cell.comment.text if cell.comment else ""

    red, yellow = "FF" + FILL_ERROR, "FF" + FILL_WARNING
    # the rate came from the votes: the first vote cell carries why the stars were capped
    assert mark(i, "满意票数") == (
        yellow,
        "群众满意度为54%，群众满意度低于60%的，最高评为二星：4星调为2星",
    )
    assert mark(i, "星级") == (
        red,
        "填报：4星\n群众满意度为54%，群众满意度低于60%的，最高评为二星，核算：2星",
    )
    j = _row(sheet, "县医院党支部")
    assert mark(j, "软弱涣散情形")[0] == yellow
    row = _row(sheet, "朝阳社区党支部")
    assert mark(row, "佐证材料") == (
        yellow,
        f"第{sheet.data_rows[row]}行“朝阳社区党支部”自评为5星，但未填写“佐证材料”"
        "（申报五星须附佐证材料），请补充",
    )
    assert mark(_row(sheet, "朝阳社区党支部"), "星级")[1] == "填报：5星\n按综合得分94.36分核算：4星"
    assert mark(_row(sheet, "东风社区党支部"), "佐证材料")[1] == ""  # proof given
    notes = [r[0] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]]
    assert (
        "4星目标为参评党支部的40%：参评12个，为5个（四舍五入），核算为4星的3个，比目标少2个；"
        "处在边界上的：新华社区党支部（3星，82分）、城建局机关党支部（2星，69.7分）。"
    ) in notes
    # the ranking's names (column C) print whole: 城建局机关党支部 is 8 characters, 16 wide
    summary = wb["汇总"]
    ranking = next(r for r in summary.iter_rows() if r[0].value == "排名")
    assert ranking[2].value == "名称"
    assert summary.column_dimensions["C"].width >= 18


# ---------------------------------------------------------------------------- validate


def test_validate_reports_caps_shares_and_evidence(tmp_path: Path) -> None:
    path, sheet, ledger = street_workbook(tmp_path)
    annotated = tmp_path / "批注"
    result = runner.invoke(
        app,
        ["validate", str(path), "--rubric", "hundred-points", "--json", "--annotate",
         str(annotated), *AS_OF],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    (doc,) = json.loads(result.stdout)["files"]
    got = [(f["code"], f["severity"], f["sheet"], f["cell"]) for f in doc["findings"]]
    happy, hospital = _row(sheet, "幸福社区党支部"), _row(sheet, "县医院党支部")
    sunrise = _row(sheet, "朝阳社区党支部")
    assert got == [
        ("quota-below", "error", "附件1", None),
        ("stars-mismatch", "error", "附件1", sheet.ref(sunrise, "星级")),
        ("evidence-missing", "warning", "附件1", sheet.ref(sunrise, "佐证材料")),
        ("stars-mismatch", "error", "附件1", sheet.ref(happy, "星级")),
        ("cap-exceeded", "error", "附件1", sheet.ref(happy, "星级")),
        ("category-mismatch", "error", "附件1", sheet.ref(happy, "等次")),
        ("cap-exceeded", "error", "附件1", sheet.ref(happy, "等次")),
        (
            "evidence-missing",
            "warning",
            "附件1",
            sheet.ref(_row(sheet, "红星村党支部"), "佐证材料"),
        ),
        ("stars-mismatch", "error", "附件1", sheet.ref(hospital, "星级")),
        ("cap-exceeded", "error", "附件1", sheet.ref(hospital, "星级")),
        ("deadline-overdue", "warning", "附件4", ledger.ref(1, "完成时限")),  # not closed
        ("evidence-missing", "warning", "附件4", ledger.ref(1, "佐证材料")),
        ("evidence-missing", "warning", "附件4", ledger.ref(3, "佐证材料")),
    ]
    messages = [f["message"] for f in doc["findings"]]
    assert messages[0] == (
        "后进不少于城市社区以外党支部的5%：参评6个，至少1个（向上取整），填报（未填报的按核算结果）"
        "为后进的0个，还差1个；处在边界上的：宏达公司党支部（2星，66分），请按比例要求重新核定"
    )
    row = sheet.data_rows[happy]
    assert messages[3] == (
        f"第{row}行“幸福社区党支部”填报4星，按评定规则核算应为2星（总分86.2分，群众满意度为54%，封顶2星），请核对"
    )
    assert messages[4] == (
        f"第{row}行“幸福社区党支部”填报4星，但群众满意度为54%，群众满意度低于60%的，最高评为二星，请核对"
    )
    assert messages[6].startswith(f"第{row}行“幸福社区党支部”填报“先进”，但群众满意度为54%")
    assert messages[9].endswith(
        "但“软弱涣散情形”为“是”，被列为软弱涣散党组织的，不得评为三星及以上，请核对"
    )
    assert messages[2] == (
        f"第{sheet.data_rows[sunrise]}行“朝阳社区党支部”自评为5星，但未填写“佐证材料”（申报五星须附佐证材料），请补充"
    )
    assert messages[7].endswith("核算为5星，但未填写“佐证材料”（申报五星须附佐证材料），请补充")
    assert messages[10].startswith(
        f"第{ledger.data_rows[1]}行任务“开展群众满意度回头看”的完成时限为2025年5月31日"
    )
    assert messages[11] == (
        f"第{ledger.data_rows[1]}行“开展群众满意度回头看”完成情况为“已完成”，但未填写“佐证材料”，"
        "不能视为完成销号，请补充"
    )
    assert messages[12].endswith(
        "“规范三会一课记录”已填写销号时间，但未填写“佐证材料”，不能视为完成销号，请补充"
    )

    wb = openpyxl.load_workbook(annotated / "城关街道.checked.xlsx")
    cell = wb["附件1"][sheet.ref(happy, "星级")]
    assert cell.fill.fgColor.rgb == "FF" + FILL_ERROR
    assert "【超出封顶星级】" in cell.comment.text and "【星级与达标情况不符】" in cell.comment.text
    assert wb["附件4"][ledger.ref(1, "佐证材料")].fill.fgColor.rgb == "FF" + FILL_WARNING
    listed = [r[7] for r in wb["校验结果"].iter_rows(min_row=3, values_only=True)]
    assert listed[0] == "quota-below" and listed.count("evidence-missing") == 4
    # the long 说明 wraps in its column: its row is tall enough for the lines (LibreOffice and
    # WPS print a row without a height at one line, the wrapped text over the rows below)
    findings = wb["校验结果"]
    width = findings.column_dimensions["F"].width
    for r in range(3, findings.max_row + 1):
        text = findings.cell(r, 6).value
        lines = -(-2 * len(text) // int(width))  # CJK text: two characters' width each
        height = findings.row_dimensions[r].height
        assert (height or 15) >= 14.5 * lines, (r, text, height)


def test_claims_meeting_the_shares_and_caps_are_fine(tmp_path: Path) -> None:
    """The same street, its claims corrected: no cap, share or proof finding is left."""
    records = street_records()
    fixes = {
        "朝阳社区党支部": {"星级": 4, "佐证材料": None},
        "幸福社区党支部": {"星级": 2, "等次": "中间"},
        "县医院党支部": {"星级": 2},
        "红星村党支部": {"佐证材料": "示范创建材料"},
        "宏达公司党支部": {"等次": "后进"},  # the county names one non-community 后进
    }
    for rec in records:
        rec.update(fixes.get(rec["党支部名称"], {}))
    path = write_workbook(tmp_path / "改正.xlsx", [hundred_points_sheet(records)])
    result = runner.invoke(
        app, ["validate", str(path), "--rubric", "hundred-points", "--json", *AS_OF]
    )
    codes = [f["code"] for f in json.loads(result.stdout)["files"][0]["findings"]]
    assert codes == ["category-mismatch"]  # 宏达 claims 后进 but computes 中间: the clerk's call
    assert result.exit_code == 1


# ------------------------------------------------------------------------------ rubric


def test_rubric_show_and_check_the_hundred_point_scheme(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["rubric", "show", "hundred-points"])
    assert shown.exit_code == 0 and shown.stdout == builtin_text("hundred-points")
    assert "weight = 0.7" in shown.stdout and "{ min = 95, stars = 5 }" in shown.stdout
    copy = tmp_path / "本县百分制.toml"
    copy.write_text(shown.stdout, "utf-8")
    checked = runner.invoke(app, ["rubric", "check", str(copy)])
    assert checked.exit_code == 0
    assert checked.stdout == (
        "检查通过：党支部星级评定（百分制）（hundred-points）：评定党支部，"
        "基础项70%、评议项30%加权计分，按总分分档定星（95分以上5星、85分以上4星、75分以上3星、"
        "65分以上2星、60分以上1星），0至5星；封顶3条；比例要求5条；佐证要求1条。\n"
    )
    listed = runner.invoke(app, ["rubric", "list"]).stdout.splitlines()
    assert any(
        line.startswith("hundred-points") and "党支部星级评定（百分制）" in line for line in listed
    )


def test_a_cap_column_named_twice_stops_rate_as_validate_reports_it(tmp_path: Path) -> None:
    """是否软弱涣散 (软弱涣散情形) caps 县医院党支部 at 2 stars; a second visible copy of that column leaves no
    way to tell which counts. rate must not drop the cap without a word: it stops, naming both
    header cells, as validate reports duplicate-column on the same cells."""
    path, _, _ = street_workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = next(c for row in ws.iter_rows(max_row=8) for c in row if c.value == "是否软弱涣散")
    copy = ws.max_column + 1  # a clerk's copy of the column, its header merged down like the rest
    for r in range(header.row, ws.max_row + 1):
        ws.cell(r, copy, ws.cell(r, header.column).value)
    ws.merge_cells(start_row=header.row, start_column=copy, end_row=header.row + 1, end_column=copy)
    wb.save(path)
    first = header.coordinate
    second = f"{openpyxl.utils.get_column_letter(copy)}{header.row}"

    rated = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", *AS_OF,
                                "-o", str(tmp_path / "r.xlsx")])  # fmt: skip
    assert rated.exit_code == 2 and not (tmp_path / "r.xlsx").exists()
    assert "表头重复" in rated.output and first in rated.output and second in rated.output
    checked = runner.invoke(app, ["validate", str(path), "--rubric", "hundred-points", *AS_OF,
                                  "--json"])  # fmt: skip
    found = [f for f in json.loads(checked.stdout)["files"][0]["findings"]
             if f["code"] == "duplicate-column"]  # fmt: skip
    assert [f["cell"] for f in found] == [first] and second in found[0]["message"]
