"""What a reader must get out of a corpus workbook, written from SPEC §2–3 and issue 11 alone.

Nothing here calls branchctl: marks, "none" words and the six-star rubric are restated from the
spec so that the corpus checks the tool rather than agreeing with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# SPEC §2 "Marks": met. ○ is deliberately absent (issue 11: clerks use it for 基本达标 or 未达标).
MET = {"√", "✓", "✔", "是", "达标", "合格", "已达标", "有", "1", "Y", "y"}
UNMET = {"×", "✗", "✘", "X", "x", "否", "未达标", "不达标", "不合格", "无", "0", "N", "n"}
# SPEC §2 negative list, extended by issue 11: "none" written in words, compared after
# stripping spaces and punctuation.
NO_VETO = {
    "", "无", "否", "/", "-", "—", "——", "×", "暂无", "没有", "无此情况", "无此情形", "未发现",
    "未发生", "0",
}  # fmt: skip
_PUNCT = re.compile(r"[\s。．.，,、；;：:！!]+")


def is_met(mark: object) -> bool:
    if isinstance(mark, int) and not isinstance(mark, bool):
        return mark == 1
    return isinstance(mark, str) and mark.strip() in MET


def is_veto(text: object) -> bool:
    if text is None:
        return False
    if isinstance(text, int | float):
        return text != 0
    raw = str(text).strip()
    return raw not in NO_VETO and _PUNCT.sub("", raw) not in NO_VETO


def stars_for(marks: Sequence[object], veto: object) -> int:
    """SPEC §3: one star per aspect met; any entry in 负面清单 gives 0."""
    return 0 if is_veto(veto) else sum(is_met(m) for m in marks)


def category_for(stars: int) -> str:
    return {6: "示范点", 5: "重点对象", 4: "加强指导", 3: "加强指导"}.get(stars, "软弱涣散")


def level_for(stars: int) -> str:
    return "先进" if stars >= 5 else "中间" if stars >= 3 else "后进"


@dataclass(frozen=True)
class Expected:
    """One branch as `rate --json` must report it."""

    sheet: str
    row: int
    party_org: str | None
    name: str
    type: str | None
    stars: int
    category: str
    vetoed: bool = False
    hidden: bool = False
    claimed_stars: int | None = None  # checked when set

    @property
    def level(self) -> str:
        return level_for(self.stars)


@dataclass(frozen=True)
class Finding:
    """An expected validate finding: ``cells`` all named by the findings of this code (in their
    cell or message); for one cell, a finding at that cell."""

    code: str
    sheet: str
    cells: tuple[str, ...]

    @classmethod
    def at(cls, code: str, sheet: str, *cells: str) -> Finding:
        return cls(code, sheet, tuple(cells))


@dataclass(frozen=True)
class RowWarning:
    """An expected warning on a row (its cell is the tool's choice)."""

    code: str
    sheet: str
    row: int


@dataclass
class Outcome:
    """What both commands must give for one workbook.

    ``branches`` are the rows a reader must take as branches. With ``refuse_cells``, ``rate``
    must refuse (exit 2) naming every one of those cells.
    ``errors`` is the exact set of error findings of ``validate``; ``warnings`` must be among
    its warnings. ``other_rows`` are data rows of list sheets (附件4…), which may carry findings;
    every other row that is not a branch must carry no row finding.
    """

    branches: list[Expected]
    refuse_cells: tuple[str, ...] = ()
    errors: list[Finding] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    example_sheets: tuple[str, ...] = ()  # skipped entirely: no error may name them
    other_rows: dict[str, set[int]] = field(default_factory=dict)
    rate_exit: int = 0
