"""Reading a rubric file: TOML text -> :class:`~branchctl.rules.rubric.Rubric`, every key checked.

Nothing in a rubric is executed: values are names, numbers, lists and a fixed set of comparison
operators. Every complaint names the key (``aspects[2].pass_mark``) and says what is wrong, in
one Chinese sentence, raised as BranchctlError(code="bad-rubric").
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from branchctl.errors import TOML_HINT, BranchctlError, toml_where
from branchctl.forms.spec import column_kind, forms_data, match_header, normalize_header
from branchctl.rules.rubric import (
    DEFAULT_RUBRIC,
    MAX_RUBRIC_BYTES,
    NUMBER_OPS,
    OPERATORS,
    Aspect,
    Band,
    Comparison,
    ExtraColumn,
    Indicator,
    Points,
    Quota,
    Rubric,
)

TOP_KEYS = {
    "name", "title", "description", "entity", "key_column", "max_stars", "stars", "aspects",
    "columns", "points", "categories", "levels", "standard", "veto", "deduct", "quotas",
    "ranking", "member",
}  # fmt: skip
MAX_ASPECTS = 30
MAX_RULES = 50
NUMERIC_KINDS = ("count", "score", "serial")
TEXT_KINDS = ("text", "enum")
COLUMN_KINDS = ("count", "score", "text", "date")
DEFAULT_KEYS = {"branch": "党支部名称", "member": "党员姓名"}


class Checker:
    """Reads values out of the TOML tables, naming the key in every complaint."""

    def __init__(self, source: str, prefix: str = "") -> None:
        self.source = source
        self.prefix = prefix  # e.g. "member." while reading the [member] table
        self.extra: dict[str, str] = {}  # normalised header -> declared column
        self.kinds: dict[str, str] = {}  # declared column -> kind

    def fail(self, key: str, what: str) -> BranchctlError:
        key = f"{self.prefix}{key}"
        if "/" in self.source or "\\" in self.source or "." in self.source:
            return BranchctlError(f"规则项 {key}：{what}", path=self.source, code="bad-rubric")
        return BranchctlError(f"规则“{self.source}”的 {key}：{what}", code="bad-rubric")

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"应为一个表（[{key}]），现为{_type(value)}")
        return value

    def tables(
        self, data: dict[str, Any], key: str, where: str, limit: int
    ) -> list[dict[str, Any]]:
        """An array of tables ([[key]]), possibly absent."""
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}{key}", f"应写成若干个 [[{key}]] 表，现为{_type(value)}")
        if len(value) > limit:
            raise self.fail(f"{where}{key}", f"最多 {limit} 项，现有 {len(value)} 项")
        return value

    def known(self, data: dict[str, Any], where: str, allowed: set[str]) -> None:
        for k in data:
            if k not in allowed:
                raise self.fail(
                    f"{where}{k}", f"不认识这个键，可用的键：{'、'.join(sorted(allowed))}"
                )

    def text(self, data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "缺少此项，应为非空文本")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", f"应为非空文本，现为{_type(value)}")
        if len(value) > 500:
            raise self.fail(f"{where}{key}", "文本过长（超过500字）")
        return value.strip()

    def texts(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where}{key}", f'应为文本列表，如 ["甲", "乙"]，现为{_type(value)}')
        if len(value) > 100:
            raise self.fail(f"{where}{key}", "列表过长（超过100项）")
        return tuple(v.strip() for v in value)

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        lo: int,
        hi: int,
        default: int | None = None,
    ) -> int:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", f"缺少此项，应为{lo}至{hi}的整数")
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise self.fail(f"{where}{key}", f"应为{lo}至{hi}的整数，现为{_shown(value)}")
        return value

    def number(self, value: Any, key: str) -> float:
        """A finite number; text (an expression, a formula) is refused, never evaluated."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                key, f"应为数字，现为{_shown(value)}（规则文件中的值不作为公式或表达式计算）"
            )
        if not math.isfinite(value):
            raise self.fail(key, "应为有限的数字")
        return float(value)

    def choice(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        options: tuple[str, ...],
        default: str | None,
    ) -> str:
        value = data.get(key, default)
        if value not in options:
            shown = "缺少此项" if value is None else f"现为{_shown(value)}"
            raise self.fail(f"{where}{key}", f"应为 {' / '.join(options)} 之一，{shown}")
        return str(value)

    def boolean(self, data: dict[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}{key}", f"应为 true 或 false，现为{_shown(value)}")
        return value

    def column(self, value: Any, key: str) -> str:
        """A column named by its canonical name or an alias -> the canonical name."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"应为列名文本，现为{_shown(value)}")
        canonical = match_header(value, self.extra)
        if canonical is None:
            raise self.fail(
                key,
                f"“{value}”不是已知的列名：请用标准列名（如“正式党员”“支委人数”），"
                "或先在 [columns] 中定义这一列",
            )
        return canonical

    def columns(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        names = self.texts(data, key, where)
        return tuple(self.column(n, f"{where}{key}") for n in names)

    def kind(self, column: str) -> str:
        return self.kinds.get(column) or column_kind(column)


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, str):
        return "文本"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "表"
    return type(value).__name__


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"文本“{value[:40]}”"
    if isinstance(value, dict):
        return "一个表"
    if isinstance(value, list):
        return "一个列表"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _load(text: str, check: Checker) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise check.fail(toml_where(e) or "（文件）", f"不是有效的 TOML：{TOML_HINT}") from e


def parse(text: str, source: str = "<rubric>") -> Rubric:
    """The rubric a TOML text declares; BranchctlError naming the key when anything is wrong."""
    check = Checker(source)
    data = _load(text, check)
    check.known(data, "", TOP_KEYS)
    name = check.text(data, "name", "")
    entity = check.choice(data, "entity", "", ("branch", "member"), "branch")
    _declared_columns(check, data)
    key_column = check.column(data.get("key_column", DEFAULT_KEYS[entity]), "key_column")

    aspects = _aspects(check, data)
    points = _points(check, data)
    if not aspects and points is None:
        raise check.fail("aspects", "至少要有一个方面（[[aspects]]），或者用 [points] 按月积分")
    has_total = points is not None or any(a.judge == "score" for a in aspects)

    stars = check.table(data.get("stars", {}), "stars")
    check.known(stars, "stars.", {"method", "thresholds", "prorate"})
    method = check.choice(stars, "method", "stars.", ("count", "total"), "count")
    if method == "count":
        if not aspects:
            raise check.fail(
                "stars.method", '没有方面（[[aspects]]）时不能按达标方面计星，请用 "total"'
            )
        max_stars = check.integer(data, "max_stars", "", 1, MAX_ASPECTS, default=len(aspects))
        if max_stars != len(aspects):
            raise check.fail(
                "max_stars", f"按达标方面计星时应等于方面数 {len(aspects)}，现为 {max_stars}"
            )
        for key in ("thresholds", "prorate"):
            if key in stars:
                raise check.fail(f"stars.{key}", '只在 method = "total"（按总分定星）时使用')
        thresholds: tuple[float, ...] = ()
        prorate = False
    else:
        if not has_total:
            raise check.fail(
                "stars.method", '按总分定星需要计分的方面（judge = "score"）或 [points]'
            )
        max_stars = check.integer(data, "max_stars", "", 1, 20)
        thresholds = _thresholds(check, stars, max_stars)
        prorate = check.boolean(stars, "prorate", "stars.")

    categories = _bands(check, data, "categories", max_stars, has_total, ())
    levels = _bands(check, data, "levels", max_stars, has_total, tuple(b.name for b in categories))
    standard_rule, min_stars = _standard(
        check, data.get("standard", {}), "standard", max_stars, aspects
    )
    veto = check.table(data.get("veto", {}), "veto")
    check.known(veto, "veto.", {"columns", "category", "level"})
    veto_columns = check.columns(veto, "columns", "veto.")
    veto_category = _band_name(check, veto, "category", "veto.", categories)
    veto_level = _band_name(check, veto, "level", "veto.", levels)
    deduct = check.table(data.get("deduct", {}), "deduct")
    check.known(deduct, "deduct.", {"columns"})

    rubric = Rubric(
        name=name,
        title=check.text(data, "title", "", default=name),
        description=_description(check, data),
        entity=entity,
        key_column=key_column,
        max_stars=max_stars,
        star_method=method,
        aspects=aspects,
        categories=categories,
        levels=levels,
        standard_rule=standard_rule,
        standard_min_stars=min_stars,
        veto_columns=veto_columns,
        veto_category=veto_category,
        veto_level=veto_level,
        source=source,
        thresholds=thresholds,
        prorate=prorate,
        deduct_columns=check.columns(deduct, "columns", "deduct."),
        quotas=_quotas(check, data, categories),
        ranking=_ranking(check, data, has_total),
        points=points,
        columns=tuple(ExtraColumn(n, a, check.kinds[n]) for n, a in _declared_aliases(check)),
    )
    if "member" in data:
        rubric = replace(rubric, member=_member(check, data["member"], rubric, has_total))
    return rubric


def _description(check: Checker, data: dict[str, Any]) -> str:
    value = data.get("description", "")
    if not isinstance(value, str):
        raise check.fail("description", f"应为文本，现为{_type(value)}")
    return " ".join(value.split())


# ------------------------------------------------------------------------------- columns


def _declared_columns(check: Checker, data: dict[str, Any]) -> None:
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


def _declared_aliases(check: Checker) -> list[tuple[str, tuple[str, ...]]]:
    out: dict[str, list[str]] = {}
    for key, name in check.extra.items():
        if key != normalize_header(name):
            out.setdefault(name, []).append(key)
        else:
            out.setdefault(name, [])
    return [(n, tuple(a)) for n, a in out.items()]


# ------------------------------------------------------------------------------- aspects


def _aspects(check: Checker, data: dict[str, Any]) -> tuple[Aspect, ...]:
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
        test = _comparison(check, rule, at)
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
            when.append(_comparison(check, cond, cat))
        text = rule.get("text", "")
        if not isinstance(text, str):
            raise check.fail(f"{at}text", f"应为文本，现为{_type(text)}")
        out.append(Indicator(test, tuple(when), text.strip()))
    return tuple(out)


def _comparison(check: Checker, raw: dict[str, Any], at: str) -> Comparison:
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
                    f"{at}value", f"between 应为两个数字 [下限, 上限]，现为{_shown(value)}"
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


def _points(check: Checker, data: dict[str, Any]) -> Points | None:
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


def _thresholds(check: Checker, stars: dict[str, Any], max_stars: int) -> tuple[float, ...]:
    raw = stars.get("thresholds")
    if not isinstance(raw, list) or len(raw) != max_stars:
        raise check.fail(
            "stars.thresholds",
            f"应为 {max_stars} 个数字（依次为1星至{max_stars}星所需的总分），现为{_shown(raw) if raw is not None else '缺少此项'}",
        )
    values = tuple(check.number(v, "stars.thresholds") for v in raw)
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise check.fail("stars.thresholds", "应从小到大排列，且不能相同")
    return values


# ------------------------------------------------------------------------- bands, rules


def _bands(
    check: Checker,
    data: dict[str, Any],
    key: str,
    max_stars: int,
    has_total: bool,
    categories: tuple[str, ...],
) -> tuple[Band, ...]:
    raws = check.tables(data, key, "", 20)
    if not raws:
        raise check.fail(key, f"至少要有一项（[[{key}]]）")
    selectors = {"stars", "min_total", "categories"} if categories else {"stars", "min_total"}
    chosen = None
    bands: list[Band] = []
    covered: dict[Any, str] = {}
    for i, raw in enumerate(raws, 1):
        where = f"{key}[{i}]."
        fill_key = {"fill"} if key == "categories" else set()
        check.known(raw, where, {"name", "aliases", "min_stars", *selectors, *fill_key})
        name = check.text(raw, "name", where)
        if any(b.name == name for b in bands):
            raise check.fail(f"{where}name", f"“{name}”重复")
        present = [s for s in ("stars", "min_total", "categories") if s in raw]
        if len(present) != 1:
            options = " / ".join(sorted(selectors))
            raise check.fail(
                where.rstrip("."), f"应有且只有 {options} 其中一项，说明这一档怎样得到"
            )
        selector = present[0]
        if chosen is not None and selector != chosen:
            raise check.fail(f"{where}{selector}", f"同一组中各项应都用 {chosen}")
        chosen = selector
        if "min_stars" in raw and selector != "min_total":
            raise check.fail(f"{where}min_stars", "只与 min_total 一起使用")
        band = Band(
            name, frozenset(), check.texts(raw, "aliases", where), fill=_fill(check, raw, where)
        )
        if selector == "stars":
            stars = raw["stars"]
            if (
                not isinstance(stars, list)
                or not stars
                or not all(
                    isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= max_stars
                    for s in stars
                )
            ):
                raise check.fail(
                    f"{where}stars", f"应为0至{max_stars}的整数列表，如 [3, 4]，现为{_shown(stars)}"
                )
            for s in stars:
                if s in covered:
                    raise check.fail(f"{where}stars", f"{s}星已归入“{covered[s]}”，不能重复")
                covered[s] = name
            band = replace(band, stars=frozenset(stars))
        elif selector == "min_total":
            if not has_total:
                raise check.fail(
                    f"{where}min_total", '按总分分档需要计分的方面（judge = "score"）或 [points]'
                )
            band = replace(
                band,
                min_total=check.number(raw["min_total"], f"{where}min_total"),
                min_stars=check.integer(raw, "min_stars", where, 0, max_stars, default=0),
            )
        else:
            listed = check.texts(raw, "categories", where)
            for c in listed:
                if c not in categories:
                    raise check.fail(f"{where}categories", f"“{c}”不是 categories 中的名称")
                if c in covered:
                    raise check.fail(f"{where}categories", f"“{c}”已归入“{covered[c]}”，不能重复")
                covered[c] = name
            band = replace(band, categories=listed)
        bands.append(band)
    if chosen == "stars":
        missing = [str(s) for s in range(max_stars + 1) if s not in covered]
        if missing:
            raise check.fail(key, f"没有覆盖 {'、'.join(missing)} 星")
    elif chosen == "categories":
        missing = [c for c in categories if c not in covered]
        if missing:
            raise check.fail(key, f"没有覆盖类别 {'、'.join(missing)}")
    return tuple(bands)


_FILL = re.compile(r"#?[0-9A-Fa-f]{6}")


def _fill(check: Checker, raw: dict[str, Any], where: str) -> str | None:
    """A category's row fill: six hex digits of RGB, as Excel shows them ("C6EFCE" pale green)."""
    value = raw.get("fill")
    if value is None:
        return None
    if not isinstance(value, str) or not _FILL.fullmatch(value.strip()):
        raise check.fail(
            f"{where}fill", f'应为六位十六进制的颜色，如 "C6EFCE"（浅绿），现为{_shown(value)}'
        )
    return value.strip().lstrip("#").upper()


def _band_name(
    check: Checker, data: dict[str, Any], key: str, where: str, bands: tuple[Band, ...]
) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if value not in {b.name for b in bands}:
        group = "categories" if key == "category" else "levels"
        raise check.fail(f"{where}{key}", f"应为 {group} 中的一个名称，现为{_shown(value)}")
    return str(value)


def _standard(
    check: Checker, raw: Any, key: str, max_stars: int, aspects: tuple[Aspect, ...]
) -> tuple[str, int | None]:
    standard = check.table(raw, key)
    check.known(standard, f"{key}.", {"rule", "min_stars"})
    default = "all-aspects" if aspects else "min-stars"
    rule = check.choice(standard, "rule", f"{key}.", ("all-aspects", "min-stars"), default)
    if rule == "all-aspects" and not aspects:
        raise check.fail(f"{key}.rule", '没有方面时请用 "min-stars"（达到几星即为达标）')
    if rule == "min-stars":
        return rule, check.integer(standard, "min_stars", f"{key}.", 0, max_stars)
    if "min_stars" in standard:
        raise check.fail(f"{key}.min_stars", '只在 rule = "min-stars" 时使用')
    return rule, None


def _quotas(
    check: Checker, data: dict[str, Any], categories: tuple[Band, ...]
) -> tuple[Quota, ...]:
    names = [b.name for b in categories]
    out: list[Quota] = []
    for i, raw in enumerate(check.tables(data, "quotas", "", 10), 1):
        where = f"quotas[{i}]."
        check.known(raw, where, {"category", "max_share", "fall_to", "rounding"})
        category = check.choice(raw, "category", where, tuple(names), None)
        fall_to = check.choice(
            raw, "fall_to", where, tuple(n for n in names if n != category), None
        )
        if "max_share" not in raw:
            raise check.fail(f"{where}max_share", "缺少此项，应为0至1之间的比例，如 0.1")
        share = check.number(raw["max_share"], f"{where}max_share")
        if not 0 < share < 1:
            raise check.fail(
                f"{where}max_share", f"应为0至1之间的比例，如 0.1 表示10%，现为 {share:g}"
            )
        rounding = check.choice(raw, "rounding", where, ("floor", "round", "ceil"), "floor")
        if any(q.category == category for q in out):
            raise check.fail(f"{where}category", f"“{category}”已有名额限制")
        out.append(Quota(category, share, fall_to, rounding))
    return tuple(out)


def _ranking(check: Checker, data: dict[str, Any], has_total: bool) -> tuple[str, ...]:
    raw = check.table(data.get("ranking", {}), "ranking")
    check.known(raw, "ranking.", {"by"})
    by = check.texts(raw, "by", "ranking.")
    for key in by:
        if key not in ("stars", "score"):
            raise check.fail("ranking.by", f'应为 "stars"、"score" 组成的列表，现有“{key}”')
        if key == "score" and not has_total:
            raise check.fail("ranking.by", "按得分排名需要计分的方面或 [points]")
    if len(set(by)) != len(by):
        raise check.fail("ranking.by", "有重复项")
    return by


def _member(check: Checker, raw: Any, rubric: Rubric, has_total: bool) -> Rubric:
    """[member]: the same scheme for member sheets, with the member's own bands."""
    if rubric.entity == "member":
        raise check.fail("member", 'entity = "member" 的规则本身就评定党员，不需要 [member]')
    member = check.table(raw, "member")
    check.known(member, "member.", {"key_column", "title", "categories", "levels", "standard"})
    key_column = check.column(member.get("key_column", DEFAULT_KEYS["member"]), "member.key_column")
    if key_column == rubric.key_column:
        raise check.fail("member.key_column", "应与党支部的 key_column 不同（如“党员姓名”）")
    sub: dict[str, Any] = {k: member[k] for k in ("categories", "levels") if k in member}
    sub = {"categories": sub.get("categories", _raw_bands(rubric.categories)), **sub}
    if "levels" not in sub:
        sub["levels"] = _raw_bands(rubric.levels)
    sub_check = Checker(check.source, prefix="member.")
    sub_check.extra, sub_check.kinds = check.extra, check.kinds
    categories = _bands(sub_check, sub, "categories", rubric.max_stars, has_total, ())
    levels = _bands(
        sub_check, sub, "levels", rubric.max_stars, has_total, tuple(b.name for b in categories)
    )
    if "standard" in member:
        standard_rule, min_stars = _standard(
            check, member["standard"], "member.standard", rubric.max_stars, rubric.aspects
        )
    else:
        standard_rule, min_stars = rubric.standard_rule, rubric.standard_min_stars
    names = {b.name for b in categories}
    level_names = {b.name for b in levels}
    return replace(
        rubric,
        title=check.text(member, "title", "member.", default=rubric.title),
        entity="member",
        key_column=key_column,
        categories=categories,
        levels=levels,
        standard_rule=standard_rule,
        standard_min_stars=min_stars,
        veto_category=rubric.veto_category if rubric.veto_category in names else None,
        veto_level=rubric.veto_level if rubric.veto_level in level_names else None,
        quotas=(),
        member=None,
    )


def _raw_bands(bands: tuple[Band, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for b in bands:
        item: dict[str, Any] = {"name": b.name, "aliases": list(b.aliases)}
        if b.fill:
            item["fill"] = b.fill
        if b.categories:
            item["categories"] = list(b.categories)
        elif b.min_total is not None:
            item["min_total"] = b.min_total
            item["min_stars"] = b.min_stars
        else:
            item["stars"] = sorted(b.stars)
        out.append(item)
    return out


# ------------------------------------------------------------------------------- finding


def builtin_names() -> list[str]:
    folder = resources.files("branchctl").joinpath("rubrics")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    """The TOML text of a built-in rubric, comments and all."""
    if name not in builtin_names():
        raise BranchctlError(
            f"没有名为“{name}”的内置规则，可选：{'、'.join(builtin_names())}", code="bad-rubric"
        )
    return resources.files("branchctl").joinpath(f"rubrics/{name}.toml").read_text("utf-8")


def builtin_rubrics() -> list[Rubric]:
    """Every built-in rubric, the default first."""
    names = sorted(builtin_names(), key=lambda n: (n != DEFAULT_RUBRIC, n))
    return [load_rubric(name) for name in names]


def parse_rubric(text: str, source: str = "<rubric>") -> Rubric:
    """A rubric from TOML text; ``source`` names it in error messages (a path or a name)."""
    rubric = parse(text, source)
    return replace(rubric, text=text)


def load_rubric(spec: str | None = None) -> Rubric:
    """A built-in rubric by name, or a rubric file by path (default: six-star)."""
    spec = spec or DEFAULT_RUBRIC
    if spec in builtin_names():
        return parse_rubric(builtin_text(spec), source=spec)
    path = Path(spec)
    if path.suffix.lower() != ".toml" and not path.exists():
        raise BranchctlError(
            f"没有名为“{spec}”的内置规则，也没有这个规则文件；内置规则：{'、'.join(builtin_names())}",
            code="bad-rubric",
        )
    return parse_rubric(read_rubric_text(path), source=str(path))


def read_rubric_text(path: Path) -> str:
    """A rubric file's text, refusing what cannot be a rubric (missing, huge, not UTF-8)."""
    if not path.is_file():
        raise BranchctlError("规则文件不存在", path=path, code="bad-rubric")
    try:
        size = path.stat().st_size
        if size > MAX_RUBRIC_BYTES:
            raise BranchctlError(
                f"规则文件过大（{size // 1024} KB，上限 {MAX_RUBRIC_BYTES // 1024} KB），不像是评定规则",
                path=path,
                code="bad-rubric",
            )
        raw = path.read_bytes()
    except OSError as e:
        raise BranchctlError("规则文件无法读取", path=path, code="bad-rubric") from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BranchctlError(
            f"规则文件不是 UTF-8 编码（第 {e.start + 1} 个字节无法解码），请用 UTF-8 保存后重试",
            path=path,
            code="bad-rubric",
        ) from e
