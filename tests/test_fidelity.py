"""Fidelity corpus (issue 11): workbooks made the way township clerks make them, each with its
exact expected ratings and findings, run through the command line as a clerk runs it.

Both commands run once per case and format, as subprocesses (``python -m branchctl``), so the
tests hold whatever module layout the package has. The cases are in ``tests/corpus/cases.py``;
what each must give is written from SPEC §2–4 and issue 11 in ``tests/corpus/expect.py``.

Checks per case and format:
- ``test_rate``: the exact branches (sheet, row, party_org, name, type, stars, category, level,
  vetoed or not), claimed stars where the case says, a warning mentioning 隐藏 on every hidden
  branch, exit 0 — or, for a table that cannot be read one way, exit 2 with every named cell
  in stderr;
- ``test_validate``: exactly the expected errors (code, sheet, cell; a finding may name a
  second cell in its message), the expected warnings present, ``hidden-row`` exactly on the
  hidden branches, nothing on example sheets, ``ok`` true when no error is expected;
- ``test_rate_and_validate_agree``: rate's (sheet, row, name, party_org) are the expected ones,
  and validate reports no row finding on a row that is not a branch (sections, 小计/合计,
  examples, repeated headers, footers).

Cases that the current code reads wrongly are marked strict xfail in ``KNOWN_FAILURES``: when a
fix makes one pass, the marker must go.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.builders import write_workbook
from tests.corpus.cases import Case, all_cases
from tests.corpus.expect import Expected

CASES: dict[str, Case] = {c.name: c for c in all_cases()}

# Findings that belong to a sheet, a table or a column, not to a data row.
NOT_ROW_CODES = frozenset(
    {
        "file-unreadable", "file-encrypted", "form-missing", "header-not-found",
        "column-missing", "duplicate-column", "quota-exceeded", "quota-below",
    }
)  # fmt: skip

ODS = frozenset({"ods"})
_TWO_TABLES = "second table's header read as a data row"
_SAME = "as rate"

# What the code before issue 11 gets wrong, as observed: (case, test) -> (formats, or None for
# every format; the class; what happens). test is "rate", "validate" or "agree". The tests are
# strict xfail: remove an entry when a fix makes it pass.
KNOWN_FAILURES: dict[tuple[str, str], tuple[frozenset[str] | None, str, str]] = {
    ("merged_org_groups", "rate"): (None, "merged 所属党组织", "party_org 河西街道党工委 (the 填报单位) for rows 7, 8, 10, 13, 14 under the merges"),
    ("merged_org_groups", "validate"): (ODS, "merged 所属党组织", "ods merges not read: required-blank on 所属党组织 B7…"),
    ("merged_org_groups", "agree"): (None, "merged 所属党组织", "rate's party_org is the 填报单位 under the merges"),
    ("merged_org_messy", "rate"): (None, "merged 所属党组织", "party_org 青山乡党委 (the 填报单位) for rows 8, 9, 12 under the 党总支 merges"),
    ("merged_org_messy", "validate"): (ODS, "merged 所属党组织", "ods merges not read: required-blank on 所属党组织 C8…"),
    ("merged_org_messy", "agree"): (None, "merged 所属党组织", "rate's party_org is the 填报单位 under the merges"),
    ("sections_in_serial", "rate"): (None, "section rows", "type null where 支部类型 is blank under 一、农村党支部 / 二、城市社区党支部"),
    ("sections_in_name", "rate"): (None, "section rows", "section rows 6, 11, 15 rated as 0-star branches; types null"),
    ("sections_in_name", "validate"): (None, "section rows", "required-blank across section row 6"),
    ("sections_in_name", "agree"): (None, "section rows", "section rows taken as branches"),
    ("sections_split_merged", "rate"): (None, "section rows", "section rows 6, 10, 13 rated as branches (party_org 农村党支部, empty name)"),
    ("sections_split_merged", "validate"): (None, "section rows", "required-blank 党支部名称 C6 and marks on section rows"),
    ("sections_split_merged", "agree"): (None, "section rows", "section rows taken as branches"),
    ("hidden_last_quarter", "rate"): (None, "hidden columns", "rated from the hidden 一季度 columns (row 6: 4 stars, not 6)"),
    ("hidden_last_quarter", "validate"): (None, "hidden columns", "stars-mismatch S6… computed from the hidden columns"),
    ("duplicate_column_visible", "rate"): (None, "duplicate columns", "exit 0: one 基本活动 column taken silently"),
    ("duplicate_column_visible", "validate"): (None, "duplicate columns", "no duplicate-column finding, no error"),
    ("duplicate_quarter_columns_one_row_header", "rate"): (None, "duplicate columns", "exit 1: the leftmost (last quarter's) columns taken silently"),
    ("duplicate_quarter_columns_one_row_header", "validate"): (None, "duplicate columns", "stars-mismatch S3… from last quarter's columns, no duplicate-column"),
    ("circle_mark", "rate"): (None, "○ mark", "○ counted as met, exit 0"),
    ("circle_mark", "validate"): (None, "○ mark", "no bad-mark for ○ at N8"),
    ("circle_marks_messy", "rate"): (None, "○ mark", "○ counted as met, exit 0"),
    ("circle_marks_messy", "validate"): (None, "○ mark", "no bad-mark for ○ at M8, P12"),
    ("example_sheet_fill", "rate"): (None, "example sheets", "the 填表示例 sheet's 3 branches rated"),
    ("example_sheet_fill", "agree"): (None, "example sheets", _SAME),
    ("example_sheet_sample", "rate"): (None, "example sheets", "the 样表 sheet's XX村党支部, XX社区党支部 rated"),
    ("example_sheet_sample", "validate"): (None, "example sheets", "stars-mismatch on 样表 Q6, Q7"),
    ("example_sheet_sample", "agree"): (None, "example sheets", _SAME),
    ("example_rows", "rate"): (None, "example rows", "例 row 6 (××村党支部), XX/***/×× rows 11–13 and the 示例 sheet rated"),
    ("example_rows", "validate"): (None, "example rows", "required-blank on the leftover XX/*** rows 11–13"),
    ("example_rows", "agree"): (None, "example rows", _SAME),
    ("negative_list_words", "rate"): (None, "负面清单 none words", "暂无, 无此情况, 未发现, 无。, '0', 0, 未发生 veto to 0 stars"),
    ("negative_list_words", "validate"): (None, "负面清单 none words", "stars-mismatch/category-mismatch on those 7 rows"),
    ("two_tables_with_footer", "rate"): (None, "two tables on one sheet", f"refused: {_TWO_TABLES} (E19)"),
    ("two_tables_with_footer", "validate"): (None, "two tables on one sheet", "bad-enum/bad-mark on the second header row 19"),
    ("two_tables_with_footer", "agree"): (None, "two tables on one sheet", _SAME),
    ("two_tables_no_footer", "rate"): (None, "two tables on one sheet", f"refused: {_TWO_TABLES} (E14)"),
    ("two_tables_no_footer", "validate"): (None, "two tables on one sheet", "bad-enum/bad-mark on the second header row 14"),
    ("two_tables_no_footer", "agree"): (None, "two tables on one sheet", _SAME),
    ("two_tables_merged_footer", "rate"): (None, "two tables on one sheet", f"refused: {_TWO_TABLES} (F14)"),
    ("two_tables_merged_footer", "validate"): (None, "two tables on one sheet", "bad-enum/bad-mark on the second header row 14"),
    ("two_tables_merged_footer", "agree"): (None, "two tables on one sheet", _SAME),
    ("repeated_two_row_header", "rate"): (None, "repeated two-row header", "refused: the repeated header's row 25 read as data"),
    ("repeated_two_row_header", "validate"): (None, "repeated two-row header", "bad-number/bad-mark on header row 25"),
    ("repeated_two_row_header", "agree"): (None, "repeated two-row header", _SAME),
    ("headers_numbered", "rate"): (None, "header spellings", "refused: no rateable table (1.基本组织… not recognised)"),
    ("headers_numbered", "validate"): (None, "header spellings", "column-missing for all six aspects"),
    ("headers_numbered", "agree"): (None, "header spellings", _SAME),
    ("headers_bracket_numbers", "rate"): (None, "header spellings", "refused: no rateable table (（一）基本组织… not recognised)"),
    ("headers_bracket_numbers", "validate"): (None, "header spellings", "column-missing for all six aspects"),
    ("headers_bracket_numbers", "agree"): (None, "header spellings", _SAME),
    ("headers_cn_enumerated", "rate"): (None, "header spellings", "refused: no rateable table (一、基本组织… not recognised)"),
    ("headers_cn_enumerated", "validate"): (None, "header spellings", "column-missing for all six aspects"),
    ("headers_cn_enumerated", "agree"): (None, "header spellings", _SAME),
    ("headers_verb_phrases", "rate"): (None, "header spellings", "refused: 组织队伍, 发挥作用 missing (建强组织队伍, 发挥作用情况)"),
    ("headers_verb_phrases", "validate"): (None, "header spellings", "column-missing 组织队伍, 发挥作用"),
    ("headers_verb_phrases", "agree"): (None, "header spellings", _SAME),
    ("star_claims_hollow", "rate"): (None, "☆ star claims", "claimed_stars 0 for ☆☆☆☆☆☆"),
    ("star_claims_hollow", "validate"): (None, "☆ star claims", "stars-mismatch: ☆ claims read as 0 stars"),
    ("dates_creation_ledger", "validate"): (None, "clerks' dates", "bad-date on 二〇二五年九月, 2025年底, 9月30号, '2025-09-30 00:00:00', 20250930"),
    ("dates_work_ledger", "validate"): (None, "clerks' dates", "bad-date on 二〇二五年九月, 2025年底, 9月30号, '2025-09-30 00:00:00', 20250930, 20250615"),
    ("hidden_data_row", "rate"): (None, "hidden data rows", "no warning on hidden row 10"),
    ("hidden_data_row", "validate"): (None, "hidden data rows", "no hidden-row warning"),
    ("hidden_row_messy", "rate"): (None, "hidden data rows", "no warning on hidden row 12"),
    ("hidden_row_messy", "validate"): (None, "hidden data rows", "no hidden-row warning"),
    ("combo_two_tables_sections_merged_org", "rate"): (None, "two tables + sections + merged 所属党组织", f"refused: {_TWO_TABLES} (F22)"),
    ("combo_two_tables_sections_merged_org", "validate"): (None, "two tables + sections + merged 所属党组织", "bad-enum/bad-mark on the second header row 22"),
    ("combo_two_tables_sections_merged_org", "agree"): (None, "two tables + sections + merged 所属党组织", _SAME),
    ("combo_hidden_quarter_sections_examples", "rate"): (None, "hidden columns + sections + examples + none words", "例 row rated; hidden 一季度 columns used; 暂无/无此情况/未发现 veto; types null"),
    ("combo_hidden_quarter_sections_examples", "validate"): (None, "hidden columns + sections + examples + none words", "required-blank on the 例 row, stars-mismatch from vetoes and hidden columns"),
    ("combo_hidden_quarter_sections_examples", "agree"): (None, "hidden columns + sections + examples + none words", "required-blank on the 例 row 6"),
    ("combo_repeated_header_merged_org_hollow", "rate"): (None, "repeated header + merged 所属党组织 + ☆", "refused: the repeated header's row 18 read as data"),
    ("combo_repeated_header_merged_org_hollow", "validate"): (None, "repeated header + merged 所属党组织 + ☆", "stars-mismatch from ☆ claims and 暂无, bad-mark on the repeated header"),
    ("combo_repeated_header_merged_org_hollow", "agree"): (None, "repeated header + merged 所属党组织 + ☆", _SAME),
    ("combo_two_tables_hidden_row_dates", "rate"): (None, "two tables + hidden row + dates", f"refused: {_TWO_TABLES} (F15)"),
    ("combo_two_tables_hidden_row_dates", "validate"): (None, "two tables + hidden row + dates", "bad-date on 2025年底, 二〇二五年九月, '2025-06-20 00:00:00'; bad-mark on the second header"),
    ("combo_two_tables_hidden_row_dates", "agree"): (None, "two tables + hidden row + dates", _SAME),
}  # fmt: skip

_ISSUE_CLASSES = {
    1: "merged 所属党组织",
    2: "section rows",
    3: "hidden/duplicate columns",
    4: "○ mark",
    5: "example rows and sheets",
    6: "负面清单 none words",
    7: "two tables on one sheet",
    8: "repeated two-row header",
    9: "header spellings",
    10: "☆/颗星 star claims",
    11: "clerks' dates",
    12: "hidden data rows",
    13: "layout mess",
}


def _params(test: str) -> list[Any]:
    out = []
    for name, case in CASES.items():
        for fmt in case.formats:
            marks = []
            known = KNOWN_FAILURES.get((name, test))
            if known and (known[0] is None or fmt in known[0]):
                reason = f"issue 11: {known[1]}: {known[2]}"
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(name, fmt, id=f"{name}-{fmt}", marks=marks))
    return out


# --------------------------------------------------------------------------- running the CLI


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as exc:  # pragma: no cover - shown on failure
            raise AssertionError(f"stdout is not JSON ({exc}); stderr: {self.stderr}") from exc


@dataclass
class Result:
    path: Path
    rate: Run
    validate: Run  # one run for every format of the case
    file: dict[str, Any]  # this workbook's entry in validate's "files"


def _run_all(commands: list[list[str]], cwd: Path, width: int = 2) -> list[Run]:
    """Run the commands, ``width`` at a time (the CLI is CPU-bound; the machine has 2 cores)."""
    runs: list[Run | None] = [None] * len(commands)
    waiting = list(enumerate(commands))
    running: list[tuple[int, subprocess.Popen[str]]] = []
    while waiting or running:
        while waiting and len(running) < width:
            i, args = waiting.pop(0)
            proc = subprocess.Popen(
                [sys.executable, "-m", "branchctl", *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                cwd=cwd,
            )
            running.append((i, proc))
        i, proc = running.pop(0)
        stdout, stderr = proc.communicate(timeout=120)
        runs[i] = Run(proc.returncode, stdout, stderr)
    return [r for r in runs if r is not None]


class Corpus:
    """Builds each case's workbooks once and runs the commands on them once per session:
    ``rate`` once per workbook, ``validate`` once per case over all its formats (every file
    is checked alone, SPEC §4), two at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.results: dict[tuple[str, str], Result] = {}

    def path(self, name: str, fmt: str) -> Path:
        path = self.folder / name / f"{name}.{fmt}"
        if not path.exists():
            write_workbook(path, CASES[name].sheets)
        return path

    def __call__(self, name: str, fmt: str) -> Result:
        if (name, fmt) not in self.results:
            case = CASES[name]
            paths = [self.path(name, f) for f in case.formats]
            commands = [["validate", *map(str, paths), "--json", "--jobs", "1"]]
            for p in paths:
                commands.append(["rate", str(p), "--json", "-o", str(p) + ".rated.xlsx"])
            validate, *rates = _run_all(commands, paths[0].parent)
            try:
                files = {Path(f["path"]).name: f for f in validate.json()["files"]}
            except (AssertionError, KeyError):
                files = {}
            for f, p, rate in zip(case.formats, paths, rates, strict=True):
                self.results[(name, f)] = Result(p, rate, validate, files.get(p.name, {}))
        return self.results[(name, fmt)]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("fidelity"))


# --------------------------------------------------------------------------- helpers


def _branch_row(b: dict[str, Any]) -> tuple[Any, ...]:
    return (
        b["sheet"],
        b["row"],
        b["party_org"],
        b["name"],
        b["type"],
        b["stars"],
        b["category"],
        b["level"],
        bool(b["veto"]),
    )


def _expected_row(e: Expected) -> tuple[Any, ...]:
    return (e.sheet, e.row, e.party_org, e.name, e.type, e.stars, e.category, e.level, e.vetoed)


def _show(rows: Iterable[tuple[Any, ...]]) -> str:
    return "\n".join("  " + " | ".join("" if v is None else str(v) for v in r) for r in rows)


def _findings(result: Result) -> list[dict[str, Any]]:
    assert result.file, f"validate gave no entry for {result.path.name}: {result.validate.stderr}"
    return result.file["findings"]


def _describe(f: dict[str, Any]) -> str:
    return f"{f['code']} {f['severity']} {f['sheet']}!{f['cell'] or f['row']}: {f['message']}"


# --------------------------------------------------------------------------- the tests


def test_corpus_covers_every_class() -> None:
    assert len(CASES) >= 25
    covered = {k for c in CASES.values() for k in c.classes}
    assert covered == set(_ISSUE_CLASSES)
    combined = [c for c in CASES.values() if len(c.classes) >= 3]
    assert len(combined) >= 3


@pytest.mark.parametrize(("name", "fmt"), _params("rate"))
def test_rate(corpus: Corpus, name: str, fmt: str) -> None:
    case = CASES[name]
    result = corpus(name, fmt)
    run = result.rate
    assert "Traceback" not in run.stderr, run.stderr
    want = case.outcome
    if want.refuse_cells:
        assert run.code == 2, f"rate should refuse (exit 2), gave {run.code}; {run.stderr}"
        missing = [c for c in want.refuse_cells if c not in run.stderr]
        assert not missing, f"stderr does not name {missing}: {run.stderr!r}"
        return
    assert run.code != 2, f"rate refused: {run.stderr}"
    doc = run.json()
    got = sorted((_branch_row(b) for b in doc["branches"]), key=lambda r: (r[0], r[1]))
    expected = sorted((_expected_row(e) for e in want.branches), key=lambda r: (r[0], r[1]))
    assert got == expected, (
        "branches differ\n(sheet | row | party_org | name | type | stars | category | level | "
        f"veto)\ngot:\n{_show(got)}\nexpected:\n{_show(expected)}"
    )
    by_row = {(b["sheet"], b["row"]): b for b in doc["branches"]}
    for e in want.branches:
        b = by_row[(e.sheet, e.row)]
        if e.claimed_stars is not None:
            assert b["claimed_stars"] == e.claimed_stars, (e.name, b["claimed_stars"])
        if e.hidden:
            assert any("隐藏" in w for w in b["warnings"]), (e.row, b["warnings"])
    assert doc["summary"]["total"] == len(want.branches)
    assert run.code == want.rate_exit, f"exit {run.code}; stderr: {run.stderr}"


@pytest.mark.parametrize(("name", "fmt"), _params("validate"))
def test_validate(corpus: Corpus, name: str, fmt: str) -> None:
    case = CASES[name]
    want = case.outcome
    result = corpus(name, fmt)
    assert "Traceback" not in result.validate.stderr, result.validate.stderr
    findings = _findings(result)
    errors = [f for f in findings if f["severity"] == "error"]
    assert result.file["ok"] == (not want.errors), "\n".join(map(_describe, findings))

    # errors: exactly the expected ones, each naming its cells
    unexpected = [
        f
        for f in errors
        if not any(
            f["code"] == e.code
            and f["sheet"] == e.sheet
            and (
                f["cell"] in e.cells
                or (f["cell"] is None and any(c in f["message"] for c in e.cells))
            )
            for e in want.errors
        )
    ]
    assert not unexpected, "unexpected errors:\n" + "\n".join(map(_describe, unexpected))
    for e in want.errors:
        mine = [f for f in errors if f["code"] == e.code and f["sheet"] == e.sheet]
        named = " ".join(f"{f['cell']} {f['message']}" for f in mine)
        missing = [c for c in e.cells if c not in named]
        assert mine and not missing, f"no {e.code} naming {missing or e.cells}: {named!r}"

    # warnings: the expected ones present; hidden-row exactly on the hidden branches
    warnings = {(f["code"], f["sheet"], f["row"]) for f in findings if f["severity"] == "warning"}
    for w in want.warnings:
        assert (w.code, w.sheet, w.row) in warnings, f"no {w.code} on {w.sheet} row {w.row}"
    hidden = {(f["sheet"], f["row"]) for f in findings if f["code"] == "hidden-row"}
    assert hidden == {(b.sheet, b.row) for b in want.branches if b.hidden}

    # example sheets are skipped entirely
    on_examples = [f for f in errors if f["sheet"] in want.example_sheets]
    assert not on_examples, "\n".join(map(_describe, on_examples))


@pytest.mark.parametrize(("name", "fmt"), _params("agree"))
def test_rate_and_validate_agree(corpus: Corpus, name: str, fmt: str) -> None:
    """rate's branches (row, name, party_org) are the case's; validate reads the same rows:
    no row finding on a section, subtotal, total, example, repeated header or footer row."""
    case = CASES[name]
    want = case.outcome
    result = corpus(name, fmt)
    rows = {(b.sheet, b.row) for b in want.branches}
    for sheet, extra in want.other_rows.items():
        rows |= {(sheet, r) for r in extra}
    stray = [
        f
        for f in _findings(result)
        if f["row"] is not None
        and f["code"] not in NOT_ROW_CODES
        and (f["sheet"], f["row"]) not in rows
    ]
    assert not stray, "validate reports on rows that are not branches:\n" + "\n".join(
        map(_describe, stray)
    )
    if want.refuse_cells:
        return
    if result.rate.code == 2:
        pytest.fail(f"rate refused: {result.rate.stderr}")
    got = {
        (b["sheet"], b["row"], b["name"], b["party_org"]) for b in result.rate.json()["branches"]
    }
    expected = {(b.sheet, b.row, b.name, b.party_org) for b in want.branches}
    assert got == expected, (
        f"rate only: {sorted(got - expected)}\nexpected only: {sorted(expected - got)}"
    )


# --------------------------------------------------------------------------- the files themselves


def _xlsx_hidden(path: Path, sheet: str) -> tuple[set[int], set[int]]:
    import openpyxl
    from openpyxl.utils import column_index_from_string

    ws = openpyxl.load_workbook(path)[sheet]
    rows = {r for r, d in ws.row_dimensions.items() if d.hidden}
    cols: set[int] = set()
    for letter, d in ws.column_dimensions.items():
        if d.hidden:
            first = d.min or column_index_from_string(letter)
            cols |= set(range(first - 1, (d.max or first)))
    return rows, cols


def _ods_hidden(path: Path, sheet: str) -> tuple[set[int], set[int]]:
    from xml.etree import ElementTree as ET

    ns = {
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    }
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("content.xml"))
    table = next(x for x in root.iter(f"{t}table") if x.get(f"{t}name") == sheet)
    cols, rows = set(), set()
    c = 0
    for col in table.findall("table:table-column", ns):
        n = int(col.get(f"{t}number-columns-repeated", "1"))
        if col.get(f"{t}visibility") == "collapse":
            cols |= set(range(c, c + n))
        c += n
    for r, row in enumerate(table.findall("table:table-row", ns), start=1):
        if row.get(f"{t}visibility") == "collapse":
            rows.add(r)
    return rows, cols


def _xls_hidden(path: Path, sheet_index: int) -> tuple[set[int], set[int]]:
    """ROW (0x0208) and COLINFO (0x007D) records of the sheet's BIFF8 stream."""
    import struct

    import olefile

    data = olefile.OleFileIO(str(path)).openstream("Workbook").read()
    offsets = []
    pos = 0
    while pos + 4 <= len(data):
        rtype, size = struct.unpack_from("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + size]
        if rtype == 0x0085:  # BOUNDSHEET: offset of the sheet's BOF
            offsets.append(struct.unpack_from("<I", body, 0)[0])
        pos += 4 + size
    pos = offsets[sheet_index]
    rows, cols = set(), set()
    while pos + 4 <= len(data):
        rtype, size = struct.unpack_from("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + size]
        if rtype == 0x0208 and struct.unpack_from("<H", body, 12)[0] & 0x20:
            rows.add(struct.unpack_from("<H", body, 0)[0] + 1)
        elif rtype == 0x007D and struct.unpack_from("<H", body, 8)[0] & 0x01:
            first, last = struct.unpack_from("<HH", body, 0)
            cols |= set(range(first, last + 1))
        elif rtype == 0x000A:  # EOF
            break
        pos += 4 + size
    return rows, cols


HIDING = [
    pytest.param(name, fmt, id=f"{name}-{fmt}")
    for name, case in CASES.items()
    for fmt in case.formats
    if any(s.hidden_rows or s.hidden_cols for s in case.sheets)
]


@pytest.mark.parametrize(("name", "fmt"), HIDING)
def test_files_hold_hidden_rows_and_columns(corpus: Corpus, name: str, fmt: str) -> None:
    """The builders really write the hidden state the cases rely on, in every format."""
    path = corpus.path(name, fmt)
    for i, spec in enumerate(CASES[name].sheets):
        if fmt == "xlsx":
            rows, cols = _xlsx_hidden(path, spec.name)
        elif fmt == "ods":
            rows, cols = _ods_hidden(path, spec.name)
        else:
            rows, cols = _xls_hidden(path, i)
        assert rows == spec.hidden_rows
        assert cols == spec.hidden_cols
