"""Rating schemes as data: a rubric is a TOML file, read and checked here, never executed.

Built-in rubrics live in ``branchctl/rubrics/*.toml``; ``--rubric`` takes a built-in name or a
path. Every key is checked: a bad rubric raises BranchctlError naming the key and the fault.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.forms import normalize_header, normalize_text

DEFAULT_RUBRIC = "six-star"


@dataclass(frozen=True)
class Aspect:
    name: str
    aliases: tuple[str, ...]
    judge: str  # "mark"


@dataclass(frozen=True)
class Band:
    """A category or level and the star counts that earn it."""

    name: str
    stars: frozenset[int]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Rubric:
    name: str
    title: str
    description: str
    entity: str
    key_column: str
    max_stars: int
    star_method: str
    aspects: tuple[Aspect, ...]
    categories: tuple[Band, ...]
    levels: tuple[Band, ...]
    standard_rule: str
    standard_min_stars: int | None
    veto_columns: tuple[str, ...]
    veto_category: str | None
    veto_level: str | None
    source: str

    @property
    def aspect_names(self) -> list[str]:
        return [a.name for a in self.aspects]

    def aspect_headers(self) -> dict[str, str]:
        """Normalised header text -> aspect name, for recognising the rubric's columns."""
        out: dict[str, str] = {}
        for aspect in self.aspects:
            for text in (aspect.name, *aspect.aliases):
                out[normalize_header(text)] = aspect.name
        return out

    def category_for(self, stars: int) -> str:
        return _band_for(self.categories, stars)

    def level_for(self, stars: int) -> str:
        return _band_for(self.levels, stars)

    def category_labels(self) -> dict[str, str]:
        return _labels(self.categories)

    def level_labels(self) -> dict[str, str]:
        return _labels(self.levels)


def _band_for(bands: tuple[Band, ...], stars: int) -> str:
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


def builtin_names() -> list[str]:
    folder = resources.files("branchctl").joinpath("rubrics")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    if name not in builtin_names():
        raise BranchctlError(
            f"没有名为“{name}”的内置规则，可选：{'、'.join(builtin_names())}", code="bad-rubric"
        )
    return resources.files("branchctl").joinpath(f"rubrics/{name}.toml").read_text("utf-8")


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
    if not path.is_file():
        raise BranchctlError("规则文件不存在", path=path, code="bad-rubric")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BranchctlError("规则文件无法读取（应为 UTF-8 编码的 TOML 文本）", path=path, code="bad-rubric") from e
    return parse_rubric(text, source=str(path))


class _Checker:
    """Reads keys out of the TOML tables, naming the key in every complaint."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, what: str) -> BranchctlError:
        where = f"规则“{self.source}”" if "/" not in self.source and "." not in self.source else None
        if where:
            return BranchctlError(f"{where}的 {key}：{what}", code="bad-rubric")
        return BranchctlError(f"规则项 {key}：{what}", path=self.source, code="bad-rubric")

    def table(self, data: Any, key: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, "应为一个表（[...]）")
        return data

    def known(self, data: dict[str, Any], key: str, allowed: set[str]) -> None:
        for k in data:
            if k not in allowed:
                raise self.fail(f"{key}.{k}" if key else k, f"不认识这个键，可用的键：{'、'.join(sorted(allowed))}")

    def text(self, data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", "应为非空文本")
        return value.strip()

    def texts(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where}{key}", "应为文本列表，如 [\"甲\", \"乙\"]")
        return tuple(v.strip() for v in value)

    def integer(self, data: dict[str, Any], key: str, where: str, lo: int, hi: int, default: int | None = None) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise self.fail(f"{where}{key}", f"应为{lo}至{hi}的整数")
        return value

    def choice(self, data: dict[str, Any], key: str, where: str, options: tuple[str, ...], default: str) -> str:
        value = data.get(key, default)
        if value not in options:
            raise self.fail(f"{where}{key}", f"应为 {' / '.join(options)} 之一")
        return str(value)


def parse_rubric(text: str, source: str = "<rubric>") -> Rubric:
    check = _Checker(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise check.fail("（文件）", f"不是有效的 TOML：{e}") from e
    check.known(
        data,
        "",
        {"name", "title", "description", "entity", "key_column", "max_stars", "stars", "aspects",
         "categories", "levels", "standard", "veto"},
    )
    name = check.text(data, "name", "")
    max_stars = check.integer(data, "max_stars", "", 1, 20)
    stars = check.table(data.get("stars", {"method": "count"}), "stars")
    check.known(stars, "stars", {"method"})
    star_method = check.choice(stars, "method", "stars.", ("count",), "count")

    raw_aspects = data.get("aspects")
    if not isinstance(raw_aspects, list) or not raw_aspects:
        raise check.fail("aspects", "至少要有一个方面（[[aspects]]）")
    aspects: list[Aspect] = []
    for i, raw in enumerate(raw_aspects):
        where = f"aspects[{i + 1}]."
        raw = check.table(raw, where.rstrip("."))
        check.known(raw, where.rstrip("."), {"name", "aliases", "judge"})
        aspects.append(
            Aspect(
                name=check.text(raw, "name", where),
                aliases=check.texts(raw, "aliases", where),
                judge=check.choice(raw, "judge", where, ("mark",), "mark"),
            )
        )
    names = [a.name for a in aspects]
    if len(set(names)) != len(names):
        raise check.fail("aspects", "方面名称有重复")
    if star_method == "count" and max_stars != len(aspects):
        raise check.fail("max_stars", f"按达标方面计星时应等于方面数 {len(aspects)}")

    categories = _bands(check, data, "categories", max_stars)
    levels = _bands(check, data, "levels", max_stars)

    standard = check.table(data.get("standard", {}), "standard")
    check.known(standard, "standard", {"rule", "min_stars"})
    standard_rule = check.choice(standard, "rule", "standard.", ("all-aspects", "min-stars"), "all-aspects")
    min_stars = None
    if standard_rule == "min-stars":
        min_stars = check.integer(standard, "min_stars", "standard.", 0, max_stars)

    veto = check.table(data.get("veto", {}), "veto")
    check.known(veto, "veto", {"columns", "category", "level"})
    veto_category = veto.get("category")
    veto_level = veto.get("level")
    if veto_category is not None and veto_category not in {b.name for b in categories}:
        raise check.fail("veto.category", "应为 categories 中的一个名称")
    if veto_level is not None and veto_level not in {b.name for b in levels}:
        raise check.fail("veto.level", "应为 levels 中的一个名称")

    return Rubric(
        name=name,
        title=check.text(data, "title", "", default=name),
        description=str(data.get("description", "")),
        entity=check.choice(data, "entity", "", ("branch", "member"), "branch"),
        key_column=check.text(data, "key_column", "", default="党支部名称"),
        max_stars=max_stars,
        star_method=star_method,
        aspects=tuple(aspects),
        categories=categories,
        levels=levels,
        standard_rule=standard_rule,
        standard_min_stars=min_stars,
        veto_columns=check.texts(veto, "columns", "veto."),
        veto_category=veto_category,
        veto_level=veto_level,
        source=source,
    )


def _bands(check: _Checker, data: dict[str, Any], key: str, max_stars: int) -> tuple[Band, ...]:
    raw_bands = data.get(key)
    if not isinstance(raw_bands, list) or not raw_bands:
        raise check.fail(key, f"至少要有一项（[[{key}]]）")
    bands: list[Band] = []
    covered: dict[int, str] = {}
    for i, raw in enumerate(raw_bands):
        where = f"{key}[{i + 1}]."
        raw = check.table(raw, where.rstrip("."))
        check.known(raw, where.rstrip("."), {"name", "stars", "aliases"})
        stars = raw.get("stars")
        if (
            not isinstance(stars, list)
            or not stars
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= max_stars for s in stars)
        ):
            raise check.fail(f"{where}stars", f"应为0至{max_stars}的整数列表，如 [3, 4]")
        band = Band(check.text(raw, "name", where), frozenset(stars), check.texts(raw, "aliases", where))
        for s in stars:
            if s in covered:
                raise check.fail(f"{where}stars", f"{s}星已归入“{covered[s]}”，不能重复")
            covered[s] = band.name
        bands.append(band)
    missing = [s for s in range(max_stars + 1) if s not in covered]
    if missing:
        raise check.fail(key, f"没有覆盖 {'、'.join(str(s) for s in missing)} 星")
    return tuple(bands)
