"""One reading path (issue 11): every command takes the same branches out of a workbook.

``rate``, ``validate``, ``collect`` and ``compare`` read tables through the same code, so on
every workbook of the fidelity corpus, in every format, they must name the same branches: the
same sheet, row, name and 所属党组织 — and those the case expects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from branchctl.checks import forms as checks_forms
from branchctl.checks.context import CheckContext
from branchctl.errors import BranchctlError
from branchctl.forms.tables import find_forms
from branchctl.io.workbook import read_workbook
from branchctl.jobs.collect import read_file
from branchctl.rules.comparison import read_ledger
from branchctl.rules.rating import rate_workbook
from branchctl.rules.rubric_file import load_rubric
from tests.builders import write_workbook
from tests.corpus.cases import all_cases

RUBRIC = load_rubric("six-star")
AS_OF = dt.date(2025, 6, 30)
CASES = {c.name: c for c in all_cases()}
PARAMS = [
    pytest.param(name, fmt, id=f"{name}-{fmt}")
    for name, case in CASES.items()
    for fmt in case.formats
]

Branch = tuple[str, int, str, str | None]  # sheet, Excel row, name, 所属党组织


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reading-path")


def _path(folder: Path, name: str, fmt: str) -> Path:
    path = folder / f"{name}.{fmt}"
    if not path.exists():
        write_workbook(path, CASES[name].sheets)
    return path


def _validated(path: Path) -> set[Branch]:
    """The branches ``validate`` rates (the rows its per-branch checks read)."""
    book = read_workbook(path)
    ctx = CheckContext(book, find_forms(book, RUBRIC.aspect_headers()), RUBRIC, AS_OF)
    checks_forms.check_forms(ctx)
    return {(b.sheet, b.row, b.name, b.party_org) for _, rated in ctx.rated for b in rated}


@pytest.mark.parametrize(("name", "fmt"), PARAMS)
def test_every_command_reads_the_same_branches(folder: Path, name: str, fmt: str) -> None:
    case = CASES[name]
    path = _path(folder, name, fmt)
    expected = {(b.sheet, b.row, b.name, b.party_org) for b in case.outcome.branches}

    collected = read_file(path, path.name, RUBRIC, AS_OF)
    assert {(r.sheet, r.row, r.name, r.party_org or None) for r in collected.rows} == expected

    if case.outcome.refuse_cells:  # a table read two ways: rate refuses, naming the cells
        with pytest.raises(BranchctlError) as refused:
            rate_workbook(read_workbook(path), RUBRIC, AS_OF)
        assert all(cell in str(refused.value) for cell in case.outcome.refuse_cells)
        if refused.value.code == "duplicate-column":
            with pytest.raises(BranchctlError):  # compare too
                read_ledger(path, RUBRIC, "本期")
        else:  # compare counts an unreadable mark as unmet, and says so
            assert any("无法识别" in w for w in read_ledger(path, RUBRIC, "本期").warnings)
        return

    rated = rate_workbook(read_workbook(path), RUBRIC, AS_OF).branches
    assert {(b.sheet, b.row, b.name, b.party_org) for b in rated} == expected
    assert _validated(path) == expected

    ledger = read_ledger(path, RUBRIC, "本期")
    per_branch = {b.sheet for b in case.outcome.branches}
    assert {(b.sheet, b.row, b.name, b.party_org) for b in ledger.branches} == {
        b for b in expected if b[0] in per_branch
    }
    by_row = {(b.sheet, b.row): b for b in rated}
    for b in ledger.branches:  # compare rates as rate does
        same = by_row[(b.sheet, b.row)]
        assert (b.stars, b.category) == (same.stars, same.category)
