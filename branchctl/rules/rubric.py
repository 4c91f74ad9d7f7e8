"""Rating schemes as data: a rubric is a TOML file, read and checked, never executed.

Built-in rubrics live in ``branchctl/rubrics/*.toml``; ``--rubric`` takes a built-in name or a
path. This module holds the rubric's model and finds rubrics; :mod:`branchctl.rules.rubric_file`
turns TOML into the model, checking every key (a bad rubric raises BranchctlError naming the
key and the fault).

A rubric says what is rated (branches, or members) and how: its aspects, each judged by a mark,
a score against a pass mark, or indicator rules (column, comparison, threshold:
:mod:`branchctl.rules.conditions`); stars as the count of aspects met or from a total against
thresholds or score bands; star/total -> category and level; the 达标 rule; veto and deduction
columns; quotas on categories; a ranking; and what county schemes add
(:mod:`branchctl.rules.schemes`): weighted parts, the satisfaction poll, caps, shares, proof.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from branchctl.forms.spec import normalize_header, normalize_text
from branchctl.rules.conditions import Indicator, num_text
from branchctl.rules.schemes import (
    ROUNDING_TEXT,
    Cap,
    Evidence,
    Part,
    Satisfaction,
    Share,
    percent_text,
    share_count,
)

if TYPE_CHECKING:
    from branchctl.forms.tables import Table

DEFAULT_RUBRIC = "six-star"
MAX_RUBRIC_BYTES = 256 * 1024  # a rubric is a page or two of text; anything larger is refused
MONTHS = tuple(f"{m}月" for m in range(1, 13))


@dataclass(frozen=True)
class Aspect:
    name: str
    aliases: tuple[str, ...]
    judge: str = "mark"  # "mark" | "score" | "indicators"
    pass_mark: float | None = None  # score: met at or above
    max_score: float | None = None  # score: highest allowed
    indicators: tuple[Indicator, ...] = ()

    @property
    def needs_column(self) -> bool:
        """Whether a sheet must carry this aspect's own column to be rated."""
        return self.judge != "indicators"


@dataclass(frozen=True)
class Band:
    """A category or level and what earns it: star counts, a minimum total, or categories."""

    name: str
    stars: frozenset[int]
    aliases: tuple[str, ...]
    min_total: float | None = None
    min_stars: int = 0  # with min_total: also needs this many stars
    categories: tuple[str, ...] = ()  # levels only: the categories that map to this level
    fill: str | None = None  # categories only: the row fill of the rated copy, hex RGB "C6EFCE"


@dataclass(frozen=True)
class Quota:
    """At most ``max_share`` of the rated branches in ``category``; the rest fall to ``fall_to``."""

    category: str
    max_share: float
    fall_to: str
    rounding: str = "floor"  # floor | round | ceil

    def limit(self, total: int) -> int:
        return share_count(total, self.max_share, self.rounding)

    def share_text(self) -> str:
        return percent_text(self.max_share)

    def rounding_text(self) -> str:
        return ROUNDING_TEXT[self.rounding]


@dataclass(frozen=True)
class Points:
    """A points sheet: one column per month (1月…12月), plus columns added and subtracted."""

    add: tuple[str, ...] = ("加分",)
    subtract: tuple[str, ...] = ("减分",)
    month_max: float | None = None  # a month's points above this are reported


@dataclass(frozen=True)
class ExtraColumn:
    """A column the rubric uses that the standard forms do not define."""

    name: str
    aliases: tuple[str, ...]
    kind: str  # count | score | text | date


@dataclass(frozen=True)
class Rubric:
    name: str
    title: str
    description: str
    entity: str  # "branch" | "member"
    key_column: str
    max_stars: int
    star_method: str  # "count" | "total"
    aspects: tuple[Aspect, ...]
    categories: tuple[Band, ...]
    levels: tuple[Band, ...]
    standard_rule: str  # "all-aspects" | "min-stars"
    standard_min_stars: int | None
    veto_columns: tuple[str, ...]
    veto_category: str | None
    veto_level: str | None
    source: str
    thresholds: tuple[float, ...] = ()  # total method: the total for 1, 2, … max_stars stars
    prorate: bool = False  # total method: thresholds are yearly, scaled to the months counted
    deduct_columns: tuple[str, ...] = ()  # each entry takes one star
    quotas: tuple[Quota, ...] = ()
    ranking: tuple[str, ...] = ()  # "stars", "score": rank by these, highest first
    points: Points | None = None
    columns: tuple[ExtraColumn, ...] = ()
    member: Rubric | None = None  # the same scheme for member sheets (key 党员姓名)
    bands: tuple[tuple[float, int], ...] = ()  # [stars] bands as written: (lowest score, stars)
    parts: tuple[Part, ...] = ()  # weighted parts of the total (基础项 70% + 评议项 30%)
    satisfaction: Satisfaction | None = None
    caps: tuple[Cap, ...] = ()
    shares: tuple[Share, ...] = ()
    evidence: Evidence = Evidence()
    text: str = field(default="", repr=False, compare=False)  # the TOML as written

    @property
    def aspect_names(self) -> list[str]:
        return [a.name for a in self.aspects]

    def aspect(self, name: str) -> Aspect:
        for a in self.aspects:
            if a.name == name:
                return a
        raise KeyError(name)

    def aspect_headers(self) -> dict[str, str]:
        """Normalised header text -> canonical name, for the columns this rubric brings: its
        aspects, and any columns it declares under ``[columns]`` (shared: do not change)."""
        return self._aspect_headers

    @cached_property
    def _aspect_headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for column in self.columns:
            for text in (column.name, *column.aliases):
                out[normalize_header(text)] = column.name
        for variant in (self, self.member):
            if variant is None:
                continue
            for aspect in variant.aspects:
                for text in (aspect.name, *aspect.aliases):
                    out[normalize_header(text)] = aspect.name
        return out

    @cached_property
    def column_kinds(self) -> dict[str, str]:
        """The kind of each column declared under ``[columns]`` (count, date, enum…)."""
        return {c.name: c.kind for c in self.columns}

    @cached_property
    def uses_scores(self) -> bool:
        return any(a.judge == "score" for a in self.aspects)

    @cached_property
    def has_total(self) -> bool:
        """Whether branches get a total: the sum of scored aspects, or points."""
        return self.points is not None or self.uses_scores or bool(self.parts)

    @property
    def category_by(self) -> str:
        return _selector(self.categories)

    @property
    def level_by(self) -> str:
        return _selector(self.levels)

    def category_for(self, stars: int, total: float | None = None) -> str:
        return _band_for(self.categories, stars, total)

    def level_for(self, stars: int, total: float | None = None, category: str | None = None) -> str:
        if self.level_by == "categories":
            if category is None:
                category = self.category_for(stars, total)
            for band in self.levels:
                if category in band.categories:
                    return band.name
            return ""
        return _band_for(self.levels, stars, total)

    def category_labels(self) -> dict[str, str]:
        """Normalised spellings of the categories -> their names (shared: do not change)."""
        return self._category_labels

    def level_labels(self) -> dict[str, str]:
        """Normalised spellings of the levels -> their names (shared: do not change)."""
        return self._level_labels

    @cached_property
    def _category_labels(self) -> dict[str, str]:
        return _labels(self.categories)

    @cached_property
    def _level_labels(self) -> dict[str, str]:
        return _labels(self.levels)

    def lowest_category(self) -> str:
        return self.category_for(0, -math.inf)

    def lowest_level(self) -> str:
        return self.level_for(0, -math.inf, self.lowest_category())

    def for_table(self, table: Table) -> Rubric:
        """The variant that rates ``table``: the member variant where it lists members."""
        member = self.member
        if member is None or not table.has(member.key_column):
            return self
        if table.form.key == "member_points" or not table.has(self.key_column):
            return member
        return self

    def required_columns(self) -> list[str]:
        """The columns a sheet must carry, besides the key column, to be rated."""
        return [a.name for a in self.aspects if a.needs_column]

    def stars_for_total(self, total: float, months: int = 12) -> int:
        """Stars from a total: the number of thresholds reached (scaled when ``prorate``)."""
        scale = months / 12 if self.prorate else 1.0
        return sum(1 for t in self.thresholds if total >= t * scale - 1e-9)

    def summary_line(self) -> str:
        """One line for `branchctl rubric list`."""
        return f"{self.title}：{self.description}" if self.description else self.title

    def json_extras(self) -> tuple[str, ...]:
        """Keys a rated branch's JSON carries beyond SPEC's, for this rubric."""
        return self._json_extras

    @cached_property
    def _json_extras(self) -> tuple[str, ...]:
        keys: list[str] = []
        if self.points is not None:
            keys += ["entity", "score", "star_score", "deductions"]
        elif self.has_total:
            keys += ["score", "scores", "claimed_score"]
        if self.deduct_columns and "deductions" not in keys:
            keys.append("deductions")
        if self.ranking:
            keys.append("rank")
        if self.quotas:
            keys.append("quota")
        if self.parts:
            keys.append("parts")
        if self.satisfaction is not None:
            keys.append("satisfaction")
        if self.caps:
            keys += ["caps", "capped_from"]
        if self.evidence.claims:
            keys.append("evidence_missing")
        return tuple(keys)


def _selector(bands: tuple[Band, ...]) -> str:
    if bands and bands[0].categories:
        return "categories"
    if bands and bands[0].min_total is not None:
        return "total"
    return "stars"


def _band_for(bands: tuple[Band, ...], stars: int, total: float | None) -> str:
    if _selector(bands) == "total":
        ordered = sorted(bands, key=lambda b: b.min_total or 0.0, reverse=True)
        value = -math.inf if total is None else total
        for band in ordered:
            if value >= (band.min_total or 0.0) - 1e-9 and stars >= band.min_stars:
                return band.name
        return ordered[-1].name
    for band in bands:
        if stars in band.stars:
            return band.name
    return ""


def _labels(bands: tuple[Band, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for band in bands:
        for text in (band.name, *band.aliases):
            out[normalize_text(text)] = band.name
    return out


def months_completed(as_of: dt.date) -> int:
    """Months of ``as_of``'s year completed by that date: June 30 -> 6, June 29 -> 5."""
    following = as_of + dt.timedelta(days=1)
    return as_of.month if following.month != as_of.month else as_of.month - 1


def describe_rubric(rubric: Rubric) -> str:
    """One Chinese line saying what a rubric rates and how (for `rubric check`)."""
    what = "党员" if rubric.entity == "member" else "党支部"
    n = len(rubric.aspects)
    if rubric.points is not None:
        how = "按月积分，季度末按累计得分定星"
    elif rubric.parts:
        how = "、".join(p.describe() for p in rubric.parts) + "加权计分"
        how += "，按总分分档定星" if rubric.star_method == "total" else "，每达标一个方面一星"
    elif rubric.star_method == "total":
        how = f"{n}项打分，按总分定星"
    elif rubric.uses_scores:
        how = f"{n}项打分，每项达到及格分一星"
    else:
        how = f"{n}个方面，每达标一个方面一星"
    if rubric.bands:
        how += "（" + "、".join(f"{num_text(m)}分以上{n}星" for m, n in rubric.bands) + "）"
    if rubric.category_by == "total":
        how += f"，按总分定{'、'.join(b.name for b in rubric.categories)}"
    extra = []
    if rubric.quotas:
        extra.append("，".join(f"{q.category}不超过{q.share_text()}" for q in rubric.quotas))
    for label, rules in (("封顶", rubric.caps), ("比例要求", rubric.shares)):
        if rules:
            extra.append(f"{label}{len(rules)}条")
    if rubric.evidence.claims:
        extra.append(f"佐证要求{len(rubric.evidence.claims)}条")
    if rubric.member is not None:
        extra.append("也可评定党员")
    tail = f"；{'；'.join(extra)}" if extra else ""
    return f"{rubric.title}（{rubric.name}）：评定{what}，{how}，0至{rubric.max_stars}星{tail}"


def as_json(rubric: Rubric) -> dict[str, Any]:
    """A plain summary of a rubric (for `rubric list --json`)."""
    return {
        "name": rubric.name,
        "title": rubric.title,
        "description": rubric.description,
        "entity": rubric.entity,
        "max_stars": rubric.max_stars,
        "aspects": rubric.aspect_names,
        "categories": [b.name for b in rubric.categories],
        "levels": [b.name for b in rubric.levels],
    }
