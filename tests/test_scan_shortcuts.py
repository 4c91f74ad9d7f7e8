"""The pre-scan's shortcuts for a part that comes whole (a township's sheet, tens of KB) refuse and
note exactly what the full searches did: a prefixed far cell past many colons, hidden rows and
merged ranges wherever they stand, a DTD after the XML declaration."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchctl.errors import BranchctlError
from branchctl.io.workbook import read_workbook
from tests.hostile_parts import ledger_rows, merge_cells, sheet_xml, text_cell, write_package

NS = (
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
)
# Rows as Excel writes them, a colon on each (x14ac:dyDescent), below the ledger: the sheet is
# past the size from which colons are looked at one by one, and past the 64 looked at.
FILLER = "".join(
    f'<row r="{r}" x14ac:dyDescent="0.25">{text_cell(f"A{r}", "备注")}</row>'
    for r in range(20, 420)
)


def _sheet(tmp_path: Path, name: str, rows: str, after: str = "") -> Path:
    xml = sheet_xml(rows, after).replace(b"<worksheet ", f"<worksheet {NS} ".encode(), 1)
    assert len(xml) > 16 << 10
    return write_package(tmp_path / f"{name}.xlsx", xml)


@pytest.mark.parametrize("where", ["before the colons", "after 400 colons"])
def test_a_prefixed_far_cell_is_refused_wherever_it_stands(tmp_path: Path, where: str) -> None:
    far = '<row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>'
    rows = ledger_rows() + (far + FILLER if where == "before the colons" else FILLER + far)
    with pytest.raises(BranchctlError) as refused:
        read_workbook(_sheet(tmp_path, "前缀远处", rows))
    assert "XFD1048576" in str(refused.value)
    assert refused.value.code == "file-unreadable"


def test_hidden_rows_and_merges_are_noted_wherever_they_stand(tmp_path: Path) -> None:
    """A row hidden far down, a stray "mergeCell" in a cell's text before the ranges."""
    rows = (
        ledger_rows()
        + '<row r="9" x14ac:dyDescent="0.25">'
        + text_cell("B9", "mergeCell 是合并单元格")
        + "</row>"
        + FILLER
        + '<row r="430" hidden="1">'
        + text_cell("A430", "隐藏")
        + "</row>"
    )
    book = read_workbook(_sheet(tmp_path, "隐藏与合并", rows, merge_cells(["A2:C2", "B3:B5"])))
    sheet = book.sheets[0]
    assert sheet.hidden_rows == frozenset({429})
    assert sorted(sheet.merges) == [(1, 0, 1, 2), (2, 1, 4, 1)]
    assert sheet.value(8, 1) == "mergeCell 是合并单元格"


@pytest.mark.parametrize(
    "prolog",
    [
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "b">]>',
        '<?xml version="1.0"?>\n<!-- 说明 --><!DOCTYPE worksheet [<!ENTITY a "b">]>',
        '<?xml version="1.0"?>' + " " * 15 + '<?pi x?><!DOCTYPE worksheet [<!ENTITY a "b">]>',
    ],
    ids=["dtd", "comment-then-dtd", "spaces-then-pi-then-dtd"],
)
def test_a_dtd_after_the_declaration_is_refused(tmp_path: Path, prolog: str) -> None:
    xml = sheet_xml(ledger_rows()).decode()
    xml = prolog + xml[xml.index("?>") + 2 :]
    with pytest.raises(BranchctlError) as refused:
        read_workbook(write_package(tmp_path / "DTD.xlsx", xml.encode()))
    assert "DTD" in str(refused.value)
