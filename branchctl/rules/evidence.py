"""Evidence a grade needs: a branch standing at a top grade (as claimed, or as computed where the
submission claims nothing) needs its proof columns filled (申报五星须附佐证材料).

The other half of evidence — a task 已完成 or 销号 without 佐证材料 is not closed — is a
finding of ``validate`` (:mod:`branchctl.checks.evidence`): it looks at the 附件4 ledger, not at
a rated row.
"""

from __future__ import annotations

from typing import Any

from branchctl.forms.values import is_blank
from branchctl.rules.results import ProofGap
from branchctl.rules.rubric import Rubric


def missing_proof(
    rubric: Rubric,
    values: dict[str, Any],
    computed: tuple[int, str, str],
    claims: tuple[int | None, str | None, str | None],
) -> list[ProofGap]:
    """The proof one row (its ``values``) leaves blank for the grade it stands at: each of
    stars, category and level as claimed, or as ``computed`` where nothing is claimed."""
    if not rubric.evidence.claims:
        return []
    grade = tuple(c if c is not None else v for c, v in zip(claims, computed, strict=True))
    gaps: list[ProofGap] = []
    for rule in rubric.evidence.claims:
        if not rule.grade.holds(*grade):  # type: ignore[arg-type]
            continue
        named = {c for gap in gaps for c in gap.columns}
        blank = tuple(c for c in rule.columns if is_blank(values.get(c)) and c not in named)
        if blank:
            claimed = claims[("stars", "category", "level").index(rule.grade.by)] is not None
            gaps.append(ProofGap(rule.grade.text(), claimed, blank, rule.text))
    return gaps
