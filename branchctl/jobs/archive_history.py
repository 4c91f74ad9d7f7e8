"""``archive history``: a branch's stars, category and level period by period, with its flags.

Read in one transaction; branches are told apart by township and name (``name_key``), so the
same name in two townships is two branches. A county's whole history is hundreds of thousands
of standings: this module imports only what history needs, and shares what repeats.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branchctl.archive import store
from branchctl.archive.db import open_archive
from branchctl.errors import BranchctlError
from branchctl.forms.townships import township_key
from branchctl.forms.values import name_key
from branchctl.io.collector import collector_paused
from branchctl.rules.history import BranchHistory, Standing, flags_of
from branchctl.rules.periods import Period, parse_period

BranchKey = int  # a branch's id in the archive: a name within a township


# ------------------------------------------------------------------------------ history


@dataclass
class HistoryReport:
    periods: list[Period]  # every period of the archive, in order
    branches: list[BranchHistory]

    def to_json(self) -> dict[str, Any]:
        return {"branches": [b.to_json() for b in self.branches]}

    def json_text(self, per_piece: int = 1000) -> Iterator[str]:
        """``to_json()`` as compact JSON text (``json.dumps``'s), in consecutive pieces of
        ``per_piece`` branches: made fast for a county (see :meth:`BranchHistory.json_text`)."""
        yield '{"branches": ['
        for i in range(0, len(self.branches), per_piece):
            piece = ", ".join(b.json_text() for b in self.branches[i : i + per_piece])
            yield piece if i == 0 else ", " + piece
        yield "]}"


@dataclass
class Loaded:
    periods: list[Period]
    standings: dict[BranchKey, list[Standing]]  # in period order
    # as written in the branch's newest period, in the order of the county ledger (by
    # township, then place in the file)
    labels: dict[BranchKey, store.BranchLabel]


def load_standings(conn: Any, upto: Period | None = None, branch: str | None = None) -> Loaded:
    """Every branch's standings, period by period (so each branch's come in order); branches
    that stood alike in a period share one Standing."""
    rows = store.periods(conn)
    if upto is not None:
        rows = [p for p in rows if p.sort <= upto.sort]
    periods = [parse_period(p.key) for p in rows]
    key_filter = name_key(branch) if branch else None
    standings: dict[BranchKey, list[Standing]] = {}
    for index, (row, period) in enumerate(zip(rows, periods, strict=True)):
        alike: dict[tuple[Any, ...], Standing] = {}
        for key, stars, category, level, weak, adjusted, reason in store.standings(
            conn, [row.id], key_filter
        ):
            shared = (stars, category, level, weak, adjusted, reason)
            standing = alike.get(shared)
            if standing is None:
                standing = alike[shared] = Standing(
                    period, index, stars, category, level, bool(weak), bool(adjusted), reason
                )
            own = standings.get(key)
            if own is None:
                standings[key] = [standing]
            else:
                own.append(standing)
    labels: dict[BranchKey, store.BranchLabel] = {}
    read = 0  # periods read: beyond the newest, labels come in out of the ledger's order
    for p in reversed(rows):  # newest first: a branch is shown as last written
        if len(labels) == len(standings):
            break
        read += 1
        for label in store.branch_labels(conn, p.id, key_filter):
            if label.branch_id not in labels:
                labels[label.branch_id] = label
    if read > 1:
        ordered = sorted(labels.values(), key=lambda b: (b.township_key, b.sheet, b.row))
        labels = {b.branch_id: b for b in ordered}
    return Loaded(periods, standings, labels)


def branch_histories(db: Path, branch: str | None = None, org: str | None = None) -> HistoryReport:
    """Stars, category and level per period of one branch (by name), of every branch of an
    organisation, or of every branch, with the rule flags."""
    with collector_paused():
        return _histories(db, branch, org)


def _histories(db: Path, branch: str | None, org: str | None) -> HistoryReport:
    with open_archive(db, create=False) as archive, archive.transaction() as conn:
        loaded = load_standings(conn, branch=branch)
    labels = list(loaded.labels.values())
    if org is not None:
        wanted = township_key(org)
        labels = [
            b for b in labels if wanted in (township_key(b.township), township_key(b.party_org))
        ]
    if not labels:
        what = f"党支部“{branch}”" if branch else "党支部"
        where = f"（{org}）" if org else ""
        raise BranchctlError(f"档案中没有{what}{where}的评定记录")
    # Branches that stood alike period by period hold the same shared Standings: their flags
    # are worked out once (a county has a few thousand such runs for tens of thousands).
    flags: dict[tuple[int, ...], list[str]] = {}
    histories = []
    for label in labels:
        own = loaded.standings[label.branch_id]
        run = tuple(map(id, own))
        found = flags.get(run)
        if found is None:
            found = flags[run] = flags_of(own)
        histories.append(
            BranchHistory(
                label.name, label.party_org or label.township, label.township, own, list(found)
            )
        )
    return HistoryReport(loaded.periods, histories)
