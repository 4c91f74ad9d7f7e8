"""A file reads the same in a batch as alone.

What a process learns of one workbook (header rows matched, forms fitted, a rating memo per
table layout, cell values parsed) is kept for the next. A memo that lies would give a file
another rating or other findings because of the files read before it, silently. So every
workbook of the fidelity corpus, the bundled samples, a county ledger made of them and a few
built to tempt the memos (the same cells under another 支部类型, 负面清单 or member count;
积分表 of other years; 百分制 rows alike but for a cap or a veto; one file under every rubric and
several as-of dates in one process) is validated and rated:

- alone: each task in a child forked from a process that has read no workbook;
- in one process, one after another (``check_file``/``rate_file`` in a loop, ``validate_paths``
  and a county ``rate`` of several files with jobs=1), in several orders: sorted, reversed, a
  fixed shuffle, everything twice, each file's tasks together; and once with every memo's cap
  at a few entries and the rating memo used from a table's first row.

Each file must give exactly the same findings and branches (every field of --json) as alone;
a county run only adds the warning that a branch is seen in another file.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from branchctl.jobs.rate import rate_paths
from branchctl.rules.rubric_file import builtin_names
from tests import batch_alone
from tests.batch_alone import Task
from tests.builders import (
    ASPECTS,
    CLASSIFICATION_COLUMNS,
    HUNDRED_HEADERS,
    TALLY_COLUMNS,
    Layout,
    classification_sheet,
    hundred_points_sheet,
    sample_branches,
    table_sheet,
    with_claims,
    write_workbook,
)
from tests.corpus.cases import all_cases
from tests.test_rating_rubrics import BRANCH_POINTS, FIVE, HEFEI, five_basics_sheet, points_sheet
from tests.test_rubric_hundred import street_records

SAMPLES = Path(__file__).resolve().parent.parent / "sample_ledgers"
JUNE = "2025-06-30"
DEFAULT = "six-star"
ELECTION_COLUMNS = (*CLASSIFICATION_COLUMNS[:-1], "换届时间", "备注")


def _same_cells(**changed: Any) -> list[dict[str, Any]]:
    """30 branches whose rating cells are all alike (but for ``changed``): every row after the
    first is a memo hit."""
    records = sample_branches(30, seed=3, small_branches=False)
    for i, rec in enumerate(records):
        rec.update(dict.fromkeys(ASPECTS[:5], True))
        rec.update({"发挥作用": False, "负面清单": "无", "正式党员": 12, "预备党员": 0})
        rec.update({"党员人数": 12, "支委人数": 5, "支部类型": "农村", "换届时间": "2021年5月20日"})
        rec.update(changed)
        records[i] = with_claims(rec)
    return records


def _tempting(folder: Path) -> list[Task]:
    """Workbooks whose rows a memo learnt from the one before would misrate, each with the
    rubric and as-of dates it is rated under (in this order in the batches kept in order)."""
    tasks: list[Task] = []

    def add(name: str, sheets: Any, rubric: str, *dates: str) -> None:
        path = str(write_workbook(folder / name, sheets))
        tasks.extend((kind, path, rubric, d) for d in dates for kind in ("validate", "rate"))

    six = Layout(columns=ELECTION_COLUMNS)
    without_formal = Layout(columns=tuple(c for c in ELECTION_COLUMNS if c != "正式党员"))
    books = {
        "农村.xlsx": (_same_cells(), six),
        "机关.xlsx": (_same_cells(支部类型="机关"), six),  # elections every 3 years, not 5
        "否决.xlsx": (_same_cells(负面清单="有（违纪）"), six),
        "两名党员.xlsx": (_same_cells(正式党员=2, 党员人数=2), six),
        "党员人数12.xlsx": (_same_cells(), without_formal),  # 党员人数 stands in
        "党员人数2.xlsx": (_same_cells(党员人数=2), without_formal),
    }
    for name, (records, layout) in books.items():
        add(
            name, [classification_sheet(records, layout)], DEFAULT, JUNE, "2024-01-01", "2027-06-30"
        )
    hidden = classification_sheet(_same_cells(), six)
    hidden.hidden_rows = {hidden.data_rows[3], hidden.data_rows[5]}
    add("隐藏行.xlsx", [hidden], DEFAULT, JUNE)
    for name in ("农村.xlsx", "机关.xlsx"):
        for rubric in ("five-basics", "five-standard", "hundred-points", "star-points"):
            tasks += [(k, str(folder / name), rubric, JUNE) for k in ("validate", "rate")]

    rows = BRANCH_POINTS + [dict(r, name=r["name"].replace("村", "社区")) for r in BRANCH_POINTS]
    in_a_village = [dict(r, org="东街村党支部") for r in rows]
    dates = ("2025-03-31", JUNE, "2025-12-31", "2026-02-01")
    for year in (2025, 2024, None):
        add(f"积分{year}.xlsx", [points_sheet(rows, year=year)], "star-points", *dates)
        sheet = points_sheet(in_a_village, year=year, members=True)
        add(f"党员积分{year}.xlsx", [sheet], "star-points", *dates)
    # 百分制: the street's ledger; then every row with the first row's scores and votes, where
    # only 软弱涣散情形, 负面清单 and the claims tell the rows apart (a cap, a veto)
    street = street_records()
    alike = [
        {**r, **{c: street[0][c] for c in (*ASPECTS, *TALLY_COLUMNS)}, "总分": None} for r in street
    ]
    for name, records in (("街道.xlsx", street), ("街道.xls", street), ("同分.xlsx", alike)):
        add(name, [hundred_points_sheet(records)], "hundred-points", JUNE, "2025-12-31")
    bare = Layout.bare(synonyms=HUNDRED_HEADERS)
    add("同分无表头.ods", [hundred_points_sheet(alike, bare)], "hundred-points", JUNE)
    # 五个基本 scored (an A quota within the table), and the same scores with no veto
    add("五个基本.xlsx", [five_basics_sheet(HEFEI)], "five-basics", JUNE)
    cleared = [(n, scores, "无", grade) for n, scores, _, grade in HEFEI]
    add("五个基本无否决.xls", [five_basics_sheet(cleared)], "five-basics", JUNE)
    add("五化.xlsx", [_five_standard_sheet(veto="无")], "five-standard", JUNE)
    add(
        "五化否决.xlsx",
        [_five_standard_sheet(veto="党员违纪违法造成恶劣影响")],
        "five-standard",
        JUNE,
    )
    return tasks


def _five_standard_sheet(veto: str) -> Any:
    """A 五化 sheet whose rows differ but in name (and the last one's 负面清单)."""
    marks = ("√√√√√", "√√√√×", "√√×√×", "√×××√", "×××√×", "√√√√√")
    records = [
        {
            "所属党组织": "城关镇党委",
            "党支部名称": f"第{i + 1}党支部",
            **dict(zip(FIVE, m, strict=True)),
            "负面清单": veto if i == 5 else "无",
            "星级": m.count("√"),
        }
        for i, m in enumerate(marks * 3)
    ]
    return table_sheet(
        "五化",
        ("序号", "所属党组织", "党支部名称", *FIVE, "负面清单", "星级"),
        records,
        Layout(synonyms={f: f[:4] for f in FIVE}),  # 支部设置, 组织生活…
        annex="附件1",
        title="城关镇党支部“五化”建设评星定级表",
        groups={"“五化”建设达标情况": FIVE},
    )


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> list[Task]:
    """Every task, in a fixed order: the corpus and samples validated and rated under the
    default rubric (and the xlsx ones under every other built-in), then the tempting ones."""
    folder = tmp_path_factory.mktemp("batch")
    paths: list[str] = []
    for case in all_cases():
        for fmt in case.formats:
            paths.append(str(write_workbook(folder / f"{case.name}.{fmt}", case.sheets)))
    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".xls", ".ods"))
    paths += map(str, samples)
    out: list[Task] = [(k, p, DEFAULT, JUNE) for p in paths for k in ("validate", "rate")]
    others = [r for r in builtin_names() if r != DEFAULT]
    firsts = [p for p in paths if not p.endswith((".xls", ".ods"))] + list(map(str, samples))
    out += [("rate", p, r, JUNE) for p in dict.fromkeys(firsts) for r in others]
    # the county ledger a county run writes: its rows name their 来源文件
    ledger = folder / "评定汇总.xlsx"
    rate_paths([*samples, Path(paths[0])], out=ledger, as_of=dt.date(2025, 6, 30), jobs=1)
    out += [(k, str(ledger), DEFAULT, JUNE) for k in ("validate", "rate")]
    return out + _tempting(folder / "tempting")


@pytest.fixture(scope="module")
def alone(tasks: list[Task]) -> dict[Task, Any]:
    """Each task's outcome in a fresh process, two processes at a time."""
    every = list(dict.fromkeys(tasks))
    county = [("county", p, DEFAULT, JUNE) for p in _files(tasks)]
    every += county
    half = len(every) // 2
    procs = [batch_alone.start("alone", every[:half]), batch_alone.start("alone", every[half:])]
    found = batch_alone.finish(procs[0]) + batch_alone.finish(procs[1])
    return dict(zip(every, found, strict=True))


def _files(tasks: list[Task]) -> list[str]:
    return list(dict.fromkeys(t[1] for t in tasks if t[2] == DEFAULT))


def _orders(tasks: list[Task]) -> Iterator[tuple[str, str, list[Task]]]:
    yield "sorted", "batch", sorted(tasks)
    yield "reversed", "batch", sorted(tasks, reverse=True)
    shuffled = list(tasks)
    random.Random(20251205).shuffle(shuffled)
    yield "shuffled", "batch", shuffled
    yield "twice", "batch", tasks + tasks
    yield "by-file", "batch", sorted(tasks, key=lambda t: (t[1], t[2], t[3], t[0]))
    yield "tight-caps", "tight", shuffled


ORDERS = ["sorted", "reversed", "shuffled", "twice", "by-file", "tight-caps"]


def _differences(order: list[Task], got: list[Any], alone: dict[Task, Any]) -> list[str]:
    out = []
    for task, found in zip(order, got, strict=True):
        expected = alone[task]
        if found != expected:
            out.append(f"{task}:\n  alone: {_brief(expected)}\n  batch: {_brief(found)}")
    return out


def _brief(outcome: Any) -> str:
    """The first thing that differs is what a reader needs: the outcome, cut short."""
    text = repr(outcome)
    return text if len(text) < 600 else text[:600] + "…"


@pytest.mark.parametrize("name", ORDERS)
def test_each_file_in_a_batch_reads_as_alone(
    name: str, tasks: list[Task], alone: dict[Task, Any]
) -> None:
    _, mode, order = next(o for o in _orders(tasks) if o[0] == name)
    got = batch_alone.run(mode, order)
    differences = _differences(order, got, alone)
    assert not differences, f"{len(differences)} of {len(order)} differ:\n" + "\n".join(
        differences[:10]
    )


@pytest.mark.parametrize("mode", ["batch", "tight"])
def test_validate_paths_and_county_rate_read_each_file_as_alone(
    mode: str, tasks: list[Task], alone: dict[Task, Any]
) -> None:
    files = _files(tasks)
    checks = [("paths", p, DEFAULT, JUNE) for p in files]
    county = [("county", p, DEFAULT, JUNE) for p in files]
    for order in (checks + county, county[::-1] + checks[::-1]):
        got = batch_alone.run(mode, order)
        expected = {t: alone[("validate", *t[1:])] if t[0] == "paths" else alone[t] for t in order}
        differences = _differences(order, got, expected)
        assert not differences, f"{len(differences)} differ:\n" + "\n".join(differences[:10])


def test_the_alone_outcomes_are_ratings_and_findings(alone: dict[Task, Any]) -> None:
    """The comparison is worth something: most files rate, under every rubric, and carry
    findings."""
    rated = {t[2] for t, o in alone.items() if t[0] == "rate" and isinstance(o, list) and o}
    assert rated == set(builtin_names())
    with_findings = [o for t, o in alone.items() if t[0] == "validate" and o]
    assert len(with_findings) >= 60
    assert not [t for t, o in alone.items() if isinstance(o, dict) and "crash" in o]


def test_the_tempting_workbooks_rate_otherwise_alone(alone: dict[Task, Any]) -> None:
    """Each tempting workbook's rows share their marks and claims with the others' rows, yet
    rate otherwise alone: a memo that reused another file's verdict would show."""

    def rated(name: str, day: str = JUNE) -> list[tuple[Any, ...]]:
        task = next(t for t in alone if t[0] == "rate" and t[1].endswith(f"/{name}") and
                    t[2] == DEFAULT and t[3] == day)  # fmt: skip
        return [(b["stars"], tuple(b["warning_codes"])) for b in alone[task]]

    village = rated("农村.xlsx")
    assert len(set(village)) == 1 and len(village) == 30
    assert rated("机关.xlsx") != village  # a 2021 election is overdue for 机关 only
    assert {s for s, _ in rated("否决.xlsx")} == {0}
    assert rated("两名党员.xlsx") != village
    assert rated("党员人数2.xlsx") != rated("党员人数12.xlsx")
    assert rated("农村.xlsx", "2027-06-30") != village
