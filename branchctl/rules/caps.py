"""Caps: stars at most N when a condition holds (群众满意度 < 60%) or a column has an entry
(被列为软弱涣散). A cap is a ceiling: it lowers stars, never raises them; the lowest cap that
holds wins. Category and level then follow from the capped stars, as always."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.tables import Table
from branchctl.forms.values import parse_negative
from branchctl.rules.indicators import condition_holds
from branchctl.rules.results import CapHit
from branchctl.rules.rubric import Rubric
from branchctl.rules.schemes import Cap


@dataclass(slots=True)
class Capped:
    stars: int
    hits: list[CapHit] = field(default_factory=list)  # every cap that holds
    capped_from: int | None = None  # the stars before, where a cap lowered them
    # what a clerk should know, as findings to be (code, column, fields: data/findings.toml)
    notes: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)


def apply_caps(
    rubric: Rubric,
    table: Table,
    values: dict[str, Any],
    stars: int,
    satisfaction: float | None,
    as_of: dt.date,
) -> Capped:
    """The caps of ``rubric`` that hold for one row (its ``values``), and the stars after them."""
    out = Capped(stars)
    if not rubric.caps:
        return out
    known = {rubric.satisfaction.column: satisfaction} if rubric.satisfaction else None
    for cap in rubric.caps:
        hit = _hit(cap, rubric, table, values, as_of, known)
        if hit is not None:
            out.hits.append(hit)
    if out.hits:
        lowest = min(out.hits, key=lambda h: h.max_stars)
        if lowest.max_stars < stars:
            out.capped_from = stars
            out.stars = lowest.max_stars
            fields = {"reason": lowest.reason(), "before": stars, "after": lowest.max_stars}
            out.notes.append(("stars-capped", lowest.column, fields))
    return out


def _hit(
    cap: Cap,
    rubric: Rubric,
    table: Table,
    values: dict[str, Any],
    as_of: dt.date,
    known: dict[str, float | None] | None,
) -> CapHit | None:
    """The cap as it holds for one row, or None; a condition that cannot be judged (its cell
    blank, its column absent) does not hold."""
    if cap.column is not None:
        entry = parse_negative(values.get(cap.column))
        if entry is None:
            return None
        return CapHit(cap.text, cap.max_stars, cap.column, f"“{cap.column}”为“{entry}”")
    seen = []
    for comp in cap.when:
        holds, what = condition_holds(comp, table, values, as_of, rubric.column_kinds, known)
        if not holds:
            return None
        seen.append(what)
    return CapHit(cap.text, cap.max_stars, cap.when[0].column, "，".join(seen))
