"""Each county rule on its own, written into a county's copy of a built-in rubric and run as a
clerk runs it: a cap on a six-star ledger, a share both ways, a satisfaction rate written as a
percentage, the default evidence rule for the 附件4 ledger."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.io.xlsx.plan import FILL_WARNING
from branchctl.rules.rubric_file import builtin_text
from tests.builders import (
    ASPECTS,
    CLASSIFICATION_COLUMNS,
    CREATION_COLUMNS,
    HUNDRED_COLUMNS,
    HUNDRED_HEADERS,
    TALLY_COLUMNS,
    Layout,
    classification_sheet,
    creation_ledger_sheet,
    hundred_points_sheet,
    sample_branches,
    work_ledger_sheet,
    write_workbook,
)
from tests.test_rubric_hundred import street_records

runner = CliRunner()
AS_OF = ["--as-of", "2025-06-30"]

FEW_MEMBERS_CAP = """
[[caps]]
text = "正式党员不足3名的，最高评为四星"
when = { column = "正式党员", instead = ["党员人数"], op = "<", value = 3 }
max_stars = 4
"""
MODEL_SHARE = """
[[shares]]
category = "示范点"
max_share = 0.2
"""


def _rubric(tmp_path: Path, base: str, extra: str, name: str = "本县规则.toml") -> Path:
    path = tmp_path / name
    path.write_text(builtin_text(base) + extra, "utf-8")
    return path


def _six_star_ledger(tmp_path: Path, changes: dict[int, dict[str, Any]]):
    """Eight branches, every aspect met (6★, 示范点) and claimed so, unless changed."""
    records = sample_branches(8, seed=5, small_branches=False)
    for rec in records:
        rec.update({a: True for a in ASPECTS})
        rec.update({"正式党员": 12, "预备党员": 0, "党员人数": 12, "支委人数": 5, "负面清单": "无"})
        rec.update({"星级": 6, "定级类别": "示范点", "等次": "先进"})
    for i, change in changes.items():
        records[i].update(change)
    columns = tuple(c for c in CLASSIFICATION_COLUMNS if c != "备注")
    sheet = classification_sheet(records, Layout(columns=columns))
    return write_workbook(tmp_path / "台账.xlsx", [sheet]), sheet


def test_a_cap_on_a_six_star_ledger(tmp_path: Path) -> None:
    rubric = _rubric(tmp_path, "six-star", FEW_MEMBERS_CAP)
    path, sheet = _six_star_ledger(
        tmp_path,
        {
            1: {"正式党员": 2, "预备党员": 1, "党员人数": 3},  # 6★ capped to 4★
            2: {"正式党员": None, "党员人数": 2, "星级": 4, "定级类别": "加强指导", "等次": "中间"},
            3: {"组织队伍": False, "基本活动": False, "基本制度": False, "正式党员": 2,
                "党员人数": 2, "星级": 3, "定级类别": "加强指导", "等次": "中间"},
        },
    )  # fmt: skip
    out = tmp_path / "评定.xlsx"
    args = ["rate", str(path), "--rubric", str(rubric), "-o", str(out), "--json", *AS_OF]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    got = [
        (b["stars"], b["category"], b["capped_from"]) for b in json.loads(result.stdout)["branches"]
    ]
    assert got[:4] == [
        (6, "示范点", None),
        (4, "加强指导", 6),
        (4, "加强指导", 6),  # 党员人数 stands in where 正式党员 is blank
        (3, "加强指导", None),  # 3★ is under the cap: it holds, and changes nothing
    ]
    doc = json.loads(result.stdout)["branches"]
    assert doc[1]["warnings"][-1] == (
        "正式党员为2，正式党员不足3名的，最高评为四星：6星调为4星"
    )  # the indicator rule on 正式党员 warns before it
    assert doc[3]["caps"] == [
        {"rule": "正式党员不足3名的，最高评为四星", "max_stars": 4, "column": "正式党员",
         "seen": "正式党员为2"}
    ]  # fmt: skip
    ws = openpyxl.load_workbook(out)["附件1"]
    cell = ws[sheet.ref(1, "正式党员")]
    assert cell.fill.fgColor.rgb == "FF" + FILL_WARNING
    assert cell.comment.text == "正式党员为2，正式党员不足3名的，最高评为四星：6星调为4星"
    claim = ws[sheet.ref(1, "星级")]
    assert (
        claim.comment.text == "填报：6星\n正式党员为2，正式党员不足3名的，最高评为四星，核算：4星"
    )

    check = runner.invoke(app, ["validate", str(path), "--rubric", str(rubric), "--json", *AS_OF])
    findings = json.loads(check.stdout)["files"][0]["findings"]
    capped = [(f["cell"], f["message"]) for f in findings if f["code"] == "cap-exceeded"]
    # 先进 needs five stars; branches 2 and 3 claim what the cap allows
    row = sheet.data_rows[1]
    assert capped == [
        (
            sheet.ref(1, "星级"),
            f"第{row}行“{sheet.records[1]['党支部名称']}”填报6星，但正式党员为2，正式党员不足3名的，最高评为四星，请核对",
        ),
        (
            sheet.ref(1, "定级类别"),
            f"第{row}行“{sheet.records[1]['党支部名称']}”填报“示范点”，但正式党员为2，正式党员不足3名的，最高评为四星，请核对",
        ),
        (
            sheet.ref(1, "等次"),
            f"第{row}行“{sheet.records[1]['党支部名称']}”填报“先进”，但正式党员为2，正式党员不足3名的，最高评为四星，请核对",
        ),
    ]  # fmt: skip


def test_a_maximum_share_is_reported_in_rate_and_an_error_in_validate(tmp_path: Path) -> None:
    rubric = _rubric(tmp_path, "six-star", MODEL_SHARE)
    path, sheet = _six_star_ledger(
        tmp_path,
        {
            i: {"发挥作用": False, "星级": 5, "定级类别": "重点对象", "等次": "先进"}
            for i in range(5)
        },
    )  # five at 5★; three 示范点, the most 20% of 8 allows is 1 (向下取整)
    result = runner.invoke(app, ["rate", str(path), "--rubric", str(rubric), "--json", *AS_OF])
    assert result.exit_code == 0, result.output  # a share is reported, it moves nobody
    (share,) = json.loads(result.stdout)["summary"]["shares"]
    assert (share["kind"], share["bound"], share["count"], share["ok"]) == ("max", 1, 3, False)
    names = [sheet.records[i]["党支部名称"] for i in (5, 6, 7)]
    assert [b["name"] for b in share["border"]] == names  # all three tie at 6★: all named
    assert share["note"].startswith(
        "示范点不超过参评党支部的20%：参评8个，最多1个（向下取整），核算为示范点的3个，超出2个"
    )

    check = runner.invoke(app, ["validate", str(path), "--rubric", str(rubric), "--json", *AS_OF])
    assert check.exit_code == 1
    (f,) = json.loads(check.stdout)["files"][0]["findings"]
    assert (f["code"], f["severity"], f["column"], f["row"]) == (
        "quota-exceeded",
        "error",
        "定级类别",
        None,
    )
    assert "填报（未填报的按核算结果）为示范点的3个，超出2个" in f["message"]


def test_a_branch_that_cannot_rise_is_not_named_at_the_border(tmp_path: Path) -> None:
    # 后进 at most 12.5% of 8 (1, 向下取整); four stand there, three too many. The vetoed one and
    # the one held at 2★ by the cap cannot leave 后进 upwards: only the other two are named.
    cap = FEW_MEMBERS_CAP.replace("四星", "二星").replace("max_stars = 4", "max_stars = 2")
    share = '\n[[shares]]\nlevel = "后进"\nmax_share = 0.125\n'
    rubric = _rubric(tmp_path, "six-star", cap + share)
    path, sheet = _six_star_ledger(
        tmp_path,
        {
            0: {"负面清单": "发生重大安全事故"},  # vetoed: 0★
            1: {"正式党员": 2, "党员人数": 2},  # 6★ capped to 2★
            2: {a: False for a in ASPECTS[2:]},  # 2★
            3: {a: False for a in ASPECTS[1:]},  # 1★
        },
    )
    result = runner.invoke(app, ["rate", str(path), "--rubric", str(rubric), "--json", *AS_OF])
    doc = json.loads(result.stdout)
    assert [(b["stars"], b["level"]) for b in doc["branches"][:4]] == [
        (0, "后进"), (2, "后进"), (2, "后进"), (1, "后进"),
    ]  # fmt: skip
    (s,) = doc["summary"]["shares"]
    assert (s["kind"], s["bound"], s["count"], s["ok"]) == ("max", 1, 4, False)
    names = [sheet.records[i]["党支部名称"] for i in (2, 3)]
    assert [b["name"] for b in s["border"]] == names


def test_a_minimum_share_met_by_the_claims_is_not_reported(tmp_path: Path) -> None:
    share = '\n[[shares]]\nlevel = "后进"\nmin_share = 0.1\n'
    rubric = _rubric(tmp_path, "six-star", share)
    weak = {
        "组织队伍": False,
        "基本活动": False,
        "基本制度": False,
        "基本保障": False,
        "发挥作用": False,
    }
    path, _ = _six_star_ledger(
        tmp_path, {0: {**weak, "星级": 1, "定级类别": "软弱涣散", "等次": "后进"}}
    )
    check = runner.invoke(app, ["validate", str(path), "--rubric", str(rubric), "--json", *AS_OF])
    assert json.loads(check.stdout)["files"][0]["findings"] == []  # ceil(0.8) = 1 后进, one claimed
    path, _ = _six_star_ledger(
        tmp_path, {0: {**weak, "星级": 1, "定级类别": "软弱涣散", "等次": "中间"}}
    )
    check = runner.invoke(app, ["validate", str(path), "--rubric", str(rubric), "--json", *AS_OF])
    codes = [f["code"] for f in json.loads(check.stdout)["files"][0]["findings"]]
    assert codes == ["quota-below", "category-mismatch"]


# ----------------------------------------------------------------------- satisfaction


def _rate_sheet(tmp_path: Path, rates: list[Any], name: str = "满意度.xlsx"):
    """The street's sheet with the rate written (群众满意度) in place of the poll's votes."""
    columns = tuple(c for c in HUNDRED_COLUMNS if c not in TALLY_COLUMNS)
    i = columns.index("总分")
    columns = (*columns[:i], "群众满意度", *columns[i:])
    records = street_records()[: len(rates)]
    for rec, rate in zip(records, rates, strict=True):
        rec["群众满意度"] = rate
    layout = Layout(org="城关街道党工委", synonyms=HUNDRED_HEADERS, columns=columns)
    sheet = hundred_points_sheet(records, layout)
    return write_workbook(tmp_path / name, [sheet]), sheet


def test_a_written_rate_stands_in_for_the_votes(tmp_path: Path) -> None:
    # 东风 基础100: 0.855 is 85.5% (a percent cell), 70 + 25.65 = 95.65, but < 90% caps at 4★;
    # 朝阳 基础94: 55% -> 65.8 + 16.5 = 82.3 -> 3★, capped at 2★; 新华 基础88: 99.5% -> 91.45 -> 4★
    path, _ = _rate_sheet(tmp_path, [0.855, "５５％", "99.5%"])
    result = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", "--json", *AS_OF])
    got = [
        (b["satisfaction"], b["score"], b["stars"], b["capped_from"])
        for b in json.loads(result.stdout)["branches"]
    ]
    assert got == [(85.5, 95.65, 4, 5), (55, 82.3, 2, 3), (99.5, 91.45, 4, None)]


def test_a_bad_rate_is_a_finding_in_validate_and_stops_rate(tmp_path: Path) -> None:
    path, sheet = _rate_sheet(tmp_path, ["85%", "很满意", "120%"])
    check = runner.invoke(
        app, ["validate", str(path), "--rubric", "hundred-points", "--json", *AS_OF]
    )
    bad = [
        (f["cell"], f["value"], f["message"])
        for f in json.loads(check.stdout)["files"][0]["findings"]
        if f["code"] == "bad-number"
    ]
    assert bad == [
        (sheet.ref(1, "群众满意度"), "很满意", f"第{sheet.data_rows[1]}行“群众满意度”填写为“很满意”，不是有效的百分比，应填写如“85%”或“85.5”"),
        (sheet.ref(2, "群众满意度"), "120%", f"第{sheet.data_rows[2]}行“群众满意度”填写为“120%”，百分比应在0%至100%之间"),
    ]  # fmt: skip
    result = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", *AS_OF])
    assert result.exit_code == 2
    assert f"单元格 {sheet.ref(1, '群众满意度')}：“群众满意度”填写为“很满意”" in result.stderr


def test_votes_decide_and_a_different_written_rate_is_pointed_out(tmp_path: Path) -> None:
    i = HUNDRED_COLUMNS.index("总分")
    columns = (*HUNDRED_COLUMNS[:i], "群众满意度", *HUNDRED_COLUMNS[i:])
    records = street_records()[:2]
    records[0]["群众满意度"] = "90%"  # the votes say 99.2%
    records[1]["群众满意度"] = "95%"  # the votes say 95.2%: within half a point
    layout = Layout(org="城关街道党工委", synonyms=HUNDRED_HEADERS, columns=columns)
    path = write_workbook(tmp_path / "两者.xlsx", [hundred_points_sheet(records, layout)])
    result = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", "--json", *AS_OF])
    first, second = json.loads(result.stdout)["branches"]
    assert (first["satisfaction"], second["satisfaction"]) == (99.2, 95.2)
    assert first["warnings"] == ["“群众满意度”填报为90%，按测评票数核算为99.2%，以核算为准"]
    assert second["warnings"] == [
        f"第{second['row']}行“{second['name']}”自评为5星，但未填写“佐证材料”"
        "（申报五星须附佐证材料），请补充"
    ]
    assert (first["warning_codes"], second["warning_codes"]) == (
        ["satisfaction-recomputed"],
        ["evidence-missing"],
    )


def test_a_rate_of_thirds_weighs_unrounded_and_reaches_the_band(tmp_path: Path) -> None:
    # 基础90 and 22 满意 of 30 votes: 73.33…%, 63 + 22 = 85 -> 4★ ("以上" includes 85). Weighing
    # the rate as shown (73.33) would give 84.999 and 3★; every score is shown with 2 decimals.
    records = street_records()[:1]
    records[0].update(dict(zip(ASPECTS, (18, 14, 18, 14, 13, 13), strict=True)))
    records[0].update(dict(zip(TALLY_COLUMNS, (22, 0, 0, 8), strict=True)))
    records[0].update({"总分": None, "星级": 4, "等次": "先进", "佐证材料": None})
    path = write_workbook(tmp_path / "三分之一.xlsx", [hundred_points_sheet(records)])
    result = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", "--json", *AS_OF])
    assert result.exit_code == 0, result.output
    (b,) = json.loads(result.stdout)["branches"]
    assert (b["stars"], b["score"], b["parts"], b["satisfaction"]) == (
        4, 85, {"基础项": 90, "评议项": 73.33}, 73.33,
    )  # fmt: skip
    assert b["caps"][0]["seen"] == "群众满意度为73.33%"


def test_a_vote_count_that_is_not_a_number(tmp_path: Path) -> None:
    records = street_records()[:2]
    records[0]["满意票数"] = "四十八"  # not a count
    sheet = hundred_points_sheet(records)
    path = write_workbook(tmp_path / "票数.xlsx", [sheet])
    result = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", *AS_OF])
    assert result.exit_code == 2
    assert (
        f"单元格 {sheet.ref(0, '满意票数')}：“满意票数”填写为“四十八”，不是有效的票数"
        in result.stderr
    )
    check = runner.invoke(
        app, ["validate", str(path), "--rubric", "hundred-points", "--json", *AS_OF]
    )
    codes = [(f["code"], f["cell"]) for f in json.loads(check.stdout)["files"][0]["findings"]]
    assert ("bad-number", sheet.ref(0, "满意票数")) in codes


def test_without_any_satisfaction_data_the_part_counts_zero(tmp_path: Path) -> None:
    columns = tuple(c for c in HUNDRED_COLUMNS if c not in TALLY_COLUMNS)
    layout = Layout(org="城关街道党工委", synonyms=HUNDRED_HEADERS, columns=columns)
    path = write_workbook(
        tmp_path / "无测评.xlsx", [hundred_points_sheet(street_records()[:1], layout)]
    )
    result = runner.invoke(app, ["rate", str(path), "--rubric", "hundred-points", "--json", *AS_OF])
    (b,) = json.loads(result.stdout)["branches"]
    assert (b["score"], b["stars"], b["satisfaction"], b["caps"]) == (70, 2, None, [])  # 100 × 0.7
    assert "没有群众满意度数据，评议项按0分计" in b["warnings"]


# --------------------------------------------------------------------------- evidence


def _ledger_with_work(tmp_path: Path) -> tuple[Path, Any]:
    records = sample_branches(6, seed=3, small_branches=False)
    names = [str(r["党支部名称"]).strip() for r in records]
    work = [
        {"党支部名称": names[0], "工作任务": "补齐党员活动室设施", "完成时限": dt.date(2025, 6, 30),
         "进展情况": "已完成", "完成情况": "已完成", "销号时间": dt.date(2025, 6, 20), "佐证材料": None},
        {"党支部名称": names[1], "工作任务": "规范会议记录", "完成时限": dt.date(2025, 6, 30),
         "进展情况": "已完成", "完成情况": "已完成", "销号时间": dt.date(2025, 6, 25), "佐证材料": "会议记录本"},
    ]  # fmt: skip
    ledger = work_ledger_sheet(work)
    path = write_workbook(tmp_path / "台账.xlsx", [classification_sheet(records), ledger])
    return path, ledger


def test_every_rubric_wants_evidence_for_a_closed_task(tmp_path: Path) -> None:
    path, ledger = _ledger_with_work(tmp_path)
    check = runner.invoke(app, ["validate", str(path), "--json", *AS_OF])  # six-star
    found = [
        (f["code"], f["severity"], f["cell"])
        for f in json.loads(check.stdout)["files"][0]["findings"]
    ]
    assert ("evidence-missing", "warning", ledger.ref(0, "佐证材料")) in found
    assert not any(cell == ledger.ref(1, "佐证材料") for _, _, cell in found)
    assert not any(code == "deadline-overdue" for code, _, _ in found)  # due 6-30: not past


def test_a_county_may_not_ask_for_evidence(tmp_path: Path) -> None:
    path, _ = _ledger_with_work(tmp_path)
    rubric = _rubric(tmp_path, "six-star", "\n[evidence]\nclosed = []\n")
    check = runner.invoke(app, ["validate", str(path), "--rubric", str(rubric), "--json", *AS_OF])
    codes = [f["code"] for f in json.loads(check.stdout)["files"][0]["findings"]]
    assert "evidence-missing" not in codes


def test_a_creation_ledger_row_closed_without_evidence(tmp_path: Path) -> None:
    records = sample_branches(6, seed=3, small_branches=False)
    for rec in records:
        rec.update({a: True for a in ASPECTS})  # all met: 附件2 gives each a 销号时间
    records[0]["佐证材料"] = "验收材料"
    columns = (*CREATION_COLUMNS[:-1], "佐证材料", "备注")
    sheet = creation_ledger_sheet(records, Layout(columns=columns))
    path = write_workbook(tmp_path / "创建台账.xlsx", [sheet])
    check = runner.invoke(app, ["validate", str(path), "--json", *AS_OF])
    found = [
        f
        for f in json.loads(check.stdout)["files"][0]["findings"]
        if f["code"] == "evidence-missing"
    ]
    assert [f["cell"] for f in found] == [sheet.ref(i, "佐证材料") for i in range(1, 6)]
    name = str(records[1]["党支部名称"]).strip()
    assert found[0]["message"] == (
        f"第{sheet.data_rows[1]}行“{name}”已填写销号时间，但未填写“佐证材料”，不能视为完成销号，请补充"
    )
