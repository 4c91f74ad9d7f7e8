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


def _params() -> list[Any]:
    return [
        pytest.param(name, fmt, id=f"{name}-{fmt}")
        for name, case in CASES.items()
        for fmt in case.formats
    ]


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


@pytest.mark.parametrize(("name", "fmt"), _params())
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


@pytest.mark.parametrize(("name", "fmt"), _params())
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


@pytest.mark.parametrize(("name", "fmt"), _params())
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
