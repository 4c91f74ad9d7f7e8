"""``archive add``: validate and rate township workbooks and record each in the archive.

The files are validated by the validate job (in parallel, a crashing file costing only itself);
in the same worker each readable workbook is also rated and its township looked for
(:func:`examine`), outside any transaction: other runs may use the archive meanwhile (the
archive is only read first, to skip files it holds already). Then, in one write transaction that
looks at everything again, each file is recorded: the same file again (same sha256 in the
period) is a no-op that says so, a new file from a township that has sent one is a resubmission
(the earlier stays, the newest counts), a file no township can be matched to is reported and
not recorded. Stopped halfway, nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.archive import store
from branchctl.errors import BranchctlError, os_reason
from branchctl.findings.model import Finding
from branchctl.forms.lists import read_lists
from branchctl.forms.tables import find_forms
from branchctl.forms.townships import TownshipMatch, match_township, township_key
from branchctl.forms.values import cell_text, name_key
from branchctl.io.smallfiles import open_regular
from branchctl.io.workbook import Workbook
from branchctl.jobs.archive import archive_rubric, now_text, open_db, period_townships
from branchctl.jobs.validate import collect_workbooks, validate_paths
from branchctl.rules.periods import Period, parse_period
from branchctl.rules.rating import rate_workbook
from branchctl.rules.rubric import Rubric
from branchctl.rules.rubric_file import load_rubric

RESULTS = ("recorded", "resubmitted", "duplicate", "unmatched", "unreadable")


@dataclass
class Examined:
    """What the worker makes of one readable workbook besides its findings."""

    unit: str | None  # 填报单位 above its tables
    orgs: list[str]  # the 所属党组织 of its branches
    ratings: list[store.RatingRow]
    branches: list[str | None]  # per finding: the branch named on its row
    problems: list[store.ProblemRow] = field(default_factory=list)  # 附件3


@dataclass
class FileOutcome:
    path: Path
    result: str  # one of RESULTS
    message: str  # one Chinese sentence for the clerk
    township: str | None = None
    matched_by: str | None = None
    errors: int = 0
    warnings: int = 0
    branches: int = 0

    @property
    def ok(self) -> bool:
        return self.result in ("recorded", "resubmitted", "duplicate") and not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "result": self.result,
            "township": self.township,
            "matched_by": self.matched_by,
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "branches": self.branches,
            "message": self.message,
        }


@dataclass
class AddReport:
    period: Period
    db: Path
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def has_problems(self) -> bool:
        """A file sent back (errors), not matched to a township, or not readable."""
        return any(not f.ok for f in self.files)

    def to_json(self) -> dict[str, Any]:
        counts = {r: sum(1 for f in self.files if f.result == r) for r in RESULTS}
        return {
            "period": self.period.key,
            "files": [f.to_json() for f in self.files],
            "summary": {"files": len(self.files), **counts},
        }


# ------------------------------------------------------------------------------ the worker


def examine(book: Workbook, findings: list[Finding], *, rubric: Rubric, as_of: dt.date) -> Examined:
    """Rate ``book`` (an unreadable mark counts as unmet: its finding says so), and find its
    填报单位, its branches' 所属党组织, the branch of each finding's row and its 附件3 problems."""
    layout = find_forms(book, rubric.aspect_headers())
    try:
        result = rate_workbook(book, rubric, as_of, layout=layout, strict=False)
    except BranchctlError:  # nothing to rate: the findings say why
        result = None
    weak = rubric.veto_category or rubric.category_for(0)
    ratings = []
    orgs: dict[str, None] = {}
    unit = None
    if result is not None:
        unit = next((t.table.unit for t in result.tables if t.table.unit), None)
        for b in result.branches:
            if b.entity != "branch" or not b.name:
                continue
            if b.party_org:
                orgs.setdefault(b.party_org)
            ratings.append(
                store.RatingRow(
                    b.sheet,
                    b.row,
                    b.party_org,
                    b.name,
                    name_key(b.name),
                    b.type,
                    b.stars,
                    b.category,
                    b.level,
                    b.category == weak,
                    b.standard,
                    b.veto,
                    json.dumps(b.met, ensure_ascii=False),
                    json.dumps(b.unmet, ensure_ascii=False),
                )  # fmt: skip
            )
    if unit is None and (result is None or any(f.sheet and f.row for f in findings)):
        # another sheet's 填报单位 only where the rated tables have none and could not all be
        # read as they stand (a file of mixed townships is reported, not matched by its lists)
        unit = next((t.unit for t in layout.tables if t.unit), None)
    problems = [
        store.ProblemRow(
            p.branch,
            p.branch_key,
            p.category,
            p.description,
            p.task,
            p.measures,
            p.owner,
            p.owner_title,
            p.leader,
            p.deadline.text if p.deadline else p.deadline_text,
            p.sheet,
            p.row,
        )  # fmt: skip
        for p in read_lists(layout, as_of)
    ]
    return Examined(unit, list(orgs), ratings, _finding_branches(layout, findings), problems)


def _finding_branches(layout: Any, findings: list[Finding]) -> list[str | None]:
    """The 党支部名称 on each finding's row (a merged cell reads as its top value); a sheet may
    hold several tables, one under another: the row belongs to the nearest header above it."""
    tables: dict[str, list[Any]] = {}
    for t in layout.tables:
        if t.has("党支部名称"):
            tables.setdefault(t.sheet_name, []).append(t)
    out: list[str | None] = []
    for f in findings:
        r = (f.row or 0) - 1
        above = [t for t in tables.get(f.sheet or "", []) if t.header_row < r]
        if not above:
            out.append(None)
            continue
        table = max(above, key=lambda t: t.header_row)
        out.append(cell_text(table.value(r, "党支部名称")) or None)
    return out


# ------------------------------------------------------------------------------ the job


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open_regular(path, "工作簿文件", missing="文件不存在") as f:  # never blocks on a FIFO
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def add_files(
    db: Path,
    paths: Sequence[str | Path],
    *,
    period: str,
    rubric: str | None = None,
    as_of: dt.date | None = None,
    received: dt.date | None = None,
    township: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AddReport:
    """Validate, rate and record each workbook under ``paths`` for ``period``.

    ``as_of`` (default: the period's last day) is the date findings and ratings are judged
    at; ``received`` (default: today) the date the files came in, against the deadline;
    ``township`` names the township of every file instead of matching it.
    """
    the_period = parse_period(period)
    the_rubric = load_rubric(rubric)
    as_of = as_of or the_period.end
    received_on = (received or dt.date.today()).isoformat()
    files = collect_workbooks(paths, [db])
    if not files:
        raise BranchctlError("没有找到工作簿（.xlsx、.xlsm、.xls、.ods），请检查路径")
    report = AddReport(the_period, db)
    hashes: dict[Path, tuple[str, int]] = {}
    outcomes: dict[Path, FileOutcome] = {}
    for path in files:
        try:
            hashes[path] = sha256_of(path)
        except OSError as e:
            outcomes[path] = FileOutcome(
                path, "unreadable", f"无法读取文件（{os_reason(e)}），未登记"
            )
        except BranchctlError as e:  # not a regular file, a link loop
            outcomes[path] = FileOutcome(path, "unreadable", f"{e.message}，未登记")

    with open_db(db, create=True) as archive:
        with archive.transaction() as conn:
            row = store.find_period(conn, the_period.key)
            seen = {
                sha for path, (sha, _) in hashes.items()
                if row is not None and store.submission_with_sha(conn, sha, row.id)
            }  # fmt: skip
        todo = [p for p in files if p in hashes and hashes[p][0] not in seen]
        examined: dict[str, Any] = {}
        if todo:
            then = functools.partial(examine, rubric=the_rubric, as_of=as_of)
            run = validate_paths(
                todo, rubric=the_rubric, as_of=as_of, jobs=jobs, progress=progress, then=then
            )
            examined = {r.report.path: r for r in run.results}
        with archive.transaction(write=True) as conn:
            period_id = store.ensure_period(conn, the_period.key, the_period.label, the_period.sort)
            rubric_id = store.rubric_id(conn, archive_rubric(the_rubric))
            known, known_as = period_townships(conn, period_id)
            recorded_at = now_text()
            for path in files:
                if path in outcomes:
                    report.files.append(outcomes[path])
                    continue
                sha, size = hashes[path]
                before = store.submission_with_sha(conn, sha, period_id)
                if before is not None:
                    report.files.append(_duplicate(path, before, the_period))
                    continue
                result = examined[str(path)]
                extra: Examined | None = result.extra
                match = _match(path, extra, known, known_as, township)
                if match.township is None:
                    report.files.append(
                        FileOutcome(
                            path,
                            "unmatched",
                            f"无法确定报送单位：{match.reason}；未登记，可加 --township 指定",
                        )  # fmt: skip
                    )
                    continue
                report.files.append(
                    _record(
                        conn,
                        path,
                        sha,
                        size,
                        result.report.findings,
                        extra,
                        match,
                        period_id,
                        rubric_id,
                        received_on,
                        recorded_at,
                    )  # fmt: skip
                )
    return report


def _match(
    path: Path, extra: Examined | None, known: list[str], known_as: str, given: str | None
) -> TownshipMatch:
    if given is not None:
        hit = next((k for k in known if township_key(k) == township_key(given)), None)
        return TownshipMatch(hit or given.strip(), "指定")
    unit = extra.unit if extra else None
    return match_township(path, unit, extra.orgs if extra else [], known, known_as)


def _duplicate(path: Path, before: store.SubmissionRow, period: Period) -> FileOutcome:
    when = before.recorded_at[:10]
    return FileOutcome(
        path,
        "duplicate",
        f"与 {when} 登记的{before.township}{period.label}报送文件（{before.file_name}）完全相同，"
        "未重复登记",
        before.township,
        before.matched_by,
        before.errors,
        before.warnings,
    )


def _record(
    conn: Any,
    path: Path,
    sha: str,
    size: int,
    findings: list[Finding],
    extra: Examined | None,
    match: TownshipMatch,
    period_id: int,
    rubric_id: int,
    received_on: str,
    recorded_at: str,
) -> FileOutcome:
    assert match.township is not None and match.source is not None
    key = township_key(match.township)
    earlier = store.submissions(conn, period_id, key)
    elsewhere = store.submission_with_sha(conn, sha)  # the same file, in another period
    branches = extra.branches if extra else [None] * len(findings)
    sub = store.NewSubmission(
        period_id=period_id,
        township=match.township,
        township_key=key,
        matched_by=match.source,
        file_name=path.name,
        path=str(path.resolve()),
        sha256=sha,
        size=size,
        received_on=received_on,
        recorded_at=recorded_at,
        rubric_id=rubric_id,
        findings=[
            store.FindingRow(
                f.code,
                f.severity,
                f.sheet,
                f.row,
                f.column,
                f.cell,
                f.value,
                f.message,
                branch,
                json.dumps(f.details, ensure_ascii=False, default=str),
            )  # fmt: skip
            for f, branch in zip(findings, branches, strict=True)
        ],
        ratings=extra.ratings if extra else [],
        problems=extra.problems if extra else [],
    )
    store.add_submission(conn, sub)
    verdict = "通过" if not sub.errors else f"退回修改（错误 {sub.errors} 条）"
    if sub.warnings:
        verdict += f"，提醒 {sub.warnings} 条"
    how = f"按{match.source}对应" if match.source != "指定" else "按 --township 指定"
    counted = f"{len(sub.ratings)} 个支部"
    if elsewhere is not None:
        verdict += (
            f"；提示：与{parse_period(elsewhere.period_key).label}{elsewhere.township}的报送文件完全相同，"
            "请核实是否报错了期次或文件"
        )
    if earlier:
        return FileOutcome(
            path, "resubmitted",
            f"{match.township}第{len(earlier) + 1}次报送，已登记（{how}，{counted}），以此次为准：{verdict}",
            match.township, match.source, sub.errors, sub.warnings, len(sub.ratings),
        )  # fmt: skip
    return FileOutcome(
        path, "recorded",
        f"{match.township}，已登记（{how}，{counted}）：{verdict}",
        match.township, match.source, sub.errors, sub.warnings, len(sub.ratings),
    )  # fmt: skip
