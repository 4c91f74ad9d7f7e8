"""Nothing small can take it down: every hostile input ends in one Chinese sentence (or a finding
inside validate), within 60 seconds and 1.5 GB, with no traceback, no file left behind and the
input untouched.

Each case of :mod:`tests.hostile_inputs` runs the real CLI in a child process under
``RLIMIT_AS`` (python-calamine aborts the whole process on some files, so a crash is a failure
here, never a dead test run), four at a time. The refusals also run in this process, so that
coverage counts them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from branchctl.errors import BranchctlError
from branchctl.io.safety import check_file
from branchctl.io.workbook import read_workbook
from tests.builders import classification_sheet, sample_branches, write_workbook
from tests.hostile import HOSTILE_CASES
from tests.hostile_inputs import (
    MEMORY_LIMIT,
    TIME_LIMIT,
    CliCase,
    Run,
    all_cases,
    prepare,
    run_bounded,
)
from tests.hostile_parts import sheet_xml, small_ledger, write_ods, write_package

CASES = all_cases()
# Words a refusal may hold besides Chinese: names of formats and programs, and part names.
_ALLOWED_WORDS = {
    "Excel", "XML", "DTD", "DOCTYPE", "UTF", "ODS", "OpenDocument", "Office", "Word", "PowerPoint",
    "xlsx", "xlsm", "xls", "ods", "xlsb", "zip", "PDF", "PNG", "JPEG", "GIF", "TIFF", "RAR", "gzip",
    "CSV", "TSV", "HTML", "XFD", "GB", "MB", "KB", "TRUE", "FALSE", "GBK", "branchctl", "BIFF",
    "debug", "toml", "TOML", "json", "JSON", "sheet", "xl", "worksheets", "rels", "content",
}  # fmt: skip
_PART = re.compile(r"[\w\[\]./-]+\.(?:xml|rels|bin|vml)|(?<![A-Za-z])[A-Z]{1,3}[0-9]+")


def _english(message: str) -> list[str]:
    """Latin words in a message that are not names of formats, parts, cells, options or of
    what the user gave (quoted “…”): the reader's English."""
    text = _PART.sub("", re.sub(r"“[^”]*”|--[\w-]+", "", message))
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in _ALLOWED_WORDS]


def _one_sentence(message: str) -> None:
    # a notice before the error (提示：…, such as compare's two identical files) is not the error
    message = "\n".join(line for line in message.splitlines() if not line.startswith("提示："))
    assert message.endswith("。") and message.count("。") == 1, message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert "Traceback" not in message and "Warning" not in message, message


def _fingerprint(folder: Path) -> dict[str, Any]:
    """Every input below ``folder``: kind and bytes (links and FIFOs as what they are)."""
    out: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            if stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[str(path)] = ("file", st.st_mtime_ns, digest)
            elif stat.S_ISLNK(st.st_mode):
                out[str(path)] = ("link", os.readlink(path))
            else:
                out[str(path)] = (stat.S_IFMT(st.st_mode), st.st_mtime_ns)
    return out


# --- every case, through the CLI, bounded --------------------------------------------------


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Run, bool]]:
    """Each case built, fingerprinted, run bounded, fingerprinted again: name -> (folder,
    run, inputs unchanged)."""
    root = tmp_path_factory.mktemp("hostile-cli")
    jobs = []
    for case in CASES:
        folder = root / case.name
        args = prepare(case, folder)
        jobs.append((case, folder, args, _fingerprint(folder / "in")))

    def run(job: tuple[CliCase, Path, list[str], dict[str, Any]]) -> tuple[Path, Run, bool]:
        case, folder, args, before = job
        result = run_bounded(args)
        return folder, result, _fingerprint(folder / "in") == before

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(run, jobs))
    return {case.name: outcome for case, outcome in zip(CASES, outcomes, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_hostile_input_ends_within_bounds(
    cli_runs: dict[str, tuple[Path, Run, bool]], case: CliCase
) -> None:
    folder, run, unchanged = cli_runs[case.name]
    assert not run.timed_out, f"{case.name}: still running after {TIME_LIMIT:.0f} s"
    assert run.peak_mb < MEMORY_LIMIT / (1 << 20), f"{case.name}: {run.peak_mb:.0f} MB"
    if case.exit == 2:  # a refusal comes before anything is read
        assert run.peak_mb < 400, f"{case.name}: {run.peak_mb:.0f} MB"
    assert run.exit == case.exit, f"{case.name}: exit {run.exit}\n{run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr and "Warning" not in run.stderr, run.stderr
    assert "程序内部出错" not in run.stderr, run.stderr
    if case.exit == 2:
        message = run.stderr.strip()
        _one_sentence(message)
        assert not _english(message), message
        for phrase in case.says:
            assert phrase in message, message
        for phrase in case.never:
            assert phrase not in message, message
    findings = case.findings(folder) if callable(case.findings) else case.findings
    if findings:
        report = json.loads(run.stdout)
        got = {Path(f["path"]).name: [x["code"] for x in f["findings"]] for f in report["files"]}
        for name, code in findings.items():
            assert name in got, f"{name} is not accounted for: {sorted(got)}"
            if code:
                assert got[name] == [code], (name, report)
            else:
                assert all(c not in ("file-unreadable", "check-failed") for c in got[name])
        for f in report["files"]:
            for x in f["findings"]:
                if x["code"] == "file-unreadable":
                    assert not _english(x["message"]), x["message"]
    left = sorted(p.name for p in (folder / "out").iterdir())
    assert left == sorted(case.outputs), f"{case.name} left {left}"
    assert unchanged, f"{case.name}: an input was changed"


# --- the refusals, in this process ---------------------------------------------------------


@pytest.mark.parametrize(("name", "code"), [(name, code) for name, _b, code in HOSTILE_CASES])
def test_hostile_file_is_refused_by_the_reader(
    hostile_files: dict[str, tuple[Path, str]], name: str, code: str
) -> None:
    path, _ = hostile_files[name]
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(BranchctlError) as refused:
        read_workbook(path)
    error = refused.value
    assert error.code == code, str(error)
    message = str(error)
    assert message.startswith(f"文件“{path}”"), message
    _one_sentence(message)
    assert not _english(message), message
    assert "1,000,000,000,000" not in message, message
    if before is not None:
        assert path.read_bytes() == before


# --- what must still be read ----------------------------------------------------------------


def test_ledger_with_a_stray_cell_still_reads(tmp_path: Path) -> None:
    """A clerk's stray note at AA200 widens the grid a little; that is not an attack."""
    path = write_workbook(tmp_path / "东村.xlsx", [classification_sheet(sample_branches(30))])
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.worksheets[0]["AA200"] = "已核对"
    wb.save(path)
    book = read_workbook(path)
    sheet = book.sheets[0]
    assert sheet.value(199, 26) == "已核对"
    assert sheet.value(0, 0) == "附件1"


def test_far_empty_formatted_cell_still_reads(tmp_path: Path) -> None:
    """An empty cell with a format at XFD1048576 (Ctrl+End after formatting a whole sheet).

    calamine skips cells without a value, so the grid stays small; the pre-scan must not
    refuse the file for it (the fast scan sees the far tag, the exact scan clears it).
    """
    sheet = sheet_xml('<row r="1048576"><c r="XFD1048576" s="0"/></row>')
    path = write_package(tmp_path / "格式到底.xlsx", sheet)
    book = read_workbook(path)
    assert (book.sheets[0].height, book.sheets[0].width) == (1, 1)


def test_pictures_vml_and_utf16_custom_xml_are_not_taken_for_sheets(tmp_path: Path) -> None:
    """A stamp picture whose bytes happen to hold ``<c ``, a legacy VML comment drawing that
    is not well-formed XML, and a UTF-16 customXml item (SharePoint writes those)."""
    path = small_ledger(tmp_path / "盖章版.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"<c <c/>\x00" * 50)
        z.writestr("xl/drawings/vmlDrawing1.vml", "<xml><v:shape><c r=1><br></v:shape></xml>")
        z.writestr(
            "customXml/item1.xml", '<?xml version="1.0" encoding="utf-16"?><b/>'.encode("utf-16")
        )
    assert check_file(path) == "xlsx"
    assert read_workbook(path).sheets[0].value(3, 2) == "东村党支部"


def test_xlsx_saved_under_an_xls_name_reads_as_xlsx(tmp_path: Path) -> None:
    """Content decides, not the name: Excel itself opens such a file (after a warning), the
    data in it is intact, and refusing it would only send the clerk back to rename it."""
    source = small_ledger(tmp_path / "台账.xlsx")
    renamed = tmp_path / "台账.xls"
    shutil.copy(source, renamed)
    assert check_file(renamed) == "xlsx"
    book = read_workbook(renamed)
    assert book.format == "xlsx"
    assert book.sheets[0].value(3, 2) == "东村党支部"
    assert book.sheets[0].rows == read_workbook(source).sheets[0].rows


def test_xls_saved_under_an_xlsx_name_reads_as_xls(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "台账.xls", [classification_sheet(sample_branches(5))])
    renamed = tmp_path / "台账.xlsx"
    shutil.copy(source, renamed)
    book = read_workbook(renamed)
    assert book.format == "xls"
    assert book.sheets[0].rows == read_workbook(source).sheets[0].rows


def test_libreoffice_trailing_repeats_are_not_refused(tmp_path: Path) -> None:
    """LibreOffice writes empty cells and rows repeated to the sheet's last column and row."""
    filler_row = '<table:table-cell table:number-columns-repeated="16383"/>'
    rows = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>附件1</text:p>'
        f"</table:table-cell>{filler_row}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    path = write_ods(tmp_path / "东村.ods", rows)
    assert check_file(path) == "ods"
    book = read_workbook(path)
    assert book.sheets[0].value(0, 0) == "附件1"
    assert book.sheets[0].height == 1


def test_a_repeated_value_row_within_the_limit_reads(tmp_path: Path) -> None:
    """Repeats on cells with values are legitimate when the grid stays small."""
    rows = (
        '<table:table-row table:number-rows-repeated="3">'
        '<table:table-cell table:number-columns-repeated="4" office:value-type="string">'
        "<text:p>√</text:p></table:table-cell></table:table-row>"
    )
    book = read_workbook(write_ods(tmp_path / "重复.ods", rows))
    assert [row[:4] for row in book.sheets[0].rows] == [["√"] * 4] * 3


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_check_file_names_the_real_format(tmp_path: Path, suffix: str) -> None:
    path = write_workbook(tmp_path / f"台账{suffix}", [classification_sheet(sample_branches(3))])
    assert check_file(path) == {".xlsx": "xlsx", ".xls": "xls", ".ods": "ods"}[suffix]
