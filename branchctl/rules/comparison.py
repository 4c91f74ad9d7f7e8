"""Quarter to quarter: which branches gained stars (授星), lost them (摘星), appeared or went.

Two ledgers are rated under one rubric and their branches matched by name (``name_key``: full
width, spaces and brackets do not matter). A renamed branch is matched through a name map
(old → new). Where one ledger holds the same name twice, the 所属党组织 tells them apart; a
name twice under the same 所属党组织 is reported and the rows are paired in order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.findings.catalogue import phrase
from branchctl.forms.tables import Table, find_forms
from branchctl.forms.values import BadValue, cell_text, name_key, parse_label, parse_stars
from branchctl.io.workbook import Workbook, read_workbook
from branchctl.rules.county import CountyRating
from branchctl.rules.rateable import prefer_classification, rated_tables
from branchctl.rules.rating import rate_table
from branchctl.rules.rubric import Rubric

CHANGES = ("升星", "降星", "持平", "新增", "撤销")


@dataclass
class LedgerBranch:
    """A branch as one ledger rates it."""

    name: str
    party_org: str | None
    stars: int
    category: str
    level: str
    sheet: str
    row: int  # 1-based Excel row
    table: int  # index of its table in Ledger.tables (a county: of its file)
    file: str | None = None  # a county's branch: the file it is in (来源文件)

    @property
    def org_key(self) -> str:
        return name_key(self.party_org or "")


@dataclass
class Ledger:
    book: Workbook | None  # None: a county of many workbooks (no one workbook to annotate)
    tables: list[Table]
    branches: list[LedgerBranch]
    basis: str  # "computed": rated from the aspect marks; "claimed": the stated 星级
    warnings: list[str] = field(default_factory=list)
    path: str = ""  # the workbook or folder, as given

    @property
    def name(self) -> str:
        return Path(self.path).name or self.path


@dataclass
class BranchChange:
    old: LedgerBranch | None
    new: LedgerBranch | None
    change: str  # one of CHANGES

    @property
    def current(self) -> LedgerBranch:
        branch = self.new or self.old
        assert branch is not None
        return branch

    @property
    def renamed(self) -> bool:
        return bool(self.old and self.new and name_key(self.old.name) != name_key(self.new.name))

    def where(self) -> str:
        """本期“附件1”第6行, or for a branch gone, where it stood last time."""
        b = self.current
        return f"{'本期' if self.new else '上期'}{b.file or ''}“{b.sheet}”第{b.row}行"

    def note(self) -> str:
        """The 变动说明 cell: what changed besides the stars."""
        old, new = self.old, self.new
        if old is None:
            return "上期台账中没有该支部"
        if new is None:
            return "本期台账中没有该支部"
        parts = []
        if old.stars != new.stars:
            parts.append(f"{old.stars}星→{new.stars}星")
        if old.category != new.category:
            parts.append(f"{old.category}→{new.category}")
        if self.renamed:
            parts.append(f"原名称“{old.name}”")
        if old.org_key != new.org_key and (old.party_org or new.party_org):
            parts.append(
                f"所属党组织由“{old.party_org or '未填写'}”改为“{new.party_org or '未填写'}”"
            )
        return "；".join(parts)

    def to_json(self) -> dict[str, Any]:
        old, new = self.old, self.new
        return {
            "party_org": self.current.party_org,
            "name": self.current.name,
            "old_name": old.name if old else None,
            "old_stars": old.stars if old else None,
            "new_stars": new.stars if new else None,
            "old_category": old.category if old else None,
            "new_category": new.category if new else None,
            "old_level": old.level if old else None,
            "new_level": new.level if new else None,
            "change": self.change,
            "old_row": old.row if old else None,
            "new_row": new.row if new else None,
            "sheet": self.current.sheet,
            "old_sheet": old.sheet if old else None,
            "new_sheet": new.sheet if new else None,
        }


@dataclass
class Comparison:
    old: Ledger
    new: Ledger
    rubric: Rubric
    changes: list[BranchChange]
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        counts = Counter(c.change for c in self.changes)
        by_org: dict[str, dict[str, int]] = {}
        for c in self.changes:
            org = c.current.party_org or "（未填写）"
            row = by_org.setdefault(org, {k: 0 for k in CHANGES})
            row[c.change] += 1
        stars = range(self.rubric.max_stars + 1)
        return {
            "old_total": len(self.old.branches),
            "new_total": len(self.new.branches),
            **{k: counts.get(k, 0) for k in CHANGES},
            "renamed": sum(1 for c in self.changes if c.renamed),
            "by_stars": {
                "old": {str(s): sum(1 for b in self.old.branches if b.stars == s) for s in stars},
                "new": {str(s): sum(1 for b in self.new.branches if b.stars == s) for s in stars},
            },
            "by_party_org": by_org,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old.path,
            "new": self.new.path,
            "rubric": self.rubric.name,
            "basis": {"old": self.old.basis, "new": self.new.basis},
            "branches": [c.to_json() for c in self.changes],
            "summary": self.summary(),
            "warnings": [*self.old.warnings, *self.new.warnings, *self.warnings],
        }


# ------------------------------------------------------------------------------ reading


def read_ledger(path: Path, rubric: Rubric, label: str) -> Ledger:
    """The branches of one ledger: rated from the marks, or (a published list) its 星级 column."""
    book = read_workbook(path)
    tables = prefer_classification(rated_tables(book, rubric))
    warnings: list[str] = []
    branches: list[LedgerBranch] = []
    if tables:
        for i, table in enumerate(tables):
            for b in rate_table(table, rubric, book.path, strict=False):
                if b.bad:
                    warnings.append(
                        f"{label}“{b.sheet}”第{b.row}行“{'、'.join(b.bad)}”的标记无法识别，"
                        + phrase("counted_unmet")
                    )
                if b.name:
                    branches.append(
                        LedgerBranch(
                            b.name, b.party_org, b.stars, b.category, b.level, b.sheet, b.row, i
                        )
                    )
        return Ledger(book, tables, branches, "computed", warnings, str(path))

    layout = find_forms(book, rubric.aspect_headers())
    tables = prefer_classification(
        [t for t in layout.tables if t.form.per_branch and t.has("星级")]
    )
    if not tables:
        aspects = "、".join(rubric.aspect_names)
        raise BranchctlError(
            f"没有找到可对比的表格：需要带“党支部名称”和“{aspects}”各列的分类定级表，或带“星级”列的名单",
            path=path,
        )
    categories = rubric.category_labels()
    levels = rubric.level_labels()
    for i, table in enumerate(tables):
        for r in table.rows:
            name = cell_text(table.value(r, "党支部名称"))
            if not name:
                continue
            try:
                stars = parse_stars(table.value(r, "星级"), rubric.max_stars)
            except BadValue:
                stars = None
            if stars is None:
                warnings.append(
                    f"{label}“{table.sheet_name}”第{r + 1}行星级未填写或无法识别，未参与对比"
                )
                continue
            category = _label(table.value(r, "定级类别"), categories) or rubric.category_for(stars)
            level = _label(table.value(r, "等次"), levels) or rubric.level_for(stars)
            org = cell_text(table.value(r, "所属党组织")) or table.unit
            branches.append(
                LedgerBranch(name, org or None, stars, category, level, table.sheet_name, r + 1, i)
            )
    aspects = "、".join(rubric.aspect_names)
    warnings.insert(0, f"{label}没有“{aspects}”的达标标记，按表中填报的“星级”对比")
    return Ledger(book, tables, branches, "claimed", warnings, str(path))


def county_ledger(county: CountyRating, label: str) -> Ledger:
    """The branches of a county (a folder of township files) as one ledger."""
    warnings = [f"{label}的文件“{s.label}”未能评定，未参与对比：{s.message}" for s in county.failed]
    warnings += [f"{label}中的{s.label}{note}" for s in county.rated for note in s.notes]
    branches = [
        LedgerBranch(
            b.name, b.party_org, b.stars, b.category, b.level, b.sheet, b.row, i, s.chain(b)
        )  # fmt: skip
        for i, s in enumerate(county.rated)
        for b in s.branches
        if b.name
    ]
    return Ledger(None, [], branches, "computed", warnings, county.name)


def _label(value: Any, allowed: dict[str, str]) -> str | None:
    try:
        return parse_label(value, allowed)
    except BadValue:
        return None


# ------------------------------------------------------------------------------ matching


def compare_ledgers(
    old: Ledger, new: Ledger, rubric: Rubric, name_map: dict[str, str] | None = None
) -> Comparison:
    """Match the branches of two rated ledgers: 升星, 降星, 持平, 新增, 撤销."""
    renames = {name_key(o): name_key(n) for o, n in (name_map or {}).items()}
    warnings: list[str] = []
    old_keys = {name_key(b.name) for b in old.branches}
    new_keys = {name_key(b.name) for b in new.branches}
    for source, target in (name_map or {}).items():
        if name_key(source) not in old_keys:
            warnings.append(f"更名对照表中的原名称“{source}”在上期台账中没有找到")
        elif name_key(target) not in new_keys:
            warnings.append(f"更名对照表中的新名称“{target}”在本期台账中没有找到")

    def key_of_old(b: LedgerBranch) -> str:
        k = name_key(b.name)
        return renames.get(k, k)

    old_groups = _groups(old.branches, key_of_old)
    new_groups = _groups(new.branches, lambda b: name_key(b.name))
    for label, groups in (("上期台账", old_groups), ("本期台账", new_groups)):
        warnings += _duplicate_warnings(label, groups)

    pairs: dict[int, LedgerBranch] = {}  # id(new branch) -> old branch
    gone: list[LedgerBranch] = []
    for key, olds in old_groups.items():
        matched, left = _pair(olds, new_groups.get(key, []))
        for o, n in matched:
            pairs[id(n)] = o
        gone += left
    changes = []
    for n in new.branches:
        before = pairs.get(id(n))
        change = "新增" if before is None else _change(before.stars, n.stars)
        changes.append(BranchChange(before, n, change))
    gone.sort(key=lambda b: (b.table, b.row))
    changes += [BranchChange(o, None, "撤销") for o in gone]
    return Comparison(old, new, rubric, changes, warnings)


def _groups(branches: list[LedgerBranch], key: Any) -> dict[str, list[LedgerBranch]]:
    out: dict[str, list[LedgerBranch]] = {}
    for b in branches:
        out.setdefault(key(b), []).append(b)
    return out


def _duplicate_warnings(label: str, groups: dict[str, list[LedgerBranch]]) -> list[str]:
    out = []
    for members in groups.values():
        by_org: dict[str, list[LedgerBranch]] = {}
        for b in members:
            by_org.setdefault(b.org_key, []).append(b)
        for same in by_org.values():
            if len(same) > 1:
                where = "、".join(f"“{b.sheet}”第{b.row}行" for b in same)
                out.append(
                    f"{label}中党支部“{same[0].name}”出现{len(same)}次（{where}），按出现顺序与另一期对应，请核实"
                )
    return out


def _pair(
    olds: list[LedgerBranch], news: list[LedgerBranch]
) -> tuple[list[tuple[LedgerBranch, LedgerBranch]], list[LedgerBranch]]:
    """Pair one name's rows: a single row each way directly; else same 所属党组织 first, then in order."""
    if len(olds) <= 1 and len(news) <= 1:
        return ([(olds[0], news[0])] if olds and news else []), ([] if news else olds)
    matched = []
    free_new = list(news)
    left = []
    for o in olds:
        same = next((n for n in free_new if n.org_key == o.org_key), None)
        if same is not None:
            matched.append((o, same))
            free_new.remove(same)
        else:
            left.append(o)
    gone = []
    for o in left:
        if free_new:
            matched.append((o, free_new.pop(0)))
        else:
            gone.append(o)
    return matched, gone


def _change(old: int, new: int) -> str:
    return "升星" if new > old else "降星" if new < old else "持平"
