"""Reading a rubric's grades: categories and levels, the 达标 rule, quotas, ranking, members."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from branchctl.rules.rubric import Aspect, Band, Quota, Rubric
from branchctl.rules.rubric_checker import DEFAULT_KEYS, Checker, shown
from branchctl.rules.schemes import Evidence

# ------------------------------------------------------------------------- bands, rules

_FILL = re.compile(r"#?[0-9A-Fa-f]{6}")


def _fill(check: Checker, raw: dict[str, Any], where: str) -> str | None:
    """A category's row fill: six hex digits of RGB, as Excel shows them ("C6EFCE" pale green)."""
    value = raw.get("fill")
    if value is None:
        return None
    if not isinstance(value, str) or not _FILL.fullmatch(value.strip()):
        raise check.fail(
            f"{where}fill", f'应为六位十六进制的颜色，如 "C6EFCE"（浅绿），现为{shown(value)}'
        )
    return value.strip().lstrip("#").upper()


def parse_bands(
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
            stars = check.stars(raw, where, max_stars, "[3, 4]")
            for s in raw["stars"]:  # as written: a star listed twice is named
                if s in covered:
                    raise check.fail(f"{where}stars", f"{s}星已归入“{covered[s]}”，不能重复")
                covered[s] = name
            band = replace(band, stars=stars)
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


def band_name(
    check: Checker, data: dict[str, Any], key: str, where: str, bands: tuple[Band, ...]
) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if value not in {b.name for b in bands}:
        group = "categories" if key == "category" else "levels"
        raise check.fail(f"{where}{key}", f"应为 {group} 中的一个名称，现为{shown(value)}")
    return str(value)


def parse_standard(
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


def parse_quotas(
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


def parse_ranking(check: Checker, data: dict[str, Any], has_total: bool) -> tuple[str, ...]:
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


def parse_member(check: Checker, raw: Any, rubric: Rubric, has_total: bool) -> Rubric:
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
    categories = parse_bands(sub_check, sub, "categories", rubric.max_stars, has_total, ())
    levels = parse_bands(
        sub_check, sub, "levels", rubric.max_stars, has_total, tuple(b.name for b in categories)
    )
    if "standard" in member:
        standard_rule, min_stars = parse_standard(
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
        shares=(),  # shares and proof rules speak of the branches' grades
        evidence=Evidence(rubric.evidence.closed),
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
