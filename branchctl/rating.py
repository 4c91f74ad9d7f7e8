"""Rating branches under a rubric: pure functions from located tables to results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.rubric import Rubric
from branchctl.tables import Table, find_forms
from branchctl.values import BadValue, cell_text, name_key, parse_label, parse_mark, parse_negative, parse_stars
from branchctl.workbook import Workbook, cell_name


@dataclass
class BranchRating:
    sheet: str
    row: int  # 1-based Excel row
    party_org: str | None
    name: str
    type: str | None
    stars: int
    category: str
    level: str
    met: list[str]
    unmet: list[str]
    standard: bool
    veto: str | None
    claimed_stars: int | None
    claimed_category: str | None
    claimed_level: str | None
    warnings: list[str] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)  # aspects left blank (counted as unmet)
    bad: list[str] = field(default_factory=list)  # aspects with an unreadable mark (non-strict only)

    @property
    def stars_differ(self) -> bool:
        return self.claimed_stars is not None and self.claimed_stars != self.stars

    @property
    def category_differs(self) -> bool:
        return self.claimed_category is not None and self.claimed_category != self.category

    @property
    def level_differs(self) -> bool:
        return self.claimed_level is not None and self.claimed_level != self.level

    @property
    def mismatch(self) -> bool:
        return self.stars_differ or self.category_differs or self.level_differs

    def check_text(self) -> str:
        """The 核对结果 cell: 一致, or what differs."""
        parts = []
        if self.stars_differ:
            parts.append(f"星级不符（填报{self.claimed_stars}星，核算{self.stars}星）")
        if self.category_differs:
            parts.append(f"类别不符（填报“{self.claimed_category}”，核算“{self.category}”）")
        if self.level_differs:
            parts.append(f"等次不符（填报“{self.claimed_level}”，核算“{self.level}”）")
        if not parts:
            claimed = any(v is not None for v in (self.claimed_stars, self.claimed_category, self.claimed_level))
            return "一致" if claimed else "未填报自评"
        return "；".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "party_org": self.party_org,
            "name": self.name,
            "type": self.type,
            "stars": self.stars,
            "category": self.category,
            "level": self.level,
            "met": self.met,
            "unmet": self.unmet,
            "standard": self.standard,
            "veto": self.veto,
            "claimed_stars": self.claimed_stars,
            "claimed_category": self.claimed_category,
            "claimed_level": self.claimed_level,
            "warnings": self.warnings,
        }


@dataclass
class RatedTable:
    table: Table
    branches: list[BranchRating]


@dataclass
class RatingResult:
    path: Path
    rubric: Rubric
    tables: list[RatedTable]

    @property
    def branches(self) -> list[BranchRating]:
        return [b for t in self.tables for b in t.branches]

    def summary(self) -> dict[str, Any]:
        branches = self.branches
        total = len(branches)
        by_stars = {str(s): 0 for s in range(self.rubric.max_stars + 1)}
        by_category = {band.name: 0 for band in self.rubric.categories}
        for b in branches:
            by_stars[str(b.stars)] += 1
            by_category[b.category] = by_category.get(b.category, 0) + 1
        standard = sum(1 for b in branches if b.standard)
        return {
            "total": total,
            "by_stars": by_stars,
            "by_category": by_category,
            "standard_count": standard,
            "standard_rate": round(standard / total, 4) if total else 0.0,
            "mismatches": sum(1 for b in branches if b.mismatch),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "rubric": self.rubric.name,
            "branches": [b.to_json() for b in self.branches],
            "summary": self.summary(),
        }


def rated_tables(book: Workbook, rubric: Rubric) -> list[Table]:
    """The per-branch tables of ``book`` that carry every aspect of ``rubric``."""
    layout = find_forms(book, rubric.aspect_headers())
    out = []
    for table in layout.tables:
        if not table.form.per_branch:
            continue
        present = [a for a in rubric.aspect_names if table.has(a)]
        if len(present) == len(rubric.aspect_names):
            out.append(table)
        elif present:
            missing = "、".join(a for a in rubric.aspect_names if not table.has(a))
            raise BranchctlError(
                f"找到了{table.form.annex}的表头，但缺少“{missing}”列，无法评定",
                path=book.path,
                sheet=table.sheet_name,
                cell=cell_name(table.header_row, table.first_col),
            )
    return out


def rate_workbook(book: Workbook, rubric: Rubric, as_of: dt.date | None = None) -> RatingResult:
    tables = rated_tables(book, rubric)
    if not tables:
        aspects = "、".join(rubric.aspect_names)
        raise BranchctlError(
            f"没有找到可评定的表格：需要一张带“党支部名称”和“{aspects}”各列的分类定级表或创建台账",
            path=book.path,
        )
    return RatingResult(book.path, rubric, [RatedTable(t, rate_table(t, rubric, book.path)) for t in tables])


def rate_table(
    table: Table, rubric: Rubric, path: Path | None = None, strict: bool = True
) -> list[BranchRating]:
    out: list[BranchRating] = []
    seen: dict[str, int] = {}
    categories = rubric.category_labels()
    levels = rubric.level_labels()
    for r in table.rows:
        branch = rate_row(table, r, rubric, categories, levels, path, strict)
        key = name_key(branch.name)
        if key and key in seen:
            branch.warnings.append(f"与第{seen[key]}行党支部重名")
        elif key:
            seen[key] = branch.row
        out.append(branch)
    return out


def rate_row(
    table: Table,
    r: int,
    rubric: Rubric,
    categories: dict[str, str],
    levels: dict[str, str],
    path: Path | None = None,
    strict: bool = True,
) -> BranchRating:
    """Rate one data row. ``strict``: an unreadable mark raises (rate); otherwise it counts as
    unmet and is listed in ``bad`` (validate reports it as a finding)."""
    warnings: list[str] = []
    met: list[str] = []
    unmet: list[str] = []
    blank: list[str] = []
    bad: list[str] = []
    for aspect in rubric.aspect_names:
        raw = table.value(r, aspect)
        try:
            mark = parse_mark(raw)
        except BadValue as e:
            if not strict:
                bad.append(aspect)
                unmet.append(aspect)
                continue
            raise BranchctlError(
                f"“{aspect}”填写为“{cell_text(raw)}”，{e}；可先用 branchctl validate 查看全部问题",
                path=path,
                sheet=table.sheet_name,
                cell=cell_name(r, table.columns[aspect]),
                code="bad-mark",
            ) from e
        if mark is None:
            blank.append(aspect)
            unmet.append(aspect)
            warnings.append(f"“{aspect}”未填写，按未达标计")
        elif mark:
            met.append(aspect)
        else:
            unmet.append(aspect)

    veto = None
    for column in rubric.veto_columns:
        entry = parse_negative(table.value(r, column))
        if entry:
            veto = entry
            break

    stars = len(met)
    category = rubric.category_for(stars)
    level = rubric.level_for(stars)
    if rubric.standard_rule == "all-aspects":
        standard = not unmet
    else:
        standard = stars >= (rubric.standard_min_stars or 0)
    if veto is not None:
        stars = 0
        category = rubric.veto_category or rubric.category_for(0)
        level = rubric.veto_level or rubric.level_for(0)
        standard = False
        warnings.append(f"负面清单有“{veto}”，一票否决")

    claimed_stars = _claimed(table, r, "星级", warnings, lambda v: parse_stars(v, rubric.max_stars))
    claimed_category = _claimed(table, r, "定级类别", warnings, lambda v: parse_label(v, categories))
    claimed_level = _claimed(table, r, "等次", warnings, lambda v: parse_label(v, levels))

    name = cell_text(table.value(r, "党支部名称"))
    if not name:
        warnings.append("党支部名称为空")
    party_org = cell_text(table.value(r, "所属党组织")) or table.unit
    branch_type = cell_text(table.value(r, "支部类型")) or None
    return BranchRating(
        sheet=table.sheet_name,
        row=r + 1,
        party_org=party_org or None,
        name=name,
        type=branch_type,
        stars=stars,
        category=category,
        level=level,
        met=met,
        unmet=unmet,
        standard=standard,
        veto=veto,
        claimed_stars=claimed_stars,
        claimed_category=claimed_category,
        claimed_level=claimed_level,
        warnings=warnings,
        blank=blank,
        bad=bad,
    )


def _claimed(table: Table, r: int, column: str, warnings: list[str], parse: Any) -> Any:
    raw = table.value(r, column)
    try:
        return parse(raw)
    except BadValue as e:
        warnings.append(f"“{column}”填写为“{cell_text(raw)}”，{e}，未能核对")
        return None
