"""Every hostile file ends in one clear Chinese sentence, quickly, without touching the input.

Each case runs ``read_workbook`` in a child process limited to 1.5 GB of address space and
20 seconds: python-calamine aborts the whole process on some of these files, so a crash in the
child (instead of a BranchctlError) is a failure here, never a dead test run. The children run
four at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from branchctl.io.safety.scan import check_file
from branchctl.io.workbook import read_workbook
from tests.builders import classification_sheet, sample_branches, write_workbook
from tests.hostile import HOSTILE_CASES, small_ledger, write_ods

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 1536 << 20
TIME_LIMIT = 20.0

CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from branchctl.errors import BranchctlError
from branchctl.io.workbook import read_workbook
start = time.perf_counter()
try:
    book = read_workbook(sys.argv[1])
    out = {"ok": True, "format": book.format}
except BranchctlError as e:
    out = {"ok": False, "code": e.code, "message": str(e)}
out["seconds"] = time.perf_counter() - start
try:  # peak RSS of this process image (ru_maxrss would include the parent's, from fork)
    status = open("/proc/self/status").read()
    out["maxrss_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError, ValueError):
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out, ensure_ascii=False))
"""


def _fingerprint(path: Path) -> tuple[Any, ...]:
    """Bytes and modification time of a file (or of a folder and what it holds)."""
    st = path.stat()
    if path.is_dir():
        return ("dir", st.st_mtime_ns, sorted(p.name for p in path.iterdir()))
    return ("file", st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())


def _read_in_child(path: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(MEMORY_LIMIT)],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            cwd=ROOT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"crashed": f"still running after {TIME_LIMIT} s"}
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"crashed": f"exit {proc.returncode}: {proc.stderr[-800:]}"}
    result: dict[str, Any] = json.loads(proc.stdout)
    result["wall"] = wall
    return result


@pytest.fixture(scope="module")
def hostile_results(hostile_files: dict[str, tuple[Path, str]]) -> dict[str, dict[str, Any]]:
    """Read every hostile file in a child process, keep what happened."""
    results: dict[str, dict[str, Any]] = {}
    jobs = []
    for name, (path, _code) in hostile_files.items():
        jobs.append((name, path, _fingerprint(path)))
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = pool.map(lambda job: _read_in_child(job[1]), jobs)
        for (name, path, before), outcome in zip(jobs, outcomes, strict=True):
            outcome["path"] = path
            outcome["unchanged"] = _fingerprint(path) == before
            results[name] = outcome
    return results


@pytest.mark.parametrize(("name", "code"), [(name, code) for name, _b, code in HOSTILE_CASES])
def test_hostile_file_is_refused_cleanly(
    hostile_results: dict[str, dict[str, Any]], name: str, code: str
) -> None:
    result = hostile_results[name]
    assert "crashed" not in result, result.get("crashed")
    assert result["ok"] is False, f"{name} was read as a workbook: {result}"
    assert result["code"] == code, result["message"]
    message: str = result["message"]
    assert message.startswith(f"文件“{result['path']}”"), message
    assert message.endswith("。") and message.count("。") == 1, message  # one sentence
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message.split("：", 1)[1]), message
    assert result["seconds"] < TIME_LIMIT and result["wall"] < TIME_LIMIT
    assert result["maxrss_mb"] < 400, f"{name} peaked at {result['maxrss_mb']:.0f} MB"
    assert result["unchanged"], f"{name}: the input file was modified"


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
    from tests.hostile import _sheet, _write_package

    sheet = _sheet('<row r="1048576"><c r="XFD1048576" s="0"/></row>')
    path = _write_package(tmp_path / "格式到底.xlsx", sheet)
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
