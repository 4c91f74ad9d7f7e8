"""A period's submissions: which township stands where (未报送 / 退回修改 / 已通过, late or
not), and what a resubmission fixed (已改正 / 仍存在 / 新出现).

The rules:

* the submission that counts is a township's newest; its errors decide 退回修改 or 已通过;
* late (逾期): the township's first submission came in after the deadline, or none has come
  and the deadline is past (a resubmission after the deadline is not late: it was asked for);
* two submissions' findings are the same problem when they have the same code, sheet, branch
  and column (:func:`finding_key`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from branchctl.archive.store import FindingRow, SubmissionRow
from branchctl.forms.values import name_key
from branchctl.rules.periods import Period

STATES = ("未报送", "退回修改", "已通过")


@dataclass
class TownshipStatus:
    name: str
    state: str  # one of STATES
    submissions: int
    last: str | None  # date the newest submission came in
    late: bool
    errors: int  # errors of the submission that counts
    on_roster: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "submissions": self.submissions,
            "last": self.last,
            "late": self.late,
            "errors": self.errors,
        }


@dataclass
class StatusReport:
    period: Period
    deadline: dt.date | None
    townships: list[TownshipStatus] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period.key, "townships": [t.to_json() for t in self.townships]}


def township_statuses(
    period: Period,
    roster: Sequence[tuple[str, str]],
    submissions: Sequence[SubmissionRow],
    deadline: dt.date | None,
    today: dt.date,
) -> StatusReport:
    """One line per township: the roster's in order, then any other that sent a file."""
    by_key: dict[str, list[SubmissionRow]] = {}
    for s in submissions:
        by_key.setdefault(s.township_key, []).append(s)
    listed = {key for _, key in roster}
    names = [(name, key, True) for name, key in roster]
    names += [
        (s.township, s.township_key, False) for s in submissions if s.township_key not in listed
    ]
    report = StatusReport(period, deadline)
    seen: set[str] = set()
    for name, key, on_roster in names:
        if key in seen:
            continue
        seen.add(key)
        own = by_key.get(key, [])
        if not own:
            late = deadline is not None and today > deadline
            report.townships.append(TownshipStatus(name, "未报送", 0, None, late, 0, on_roster))
            continue
        first, newest = own[0], own[-1]
        late = deadline is not None and dt.date.fromisoformat(first.received_on) > deadline
        state = "退回修改" if newest.errors else "已通过"
        report.townships.append(
            TownshipStatus(
                name, state, len(own), newest.received_on, late, newest.errors, on_roster
            )
        )
    return report


def finding_key(f: FindingRow) -> tuple[Any, ...]:
    """What makes findings of two submissions the same problem: code, sheet, branch and
    column — not the row (a row inserted above moves it) nor the message (it quotes the value,
    which may change without being fixed). A finding on a row without a branch name is placed
    by its row."""
    where = ("branch", name_key(f.branch)) if f.branch else ("row", f.row)
    return (f.code, f.sheet, where, f.column)


def compare_findings(
    before: Sequence[FindingRow], now: Sequence[FindingRow]
) -> tuple[list[FindingRow], list[FindingRow], list[FindingRow]]:
    """(fixed, remaining, new): fixed are ``before``'s, the others ``now``'s. The same problem
    twice counts twice: two bad dates of a branch, one corrected, leave one remaining."""
    left = Counter(finding_key(f) for f in before)
    remaining, new = [], []
    for f in now:
        key = finding_key(f)
        if left[key]:
            left[key] -= 1
            remaining.append(f)
        else:
            new.append(f)
    still = Counter(finding_key(f) for f in now)
    fixed = []
    for f in before:
        key = finding_key(f)
        if still[key]:
            still[key] -= 1
        else:
            fixed.append(f)
    return fixed, remaining, new
