"""What county schemes add to a rubric: weighted parts and the satisfaction poll (how the total
is made), caps, shares both ways and proof (what a grade may be, and needs).

Plain data read from the rubric file (:mod:`branchctl.rules.rubric_extras`); applied by
:mod:`branchctl.rules.parts`, :mod:`~branchctl.rules.caps`, :mod:`~branchctl.rules.shares` and
:mod:`~branchctl.rules.evidence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from branchctl.rules.conditions import Comparison

ROUNDING_TEXT = {"floor": "向下取整", "round": "四舍五入", "ceil": "向上取整"}


def share_count(total: int, share: float, rounding: str) -> int:
    """How many of ``total`` branches ``share`` (0-1) is, rounded as a rubric says."""
    exact = total * share
    if rounding == "ceil":
        return math.ceil(exact - 1e-9)
    if rounding == "round":
        return math.floor(exact + 0.5)
    return math.floor(exact + 1e-9)


def percent_text(share: float) -> str:
    """0.1 -> '10%'."""
    return f"{share * 100:.4g}%"


@dataclass(frozen=True)
class Part:
    """A weighted part of the total (基础项 70%): its scored aspects summed, or the
    satisfaction rate taken as a score out of 100."""

    name: str
    weight: float  # 0-1; the parts' weights sum to 1
    aspects: tuple[str, ...] = ()
    satisfaction: bool = False

    def describe(self) -> str:
        return f"{self.name}{percent_text(self.weight)}"


@dataclass(frozen=True)
class Tally:
    """One count of a satisfaction poll (满意 …) and what each vote counts for (0-1)."""

    column: str
    weight: float


@dataclass(frozen=True)
class Satisfaction:
    """群众满意度, in percent: from the poll's tallies where the sheet has them (each vote
    weighted, over all votes), else the rate as written in ``column``."""

    column: str  # a declared column of kind "percent"; also names the rate in caps
    tallies: tuple[Tally, ...] = ()


@dataclass(frozen=True)
class Grade:
    """What a share or a proof rule speaks of: some star counts, a category, or a level."""

    by: str  # "stars" | "category" | "level"
    stars: frozenset[int] = frozenset()
    name: str = ""

    def holds(self, stars: int, category: str | None, level: str | None) -> bool:
        if self.by == "stars":
            return stars in self.stars
        return (category if self.by == "category" else level) == self.name

    def text(self) -> str:
        if self.by == "stars":
            return "、".join(str(s) for s in sorted(self.stars, reverse=True)) + "星"
        return self.name

    @property
    def column(self) -> str:
        """The claim column a township writes this grade in."""
        return {"stars": "星级", "category": "定级类别", "level": "等次"}[self.by]


@dataclass(frozen=True)
class Cap:
    """Stars at most ``max_stars`` where every ``when`` holds, or where ``column`` has any
    entry (是, a reason; blank, 无 and 否 are none)."""

    max_stars: int
    text: str
    when: tuple[Comparison, ...] = ()
    column: str | None = None


@dataclass(frozen=True)
class Share:
    """A share of the rated branches in a grade, reported (never enforced by moving branches):
    at least ``min_share``, at most ``max_share``, or about ``target``; over the branches of
    the ``types`` (支部类型) given, or of every type but ``except_types``."""

    grade: Grade
    min_share: float | None = None
    max_share: float | None = None
    target: float | None = None
    types: tuple[str, ...] = ()
    except_types: tuple[str, ...] = ()
    rounding: str | None = None  # default: ceil for a minimum, floor for a maximum, round

    def kinds(self) -> list[tuple[str, float]]:
        """("min" | "max" | "target", share) for each bound this share sets."""
        pairs = (("min", self.min_share), ("max", self.max_share), ("target", self.target))
        return [(kind, value) for kind, value in pairs if value is not None]

    def rounding_for(self, kind: str) -> str:
        return self.rounding or {"min": "ceil", "max": "floor", "target": "round"}[kind]

    def scope_text(self) -> str:
        if self.types:
            return "、".join(self.types)
        if self.except_types:
            return f"{'、'.join(self.except_types)}以外"
        return ""


@dataclass(frozen=True)
class ProofRule:
    """A branch standing at ``grade`` (as claimed, or as computed where nothing is claimed)
    needs ``columns`` filled."""

    grade: Grade
    columns: tuple[str, ...]
    text: str = ""


@dataclass(frozen=True)
class Evidence:
    """Proof: a task 已完成 or 销号 without ``closed`` filled is not closed; ``claims``."""

    closed: tuple[str, ...] = ("佐证材料",)
    claims: tuple[ProofRule, ...] = ()
