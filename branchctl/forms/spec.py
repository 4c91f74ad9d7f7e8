"""The standard forms and their columns, loaded from ``data/forms.toml``: one place for aliases."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class FormSpec:
    key: str
    title: str
    annex: str
    title_words: tuple[str, ...]
    signature: tuple[str, ...]
    hints: tuple[str, ...]
    required: tuple[str, ...]
    per_branch: bool


@dataclass(frozen=True)
class FormsData:
    columns: dict[str, Column]
    forms: dict[str, FormSpec]
    marks_met: frozenset[str]
    marks_unmet: frozenset[str]
    negative_empty: frozenset[str]
    no_stars: frozenset[str]
    totals: tuple[str, ...]
    column_numbers: frozenset[str]
    footer: tuple[str, ...]
    enums: dict[str, tuple[str, ...]]
    enum_aliases: dict[str, dict[str, str]]
    header_index: dict[str, str]  # normalised header text -> canonical column
    ongoing: tuple[str, ...] = ()  # 完成时限 words: never overdue (长期坚持)
    immediate: tuple[str, ...] = ()  # 完成时限 words: due at once (立行立改)
    negative_punctuation: str = ""  # taken out of a 负面清单 cell before the "none" words
    header_prefixes: tuple[re.Pattern[str], ...] = ()
    header_suffixes: tuple[str, ...] = ()
    header_verbs: tuple[str, ...] = ()
    previous_period: tuple[str, ...] = ()
    section_labels: tuple[re.Pattern[str], ...] = ()
    section_numbers: re.Pattern[str] | None = None
    section_counts: re.Pattern[str] | None = None
    section_words: tuple[str, ...] = ()
    example_serials: frozenset[str] = frozenset()
    placeholders: tuple[str, ...] = ()
    example_sheets: tuple[str, ...] = ()


_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")
_STARS = "*＊※"  # required-field marks around a header text (*党支部名称)


def normalize_text(value: Any) -> str:
    """Text as compared: NFKC (full-width to half-width), no spaces or line breaks."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _normalize_str(value)
    return _normalize_str(str(value))


@lru_cache(maxsize=1 << 16)
def _normalize_str(value: str) -> str:
    # cached: ledgers repeat the same marks, names and words on every row
    # no whitespace (str.split's is the regex \s), joined without a regex: a few times faster
    if value.isascii():
        return "".join(value.split())
    text = unicodedata.normalize("NFKC", value)
    text = text.replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    return "".join(text.split())


# The same without the cache, for texts seen once each (a ledger's branch names).
normalize_once = _normalize_str.__wrapped__


def normalize_header(value: Any) -> str:
    """Header text as compared: normalised text without required-field stars (*党支部名称)."""
    return normalize_text(value).strip(_STARS)  # (normalised: no line break before the end)


def strip_unit(text: str) -> str:
    """党员人数(人) -> 党员人数; 完成时限(年月日) -> 完成时限."""
    return _TRAILING_BRACKET.sub("", text)


@cache
def forms_data() -> FormsData:
    raw = tomllib.loads(resources.files("branchctl").joinpath("data/forms.toml").read_text("utf-8"))
    columns = {
        name: Column(name, spec["kind"], tuple(spec.get("aliases", [])))
        for name, spec in raw["columns"].items()
    }
    forms = {
        key: FormSpec(
            key=key,
            title=spec["title"],
            annex=spec["annex"],
            title_words=tuple(spec.get("title_words", [])),
            signature=tuple(spec.get("signature", [])),
            hints=tuple(spec.get("hints", [])),
            required=tuple(spec.get("required", [])),
            per_branch=bool(spec.get("per_branch", False)),
        )
        for key, spec in raw["forms"].items()
    }
    header_index: dict[str, str] = {}
    for col in columns.values():
        for text in (col.name, *col.aliases):
            key = normalize_header(text)
            other = header_index.get(key)
            if other is not None and other != col.name:
                raise ValueError(f"forms.toml: header {text!r} names both {other} and {col.name}")
            header_index[key] = col.name
    enums = {k: tuple(v["values"]) for k, v in raw["enums"].items()}
    rows, headers = raw["rows"], raw["headers"]
    enum_aliases = {
        k: {normalize_text(a): t for a, t in v.get("aliases", {}).items()}
        for k, v in raw["enums"].items()
    }
    return FormsData(
        columns=columns,
        forms=forms,
        marks_met=frozenset(raw["marks"]["met"]),
        ongoing=tuple(raw["deadlines"]["ongoing"]),
        immediate=tuple(raw["deadlines"]["immediate"]),
        marks_unmet=frozenset(raw["marks"]["unmet"]),
        negative_empty=frozenset(normalize_text(t) for t in raw["negative_list"]["empty"]),
        negative_punctuation=raw["negative_list"]["punctuation"],
        no_stars=frozenset(normalize_text(t) for t in raw["stars"]["none"]),
        totals=tuple(raw["rows"]["totals"]),
        column_numbers=frozenset(normalize_text(t) for t in raw["rows"]["column_numbers"]),
        footer=tuple(raw["rows"]["footer"]),
        enums=enums,
        enum_aliases=enum_aliases,
        header_index=header_index,
        header_prefixes=tuple(re.compile(p) for p in headers["prefixes"]),
        header_suffixes=tuple(headers["suffixes"]),
        header_verbs=tuple(headers["verbs"]),
        previous_period=tuple(normalize_text(t) for t in headers["previous_period"]),
        section_labels=tuple(re.compile(p) for p in rows["section_labels"]),
        section_numbers=re.compile(rows["section_numbers"]),
        section_counts=re.compile(rows["section_counts"]),
        section_words=tuple(rows["section_words"]),
        example_serials=frozenset(normalize_text(t) for t in rows["example_serials"]),
        placeholders=tuple(normalize_text(t) for t in rows["placeholders"]),
        example_sheets=tuple(normalize_text(t) for t in rows["example_sheets"]),
    )


def match_header(text: Any, extra: dict[str, str] | None = None) -> str | None:
    """The canonical column a header cell names, or None.

    ``extra`` maps further normalised header texts to canonical names (a rubric's aspects).
    """
    if text is None:
        return None
    for candidate in _header_keys(text if isinstance(text, str) else str(text)):
        if extra and candidate in extra:
            return extra[candidate]
        found = forms_data().header_index.get(candidate)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=1 << 14)
def _header_keys(text: str) -> tuple[str, ...]:
    """The normalised forms a header text is looked up by, in order: as written, without its
    trailing bracket (a unit, points), then without an enumeration prefix (1. （一） 一、), a
    suffix (情况) and a leading verb (健全 建强 开展…), each step on what the last one left."""
    key = normalize_header(text)
    if not key:
        return ()
    keys = [key]
    bare = strip_unit(key)
    if bare != key:
        keys.append(bare)
    data = forms_data()
    # each step first asks, in one call, whether any of its patterns or words can apply: most
    # texts a header search meets (names, titles) take none
    gate = _prefix_gate(data.header_prefixes)
    if gate is None or gate(bare):
        for pattern in data.header_prefixes:
            stripped = pattern.sub("", bare, count=1)
            if stripped != bare and stripped:
                bare = strip_unit(stripped)
                keys.append(bare)
                break
    if bare.endswith(data.header_suffixes):
        for suffix in data.header_suffixes:
            if bare.endswith(suffix) and len(bare) > len(suffix) + 1:
                bare = bare[: -len(suffix)]
                keys.append(bare)
                break
    if bare.startswith(data.header_verbs):
        for verb in data.header_verbs:
            if bare.startswith(verb) and len(bare) > len(verb) + 1:
                keys.append(bare[len(verb) :])
                break
    return tuple(keys)


def _prefix_gate(patterns: tuple[re.Pattern[str], ...]) -> Callable[[str], Any] | None:
    """A search for any of ``patterns`` at once (None: they cannot be joined, say by groups),
    made once for each tuple of patterns: kept by the tuple's identity, since hashing compiled
    patterns hashes their code (an lru_cache here cost a third of matching a new text)."""
    found = _GATES.get(id(patterns))
    if found is None or found[0] is not patterns:
        if len(_GATES) >= 4:
            _GATES.clear()
        found = _GATES[id(patterns)] = (patterns, _joined_search(patterns))
    return found[1]


# id(patterns) -> the patterns (held, so that the id is not another tuple's) and their search
_GATES: dict[int, tuple[tuple[re.Pattern[str], ...], Callable[[str], Any] | None]] = {}


def _joined_search(patterns: tuple[re.Pattern[str], ...]) -> Callable[[str], Any] | None:
    if any(p.groups or p.flags != re.UNICODE for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns) or "(?!)").search
    except re.error:
        return None


def column_kind(name: str) -> str:
    col = forms_data().columns.get(name)
    return col.kind if col else "text"
