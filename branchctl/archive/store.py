"""Reading and writing the archive's rows: plain data in, plain data out.

The callers (the archive jobs) decide what a row means; this module only knows the tables of
:mod:`branchctl.archive.schema`. Every function takes the connection of an open transaction
(:meth:`branchctl.archive.db.Archive.transaction`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from branchctl.findings.model import finding_json


class PeriodRow(NamedTuple):
    id: int
    key: str
    label: str
    sort: str


class RatingRow(NamedTuple):
    """One rated branch of a submission."""

    sheet: str
    row: int
    party_org: str | None
    name: str
    name_key: str
    type: str | None
    stars: int
    category: str
    level: str
    weak: bool
    standard: bool
    veto: str | None
    met: str  # JSON list
    unmet: str  # JSON list


class FindingRow(NamedTuple):
    """One finding of a submission, as validate's JSON has it, with its branch and details."""

    code: str
    severity: str
    sheet: str | None
    row: int | None
    column: str | None
    cell: str | None
    value: str | None
    message: str
    branch: str | None
    details: str  # JSON object

    def to_json(self) -> dict[str, Any]:
        """As in ``validate --json``."""
        return finding_json(self)


class ProblemRow(NamedTuple):
    """One problem × task of a submission's 附件3, with what a notice shows of it (the fields of
    :class:`branchctl.forms.lists.ProblemItem` that notices read)."""

    branch: str
    branch_key: str
    category: str
    description: str
    task: str
    measures: str
    owner: str
    owner_title: str
    leader: str
    deadline_text: str  # 完成时限 as shown
    sheet: str
    row: int

    @property
    def deadline(self) -> None:
        """A ProblemItem's parsed date; here already shown as ``deadline_text``."""
        return None


@dataclass
class NewSubmission:
    period_id: int
    township: str
    township_key: str
    matched_by: str
    file_name: str
    path: str
    sha256: str
    size: int
    received_on: str
    recorded_at: str
    rubric_id: int
    findings: list[FindingRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    problems: list[ProblemRow] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


class SubmissionRow(NamedTuple):
    id: int
    period_key: str
    township: str
    township_key: str
    matched_by: str
    file_name: str
    path: str
    sha256: str
    size: int
    received_on: str
    recorded_at: str
    errors: int
    warnings: int


class CurrentRating(NamedTuple):
    """A branch as it stands in a period (see the view ``current_ratings``)."""

    period_id: int
    submission_id: int
    township: str
    township_key: str
    file_name: str
    rubric_id: int
    branch_id: int
    sheet: str
    row: int
    party_org: str | None
    name: str
    name_key: str
    type: str | None
    stars: int
    category: str
    level: str
    weak: bool
    standard: bool
    veto: str | None
    met: str
    unmet: str
    rated_stars: int
    adjusted: bool
    reason: str | None
    by_name: str | None


class AdjustmentRow(NamedTuple):
    id: int
    period_key: str
    period_label: str
    township: str
    name: str
    previous_stars: int
    stars: int
    category: str
    level: str
    reason: str
    by_name: str | None
    recorded_at: str


# ------------------------------------------------------------------------------ periods


def ensure_period(conn: sqlite3.Connection, key: str, label: str, sort: str) -> int:
    """The id of period ``key``, added when new."""
    conn.execute(
        "INSERT INTO periods (key, label, sort) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, label, sort),
    )
    return int(conn.execute("SELECT id FROM periods WHERE key = ?", (key,)).fetchone()[0])


def find_period(conn: sqlite3.Connection, key: str) -> PeriodRow | None:
    row = conn.execute("SELECT id, key, label, sort FROM periods WHERE key = ?", (key,)).fetchone()
    return PeriodRow(*row) if row else None


def periods(conn: sqlite3.Connection) -> list[PeriodRow]:
    """Every period of the archive, in order."""
    rows = conn.execute("SELECT id, key, label, sort FROM periods ORDER BY sort").fetchall()
    return [PeriodRow(*r) for r in rows]


# ------------------------------------------------------------------------------ rosters


def add_roster(
    conn: sqlite3.Connection,
    period_id: int,
    file_name: str,
    townships: Sequence[tuple[str, str]],
    deadline: str | None,
    recorded_at: str,
) -> int:
    """Record a roster (name, key pairs) for a period; it replaces the earlier one."""
    cur = conn.execute(
        "INSERT INTO rosters (period_id, file_name, deadline, recorded_at) VALUES (?, ?, ?, ?)",
        (period_id, file_name, deadline, recorded_at),
    )
    roster_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO roster_townships (roster_id, position, name, key) VALUES (?, ?, ?, ?)",
        [(roster_id, i, name, key) for i, (name, key) in enumerate(townships)],
    )
    return roster_id


def roster(conn: sqlite3.Connection, period_id: int) -> list[tuple[str, str]]:
    """(name, key) of the townships on the period's newest roster; empty without one."""
    rows = conn.execute(
        """SELECT name, key FROM roster_townships
           WHERE roster_id = (SELECT max(id) FROM rosters WHERE period_id = ?)
           ORDER BY position""",
        (period_id,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def deadline(conn: sqlite3.Connection, period_id: int) -> str | None:
    """The newest deadline given for the period."""
    row = conn.execute(
        """SELECT deadline FROM rosters WHERE period_id = ? AND deadline IS NOT NULL
           ORDER BY id DESC LIMIT 1""",
        (period_id,),
    ).fetchone()
    return row[0] if row else None


def known_townships(conn: sqlite3.Connection) -> list[str]:
    """Every township the archive has a submission or a roster entry of, newest spelling."""
    rows = conn.execute(
        # SQLite takes the bare column (name) from the row holding max(recorded_at)
        """SELECT name, max(at) FROM (
               SELECT township AS name, township_key AS key, recorded_at AS at FROM submissions
               UNION ALL
               SELECT t.name, t.key, r.recorded_at FROM roster_townships AS t
               JOIN rosters AS r ON r.id = t.roster_id)
           GROUP BY key ORDER BY key"""
    ).fetchall()
    return [r[0] for r in rows]


# ------------------------------------------------------------------------------ rubrics


def rubric_id(conn: sqlite3.Connection, spec: dict[str, Any]) -> int:
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True)
    conn.execute("INSERT INTO rubrics (spec) VALUES (?) ON CONFLICT (spec) DO NOTHING", (text,))
    return int(conn.execute("SELECT id FROM rubrics WHERE spec = ?", (text,)).fetchone()[0])


def rubric_spec(conn: sqlite3.Connection, rubric: int) -> dict[str, Any]:
    row = conn.execute("SELECT spec FROM rubrics WHERE id = ?", (rubric,)).fetchone()
    return dict(json.loads(row[0])) if row else {}


# ------------------------------------------------------------------------------ submissions

_SUBMISSION_COLUMNS = """s.id, p.key, s.township, s.township_key, s.matched_by, s.file_name,
    s.path, s.sha256, s.size, s.received_on, s.recorded_at, s.errors, s.warnings"""


def add_submission(conn: sqlite3.Connection, sub: NewSubmission) -> int:
    """Record a submission with its findings and ratings; its id."""
    cur = conn.execute(
        """INSERT INTO submissions (period_id, township, township_key, matched_by, file_name,
               path, sha256, size, received_on, recorded_at, rubric_id, errors, warnings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (sub.period_id, sub.township, sub.township_key, sub.matched_by, sub.file_name, sub.path,
         sub.sha256, sub.size, sub.received_on, sub.recorded_at, sub.rubric_id, sub.errors,
         sub.warnings),
    )  # fmt: skip
    sid = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(sid, i, *f) for i, f in enumerate(sub.findings)],
    )
    conn.executemany(
        "INSERT INTO branches (township_key, name_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(sub.township_key, r.name_key) for r in sub.ratings],
    )
    ids = dict(
        conn.execute(
            "SELECT name_key, id FROM branches WHERE township_key = ?", (sub.township_key,)
        ).fetchall()
    )
    conn.executemany(
        """INSERT INTO ratings (submission_id, seq, branch_id, sheet, row, party_org, name, type,
               stars, category, level, weak, standard, veto, met, unmet)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (sid, i, ids[r.name_key], r.sheet, r.row, r.party_org, r.name, r.type, r.stars,
             r.category, r.level, r.weak, r.standard, r.veto, r.met, r.unmet)
            for i, r in enumerate(sub.ratings)
        ],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(sid, i, *p) for i, p in enumerate(sub.problems)],
    )
    return sid


def submission_with_sha(
    conn: sqlite3.Connection, sha256: str, period_id: int | None = None
) -> SubmissionRow | None:
    """The earliest submission of this exact file: in the period given, or in any."""
    where, args = "s.sha256 = ?", [sha256]
    if period_id is not None:
        where += " AND s.period_id = ?"
        args.append(str(period_id))
    row = conn.execute(
        f"""SELECT {_SUBMISSION_COLUMNS} FROM submissions AS s JOIN periods AS p
            ON p.id = s.period_id WHERE {where} ORDER BY s.id LIMIT 1""",
        args,
    ).fetchone()
    return SubmissionRow(*row) if row else None


def submissions(
    conn: sqlite3.Connection, period_id: int, township_key: str | None = None
) -> list[SubmissionRow]:
    """The period's submissions (of one township), oldest first."""
    where, args = "s.period_id = ?", [period_id]
    if township_key is not None:
        where += " AND s.township_key = ?"
        args.append(township_key)  # type: ignore[arg-type]
    rows = conn.execute(
        f"""SELECT {_SUBMISSION_COLUMNS} FROM submissions AS s JOIN periods AS p
            ON p.id = s.period_id WHERE {where} ORDER BY s.id""",
        args,
    ).fetchall()
    return [SubmissionRow(*r) for r in rows]


def findings(conn: sqlite3.Connection, submission_id: int) -> list[FindingRow]:
    rows = conn.execute(
        """SELECT code, severity, sheet, row, column_name, cell, value, message, branch, details
           FROM findings WHERE submission_id = ? ORDER BY seq""",
        (submission_id,),
    ).fetchall()
    return [FindingRow(*r) for r in rows]


def problems(
    conn: sqlite3.Connection, submission_ids: Iterable[int]
) -> dict[int, list[ProblemRow]]:
    """The 附件3 problems of each submission, in the order of its lists."""
    ids = list(submission_ids)
    out: dict[int, list[ProblemRow]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):  # within SQLite's limit of bound parameters
        part = ids[start : start + 500]
        rows = conn.execute(
            f"""SELECT submission_id, branch, branch_key, category, description, task, measures,
                       owner, owner_title, leader, deadline, sheet, row
                FROM problems WHERE submission_id IN ({", ".join("?" * len(part))})
                ORDER BY submission_id, seq""",
            part,
        ).fetchall()
        for sid, *fields in rows:
            out[sid].append(ProblemRow(*fields))
    return out


# ------------------------------------------------------------------------------ ratings


def current_ratings(
    conn: sqlite3.Connection,
    period_ids: Iterable[int] | None = None,
    name_key: str | None = None,
) -> list[CurrentRating]:
    """Branches as they stand (newest submission, newest adjustment), by period, township
    and position in the file."""
    where, args = [], []
    if period_ids is not None:
        ids = list(period_ids)
        if not ids:
            return []
        where.append(f"period_id IN ({', '.join('?' * len(ids))})")
        args += ids
    if name_key is not None:
        where.append("name_key = ?")
        args.append(name_key)  # type: ignore[arg-type]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = conn.execute(
        f"""SELECT period_id, submission_id, township, township_key, file_name, rubric_id,
                   branch_id, sheet, row, party_org, name, name_key, type, stars, category,
                   level, weak,
                   standard, veto, met, unmet, rated_stars, adjusted, reason, by_name
            FROM current_ratings {clause}
            ORDER BY period_id, township_key, submission_id, sheet, row""",
        args,
    ).fetchall()
    return [CurrentRating._make(r) for r in rows]


# A branch's standing in one period, as history reads it (the least it needs), as a plain
# tuple: the county's history reads hundreds of thousands of them.
# (branch_id, stars, category, level, weak, adjusted, reason)
StandingRow = tuple[int, int, str, str, int, int, "str | None"]


def standings(
    conn: sqlite3.Connection, period_ids: Iterable[int], name_key: str | None = None
) -> list[StandingRow]:
    """Every branch's standing in each of the periods (of one branch name)."""
    ids = list(period_ids)
    if not ids:
        return []
    where = f"period_id IN ({', '.join('?' * len(ids))})"
    args: list[Any] = ids
    if name_key is not None:
        where += " AND name_key = ?"
        args.append(name_key)
    return conn.execute(
        f"""SELECT branch_id, stars, category, level, weak, adjusted, reason
            FROM current_ratings WHERE {where}""",
        args,
    ).fetchall()


class BranchLabel(NamedTuple):
    branch_id: int
    township_key: str
    township: str
    party_org: str | None
    name: str
    sheet: str
    row: int


def branch_labels(
    conn: sqlite3.Connection, period_id: int, name_key: str | None = None
) -> list[BranchLabel]:
    """How the branches of a period are written (township, 所属党组织, name, place), in the
    order of the county ledger: by township, then place in the file."""
    where, args = "period_id = ?", [period_id]
    if name_key is not None:
        where += " AND name_key = ?"
        args.append(name_key)  # type: ignore[arg-type]
    rows = conn.execute(
        f"""SELECT branch_id, township_key, township, party_org, name, sheet, row
            FROM current_ratings WHERE {where} ORDER BY township_key, sheet, row""",
        args,
    ).fetchall()
    return [BranchLabel._make(r) for r in rows]


# ------------------------------------------------------------------------------ decisions


def add_adjustment(
    conn: sqlite3.Connection,
    *,
    period_id: int,
    branch_id: int,
    township: str,
    name: str,
    previous_stars: int,
    stars: int,
    category: str,
    level: str,
    weak: bool,
    reason: str,
    by_name: str | None,
    recorded_at: str,
) -> int:
    cur = conn.execute(
        """INSERT INTO adjustments (period_id, branch_id, township, name, previous_stars, stars,
               category, level, weak, reason, by_name, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (period_id, branch_id, township, name, previous_stars, stars, category, level, weak,
         reason, by_name, recorded_at),
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def adjustments(conn: sqlite3.Connection, period_id: int | None = None) -> list[AdjustmentRow]:
    """Every decision recorded (of one period), in the order they were made."""
    where, args = ("WHERE a.period_id = ?", [period_id]) if period_id is not None else ("", [])
    rows = conn.execute(
        f"""SELECT a.id, p.key, p.label, a.township, a.name, a.previous_stars, a.stars,
                   a.category, a.level, a.reason, a.by_name, a.recorded_at
            FROM adjustments AS a JOIN periods AS p ON p.id = a.period_id {where}
            ORDER BY a.id""",
        args,
    ).fetchall()
    return [AdjustmentRow(*r) for r in rows]
