"""Rows that repeat: ``rate`` rates each combination of a row's rating cells once and reuses the
verdict (issue 17). A reused verdict must be exactly what rating the row on its own gives: the
same stars, claims and warnings, each on its own row, and the same --json."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.forms.tables import find_forms
from branchctl.io.workbook import read_workbook
from branchctl.jobs.rate import rate_file
from branchctl.rules.rateable import rated_tables
from branchctl.rules.rating import rate_row, rate_table
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    CLASSIFICATION_COLUMNS,
    Layout,
    classification_sheet,
    sample_branches,
    with_claims,
    write_workbook,
)
from tests.corpus.cases import all_cases

runner = CliRunner()
JUNE = dt.date(2025, 6, 30)
SAMPLES = Path(__file__).resolve().parent.parent / "sample_ledgers"
COLUMNS = (*CLASSIFICATION_COLUMNS[:-1], "换届时间", "备注")


@pytest.fixture(autouse=True)
def _memo_on_every_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo is used from MEMO_ROWS rows on (or from the second table of a layout): these
    small tables must go through it too."""
    monkeypatch.setattr("branchctl.rules.row_rater.MEMO_ROWS", 0)


def _same_cells_ledger(tmp_path: Path) -> Path:
    """30 branches with the same marks, claims and counts; they differ in name, type and the
    date of their last election, which the six-star rules judge by type."""
    records = sample_branches(30, seed=17, small_branches=False)
    for i, rec in enumerate(records):
        rec.update(
            dict.fromkeys(("基本组织", "组织队伍", "基本活动", "基本制度", "基本保障"), True)
        )
        rec.update({"发挥作用": False, "负面清单": "无", "正式党员": 12, "预备党员": 0})
        rec.update({"党员人数": 12, "支委人数": 5, "支部类型": "机关" if i % 2 else "农村"})
        rec["换届时间"] = "2021年5月20日" if i % 3 == 0 else "2024年3月"
        records[i] = with_claims(rec)
    records[7]["党支部名称"] = records[4]["党支部名称"]  # the same branch twice
    records[9]["党支部名称"] = None  # a name left blank
    records[11]["所属党组织"] = None  # the unit above the table stands in
    records[13]["支部书记"] = 1042.0  # a number where a name belongs
    sheet = classification_sheet(records, Layout(columns=(*COLUMNS[:4], "支部书记", *COLUMNS[4:])))
    sheet.hidden_rows = {sheet_row(sheet, records[16]["党支部名称"])}
    return write_workbook(tmp_path / "台账.xlsx", [sheet])


def sheet_row(sheet: Any, name: str) -> int:
    """The 1-based Excel row of the branch named ``name``."""
    return next(i + 1 for i, row in enumerate(sheet.rows) if name in row)


def test_repeated_rows_keep_their_own_warnings(tmp_path: Path) -> None:
    report = rate_file(_same_cells_ledger(tmp_path), out=None, as_of=JUNE)
    branches = report.result.branches
    assert [b.stars for b in branches] == [5] * 30
    for i, b in enumerate(branches):
        codes = [f.code for f in b.findings]
        # 机关 must hold elections every 3 years: a 2021 election is overdue; 农村 every 5 years
        overdue = i % 2 == 1 and i % 3 == 0
        assert ("indicator-disagrees" in codes) == overdue, (i, codes)
        assert ("duplicate-name" in codes) == (i == 7), (i, codes)
        assert ("name-blank" in codes) == (i == 9), (i, codes)
        assert ("hidden-row" in codes) == (i == 16), (i, codes)
        assert all(f.row == b.row for f in b.findings)
    assert branches[7].findings[-1].message.count(f"第{branches[4].row}行") == 1


def _tables(path: Path) -> list[Any]:
    book = read_workbook(path)
    rubric = load_rubric(None)
    return rated_tables(book, rubric, find_forms(book, rubric.aspect_headers()))


def _alone_and_together(path: Path) -> None:
    rubric = load_rubric(None)
    for table in _tables(path):
        variant = rubric.for_table(table)
        labels = (variant.category_labels(), variant.level_labels())
        together = rate_table(table, rubric, path, strict=False, as_of=JUNE)
        alone = [rate_row(table, r, rubric, *labels, path, as_of=JUNE) for r in table.rows]
        assert len(together) == len(alone)
        for t, a in zip(together, alone, strict=True):
            # every field the same (a branch built from a reused verdict takes its own name,
            # unit, type and secretary), the findings apart from the duplicate check's
            assert replace(t, findings=[]) == replace(a, findings=[])
            messages = [f.message for f in t.findings if f.code != "duplicate-name"]
            assert t.to_json() | {"warnings": [], "warning_codes": []} == a.to_json() | {
                "warnings": [],
                "warning_codes": [],
            }
            assert messages == [f.message for f in a.findings]
            assert (t.blank, t.bad, t.bad_hints, t.disagreements) == (
                a.blank,
                a.bad,
                a.bad_hints,
                a.disagreements,
            )


def test_rated_together_as_rated_alone(tmp_path: Path) -> None:
    _alone_and_together(_same_cells_ledger(tmp_path))
    _alone_and_together(SAMPLES / "城关镇_规范台账.xlsx")


@pytest.mark.parametrize("case", [c for c in all_cases() if "xlsx" in c.formats][:4])
def test_corpus_rated_together_as_rated_alone(case: Any, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / f"{case.name}.xlsx", case.sheets)
    try:
        _alone_and_together(path)
    except Exception as e:  # a case whose table cannot be rated at all is not about reuse
        if type(e).__name__ != "BranchctlError":
            raise


def test_big_ledger_json_is_the_library_result(tmp_path: Path) -> None:
    some = [with_claims(r) for r in sample_branches(60, seed=3)]
    records = [  # 35 townships' worth of the same 60 branches, each its own name
        {**r, "党支部名称": f"{r['党支部名称']}（{k + 1}）"} for k in range(35) for r in some
    ]
    records[5]["星级"] = "七星"  # an unreadable claim: a branch with a warning
    path = write_workbook(tmp_path / "全县台账.xlsx", [classification_sheet(records)])
    out = tmp_path / "评定.xlsx"
    run = runner.invoke(app, ["rate", str(path), "-o", str(out), "--json", "--as-of", "2025-06-30"])
    assert run.exit_code in (0, 1), run.output
    result = rate_file(path, out=None, as_of=JUNE).result
    assert run.stdout == json.dumps(result.to_json(), ensure_ascii=False) + "\n"
    assert json.loads(run.stdout)["branches"][5]["warning_codes"] == ["claim-unreadable"]
