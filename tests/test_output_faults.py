"""Writing outputs when things go wrong: a full or read-only disk, a killed run, a hard link to
an input, control characters in the names. Each ends in one Chinese sentence (exit 2) or a valid
workbook, never a traceback, a half-written file or a changed input.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.io.outputs import TEMP_PREFIX, TEMP_SUFFIX
from tests.builders import (
    ASPECTS,
    Layout,
    classification_sheet,
    sample_branches,
    with_claims,
    with_wrong_claim,
    write_workbook,
)

runner = CliRunner()
REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘是只读的",
    errno.EACCES: "没有权限",
    errno.EDQUOT: "磁盘空间配额已用完",
}
SET = ["--set", "发文机关=中共示例县委组织部", "--set", "成文日期=2025年7月1日"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ledger(folder: Path, suffix: str = ".xlsx", name: str = "城关镇台账") -> Path:
    records = [with_claims(r) for r in sample_branches(12, seed=3, veto_rate=0)]
    records[1] = with_wrong_claim(records[1])  # validate has something to report
    folder.mkdir(exist_ok=True)
    return write_workbook(folder / f"{name}{suffix}", [classification_sheet(records, Layout())])


# ---------------------------------------------------------------- disk faults


def _fail_zip_writes(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Every zip member written fails as the disk would: the patch writer, xlsxwriter and
    python-docx all write their packages through these two methods."""

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail)
    monkeypatch.setattr(zipfile.ZipFile, "write", fail)


def _fail_flush(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """The disk refuses the data when the finished file is flushed (NFS, quotas)."""

    def fail(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", fail)


Command = Callable[[Path, Path], tuple[list[str], str]]  # (inputs folder, output folder)


def _rate(src: Path, out: Path) -> tuple[list[str], str]:
    return ["rate", str(_ledger(src)), "-o", str(out / "评定.xlsx")], "评定.xlsx"


def _rate_xls(src: Path, out: Path) -> tuple[list[str], str]:  # the rebuild writer
    return ["rate", str(_ledger(src, ".xls")), "-o", str(out / "评定.xlsx")], "评定.xlsx"


def _report(suffix: str) -> Command:
    def command(src: Path, out: Path) -> tuple[list[str], str]:
        name = f"校验结果{suffix}"
        return ["validate", str(_ledger(src)), "--jobs", "1", "--report", str(out / name)], name

    return command


def _notice(src: Path, out: Path) -> tuple[list[str], str]:
    ledger = _ledger(src)
    return [
        "notice",
        "通报",
        "--data",
        str(ledger),
        *SET,
        "-o",
        str(out / "通报.docx"),
    ], "通报.docx"


def _template(src: Path, out: Path) -> tuple[list[str], str]:
    return ["template", "附件1", "-o", str(out / "附件1.xlsx")], "附件1.xlsx"


CASES = [
    *[(_rate, _fail_zip_writes, code) for code in REASONS],
    (_rate_xls, _fail_zip_writes, errno.ENOSPC),
    (_report(".xlsx"), _fail_zip_writes, errno.EDQUOT),
    (_report(".md"), _fail_flush, errno.ENOSPC),
    (_report(".json"), _fail_flush, errno.EROFS),
    (_notice, _fail_zip_writes, errno.EACCES),
    (_template, _fail_zip_writes, errno.EROFS),
]


@pytest.mark.parametrize(("command", "inject", "code"), CASES)
def test_a_disk_fault_is_one_sentence_naming_the_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: Command,
    inject: Callable[[pytest.MonkeyPatch, int], None],
    code: int,
) -> None:
    src, out = tmp_path / "报表", tmp_path / "输出"
    src.mkdir()
    out.mkdir()
    args, name = command(src, out)
    before = {p.name: _digest(p) for p in src.iterdir()}
    inject(monkeypatch, code)
    result = runner.invoke(app, args)
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert result.stderr == f"错误：无法写入文件夹“{out}”（{REASONS[code]}），“{name}”未写出。\n"
    assert "重建" not in result.output and "Traceback" not in result.output
    assert list(out.iterdir()) == []  # no half-written output, no temporary file
    assert {p.name: _digest(p) for p in src.iterdir()} == before


def test_a_read_only_folder_for_per_branch_notices_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = _ledger(tmp_path / "报表")
    folder = tmp_path / "只读盘" / "整改通知书"
    folder.parent.mkdir()

    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    result = runner.invoke(
        app, ["notice", "整改通知书", "--data", str(ledger), "--per-branch", "-o", str(folder)]
    )
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.stderr == f"错误：无法创建输出文件夹“{folder}”（磁盘是只读的）。\n"
    assert list(folder.parent.iterdir()) == []


# ---------------------------------------------------------------- a killed run


SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    import branchctl.io.xlsx.patch as patch

    written = patch._Patch._put

    def slow(self, *args):  # a big ledger: the copy takes a while to write
        written(self, *args)
        print("writing", flush=True)
        time.sleep(120)

    patch._Patch._put = slow
    from branchctl.cli.app import main

    main(sys.argv[1:])
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_mid_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path / "报表")
    out = tmp_path / "输出"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, "rate", str(ledger), "-o", str(out / "评定.xlsx")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        assert [p.name[: len(TEMP_PREFIX)] for p in out.iterdir()] == [TEMP_PREFIX]
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert stderr == "已中断，未写出任何不完整的文件。\n"
    assert list(out.iterdir()) == []


def test_leftovers_of_a_killed_run_are_swept_by_the_next(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path / "报表")
    out = tmp_path / "输出"
    out.mkdir()
    old = out / f"{TEMP_PREFIX}k3j9x2{TEMP_SUFFIX}"  # a run killed yesterday (SIGKILL)
    old.write_bytes(b"PK\x03\x04 half a zip")
    day_ago = time.time() - 86400
    os.utime(old, (day_ago, day_ago))
    busy = out / f"{TEMP_PREFIX}m2p7q1{TEMP_SUFFIX}"  # another run writing right now
    busy.write_bytes(b"PK\x03\x04")
    soon = time.time() + 3600
    os.utime(busy, (soon, soon))
    mine = out / f"{TEMP_PREFIX}笔记.txt"  # not our naming: the clerk's own file
    mine.write_text("备忘", encoding="utf-8")
    os.utime(mine, (day_ago, day_ago))

    result = runner.invoke(app, ["rate", str(ledger), "-o", str(out / "评定.xlsx")])
    assert result.exit_code in (0, 1), result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([busy.name, mine.name, "评定.xlsx"])


# ---------------------------------------------------------------- hard links to an input


def test_outputs_onto_a_hard_link_of_an_input_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "报表"
    ledger = _ledger(src)
    other = _ledger(src, name="青山乡")
    digests = {p: _digest(p) for p in (ledger, other)}
    links = tmp_path / "别处"
    links.mkdir()

    rated = links / "评定.xlsx"
    os.link(ledger, rated)
    result = runner.invoke(app, ["rate", str(ledger), "-o", str(rated)])
    assert result.exit_code == 2 and "不能与输入文件相同" in result.stderr

    report = links / "校验结果.xlsx"
    os.link(ledger, report)
    result = runner.invoke(app, ["validate", str(src), "--jobs", "1", "--report", str(report)])
    assert result.exit_code == 2 and "不能与输入文件相同" in result.stderr

    annotate = tmp_path / "退回"
    annotate.mkdir()
    os.link(other, annotate / "城关镇台账.checked.xlsx")  # a copy's name, another input's data
    result = runner.invoke(app, ["validate", str(src), "--jobs", "1", "--annotate", str(annotate)])
    assert result.exit_code == 2 and "不能与输入文件相同" in result.stderr

    compared = links / "对比.xlsx"
    os.link(other, compared)
    result = runner.invoke(app, ["compare", str(other), str(ledger), "-o", str(compared)])
    assert result.exit_code == 2 and "不能与输入文件相同" in result.stderr

    assert {p: _digest(p) for p in (ledger, other)} == digests


# ---------------------------------------------------------------- control characters


def test_compare_writes_a_valid_workbook_for_names_with_control_characters(
    tmp_path: Path,
) -> None:
    records = [with_claims(r) for r in sample_branches(8, seed=9, veto_rate=0)]
    odd = "城关镇\x07东街村\x1b]0;x\x07党支部"  # BEL and a terminal escape typed into a cell
    records[0] = with_claims({**records[0], "党支部名称": odd, **dict.fromkeys(ASPECTS, True)})
    old = write_workbook(tmp_path / "一季度.xls", [classification_sheet(records, Layout())])
    records[0] = with_claims({**records[0], **dict.fromkeys(ASPECTS[:3], False)})  # 6 -> 3
    new = write_workbook(tmp_path / "二季度.xls", [classification_sheet(records, Layout())])
    out = tmp_path / "对比.xlsx"

    result = runner.invoke(app, ["compare", str(old), str(new), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # strict: raises on a control character
    ws = openpyxl.load_workbook(out)["变动汇总"]
    *_, row = (r for r in ws.iter_rows() if r[0].value == "降星")  # the changed branches' list
    assert row[2].value == "城关镇东街村]0;x党支部"  # shown without the control characters
    assert row[2].hyperlink.location.endswith("!A6")
