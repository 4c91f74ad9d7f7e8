"""Rating the rows of one table: each aspect judged by its mark, its score or its indicator
rules; stars counted or taken from a total; deductions and veto applied; category and level
looked up; the claims read.

Rows repeat (a ledger of 100,000 branches holds a few thousand different combinations of
marks, negative list, claims and indicator inputs), so :class:`TableRater` rates each
combination once and every row then only takes its name, place and findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import fields
from functools import partial
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from branchctl.findings.catalogue import finding
from branchctl.forms.tables import Table
from branchctl.forms.values import (
    BadValue,
    cell_text,
    parse_mark,
    parse_negative,
    parse_stars,
)
from branchctl.rules.caps import apply_caps
from branchctl.rules.evidence import missing_proof
from branchctl.rules.indicators import Verdict as IndicatorVerdict
from branchctl.rules.indicators import judge_indicators
from branchctl.rules.judging import (
    Note,
    Reads,
    RowState,
    RowVerdict,
    bad_value,
    claimed_labels,
    claimed_value,
    judge_aspect,
)
from branchctl.rules.learnt import Learnt, Template, layout_plan, learnt_for
from branchctl.rules.parts import weigh
from branchctl.rules.results import (
    SOURCE_COLUMN,
    BranchRating,
)
from branchctl.rules.rubric import Aspect, Rubric
from branchctl.rules.scoring import (
    deduction_entries,
    number_text,
    parse_number,
    points_period,
    read_points,
)

_BLANK = object()  # a cell the table reads as blank ("" or past the row's end)
_MAX_VARIANTS = 8  # verdicts kept per memo key that differ in columns outside it

# Columns that say who a row is, not how it is rated: left out of the memo key (a verdict
# that reads one of them is reused only where it is equal, see Reads).
_WHO_COLUMNS = ("所属党组织", "所属党支部", "党支部名称", "支部类型", "支部书记", SOURCE_COLUMN)

# Rows a table needs to be rated by memo when it is the first of its layout in this process:
# below this, rows rarely repeat within it (a township file: about 45 rows, 5 in 6 distinct)
# and the memo's keys cost more than they save; the next table of the layout learns.
MEMO_ROWS = 500


class TableRater:
    """Rates the rows of one table: each different combination of the cells rating reads once
    (memo, kept across the tables of one layout), then each row's own name, place and findings."""

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
        shared = labels is None  # labels given: a caller's own, not learnt for others
        if labels is None or variant is not rubric:
            labels = (variant.category_labels(), variant.level_labels())
        self.categories, self.levels = labels
        # claims repeat down a table (四星, 先进, A): each is read once per table
        self.claims = _table_memo(table, variant, "stars"), _table_memo(table, variant, "labels")
        self.kinds = rubric.column_kinds
        self.extras = rubric.json_extras()
        self.file = str(path) if path is not None else None
        self.who = frozenset({variant.key_column, *_WHO_COLUMNS})
        self.own_columns = (variant.key_column, "所属党组织", "支部类型", SOURCE_COLUMN, "支部书记")
        self.own_at = tuple(table.columns.get(c) for c in self.own_columns)
        self.rows = table.sheet.rows
        self.fill = table.fill
        if shared:
            plan = partial(layout_plan, variant, table, self.who)
            self.learnt = learnt_for(rubric, table, as_of, plan)
        else:
            self.learnt = Learnt(layout_plan(variant, table, self.who))
        self.plain, judged, _ = self.learnt.plan
        # aspects judged by indicator rules, each once per combination of the cells its rules
        # read: (aspect, its columns, their number, the row length they need, a getter)
        self.judged: list[tuple[Aspect, tuple[str, ...], int, int, Any]] = []
        for i, (aspect, used) in enumerate(judged):
            at = [table.columns[c] for c in used]
            get = itemgetter(*at) if len(at) > 1 else lambda line, c=at[0]: (line[c],)
            self.judged.append((aspect, used, i, max(at) + 1, get))
        self.version = 0
        self._follow()

    def _follow(self) -> None:
        """Read the memo key's columns where this table has them (the key's layout changed)."""
        learnt = self.learnt
        columns = self.table.columns
        self.key_names = learnt.key_names
        self.key_cols = tuple(columns[c] for c in self.key_names)
        self.width = max(self.key_cols, default=-1) + 1
        self.get_key = itemgetter(*self.key_cols) if len(self.key_cols) > 1 else None
        self.version = learnt.version

    def _keyed(self, names: Iterable[str]) -> None:
        """Key the memo on these columns (those that say who a row is are left out)."""
        columns = self.table.columns
        self.learnt.rekey(tuple(sorted({c for c in names if c in columns and c not in self.who})))
        self._follow()

    # -- reading one row

    def _line(self, r: int) -> tuple[list[Any] | None, dict[str, Any] | None]:
        """The row as read: its raw cells, or (where merges fill it) its values by column."""
        fill = self.fill
        if fill and fill.touches(r):
            return None, self.table.row_values(r)
        rows = self.rows
        return (rows[r] if r < len(rows) else []), None

    def _key(self, line: list[Any] | None, values: dict[str, Any] | None) -> Any:
        if self.version != self.learnt.version:
            self._follow()
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
        # the row's cells as the table keeps them, not a copy: rating only reads them
        return values if values is not None else self.table.cells(r)

    # -- rating

    def _indicators(self, line: list[Any] | None, values: dict[str, Any] | None) -> tuple[int, ...]:
        """The number of each indicator-judged aspect's verdict on a row (part of its key)."""
        numbers: list[int] = []
        learnt = self.learnt
        for aspect, columns, i, width, get in self.judged:
            if line is not None and len(line) >= width:
                cells = get(line)  # raw: "" is blank
            else:
                cells = tuple(self._cell(line, values, c) for c in columns)
            key = (cells, tuple(map(type, cells)))
            memo = learnt.judged[i]
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
                n = learnt.verdicts.get(sig)
                if n is None:
                    n = learnt.verdicts[sig] = len(learnt.verdict_list)
                    learnt.verdict_list.append(verdict)
                memo[key] = n
                learnt.size += 1
            numbers.append(n)
        return tuple(numbers)

    def rate_all(self, rows: list[int]) -> list[BranchRating]:
        """:meth:`rate` of each row: by memo (:meth:`rate_rows`) where rows may repeat (a big
        table, or a layout rated before in this process), else each row on its own."""
        learnt = self.learnt
        if learnt.rated or len(rows) >= MEMO_ROWS:
            out = self.rate_rows(rows)
        else:
            out = [self.rate(r, False) for r in rows]
        learnt.rated = True
        return out

    def rate(self, r: int, memo: bool = True) -> BranchRating:
        line, values = self._line(r)
        if not memo:
            return self._branch(r, line, values, self._verdict(self._values(r, values), None))
        return self._branch(r, line, values, self._memo_verdict(r, line, values)[0])

    def _memo_verdict(
        self, r: int, line: list[Any] | None, values: dict[str, Any] | None, key: Any = None
    ) -> tuple[RowVerdict, bool]:
        """The verdict of row ``r`` by memo, and whether it depends on nothing but the cells of
        the key and of the indicator rules (then :meth:`rate_rows` may reuse it by those).
        ``key``: the row's memo key, when the caller has read it under the present layout."""
        learnt = self.learnt
        if learnt.make_room():
            key = None
        if key is None:
            judged = self._indicators(line, values) if self.judged else ()
            key = (*self._key(line, values), judged)
        else:
            judged = key[2]
        kept = learnt.memo.get(key)
        if kept is not None:
            for i, (columns, seen, verdict) in enumerate(kept):
                if not columns:
                    return verdict, i == 0
                if all(
                    _same(self._cell(line, values, c), v)
                    for c, v in zip(columns, seen, strict=True)
                ):
                    return verdict, False
        # the row's cells as the table keeps them: Reads copies them
        reads = Reads(values if values is not None else self.table.cells(r), learnt.keyed)
        indicators = {
            aspect.name: learnt.verdict_list[n]
            for (aspect, *_), n in zip(self.judged, judged, strict=True)
        }
        verdict = self._verdict(reads, indicators)
        more = [c for c in reads.read if c in self.table.columns and c not in self.who]
        if more:  # a rule read a column the key lacks: key on it from now on
            self._keyed([*self.key_names, *more])
            key = (*self._key(line, values), judged)
            reads.read = {c: None for c in reads.read if c not in learnt.keyed}
        if not reads.whole:
            kept = learnt.memo.setdefault(key, [])
            if len(kept) < _MAX_VARIANTS:
                columns = tuple(reads.read)
                kept.append((columns, tuple(self._cell(line, values, c) for c in columns), verdict))
                learnt.size += 1
                return verdict, not columns and len(kept) == 1
        return verdict, False

    def rate_rows(self, rows: Iterable[int]) -> list[BranchRating]:
        """:meth:`rate` of each row, by memo. Most rows differ from one rated before (in this
        table or an earlier one of its layout) only in who they are: a row whose rating cells
        (the memo key's and the indicator rules') were seen before takes that verdict straight,
        and its branch is built from the verdict's fields (shared, never copied) and its own
        name and place."""
        if self.variant.entity != "branch":
            return [self.rate(r) for r in rows]
        table = self.table
        grid, fill, hidden = self.rows, self.fill, table.sheet.hidden_rows
        touches = fill.touches if fill else None
        columns = table.columns
        name_at, org_at, type_at = (
            columns.get(c) for c in (self.variant.key_column, "所属党组织", "支部类型")
        )
        source_at, secretary_at = columns.get(SOURCE_COLUMN), columns.get("支部书记")
        sheet, unit, sections, file = table.sheet_name, table.unit, table.sections, self.file
        learnt = self.learnt
        version = -1
        fast: dict[Any, tuple[RowVerdict, Template | None]] = {}
        indicators, key_of = self._indicators if self.judged else None, self._key
        judged: list[tuple[dict[Any, int], Any]] = []
        get_key: Callable[[list[Any]], tuple[Any, ...]] = _no_cells
        width = 0
        out: list[BranchRating] = []
        append = out.append
        for r in rows:
            if learnt.version != version:  # (re)keyed: follow the key
                version = learnt.version
                fast = learnt.fast
                judged = [(learnt.judged[i], get) for _, _, i, _, get in self.judged]
                get_key, width = self._raw_key()
            if r >= len(grid) or (touches is not None and touches(r)):
                append(self.rate(r))
                continue
            line = grid[r]
            # the memo's own key (:meth:`_key`, :meth:`_indicators`), read straight where the
            # row is long enough and each indicator verdict known: a verdict kept first and
            # alone under it is this row's
            key = None
            if len(line) >= width:
                raw = get_key(line)
                numbers = []
                for memo, get in judged:
                    cells = get(line)
                    number = memo.get((cells, tuple(map(type, cells))))
                    if number is None:
                        break
                    numbers.append(number)
                else:
                    key = (raw, tuple(map(type, raw)), tuple(numbers))
            if key is None:
                key = (*key_of(line, None), indicators(line, None) if indicators else ())
            found = fast.get(key)
            if found is None:
                verdict, reusable = self._memo_verdict(r, line, None, key)
                branch = self._branch(r, line, None, verdict)
                if reusable and learnt.version == version:
                    template = None
                    if not (verdict.row.notes or verdict.proof):
                        template = _template(branch)
                    fast[key] = (verdict, template)
                    learnt.size += 1
                append(branch)
                continue
            verdict, template = found
            n = len(line)
            name = _text(line, name_at, n)
            if template is None or not name or r in hidden:
                append(self._branch(r, line, None, verdict))
                continue
            middle, tail = template
            section = sections.get(r) if sections else None
            append(
                BranchRating(
                    *(
                        sheet,
                        r + 1,
                        _text(line, org_at, n) or unit or None,
                        name,
                        _text(line, type_at, n) or (section.type if section is not None else None),
                        *middle,
                        [],  # findings: its own (a duplicate name is added to it)
                        *tail,
                        file,
                        (_text(line, source_at, n) or None) if source_at is not None else None,
                        (_text(line, secretary_at, n) or None)
                        if secretary_at is not None
                        else None,
                    )
                )
            )
        return out

    def _raw_key(self) -> tuple[Callable[[list[Any]], tuple[Any, ...]], int]:
        """A getter of the memo key's raw cells, and the row length from which it and every
        indicator getter apply (as :meth:`_key` and :meth:`_indicators` read a long row)."""
        if self.version != self.learnt.version:
            self._follow()
        width = max([self.width, *(w for *_, w, _ in self.judged)])
        if self.get_key is not None:
            return self.get_key, width
        cols = self.key_cols
        return (lambda line: tuple(line[c] for c in cols)), width

    def _verdict(
        self, values: dict[str, Any], indicators: dict[str, IndicatorVerdict] | None
    ) -> RowVerdict:
        """Rate a row's cells: each aspect judged by its mark, score or indicator rules; stars
        counted or taken from a total; deductions and veto applied; category and level looked
        up; the claims read."""
        table, variant, as_of = self.table, self.variant, self.as_of
        categories, levels = self.categories, self.levels
        row = RowState()
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
            judge_aspect(aspect, table, values, row, as_of, kinds, known)

        weighed = weigh(variant, row.scores, values)  # parts (基础项 70%…), 群众满意度
        for column, why in weighed.bad:
            bad_value(column, why, row)
        row.notes += weighed.notes
        score = star_score = None
        if variant.points is not None:
            period = points_period(table.title, as_of)
            points = read_points(cell, variant.points)
            for column in points.bad:
                bad_value(column, "不是有效的分数，应填写数字", row)
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
        raw_stars = cell("星级")
        memo, labels_memo = self.claims
        stars_claim = memo.get((type(raw_stars), raw_stars))
        if stars_claim is None:
            stars_notes: list[Note] = []
            stars_read = claimed_value(
                raw_stars, "星级", stars_notes, lambda v: parse_stars(v, variant.max_stars)
            )
            stars_claim = memo[(type(raw_stars), raw_stars)] = (stars_read, stars_notes)
        claimed_stars = stars_claim[0]
        notes += stars_claim[1]
        raw_category, raw_level = cell("定级类别"), cell("等次")
        memo = labels_memo
        key = (type(raw_category), raw_category, type(raw_level), raw_level)
        labels_claim = memo.get(key)
        if labels_claim is None:
            label_notes: list[Note] = []
            claimed_in_read: dict[str, str] = {}
            category_read, level_read = claimed_labels(
                values, categories, levels, label_notes, claimed_in_read
            )
            labels_claim = memo[key] = (category_read, level_read, claimed_in_read, label_notes)
        claimed_category, claimed_level = labels_claim[0], labels_claim[1]
        claimed_in = dict(labels_claim[2])
        notes += labels_claim[3]
        claimed_score = (
            claimed_value(cell("总分"), "总分", notes, parse_number) if variant.has_total else None
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
        return RowVerdict(
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
        self, r: int, line: list[Any] | None, values: dict[str, Any] | None, verdict: RowVerdict
    ) -> BranchRating:
        """One row's rating: the verdict of its cells, with its own name, place and findings."""
        table, variant = self.table, self.variant
        cell: Callable[[str], Any]
        # its name, 所属党组织, 支部类型, 来源文件 and 支部书记 as written
        if line is None:
            assert values is not None
            cell = values.get
            own = [cell_text(cell(c)) for c in self.own_columns]
        else:
            cell = _reader(line, table.columns)
            n = len(line)
            own = [_text(line, c, n) for c in self.own_at]
        name, org_text, type_text, source, secretary = own

        row = verdict.row
        notes = list(row.notes)
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
            party_org = org_text or table.unit
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
            type=type_text or table.section_type(r),
            stars=verdict.stars,
            category=verdict.category,
            level=verdict.level,
            met=row.met,
            unmet=row.unmet,
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
            blank=row.blank,
            bad=row.bad,
            bad_hints=row.bad_hints,
            score=verdict.score,
            scores=row.scores,
            claimed_score=verdict.claimed_score,
            star_score=verdict.star_score,
            deductions=verdict.deductions,
            entity=variant.entity,
            disagreements=row.disagreements,
            claimed_in=verdict.claimed_in,
            extra_keys=self.extras,
            parts=verdict.parts,
            satisfaction=verdict.satisfaction,
            caps=verdict.caps,
            capped_from=verdict.capped_from,
            evidence_missing=verdict.proof,
            file=self.file,
            source=source or None,
            secretary=secretary or None,
        )


# A branch as :meth:`TableRater.rate_rows` builds it: its own fields, then its verdict's (the
# same for every table of a layout), then its own again (its file, source and secretary).
_FIELDS = [f.name for f in fields(BranchRating)]
_OWN_HEAD = ["sheet", "row", "party_org", "name", "type"]
_OWN_TAIL = ["file", "source", "secretary"]
_FINDINGS = _FIELDS.index("findings")
if _FIELDS[:5] != _OWN_HEAD or _FIELDS[-3:] != _OWN_TAIL:  # pragma: no cover - a guard
    raise RuntimeError("BranchRating's fields moved: update TableRater.rate_rows")
_MIDDLE = attrgetter(*_FIELDS[5:_FINDINGS])
_TAIL = attrgetter(*_FIELDS[_FINDINGS + 1 : -3])


def _template(b: BranchRating) -> Template:
    """The fields of ``b`` that come from its verdict, before and after its findings."""
    return _MIDDLE(b), _TAIL(b)


def _text(line: list[Any], c: int | None, n: int) -> str:
    """Cell ``c`` of a row of ``n`` cells as :func:`cell_text` reads it ('' when absent)."""
    if c is None or c >= n:
        return ""
    v = line[c]
    return v.strip() if type(v) is str else cell_text(v)


def _no_cells(line: list[Any]) -> tuple[Any, ...]:
    return ()


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
