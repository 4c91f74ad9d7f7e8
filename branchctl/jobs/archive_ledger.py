"""A period from the archive: its county ledger against the period before (``archive export``),
the trend of star and category counts, and the data of a notice (``notice --archive``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from branchctl.archive import store
from branchctl.documents.data import Scheme, branches_context, trend_context
from branchctl.documents.masking import Masker
from branchctl.errors import BranchctlError
from branchctl.io.outputs import ensure_distinct
from branchctl.jobs.archive import open_db, require_period, status_of
from branchctl.jobs.archive_history import load_standings
from branchctl.reports.archive_export import write_ledger
from branchctl.rules.history import LedgerRow, PeriodPicture, change, flags_of
from branchctl.rules.periods import Period, parse_period
from branchctl.rules.results import BranchRating


def period_picture(db: Path, period: str) -> PeriodPicture:
    """The county ledger of ``period`` with each branch's stars the period before, its change
    and flags (as of the period), what went, the submission status and the trend up to it."""
    with open_db(db) as archive, archive.transaction() as conn:
        return _picture(conn, parse_period(period))


def _picture(conn: Any, the_period: Period) -> PeriodPicture:
    row = require_period(conn, the_period)
    status = status_of(conn, row, the_period, dt.date.today())
    loaded = load_standings(conn, upto=the_period)
    rated = [p for p in store.periods(conn) if p.sort <= the_period.sort]
    counts = conn.execute(
        """SELECT period_id, township, stars, category, count(*) FROM current_ratings
           GROUP BY period_id, township_key, stars, category"""
    ).fetchall()
    now = store.current_ratings(conn, [row.id])
    if not now:
        raise BranchctlError(f"{the_period.label}还没有可用的评定结果（没有登记任何报送）")
    rubric = store.rubric_spec(conn, now[0].rubric_id)
    with_ratings = {r[0] for r in counts}
    earlier = [p for p in rated if p.id in with_ratings and p.sort < the_period.sort]
    before = store.current_ratings(conn, [earlier[-1].id]) if earlier else []
    prev_stars = {r.branch_id: r.stars for r in before}
    rows = []
    for r in now:
        key = r.branch_id
        previous = prev_stars.get(key)
        flags = flags_of(loaded.standings.get(key, []))
        rows.append(LedgerRow(r, previous, change(previous, r.stars), flags))
    # gone: missing from its township's submission (a township yet to submit loses nothing)
    here = {r.branch_id for r in now}
    submitted = {r.township_key for r in now}
    gone = [r for r in before if r.branch_id not in here and r.township_key in submitted]
    by_id = {p.id: parse_period(p.key) for p in rated}
    trend = [(by_id[c[0]], c[1], c[2], c[3], c[4]) for c in counts if c[0] in by_id]
    trend.sort(key=lambda t: (t[0].sort, t[1], t[2]))
    return PeriodPicture(
        the_period,
        parse_period(earlier[-1].key) if earlier else None,
        rubric,
        rows,
        gone,
        status,
        trend,
    )


def unmet_of(r: store.CurrentRating) -> list[str]:
    return list(json.loads(r.unmet))


def met_of(r: store.CurrentRating) -> list[str]:
    return list(json.loads(r.met))


def export_period(db: Path, period: str, out: Path) -> PeriodPicture:
    """Write the county ledger of ``period`` (with 上期星级, 变动, 调整原因, 趋势) to ``out``."""
    if out.suffix.lower() != ".xlsx":
        raise BranchctlError("导出文件应以 .xlsx 结尾", path=out)
    ensure_distinct(out, db)
    if not out.parent.is_dir():
        raise BranchctlError("输出文件所在的文件夹不存在", path=out)
    picture = period_picture(db, period)
    write_ledger(picture, out)
    return picture


def notice_context(
    db: Path,
    period: str,
    *,
    today: dt.date | None = None,
    bottom: int = 10,
    below: int | None = None,
    masker: Masker | None = None,
) -> dict[str, Any]:
    """The data of a rating notice (通报, 公示, 整改通知书) from the archive: the period's
    branches as they stand (adjusted where decided), each with the problems of its township's
    附件3, with ``trend`` against the period before."""
    with open_db(db) as archive, archive.transaction() as conn:
        picture = _picture(conn, parse_period(period))
        problems = store.problems(conn, {row.rating.submission_id for row in picture.rows})
    spec = picture.rubric
    scheme = Scheme(
        title=str(spec.get("title", "")),
        aspects=list(spec.get("aspects", [])),
        max_stars=int(spec.get("max_stars", 6)),
        categories=list(spec.get("categories", [])),
        top=str(spec.get("top", "")),
        weak=str(spec.get("weak", "")),
    )
    branches = [
        BranchRating(
            r.sheet,
            r.row,
            r.party_org or r.township,
            r.name,
            r.type,
            r.stars,
            r.category,
            r.level,
            met_of(r),
            unmet_of(r),
            bool(r.standard),
            r.veto,
            None,
            None,
            None,
            file=str(r.submission_id),  # each branch takes the problems of its own file
        )  # fmt: skip
        for r in (row.rating for row in picture.rows)
    ]
    return branches_context(
        branches,
        scheme,
        file=db.name,
        file_problems={str(sid): items for sid, items in problems.items()},
        as_of=picture.period.end,
        today=today,
        bottom=bottom,
        below=below,
        masker=masker,
        trend=trend_context(picture, masker),
    )
