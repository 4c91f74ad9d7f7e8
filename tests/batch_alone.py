"""Batch against alone: run the same checks on workbooks in one process, one after another, and
each in a fresh process, and give back what each gave (JSON), for tests/test_batch_equals_alone.py.

A task is ``[kind, path, rubric, as_of]``: kind ``validate`` (``check_file``'s findings; ``paths``
the same through ``validate_paths``), ``rate`` (``rate_file``'s branches, or the error that stopped
it) or ``county`` (the file's branches in a county run, ``rate`` of several files). ``python -m tests.batch_alone
batch`` runs the tasks read from stdin in one process, in order; ``tight`` does so with every memo's cap at a few entries; ``alone`` runs each in a child
forked from a process that has read no workbook (what a process learns of tables starts empty).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.jobs.county import rate_county
from branchctl.jobs.rate import rate_file
from branchctl.jobs.validate import check_file, validate_paths
from branchctl.rules.rubric_file import load_rubric

ROOT = Path(__file__).resolve().parent.parent
Task = tuple[str, str, str, str]  # kind, path, rubric, as_of (ISO)


def outcome(task: Sequence[str]) -> Any:
    """What a user sees of one task: validate's findings, or rate's branches (every field of
    --json) and the error that stops it."""
    kind, path, rubric, as_of = task
    day = dt.date.fromisoformat(as_of)
    if kind == "county":
        return _county([Path(path)], rubric, day)[0]
    if kind in ("validate", "paths"):
        report = check_file(Path(path), load_rubric(rubric), day).report
        return [f.to_json() for f in report.findings]
    try:
        report = rate_file(Path(path), out=None, rubric=rubric, as_of=day)
    except BranchctlError as e:
        return {"error": e.message, "sheet": e.sheet, "code": e.code}
    return [b.to_json() for b in report.result.branches]


def _county(paths: list[Path], rubric: str, day: dt.date) -> list[Any]:
    """Each file's branches as one county run rates them (``rate`` of several files), with what
    a county adds across files (a name seen in another file) left out."""
    county = rate_county(paths, load_rubric(rubric), as_of=day, jobs=1, strict=False)
    by_path = {s.path: s for s in county.sources}
    out = []
    for path in paths:
        source = by_path[str(path)]
        branches = [b.to_json() for b in source.branches]
        for b in branches:
            kept = [i for i, c in enumerate(b["warning_codes"]) if c not in _ACROSS_FILES]
            b["warnings"] = [b["warnings"][i] for i in kept]
            b["warning_codes"] = [b["warning_codes"][i] for i in kept]
            b.pop("source_file", None)
        out.append({"ok": source.ok, "message": source.message, "branches": branches})
    return out


_ACROSS_FILES = frozenset({"duplicate-in-files"})  # a name seen in another file of the run


def _batch(tasks: list[Task]) -> list[Any]:
    """The tasks in order; consecutive ``county`` tasks of one rubric and date as one county
    run of their files, and consecutive ``paths`` tasks as one ``validate_paths`` run."""
    out: list[Any] = []
    i = 0
    while i < len(tasks):
        kind, _, rubric, as_of = tasks[i]
        j = i
        while j < len(tasks) and tasks[j][0] == kind and tasks[j][2:] == tasks[i][2:]:
            j += 1
        paths = [Path(t[1]) for t in tasks[i:j]]
        day = dt.date.fromisoformat(as_of)
        if kind == "county":
            out += _county(paths, rubric, day)
        elif kind == "paths":
            run = validate_paths(paths, rubric=load_rubric(rubric), as_of=day, jobs=1)
            found = {r.path: r for r in run.report.files}
            out += [[f.to_json() for f in found[str(p)].findings] for p in paths]
        else:
            out += [outcome(t) for t in tasks[i:j]]
        i = j
    return out


def _tight(tasks: list[Task]) -> list[Any]:
    """:func:`_batch` with every memo's cap at a few entries and the rating memo used from a
    table's first row: each memo fills, forgets and learns again within the run."""
    from branchctl.checks import forms as checks_forms
    from branchctl.forms import headers, lists
    from branchctl.rules import indicators, learnt, row_rater

    learnt.LEARNT_CAP, learnt._LAYOUTS_CAP, learnt._RUBRICS_CAP = 7, 2, 2
    row_rater.MEMO_ROWS, row_rater._MAX_VARIANTS = 0, 2
    headers._MEMO_MAX, headers._ROWS_MAX = 5, 2
    lists._PARSED_MAX, checks_forms._PARSED_CAP = 3, 3
    indicators.VALUES_CAP, indicators._COMPS_CAP = 3, 2
    return _batch(tasks)


def _alone(tasks: list[Task]) -> list[Any]:
    out: list[Any] = []
    with tempfile.TemporaryDirectory() as folder:
        for i, task in enumerate(tasks):
            target = Path(folder) / f"{i}.json"
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 0
                try:
                    target.write_text(json.dumps(outcome(task), ensure_ascii=False), "utf-8")
                except BaseException as e:
                    target.write_text(json.dumps({"crash": repr(e)}), "utf-8")
                    code = 1
                os._exit(code)
            os.waitpid(pid, 0)
            out.append(json.loads(target.read_text("utf-8")))
    return out


def run(mode: str, tasks: Sequence[Task]) -> list[Any]:
    """Run ``tasks`` in a new process: ``batch`` (one after another) or ``alone``."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.batch_alone", mode],
        input=json.dumps(list(tasks)),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found: list[Any] = json.loads(proc.stdout)
    return found


def start(mode: str, tasks: Sequence[Task]) -> subprocess.Popen[str]:
    """:func:`run` without waiting: finish with :func:`finish`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.batch_alone", mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(list(tasks)))
    proc.stdin.close()
    return proc


def finish(proc: subprocess.Popen[str]) -> list[Any]:
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    proc.wait(timeout=600)
    assert proc.returncode == 0, stderr[-3000:]
    found: list[Any] = json.loads(stdout)
    return found


if __name__ == "__main__":
    given = [tuple(t) for t in json.loads(sys.stdin.read())]
    modes = {"batch": _batch, "tight": _tight, "alone": _alone}
    result = modes[sys.argv[1]](given)  # type: ignore[arg-type]
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
