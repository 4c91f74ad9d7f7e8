"""Checks across forms: 附件3 and 附件4 against 附件1, unmet aspects against problems, tasks
against owners and deadlines, deadlines against the as-of date."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from tests.builders import (
    ASPECTS,
    classification_sheet,
    creation_ledger_sheet,
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
from tests.validate_helpers import check, codes, only, set_cell


@pytest.fixture(scope="module")
def base():
    records = sample_branches(10, seed=41, small_branches=False, veto_rate=0)
    return records, sample_problems(records, seed=1), sample_work_items(records, seed=1)


def _problem_of(problems, aspect=None):
    return next(i for i, p in enumerate(problems) if aspect is None or p["问题类别"] == aspect)


def test_combined_lists_planted_errors(tmp_path, base):
    records, original, _ = base
    problems = [dict(p) for p in original]
    problems[0]["党支部名称"] = "不存在村党支部"
    lists = lists_combined_sheet(problems)
    cells = {
        "unknown-branch": lists.ref(0, "党支部名称"),
        "problem-without-task": set_cell(lists, 1, "整改任务（措施）", None),
        "task-without-owner": set_cell(lists, 2, "责任人", None),
        "deadline-missing": set_cell(lists, 3, "完成时限", None),
        "bad-date": set_cell(lists, 4, "完成时限", "尽快"),
        "deadline-overdue": set_cell(lists, 5, "完成时限", "2025年3月31日"),
        "bad-enum": set_cell(lists, 6, "问题类别", "作风建设"),
    }
    set_cell(lists, 7, "完成时限", "长期坚持")  # ongoing: never overdue
    table = classification_sheet(records)
    findings = check(write_workbook(tmp_path / "a.xlsx", [table, lists]))
    # the problem moved to an unknown branch, and the one written as 作风建设, leave their
    # branches' aspects without a problem
    moved = [original[0], original[6]]
    assert codes(findings) == Counter(list(cells)) + Counter({"unmet-without-problem": 2})
    for code, cell in cells.items():
        f = only(findings, code)
        assert (f.sheet, f.cell) == ("附件3", cell), code
    bad = only(findings, "bad-date")
    row = lists.data_rows[4]
    assert bad.message == (
        f"第{row}行“完成时限”填写为“尽快”，不是有效日期，请填写具体日期，如2025年6月30日，或“长期坚持”“立行立改”"
    )
    assert only(findings, "deadline-overdue").severity == "warning"
    unmet = sorted(f.cell for f in findings if f.code == "unmet-without-problem")
    rows = {r["党支部名称"]: i for i, r in enumerate(records)}
    assert unmet == sorted(table.ref(rows[p["党支部名称"]], p["问题类别"]) for p in moved)


def test_names_match_after_normalising(tmp_path, base):
    records, problems, items = base
    problems = [dict(p) for p in problems]
    name = problems[0]["党支部名称"]
    problems[0]["党支部名称"] = " ".join(name)  # 城 关 镇 …
    problems[1]["党支部名称"] = (
        problems[1]["党支部名称"].replace("党支部", "").translate(str.maketrans("()", "（）"))
    )
    findings = check(
        write_workbook(
            tmp_path / "n.xlsx", [classification_sheet(records), lists_combined_sheet(problems)]
        )
    )
    assert [f for f in findings if f.severity == "error"] == []


def test_aspect_unmet_without_problem_points_at_the_mark(tmp_path, base):
    records, problems, _ = base
    dropped = problems[3]
    kept = [p for i, p in enumerate(problems) if i != 3]
    table = classification_sheet(records)
    findings = check(write_workbook(tmp_path / "u.xlsx", [table, lists_combined_sheet(kept)]))
    f = only(findings, "unmet-without-problem")
    index = next(i for i, r in enumerate(records) if r["党支部名称"] == dropped["党支部名称"])
    assert (f.sheet, f.cell, f.column) == (
        "附件1",
        table.ref(index, dropped["问题类别"]),
        dropped["问题类别"],
    )
    assert dropped["问题类别"] in f.message and dropped["党支部名称"] in f.message


def test_no_lists_at_all_is_not_a_flood_of_unmet_aspects(tmp_path, base):
    records, _, _ = base
    assert check(write_workbook(tmp_path / "only.xlsx", [classification_sheet(records)])) == []


def test_linked_lists_planted_errors(tmp_path, base):
    records, problems, _ = base
    tasks, owners = task_sheet(problems), responsibility_sheet(problems)
    cells = {
        ("bad-link", "任务清单"): set_cell(tasks, 1, "对应问题序号", 99),
        ("bad-link", "责任清单"): set_cell(owners, 2, "对应任务序号", 77),
        ("deadline-overdue", "任务清单"): set_cell(tasks, 4, "完成时限", "2025/5/31"),
    }
    sheets = [classification_sheet(records), problem_sheet(problems), tasks, owners]
    findings = check(write_workbook(tmp_path / "l.xls", sheets))
    got = {(f.code, f.sheet): f for f in findings}
    assert codes(findings) == Counter(
        {"bad-link": 2, "problem-without-task": 1, "task-without-owner": 1, "deadline-overdue": 1}
    )
    for key, cell in cells.items():
        assert got[key].cell == cell
    # problem 2 lost its task: located at its 序号 in 问题清单
    assert got[("problem-without-task", "问题清单")].cell == problem_sheet(problems).ref(1, "序号")
    # task 3 lost its owner row: located at the task itself
    assert got[("task-without-owner", "任务清单")].cell == tasks.ref(2, "整改任务")


def test_a_missing_linked_sheet_is_one_finding(tmp_path, base):
    records, problems, _ = base
    sheets = [classification_sheet(records), problem_sheet(problems), task_sheet(problems)]
    findings = check(write_workbook(tmp_path / "m.xlsx", sheets))
    f = only(findings, "list-missing")
    assert codes(findings) == Counter({"list-missing": 1})
    assert f.sheet == "问题清单" and "责任清单" in f.message


def test_work_ledger_planted_errors(tmp_path, base):
    records, problems, items = base
    items = [dict(i) for i in items]
    closed = next(i for i, item in enumerate(items) if item["完成情况"] == "已完成")
    open_ = [i for i, item in enumerate(items) if item["完成情况"] != "已完成"]
    items[closed]["完成时限"] = dt.date(2025, 3, 31)  # past, but closed: not overdue
    ledger = work_ledger_sheet(items)
    cells = {
        "closed-without-date": set_cell(ledger, closed, "销号时间", None),
        "deadline-overdue": set_cell(ledger, open_[0], "完成时限", "2025年5月底"),
        "bad-enum": set_cell(ledger, open_[1], "完成情况", "差不多"),
        "unknown-branch": set_cell(ledger, open_[2], "党支部名称", "城关镇外星村党支部"),
        "required-blank": set_cell(ledger, open_[3], "工作任务", None),
    }
    sheets = [classification_sheet(records), lists_combined_sheet(problems), ledger]
    findings = check(write_workbook(tmp_path / "w.ods", sheets))
    assert codes(findings) == Counter(list(cells))
    for code, cell in cells.items():
        assert (only(findings, code).sheet, only(findings, code).cell) == ("附件4", cell), code
    f = only(findings, "closed-without-date")
    assert (
        f.message
        == f"第{ledger.data_rows[closed]}行“完成情况”为“已完成”，但未填写“销号时间”，请补填"
    )


def test_as_of_decides_what_is_overdue(tmp_path, base):
    records, problems, items = base
    path = write_workbook(
        tmp_path / "t.xlsx",
        [classification_sheet(records), lists_combined_sheet(problems), work_ledger_sheet(items)],
    )
    assert check(path, as_of=dt.date(2025, 6, 30)) == []
    late = check(path, as_of=dt.date(2026, 6, 30))
    assert set(codes(late)) == {"deadline-overdue"}
    ongoing = [p for p in problems if p["完成时限"] in ("长期坚持", "立行立改")]
    dated = [p for p in problems if p["完成时限"] not in ("长期坚持", "立行立改")]
    open_items = [i for i in items if i["完成情况"] != "已完成"]
    assert ongoing and len(late) == len(dated) + len(open_items)


def test_creation_ledger_branch_not_in_the_classification_table(tmp_path, base):
    records, _, _ = base
    extra = [*records, {**records[0], "党支部名称": "城关镇新设村党支部"}]
    creation = creation_ledger_sheet(extra)
    findings = check(write_workbook(tmp_path / "c.xlsx", [classification_sheet(records), creation]))
    f = only(findings, "unknown-branch")
    assert (f.sheet, f.cell, f.value) == (
        "附件2",
        creation.ref(len(records), "党支部名称"),
        "城关镇新设村党支部",
    )
    assert codes(findings) == Counter({"unknown-branch": 1})


def test_category_aliases_count_as_the_aspect(tmp_path, base):
    records, problems, _ = base
    problems = [dict(p) for p in problems]
    for p in problems:
        if p["问题类别"] == "组织队伍":
            p["问题类别"] = "基本队伍"
        elif p["问题类别"] in ASPECTS:
            p["问题类别"] = p["问题类别"] + "方面"
    path = write_workbook(
        tmp_path / "a.xlsx", [classification_sheet(records), lists_combined_sheet(problems)]
    )
    assert check(path) == []
