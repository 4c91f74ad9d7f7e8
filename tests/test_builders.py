"""The workbook builders produce what they claim, in every format the tool reads."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import (
    ASPECTS,
    BRANCH_TYPES,
    STAR_STYLES,
    Layout,
    basic_organisation_ok,
    claim_differences,
    classification_sheet,
    creation_ledger_sheet,
    expected_rating,
    instructions_sheet,
    lists_combined_sheet,
    parse_claimed_stars,
    problem_sheet,
    read_sheet,
    render_stars,
    responsibility_sheet,
    sample_branches,
    sample_problems,
    sample_work_items,
    scratch_sheet,
    task_sheet,
    with_claims,
    with_wrong_claim,
    work_ledger_sheet,
    write_workbook,
)

FORMATS = ["xlsx", "xls", "ods"]


def test_sample_branches_are_consistent() -> None:
    records = sample_branches(300, seed=7)
    names = [r["党支部名称"] for r in records]
    assert len(set(names)) == len(names)
    assert {expected_rating(r)[0] for r in records} == set(range(7))
    for r in records:
        assert r["正式党员"] + r["预备党员"] == r["党员人数"]
        assert r["支部类型"] in (*BRANCH_TYPES, "非公企业")
        assert basic_organisation_ok(r) == r["基本组织"]
        if r["正式党员"] >= 7 and r["基本组织"]:
            assert 3 <= r["支委人数"] <= 7
        assert claim_differences(r) == []
    assert sample_branches(20, seed=3) == sample_branches(20, seed=3)
    assert all(r["正式党员"] >= 3 for r in sample_branches(200, seed=1, small_branches=False))


def test_expected_rating_follows_spec() -> None:
    full = {a: True for a in ASPECTS} | {"负面清单": "无"}
    assert expected_rating(full) == (6, "示范点", "先进")
    assert expected_rating(full | {"发挥作用": "×"}) == (5, "重点对象", "先进")
    assert expected_rating(full | {"基本组织": False, "基本活动": None}) == (4, "加强指导", "中间")
    assert expected_rating(full | dict.fromkeys(ASPECTS[:3], "否")) == (3, "加强指导", "中间")
    assert expected_rating(full | dict.fromkeys(ASPECTS[:4], "未达标")) == (2, "软弱涣散", "后进")
    assert expected_rating(full | {"负面清单": "支部书记受到党纪处分"}) == (0, "软弱涣散", "后进")
    assert expected_rating(full | {"负面清单": "—"}) == (6, "示范点", "先进")


def test_claims_and_star_styles() -> None:
    record = with_claims(sample_branches(1, seed=2, stars=[4], veto_rate=0)[0])
    for column in ("星级", "定级类别", "等次"):
        assert claim_differences(with_wrong_claim(record, column)) == [column]
    for style in STAR_STYLES:
        for n in range(7):
            for index in range(5):
                assert parse_claimed_stars(render_stars(n, style, "无星", index)) == n
    assert [render_stars(4, s) for s in STAR_STYLES[:5]] == [4, "4星", "四星", "★★★★", "四星级"]


def test_tidy_layout_positions() -> None:
    records = sample_branches(5, seed=1, townships=["城关镇党委"])
    spec = classification_sheet(records)
    assert spec.rows[0][0] == "附件1"
    assert spec.rows[1][0] == "城关镇党支部分类定级表"
    assert spec.rows[2][0].startswith("填报单位（盖章）：城关镇党委")
    assert spec.header_rows == [4, 5]
    assert spec.data_rows == [6, 7, 8, 9, 10]
    last = len(spec.rows[0]) - 1
    assert (1, 0, 1, last) in spec.merges
    first_aspect = spec.columns["基本组织"]
    assert (3, first_aspect, 3, first_aspect + 5) in spec.merges
    assert spec.rows[3][first_aspect] == "六个方面达标情况"
    assert (3, 0, 4, 0) in spec.merges  # 序号 merged down both header rows
    assert spec.ref(0, "序号") == "A6"
    bare = classification_sheet(records, Layout.bare())
    assert bare.header_rows == [1] and bare.data_rows[0] == 2 and bare.merges == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_messy_workbook_round_trip(tmp_path, fmt: str) -> None:
    records = sample_branches(12, seed=5, townships=["青山乡党委"])
    records[2] = with_wrong_claim(records[2] | {"备注": "=请核实", "基本保障": None}, "等次")
    layout = Layout.messy(org="青山乡党委")
    spec = classification_sheet(records, layout, name="定级表")
    problems = sample_problems(records, seed=1)
    items = sample_work_items(records, seed=1)
    lists = lists_combined_sheet(problems, Layout(org="青山乡党委"))
    work = work_ledger_sheet(items, Layout(org="青山乡党委", two_level=False))
    path = write_workbook(
        tmp_path / f"青山乡.{fmt}", [instructions_sheet(), spec, lists, work, scratch_sheet()]
    )

    back = read_sheet(path, "定级表")
    assert back.visible
    assert not read_sheet(path, "Sheet3").visible
    assert back.at(1, 0) == "附件1"
    assert back.at(2, 1) == "青山乡党支部分类定级表"
    assert back.at(4, spec.columns["党员人数"]) == "党员人数\n（人）"
    assert back.at(4, spec.columns["党支部名称"]) == "支 部 名 称"
    assert back.at(5, spec.columns["组织队伍"]) == "基本队伍"
    assert spec.data_rows[:5] == [6, 7, 8, 10, 11]  # a blank row before the fourth record
    for i, record in enumerate(records):
        row = spec.data_rows[i]
        assert back.at(row, spec.columns["党支部名称"]).strip() == record["党支部名称"]
        for column in ("星级", "基本组织", "发挥作用", "党员人数", "等次"):
            written, read = spec.cell(i, column), back.at(row, spec.columns[column])
            assert read == written or (isinstance(written, int) and read == float(written))
    assert back.at(spec.data_rows[2], spec.columns["备注"]) == "=请核实"
    assert back.at(spec.data_rows[2], spec.columns["基本保障"]) == ""
    totals = spec.data_rows[-1] + 1
    assert back.at(totals, spec.columns["序号"]) == "合计"
    assert back.at(totals + 1, 1).startswith("填报人：")
    if fmt == "ods":
        assert back.merges is None
    else:
        assert sorted(back.merges) == sorted(spec.merges)

    back_work = read_sheet(path, "附件4")
    for i, item in enumerate(items):
        closed = back_work.at(work.data_rows[i], work.columns["销号时间"])
        assert (closed == "") == (item["销号时间"] is None)
        if item["销号时间"]:
            assert closed == item["销号时间"] and isinstance(closed, dt.date)
    back_lists = read_sheet(path, "附件3")
    assert back_lists.at(lists.header_rows[0], lists.columns["问题类别"]) == "问题清单"
    assert back_lists.at(lists.data_rows[-1], lists.columns["问题类别"]) == problems[-1]["问题类别"]


def test_problems_and_three_linked_lists() -> None:
    records = sample_branches(30, seed=9)
    problems = sample_problems(records, seed=2)
    unmet = {(r["党支部名称"], a) for r in records for a in ASPECTS if not r[a]}
    assert {(p["党支部名称"], p["问题类别"]) for p in problems} == unmet
    problems_spec = problem_sheet(problems)
    tasks = task_sheet(problems)
    owners = responsibility_sheet(problems)
    assert len(problems_spec.data_rows) == len(tasks.data_rows) == len(owners.data_rows)
    for i, p in enumerate(problems):
        assert tasks.cell(i, "对应问题序号") == problems_spec.cell(i, "序号") == p["序号"]
        assert owners.cell(i, "对应任务序号") == tasks.cell(i, "序号")
        assert owners.cell(i, "责任人") and tasks.cell(i, "完成时限")


def test_creation_ledger_closes_standard_branches() -> None:
    records = sample_branches(40, seed=4)
    spec = creation_ledger_sheet(records)
    assert spec.rows[0][0] == "附件2"
    for i, record in enumerate(records):
        standard = all(record[a] for a in ASPECTS)
        assert spec.cell(i, "是否达标") == ("是" if standard else "否")
        assert (spec.cell(i, "销号时间") is not None) == standard
