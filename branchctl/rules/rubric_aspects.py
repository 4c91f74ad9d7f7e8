"""Reading a rubric's columns, aspects, indicator rules, points and star thresholds."""

from __future__ import annotations

from typing import Any

from branchctl.forms.spec import forms_data, match_header, normalize_header
from branchctl.rules.rubric import (
    NUMBER_OPS,
    OPERATORS,
    Aspect,
    Comparison,
    Indicator,
    Points,
)
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
        when_raw = rule.get("when", [])
        if isinstance(when_raw, dict):
            when_raw = [when_raw]
        if not isinstance(when_raw, list) or not all(isinstance(w, dict) for w in when_raw):
            raise check.fail(
                f"{at}when", '应为条件表，如 { column = "正式党员", op = ">=", value = 7 }'
            )
        when = []
        for k, cond in enumerate(when_raw, 1):
            cat = f"{at}when[{k}]." if len(when_raw) > 1 else f"{at}when."
            check.known(cond, cat, {"column", "instead", "op", "value", "prorate"})
            when.append(parse_comparison(check, cond, cat))
        text = rule.get("text", "")
        if not isinstance(text, str):
            raise check.fail(f"{at}text", f"应为文本，现为{type_name(text)}")
        out.append(Indicator(test, tuple(when), text.strip()))
    return tuple(out)


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
    prorate = check.boolean(raw, "prorate", at)
    if prorate and op not in (">=", ">"):
        raise check.fail(f"{at}prorate", "只能用于 >= 或 > 的年度次数要求")
    return Comparison(column, op, parsed, instead, prorate)


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


def parse_thresholds(check: Checker, stars: dict[str, Any], max_stars: int) -> tuple[float, ...]:
    raw = stars.get("thresholds")
    if not isinstance(raw, list) or len(raw) != max_stars:
        raise check.fail(
            "stars.thresholds",
            f"应为 {max_stars} 个数字（依次为1星至{max_stars}星所需的总分），现为{shown(raw) if raw is not None else '缺少此项'}",
        )
    values = tuple(check.number(v, "stars.thresholds") for v in raw)
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise check.fail("stars.thresholds", "应从小到大排列，且不能相同")
    return values
