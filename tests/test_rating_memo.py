"""Rows that repeat: ``rate`` rates each combination of a row's rating cells once and reuses the
verdict (issue 17). A reused verdict must be exactly what rating the row on its own gives: the
same stars, claims and warnings, each on its own row, and the same --json."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.forms.tables import find_forms
from branchctl.io.workbook import read_workbook
from branchctl.jobs.rate import rate_file
from branchctl.rules.learnt import forget_learnt, learnt_entries
from branchctl.rules.rateable import rated_tables
from branchctl.rules.rating import rate_row, rate_table
from branchctl.rules.row_rater import TableRater
from branchctl.rules.rubric_file import builtin_text, load_rubric, parse_rubric
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


# -- the memo outlives the table: what one table teaches is reused by the next of its layout


def _election_ledger(tmp_path: Path, name: str, columns: tuple[str, ...]) -> Path:
    """40 branches whose 基本组织 the data judge: counts, and (where the table has the column)
    the date of the last election, overdue for some by 2025 and for more by 2027."""
    records = [with_claims(r) for r in sample_branches(40, seed=29)]
    for i, rec in enumerate(records):
        rec["换届时间"] = ("2020年3月", "2021年5月20日", "2022年11月", "2024年3月")[i % 4]
        rec["正式党员"] = (3, 4, 12)[i % 3]  # 3 and 4: enough, unless a rubric asks for more
        rec["党员人数"] = rec["正式党员"] + (rec.get("预备党员") or 0)
        rec["支委人数"] = 5
        rec["基本组织"] = "√"  # what the clerk claims: the data may disagree
    sheet = classification_sheet(records, Layout(columns=columns))
    return write_workbook(tmp_path / name, [sheet])


def _counts_ledger(tmp_path: Path, name: str, drop: str) -> Path:
    """40 branches without the ``drop`` count column: one township fills 党员人数 only, another
    正式党员 only, in the same cells' order, so that the rows read alike as values."""
    records = [with_claims(r) for r in sample_branches(40, seed=31)]
    for i, rec in enumerate(records):
        first, second = (2, 9)[i % 2], (2, 5, 9)[i % 3]
        if drop == "正式党员":  # 党员人数, then 支委人数
            rec.update({"党员人数": first, "支委人数": second})
        else:  # 支委人数, then 正式党员
            rec.update({"支委人数": first, "正式党员": second})
        rec["基本组织"] = "√"
    columns = tuple(c for c in CLASSIFICATION_COLUMNS if c != drop)
    return write_workbook(tmp_path / name, [classification_sheet(records, Layout(columns=columns))])


def _rated(path: Path, rubric: Any, as_of: dt.date) -> list[dict[str, Any]]:
    """Every branch of ``path`` as ``rate --json`` lists it (its warnings too)."""
    book = read_workbook(path)
    layout = find_forms(book, rubric.aspect_headers())
    tables = rated_tables(book, rubric, layout)
    return [
        b.to_json() for t in tables for b in rate_table(t, rubric, path, strict=False, as_of=as_of)
    ]


def test_each_layout_rubric_and_date_has_its_own_verdicts(tmp_path: Path) -> None:
    """The same rows rated one after another in one process, under other columns, another
    rubric and another as-of date, each give what they give rated alone in a fresh process."""
    plain = _election_ledger(tmp_path, "无换届.xlsx", CLASSIFICATION_COLUMNS)
    dated = _election_ledger(tmp_path, "有换届.xlsx", COLUMNS)
    moved = _election_ledger(tmp_path, "列序不同.xlsx", (*COLUMNS[:4], *COLUMNS[9:], *COLUMNS[4:9]))
    six = load_rubric(None)
    # a county's own copy of the rubric: 基本组织 judged by its data alone, which must show
    # five formal members and elections every 2 years
    text = builtin_text("six-star").replace("value = 3\n", "value = 5\n", 1)
    text = text.replace(
        '["健全基本组织"]\njudge = "mark"', '["健全基本组织"]\njudge = "indicators"'
    )
    strict = parse_rubric(text.replace("value = 3\nwhen", "value = 2\nwhen"), source="县.toml")
    later = dt.date(2027, 6, 30)
    total = _counts_ledger(tmp_path, "只填党员人数.xlsx", "正式党员")
    formal = _counts_ledger(tmp_path, "只填正式党员.xlsx", "党员人数")
    runs = [
        (plain, six, JUNE),
        (dated, six, JUNE),
        (dated, six, later),
        (dated, strict, JUNE),
        (moved, six, JUNE),
        (plain, strict, later),
        (dated, six, JUNE),
        (total, six, JUNE),
        (formal, six, JUNE),
    ]
    forget_learnt()
    together = [_rated(path, rubric, as_of) for path, rubric, as_of in runs]
    for (path, rubric, as_of), got in zip(runs, together, strict=True):
        forget_learnt()
        assert got == _rated(path, rubric, as_of), (path.name, rubric.source, as_of)

    def disagree(run: int) -> list[bool]:
        return ["indicator-disagrees" in b["warning_codes"] for b in together[run]]

    def stars(run: int) -> list[int]:
        return [b["stars"] for b in together[run]]

    # what tells the runs apart: a memo shared across them would give one of them another's
    assert disagree(0) == [False] * 40  # no election dates: the counts alone, all enough
    assert 0 < disagree(1).count(True) < disagree(2).count(True) < 40  # more overdue by 2027
    assert stars(3) != stars(1)  # 基本组织 unmet where the data fall short of the county's rules
    assert sum(stars(3)) < sum(stars(1)) and sum(stars(5)) < sum(stars(0))
    assert together[4] != together[1] and together[6] == together[1]
    assert disagree(7) != disagree(8)  # 党员人数 2 is too few; 支委人数 2 with 5 members is not


def test_a_full_memo_is_forgotten_not_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its cap the memo is forgotten and rows are rated afresh, still each its own."""
    dated = _election_ledger(tmp_path, "有换届.xlsx", COLUMNS)
    rubric = load_rubric(None)
    forget_learnt()
    alone = _rated(dated, rubric, JUNE)
    monkeypatch.setattr("branchctl.rules.learnt.LEARNT_CAP", 5)
    forget_learnt()
    assert _rated(dated, rubric, JUNE) == alone
    assert _rated(dated, rubric, JUNE) == alone  # a second table of the layout, memo full
    assert learnt_entries() <= 5 + 3  # the cap, and what one row adds past it


def test_a_workers_copy_of_the_rubric_learns_with_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker unpickles the rubric with each chunk of files: an equal copy is one layout,
    chunk after chunk, and its rows are not rated again."""
    dated = _election_ledger(tmp_path, "有换届.xlsx", COLUMNS)
    rubric = load_rubric(None)
    forget_learnt()
    first = _rated(dated, rubric, JUNE)
    learnt = learnt_entries()
    assert learnt > 0
    rated: list[int] = []
    verdict = TableRater._verdict
    monkeypatch.setattr(
        TableRater, "_verdict", lambda self, *a: rated.append(1) or verdict(self, *a)
    )
    book = read_workbook(dated)
    table = rated_tables(book, rubric)[0]
    for _ in range(70):  # a worker's chunks of files, each with its copy
        copy = pickle.loads(pickle.dumps(rubric))
        rate_table(table, copy, dated, strict=False, as_of=JUNE)
    assert _rated(dated, pickle.loads(pickle.dumps(rubric)), JUNE) == first
    assert not rated  # every row known: nothing rated twice, nothing forgotten
    assert learnt_entries() == learnt


def test_one_table_rated_under_two_rubrics_gets_each_rubrics_rules(tmp_path: Path) -> None:
    """A table keeps what it works out for rating (which of an aspect's rules its columns
    carry); rated under the county's copy of the rubric after the built-in one, whose aspect
    has the same name but other rules, it must be judged by the county's rules."""
    dated = _election_ledger(tmp_path, "有换届.xlsx", COLUMNS)
    six = load_rubric(None)
    text = builtin_text("six-star").replace("value = 3\n", "value = 5\n", 1)
    text = text.replace(
        '["健全基本组织"]\njudge = "mark"', '["健全基本组织"]\njudge = "indicators"'
    )
    county = parse_rubric(text, source="县.toml")
    forget_learnt()
    county_alone = _rated(dated, county, JUNE)
    book = read_workbook(dated)
    (table,) = rated_tables(book, six, find_forms(book, six.aspect_headers()))
    forget_learnt()
    six_first = [b.to_json() for b in rate_table(table, six, dated, strict=False, as_of=JUNE)]
    forget_learnt()
    county_after = [b.to_json() for b in rate_table(table, county, dated, strict=False, as_of=JUNE)]
    assert county_after == county_alone
    assert [b["stars"] for b in county_after] != [b["stars"] for b in six_first]
