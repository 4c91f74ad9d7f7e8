"""附件3 (combined or three linked sheets) and 附件4 read as plain items, never raising."""

from __future__ import annotations

import datetime as dt

import pytest

from branchctl.forms.lists import (
    ProblemItem,
    WorkItem,
    overdue,
    read_lists,
    read_lists_detail,
    read_work_ledger,
)
from branchctl.forms.tables import find_forms
from branchctl.forms.values import Deadline
from branchctl.io.workbook import read_workbook
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    Layout,
    classification_sheet,
    lists_combined_sheet,
    problem_sheet,
    responsibility_sheet,
    sample_branches,
    sample_problems,
    sample_work_items,
    task_sheet,
    work_ledger_sheet,
    write_workbook,
)

AS_OF = dt.date(2025, 6, 30)
HEADERS = load_rubric().aspect_headers()


def _layout(path):
    return find_forms(read_workbook(path), HEADERS)


@pytest.fixture(scope="module")
def sample():
    records = sample_branches(8, seed=11)
    return records, sample_problems(records, seed=2), sample_work_items(records, seed=2)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_combined_and_linked_forms_give_the_same_items(tmp_path, sample, suffix):
    records, problems, _ = sample
    combined = write_workbook(
        tmp_path / f"combined{suffix}",
        [classification_sheet(records), lists_combined_sheet(problems)],
    )
    linked = write_workbook(
        tmp_path / f"linked{suffix}",
        [
            classification_sheet(records),
            problem_sheet(problems),
            task_sheet(problems),
            responsibility_sheet(problems),
        ],
    )
    a = read_lists(_layout(combined), AS_OF)
    b = read_lists(_layout(linked), AS_OF)
    assert len(a) == len(b) == len(problems)
    for item_a, item_b, p in zip(a, b, problems, strict=True):
        for item in (item_a, item_b):
            assert item.branch == p["党支部名称"]
            assert item.category == p["问题类别"]
            assert item.description == p["问题描述"]
            assert item.owner == p["责任人"]
            assert item.leader == p["责任领导"]
            assert item.has_task and item.has_owner_row
            assert item.deadline is not None and item.deadline_error is None
        assert item_a.task == p["整改任务（措施）"]
        assert (item_b.task, item_b.measures, item_b.owner_title) == (
            p["整改任务"],
            p["整改措施"],
            "党支部书记",
        )
        assert item_a.deadline == item_b.deadline
    # where each field came from
    first = b[0]
    assert first.sheet == "问题清单" and first.row == 5
    assert first.source("整改任务").sheet == "任务清单"
    assert first.source("责任人").sheet == "责任清单"
    assert first.source("问题描述").cell == "D5"


def test_linked_sheets_with_gaps_and_broken_links(tmp_path, sample):
    records, problems, _ = sample
    tasks = task_sheet(problems)
    # problem 2 loses its task; task 3 points to a problem that does not exist
    tasks.rows[tasks.data_rows[1] - 1][tasks.columns["对应问题序号"]] = 99
    owners = responsibility_sheet(problems)
    owners.rows[owners.data_rows[0] - 1][owners.columns["对应任务序号"]] = (
        77  # task 1 has no owner row
    )
    path = write_workbook(tmp_path / "gaps.xlsx", [problem_sheet(problems), tasks, owners])
    lists = read_lists_detail(_layout(path), AS_OF)
    by_number = {i.number: i for i in lists.items}
    assert not by_number["2"].has_task
    assert (
        by_number["1"].has_task and not by_number["1"].has_owner_row and by_number["1"].owner == ""
    )
    assert [(b.sheet, b.row, b.column, b.value, b.target) for b in lists.broken_links] == [
        ("任务清单", tasks.data_rows[1], "对应问题序号", "99", "问题清单"),
        ("责任清单", owners.data_rows[0], "对应任务序号", "77", "任务清单"),
    ]


def test_missing_linked_sheet_is_reported_once(tmp_path, sample):
    _, problems, _ = sample
    path = write_workbook(tmp_path / "p.xlsx", [problem_sheet(problems)])
    lists = read_lists_detail(_layout(path), AS_OF)
    assert lists.missing == ["任务清单", "责任清单"]
    assert len(lists.items) == len(problems)


def test_bad_cells_are_kept_not_raised(tmp_path, sample):
    records, problems, _ = sample
    bad = [dict(p) for p in problems[:3]]
    bad[0]["完成时限"] = "尽快"
    bad[1]["完成时限"] = "６月底"
    bad[2]["完成时限"] = None
    path = write_workbook(tmp_path / "bad.xlsx", [lists_combined_sheet(bad)])
    a, b, c = read_lists(_layout(path), AS_OF)
    assert (
        a.deadline is None and a.deadline_text == "尽快" and "有效日期" in (a.deadline_error or "")
    )
    assert b.deadline == Deadline(dt.date(2025, 6, 30))
    assert c.deadline is None and c.deadline_error is None and c.deadline_text == ""


def test_work_ledger_items(tmp_path, sample):
    records, _, items = sample
    path = write_workbook(
        tmp_path / "w.xls", [work_ledger_sheet(items, Layout.messy(two_level=False))]
    )
    got = read_work_ledger(_layout(path), AS_OF)
    assert len(got) == len(items)
    for item, expected in zip(got, items, strict=True):
        assert item.branch_key == expected["党支部名称"]
        assert item.status == expected["完成情况"]
        assert (item.closed is not None) == (expected["销号时间"] is not None)
        assert not overdue(item, AS_OF)


def _work(deadline, status="推进中", closed=None):
    return WorkItem("甲", "甲", "任务", deadline, "", status, closed, "附件4", 5)


def test_overdue_rules():
    past, future = Deadline(dt.date(2025, 3, 31)), Deadline(dt.date(2025, 9, 30))
    assert overdue(_work(past), AS_OF)
    assert not overdue(_work(Deadline(AS_OF)), AS_OF)  # due today is not late
    assert not overdue(_work(future), AS_OF)
    assert not overdue(_work(Deadline(None, "ongoing")), AS_OF)
    assert not overdue(_work(Deadline(None, "immediate")), AS_OF)
    assert not overdue(_work(past, status="已完成"), AS_OF)
    assert not overdue(_work(past, closed=Deadline(dt.date(2025, 3, 1))), AS_OF)
    assert not overdue(_work(None), AS_OF)
    problem = ProblemItem(
        "甲", "甲", "基本组织", "问题", "任务", "", "张三", "", "", past, "", "附件3", 6
    )
    assert overdue(problem, AS_OF)
