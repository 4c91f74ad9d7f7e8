"""A small .xlsx is read from the package of its checked parts (io/safety/package.py).

The pre-scan inflates every part of a small .xlsx from memory and checks it; python-calamine is
then handed those parts, stored uncompressed, instead of the file. What a user sees must not
change: the same sheets, values, merges, hidden rows and columns, sheet visibility, dates, and
the same sentences for damaged and password-protected files. And what calamine reads is what was
checked: a file swapped after the scan is not read.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

import branchctl.io.safety.package as package_module
import branchctl.io.safety.zipcheck as zipcheck
import branchctl.io.workbook as workbook_module
from branchctl.errors import BranchctlError
from branchctl.io.safety import scan_file
from branchctl.io.safety.package import Package, packable, stored_package
from branchctl.io.workbook import Workbook, read_workbook
from tests.builders import write_workbook
from tests.corpus.cases import all_cases
from tests.hostile import encrypted_xlsx, far_cell_xlsx, reader_error_xlsx
from tests.hostile_parts import (
    A1,
    MAIN_NS,
    ledger_rows,
    merge_cells,
    package_parts,
    sheet_xml,
    small_ledger,
    write_package,
)

CASES = [case for case in all_cases() if "xlsx" in case.formats]


def _seen(book: Workbook) -> list[tuple[Any, ...]]:
    """Everything a check or a rating reads of a workbook."""
    return [
        (s.name, s.index, s.visible, s.rows, s.merges, s.hidden_rows, s.hidden_cols)
        for s in book.sheets
    ]


def _from_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> Workbook:
    """The workbook read as before packages: python-calamine opens the file itself."""
    with monkeypatch.context() as m:
        m.setattr(zipcheck, "packable", lambda fmt, infos: False)
        assert scan_file(path).package is None
        return read_workbook(path)


def _rezip(source: Path, target: Path, method: int, extra: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", method) as out:
        for info in z.infolist():
            out.writestr(info.filename, z.read(info))
        for name, data in extra:
            out.writestr(zipfile.ZipInfo(name), data)  # stored, as a folder entry is
    return target


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_corpus_workbook_reads_the_same_from_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Any
) -> None:
    path = write_workbook(tmp_path / f"{case.name}.xlsx", case.sheets)
    assert scan_file(path).package is not None
    assert _seen(read_workbook(path)) == _seen(_from_file(monkeypatch, path))


def test_stored_deflated_and_foldered_copies_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl's workbook (shared strings, styles, a theme), rezipped stored, and with a
    folder entry and an image the scan does not look into: the parts reach calamine."""
    import datetime as dt

    source = small_ledger(
        tmp_path / "源.xlsx", {"G4": dt.date(2025, 3, 31), "H5": dt.datetime(2025, 6, 30, 9, 30)}
    )
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    stored = _rezip(source, tmp_path / "存储.xlsx", zipfile.ZIP_STORED, [])
    foldered = _rezip(
        source,
        tmp_path / "带文件夹.xlsx",
        zipfile.ZIP_DEFLATED,
        [("xl/media/", b""), ("xl/media/image1.png", image)],
    )
    expected = _seen(_from_file(monkeypatch, source))
    assert expected[0][3][3][6] == dt.date(2025, 3, 31)
    for path in (source, stored, foldered):
        assert scan_file(path).package is not None
        assert _seen(read_workbook(path)) == expected
    held = scan_file(foldered).package
    assert held is not None
    with zipfile.ZipFile(held) as z:  # type: ignore[arg-type]
        assert z.read("xl/media/image1.png") == image
        assert z.getinfo("xl/media/").file_size == 0
        assert z.testzip() is None  # every CRC as the directory gives it


def test_the_reader_reads_what_the_scan_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file replaced between the scan and the read (by a workbook with a value at XFD1048576,
    which would make calamine allocate 17 billion cells) is not what calamine reads."""
    path = write_workbook(tmp_path / "台账.xlsx", CASES[0].sheets)
    far = far_cell_xlsx(tmp_path)
    expected = _seen(read_workbook(path))
    scan = workbook_module.scan_file

    def scan_then_swap(p: Path) -> Any:
        result = scan(p)
        p.write_bytes(far.read_bytes())
        return result

    monkeypatch.setattr(workbook_module, "scan_file", scan_then_swap)
    assert _seen(read_workbook(path)) == expected


@pytest.mark.parametrize("damage", ["styles", "workbook", "cell"])
def test_a_damaged_workbook_gets_the_sentence_it_got_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """calamine refusing the package when it opens it (broken styles.xml or workbook.xml), or
    a sheet (a boolean cell holding "x"): the same sentence as from the file."""
    if damage == "cell":
        path = reader_error_xlsx(tmp_path)
    else:
        parts = package_parts([("附件1", sheet_xml(ledger_rows()))])
        parts.append(("xl/styles.xml", b'<?xml version="1.0"?><styleSheet><cellXfs>'))
        if damage == "workbook":
            parts = [(n, d[:-12] if n == "xl/workbook.xml" else d) for n, d in parts[:-1]]
        path = tmp_path / f"{damage}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts:
                z.writestr(name, data)
    assert scan_file(path).package is not None
    with pytest.raises(BranchctlError) as from_package:
        read_workbook(path)
    with pytest.raises(BranchctlError) as from_file:
        _from_file(monkeypatch, path)
    assert str(from_package.value) == str(from_file.value)
    assert from_package.value.code == "file-unreadable"
    assert ("工作表无法读取" if damage == "cell" else "无法读取工作簿") in str(from_package.value)


def test_a_password_protected_xlsx_keeps_its_finding(tmp_path: Path) -> None:
    path = encrypted_xlsx(tmp_path)
    with pytest.raises(BranchctlError) as refused:
        read_workbook(path)
    assert refused.value.code == "file-encrypted"
    assert "密码" in str(refused.value)


def test_what_cannot_be_packaged_is_read_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part that does not come whole (a large sheet), a part by which calamine could take the
    package for an .ods, a name zip readers may read differently: the file is read itself."""
    path = small_ledger(tmp_path / "台账.xlsx")
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    assert packable("xlsx", infos)
    assert not packable("ods", infos)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("content.xml", "<office:document-content/>")
        folder = zipfile.ZipInfo("xl/media/")
        folder.compress_type = zipfile.ZIP_DEFLATED  # an empty deflate stream: 2 bytes
        z.writestr(folder, b"")
    with zipfile.ZipFile(path) as z:
        content, folder = z.getinfo("content.xml"), z.getinfo("xl/media/")
    assert not packable("xlsx", [*infos, content])
    assert not packable("xlsx", [*infos, folder])
    renamed = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    renamed.extra = struct.pack("<HHB", 0x5455, 1, 0) + struct.pack("<HH", 0x7075, 4) + b"\x01abc"
    assert not packable("xlsx", [*infos[:-1], renamed])

    expected = _seen(read_workbook(small_ledger(tmp_path / "原样.xlsx")))
    monkeypatch.setattr(package_module, "CHUNK", 100)  # every part now larger than a chunk
    big = small_ledger(tmp_path / "大.xlsx")
    assert scan_file(big).package is None
    assert _seen(read_workbook(big)) == expected


def test_a_package_reads_as_one_file_whatever_the_reads_and_seeks() -> None:
    held = {"a.xml": b"<a/>" * 300, "b/": b"", "c.bin": bytes(range(256)) * 3}
    infos = []
    for name, data in held.items():
        info = zipfile.ZipInfo(name)
        info.file_size, info.CRC = len(data), zipfile.crc32(data)
        infos.append(info)
    package = stored_package(infos, held)
    whole = package.read()
    assert package.read(10) == b"" and package.tell() == len(whole)
    for step in (1, 7, 100, 4096):
        package.seek(0)
        chunks = [package.read(step) for _ in range(len(whole) // step + 2)]
        assert b"".join(chunks) == whole and chunks[-1] == b""
    assert package.seek(-30, 2) == len(whole) - 30 and package.read() == whole[-30:]
    package.seek(5)
    assert package.seek(3, 1) == 8 and package.read(4) == whole[8:12]
    assert package.seek(-99) == 0
    package.seek(0)
    with zipfile.ZipFile(package) as z:  # type: ignore[arg-type]
        assert {i.filename: z.read(i) for i in z.infolist()} == held
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
    assert Package([]).read() == b""


# --- merged ranges handed ahead of the cells -------------------------------------------------

MERGES = merge_cells(["A2:F2", "D3:E3"])


def _sheet(before: str = "", rows: str = "", gap: str = "", merges: str = MERGES) -> bytes:
    """A worksheet part: ``before`` ahead of sheetData, ``gap`` between it and the ranges."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
        f"{before}<sheetData>{A1}{ledger_rows()}{rows}</sheetData>{gap}{merges}"
        '<pageMargins left="0.7" right="0.7"/></worksheet>'
    ).encode()


def _handed(path: Path) -> bytes:
    """The first worksheet as the package hands it to python-calamine."""
    package = scan_file(path).package
    assert package is not None
    with zipfile.ZipFile(package) as z:  # type: ignore[arg-type]
        assert z.testzip() is None  # every CRC right, a changed part's too
        with zipfile.ZipFile(path) as original:
            assert (
                z.getinfo("xl/worksheets/sheet1.xml").CRC
                == original.getinfo("xl/worksheets/sheet1.xml").CRC
            )
        return z.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize(
    "before, gap",
    [
        ('<dimension ref="A1:F6"/><cols><col min="1" max="2" width="9"/></cols>', ""),
        ("", '\n<sheetProtection sheet="1" objects="1"/>\n<autoFilter ref="A3:F6"/>'),
    ],
)
def test_a_sheets_merged_ranges_are_handed_ahead_of_its_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, gap: str
) -> None:
    """calamine looks for the merged ranges in a second pass over the whole sheet: a copy of
    them ahead of <sheetData> ends it at once; the cells and the ranges read are the same. The
    copy is followed by tabs and carriage returns that keep the part's CRC (checked by zipfile)."""
    part = _sheet(before, gap=gap)
    path = write_package(tmp_path / "台账.xlsx", part)
    start = part.index(b"<sheetData>")
    handed = _handed(path)
    keeper = handed[start + len(MERGES) : start + len(MERGES) + 32]
    assert handed == part[:start] + MERGES.encode() + keeper + part[start:]
    assert set(keeper) <= {9, 13}
    book = read_workbook(path)
    assert book.sheets[0].merges == [(1, 0, 1, 5), (2, 3, 2, 4)]
    assert _seen(book) == _seen(_from_file(monkeypatch, path))


@pytest.mark.parametrize(
    "before, rows, gap, merges",
    [
        ("<!-- <mergeCells/> -->", "", "", MERGES),  # a comment ahead of the cells
        ("<sheetPr codeName='附件1'/>", "", "", MERGES),  # quoted otherwise than calamine's way
        ('<sheetPr codeName="a>b"/>', "", "", MERGES),
        ("", '<row r="9"><c r="A9" t="inlineStr"><is><t>sheetData</t></is></c></row>', "", MERGES),
        ("", '<row r="9"><c r="A9" t="inlineStr"><is><t>mergeCells</t></is></c></row>', "", MERGES),
        ("", "", "<sheetProtection></sheetProtection>", MERGES),  # an end tag between
        ("", "", '<x a="<mergeCells/>"/>', MERGES),
        ("", "", "", MERGES.replace("A2:F2", "a2:f2")),
        ("", "", "", ""),  # no ranges: nothing to copy
    ],
)
def test_a_sheet_not_written_as_spreadsheet_programs_write_is_handed_as_it_is(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    before: str,
    rows: str,
    gap: str,
    merges: str,
) -> None:
    """Where a copy of the ranges could be read otherwise than the file, none is made (a word
    in a cell, a comment, other quoting, an element left open before the ranges...)."""
    part = _sheet(before, rows, gap, merges)
    path = write_package(tmp_path / "台账.xlsx", part)
    assert _handed(path) == part
    assert _seen(read_workbook(path)) == _seen(_from_file(monkeypatch, path))
