"""Rating branches (or members) under a rubric: pure functions from located tables to results.

One row is rated by :func:`rate_row`: each aspect judged by its mark, its score or its indicator
rules; stars counted or taken from a total; deductions and veto applied; category and level
looked up; the claims read. :func:`rate_workbook` then applies what needs every row at once:
quotas (五个基本: A at most 10%) and the ranking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.findings.catalogue import finding
from branchctl.forms.tables import Layout, Table, find_forms
from branchctl.forms.values import (
    BadValue,
    cell_text,
    is_blank,
    name_key,
    parse_label,
    parse_mark,
    parse_negative,
    parse_stars,
)
from branchctl.io.workbook import Workbook
from branchctl.rules.caps import apply_caps
from branchctl.rules.evidence import missing_proof
from branchctl.rules.indicators import Verdict as IndicatorVerdict
from branchctl.rules.indicators import carried_rules, judge_indicators
from branchctl.rules.parts import weigh
from branchctl.rules.quotas import apply_quotas
from branchctl.rules.ranking import rank
from branchctl.rules.rateable import (
    is_rated_copy,
    prefer_classification,
    rated_tables,
    read_columns,
    reading_notes,
    refuse_bad_values,
)
from branchctl.rules.results import (
    SOURCE_COLUMN,
    BranchRating,
    CapHit,
    Disagreement,
    ProofGap,
    QuotaOutcome,
    RatedTable,
    RatingResult,
    ShareOutcome,
)
from branchctl.rules.rubric import MONTHS, Aspect, Rubric
from branchctl.rules.scoring import (
    deduction_entries,
    number_text,
    parse_number,
    points_period,
    read_points,
)
from branchctl.rules.shares import measure_shares


def rate_workbook(
    book: Workbook,
    rubric: Rubric,
    as_of: dt.date | None = None,
    *,
    layout: Layout | None = None,
    strict: bool = True,
    settle: bool = True,
    one_per_branch: bool = False,
) -> RatingResult:
    """Rate every rated table of ``book``. ``strict``: an unreadable mark stops it (else it is
    listed in the branch's ``bad``); ``settle``: apply what needs every branch at once (quotas,
    shares, ranking) — a county settles once over all its files instead; ``one_per_branch``:
    附件2 only where there is no 附件1 (it repeats its branches), so each branch counts once."""
    as_of = as_of or dt.date.today()
    layout = layout or find_forms(book, rubric.aspect_headers())
    tables = rated_tables(book, rubric, layout)
    if one_per_branch:
        tables = prefer_classification(tables)
    if not tables:
        if rubric.points is not None:
            what = "一张带“党支部名称”（或“党员姓名”）和“1月”至“12月”得分列的积分表"
        else:
            what = f"一张带“{rubric.key_column}”和“{'、'.join(rubric.required_columns())}”各列的分类定级表或创建台账"
        raise BranchctlError(f"没有找到可评定的表格：需要{what}", path=book.path)
    for t in tables:
        if is_rated_copy(t):
            raise BranchctlError(
                "这是本工具写出的批注工作簿（已有“计算星级”“核对结果”列），请对乡镇报来的原始台账评定",
                path=book.path,
                sheet=t.sheet_name,
            )
    rated = [RatedTable(t, rate_table(t, rubric, book.path, False, as_of=as_of)) for t in tables]
    if strict:
        refuse_bad_values(rated, book.path)
    result = RatingResult(book.path, rubric, rated, notes=reading_notes(layout, tables))
    if not result.branches:
        raise BranchctlError(
            "表中只有表头，没有填写任何党支部，请填报后再评定",
            path=book.path,
            sheet=tables[0].sheet_name,
        )
    if settle:
        result.quotas, result.shares = settle_ratings(result.branches, rubric)
        result.notes += [q.note() for q in result.quotas] + [o.note() for o in result.shares]
    if rubric.points is not None:
        result.period = points_period(tables[0].title, as_of)
        result.notes += _points_notes(result, as_of)
    return result


def settle_ratings(
    branches: list[BranchRating], rubric: Rubric
) -> tuple[list[QuotaOutcome], list[ShareOutcome]]:
    """What needs every branch rated together: the quotas (changing categories in place), the
    shares measured on the outcome, and the ranking. Returns what each quota and share did."""
    units = [b for b in branches if b.entity == "branch"]
    quotas = apply_quotas(units, rubric)
    shares = measure_shares(units, rubric)
    if rubric.ranking:
        for entity in ("branch", "member"):
            rank([b for b in branches if b.entity == entity], rubric.ranking)
    return quotas, shares


def _points_notes(result: RatingResult, as_of: dt.date) -> list[str]:
    period = result.period
    assert period is not None
    notes = []
    if period.note:
        notes.append(period.note + "。")
    if period.months:
        notes.append(
            f"得分计至{period.months}月；星级按{period.star_months}月底（季度末）的累计得分评定。"
            if period.star_months
            else f"得分计至{period.months}月；第一季度尚未结束，新年度星级从0星起评。"
        )
    else:
        notes.append("新年度从零开始：尚无已过完的月份，得分和星级均为0。")
    for rated in result.tables:
        table = rated.table
        later = [
            m
            for m in MONTHS[period.months :]
            if table.has(m) and any(not is_blank(table.value(r, m)) for r in table.rows)
        ]
        if later:
            notes.append(
                f"“{table.sheet_name}”中{'、'.join(later)}已有得分，未计入（核对日期{as_of.isoformat()}）。"
            )
        absent = [m for m in MONTHS[: period.months] if not table.has(m)]
        if absent:
            notes.append(f"“{table.sheet_name}”没有{'、'.join(absent)}列，按0分计。")
    return notes


def rate_table(
    table: Table,
    rubric: Rubric,
    path: Path | None = None,
    strict: bool = True,
    *,
    as_of: dt.date | None = None,
) -> list[BranchRating]:
    """Rate every data row of ``table``. ``strict``: an unreadable mark or score stops it,
    naming every such cell of the table; otherwise it counts as unmet and is listed in the
    branch's ``bad`` (validate reports it as a finding).

    Rows repeat: a ledger of 100,000 branches holds about 1,300 different combinations of
    marks, negative list, claims and indicator inputs, so each combination is rated once
    (:class:`_TableRater`) and every row then only takes its name, place and findings."""
    out: list[BranchRating] = []
    seen: dict[str, int] = {}
    rater = _TableRater(table, rubric, path, as_of or dt.date.today())
    variant = rater.variant
    who = "党员" if variant.entity == "member" else "党支部"
    per_branch = variant.entity == "branch"
    for r in table.rows:
        branch = rater.rate(r)
        key = name_key(branch.name)
        if key and key in seen and per_branch:
            branch.warn("duplicate-name", variant.key_column, first_row=seen[key], who=who)
        elif key:
            seen[key] = branch.row
        out.append(branch)
    if strict:
        refuse_bad_values([RatedTable(table, out)], path)
    return out


# ------------------------------------------------------------------------------- one row


@dataclass(slots=True)
class _Row:
    """What is gathered while rating one row."""

    met: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    bad_hints: dict[str, str] = field(default_factory=dict)
    notes: list[_Note] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)

    def note(self, code: str, column: str | None = None, **fields: Any) -> None:
        self.notes.append((code, column, fields))


_Note = tuple[str, str | None, dict[str, Any]]  # a finding to be: code, column, fields


def rate_row(
    table: Table,
    r: int,
    rubric: Rubric,
    categories: dict[str, str],
    levels: dict[str, str],
    path: Path | None = None,
    *,
    as_of: dt.date | None = None,
) -> BranchRating:
    """Rate one data row. An unreadable mark or score counts as unmet and is listed in ``bad``
    (rate then refuses, naming the cells; validate reports each as a finding)."""
    rater = _TableRater(table, rubric, path, as_of or dt.date.today(), (categories, levels))
    return rater.rate(r, memo=False)


@dataclass(slots=True)
class _Verdict:
    """What a row's rating-relevant cells give, whatever its name and place (shared by every
    row with the same cells). Lists and dicts are copied into each branch."""

    stars: int
    category: str
    level: str
    standard: bool
    veto: str | None
    row: _Row
    score: float | None
    star_score: float | None
    claimed_score: float | None
    claimed_stars: int | None
    claimed_category: str | None
    claimed_level: str | None
    claimed_in: dict[str, str]
    deductions: list[str]
    parts: dict[str, float]
    satisfaction: float | None
    caps: list[CapHit]
    capped_from: int | None
    proof: list[ProofGap]


class _Reads(dict[str, Any]):
    """A row's values that remember which columns outside the memo key were read, so that a
    memoised verdict is reused only for rows equal in those columns too."""

    __slots__ = ("keyed", "read", "whole")

    def __init__(self, values: dict[str, Any], keyed: frozenset[str]) -> None:
        super().__init__(values)
        self.keyed = keyed
        self.read: dict[str, None] = {}  # in the order first read
        self.whole = False  # read as a whole (iterated, counted): no reuse by columns

    def _saw(self, key: Any) -> None:
        if key not in self.keyed:
            self.read[key] = None

    def get(self, key: Any, default: Any = None) -> Any:
        self._saw(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._saw(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self._saw(key)
        return super().__contains__(key)

    def _all(self) -> None:
        self.whole = True

    def __iter__(self) -> Any:
        self._all()
        return super().__iter__()

    def __len__(self) -> int:
        self._all()
        return super().__len__()

    def keys(self) -> Any:
        self._all()
        return super().keys()

    def values(self) -> Any:
        self._all()
        return super().values()

    def items(self) -> Any:
        self._all()
        return super().items()

    def copy(self) -> dict[str, Any]:
        self._all()
        return dict(super().items())


_BLANK = object()  # a cell the table reads as blank ("" or past the row's end)
_MAX_VARIANTS = 8  # verdicts kept per memo key that differ in columns outside it

# Columns that say who a row is, not how it is rated: left out of the memo key (a verdict
# that reads one of them is reused only where it is equal, see _Reads).
_WHO_COLUMNS = ("所属党组织", "所属党支部", "党支部名称", "支部类型", "支部书记", SOURCE_COLUMN)


class _TableRater:
    """Rates the rows of one table: each different combination of the cells rating reads once
    (memo), then each row's own name, place and findings."""

    def __init__(
        self,
        table: Table,
        rubric: Rubric,
        path: Path | None,
        as_of: dt.date,
        labels: tuple[dict[str, str], dict[str, str]] | None = None,
    ) -> None:
        self.table, self.rubric, self.path, self.as_of = table, rubric, path, as_of
        variant = self.variant = rubric.for_table(table)
        if labels is None or variant is not rubric:
            labels = (variant.category_labels(), variant.level_labels())
        self.categories, self.levels = labels
        self.plain = _plain_marks(variant, table)
        self.kinds = rubric.column_kinds
        self.extras = rubric.json_extras()
        self.file = str(path) if path is not None else None
        self.who = frozenset({variant.key_column, *_WHO_COLUMNS})
        self.rows = table.sheet.rows
        self.fill = table.fill
        # aspects judged by indicator rules: each judged once per combination of the cells
        # its rules read (counts vary from row to row, what they make of them hardly)
        self.judged: list[tuple[Aspect, tuple[str, ...], dict[Any, int], int, Any]] = []
        self.verdicts: dict[Any, int] = {}  # an indicator verdict -> its number
        self.verdict_list: list[IndicatorVerdict] = []
        inputs: set[str] = set()
        for aspect in variant.aspects:
            if aspect.name in self.plain or not aspect.indicators:
                continue
            rules = carried_rules(aspect, table)
            if rules:
                comps = [c for rule in rules for c in (rule.test, *rule.when)]
                columns = {c for comp in comps for c in (comp.column, *comp.instead)}
                used = tuple(sorted(c for c in columns if c in table.columns))
                at = [table.columns[c] for c in used]
                get = itemgetter(*at) if len(at) > 1 else lambda line, c=at[0]: (line[c],)
                self.judged.append((aspect, used, {}, max(at) + 1, get))
                inputs.update(used)
        self._keyed(c for c in read_columns(variant) if c in table.columns and c not in inputs)

    def _keyed(self, names: Iterable[str]) -> None:
        """Key the memo on these columns (those that say who a row is are left out)."""
        columns = self.table.columns
        keyed = tuple(sorted({c for c in names if c in columns and c not in self.who}))
        self.key_names = keyed
        self.key_cols = tuple(columns[c] for c in keyed)
        self.keyed = frozenset(keyed)
        self.width = max(self.key_cols, default=-1) + 1
        self.get_key = itemgetter(*self.key_cols) if len(self.key_cols) > 1 else None
        self.memo: dict[Any, list[tuple[tuple[str, ...], tuple[Any, ...], _Verdict]]] = {}

    # -- reading one row

    def _line(self, r: int) -> tuple[list[Any] | None, dict[str, Any] | None]:
        """The row as read: its raw cells, or (where merges fill it) its values by column."""
        fill = self.fill
        if fill and fill.touches(r):
            return None, self.table.row_values(r)
        rows = self.rows
        return (rows[r] if r < len(rows) else []), None

    def _key(self, line: list[Any] | None, values: dict[str, Any] | None) -> Any:
        if line is not None and len(line) >= self.width:
            if self.get_key is not None:
                found = self.get_key(line)
            else:
                found = tuple(line[c] for c in self.key_cols)
        else:
            found = tuple(self._cell(line, values, c) for c in self.key_names)
        # 1, 1.0 and True are equal keys: the types tell them apart
        return found, tuple(map(type, found))

    def _cell(self, line: list[Any] | None, values: dict[str, Any] | None, name: str) -> Any:
        """One cell as a memo key reads it: the raw value, _BLANK when blank."""
        if values is not None:
            return values.get(name, _BLANK)
        c = self.table.columns.get(name)
        if line is None or c is None or c >= len(line):
            return _BLANK
        v = line[c]
        return _BLANK if type(v) is str and v == "" else v

    def _values(self, r: int, values: dict[str, Any] | None) -> dict[str, Any]:
        return values if values is not None else self.table.row_values(r)

    # -- rating

    def _indicators(self, line: list[Any] | None, values: dict[str, Any] | None) -> tuple[int, ...]:
        """The number of each indicator-judged aspect's verdict on a row (part of its key)."""
        numbers: list[int] = []
        for aspect, columns, memo, width, get in self.judged:
            if line is not None and len(line) >= width:
                cells = get(line)  # raw: "" is blank
            else:
                cells = tuple(self._cell(line, values, c) for c in columns)
            key = (cells, tuple(map(type, cells)))
            n = memo.get(key)
            if n is None:
                # the rules see only their own cells: the verdict depends on nothing else
                seen = {
                    c: v
                    for c, v in zip(columns, cells, strict=True)
                    if v is not _BLANK and not (type(v) is str and v == "")
                }
                verdict = judge_indicators(aspect, self.table, seen, self.as_of, self.kinds)
                sig = (verdict.ok, *map(tuple, (verdict.failures, verdict.columns)))
                sig += (tuple(verdict.unreadable),)
                n = self.verdicts.get(sig)
                if n is None:
                    n = self.verdicts[sig] = len(self.verdict_list)
                    self.verdict_list.append(verdict)
                memo[key] = n
            numbers.append(n)
        return tuple(numbers)

    def rate(self, r: int, memo: bool = True) -> BranchRating:
        line, values = self._line(r)
        if not memo:
            return self._branch(r, line, values, self._verdict(self._values(r, values), None))
        judged = self._indicators(line, values) if self.judged else ()
        key = (*self._key(line, values), judged)
        kept = self.memo.get(key)
        if kept is not None:
            for columns, seen, verdict in kept:
                if not columns or all(
                    _same(self._cell(line, values, c), v)
                    for c, v in zip(columns, seen, strict=True)
                ):
                    return self._branch(r, line, values, verdict)
        reads = _Reads(self._values(r, values), self.keyed)
        indicators = {
            aspect.name: self.verdict_list[n]
            for (aspect, *_), n in zip(self.judged, judged, strict=True)
        }
        verdict = self._verdict(reads, indicators)
        more = [c for c in reads.read if c in self.table.columns and c not in self.who]
        if more:  # a rule read a column the key lacks: key on it from now on
            self._keyed([*self.key_names, *more])
            key = (*self._key(line, values), judged)
            reads.read = {c: None for c in reads.read if c not in self.keyed}
        if not reads.whole:
            kept = self.memo.setdefault(key, [])
            if len(kept) < _MAX_VARIANTS:
                columns = tuple(reads.read)
                kept.append((columns, tuple(self._cell(line, values, c) for c in columns), verdict))
        return self._branch(r, line, values, verdict)

    def _verdict(
        self, values: dict[str, Any], indicators: dict[str, IndicatorVerdict] | None
    ) -> _Verdict:
        """Rate a row's cells: each aspect judged by its mark, score or indicator rules; stars
        counted or taken from a total; deductions and veto applied; category and level looked
        up; the claims read."""
        table, variant, as_of = self.table, self.variant, self.as_of
        categories, levels = self.categories, self.levels
        row = _Row()
        kinds = self.kinds
        cell = values.get
        plain = self.plain
        for aspect in variant.aspects:
            if aspect.name in plain:  # the common case: a √ or × and nothing else to weigh
                try:
                    mark = parse_mark(values.get(aspect.name))
                except BadValue:
                    mark = None
                if mark is not None:
                    (row.met if mark else row.unmet).append(aspect.name)
                    continue
            known = indicators.get(aspect.name) if indicators is not None else None
            _judge(aspect, table, values, row, as_of, kinds, known)

        weighed = weigh(variant, row.scores, values)  # parts (基础项 70%…), 群众满意度
        for column, why in weighed.bad:
            _bad_value(column, why, row)
        row.notes += weighed.notes
        score = star_score = None
        if variant.points is not None:
            period = points_period(table.title, as_of)
            points = read_points(cell, variant.points)
            for column in points.bad:
                _bad_value(column, "不是有效的分数，应填写数字", row)
            limit = variant.points.month_max
            for m, value in sorted(points.months.items()):
                if limit is not None and value > limit + 1e-9:
                    row.note(
                        "month-over-max",
                        f"{m}月",
                        month=m,
                        score=number_text(value),
                        limit=number_text(limit),
                    )
            score = points.total(period.months)
            # no quarter ended yet: the new year's stars start from zero
            star_score = points.total(period.star_months) if period.star_months else 0.0
            stars = (
                variant.stars_for_total(star_score, period.star_months) if period.star_months else 0
            )
        elif variant.has_total:
            score = weighed.total
            stars = (
                variant.stars_for_total(score) if variant.star_method == "total" else len(row.met)
            )
        else:
            stars = len(row.met)
        band_total = star_score if variant.points is not None else score

        deductions: list[str] = []
        for column in variant.deduct_columns:
            deductions += deduction_entries(cell(column), column)
        if deductions:
            before = stars
            stars = max(0, stars - len(deductions))
            change = f"{before}星减为{stars}星" if stars != before else f"已是{stars}星"
            row.note(
                "stars-deducted",
                count=len(deductions),
                entries="、".join(deductions),
                change=change,
            )

        capped = apply_caps(variant, table, values, stars, weighed.satisfaction, as_of)
        stars = capped.stars
        row.notes += capped.notes

        veto = None
        for column in variant.veto_columns:
            veto = parse_negative(cell(column))
            if veto:
                break

        category = variant.category_for(stars, band_total)
        level = variant.level_for(stars, band_total, category)
        if variant.standard_rule == "all-aspects":
            standard = not row.unmet
        else:
            standard = stars >= (variant.standard_min_stars or 0)
        if veto is not None:
            stars = 0
            category = variant.veto_category or variant.lowest_category()
            level = variant.veto_level or variant.lowest_level()
            standard = False
            row.note("veto", entry=veto)

        notes = row.notes
        # claims repeat down a table (四星, 先进, A): each is read once per table
        raw_stars = cell("星级")
        memo = _table_memo(table, variant, "stars")
        stars_claim = memo.get((type(raw_stars), raw_stars))
        if stars_claim is None:
            stars_notes: list[_Note] = []
            stars_read = _claimed(
                raw_stars, "星级", stars_notes, lambda v: parse_stars(v, variant.max_stars)
            )
            stars_claim = memo[(type(raw_stars), raw_stars)] = (stars_read, stars_notes)
        claimed_stars = stars_claim[0]
        notes += stars_claim[1]
        raw_category, raw_level = cell("定级类别"), cell("等次")
        memo = _table_memo(table, variant, "labels")
        key = (type(raw_category), raw_category, type(raw_level), raw_level)
        labels_claim = memo.get(key)
        if labels_claim is None:
            label_notes: list[_Note] = []
            claimed_in_read: dict[str, str] = {}
            category_read, level_read = _claimed_labels(
                values, categories, levels, label_notes, claimed_in_read
            )
            labels_claim = memo[key] = (category_read, level_read, claimed_in_read, label_notes)
        claimed_category, claimed_level = labels_claim[0], labels_claim[1]
        claimed_in = dict(labels_claim[2])
        notes += labels_claim[3]
        claimed_score = (
            _claimed(cell("总分"), "总分", notes, parse_number) if variant.has_total else None
        )
        if claimed_score is not None and score is not None and variant.points is None:
            if abs(claimed_score - score) > 0.005:
                row.note(
                    "total-differs",
                    "总分",
                    claimed=number_text(claimed_score),
                    how="按权重核算为" if variant.parts else "各项合计",
                    computed=number_text(score),
                )

        proof = missing_proof(
            variant,
            values,
            (stars, category, level),
            (claimed_stars, claimed_category, claimed_level),
        )
        return _Verdict(
            stars=stars,
            category=category,
            level=level,
            standard=standard,
            veto=veto,
            row=row,
            score=score,
            star_score=star_score,
            claimed_score=claimed_score,
            claimed_stars=claimed_stars,
            claimed_category=claimed_category,
            claimed_level=claimed_level,
            claimed_in=claimed_in,
            deductions=deductions,
            parts=weighed.parts,
            satisfaction=weighed.satisfaction,
            caps=capped.hits,
            capped_from=capped.capped_from,
            proof=proof,
        )

    def _branch(
        self, r: int, line: list[Any] | None, values: dict[str, Any] | None, verdict: _Verdict
    ) -> BranchRating:
        """One row's rating: the verdict of its cells, with its own name, place and findings."""
        table, variant = self.table, self.variant
        cell: Callable[[str], Any]
        if line is None:
            assert values is not None
            cell = values.get
        else:
            cell = _reader(line, table.columns)

        row = verdict.row
        notes = list(row.notes)
        name = cell_text(cell(variant.key_column))
        if variant.entity == "member":
            if not name:
                notes.append(("name-blank", variant.key_column, {}))
            org = next(
                (
                    cell_text(cell(c))
                    for c in ("所属党支部", "党支部名称", "所属党组织")
                    if cell_text(cell(c))
                ),
                "",
            )
            party_org = org or table.unit
        else:
            if not name:
                notes.append(("name-blank", "党支部名称", {}))
            party_org = cell_text(cell("所属党组织")) or table.unit
        for gap in verdict.proof:  # the proof a grade needs, left blank
            notes.append(
                (
                    "evidence-missing",
                    next((c for c in gap.columns if c in table.columns), None),
                    {
                        "item": name,
                        "state": gap.state(),
                        "missing": gap.columns_text(),
                        "then": f"（{gap.rule}）" if gap.rule else "",
                    },
                )
            )
        if table.hidden(r):
            notes.append(
                (
                    "hidden-row",
                    variant.key_column,
                    {"what": "党员" if variant.entity == "member" else "党支部"},
                )
            )
        sheet, excel_row = table.sheet_name, r + 1
        return BranchRating(
            sheet=sheet,
            row=excel_row,
            party_org=party_org or None,
            name=name,
            type=cell_text(cell("支部类型")) or table.section_type(r),
            stars=verdict.stars,
            category=verdict.category,
            level=verdict.level,
            met=list(row.met),
            unmet=list(row.unmet),
            standard=verdict.standard,
            veto=verdict.veto,
            claimed_stars=verdict.claimed_stars,
            claimed_category=verdict.claimed_category,
            claimed_level=verdict.claimed_level,
            findings=[
                finding(
                    code,
                    sheet=sheet,
                    row=excel_row,
                    column=column,
                    cell=table.cell(r, column) if column else None,
                    value=cell_text(cell(column)) if column else None,
                    **fields,
                )
                for code, column, fields in notes
            ]
            if notes
            else [],
            blank=list(row.blank),
            bad=list(row.bad),
            bad_hints=dict(row.bad_hints),
            score=verdict.score,
            scores=dict(row.scores),
            claimed_score=verdict.claimed_score,
            star_score=verdict.star_score,
            deductions=list(verdict.deductions),
            entity=variant.entity,
            disagreements=list(row.disagreements),
            claimed_in=dict(verdict.claimed_in),
            extra_keys=self.extras,
            parts=dict(verdict.parts),
            satisfaction=verdict.satisfaction,
            caps=list(verdict.caps),
            capped_from=verdict.capped_from,
            evidence_missing=list(verdict.proof),
            file=self.file,
            source=cell_text(cell(SOURCE_COLUMN)) or None,
            secretary=cell_text(cell("支部书记")) or None,
        )


def _reader(line: list[Any], columns: dict[str, int]) -> Callable[[str], Any]:
    """A row's cells by column, as rating reads them (None when blank)."""
    n, at = len(line), columns.get

    def cell(name: str) -> Any:
        c = at(name)
        if c is None or c >= n:
            return None
        v = line[c]
        return None if type(v) is str and v == "" else v

    return cell


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (a is b or a == b)


def _table_memo(table: Table, variant: Rubric, name: str) -> dict[Any, Any]:
    """A memo kept on ``table`` for work that depends only on the values and ``variant``."""
    key = ("rating-memo", name)
    found = table.cache.get(key)
    if found is None or found[0] is not variant:
        found = table.cache[key] = (variant, {})
    return found[1]


def _plain_marks(variant: Rubric, table: Table) -> frozenset[str]:
    """Aspects of ``variant`` judged by their mark alone in ``table`` (their column is there
    and no indicator rule has data in it): a readable mark settles them."""
    key = ("plain-marks", id(variant))
    found: frozenset[str] | None = table.cache.get(key)
    if found is None:
        found = table.cache[key] = frozenset(
            a.name
            for a in variant.aspects
            if a.judge == "mark"
            and a.name in table.columns
            and not (a.indicators and carried_rules(a, table))
        )
    return found


def _judge(
    aspect: Aspect,
    table: Table,
    values: dict[str, Any],
    row: _Row,
    as_of: dt.date,
    kinds: dict[str, str],
    verdict: IndicatorVerdict | None = None,
) -> None:
    """Judge one aspect of a row: by mark, score or indicators (``verdict``, when already
    judged); note what the data says."""
    name = aspect.name
    if verdict is None and aspect.indicators and carried_rules(aspect, table):
        verdict = judge_indicators(aspect, table, values, as_of, kinds)
    computed = verdict.ok if verdict is not None else None
    claimed: bool | None = None  # the mark, or the score against the pass mark
    if name in table.columns:
        raw = values.get(name)
        try:
            if aspect.judge == "score":
                claimed = _score(aspect, raw, row)
            else:
                claimed = parse_mark(raw)
        except BadValue as e:
            _bad_value(name, str(e), row)
            if aspect.judge != "indicators" or computed is None:
                row.unmet.append(name)
                return
        else:
            if claimed is None and (aspect.judge != "indicators" or computed is None):
                row.blank.append(name)
                row.unmet.append(name)
                row.note("mark-blank", name, what="得分" if aspect.judge == "score" else "")
                return

    if aspect.judge == "indicators" and computed is not None:
        met = computed
        if claimed is not None and claimed != computed:
            _disagree(row, aspect, claimed, computed, verdict)
    elif claimed is not None:
        met = claimed
        if claimed and computed is False:
            _disagree(row, aspect, claimed, computed, verdict)
    else:  # judged by indicators, none of which could be judged, and no mark
        met = False
        row.blank.append(name)
        row.note("no-indicator-data", name)
    (row.met if met else row.unmet).append(name)


def _score(aspect: Aspect, raw: Any, row: _Row) -> bool | None:
    score = parse_number(raw)
    if score is None:
        return None
    if score < 0 or (aspect.max_score is not None and score > aspect.max_score + 1e-9):
        top = f"0至{number_text(aspect.max_score)}" if aspect.max_score is not None else "不小于0"
        raise BadValue(f"得分超出范围，应为{top}分")
    row.scores[aspect.name] = score
    return score >= (aspect.pass_mark or 0.0) - 1e-9


def _disagree(row: _Row, aspect: Aspect, claimed: bool, computed: bool, verdict: Any) -> None:
    d = Disagreement(aspect.name, claimed, computed, list(verdict.failures), list(verdict.columns))
    row.disagreements.append(d)
    row.note("indicator-disagrees", aspect.name, detail=d.message())


def _bad_value(column: str, hint: str, row: _Row) -> None:
    row.bad.append(column)
    row.bad_hints[column] = hint


def _claimed(raw: Any, column: str, notes: list[_Note], parse: Any) -> Any:
    try:
        return parse(raw)
    except BadValue as e:
        notes.append(("claim-unreadable", column, {"hint": str(e)}))
        return None


def _claimed_labels(
    values: dict[str, Any],
    categories: dict[str, str],
    levels: dict[str, str],
    notes: list[_Note],
    claimed_in: dict[str, str],
) -> tuple[str | None, str | None]:
    """The claimed category and level. A claim is read by what it says: a grade (A) written
    in an 等级 column (an alias of 等次) is a category claim, and the other way round."""
    claimed: dict[str, str | None] = {"定级类别": None, "等次": None}
    for column, own, other, other_column in (
        ("定级类别", categories, levels, "等次"),
        ("等次", levels, categories, "定级类别"),
    ):
        raw = values.get(column)
        if is_blank(raw):
            continue
        try:
            value = parse_label(raw, own)
            target = column
        except BadValue as e:
            try:
                value = parse_label(raw, other)
                target = other_column
            except BadValue:
                notes.append(("claim-unreadable", column, {"hint": str(e)}))
                continue
        if claimed[target] is None:
            claimed[target] = value
            if target != column:
                claimed_in[target] = column
    return claimed["定级类别"], claimed["等次"]
