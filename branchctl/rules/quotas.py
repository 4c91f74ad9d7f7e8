"""Quotas on categories (五个基本: A at most 10% of the branches rated).

The rule, decided once and documented in the README: the cap is ``max_share`` of the branches
rated, rounded as the rubric says (floor by default: "不超过" is read literally, so 9 branches
give no A). When more branches earn the category than the cap allows, they are kept from the
highest total down; those over the cap fall to ``fall_to``, lowest total first. Branches tied
on the total at the boundary fall together, so the cap is never exceeded and equal totals are
treated equally: fewer than the cap may keep the category.
"""

from __future__ import annotations

from dataclasses import dataclass

from branchctl.rules.results import BranchRating, QuotaOutcome
from branchctl.rules.results import score_text as _score
from branchctl.rules.rubric import Quota, Rubric


def _key(b: BranchRating) -> tuple[float, int]:
    return (b.score if b.score is not None else float("-inf"), b.stars)


def apply_quotas(branches: list[BranchRating], rubric: Rubric) -> list[QuotaOutcome]:
    """Cap each quota's category over ``branches`` (changed in place); what each cap did."""
    outcomes = []
    for quota in rubric.quotas:
        total = len(branches)
        limit = quota.limit(total)
        candidates = sorted(
            (b for b in branches if b.category == quota.category), key=_key, reverse=True
        )
        outcome = QuotaOutcome(quota, total, limit, len(candidates))
        if len(candidates) > limit:
            kept = candidates[:limit]
            tie = None
            if kept and _key(kept[-1]) == _key(candidates[limit]):
                tie = kept[-1].score
                kept = [b for b in kept if _key(b) != _key(candidates[limit])]
            moved = [b for b in candidates if b not in kept]
            moved.sort(key=_key)  # lowest total first, as the notice lists them
            for b in moved:
                _move(b, quota, rubric, outcome.basis())
            outcome.moved = moved
            outcome.tie_score = tie
        outcomes.append(outcome)
    return outcomes


def _move(b: BranchRating, quota: Quota, rubric: Rubric, basis: str) -> None:
    b.category = quota.fall_to
    b.level = rubric.level_for(b.stars, b.score, quota.fall_to)
    b.quota = f"{quota.category}→{quota.fall_to}"
    b.warn(
        "quota-moved", score=_score(b), category=quota.category, basis=basis, fall_to=quota.fall_to
    )


@dataclass
class ClaimedOverQuota:
    quota: Quota
    claimed: int
    limit: int
    total: int
    branches: list[BranchRating]

    def detail(self) -> str:
        q = self.quota
        return (
            f"自评为{q.category}级的有{self.claimed}个，超过名额：{q.category}级不超过参评总数的"
            f"{q.share_text()}，参评{self.total}个（{q.rounding_text()}）最多{self.limit}个"
        )


def claimed_over_quota(branches: list[BranchRating], rubric: Rubric) -> list[ClaimedOverQuota]:
    """Quotas that the claimed categories exceed (validate: quota-exceeded)."""
    out = []
    for quota in rubric.quotas:
        claiming = [b for b in branches if b.claimed_category == quota.category]
        limit = quota.limit(len(branches))
        if len(claiming) > limit:
            out.append(ClaimedOverQuota(quota, len(claiming), limit, len(branches), claiming))
    return out
