"""Reading a rubric file: TOML text -> :class:`~branchctl.rules.rubric.Rubric`, every key checked.

Nothing in a rubric is executed: values are names, numbers, lists and a fixed set of comparison
operators. Every complaint names the key (``aspects[2].pass_mark``) and says what is wrong, in
one Chinese sentence, raised as BranchctlError(code="bad-rubric").
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from branchctl.errors import TOML_HINT, BranchctlError, toml_where
from branchctl.io.smallfiles import MAX_NESTING, nesting, read_small_text
from branchctl.rules.rubric import DEFAULT_RUBRIC, MAX_RUBRIC_BYTES, ExtraColumn, Rubric
from branchctl.rules.rubric_aspects import (
    declared_aliases,
    parse_aspects,
    parse_columns,
    parse_points,
    parse_thresholds,
)
from branchctl.rules.rubric_checker import DEFAULT_KEYS, MAX_ASPECTS, Checker, type_name
from branchctl.rules.rubric_extras import (
    parse_caps,
    parse_evidence,
    parse_parts,
    parse_satisfaction,
    parse_shares,
)
from branchctl.rules.rubric_grades import (
    band_name,
    parse_bands,
    parse_member,
    parse_quotas,
    parse_ranking,
    parse_standard,
)

TOP_KEYS = {
    "name", "title", "description", "entity", "key_column", "max_stars", "stars", "aspects",
    "columns", "points", "categories", "levels", "standard", "veto", "deduct", "quotas",
    "ranking", "member", "parts", "satisfaction", "caps", "shares", "evidence",
}  # fmt: skip


def _load(text: str, check: Checker) -> dict[str, Any]:
    deep = f"嵌套层数过多（超过 {MAX_NESTING} 层），不像是评定规则"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise check.fail(toml_where(e) or "（文件）", f"不是有效的 TOML：{TOML_HINT}") from e
    except RecursionError:
        raise check.fail("（文件）", deep) from None
    if nesting(data) > MAX_NESTING:
        raise check.fail("（文件）", deep)
    return data


def parse(text: str, source: str = "<rubric>") -> Rubric:
    """The rubric a TOML text declares; BranchctlError naming the key when anything is wrong."""
    check = Checker(source)
    data = _load(text, check)
    check.known(data, "", TOP_KEYS)
    name = check.text(data, "name", "")
    entity = check.choice(data, "entity", "", ("branch", "member"), "branch")
    parse_columns(check, data)
    key_column = check.column(data.get("key_column", DEFAULT_KEYS[entity]), "key_column")

    aspects = parse_aspects(check, data)
    points = parse_points(check, data)
    if not aspects and points is None:
        raise check.fail("aspects", "至少要有一个方面（[[aspects]]），或者用 [points] 按月积分")
    satisfaction = parse_satisfaction(check, data)
    parts = parse_parts(check, data, aspects, satisfaction)
    has_total = points is not None or any(a.judge == "score" for a in aspects) or bool(parts)

    stars = check.table(data.get("stars", {}), "stars")
    check.known(stars, "stars.", {"method", "thresholds", "bands", "prorate"})
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
        for key in ("thresholds", "bands", "prorate"):
            if key in stars:
                raise check.fail(f"stars.{key}", '只在 method = "total"（按总分定星）时使用')
        thresholds: tuple[float, ...] = ()
        bands: tuple[tuple[float, int], ...] = ()
        prorate = False
    else:
        if not has_total:
            raise check.fail(
                "stars.method", '按总分定星需要计分的方面（judge = "score"）、[[parts]] 或 [points]'
            )
        max_stars = check.integer(data, "max_stars", "", 1, 20)
        thresholds, bands = parse_thresholds(check, stars, max_stars)
        prorate = check.boolean(stars, "prorate", "stars.")

    categories = parse_bands(check, data, "categories", max_stars, has_total, ())
    levels = parse_bands(
        check, data, "levels", max_stars, has_total, tuple(b.name for b in categories)
    )
    standard_rule, min_stars = parse_standard(
        check, data.get("standard", {}), "standard", max_stars, aspects
    )
    veto = check.table(data.get("veto", {}), "veto")
    check.known(veto, "veto.", {"columns", "category", "level"})
    veto_columns = check.columns(veto, "columns", "veto.")
    veto_category = band_name(check, veto, "category", "veto.", categories)
    veto_level = band_name(check, veto, "level", "veto.", levels)
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
        quotas=parse_quotas(check, data, categories),
        ranking=parse_ranking(check, data, has_total),
        points=points,
        columns=tuple(ExtraColumn(n, a, check.kinds[n]) for n, a in declared_aliases(check)),
        bands=bands,
        parts=parts,
        satisfaction=satisfaction,
        caps=parse_caps(check, data, max_stars),
        shares=parse_shares(check, data, categories, levels, max_stars),
        evidence=parse_evidence(check, data, categories, levels, max_stars),
    )
    if "member" in data:
        rubric = replace(rubric, member=parse_member(check, data["member"], rubric, has_total))
    return rubric


def _description(check: Checker, data: dict[str, Any]) -> str:
    value = data.get("description", "")
    if not isinstance(value, str):
        raise check.fail("description", f"应为文本，现为{type_name(value)}")
    return " ".join(value.split())


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


def changed_builtin(rubric: Rubric) -> bool:
    """Whether ``rubric`` bears a built-in's name but rules otherwise (a county's copy whose
    name was left as it was): its results would read as the built-in's."""
    if rubric.name not in builtin_names():
        return False
    builtin = load_rubric(rubric.name)
    return replace(rubric, source=builtin.source) != builtin  # comments and layout do not count


def read_rubric_text(path: Path) -> str:
    """A rubric file's text, refusing what cannot be a rubric (missing, not a regular file, huge,
    not UTF-8)."""
    return read_small_text(path, "规则文件", MAX_RUBRIC_BYTES, code="bad-rubric")
