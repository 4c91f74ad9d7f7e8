"""A branch across periods: its changes (授星 / 摘星 / 持平) and the county's rules over time.

The rules (seed 000, 002; counties publish them in their 通报):

* ``weak-twice``: in the weakest category (软弱涣散) in two consecutive periods — the county
  sends a 第一书记;
* ``below-three-two-years``: below three stars in two consecutive years, a year judged by the
  branch's standing in the last period of that year the archive holds — named in the 通报;
* ``star-jump``: up more than one star from the period before without a recorded reason (an
  adjustment with its reason, e.g. a 破格 promotion) — stars go up one level at a time.

"Consecutive" periods are neighbours in the archive's list of periods: a branch missing from a
period breaks the run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from branchctl.archive.store import CurrentRating
from branchctl.rules.periods import Period
from branchctl.rules.submissions import StatusReport
from branchctl.text import json_safe

FLAGS: dict[str, str] = {
    "weak-twice": "连续两期软弱涣散",
    "below-three-two-years": "连续两年低于三星",
    "star-jump": "比上期升星超过一星且没有记录理由",
}
CHANGES = ("授星", "摘星", "持平", "新增")
_quoted = json.encoder.encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False)
_FLAG_TEXTS: dict[tuple[str, ...], str] = {}  # flags -> their JSON text, made once


def change(previous: int | None, stars: int) -> str:
    """授星 (up), 摘星 (down), 持平, or 新增 when there is nothing before."""
    if previous is None:
        return "新增"
    return "授星" if stars > previous else "摘星" if stars < previous else "持平"


@dataclass(frozen=True, slots=True)
class Standing:
    """A branch in one period, as it counts (adjusted where the clerk decided).

    Immutable, so that a county's history can share one object among every branch that stood
    alike in a period (a few hundred of them for hundreds of thousands of standings).
    """

    period: Period
    index: int  # the period's position in the archive's periods
    stars: int
    category: str
    level: str
    weak: bool  # the rubric's lowest category
    adjusted: bool = False
    reason: str | None = None
    json: dict[str, Any] = field(init=False, compare=False, hash=False, repr=False)
    json_text: str = field(init=False, compare=False, hash=False, repr=False)  # json_safe

    def __post_init__(self) -> None:
        data = {
            "period": self.period.key,
            "stars": self.stars,
            "category": self.category,
            "level": self.level,
            "adjusted": self.adjusted,
        }
        object.__setattr__(self, "json", data)
        object.__setattr__(self, "json_text", json_safe(json.dumps(data, ensure_ascii=False)))


@dataclass
class BranchHistory:
    name: str
    party_org: str
    township: str
    standings: list[Standing]  # in period order
    flags: list[str] = field(default_factory=list)

    def changes(self) -> list[str | None]:
        """Per standing, the change from the branch's standing before (None for the first)."""
        out: list[str | None] = [None]
        for before, now in zip(self.standings, self.standings[1:], strict=False):
            out.append(change(before.stars, now.stars))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "party_org": self.party_org,
            "periods": [s.json for s in self.standings],
            "flags": list(self.flags),
        }

    def json_text(self) -> str:
        """``to_json()`` as ``json.dumps(…, ensure_ascii=False)`` writes it, made safe to print
        (:func:`branchctl.text.json_safe`), put together from texts made once per shared
        standing: a county's history is tens of megabytes of it."""
        periods = ", ".join(s.json_text for s in self.standings)
        key = tuple(self.flags)
        flags = _FLAG_TEXTS.get(key)
        if flags is None:
            flags = _FLAG_TEXTS[key] = json.dumps(self.flags)
        return (
            f'{{"name": {json_safe(_quoted(self.name))}, '
            f'"party_org": {json_safe(_quoted(self.party_org))}, '
            f'"periods": [{periods}], "flags": {flags}}}'
        )


def flags_of(standings: Sequence[Standing]) -> list[str]:
    """The rules a branch's standings (in period order) break, in FLAGS order."""
    weak_twice = star_jump = below_three = False
    before = None
    year_end: dict[int, int] = {}  # year -> stars in the year's last period held
    for now in standings:
        if before is not None and now.index == before.index + 1:
            weak_twice = weak_twice or (before.weak and now.weak)
            star_jump = star_jump or (now.stars - before.stars > 1 and not now.adjusted)
        year_end[now.period.year] = now.stars  # in order: the last of a year stands for it
        before = now
    for year, stars in year_end.items():
        last_year = year_end.get(year - 1)
        if last_year is not None and last_year < 3 and stars < 3:
            below_three = True
    found = {"weak-twice": weak_twice, "below-three-two-years": below_three, "star-jump": star_jump}
    return [f for f in FLAGS if found[f]]


def branch_history(
    name: str, party_org: str, township: str, standings: Sequence[Standing]
) -> BranchHistory:
    ordered = sorted(standings, key=lambda s: s.index)
    return BranchHistory(name, party_org, township, ordered, flags_of(ordered))


# ------------------------------------------------------------------------------ a period


@dataclass
class LedgerRow:
    """One branch of a period's county ledger."""

    rating: CurrentRating
    previous: int | None  # stars in the period before (None: not rated then)
    change: str  # 授星, 摘星, 持平, 新增
    flags: list[str]


@dataclass
class PeriodPicture:
    period: Period
    previous: Period | None
    rubric: dict[str, Any]  # the archive's record of the rubric (see jobs.archive.archive_rubric)
    rows: list[LedgerRow]
    gone: list[CurrentRating]  # rated in the period before, not in this one
    status: StatusReport
    trend: list[tuple[Period, str, int, str, int]]  # (period, township, stars, category, count)

    def changes_by_township(self) -> list[tuple[str, Counter[str]]]:
        """授星, 摘星, 持平, 新增 and 撤销 counted per township, in ledger order."""
        out: dict[str, Counter[str]] = {}
        for row in self.rows:
            out.setdefault(row.rating.township, Counter())[row.change] += 1
        for r in self.gone:
            out.setdefault(r.township, Counter())["撤销"] += 1
        return list(out.items())
