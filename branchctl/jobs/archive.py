"""The archive jobs: a period's roster, its status, a township's resubmission diff, the clerk's
adjustments and their log. Each opens the archive, runs in one transaction and returns plain
data; ``archive add`` is in :mod:`branchctl.jobs.archive_add`, history in
:mod:`branchctl.jobs.archive_history`, export and the notice's trend in
:mod:`branchctl.jobs.archive_ledger`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branchctl.archive import store
from branchctl.archive.db import Archive, open_archive
from branchctl.errors import BranchctlError
from branchctl.forms.roster import read_roster
from branchctl.forms.townships import township_key
from branchctl.forms.values import name_key
from branchctl.io.xlsx.plan import band_fills
from branchctl.rules.periods import Period, parse_period
from branchctl.rules.rubric import Rubric
from branchctl.rules.submissions import StatusReport, compare_findings, township_statuses


def now_text() -> str:
    return dt.datetime.now().isoformat(sep=" ", timespec="seconds")


def open_db(db: Path, *, create: bool = False) -> Archive:
    return open_archive(db, create=create)


def archive_rubric(rubric: Rubric) -> dict[str, Any]:
    """What the archive keeps of a rubric: enough to show and to adjust its ratings later,
    whether or not its file is still at hand."""
    stars = range(rubric.max_stars + 1)
    by_stars = None
    if rubric.category_by == "stars" and rubric.level_by != "total":
        by_stars = {str(s): [rubric.category_for(s), rubric.level_for(s)] for s in stars}
    return {
        "name": rubric.name,
        "title": rubric.title or rubric.name,
        "max_stars": rubric.max_stars,
        "aspects": list(rubric.aspect_names),
        "categories": [band.name for band in rubric.categories],
        "fills": band_fills(
            [band.name for band in rubric.categories], [band.fill for band in rubric.categories]
        ),
        "top": rubric.category_for(rubric.max_stars),
        "weak": rubric.veto_category or rubric.category_for(0),
        "by_stars": by_stars,
    }


def require_period(conn: sqlite3.Connection, period: Period) -> store.PeriodRow:
    row = store.find_period(conn, period.key)
    if row is None:
        raise BranchctlError(f"档案中还没有{period.label}的名册或报送")
    return row


def period_townships(conn: sqlite3.Connection, period_id: int | None) -> tuple[list[str], str]:
    """The townships a file of the period may come from, and what they are: the period's
    roster, or without one every township the archive knows."""
    if period_id is not None:
        names = [name for name, _ in store.roster(conn, period_id)]
        if names:
            return names, "名册"
    return store.known_townships(conn), "档案"


def find_township(conn: sqlite3.Connection, period: store.PeriodRow, text: str) -> str:
    """The township of the period (roster or submissions) that ``text`` names."""
    names = [name for name, _ in store.roster(conn, period.id)]
    names += [s.township for s in store.submissions(conn, period.id)]
    key = township_key(text)
    hit = next((n for n in reversed(names) if township_key(n) == key), None)
    if hit is None:
        shown = "、".join(dict.fromkeys(names)) or "无"
        raise BranchctlError(f"{period.label}没有“{text}”；本期的乡镇（街道）：{shown}")
    return hit


# ------------------------------------------------------------------------------ roster


@dataclass
class RosterReport:
    period: Period
    townships: list[str]
    deadline: dt.date | None
    replaced: int  # townships on the roster it replaces (0: the period's first)


def set_roster(db: Path, file: Path, *, period: str, deadline: dt.date | None) -> RosterReport:
    """Record the townships expected for ``period`` (and its deadline); the newest roster counts."""
    the_period = parse_period(period)
    names = read_roster(file)
    with open_db(db, create=True) as archive, archive.transaction(write=True) as conn:
        pid = store.ensure_period(conn, the_period.key, the_period.label, the_period.sort)
        before = store.roster(conn, pid)
        store.add_roster(
            conn,
            pid,
            file.name,
            [(n, township_key(n)) for n in names],
            deadline.isoformat() if deadline else None,
            now_text(),
        )
        stands = store.deadline(conn, pid)
    return RosterReport(
        the_period, names, dt.date.fromisoformat(stands) if stands else None, len(before)
    )


# ------------------------------------------------------------------------------ status


def period_status(db: Path, *, period: str, today: dt.date | None = None) -> StatusReport:
    """Each township of the period: 未报送 / 退回修改 / 已通过, submissions, last date, late.

    Late: the first submission came in after the deadline, or none has and the deadline is
    past. The state follows the newest submission (the one that counts).
    """
    the_period = parse_period(period)
    with open_db(db) as archive, archive.transaction() as conn:
        row = require_period(conn, the_period)
        return status_of(conn, row, the_period, today or dt.date.today())


def status_of(
    conn: sqlite3.Connection, row: store.PeriodRow, period: Period, today: dt.date
) -> StatusReport:
    """The period's status, read in the caller's transaction."""
    text = store.deadline(conn, row.id)
    due = dt.date.fromisoformat(text) if text else None
    subs = store.submissions(conn, row.id)
    return township_statuses(period, store.roster(conn, row.id), subs, due, today)


# ------------------------------------------------------------------------------ diff


@dataclass
class DiffReport:
    township: str
    period: Period
    latest: store.SubmissionRow
    previous: store.SubmissionRow | None
    fixed: list[store.FindingRow]
    remaining: list[store.FindingRow]
    new: list[store.FindingRow]

    def to_json(self) -> dict[str, Any]:
        return {
            "township": self.township,
            "fixed": [f.to_json() for f in self.fixed],
            "remaining": [f.to_json() for f in self.remaining],
            "new": [f.to_json() for f in self.new],
        }


def township_diff(db: Path, township: str, *, period: str) -> DiffReport:
    """The township's newest submission against the one before: 已改正 / 仍存在 / 新出现."""
    the_period = parse_period(period)
    with open_db(db) as archive, archive.transaction() as conn:
        row = require_period(conn, the_period)
        name = find_township(conn, row, township)
        subs = store.submissions(conn, row.id, township_key(name))
        if not subs:
            raise BranchctlError(f"{name}{the_period.label}还没有报送")
        latest = subs[-1]
        previous = subs[-2] if len(subs) > 1 else None
        now = store.findings(conn, latest.id)
        before = store.findings(conn, previous.id) if previous else []
    fixed, remaining, new = compare_findings(before, now)
    return DiffReport(name, the_period, latest, previous, fixed, remaining, new)


# ------------------------------------------------------------------------------ decisions


@dataclass
class Adjustment:
    period: Period
    township: str
    name: str
    previous_stars: int
    stars: int
    previous_category: str
    category: str
    level: str
    reason: str
    by: str | None
    note: str | None = None  # e.g. the category kept, for a rubric that grades by score


def adjust_branch(
    db: Path,
    branch: str,
    *,
    period: str,
    stars: int,
    reason: str,
    by: str | None = None,
    org: str | None = None,
) -> Adjustment:
    """Record the clerk's decision on a branch's stars for a period (who, when, why).

    Category and level follow the stars by the rubric the branch was rated with; nothing is
    overwritten: the decision is a new row, the newest counts.
    """
    the_period = parse_period(period)
    reason = reason.strip()
    if not reason:
        raise BranchctlError("请用 --reason 写明调整的理由（如“破格晋升：…”）")
    with open_db(db) as archive, archive.transaction(write=True) as conn:
        row = require_period(conn, the_period)
        found = store.current_ratings(conn, [row.id], name_key(branch))
        if org is not None:
            key = township_key(org)
            found = [
                r
                for r in found
                if key in (township_key(r.township), township_key(r.party_org or ""))
            ]
        where = f"（{org}）" if org else ""
        if not found:
            raise BranchctlError(f"{the_period.label}档案中没有党支部“{branch}”{where}")
        if len({r.branch_id for r in found}) > 1:
            orgs = "、".join(dict.fromkeys(r.township for r in found))
            raise BranchctlError(
                f"{the_period.label}有{len(found)}个党支部叫“{branch}”（{orgs}），请用 --org 指明是哪个"
            )
        current = found[0]
        spec = store.rubric_spec(conn, current.rubric_id)
        top = int(spec.get("max_stars", 6))
        if not 0 <= stars <= top:
            raise BranchctlError(f"--stars 应为 0 到 {top} 之间的整数")
        by_stars = spec.get("by_stars")
        note = None
        if by_stars:
            category, level = by_stars[str(stars)]
        else:
            category, level = current.category, current.level
            note = f"“{spec.get('title', '')}”按总分定类别，类别和等次保持“{category}”“{level}”"
        store.add_adjustment(
            conn,
            period_id=row.id,
            branch_id=current.branch_id,
            township=current.township,
            name=current.name,
            previous_stars=current.stars,
            stars=stars,
            category=category,
            level=level,
            weak=category == spec.get("weak"),
            reason=reason,
            by_name=(by or "").strip() or None,
            recorded_at=now_text(),
        )
    return Adjustment(
        the_period, current.township, current.name, current.stars, stars, current.category,
        category, level, reason, (by or "").strip() or None, note,
    )  # fmt: skip


def decision_log(db: Path, *, period: str | None = None) -> list[store.AdjustmentRow]:
    """Every adjustment recorded (of one period), oldest first."""
    with open_db(db) as archive, archive.transaction() as conn:
        if period is None:
            return store.adjustments(conn)
        row = require_period(conn, parse_period(period))
        return store.adjustments(conn, row.id)
