"""Rating realistic sheets under each built-in rubric, with answers worked out by hand.

The score and points sheets are built here (the shared builders know the 附件 forms); they
look like the townships' own: 附件 mark, merged title, 填报单位 row, a two-level header with
merged group cells, full-width digits, a totals row and a footer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from branchctl.errors import BranchctlError
from branchctl.io.workbook import read_workbook
from branchctl.rules.rating import rate_workbook
from branchctl.rules.rubric import MONTHS, Rubric
from branchctl.rules.rubric_file import builtin_text, load_rubric, parse_rubric
from tests.builders import (
    CLASSIFICATION_COLUMNS,
    Layout,
    classification_sheet,
    sample_branches,
    table_sheet,
    write_workbook,
)

JUNE = dt.date(2025, 6, 30)
BASICS = ("基本队伍", "基本阵地", "基本制度", "基本活动", "基本保障")
FIVE = ("支部设置规范化", "组织生活正常化", "管理服务精细化", "工作制度系统化", "阵地建设标准化")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def rate(path: Path, rubric: str | Rubric, as_of: dt.date = JUNE):
    the_rubric = load_rubric(rubric) if isinstance(rubric, str) else rubric
    return rate_workbook(read_workbook(path), the_rubric, as_of)


def by_name(result) -> dict[str, Any]:
    return {b.name: b for b in result.branches}


# ------------------------------------------------------------------------------ builders


def five_basics_sheet(
    rows: Sequence[tuple[Any, ...]], name: str = "附件1", org: str = "市司法局机关党委"
):
    """(branch, [five scores], 负面清单, 等级 claimed[, 总分]) -> a 分类定级表 scored on the five
    basics.

    Every third score is written as full-width text with 分 (“１８分”); 总分 is the clerk's sum.
    """
    records = []
    for i, (branch, scores, veto, grade, *total) in enumerate(rows):
        written = [
            f"{s}分".translate(FULLWIDTH) if s is not None and (i + j) % 3 == 0 else s
            for j, s in enumerate(scores)
        ]
        records.append(
            {
                "所属党组织": org,
                "党支部名称": branch,
                **dict(zip(BASICS, written, strict=True)),
                "总分": total[0] if total else sum(s for s in scores if s is not None),
                "负面清单": veto,
                "等级": grade,
            }
        )
    layout = Layout(
        org=org,
        totals_row=True,
        footer=True,
        footer_lines=("填报人：张某    审核人：李某", "说明：每项满分20分。"),
    )
    return table_sheet(
        name,
        ("序号", "所属党组织", "党支部名称", *BASICS, "总分", "负面清单", "等级"),
        records,
        layout,
        annex="附件1",
        title="市司法局党支部“五个基本”分类定级表",
        groups={"“五个基本”得分（每项满分20分）": BASICS},
    )


def points_sheet(
    rows: Sequence[Mapping[str, Any]],
    *,
    year: int | None = 2025,
    members: bool = False,
    name: str = "积分表",
):
    """Rows of {name, org, months: [points…], 加分, 减分, 减星项, 否决项, 星级} -> a 创星晋级 sheet."""
    key = "党员姓名" if members else "党支部名称"
    org = "所属党支部" if members else "所属党组织"
    records = []
    for i, row in enumerate(rows):
        rec: dict[str, Any] = {key: row["name"], org: row.get("org", "城关镇党委")}
        for m, value in enumerate(row.get("months", ())):
            # full-width text and “分” on some cells, as clerks type them
            rec[MONTHS[m]] = (
                str(value).translate(FULLWIDTH)
                if (i + m) % 4 == 0
                else (f"{value}分" if (i + m) % 4 == 1 else value)
            )
        for column in ("加分", "减分", "减星项", "否决项", "星级"):
            rec[column] = row.get(column, "无" if column in ("减星项", "否决项") else None)
        records.append(rec)
    who = "党员“先锋星”" if members else "党支部“堡垒星”"
    title = f"{year}年度{who}创星晋级积分表" if year else f"{who}创星晋级积分表"
    return table_sheet(
        name,
        ("序号", org, key, *MONTHS, "加分", "减分", "减星项", "否决项", "星级"),
        records,
        Layout(annex=None, totals_row=True, footer=True),
        annex=None,
        title=title,
        groups={"月度得分": MONTHS, "加减分": ("加分", "减分")},
    )


# ------------------------------------------------------------------- six-star indicators


INDICATOR_COLUMNS = (*CLASSIFICATION_COLUMNS[:-1], "支委会次数", "换届时间", "备注")


def _indicator_ledger(
    tmp_path: Path, changes: Mapping[int, Mapping[str, Any]], columns=INDICATOR_COLUMNS
):
    records = sample_branches(8, seed=5, small_branches=False)
    for rec in records:
        rec.update({"支委会次数": 6, "换届时间": "2024年3月", "支部类型": "机关"})
        for aspect in ("基本组织", "组织队伍", "基本活动", "基本制度", "基本保障", "发挥作用"):
            rec[aspect] = True
        rec.update({"正式党员": 12, "预备党员": 0, "党员人数": 12, "支委人数": 5, "负面清单": "无"})
        rec.update({"星级": None, "定级类别": None, "等次": None})
    for i, change in changes.items():
        records[i].update(change)
    sheet = classification_sheet(records, Layout.messy(columns=columns))
    return write_workbook(tmp_path / "台账.xlsx", [sheet]), records


def test_six_star_marks_decide_and_contradicting_data_warns(tmp_path: Path) -> None:
    path, records = _indicator_ledger(
        tmp_path,
        {
            1: {"正式党员": 2, "预备党员": 1, "党员人数": 3, "支委人数": 0},
            2: {"正式党员": None, "党员人数": 2, "支委人数": 0},
            3: {"支委人数": 9},
            4: {"支委会次数": 5},
            5: {"换届时间": "2021年5月20日"},  # 机关: 3-year term, overdue at 2025-06-30
            6: {"换届时间": dt.date(2021, 5, 20), "支部类型": "农村"},  # 5 years: in term
            7: {"正式党员": 2, "基本组织": False},  # × with the data against it: no contradiction
        },
    )
    result = rate(path, "six-star")
    branches = result.branches
    assert [b.stars for b in branches] == [6, 6, 6, 6, 6, 6, 6, 5]  # the marks decide
    assert branches[0].warnings == [] and branches[6].warnings == [] and branches[7].warnings == []
    assert branches[1].warnings == [
        "“基本组织”自评与核算不符：标记为达标，但正式党员不少于3名（正式党员为2）"
    ]
    assert branches[2].warnings == [
        "“基本组织”自评与核算不符：标记为达标，但正式党员不少于3名（党员人数为2）"
    ]
    assert branches[3].warnings == [
        "“基本组织”自评与核算不符：标记为达标，但正式党员7名以上的设支部委员会，委员3至7名（支委人数为9）"
    ]
    assert branches[4].warnings == [
        "“基本活动”自评与核算不符：标记为达标，但支委会每月召开1次（支委会次数为5，截至6月应不少于6）"
    ]
    assert branches[5].warnings == [
        "“基本组织”自评与核算不符：标记为达标，但其他党支部每届任期3年，按期换届（换届时间为2021年5月20日）"
    ]
    d = branches[1].disagreements[0]
    assert (d.aspect, d.marked, d.computed, d.columns) == ("基本组织", True, False, ["正式党员"])
    assert result.summary()["mismatches"] == 0


def test_meetings_are_prorated_by_months_completed(tmp_path: Path) -> None:
    path, _ = _indicator_ledger(tmp_path, {0: {"支委会次数": 2}})
    assert rate(path, "six-star", dt.date(2025, 3, 31)).branches[0].warnings != []  # 3 needed
    assert rate(path, "six-star", dt.date(2025, 2, 28)).branches[0].warnings == []  # 2 needed
    assert rate(path, "six-star", dt.date(2025, 2, 27)).branches[0].warnings == []  # 1 needed


def test_a_rubric_can_let_the_indicators_decide(tmp_path: Path) -> None:
    text = builtin_text("six-star").replace(
        'name = "基本组织"\naliases = ["健全基本组织"]\njudge = "mark"',
        'name = "基本组织"\naliases = ["健全基本组织"]\njudge = "indicators"',
    )
    assert text != builtin_text("six-star")
    path, _ = _indicator_ledger(tmp_path, {1: {"正式党员": 2}, 2: {"基本组织": False}})
    result = rate(path, parse_rubric(text, "data-decides"))
    b1, b2 = result.branches[1], result.branches[2]
    assert b1.stars == 5 and "基本组织" in b1.unmet  # marked √, the data says no
    assert b2.stars == 6 and "基本组织" in b2.met  # marked ×, the data says yes
    assert b2.warnings == ["“基本组织”自评与核算不符：标记为未达标，但数据符合各项指标"]


def test_six_star_without_indicator_columns_is_unchanged(tmp_path: Path) -> None:
    records = sample_branches(25, seed=9)
    path = write_workbook(tmp_path / "台账.xlsx", [classification_sheet(records, Layout.messy())])
    result = rate(path, "six-star")
    assert all(not b.disagreements for b in result.branches)
    assert set(result.branches[0].to_json()) == {
        "file", "sheet", "row", "party_org", "name", "type", "stars", "category", "level", "met",
        "unmet", "standard", "veto", "claimed_stars", "claimed_category", "claimed_level",
        "warnings",
        "warning_codes",  # issue 10: the codes of the warnings, alongside
    }  # fmt: skip


# ---------------------------------------------------------------------------- five-standard


def test_five_standard_sheet(tmp_path: Path) -> None:
    headers = {
        "支部设置规范化": "支部设置",
        "组织生活正常化": "组织生活",
        "管理服务精细化": "管理服务",
        "工作制度系统化": "工作制度",
        "阵地建设标准化": "阵地建设",
    }
    rows = [  # name, five marks, 负面清单, claimed stars, claimed category
        ("红旗村党支部", "√√√√√", "无", "五星", "示范点"),
        ("新民村党支部", "√√√√×", "无", 4, "重点对象"),
        ("阳光社区党支部", "√√×√×", "", "★★★", "加强指导"),
        ("中心学校党支部", "√×××√", "无", "2星", "加强指导"),
        ("宏达科技党支部", "×××√×", "—", 1, "软弱涣散"),
        ("卫生院党支部", "√√√√√", "党员违纪违法造成恶劣影响", 5, "示范点"),
    ]
    records = [
        {
            "所属党组织": "城关镇党委",
            "党支部名称": n,
            **{a: m for a, m in zip(FIVE, marks, strict=True)},
            "负面清单": veto,
            "星级": stars,
            "定级类别": cat,
        }
        for n, marks, veto, stars, cat in rows
    ]
    sheet = table_sheet(
        "五化",
        ("序号", "所属党组织", "党支部名称", *FIVE, "负面清单", "星级", "定级类别"),
        records,
        Layout(synonyms=headers, blank_rows={2}, totals_row=True, footer=True),
        annex="附件1",
        title="城关镇党支部“五化”建设评星定级表",
        groups={"“五化”建设达标情况": FIVE},
    )
    path = write_workbook(tmp_path / "五化.xlsx", [sheet])
    result = rate(path, "five-standard")
    got = [(b.name, b.stars, b.category, b.level, b.standard) for b in result.branches]
    assert got == [
        ("红旗村党支部", 5, "示范点", "先进", True),
        ("新民村党支部", 4, "重点对象", "先进", False),
        ("阳光社区党支部", 3, "加强指导", "中间", False),
        ("中心学校党支部", 2, "加强指导", "中间", False),
        ("宏达科技党支部", 1, "软弱涣散", "后进", False),
        ("卫生院党支部", 0, "软弱涣散", "后进", False),
    ]
    assert result.branches[2].unmet == ["管理服务精细化", "阵地建设标准化"]
    assert [b.row for b in result.branches] == [6, 7, 9, 10, 11, 12]  # a blank row before the third
    mismatched = [b.name for b in result.branches if b.mismatch]
    assert mismatched == ["卫生院党支部"]  # claimed 5 stars and 示范点; vetoed
    s = result.summary()
    assert s["by_stars"] == {"0": 1, "1": 1, "2": 1, "3": 1, "4": 1, "5": 1}
    assert s["by_category"] == {"示范点": 1, "重点对象": 1, "加强指导": 2, "软弱涣散": 2}
    assert s["standard_count"] == 1


def test_six_star_ledger_under_five_standard_names_what_is_missing(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "台账.xlsx", [classification_sheet(sample_branches(5))])
    with pytest.raises(BranchctlError, match="没有找到可评定的表格.*支部设置规范化"):
        rate(path, "five-standard")


# ------------------------------------------------------------------------------ five-basics

HEFEI = [  # hand-checked: totals, stars (items ≥ 12), grade before and after the 10% cap
    ("局机关第一党支部", [19, 19, 18, 19, 20], "无", "A"),  # 95, 5★, A (kept: the cap is 1)
    ("局机关第二党支部", [18, 19, 18, 19, 19], "无", "A"),  # 93, 5★, A -> B
    ("局机关第三党支部", [18, 18, 18, 17, 19], "无", "A"),  # 90, 5★, A -> B
    ("律师行业第一党支部", [20, 20, 20, 20, 11], "无", "B"),  # 91 but 基本保障 11: 4★, B
    ("律师行业第二党支部", [17, 16, 17, 16, 16], "无", "B"),  # 82, 5★, B
    ("公证处党支部", [16, 16, 16, 16, 15], "无", "C"),  # 79, 5★, C
    ("司法鉴定所党支部", [15, 14, 13, 12, 12], "无", "C"),  # 66, 5★, C
    ("戒毒所第一党支部", [12, 13, 11, 14, 12], "无", "C"),  # 62, 4★, C
    ("戒毒所第二党支部", [10, 11, 12, 10, 12], "无", "D"),  # 55, 2★, D
    ("监狱第一党支部", [18, 18, 18, 18, 18], "班子不团结、内耗严重", "A"),  # vetoed: 0★, D
    ("监狱第二党支部", [14, 14, 14, 14, 14], "无", "C"),  # 70, 5★, C
    ("人民调解协会党支部", [13, 12, 12, 12, 12], "", "C"),  # 61, 5★, C
]


def test_five_basics_grades_with_the_a_cap(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "定级.xlsx", [five_basics_sheet(HEFEI)])
    result = rate(path, "five-basics")
    got = {b.name: (b.score, b.stars, b.category, b.level, b.standard) for b in result.branches}
    assert got == {
        "局机关第一党支部": (95, 5, "A", "先进", True),
        "局机关第二党支部": (93, 5, "B", "中间", True),
        "局机关第三党支部": (90, 5, "B", "中间", True),
        "律师行业第一党支部": (91, 4, "B", "中间", False),
        "律师行业第二党支部": (82, 5, "B", "中间", True),
        "公证处党支部": (79, 5, "C", "中间", True),
        "司法鉴定所党支部": (66, 5, "C", "中间", True),
        "戒毒所第一党支部": (62, 4, "C", "中间", False),
        "戒毒所第二党支部": (55, 2, "D", "后进", False),
        "监狱第一党支部": (90, 0, "D", "后进", False),
        "监狱第二党支部": (70, 5, "C", "中间", True),
        "人民调解协会党支部": (61, 5, "C", "中间", True),
    }
    b = by_name(result)
    assert b["局机关第二党支部"].quota == "A→B"
    assert b["局机关第二党支部"].warnings == [
        "93分，A级超出名额（参评12个支部的10%（向下取整）为1个），调为B级"
    ]
    assert b["戒毒所第一党支部"].unmet == ["基本制度"]
    assert b["律师行业第一党支部"].scores == {
        "基本队伍": 20,
        "基本阵地": 20,
        "基本制度": 20,
        "基本活动": 20,
        "基本保障": 11,
    }
    assert [b.name for b in result.branches if b.mismatch] == [
        "局机关第二党支部",
        "局机关第三党支部",
        "监狱第一党支部",
    ]
    ranks = {n: x.rank for n, x in b.items()}
    assert ranks["局机关第一党支部"] == 1 and ranks["律师行业第一党支部"] == 3
    assert ranks["局机关第三党支部"] == 4 and ranks["监狱第一党支部"] == 12  # vetoed: last

    s = result.summary()
    assert s["by_category"] == {"A": 1, "B": 4, "C": 5, "D": 2}
    assert s["by_stars"] == {"0": 1, "1": 0, "2": 1, "3": 0, "4": 2, "5": 8}
    assert s["standard_count"] == 8 and s["mismatches"] == 3
    (quota,) = s["quotas"]
    assert (quota["limit"], quota["candidates"], quota["kept"]) == (1, 3, 1)
    assert [m["name"] for m in quota["moved"]] == ["局机关第三党支部", "局机关第二党支部"]
    assert quota["note"] == (
        "A级名额：参评12个支部的10%（向下取整）为1个；核算为A级的3个，保留1个，按总分从低到高调为B级2个："
        "局机关第三党支部（90分）、局机关第二党支部（93分）。"
    )
    doc = result.to_json()["branches"][0]
    assert doc["score"] == 95 and doc["rank"] == 1 and doc["quota"] is None
    assert doc["claimed_category"] == "A" and doc["claimed_score"] == 95


def _graded(tmp_path: Path, a_totals: Sequence[int], n: int) -> Any:
    """n branches: those in ``a_totals`` earn A on their total, the rest score 70 (C)."""
    rows = []
    for i in range(n):
        total = a_totals[i] if i < len(a_totals) else 70
        scores = [total // 5 + (1 if j < total % 5 else 0) for j in range(5)]
        rows.append((f"第{i + 1}党支部", scores, "无", None))
    path = write_workbook(
        tmp_path / f"g{n}-{'-'.join(map(str, a_totals))}.xlsx", [five_basics_sheet(rows)]
    )
    return rate(path, "five-basics")


def _grades(result) -> list[str]:
    return [b.category for b in result.branches if b.score is not None and b.score >= 90]


def test_quota_exactly_ten_percent_keeps_all(tmp_path: Path) -> None:
    result = _graded(tmp_path, [95, 92], 20)
    assert _grades(result) == ["A", "A"]
    assert result.quotas[0].moved == [] and result.notes == [
        "A级名额：参评20个支部的10%（向下取整）为2个；核算为A级的2个，未超出名额。"
    ]


def test_quota_one_over_moves_the_lowest(tmp_path: Path) -> None:
    result = _graded(tmp_path, [95, 90, 92], 20)
    assert _grades(result) == ["A", "B", "A"]


def test_quota_ties_at_the_boundary_fall_together(tmp_path: Path) -> None:
    result = _graded(tmp_path, [94, 96, 94], 20)
    assert _grades(result) == ["B", "A", "B"]  # cap 2, but the two 94s cannot be split
    outcome = result.quotas[0]
    assert outcome.tie_score == 94 and outcome.kept == 1
    assert result.notes[0].endswith("名额边界上同为94分的支部一并调整（宁少不超）。")


def test_quota_ties_inside_the_cap_are_kept(tmp_path: Path) -> None:
    result = _graded(tmp_path, [96, 96, 93], 20)
    assert _grades(result) == ["A", "A", "B"]
    assert result.quotas[0].tie_score is None


def test_quota_with_fewer_than_ten_branches_allows_no_a(tmp_path: Path) -> None:
    result = _graded(tmp_path, [98], 9)
    assert _grades(result) == ["B"]
    assert result.notes[0].startswith("A级名额：参评9个支部的10%（向下取整）为0个")
    assert _grades(_graded(tmp_path, [98], 10)) == ["A"]


def test_quota_rounding_is_the_rubrics_choice(tmp_path: Path) -> None:
    text = builtin_text("five-basics").replace('rounding = "floor"', 'rounding = "round"')
    rows = [
        (f"第{i}党支部", [19, 19, 19, 19, 19] if i < 2 else [14] * 5, "无", None) for i in range(15)
    ]
    path = write_workbook(tmp_path / "r.xlsx", [five_basics_sheet(rows)])
    result = rate(path, parse_rubric(text, "rounded"))
    assert [b.category for b in result.branches[:2]] == ["A", "A"]  # 15 × 10% = 1.5 -> 2


def test_five_basics_bad_and_blank_scores(tmp_path: Path) -> None:
    rows = [
        ("甲党支部", [18, 18, 18, 18, 18], "无", "B"),
        ("乙党支部", [25, 18, 18, 18, 18], "无", "B"),
    ]
    path = write_workbook(tmp_path / "bad.xlsx", [five_basics_sheet(rows)])
    with pytest.raises(
        BranchctlError, match="单元格 D7：“基本队伍”填写为“25”，得分超出范围，应为0至20分"
    ):
        rate(path, "five-basics")
    rows = [
        ("甲党支部", [18, 18, 18, 18, None], "无", None, 90),
        ("乙党支部", [17] * 5, "无", None),
    ]
    path = write_workbook(tmp_path / "blank.xlsx", [five_basics_sheet(rows)])
    a, b = rate(path, "five-basics").branches
    assert (a.score, a.stars, a.category, a.standard) == (72, 4, "C", False)
    assert a.warnings == ["“基本保障”得分未填写，按未达标计", "总分填报90分，各项合计72分"]
    assert (b.score, b.category, b.warnings) == (85, "B", [])


# ------------------------------------------------------------------------------ star-points

BRANCH_POINTS = [
    {"name": "东街村党支部", "months": [9, 9, 9, 9, 9, 9], "星级": 5},
    {"name": "西关村党支部", "months": [8, 8, 8, 7, 7, 7], "加分": 3, "星级": "四星"},
    {"name": "南岗村党支部", "months": [8, 8, 8, 7, 7, 7], "减分": 2, "星级": 3},
    {
        "name": "北坡村党支部",
        "months": [6, 6, 6, 6, 6, 6],
        "减星项": "三会一课不落实",
        "星级": "★★",
    },
    {"name": "李家庄村党支部", "months": [10] * 6, "否决项": "发生重大安全生产事故", "星级": 5},
    {"name": "王家寨村党支部", "months": [8] * 6, "星级": 4},
]


def test_star_points_at_the_half_year(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "积分.xlsx", [points_sheet(BRANCH_POINTS)])
    result = rate(path, "star-points", JUNE)  # thresholds ×6/12: 30 36 42 48 54
    got = {b.name: (b.score, b.stars, b.category, b.level, b.rank) for b in result.branches}
    assert got == {
        "东街村党支部": (54, 5, "补贴奖励", "先进", 1),
        "西关村党支部": (48, 4, "补贴奖励", "先进", 2),  # 45 + 3
        "王家寨村党支部": (48, 4, "补贴奖励", "先进", 2),  # ties share a rank
        "南岗村党支部": (43, 3, "补贴照发", "中间", 4),  # 45 − 2
        "北坡村党支部": (36, 1, "补贴扣发", "后进", 5),  # 2★, one 减星项
        "李家庄村党支部": (60, 0, "补贴扣发", "后进", 6),  # 否决项: no star, ranked last
    }
    b = by_name(result)
    assert b["北坡村党支部"].deductions == ["三会一课不落实"]
    assert b["北坡村党支部"].warnings == ["减星项1项（三会一课不落实），2星减为1星"]
    assert b["北坡村党支部"].mismatch and not b["西关村党支部"].mismatch
    assert b["李家庄村党支部"].veto == "发生重大安全生产事故"
    s = result.summary()
    assert s["by_category"] == {"补贴奖励": 3, "补贴照发": 1, "补贴扣发": 2}
    assert s["period"] == {"year": 2025, "months": 6, "star_months": 6}
    assert s["standard_count"] == 4  # three stars and up
    doc = result.to_json()["branches"][1]
    assert (doc["score"], doc["star_score"], doc["rank"], doc["entity"]) == (48, 48, 2, "branch")


def test_star_points_stars_move_only_at_quarter_ends(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "积分.xlsx", [points_sheet(BRANCH_POINTS)])
    may = rate(path, "star-points", dt.date(2025, 5, 31))  # Q1 thresholds: 15 18 21 24 27
    got = {b.name: (b.score, b.star_score, b.stars) for b in may.branches}
    assert got == {
        "东街村党支部": (45, 27, 5),
        "西关村党支部": (41, 27, 5),  # 5★ at the end of March, 4★ at the end of June
        "南岗村党支部": (36, 22, 3),
        "北坡村党支部": (30, 18, 1),
        "李家庄村党支部": (50, 30, 0),
        "王家寨村党支部": (40, 24, 4),
    }
    assert may.notes == [
        "得分计至5月；星级按3月底（季度末）的累计得分评定。",
        "“积分表”中6月已有得分，未计入（核对日期2025-05-31）。",
    ]
    june_29 = rate(path, "star-points", dt.date(2025, 6, 29))
    assert [b.stars for b in june_29.branches] == [b.stars for b in may.branches]
    march = rate(path, "star-points", dt.date(2025, 3, 30))  # Q1 not over: everyone 0★
    assert [b.stars for b in march.branches] == [0] * 6
    assert march.notes[0] == "得分计至2月；第一季度尚未结束，新年度星级从0星起评。"
    assert [b.stars for b in rate(path, "star-points", dt.date(2025, 3, 31)).branches] == [
        5,
        5,
        3,
        1,
        0,
        4,
    ]


def test_star_points_a_new_year_starts_from_zero(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "积分.xlsx", [points_sheet(BRANCH_POINTS, year=None)])
    result = rate(path, "star-points", dt.date(2026, 1, 15))
    assert [(b.score, b.stars) for b in result.branches][:2] == [(0, 0), (3, 0)]  # 加分 only
    assert result.notes[0] == "新年度从零开始：尚无已过完的月份，得分和星级均为0。"
    # a sheet titled 2025 read in January 2026 counts the whole of 2025, thresholds unscaled
    year = [
        {"name": "东街村党支部", "months": [9] * 12},
        {"name": "西关村党支部", "months": [8] * 11 + [4]},
    ]
    path = write_workbook(tmp_path / "上年.xlsx", [points_sheet(year, year=2025)])
    result = rate(path, "star-points", dt.date(2026, 1, 15))
    assert result.summary()["period"] == {"year": 2025, "months": 12, "star_months": 12}
    assert [(b.score, b.stars) for b in result.branches] == [(108, 5), (92, 3)]
    assert result.notes[0] == "积分表为2025年度，核对日期在其后，按全年12个月计。"


def test_star_points_for_members(tmp_path: Path) -> None:
    members = [
        {"name": "张建国", "org": "东街村党支部", "months": [9] * 6},
        {"name": "李秀英", "org": "东街村党支部", "months": [7] * 6},
        {"name": "王磊", "org": "西关村党支部", "months": [5] * 6},
        {
            "name": "赵敏",
            "org": "西关村党支部",
            "months": [8] * 6,
            "减星项": "无故不参加组织生活、未按时交纳党费",
        },
        {"name": "刘强", "org": "西关村党支部", "months": [3] * 6, "星级": "二星"},
    ]
    path = write_workbook(tmp_path / "党员积分.xlsx", [points_sheet(members, members=True)])
    result = rate(path, "star-points", JUNE)
    got = [
        (b.name, b.party_org, b.stars, b.category, b.standard, b.entity) for b in result.branches
    ]
    assert got == [  # thresholds at the half year: 30 36 42 48 54
        ("张建国", "东街村党支部", 5, "优先评先评优", True, "member"),  # 54
        ("李秀英", "东街村党支部", 3, "合格党员", True, "member"),  # 42
        ("王磊", "西关村党支部", 1, "不合格党员", False, "member"),  # 30: exactly 1★
        ("赵敏", "西关村党支部", 2, "合格党员", True, "member"),  # 48: 4★, two 减星项
        ("刘强", "西关村党支部", 0, "不合格党员", False, "member"),  # 18
    ]
    b = by_name(result)
    assert b["赵敏"].deductions == ["无故不参加组织生活", "未按时交纳党费"]
    assert b["刘强"].stars == 0 and b["刘强"].mismatch  # claimed 二星
    assert result.summary()["by_category"] == {"优先评先评优": 1, "合格党员": 2, "不合格党员": 2}
    assert [b.rank for b in result.branches] == [1, 2, 4, 3, 5]


def test_points_sheet_under_six_star_is_not_rated(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "积分.xlsx", [points_sheet(BRANCH_POINTS)])
    with pytest.raises(BranchctlError, match="没有找到可评定的表格"):
        rate(path, "six-star")


def test_a_six_star_ledger_under_star_points_says_what_is_needed(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "台账.xlsx", [classification_sheet(sample_branches(4))])
    with pytest.raises(BranchctlError, match="1月.*12月"):
        rate(path, "star-points")


# --------------------------------------------------------------------- a county's own file


def readme_rubric() -> Rubric:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme[readme.index("### branchctl rubric") :]
    example = section[section.index("```toml\n") + len("```toml\n") :]
    return parse_rubric(example[: example.index("```")], "county-four")


def test_the_readme_example_rates_a_county_sheet(tmp_path: Path) -> None:
    aspects = ("组织建设", "组织生活", "阵地保障")
    rows = [  # name, three scores, 志愿服务, 正式党员, 支委人数, 支委会次数, 负面清单, 减星项
        ("东街村党支部", (24, 23, 22), 3, 25, 5, 6, "无", "无"),  # 69 -> 4★, 示范
        ("西关村党支部", (20, 18, 16), 1, 12, 5, 6, "无", "无"),  # 54 -> 2★; 志愿服务 1 < 2
        (
            "南岗村党支部",
            (22, 22, 20),
            2,
            2,
            0,
            3,
            "无",
            "无",
        ),  # 64 -> 3★; data against 组织建设/组织生活
        ("北坡村党支部", (24, 24, 24), 5, 30, 7, 8, "无", "党费收缴不及时"),  # 72 -> 4★ -1 = 3★
        ("李家庄村党支部", (25, 25, 25), 6, 30, 5, 6, "村干部违纪", "无"),  # vetoed
        ("张家湾村党支部", (14, 20, 20), None, 9, 3, 6, "无", "无"),  # 54 -> 2★; 组织建设 < 15
    ]
    records = [
        {
            "所属党组织": "城关镇党委",
            "党支部名称": n,
            **dict(zip(aspects, s, strict=True)),
            "志愿服务次数": v,
            "正式党员": f,
            "支委人数": c,
            "支委会次数": m,
            "负面清单": veto,
            "减星项": ded,
        }  # fmt: skip
        for n, s, v, f, c, m, veto, ded in rows
    ]
    sheet = table_sheet(
        "四星",
        (
            "序号",
            "所属党组织",
            "党支部名称",
            *aspects,
            "志愿服务次数",
            "正式党员",
            "支委人数",
            "支委会次数",
            "负面清单",
            "减星项",
        ),
        records,
        Layout(synonyms={"志愿服务次数": "志愿服务（次）"}, footer=True),
        annex="附件1",
        title="某县党支部四星评定表",
        groups={
            "得分（每项满分25分）": aspects,
            "基础数据": ("志愿服务次数", "正式党员", "支委人数", "支委会次数"),
        },
    )
    path = write_workbook(tmp_path / "四星.xlsx", [sheet])
    result = rate(path, readme_rubric(), JUNE)  # 志愿服务: 4 a year -> 2 by June
    got = [
        (b.name, b.score, b.stars, b.category, b.level, b.standard, b.rank) for b in result.branches
    ]
    assert got == [
        ("东街村党支部", 69, 4, "合格", "中间", True, 1),  # the 15% quota on 示范: 6 × 15% = 0
        ("西关村党支部", 54, 2, "合格", "中间", False, 4),
        ("南岗村党支部", 64, 3, "合格", "中间", True, 3),
        ("北坡村党支部", 72, 3, "合格", "中间", True, 2),
        ("李家庄村党支部", 75, 0, "整顿", "后进", False, 6),
        ("张家湾村党支部", 54, 2, "合格", "中间", False, 4),
    ]
    b = by_name(result)
    assert b["西关村党支部"].unmet == ["发挥作用"]
    assert b["张家湾村党支部"].unmet == [
        "组织建设",
        "发挥作用",
    ]  # no 志愿服务 data: unmet, with a warning
    assert "“发挥作用”没有可核算的数据，按未达标计" in b["张家湾村党支部"].warnings
    assert [d.aspect for d in b["南岗村党支部"].disagreements] == ["组织建设", "组织生活"]
    assert b["东街村党支部"].quota == "示范→合格"
