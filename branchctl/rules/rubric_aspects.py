"""Reading a rubric's columns, aspects, indicator rules, points and star thresholds."""

from __future__ import annotations

from typing import Any

from branchctl.forms.spec import forms_data, match_header, normalize_header
from branchctl.rules.conditions import NUMBER_OPS, OPERATORS, Comparison, Indicator
from branchctl.rules.rubric import Aspect, Points
from branchctl.rules.rubric_checker import (
    COLUMN_KINDS,
    MAX_ASPECTS,
    MAX_RULES,
    NUMERIC_KINDS,
    TEXT_KINDS,
    Checker,
    shown,
    type_name,
)

# ------------------------------------------------------------------------------- columns


def parse_columns(check: Checker, data: dict[str, Any]) -> None:
    raw = check.table(data.get("columns", {}), "columns")
    index = forms_data().header_index
    for name, spec in raw.items():
        where = f"columns.{name}."
        if normalize_header(name) in index:
            raise check.fail(
                f"columns.{name}",
                f"“{name}”已是标准列（{index[normalize_header(name)]}），不必再定义",
            )
        spec = check.table(spec, f"columns.{name}")
        check.known(spec, where, {"aliases", "kind"})
        check.kinds[name] = check.choice(spec, "kind", where, COLUMN_KINDS, "count")
        for text in (name, *check.texts(spec, "aliases", where)):
            key = normalize_header(text)
            taken = index.get(key) or check.extra.get(key)
            if taken is not None and taken != name:
                raise check.fail(
                    f"{where}aliases", f"“{text}”已是“{taken}”列的写法，不能再指“{name}”"
                )
            check.extra[key] = name


def declared_aliases(check: Checker) -> list[tuple[str, tuple[str, ...]]]:
    out: dict[str, list[str]] = {}
    for key, name in check.extra.items():
        if key != normalize_header(name):
            out.setdefault(name, []).append(key)
        else:
            out.setdefault(name, [])
    return [(n, tuple(a)) for n, a in out.items()]


# ------------------------------------------------------------------------------- aspects


def parse_aspects(check: Checker, data: dict[str, Any]) -> tuple[Aspect, ...]:
    aspects: list[Aspect] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(check.tables(data, "aspects", "", MAX_ASPECTS), 1):
        where = f"aspects[{i}]."
        check.known(
            raw, where, {"name", "aliases", "judge", "pass_mark", "max_score", "indicators"}
        )
        name = check.text(raw, "name", where)
        aliases = check.texts(raw, "aliases", where)
        for text in (name, *aliases):
            key = normalize_header(text)
            clash = match_header(text, check.extra)
            if clash is not None:
                raise check.fail(
                    f"{where}{'name' if text == name else 'aliases'}",
                    f"“{text}”是“{clash}”列的写法，不能作方面名称",
                )
            if key in seen:
                raise check.fail(
                    f"{where}{'name' if text == name else 'aliases'}",
                    f"“{text}”与方面“{seen[key]}”重复",
                )
            seen[key] = name
        judge = check.choice(raw, "judge", where, ("mark", "score", "indicators"), "mark")
        pass_mark = max_score = None
        if judge == "score":
            if "pass_mark" not in raw:
                raise check.fail(f"{where}pass_mark", '缺少此项：judge = "score" 的方面需要及格分')
            pass_mark = check.number(raw["pass_mark"], f"{where}pass_mark")
            if "max_score" in raw:
                max_score = check.number(raw["max_score"], f"{where}max_score")
                if max_score <= 0 or max_score < pass_mark:
                    raise check.fail(f"{where}max_score", f"应为正数且不小于及格分 {pass_mark:g}")
        else:
            for key in ("pass_mark", "max_score"):
                if key in raw:
                    raise check.fail(f"{where}{key}", '只在 judge = "score"（计分）时使用')
        indicators = _indicators(check, raw, where)
        if judge == "indicators" and not indicators:
            raise check.fail(
                f"{where}indicators", '缺少此项：judge = "indicators" 的方面至少要有一条指标'
            )
        aspects.append(Aspect(name, aliases, judge, pass_mark, max_score, indicators))
    return tuple(aspects)


def _indicators(check: Checker, raw: dict[str, Any], where: str) -> tuple[Indicator, ...]:
    out = []
    for j, rule in enumerate(check.tables(raw, "indicators", where, MAX_RULES), 1):
        at = f"{where}indicators[{j}]."
        check.known(rule, at, {"column", "instead", "op", "value", "prorate", "when", "text"})
        test = parse_comparison(check, rule, at)
        when = parse_conditions(check, rule.get("when", []), f"{at}when")
        out.append(Indicator(test, when, optional_text(check, rule, "text", at)))
    return tuple(out)


def parse_conditions(check: Checker, raw: Any, key: str) -> tuple[Comparison, ...]:
    """``when``: one condition table, or a list of them (all must hold)."""
    when_raw = [raw] if isinstance(raw, dict) else raw
    if not isinstance(when_raw, list) or not all(isinstance(w, dict) for w in when_raw):
        raise check.fail(key, '应为条件表，如 { column = "正式党员", op = ">=", value = 7 }')
    when = []
    for k, cond in enumerate(when_raw, 1):
        cat = f"{key}[{k}]." if len(when_raw) > 1 else f"{key}."
        check.known(cond, cat, {"column", "instead", "op", "value", "prorate"})
        when.append(parse_comparison(check, cond, cat))
    return tuple(when)


def optional_text(check: Checker, raw: dict[str, Any], key: str, where: str) -> str:
    """An optional free text (a rule as the clerk reads it); blank when absent."""
    text = raw.get(key, "")
    if not isinstance(text, str):
        raise check.fail(f"{where}{key}", f"应为文本，现为{type_name(text)}")
    if len(text) > 500:
        raise check.fail(f"{where}{key}", "文本过长（超过500字）")
    return text.strip()


def parse_comparison(check: Checker, raw: dict[str, Any], at: str) -> Comparison:
    if "column" not in raw:
        raise check.fail(f"{at}column", "缺少此项，应为列名")
    column = check.column(raw["column"], f"{at}column")
    instead = check.columns(raw, "instead", at)
    op = check.choice(raw, "op", at, OPERATORS, None)
    if "value" not in raw:
        raise check.fail(f"{at}value", "缺少此项")
    value = raw["value"]
    kinds = {check.kind(c) for c in (column, *instead)}
    parsed: float | tuple[float, float] | tuple[str, ...]
    if op in NUMBER_OPS or op == "between":
        if not kinds <= set(NUMERIC_KINDS):
            raise check.fail(f"{at}op", f"“{column}”不是数字列，不能用 {op} 比较")
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise check.fail(
                    f"{at}value", f"between 应为两个数字 [下限, 上限]，现为{shown(value)}"
                )
            lo, hi = (check.number(v, f"{at}value") for v in value)
            if lo > hi:
                raise check.fail(f"{at}value", "下限不能大于上限")
            parsed = (lo, hi)
        else:
            parsed = check.number(value, f"{at}value")
    elif op in ("in", "not-in"):
        if not kinds <= set(TEXT_KINDS):
            raise check.fail(f"{at}op", f"“{column}”不是文本列，不能用 {op}")
        parsed = check.texts(raw, "value", at)
        if not parsed:
            raise check.fail(f"{at}value", "应至少列出一个值")
    else:  # within-years
        if kinds != {"date"}:
            raise check.fail(f"{at}op", f"“{column}”不是日期列，不能用 within-years")
        parsed = check.number(value, f"{at}value")
        if parsed <= 0:
            raise check.fail(f"{at}value", "应为正数（年数）")
    if kinds == {"percent"}:  # only number comparisons take a percent column
        _percent_values(check, column, parsed, f"{at}value")
    prorate = check.boolean(raw, "prorate", at)
    if prorate and op not in (">=", ">"):
        raise check.fail(f"{at}prorate", "只能用于 >= 或 > 的年度次数要求")
    unit = "%" if kinds == {"percent"} else ""
    return Comparison(column, op, parsed, instead, prorate, unit)


def _percent_values(check: Checker, column: str, value: Any, at: str) -> None:
    """A percent column is compared in percent: 60 is 60%. 0.6 (a fraction, as Excel shows a
    percent cell) would be 0.6% and a cap on it would never hold."""
    for v in value if isinstance(value, tuple) else (value,):
        if 0 < v < 1:
            raise check.fail(
                at, f"“{column}”是百分比列，按百分数写，如 60 表示60%；现为 {v:g}，即{v:g}%"
            )
        if not 0 <= v <= 100:
            raise check.fail(at, f"“{column}”是百分比列，应为0至100之间的数，现为 {v:g}")


def parse_points(check: Checker, data: dict[str, Any]) -> Points | None:
    if "points" not in data:
        return None
    raw = check.table(data["points"], "points")
    check.known(raw, "points.", {"add", "subtract", "month_max"})
    add = check.columns(raw, "add", "points.") if "add" in raw else ("加分",)
    subtract = check.columns(raw, "subtract", "points.") if "subtract" in raw else ("减分",)
    for column in (*add, *subtract):
        if check.kind(column) not in ("score", "count"):
            raise check.fail(
                "points.add" if column in add else "points.subtract", f"“{column}”不是数字列"
            )
    month_max = None
    if "month_max" in raw:
        month_max = check.number(raw["month_max"], "points.month_max")
        if month_max <= 0:
            raise check.fail("points.month_max", "应为正数")
    return Points(add, subtract, month_max)


def parse_thresholds(
    check: Checker, stars: dict[str, Any], max_stars: int
) -> tuple[tuple[float, ...], tuple[tuple[float, int], ...]]:
    """The total each star needs: ``thresholds`` (1 star … max), or score ``bands`` as a county
    writes them (95 分以上五星 … ; a star count no band names is never given)."""
    if "bands" in stars:
        if "thresholds" in stars:
            raise check.fail("stars.bands", "与 thresholds 只能写一个")
        return _star_bands(check, stars["bands"], max_stars)
    raw = stars.get("thresholds")
    if not isinstance(raw, list) or len(raw) != max_stars:
        raise check.fail(
            "stars.thresholds",
            f"应为 {max_stars} 个数字（依次为1星至{max_stars}星所需的总分），现为{shown(raw) if raw is not None else '缺少此项'}"
            "；也可以用 bands 按分数段写",
        )
    values = tuple(check.number(v, "stars.thresholds") for v in raw)
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise check.fail("stars.thresholds", "应从小到大排列，且不能相同")
    return values, ()


def _star_bands(
    check: Checker, raw: Any, max_stars: int
) -> tuple[tuple[float, ...], tuple[tuple[float, int], ...]]:
    key = "stars.bands"
    example = "如 [{ min = 95, stars = 5 }, { min = 85, stars = 4 }]"
    if not isinstance(raw, list) or not raw or not all(isinstance(b, dict) for b in raw):
        raise check.fail(key, f"应为分数段的列表，{example}，现为{shown(raw)}")
    bands: list[tuple[float, int]] = []
    for i, band in enumerate(raw, 1):
        at = f"{key}[{i}]."
        check.known(band, at, {"min", "stars"})
        if "min" not in band:
            raise check.fail(f"{at}min", "缺少此项，应为达到这一档的最低分")
        lowest = check.number(band["min"], f"{at}min")
        count = check.integer(band, "stars", at, 1, max_stars)
        if any(s == count for _, s in bands):
            raise check.fail(f"{at}stars", f"{count}星已有分数段")
        bands.append((lowest, count))
    bands.sort(key=lambda b: b[1])
    if any(hi[0] <= lo[0] for lo, hi in zip(bands, bands[1:], strict=False)):
        raise check.fail(key, "星级越高，所需分数应越高")
    if bands[-1][1] != max_stars:
        raise check.fail(key, f"没有得{max_stars}星（max_stars）的分数段")
    thresholds = tuple(min(m for m, s in bands if s >= n) for n in range(1, max_stars + 1))
    return thresholds, tuple(sorted(bands, reverse=True))
