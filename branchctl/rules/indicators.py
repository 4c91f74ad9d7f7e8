"""Indicator rules: judging an aspect from the data behind it (counts, dates, types).

A rule is a declared comparison (``正式党员 >= 3``) with optional conditions (``when 正式党员 >=
7``). A rule whose column is absent from the sheet, or whose cell is blank, is not applicable:
the aspect is judged by what can be judged, and by nothing when nothing can.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.spec import column_kind, normalize_text
from branchctl.forms.tables import Table
from branchctl.forms.values import (
    BadValue,
    cell_text,
    is_blank,
    parse_count,
    parse_date,
    parse_enum,
)
from branchctl.rules.conditions import Comparison
from branchctl.rules.rubric import Aspect, months_completed
from branchctl.rules.scoring import number_text, parse_number, parse_percent


@dataclass(slots=True)
class Verdict:
    """What an aspect's indicators say about one row."""

    ok: bool | None = None  # None: no rule could be judged
    failures: list[str] = field(default_factory=list)  # each failed rule, with the values seen
    columns: list[str] = field(default_factory=list)  # the columns of the failed rules
    unreadable: list[str] = field(default_factory=list)  # columns whose cell could not be read


def judge_indicators(
    aspect: Aspect,
    table: Table,
    values: dict[str, Any],
    as_of: dt.date | None = None,
    kinds: dict[str, str] | None = None,
) -> Verdict:
    """Apply every indicator rule of ``aspect`` to one data row of ``table``, whose cells are
    ``values`` (canonical column -> raw value, as :meth:`Table.row_values` reads them)."""
    as_of = as_of or dt.date.today()
    verdict = Verdict()
    unreadable = verdict.unreadable
    for rule, conditions, test in _steps(aspect, table, kinds, as_of):
        applies = True
        for cond in conditions:
            if _compare(cond, values, unreadable)[0] is not True:
                applies = False
                break
        if not applies:
            continue
        result, column, seen = _compare(test, values, unreadable)
        if result is None:
            continue
        if result:
            verdict.ok = True if verdict.ok is None else verdict.ok
        else:
            verdict.ok = False
            verdict.failures.append(f"{rule.describe()}（{seen}）")
            if column and column not in verdict.columns:
                verdict.columns.append(column)
    return verdict


# A comparison as one table reads it: the comparison, the columns it may read (its own, then
# stand-ins) and their kinds, its memo of the values judged, the as-of date (see _plan).
Planned = tuple[Comparison, tuple[str, ...], tuple[str, ...], dict[Any, Any], dt.date]
Step = tuple[Any, tuple[Planned, ...], Planned]  # a rule, its conditions, its test


def _steps(
    aspect: Aspect, table: Table, kinds: dict[str, str] | None, as_of: dt.date
) -> tuple[Step, ...]:
    """The rules of ``aspect`` the table carries, each comparison planned (worked out once per
    table, not per row)."""
    key = ("indicator-steps", aspect.name)
    found = table.cache.get(key)
    if found is None or found[0] is not aspect or found[1] is not kinds or found[2] != as_of:

        def planned(comp: Comparison) -> Planned:
            return (comp, *_plan(comp, table, kinds, as_of), as_of)

        steps = tuple(
            (rule, tuple(map(planned, rule.when)), planned(rule.test))
            for rule in carried_rules(aspect, table)
        )
        found = table.cache[key] = (aspect, kinds, as_of, steps)
    steps_found: tuple[Step, ...] = found[3]
    return steps_found


def carried_rules(aspect: Aspect, table: Table) -> list[Any]:
    """The aspect's rules whose data the table carries (worked out once per table and aspect:
    kept under the aspect object, so another rubric's aspect of the same name never gets them)."""
    key = ("indicator-rules", id(aspect))
    kept = table.cache.get(key)
    if kept is None or kept[0] is not aspect:
        rules = [
            rule
            for rule in aspect.indicators
            if any(table.has(c) for c in (rule.test.column, *rule.test.instead))
        ]
        kept = table.cache[key] = (aspect, rules)
    return kept[1]


def _plan(
    comp: Comparison, table: Table, kinds: dict[str, str] | None, as_of: dt.date
) -> tuple[tuple[str, ...], tuple[str, ...], dict[Any, tuple[bool | None, str, bool]]]:
    """For ``comp`` in ``table``: the columns it may read (its own, then stand-ins), their
    kinds, and a memo of the values judged so far (the same few values, 12, 农村, 2023年5月,
    fill a column), all kept for the table."""
    plans: dict[int, Any] = table.cache.setdefault("indicator-plans", {})
    plan = plans.get(id(comp))
    if plan is None or plan[0] is not comp or plan[1] is not kinds or plan[2] != as_of:
        present = tuple(c for c in (comp.column, *comp.instead) if table.has(c))
        found = tuple((kinds or {}).get(c) or column_kind(c) for c in present)
        plan = plans[id(comp)] = (
            comp,
            kinds,
            as_of,
            present,
            found,
            _values_judged(comp, kinds, as_of),
        )
    return plan[3], plan[4], plan[5]


# What a comparison made of each value, kept for the process rather than a table: the same
# counts and dates fill the next file's columns. A value's judgement depends on the comparison,
# its column and the column's kind (``kinds``, else forms.toml), and the as-of date: the memo
# is kept under the comparison and ``kinds`` objects (held, so their ids stay theirs) and the
# date, and is keyed by column and value. Bounded: past VALUES_CAP values, or _COMPS_CAP
# comparisons, it is forgotten.
VALUES_CAP = 4096
_COMPS_CAP = 256
_judged: dict[Any, tuple[Comparison, Any, dict[Any, Any]]] = {}


def _values_judged(
    comp: Comparison, kinds: dict[str, str] | None, as_of: dt.date
) -> dict[Any, tuple[bool | None, str, bool]]:
    key = (id(comp), id(kinds), as_of)
    found = _judged.get(key)
    if found is None or found[0] is not comp or found[1] is not kinds:
        if len(_judged) >= _COMPS_CAP:
            _judged.clear()
        found = _judged[key] = (comp, kinds, {})
    return found[2]


def _compare(
    planned: Planned, values: dict[str, Any], unreadable: list[str]
) -> tuple[bool | None, str | None, str]:
    """(holds?, the column read, what was seen) — holds is None when it cannot be judged.

    The column read is the comparison's own, or where it is absent or blank, a stand-in.
    """
    comp, present, present_kinds, memo, as_of = planned
    if not present:
        return None, None, ""
    i = 0
    if len(present) > 1:  # the first stand-in filled, where the column's own cell is blank
        for k, c in enumerate(present):
            if not is_blank(values.get(c)):
                i = k
                break
    column = present[i]
    raw = values.get(column)
    if raw is None or (type(raw) is str and not raw.strip()):  # is_blank
        return None, column, ""
    key = (column, type(raw), raw)
    found = memo.get(key)
    if found is None:
        if len(memo) >= VALUES_CAP:
            memo.clear()
        found = memo[key] = _judge_value(comp, column, present_kinds[i], raw, as_of)
    holds, seen, bad = found
    if bad and column not in unreadable:
        unreadable.append(column)
    return holds, column, seen


def _judge_value(
    comp: Comparison, column: str, kind: str, raw: Any, as_of: dt.date
) -> tuple[bool | None, str, bool]:
    """(holds?, what was seen, unreadable?) for one non-blank value of ``column``; what was
    seen is written out only when the rule fails (it goes into the warning)."""
    try:
        value = _read(raw, column, kind, as_of)
    except BadValue:
        return None, "", True
    if value is None:
        return None, "", False
    holds, note = _holds(comp, value, as_of)
    return holds, (f"{column}为{_shown(value)}{comp.unit}{note}" if not holds else ""), False


def _holds(comp: Comparison, value: Any, as_of: dt.date) -> tuple[bool, str]:
    """Whether ``comp`` holds for a value read; a note on a prorated threshold."""
    op = comp.op
    if op == "within-years":
        assert isinstance(value, dt.date)
        return _years_later(value, comp.number) >= as_of, ""
    if op in ("in", "not-in"):
        inside = normalize_text(value) in {normalize_text(v) for v in comp.texts}
        return (inside if op == "in" else not inside), ""
    if op == "between":
        lo, hi = comp.bounds
        return lo <= float(value) <= hi, ""
    target = comp.number
    note = ""
    if comp.prorate:
        months = months_completed(as_of)
        target = math.floor(target * months / 12 + 1e-9)
        note = f"，截至{months}月应{'不少于' if op == '>=' else '多于'}{target:g}"
    return _NUMBER_OPS[op](float(value), target), note


def condition_holds(
    comp: Comparison,
    table: Table,
    values: dict[str, Any],
    as_of: dt.date,
    kinds: dict[str, str] | None = None,
    known: dict[str, float | None] | None = None,
) -> tuple[bool | None, str]:
    """Whether ``comp`` holds for one row, and what was seen (“群众满意度为55%”); None when it
    cannot be judged (its column absent, blank or unreadable). ``known``: values worked out
    elsewhere (the satisfaction rate from the poll's tallies), by column, read first."""
    if known is not None and comp.column in known:
        column, value = comp.column, known[comp.column]
    else:
        present, present_kinds, _ = _plan(comp, table, kinds, as_of)
        found = [
            (c, k)
            for c, k in zip(present, present_kinds, strict=True)
            if not is_blank(values.get(c))
        ]
        if not found:
            return None, ""
        column, kind = found[0]
        try:
            value = _read(values.get(column), column, kind, as_of)
        except BadValue:
            return None, ""
    if value is None:
        return None, ""
    holds, note = _holds(comp, value, as_of)
    return holds, f"{column}为{_shown(value)}{comp.unit}{note}"


_NUMBER_OPS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


def _read(raw: Any, column: str, kind: str, as_of: dt.date) -> Any:
    if kind == "count":
        return parse_count(raw)
    if kind in ("score", "serial"):
        return parse_number(raw)
    if kind == "percent":
        return parse_percent(raw)
    if kind == "date":
        deadline = parse_date(raw, as_of)
        return deadline.date if deadline is not None else None
    if kind == "enum":
        try:
            return parse_enum(raw, column)
        except BadValue:
            return cell_text(raw)
    return cell_text(raw)


def _years_later(date: dt.date, years: float) -> dt.date:
    if float(years).is_integer():
        y = date.year + int(years)
        try:
            return date.replace(year=y)
        except ValueError:  # 29 February
            return date.replace(year=y, day=28)
    return date + dt.timedelta(days=round(365.25 * years))


def _shown(value: Any) -> str:
    """A value as the warning shows it: 12, 8.5, 2021年5月20日, 农村."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, int | float):
        return number_text(float(value))
    return str(value)
