"""Shares of a grade among the rated branches, both ways, reported and never enforced: 后进 at
least 10% of community branches and 5% of the others, 五星 at most 10%, or a target
distribution (10% / 40% / 30% for five, four and three stars).

Each bound says how many branches it asks for, how many stand at the grade, and — where the
bound is missed — which branches are at the border: those nearest to crossing it, ranked by
stars and then total (ties with the last one named are named too); a branch that would have to
rise and cannot (vetoed, or at a cap that holds for it) is not named. For a grade in the upper
half of the scale (五星, 先进) the border is its weakest branches, or the strongest just below
it; for the lower half (后进) its strongest, or the weakest just above it.
"""

from __future__ import annotations

from branchctl.forms.values import BadValue, parse_enum
from branchctl.rules.results import BranchRating, ShareOutcome
from branchctl.rules.rubric import Rubric
from branchctl.rules.schemes import Share, share_count

TYPE_COLUMN = "支部类型"


def measure_shares(
    branches: list[BranchRating], rubric: Rubric, claimed: bool = False
) -> list[ShareOutcome]:
    """Every bound of every share of ``rubric`` over ``branches``: on their computed grades,
    or (``claimed``) on what the submission claims, the computed grade where it claims none."""
    out = []
    for share in rubric.shares:
        members = [b for b in branches if _in_scope(share, b)]
        inside = [b for b in members if _at_grade(share, b, claimed)]
        for kind, value in share.kinds():
            bound = share_count(len(members), value, share.rounding_for(kind))
            outcome = ShareOutcome(share, kind, value, len(members), bound, len(inside))
            outcome.claimed = claimed
            if not outcome.ok:
                outcome.border = _border(share, rubric, members, inside, outcome, claimed)
            out.append(outcome)
    return out


def _in_scope(share: Share, b: BranchRating) -> bool:
    if not share.types and not share.except_types:
        return True
    kind = branch_type(b)
    if share.types:
        return kind in share.types
    return kind not in share.except_types


def branch_type(b: BranchRating) -> str | None:
    """The branch's 支部类型, synonyms resolved (社区 -> 城市社区); None when blank."""
    try:
        return parse_enum(b.type, TYPE_COLUMN)
    except BadValue:
        return b.type


def _grade_of(b: BranchRating, claimed: bool) -> tuple[int, str, str]:
    if not claimed:
        return b.stars, b.category, b.level
    return (
        b.stars if b.claimed_stars is None else b.claimed_stars,
        b.claimed_category or b.category,
        b.claimed_level or b.level,
    )


def _at_grade(share: Share, b: BranchRating, claimed: bool) -> bool:
    return share.grade.holds(*_grade_of(b, claimed))


def _position(share: Share, rubric: Rubric, b: BranchRating, claimed: bool) -> int:
    """Where ``b`` stands against the grade: 1 above it, 0 at it, -1 below (or neither)."""
    stars, category, level = _grade_of(b, claimed)
    grade = share.grade
    if grade.by == "stars":
        if stars in grade.stars:
            return 0
        return 1 if stars > max(grade.stars) else -1 if stars < min(grade.stars) else 2
    names = [band.name for band in (rubric.categories if grade.by == "category" else rubric.levels)]
    own = category if grade.by == "category" else level
    if own not in names:
        return 2
    here, there = names.index(own), names.index(grade.name)  # the bands are listed top first
    return 0 if here == there else 1 if here < there else -1


def _upper(share: Share, rubric: Rubric) -> bool:
    """Whether the grade stands in the upper half of its scale (五星, 先进) or the lower (后进)."""
    grade = share.grade
    if grade.by == "stars":
        return sum(grade.stars) / len(grade.stars) * 2 >= rubric.max_stars
    names = [band.name for band in (rubric.categories if grade.by == "category" else rubric.levels)]
    return names.index(grade.name) * 2 < len(names) - 1


def _held_down(b: BranchRating, claimed: bool) -> bool:
    """Whether ``b`` cannot rise above its grade: vetoed, or a cap that holds for it is already
    reached (软弱涣散 at most 2★ cannot make a 3★ whatever its score)."""
    if b.veto:
        return True
    stars = _grade_of(b, claimed)[0]
    return any(hit.max_stars <= stars for hit in b.caps)


def _strength(b: BranchRating) -> tuple[float, float]:
    return (float(b.stars), b.score if b.score is not None else float("-inf"))


def _border(
    share: Share,
    rubric: Rubric,
    members: list[BranchRating],
    inside: list[BranchRating],
    outcome: ShareOutcome,
    claimed: bool,
) -> list[BranchRating]:
    upper = _upper(share, rubric)
    if outcome.count < outcome.bound:  # too few: the nearest from the side it is taken from
        side = -1 if upper else 1
        pool = [b for b in members if _position(share, rubric, b, claimed) == side]
        if side == -1:  # they would have to rise
            pool = [b for b in pool if not _held_down(b, claimed)]
        need = outcome.bound - outcome.count
        pool.sort(key=_strength, reverse=upper)
    else:  # too many: those at the grade nearest to leaving it
        pool = sorted(inside, key=_strength, reverse=not upper)
        if not upper:  # leaving a low grade is rising
            pool = [b for b in pool if not _held_down(b, claimed)]
        need = outcome.count - outcome.bound
    if need >= len(pool):
        return pool
    last = _strength(pool[need - 1])
    return [b for i, b in enumerate(pool) if i < need or _strength(b) == last]
