"""Batch validation: finding the files, surviving bad ones, parallel runs, annotated copies."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
from pathlib import Path

import openpyxl
import pytest

from branchctl.errors import BranchctlError
from branchctl.io.cells import parse_cell
from branchctl.io.workbook import read_workbook
from branchctl.io.xlsx.plan import FILL_ERROR, FILL_WARNING
from branchctl.jobs.validate import (
    RESULT_SHEET,
    annotated_names,
    annotation_plan,
    collect_workbooks,
    validate_paths,
)
from tests.builders import (
    classification_sheet,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)
from tests.validate_helpers import ACCEPTED_WARNINGS, AS_OF, RUBRIC, check, clean_corpus, set_cell


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    return folder, clean_corpus(folder)


def _run(paths, **kw):
    kw.setdefault("jobs", 1)
    return validate_paths([str(p) for p in paths], rubric=RUBRIC, as_of=AS_OF, **kw)


def _bad_file(path: Path) -> tuple[Path, str]:
    """A submission with one wrong star claim; returns its path and the claim's cell."""
    records = sample_branches(6, seed=51, small_branches=False, veto_rate=0)
    records[1] = with_wrong_claim(records[1], "星级")
    spec = classification_sheet(records)
    set_cell(spec, 3, "基本保障", "差一点")
    return write_workbook(path, [spec]), spec.ref(1, "星级")


def test_clean_corpus_has_no_errors(corpus):
    folder, files = corpus
    run = _run([folder])
    assert [Path(f.path).name for f in run.report.files] == sorted(p.name for p in files)
    for f in run.report.files:
        assert [x.message for x in f.findings if x.severity == "error"] == [], f.path
        assert {x.code for x in f.findings} <= ACCEPTED_WARNINGS, f.path
    assert run.report.summary()["errors"] == 0 and not run.has_errors


def test_parallel_run_gives_the_same_report_in_sorted_order(corpus, tmp_path):
    folder, _ = corpus
    bad, _ = _bad_file(tmp_path / "0_bad.xlsx")
    one = _run([folder, bad], jobs=1).report.to_json()
    two = _run([bad, folder], jobs=2).report.to_json()
    assert one == two
    assert [f["path"] for f in one["files"]] == sorted(
        (f["path"] for f in one["files"]), key=lambda p: (str(Path(p).parent), Path(p).name)
    )


def test_folder_walk_skips_locks_hidden_and_outputs(tmp_path):
    spec = classification_sheet(sample_branches(3, seed=1))
    keep = [
        write_workbook(tmp_path / "a.xlsx", [spec]),
        write_workbook(tmp_path / "sub" / "b.xls", [spec]),
    ]
    for name in ("~$a.xlsx", ".~lock.a.xlsx#", ".hidden.xlsx", "a.checked.xlsx", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.xlsx").write_bytes(b"x")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.xlsx").write_bytes(b"x")
    assert collect_workbooks([tmp_path], exclude=[tmp_path / "out"]) == keep
    # a file named on the command line is taken whatever it is
    assert collect_workbooks([tmp_path / "notes.txt", keep[0], keep[0]]) == [
        keep[0],
        tmp_path / "notes.txt",
    ]


def test_folder_walk_takes_a_linked_workbook_once_and_keeps_out_of_outputs(tmp_path):
    spec = classification_sheet(sample_branches(3, seed=2))
    real = write_workbook(tmp_path / "in" / "城关镇.xlsx", [spec])
    (tmp_path / "in" / "城关镇_副本.xlsx").symlink_to(real)  # the same file under two names
    (tmp_path / "linked").symlink_to(tmp_path / "in", target_is_directory=True)
    out = tmp_path / "in" / "out"
    out.mkdir()
    write_workbook(out / "旧副本.xlsx", [spec])
    # the folder reached through a link, the link to a file, and the file itself: one workbook
    found = collect_workbooks([tmp_path / "linked", tmp_path / "in"], exclude=[out])
    assert len(found) == 1 and found[0].resolve() == real.resolve()
    # an output folder reached through the link is still left out
    assert all("旧副本" not in p.name for p in collect_workbooks([tmp_path / "linked"], [out]))


def test_a_bad_file_is_its_own_finding_and_the_run_goes_on(tmp_path):
    write_workbook(
        tmp_path / "good.xlsx",
        [classification_sheet(sample_branches(4, seed=2, small_branches=False))],
    )
    (tmp_path / "junk.xlsx").write_bytes(b"this is not a workbook")
    (tmp_path / "empty.xls").write_bytes(b"")
    (tmp_path / "table.ods").write_bytes(b"PK\x03\x04broken")
    run = _run([tmp_path], jobs=2)
    by_name = {Path(f.path).name: f for f in run.report.files}
    assert by_name["good.xlsx"].ok and by_name["good.xlsx"].findings == []
    for name in ("junk.xlsx", "empty.xls", "table.ods"):
        f = by_name[name]
        assert [x.code for x in f.findings] == ["file-unreadable"] and not f.ok
        assert f.findings[0].sheet is None and f.findings[0].message


def test_a_password_protected_file_is_file_encrypted(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_workbook(
        tmp_path / "plain.xlsx", [classification_sheet(sample_branches(3, seed=3))]
    )
    with open(plain, "rb") as src, open(tmp_path / "locked.xlsx", "wb") as out:
        OOXMLFile(src).encrypt("123456", out)
    plain.unlink()
    findings = check(tmp_path / "locked.xlsx")
    assert [f.code for f in findings] == ["file-encrypted"]
    assert "密码" in findings[0].message


def test_hostile_files_are_reported_and_the_good_one_checked(tmp_path, hostile_files):
    """Every hostile file is accounted for: a finding with its code, none dropped; a folder
    named like a workbook is searched, not reported."""
    expected = {}
    for path, code in hostile_files.values():
        copy = tmp_path / path.name
        if path.is_dir():
            shutil.copytree(path, copy)
        else:
            shutil.copyfile(path, copy)
            expected[path.name] = code
    good = write_workbook(
        tmp_path / "zz_good.xlsx",
        [classification_sheet(sample_branches(4, seed=2, small_branches=False))],
    )
    run = _run([tmp_path], jobs=2)
    by_name = {Path(f.path).name: f for f in run.report.files}
    assert set(by_name) == {*expected, good.name}
    assert by_name[good.name].ok and by_name[good.name].findings == []
    for name, code in expected.items():
        assert [x.code for x in by_name[name].findings] == [code], name


def test_a_bug_in_a_check_costs_only_that_file(tmp_path, monkeypatch):
    import branchctl.jobs.validate as checks

    path, _ = _bad_file(tmp_path / "a.xlsx")
    monkeypatch.setattr(checks, "check_workbook", lambda *a: 1 / 0)
    findings = check(path)
    assert [f.code for f in findings] == ["check-failed"]
    assert "ZeroDivisionError" in findings[0].message


def test_nothing_to_check_and_outputs_over_inputs_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BranchctlError, match="没有找到工作簿"):
        _run([tmp_path / "empty"])
    with pytest.raises(BranchctlError, match="路径不存在"):
        _run([tmp_path / "nope"])
    path, _ = _bad_file(tmp_path / "a.xlsx")
    with pytest.raises(BranchctlError, match="输出文件不能与输入文件相同"):
        _run([path], report_path=path)
    with pytest.raises(BranchctlError, match="结尾"):
        _run([path], report_path=tmp_path / "r.docx")
    copy = tmp_path / "a.checked.xlsx"  # named explicitly, so an input
    copy.write_bytes(path.read_bytes())
    with pytest.raises(BranchctlError, match="输出文件不能与输入文件相同"):
        _run([path, copy], annotate_dir=tmp_path)


def test_annotated_names_are_unique():
    files = [Path("a/报表.xlsx"), Path("b/报表.xlsx"), Path("a/报表.xls"), Path("a/城关镇.ods")]
    assert [p.name for p in annotated_names(files, Path("out"))] == [
        "a_报表.xlsx.checked.xlsx",
        "b_报表.xlsx.checked.xlsx",
        "报表.xls.checked.xlsx",
        "城关镇.checked.xlsx",
    ]


def test_annotation_plan_marks_cells_and_lists_findings(tmp_path):
    path, cell = _bad_file(tmp_path / "a.xlsx")
    book = read_workbook(path)
    findings = check(path)
    plan = annotation_plan(book, findings)
    marks = {(m.row, m.col): m for m in plan.sheets["附件1"].marks}
    assert marks[parse_cell(cell)].fill == FILL_ERROR
    assert "【星级与达标情况不符】" in (marks[parse_cell(cell)].comment or "")
    sheet = plan.new_sheets[0]
    assert sheet.name == RESULT_SHEET
    assert sheet.rows[1][:4] == ["序号", "级别", "工作表", "位置"]
    assert len(sheet.rows) == 2 + len(findings)
    assert sheet.links[(2, 3)] == f"'附件1'!{findings[0].cell}"
    warning = [f for f in findings if f.severity == "warning"]
    for f in warning:
        assert marks[parse_cell(f.cell)].fill in (FILL_WARNING, FILL_ERROR)


def test_annotate_writes_copies_of_files_with_errors_only(tmp_path, corpus):
    folder, files = corpus
    bad, cell = _bad_file(tmp_path / "in" / "城关镇报表.xlsx")
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    out = tmp_path / "退回"
    run = _run([bad, files[0]], annotate_dir=out)
    written = {Path(r.report.path).name: r.annotated for r in run.results}
    assert written == {bad.name: str(out / "城关镇报表.checked.xlsx"), files[0].name: None}
    assert sorted(p.name for p in out.iterdir()) == ["城关镇报表.checked.xlsx"]
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before
    wb = openpyxl.load_workbook(out / "城关镇报表.checked.xlsx")
    assert wb.sheetnames == ["附件1", RESULT_SHEET]
    target = wb["附件1"][cell]
    assert target.fill.fgColor.rgb.endswith(FILL_ERROR)
    assert "核算应为" in target.comment.text
    first = next(r for r in run.results if r.annotated).report.findings[0]
    link = wb[RESULT_SHEET]["D3"]
    assert link.hyperlink is not None and link.hyperlink.location == f"'附件1'!{first.cell}"


def test_report_json_round_trip(tmp_path):
    path, _ = _bad_file(tmp_path / "a.xlsx")
    run = _run([path])
    data = json.loads(json.dumps(run.report.to_json(), ensure_ascii=False))
    assert set(data) == {"files", "summary"}
    assert set(data["files"][0]) == {"path", "ok", "findings"}
    assert set(data["files"][0]["findings"][0]) == {
        "code",
        "severity",
        "sheet",
        "row",
        "column",
        "cell",
        "value",
        "message",
    }
    assert data["summary"] == {"files": 1, "ok": 0, "errors": 2, "warnings": 0}


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="the patched checker reaches workers by fork",
)
def test_a_file_that_kills_its_worker_costs_only_that_file(tmp_path, monkeypatch):
    """A reader crash (an abort inside python-calamine) takes the worker process down."""
    import os

    import branchctl.jobs.validate as validate

    spec = classification_sheet(sample_branches(3, seed=5, small_branches=False))
    for name in ("a.xlsx", "b_crash.xlsx", "c.xlsx", "d.xlsx"):
        write_workbook(tmp_path / name, [spec])
    real = validate.check_file

    def crashing(path, *args):
        if "crash" in path.name:
            os._exit(134)
        return real(path, *args)

    monkeypatch.setattr(validate, "check_file", crashing)
    run = _run([tmp_path], jobs=2)
    assert [Path(f.path).name for f in run.report.files] == [
        "a.xlsx",
        "b_crash.xlsx",
        "c.xlsx",
        "d.xlsx",
    ]
    codes_by_file = {Path(f.path).name: [x.code for x in f.findings] for f in run.report.files}
    assert codes_by_file == {
        "a.xlsx": [],
        "b_crash.xlsx": ["file-unreadable"],
        "c.xlsx": [],
        "d.xlsx": [],
    }
