"""Ranking rated branches: the rank column of a rubric with ranking, and the 倒排 (the weakest)."""

from __future__ import annotations

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


def bottom_ranking(
    branches: list[BranchRating], n: int, overdue: dict[str, int] | None = None
) -> list[BranchRating]:
    """The n weakest branches: fewest stars, then most unmet aspects, then most overdue tasks."""
    overdue = overdue or {}
    ranked = sorted(
        branches,
        key=lambda b: (b.stars, -len(b.unmet), -overdue.get(name_key(b.name), 0), b.sheet, b.row),
    )
    return ranked[:n] if n else []
