"""Reading what county schemes add to stars and grades: weighted parts, the satisfaction poll,
caps, shares both ways, and evidence. Every key checked, as everywhere in a rubric file."""

from __future__ import annotations

from typing import Any

from branchctl.forms.spec import forms_data, normalize_header, normalize_text
from branchctl.rules.rubric import Aspect, Band
from branchctl.rules.rubric_aspects import optional_text, parse_conditions
from branchctl.rules.rubric_checker import Checker
from branchctl.rules.schemes import (
    Cap,
    Evidence,
    Grade,
    Part,
    ProofRule,
    Satisfaction,
    Share,
    Tally,
)

MAX_PARTS = 10
MAX_CAPS = 20
MAX_SHARES = 20
TYPE_COLUMN = "支部类型"


def parse_satisfaction(check: Checker, data: dict[str, Any]) -> Satisfaction | None:
    """[satisfaction]: the rate's column (kind "percent") and the poll's tallies."""
    if "satisfaction" not in data:
        return None
    raw = check.table(data["satisfaction"], "satisfaction")
    check.known(raw, "satisfaction.", {"column", "tallies"})
    if "column" not in raw:
        raise check.fail("satisfaction.column", "缺少此项，应为满意度（百分比）列的列名")
    column = check.column(raw["column"], "satisfaction.column")
    if check.kind(column) != "percent":
        raise check.fail(
            "satisfaction.column",
            f'“{column}”不是百分比列：请在 [columns."{column}"] 中登记 kind = "percent"',
        )
    tallies: list[Tally] = []
    for i, item in enumerate(check.tables(raw, "tallies", "satisfaction.", 10), 1):
        where = f"satisfaction.tallies[{i}]."
        check.known(item, where, {"column", "weight"})
        if "column" not in item:
            raise check.fail(f"{where}column", "缺少此项，应为票数列的列名")
        tally = check.column(item["column"], f"{where}column")
        if check.kind(tally) != "count":
            raise check.fail(
                f"{where}column", f'“{tally}”不是票数列：请在 [columns] 中登记 kind = "count"'
            )
        if any(t.column == tally for t in tallies):
            raise check.fail(f"{where}column", f"“{tally}”重复")
        if "weight" not in item:
            raise check.fail(f"{where}weight", "缺少此项，应为0至1之间的数，如满意 1、不满意 0")
        weight = check.number(item["weight"], f"{where}weight")
        if not 0 <= weight <= 1:
            raise check.fail(f"{where}weight", f"应为0至1之间的数，现为 {weight:g}")
        tallies.append(Tally(tally, weight))
    if len(tallies) == 1:
        raise check.fail("satisfaction.tallies", "至少要有两项（如“满意”和“不满意”）")
    if tallies and not any(t.weight > 0 for t in tallies):
        raise check.fail("satisfaction.tallies", "至少要有一项的 weight 大于0")
    return Satisfaction(column, tuple(tallies))


def parse_parts(
    check: Checker,
    data: dict[str, Any],
    aspects: tuple[Aspect, ...],
    satisfaction: Satisfaction | None,
) -> tuple[Part, ...]:
    """[[parts]]: the total as weighted parts (基础项 70% + 评议项 30%)."""
    raws = check.tables(data, "parts", "", MAX_PARTS)
    if not raws:
        return ()
    by_name = {normalize_header(t): a for a in aspects for t in (a.name, *a.aliases)}
    parts: list[Part] = []
    placed: dict[str, str] = {}
    for i, raw in enumerate(raws, 1):
        where = f"parts[{i}]."
        check.known(raw, where, {"name", "weight", "aspects", "satisfaction"})
        name = check.text(raw, "name", where)
        if any(p.name == name for p in parts):
            raise check.fail(f"{where}name", f"“{name}”重复")
        if "weight" not in raw:
            raise check.fail(f"{where}weight", "缺少此项，应为0至1之间的比例，如 0.7 表示70%")
        weight = check.number(raw["weight"], f"{where}weight")
        if not 0 < weight <= 1:
            raise check.fail(
                f"{where}weight", f"应为0至1之间的比例，如 0.7 表示70%，现为 {weight:g}"
            )
        from_poll = check.boolean(raw, "satisfaction", where)
        if from_poll == ("aspects" in raw):
            raise check.fail(
                where.rstrip("."),
                "应有且只有 aspects（计分的方面）或 satisfaction = true（群众满意度）其中一项",
            )
        if from_poll:
            if satisfaction is None:
                raise check.fail(f"{where}satisfaction", "需要先写 [satisfaction]（满意度测评）")
            if any(p.satisfaction for p in parts):
                raise check.fail(f"{where}satisfaction", "满意度只能归入一个部分")
            parts.append(Part(name, weight, satisfaction=True))
            continue
        names: list[str] = []
        for text in check.texts(raw, "aspects", where):
            found = by_name.get(normalize_header(text))
            if found is None or found.judge != "score":
                raise check.fail(f"{where}aspects", f'“{text}”不是计分的方面（judge = "score"）')
            if found.name in placed:
                raise check.fail(f"{where}aspects", f"“{found.name}”已归入“{placed[found.name]}”")
            placed[found.name] = name
            names.append(found.name)
        if not names:
            raise check.fail(f"{where}aspects", "应至少列出一个计分的方面")
        parts.append(Part(name, weight, aspects=tuple(names)))
    total = sum(p.weight for p in parts)
    if abs(total - 1) > 1e-6:
        raise check.fail("parts", f"各部分的 weight 合计应为1（即100%），现为 {total:g}")
    unplaced = [a.name for a in aspects if a.judge == "score" and a.name not in placed]
    if unplaced:
        raise check.fail("parts", f"计分的方面“{'、'.join(unplaced)}”没有归入任何部分")
    return tuple(parts)


def parse_caps(check: Checker, data: dict[str, Any], max_stars: int) -> tuple[Cap, ...]:
    """[[caps]]: stars at most N when a condition holds or a column has an entry."""
    caps: list[Cap] = []
    for i, raw in enumerate(check.tables(data, "caps", "", MAX_CAPS), 1):
        where = f"caps[{i}]."
        check.known(raw, where, {"max_stars", "when", "column", "text"})
        most = check.integer(raw, "max_stars", where, 0, max_stars - 1)
        if ("when" in raw) == ("column" in raw):
            raise check.fail(
                where.rstrip("."),
                "应有且只有 when（条件）或 column（该列有内容即封顶）其中一项",
            )
        text = optional_text(check, raw, "text", where)
        if "when" in raw:
            when = parse_conditions(check, raw["when"], f"{where}when")
            said = "且".join(c.describe() for c in when)
            caps.append(Cap(most, text or f"{said}的，最高{most}星", when=when))
        else:
            column = check.column(raw["column"], f"{where}column")
            caps.append(Cap(most, text or f"“{column}”有内容的，最高{most}星", column=column))
    return tuple(caps)


def parse_shares(
    check: Checker,
    data: dict[str, Any],
    categories: tuple[Band, ...],
    levels: tuple[Band, ...],
    max_stars: int,
) -> tuple[Share, ...]:
    """[[shares]]: minimum and maximum shares of a grade, and target distributions."""
    shares: list[Share] = []
    for i, raw in enumerate(check.tables(data, "shares", "", MAX_SHARES), 1):
        where = f"shares[{i}]."
        check.known(
            raw,
            where,
            {"stars", "category", "level", "min_share", "max_share", "target", "types",
             "except_types", "rounding"},
        )  # fmt: skip
        grade = _grade(check, raw, where, categories, levels, max_stars)
        bounds = {k: _share(check, raw, k, where) for k in ("min_share", "max_share", "target")}
        if all(v is None for v in bounds.values()):
            raise check.fail(
                where.rstrip("."), "应写 min_share（不少于）、max_share（不超过）或 target（目标）"
            )
        if bounds["target"] is not None and (bounds["min_share"] or bounds["max_share"]):
            raise check.fail(f"{where}target", "不能与 min_share、max_share 同时使用")
        low, high = bounds["min_share"], bounds["max_share"]
        if low is not None and high is not None and low > high:
            raise check.fail(f"{where}min_share", "不能大于 max_share")
        types = _types(check, raw, "types", where)
        except_types = _types(check, raw, "except_types", where)
        if types and except_types:
            raise check.fail(f"{where}except_types", "不能与 types 同时使用")
        rounding = None
        if "rounding" in raw:
            rounding = check.choice(raw, "rounding", where, ("floor", "round", "ceil"), None)
        shares.append(Share(grade, low, high, bounds["target"], types, except_types, rounding))
    return tuple(shares)


def parse_evidence(
    check: Checker,
    data: dict[str, Any],
    categories: tuple[Band, ...],
    levels: tuple[Band, ...],
    max_stars: int,
) -> Evidence:
    """[evidence]: what closes a task, and the proof a grade needs."""
    if "evidence" not in data:
        return Evidence()
    raw = check.table(data["evidence"], "evidence")
    check.known(raw, "evidence.", {"closed", "claims"})
    closed = check.columns(raw, "closed", "evidence.") if "closed" in raw else Evidence().closed
    rules: list[ProofRule] = []
    for i, item in enumerate(check.tables(raw, "claims", "evidence.", 20), 1):
        where = f"evidence.claims[{i}]."
        check.known(item, where, {"stars", "category", "level", "columns", "text"})
        grade = _grade(check, item, where, categories, levels, max_stars)
        columns = check.columns(item, "columns", where)
        if not columns:
            raise check.fail(f"{where}columns", '应至少列出一列佐证材料，如 ["佐证材料"]')
        rules.append(ProofRule(grade, columns, optional_text(check, item, "text", where)))
    return Evidence(closed, tuple(rules))


def _grade(
    check: Checker,
    raw: dict[str, Any],
    where: str,
    categories: tuple[Band, ...],
    levels: tuple[Band, ...],
    max_stars: int,
) -> Grade:
    present = [k for k in ("stars", "category", "level") if k in raw]
    if len(present) != 1:
        raise check.fail(
            where.rstrip("."), "应有且只有 stars（星级）、category（类别）或 level（等次）其中一项"
        )
    key = present[0]
    if key == "stars":
        return Grade("stars", stars=check.stars(raw, where, max_stars, "[5]"))
    bands = categories if key == "category" else levels
    names = tuple(b.name for b in bands)
    name = check.choice(raw, key, where, names, None)
    return Grade(key, name=name)


def _share(check: Checker, raw: dict[str, Any], key: str, where: str) -> float | None:
    if key not in raw:
        return None
    value = check.number(raw[key], f"{where}{key}")
    if not 0 < value < 1:
        raise check.fail(f"{where}{key}", f"应为0至1之间的比例，如 0.1 表示10%，现为 {value:g}")
    return value


def _types(check: Checker, raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """支部类型 values, synonyms resolved (社区 -> 城市社区)."""
    data = forms_data()
    allowed = data.enums[TYPE_COLUMN]
    aliases = data.enum_aliases.get(TYPE_COLUMN, {})
    out: list[str] = []
    for text in check.texts(raw, key, where):
        norm = normalize_text(text)
        value = next((v for v in allowed if normalize_text(v) == norm), aliases.get(norm))
        if value is None:
            raise check.fail(f"{where}{key}", f"“{text}”不是支部类型，应为{'、'.join(allowed)}之一")
        out.append(value)
    return tuple(out)
