"""The rules over time (weak-twice, below-three-two-years, star-jump), the township states, and
what a resubmission fixed."""

from __future__ import annotations

import datetime as dt

import pytest

from branchctl.archive.store import FindingRow, SubmissionRow
from branchctl.rules.history import Standing, branch_history, change, flags_of
from branchctl.rules.periods import parse_period
from branchctl.rules.submissions import compare_findings, township_statuses

WEAK = "软弱涣散"


def standings(keys: list[str], stars: list[int], adjusted: set[int] = frozenset(), gaps=()):
    """Standings in periods ``keys`` (archive positions skip ``gaps``)."""
    out, index = [], 0
    for i, (key, n) in enumerate(zip(keys, stars, strict=True)):
        while index in gaps:
            index += 1
        category = WEAK if n <= 2 else "加强指导"
        out.append(
            Standing(parse_period(key), index, n, category, "", category == WEAK, i in adjusted)
        )
        index += 1
    return out


Q = ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]


@pytest.mark.parametrize(
    ("stars", "adjusted", "gaps", "flags"),
    [
        ([4, 2, 2, 3], set(), (), ["weak-twice"]),
        ([3, 2, 1, 3], set(), (), ["weak-twice", "star-jump"]),
        ([2, 3, 2, 3], set(), (), []),  # weak, but never twice running
        ([2, 3, 2, 2], set(), {3}, []),  # a period missing between the last two breaks the run
        ([3, 5, 5, 5], set(), (), ["star-jump"]),
        ([3, 5, 5, 5], {1}, (), []),  # the jump was decided, with its reason
        ([3, 4, 5, 6], set(), (), []),  # one star at a time
        ([1, 3, 5, 5], set(), (), ["star-jump"]),
        ([1, 2, 2, 4], set(), (), ["weak-twice", "star-jump"]),
    ],
)
def test_flags_over_quarters(stars, adjusted, gaps, flags):
    assert flags_of(standings(Q, stars, adjusted, gaps)) == flags


def test_below_three_two_years_judges_each_year_by_its_last_period():
    years = standings(["2023", "2024", "2025"], [4, 2, 2])
    assert flags_of(years) == ["weak-twice", "below-three-two-years"]
    # 2024 ended at three stars: below three in its first quarters does not count
    mixed = standings(["2024Q1", "2024Q4", "2025Q2"], [2, 3, 1])
    assert flags_of(mixed) == []
    mixed = standings(["2024Q1", "2024Q4", "2025Q2"], [4, 2, 1])
    assert flags_of(mixed) == ["weak-twice", "below-three-two-years"]
    apart = standings(["2022", "2024"], [1, 1], gaps={1})
    assert flags_of(apart) == []  # two years, but not consecutive ones


def test_changes_and_json():
    h = branch_history("东街村党支部", "城关镇党委", "城关镇", standings(Q, [3, 5, 5, 4], {1}))
    assert h.changes() == [None, "授星", "持平", "摘星"]
    assert [change(None, 3), change(3, 3)] == ["新增", "持平"]
    assert h.to_json()["periods"][1] == {
        "period": "2024Q4", "stars": 5, "category": "加强指导", "level": "", "adjusted": True,
    }  # fmt: skip
    assert h.flags == []


def _sub(i: int, township: str, received: str, errors: int) -> SubmissionRow:
    return SubmissionRow(i, "2025Q2", township, township, "填报单位", f"{i}.xlsx", "", "", 0,
                         received, "", errors, 0)  # fmt: skip


def test_states_and_lateness():
    roster = [("城关镇", "城关镇"), ("青山乡", "青山乡"), ("石桥镇", "石桥镇")]
    subs = [
        _sub(1, "青山乡", "2025-07-09", 3),
        _sub(2, "城关镇", "2025-07-12", 0),  # first came late
        _sub(3, "青山乡", "2025-07-15", 0),  # resubmitted after the deadline: asked for
        _sub(4, "柳林镇", "2025-07-01", 1),  # not on the roster
    ]
    report = township_statuses(parse_period("2025Q2"), roster, subs, dt.date(2025, 7, 10),
                               dt.date(2025, 7, 20))  # fmt: skip
    got = [(t.name, t.state, t.submissions, t.last, t.late, t.errors, t.on_roster)
           for t in report.townships]  # fmt: skip
    assert got == [
        ("城关镇", "已通过", 1, "2025-07-12", True, 0, True),
        ("青山乡", "已通过", 2, "2025-07-15", False, 0, True),
        ("石桥镇", "未报送", 0, None, True, 0, True),
        ("柳林镇", "退回修改", 1, "2025-07-01", False, 1, False),
    ]
    early = township_statuses(parse_period("2025Q2"), roster, [], dt.date(2025, 7, 10),
                              dt.date(2025, 7, 1))  # fmt: skip
    assert [t.late for t in early.townships] == [False, False, False]


def _f(
    code: str, row: int, branch: str | None, column: str | None = "完成时限", value: str = ""
) -> FindingRow:
    return FindingRow(
        code, "error", "附件3", row, column, f"H{row}", value, f"第{row}行", branch, "{}"
    )


def test_same_problem_by_code_sheet_branch_and_column_counted():
    before = [
        _f("bad-date", 6, "东街村党支部", value="尽快"),
        _f("bad-date", 7, "东街村党支部", value="年底"),
        _f("task-without-owner", 8, "西关村党支部", "责任人"),
        _f("required-blank", 9, None, "问题描述"),
    ]
    now = [
        _f("bad-date", 8, "东街村党支部 ", value="下月"),  # moved two rows down, other words
        _f("required-blank", 9, None, "问题描述"),  # no branch: placed by its row
        _f("deadline-missing", 10, "西关村党支部"),
    ]
    fixed, remaining, new = compare_findings(before, now)
    assert [(f.code, f.row) for f in fixed] == [("bad-date", 7), ("task-without-owner", 8)]
    assert [(f.code, f.row) for f in remaining] == [("bad-date", 8), ("required-blank", 9)]
    assert [(f.code, f.row) for f in new] == [("deadline-missing", 10)]
