"""A branch's total as counties weigh it: parts (基础项 70% + 评议项 30%) and the satisfaction
poll (满意 / 比较满意 / 基本满意 / 不满意 votes -> a rate in percent).

Without parts the total is the scored aspects summed, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.values import BadValue, cell_text, is_blank, parse_count
from branchctl.rules.rubric import Rubric
from branchctl.rules.schemes import Satisfaction
from branchctl.rules.scoring import number_text, parse_percent

RATE_TOLERANCE = 0.5  # percentage points a written rate may differ from the tallies' by
COUNT_HINT = "不是有效的票数，应填写非负整数"


@dataclass(slots=True)
class Weighed:
    """What weighing one row gives."""

    total: float  # the weighted total (or the scores summed)
    parts: dict[str, float] = field(default_factory=dict)  # part -> its score
    satisfaction: float | None = None  # percent, unrounded (shown with 2 decimals)
    # what a clerk should know, as findings to be (code, column, fields: data/findings.toml)
    notes: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)  # (column, why) unreadable


def weigh(rubric: Rubric, scores: dict[str, float], values: dict[str, Any]) -> Weighed:
    """The total of one row: its ``scores`` by part and weight, and its satisfaction rate,
    read from the row's ``values`` (canonical column -> raw value)."""
    if not rubric.parts and rubric.satisfaction is None:  # the common case
        return Weighed(sum(scores.values()))
    out = Weighed(0.0)
    if rubric.satisfaction is not None:
        out.satisfaction = _satisfaction(rubric.satisfaction, values, out)
    if not rubric.parts:
        out.total = sum(scores.values())
        return out
    for part in rubric.parts:
        if part.satisfaction:
            value = out.satisfaction
            if value is None:
                out.notes.append(("satisfaction-missing", _column(rubric), {"part": part.name}))
                value = 0.0
        else:
            value = sum(scores.get(a, 0.0) for a in part.aspects)
        out.parts[part.name] = value
        out.total += part.weight * value
    out.total = round(out.total, 6)  # 0.7 × 88 + 0.3 × 90 is 88.6, not 88.59999999999999
    return out


def _column(rubric: Rubric) -> str:
    assert rubric.satisfaction is not None
    return rubric.satisfaction.column


def _satisfaction(sat: Satisfaction, values: dict[str, Any], out: Weighed) -> float | None:
    """The rate from the tallies where the row has any, else the rate as written."""
    written = None
    raw = values.get(sat.column)
    try:
        written = parse_percent(raw)
    except BadValue as e:
        out.bad.append((sat.column, str(e)))
    votes = 0
    weighted = 0.0
    counted = False
    for tally in sat.tallies:
        cell = values.get(tally.column)
        if is_blank(cell):
            continue
        try:
            n = parse_count(cell) or 0
        except BadValue:
            out.bad.append((tally.column, COUNT_HINT))
            continue
        counted = True
        votes += n
        weighted += n * tally.weight
    if not counted:
        return written
    if any(column != sat.column for column, _ in out.bad):
        return None
    if votes == 0:
        out.notes.append(("votes-zero", sat.column, {}))
        return None
    # Unrounded: 22 of 30 votes is 73.33…%, and 0.7 × 90 + 0.3 × 73.33… is 85 (四星), where
    # 73.33 would give 84.999 (三星). Shown and written to JSON with 2 decimals.
    rate = weighted / votes * 100
    if written is not None and abs(written - rate) > RATE_TOLERANCE:
        written_text = {"written": cell_text(raw), "rate": number_text(rate)}
        out.notes.append(("satisfaction-recomputed", sat.column, written_text))
    return rate
