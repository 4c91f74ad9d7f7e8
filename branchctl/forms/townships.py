"""Which township a submission comes from, and when two names are one township.

Names are compared by :func:`township_key`: full width, spaces and brackets do not matter, nor
a leading 中共 or a trailing 党委 / 党工委 / 委员会, so that 城关镇、城关镇党委 and 中共城关镇委员会
are one township.

A submission is matched to its township from, in this order:

1. the 填报单位 written above its tables (``填报单位（盖章）：城关镇党委``);
2. the 所属党组织 of its branches, when every branch names the same one;
3. its file name, when it contains exactly one known township (``城关镇_二季度.xlsx``);
4. the name of the folder it is in (``二季度/城关镇/附件1.xlsx``).

With a roster (or, without one, the townships the archive already knows), a name must be on it
to count; without any, only 1 and 2 can name a township. A file none of these names is not
guessed: it is reported with what was seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branchctl.forms.values import name_key

_PREFIXES = ("中共",)
_SUFFIXES = ("党工委", "党委", "工委", "委员会", "党总支", "（盖章）", "盖章")
SOURCES = ("填报单位", "所属党组织", "文件名", "文件夹名")


def township_key(name: Any) -> str:
    """城关镇党委, 中共城关镇委员会, ``城关镇 `` -> 城关镇."""
    key = name_key(name)
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                changed = True
    return key


# ------------------------------------------------------------------------------ matching


@dataclass(frozen=True)
class TownshipMatch:
    township: str | None  # the known spelling (roster), or as written when nothing is known
    source: str | None  # one of SOURCES, or "指定" (given on the command line)
    reason: str = ""  # why nothing matched: what was seen


def match_township(
    path: Path,
    unit: str | None,
    orgs: Iterable[str],
    known: Sequence[str],
    known_as: str = "名册",
) -> TownshipMatch:
    """Which of ``known`` sent ``path`` (see the module's order); ``unit`` is its 填报单位,
    ``orgs`` the 所属党组织 of its branches, ``known_as`` what ``known`` is (for the reason)."""
    by_key = {township_key(k): k for k in known}
    written: list[tuple[str, str]] = []
    if unit and township_key(unit):
        written.append(("填报单位", unit.strip()))
    org_names = {township_key(o): o.strip() for o in orgs if township_key(o)}
    if len(org_names) == 1:
        written.append(("所属党组织", next(iter(org_names.values()))))
    if not by_key:
        if written:
            return TownshipMatch(written[0][1], written[0][0])
        return TownshipMatch(None, None, _unnamed(org_names) + "，且尚无名册，无法按文件名对应")
    reasons = []
    for source, text in written:
        hit = by_key.get(township_key(text))
        if hit is not None:
            return TownshipMatch(hit, source)
        reasons.append(f"{source}“{text}”不在{known_as}中")
    if not written:
        reasons.append(_unnamed(org_names))
    for source, text in (("文件名", path.stem), ("文件夹名", path.parent.name)):
        hits = _contained(by_key, text)
        if len(hits) == 1:
            return TownshipMatch(hits[0], source)
        if len(hits) > 1:
            reasons.append(f"{source}同时含有{'、'.join(hits)}")
    reasons.append(f"文件名和所在文件夹名都不含{known_as}中的乡镇（街道）名称")
    return TownshipMatch(None, None, "；".join(reasons))


def _unnamed(org_names: dict[str, str]) -> str:
    if len(org_names) > 1:
        shown = "、".join(list(org_names.values())[:3])
        return f"表头没有填报单位，各支部的所属党组织不是同一个（{shown}等）"
    return "表头没有填报单位，也没有所属党组织"


def _contained(by_key: dict[str, str], text: str) -> list[str]:
    """Known townships whose key is in ``text``; one that is part of another longer hit
    (城关 in 城关镇) gives way to it."""
    key = name_key(text)
    hits = [k for k in by_key if k and k in key]
    longest = [k for k in hits if not any(k != other and k in other for other in hits)]
    return [by_key[k] for k in longest]
