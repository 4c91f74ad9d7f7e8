"""`rate --bottom N`: the weakest branches for the annual rectification list (倒排)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.jobs.rate import rate_file
from branchctl.rules.ranking import bottom_ranking
from tests.builders import (
    ASPECTS,
    Layout,
    classification_sheet,
    lists_combined_sheet,
    sample_branches,
    with_claims,
    work_ledger_sheet,
    write_workbook,
)

runner = CliRunner()
AS_OF = "2025-10-15"

# (key, stars met, blank marks, veto, overdue 附件3 tasks, overdue 附件4 items)
PLAN = [
    ("A", 2, 0, None, 0, 0),  # 2 stars, 4 unmet, nothing overdue
    ("B", 2, 0, None, 1, 1),  # 2 stars, 4 unmet, 2 overdue
    ("C", 2, 0, None, 1, 0),  # 2 stars, 4 unmet, 1 overdue (above G: earlier row)
    ("D", 5, 0, "支部书记受到党纪处分", 0, 0),  # vetoed: 0 stars, only 1 unmet
    ("E", 0, 0, None, 0, 0),  # 0 stars, 6 unmet
    ("F", 3, 0, None, 3, 0),  # 3 stars: above every 2-star branch, overdue or not
    ("G", 2, 0, None, 0, 1),  # 2 stars, 4 unmet, 1 overdue
    ("H", 1, 2, None, 0, 0),  # 1 star, two marks left blank: 5 unmet
    ("I", 6, 0, None, 0, 0),
]
EXPECTED = ["E", "D", "H", "B", "C", "G", "A", "F", "I"]


def _workbook(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    records = sample_branches(len(PLAN), seed=31, small_branches=False)
    names: dict[str, str] = {}
    problems: list[dict] = []
    items: list[dict] = []
    for i, (key, met, blank, veto, late_tasks, late_items) in enumerate(PLAN):
        marks = {a: (j < met) if j < 6 - blank else None for j, a in enumerate(ASPECTS)}
        records[i] = with_claims({**records[i], **marks, "负面清单": veto or "无"})
        name = records[i]["党支部名称"]
        names[key] = name
        for k in range(late_tasks):
            problems.append(
                _problem(name, ASPECTS[-1], "2025年9月30日" if k % 2 else dt.date(2025, 8, 31))
            )
        problems.append(_problem(name, ASPECTS[0], "长期坚持"))  # never overdue
        problems.append(_problem(name, ASPECTS[1], "2025-12-31"))  # not yet due
        for _ in range(late_items):
            items.append(_item(name, "2025.9.30", "推进中"))
        items.append(_item(name, "2025年6月底", "已完成", closed=dt.date(2025, 6, 28)))  # closed
    path = write_workbook(
        tmp_path / "城关镇台账.xlsx",
        [
            classification_sheet(records, Layout(footer=True)),
            lists_combined_sheet(problems),
            work_ledger_sheet(items),
        ],
    )
    return path, names


def _problem(name: str, aspect: str, deadline) -> dict:
    return {
        "党支部名称": name,
        "问题类别": aspect,
        "问题描述": f"{aspect}存在短板",
        "整改任务（措施）": "对照标准整改",
        "责任人": "王建国",
        "责任领导": "刘建华",
        "完成时限": deadline,
    }


def _item(name: str, deadline, status: str, closed: dt.date | None = None) -> dict:
    return {
        "党支部名称": name,
        "工作任务": "补齐短板",
        "完成时限": deadline,
        "进展情况": "正在推进",
        "完成情况": status,
        "销号时间": closed,
        "佐证材料": "会议记录" if closed else None,
    }


def test_bottom_order_with_ties(tmp_path):
    path, names = _workbook(tmp_path)
    report = rate_file(path, out=None, as_of=dt.date.fromisoformat(AS_OF), bottom=len(PLAN))
    order = {v: k for k, v in names.items()}
    assert [order[b.name] for b in report.bottom] == EXPECTED
    assert report.overdue == {
        _key(names["B"]): 2, _key(names["C"]): 1, _key(names["F"]): 3, _key(names["G"]): 1,
    }  # fmt: skip
    top3 = rate_file(path, out=None, as_of=dt.date.fromisoformat(AS_OF), bottom=3)
    assert [order[b.name] for b in top3.bottom] == ["E", "D", "H"]


def test_before_the_deadlines_nothing_is_overdue(tmp_path):
    path, names = _workbook(tmp_path)
    report = rate_file(path, out=None, as_of=dt.date(2025, 7, 1), bottom=len(PLAN))
    order = {v: k for k, v in names.items()}
    assert report.overdue == {}
    # B, C, G, A tie on stars and unmet aspects: sheet order decides
    assert [order[b.name] for b in report.bottom] == ["E", "D", "H", "A", "B", "C", "G", "F", "I"]


def test_bottom_in_the_summary_sheet_and_on_screen(tmp_path):
    path, names = _workbook(tmp_path)
    out = tmp_path / "评定.xlsx"
    result = runner.invoke(
        app, ["rate", str(path), "--bottom", "4", "--as-of", AS_OF, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "倒排最弱的 4 个支部" in result.stdout
    listing = result.stdout.split("倒排最弱的 4 个支部")[1].splitlines()
    screen = [line for line in listing if any(names[k] in line for k in "EDHB")]
    assert [next(k for k in "EDHB" if names[k] in line) for line in screen] == ["E", "D", "H", "B"]
    ws = openpyxl.load_workbook(out)["汇总"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "倒排名次")
    listed = [r[2] for r in rows[start + 1 : start + 5]]
    assert listed == [names[k] for k in ("E", "D", "H", "B")]
    assert [r[0] for r in rows[start + 1 : start + 5]] == [1, 2, 3, 4]
    assert rows[start][5] == "逾期任务数"
    assert rows[start + 4][5] == 2  # B: two tasks past their deadline and not closed


def test_ranking_without_overdue_data():
    class B:  # the fields bottom_ranking reads
        def __init__(self, name: str, stars: int, unmet: int, row: int) -> None:
            self.name, self.stars, self.unmet = name, stars, ["x"] * unmet
            self.sheet, self.row = "附件1", row

    branches = [B("甲", 3, 3, 6), B("乙", 3, 3, 7), B("丙", 2, 4, 8), B("丁", 3, 2, 9)]
    assert [b.name for b in bottom_ranking(branches, 3)] == ["丙", "甲", "乙"]  # type: ignore[arg-type]
    assert [b.name for b in bottom_ranking(branches, 3, {"乙": 1})] == ["丙", "乙", "甲"]  # type: ignore[arg-type]
    assert bottom_ranking(branches, 0) == []  # type: ignore[arg-type]


def _key(name: str) -> str:
    from branchctl.forms.values import name_key

    return name_key(name)
