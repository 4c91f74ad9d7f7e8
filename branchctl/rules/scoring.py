"""Scores and points: reading score cells, monthly points sheets, deduction items, ranking.

``月有得分、季有晋星`` (seed 003): points accumulate month by month; stars are judged on the
total at the last quarter end. Every points sheet is one year: the year starts from zero.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.spec import forms_data, normalize_text
from branchctl.forms.values import BadValue, cell_text, is_blank
from branchctl.rules.rubric import MONTHS, Points, months_completed

_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)(?:分)?$")
_ENTRY_SPLIT = re.compile(r"[、，,；;\n]+")
_COUNT_TEXT = re.compile(r"^(\d+)(?:项|个|次|条)?$")
_YEAR = re.compile(r"(20\d\d|19\d\d)年")


def parse_number(value: Any) -> float | None:
    """18, 18.5, '１８分', '-2' -> a number; blank -> None; anything else raises BadValue."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue("不是有效的分数，应填写数字，如“18”")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise BadValue("不是有效的分数")
        return float(value)
    text = normalize_text(cell_text(value)).replace("−", "-").replace("－", "-")
    m = _NUMBER.match(text)
    if not m:
        raise BadValue("不是有效的分数，应填写数字，如“18”或“8.5”")
    return float(m.group(1))


def parse_percent(value: Any) -> float | None:
    """A rate in percent: '85%', '８５．５％', 85.5 -> 85.5; a number up to 1 without '%' is a
    fraction (0.855, as Excel keeps a percent cell) -> 85.5; blank -> None; anything else, or
    a rate above 100%, raises BadValue."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue("不是有效的百分比，应填写如“85%”")
    if isinstance(value, int | float):
        number, fraction = float(value), value <= 1
    else:
        text = normalize_text(cell_text(value))
        try:
            number = parse_number(text.removesuffix("%")) or 0.0
        except BadValue:
            raise BadValue("不是有效的百分比，应填写如“85%”或“85.5”") from None
        fraction = not text.endswith("%") and number <= 1
    rate = number * 100 if fraction else number
    if not 0 <= rate <= 100 + 1e-9 or not math.isfinite(rate):
        raise BadValue("百分比应在0%至100%之间")
    return rate


def number_text(value: float | None) -> str:
    """18.0 -> '18', 8.5 -> '8.5', 73.3333 -> '73.33': two decimals at most, as in the JSON."""
    shown = json_number(value)
    return "" if shown is None else str(shown)


def json_number(value: float | None) -> int | float | None:
    """18.0 -> 18, 94.799999 -> 94.8, 86.9999 -> 87: two decimals at most."""
    if value is None:
        return None
    shown = round(float(value), 2)
    return int(shown) if shown.is_integer() else shown


def deduction_entries(value: Any, column: str) -> list[str]:
    """The items written in a 减星项 cell: '无' -> [], 2 -> two items, 'a、b' -> ['a', 'b']."""
    if is_blank(value):
        return []
    if isinstance(value, int | float) and not isinstance(value, bool):
        n = int(value) if float(value).is_integer() and value > 0 else 0
        return [column] * n
    text = cell_text(value)
    norm = normalize_text(text)
    empty = forms_data().negative_empty
    if norm in empty or text in empty or norm in ("0", "0项"):
        return []
    m = _COUNT_TEXT.match(norm)
    if m:
        return [column] * int(m.group(1))
    return [
        part.strip()
        for part in _ENTRY_SPLIT.split(text)
        if part.strip() and part.strip() not in empty
    ]


# ------------------------------------------------------------------------------- points


@dataclass(frozen=True)
class PointsPeriod:
    """Which months count for a points sheet at the as-of date."""

    year: int | None  # the sheet's year, from its title (2025年度…)
    months: int  # months whose points make the score: 0..12
    star_months: int  # months whose points make the stars: the last quarter end
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "months": self.months, "star_months": self.star_months}


def points_period(title: str | None, as_of: dt.date) -> PointsPeriod:
    """Months counted: those completed by ``as_of``; stars move only at quarter ends.

    A sheet titled with an earlier year counts in full (that year is over); a later year
    counts nothing yet.
    """
    m = _YEAR.search(normalize_text(title or ""))
    year = int(m.group(1)) if m else None
    note = None
    if year is not None and year < as_of.year:
        months = 12
        note = f"积分表为{year}年度，核对日期在其后，按全年12个月计"
    elif year is not None and year > as_of.year:
        months = 0
        note = f"积分表为{year}年度，核对日期尚未到该年度，得分按0计"
    else:
        months = months_completed(as_of)
    return PointsPeriod(year, months, months // 3 * 3, note)


@dataclass
class RowPoints:
    """One row of a points sheet, read."""

    months: dict[int, float] = field(default_factory=dict)  # month (1..12) -> points
    added: float = 0.0
    subtracted: float = 0.0
    bad: list[str] = field(default_factory=list)  # columns whose cell is not a number

    def total(self, through: int) -> float:
        """Points of months 1..through, plus what is added, minus what is subtracted."""
        months = sum(v for m, v in self.months.items() if m <= through)
        return months + self.added - self.subtracted

    def sheet_total(self) -> float:
        return self.total(12)


def read_points(value_of: Callable[[str], Any], points: Points) -> RowPoints:
    """Read a row through ``value_of(column)``; unreadable cells are listed in ``bad``."""
    row = RowPoints()
    for m, column in enumerate(MONTHS, 1):
        number = _number(value_of(column), column, row.bad)
        if number is not None:
            row.months[m] = number
    for column in points.add:
        row.added += abs(_number(value_of(column), column, row.bad) or 0.0)
    for column in points.subtract:
        row.subtracted += abs(_number(value_of(column), column, row.bad) or 0.0)
    return row


def _number(raw: Any, column: str, bad: list[str]) -> float | None:
    try:
        return parse_number(raw)
    except BadValue:
        bad.append(column)
        return None


# ------------------------------------------------------------------------------- ranking


def competition_ranks(keys: Sequence[tuple[float, ...]]) -> list[int]:
    """Ranks for keys, highest first; equal keys share a rank (1, 2, 2, 4)."""
    order = sorted(range(len(keys)), key=lambda i: keys[i], reverse=True)
    ranks = [0] * len(keys)
    for pos, i in enumerate(order):
        if pos and keys[i] == keys[order[pos - 1]]:
            ranks[i] = ranks[order[pos - 1]]
        else:
            ranks[i] = pos + 1
    return ranks
