"""Judging one row: what is gathered while a row is rated (:class:`RowState`), what its
rating-relevant cells give (:class:`RowVerdict`, shared by every row with the same cells),
the values that remember which columns were read (:class:`Reads`), one aspect judged by its
mark, score or indicators, and the claims read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.tables import Table
from branchctl.forms.values import (
    BadValue,
    is_blank,
    parse_label,
    parse_mark,
)
from branchctl.rules.indicators import Verdict as IndicatorVerdict
from branchctl.rules.indicators import carried_rules, judge_indicators
from branchctl.rules.results import (
    CapHit,
    Disagreement,
    ProofGap,
)
from branchctl.rules.rubric import Aspect
from branchctl.rules.scoring import (
    number_text,
    parse_number,
)


@dataclass(slots=True)
class RowState:
    """What is gathered while rating one row."""

    met: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    bad_hints: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)

    def note(self, code: str, column: str | None = None, **fields: Any) -> None:
        self.notes.append((code, column, fields))


Note = tuple[str, str | None, dict[str, Any]]  # a finding to be: code, column, fields


@dataclass(slots=True)
class RowVerdict:
    """What a row's rating-relevant cells give, whatever its name and place (shared by every
    row with the same cells). Its lists and dicts (and its RowState's) are shared by every
    branch given this verdict, not copied: they are never changed once rated."""

    stars: int
    category: str
    level: str
    standard: bool
    veto: str | None
    row: RowState
    score: float | None
    star_score: float | None
    claimed_score: float | None
    claimed_stars: int | None
    claimed_category: str | None
    claimed_level: str | None
    claimed_in: dict[str, str]
    deductions: list[str]
    parts: dict[str, float]
    satisfaction: float | None
    caps: list[CapHit]
    capped_from: int | None
    proof: list[ProofGap]


class Reads(dict[str, Any]):
    """A row's values that remember which columns outside the memo key were read, so that a
    memoised verdict is reused only for rows equal in those columns too."""

    __slots__ = ("keyed", "read", "whole")

    def __init__(self, values: dict[str, Any], keyed: frozenset[str]) -> None:
        super().__init__(values)
        self.keyed = keyed
        self.read: dict[str, None] = {}  # in the order first read
        self.whole = False  # read as a whole (iterated, counted): no reuse by columns

    def _saw(self, key: Any) -> None:
        if key not in self.keyed:
            self.read[key] = None

    def get(self, key: Any, default: Any = None) -> Any:
        self._saw(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._saw(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self._saw(key)
        return super().__contains__(key)

    def _all(self) -> None:
        self.whole = True

    def __iter__(self) -> Any:
        self._all()
        return super().__iter__()

    def __len__(self) -> int:
        self._all()
        return super().__len__()

    def keys(self) -> Any:
        self._all()
        return super().keys()

    def values(self) -> Any:
        self._all()
        return super().values()

    def items(self) -> Any:
        self._all()
        return super().items()

    def copy(self) -> dict[str, Any]:
        self._all()
        return dict(super().items())


def judge_aspect(
    aspect: Aspect,
    table: Table,
    values: dict[str, Any],
    row: RowState,
    as_of: dt.date,
    kinds: dict[str, str],
    verdict: IndicatorVerdict | None = None,
) -> None:
    """Judge one aspect of a row: by mark, score or indicators (``verdict``, when already
    judged); note what the data says."""
    name = aspect.name
    if verdict is None and aspect.indicators and carried_rules(aspect, table):
        verdict = judge_indicators(aspect, table, values, as_of, kinds)
    computed = verdict.ok if verdict is not None else None
    claimed: bool | None = None  # the mark, or the score against the pass mark
    if name in table.columns:
        raw = values.get(name)
        try:
            if aspect.judge == "score":
                claimed = _score(aspect, raw, row)
            else:
                claimed = parse_mark(raw)
        except BadValue as e:
            bad_value(name, str(e), row)
            if aspect.judge != "indicators" or computed is None:
                row.unmet.append(name)
                return
        else:
            if claimed is None and (aspect.judge != "indicators" or computed is None):
                row.blank.append(name)
                row.unmet.append(name)
                row.note("mark-blank", name, what="得分" if aspect.judge == "score" else "")
                return

    if aspect.judge == "indicators" and computed is not None:
        met = computed
        if claimed is not None and claimed != computed:
            _disagree(row, aspect, claimed, computed, verdict)
    elif claimed is not None:
        met = claimed
        if claimed and computed is False:
            _disagree(row, aspect, claimed, computed, verdict)
    else:  # judged by indicators, none of which could be judged, and no mark
        met = False
        row.blank.append(name)
        row.note("no-indicator-data", name)
    (row.met if met else row.unmet).append(name)


def _score(aspect: Aspect, raw: Any, row: RowState) -> bool | None:
    score = parse_number(raw)
    if score is None:
        return None
    if score < 0 or (aspect.max_score is not None and score > aspect.max_score + 1e-9):
        top = f"0至{number_text(aspect.max_score)}" if aspect.max_score is not None else "不小于0"
        raise BadValue(f"得分超出范围，应为{top}分")
    row.scores[aspect.name] = score
    return score >= (aspect.pass_mark or 0.0) - 1e-9


def _disagree(row: RowState, aspect: Aspect, claimed: bool, computed: bool, verdict: Any) -> None:
    d = Disagreement(aspect.name, claimed, computed, list(verdict.failures), list(verdict.columns))
    row.disagreements.append(d)
    row.note("indicator-disagrees", aspect.name, detail=d.message())


def bad_value(column: str, hint: str, row: RowState) -> None:
    row.bad.append(column)
    row.bad_hints[column] = hint


def claimed_value(raw: Any, column: str, notes: list[Note], parse: Any) -> Any:
    try:
        return parse(raw)
    except BadValue as e:
        notes.append(("claim-unreadable", column, {"hint": str(e)}))
        return None


def claimed_labels(
    values: dict[str, Any],
    categories: dict[str, str],
    levels: dict[str, str],
    notes: list[Note],
    claimed_in: dict[str, str],
) -> tuple[str | None, str | None]:
    """The claimed category and level. A claim is read by what it says: a grade (A) written
    in an 等级 column (an alias of 等次) is a category claim, and the other way round."""
    claimed: dict[str, str | None] = {"定级类别": None, "等次": None}
    for column, own, other, other_column in (
        ("定级类别", categories, levels, "等次"),
        ("等次", levels, categories, "定级类别"),
    ):
        raw = values.get(column)
        if is_blank(raw):
            continue
        try:
            value = parse_label(raw, own)
            target = column
        except BadValue as e:
            try:
                value = parse_label(raw, other)
                target = other_column
            except BadValue:
                notes.append(("claim-unreadable", column, {"hint": str(e)}))
                continue
        if claimed[target] is None:
            claimed[target] = value
            if target != column:
                claimed_in[target] = column
    return claimed["定级类别"], claimed["等次"]
