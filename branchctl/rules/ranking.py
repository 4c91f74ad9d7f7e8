"""Ranking rated branches: the rank column of a rubric with ranking, and the 倒排 (the weakest)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from branchctl.forms.values import name_key
from branchctl.rules.results import BranchRating
from branchctl.rules.scoring import competition_ranks


def rank(branches: list[BranchRating], by: tuple[str, ...]) -> None:
    """Set ``rank`` on each branch: highest first by ``by`` ("stars", "score"); ties share
    a rank; a vetoed branch ranks after every other whatever its score."""

    def key(b: BranchRating) -> tuple[float, ...]:
        values = [float(b.stars) if k == "stars" else _or_lowest(b.score) for k in by]
        return (0.0 if b.veto else 1.0, *values)

    keys = [key(b) for b in branches]
    for b, r in zip(branches, competition_ranks(keys), strict=True):
        b.rank = r


def _or_lowest(value: float | None) -> float:
    return value if value is not None else float("-inf")


Overdue = Mapping[str, int] | Callable[[BranchRating], int]


def overdue_counter(overdue: Overdue | None) -> Callable[[BranchRating], int]:
    """A branch's overdue tasks: from a map of one workbook's branch names (name_key), or as a
    county counts them (per file: two townships may each have a 机关党支部)."""
    if callable(overdue):
        return overdue
    counts = overdue or {}
    return lambda b: counts.get(name_key(b.name), 0)


def bottom_ranking(
    branches: list[BranchRating], n: int, overdue: Overdue | None = None
) -> list[BranchRating]:
    """The n weakest branches: fewest stars, then most unmet aspects, then most overdue tasks."""
    if not n:
        return []
    late = overdue_counter(overdue)
    ranked = sorted(
        branches,
        key=lambda b: (b.stars, -len(b.unmet), -late(b), b.sheet, b.row),
    )
    return ranked[:n]
