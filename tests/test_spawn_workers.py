"""Windows starts worker processes by spawning a fresh interpreter, not by forking this one:
the batches must not lean on anything a fork would have copied (module state set at run time,
closures, open files). Run here under the spawn start method, each batch gives exactly what it
gives under fork."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.builders import (
    Layout,
    classification_sheet,
    sample_branches,
    with_wrong_claim,
    write_workbook,
)

# Runs the CLI with the start method given first; the guard keeps a spawned child (which
# imports this file as __main__ again) from running the command itself.
RUNNER = """
import multiprocessing, sys
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1], force=True)
    from branchctl.cli.app import main
    sys.argv = ["branchctl", *sys.argv[2:]]
    sys.exit(main())
"""


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "二季度"
    towns = {"城关镇": ("城关镇党委", 6, "xlsx"), "青山乡": ("青山乡党委", 4, "xls"), "河西街道": ("河西街道党工委", 5, "ods")}  # fmt: skip
    for i, (town, (org, n, suffix)) in enumerate(towns.items()):
        records = sample_branches(n, seed=i + 3, townships=[org], veto_rate=0, small_branches=False)
        if i == 0:
            records[1] = with_wrong_claim(records[1])
        write_workbook(folder / f"{town}.{suffix}", [classification_sheet(records, Layout())])
    (folder / "损坏.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    return folder


def _run(tmp_path: Path, method: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "run_branchctl.py"
    script.write_text(RUNNER, "utf-8")
    return subprocess.run(
        [sys.executable, str(script), method, *args],
        capture_output=True, text=True, encoding="utf-8", timeout=120, check=False,
    )  # fmt: skip


def test_batches_under_spawn_give_what_they_give_under_fork(tmp_path):
    folder = _folder(tmp_path)
    for command in (["validate", "--as-of", "2025-06-30"], ["rate", "--as-of", "2025-06-30"]):
        outputs = {}
        for method in ("fork", "spawn"):
            extra = ["-o", str(tmp_path / f"评定_{method}.xlsx")] if command[0] == "rate" else []
            done = _run(tmp_path, method, command[0], str(folder), *command[1:], *extra,
                        "--jobs", "2", "--json")  # fmt: skip
            assert done.returncode == 1, done.stderr  # the damaged file, the wrong claim
            assert "Traceback" not in done.stderr
            outputs[method] = json.loads(done.stdout)
        assert outputs["spawn"] == outputs["fork"]
        files = {Path(f["path"]).name: f["ok"] for f in outputs["spawn"]["files"]}
        assert files == {"城关镇.xlsx": command[0] == "rate", "青山乡.xls": True,
                         "河西街道.ods": True, "损坏.xlsx": False}  # fmt: skip

    ledgers = [openpyxl.load_workbook(tmp_path / f"评定_{m}.xlsx") for m in ("fork", "spawn")]
    assert ledgers[0].sheetnames == ledgers[1].sheetnames
    for name in ledgers[0].sheetnames:
        assert list(ledgers[0][name].values) == list(ledgers[1][name].values), name

    for method in ("fork", "spawn"):
        done = _run(tmp_path, method, "collect", str(folder), "-o", str(tmp_path / f"汇总_{method}.xlsx"),
                    "--jobs", "2")  # fmt: skip
        assert "汇总党支部 15 个" in done.stdout, done.stderr
