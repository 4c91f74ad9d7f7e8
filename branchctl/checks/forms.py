"""Checks of each form alone: is it there, are its columns there, is each cell well filled, and
do the claimed stars, category and level agree with the marks (per-branch tables 附件1, 附件2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from branchctl.checks.context import CheckContext
from branchctl.findings.catalogue import phrase
from branchctl.forms.spec import column_kind
from branchctl.forms.tables import Table, example_rows
from branchctl.forms.values import (
    BadValue,
    Deadline,
    cell_text,
    is_blank,
    name_key,
    parse_count,
    parse_date,
    parse_enum,
    parse_label,
    parse_mark,
    parse_negative,
    parse_stars,
)
from branchctl.io.cells import cell_name
from branchctl.rules.rating import rate_table
from branchctl.rules.results import BranchRating
from branchctl.rules.rubric import MONTHS, Aspect, Rubric
from branchctl.rules.scoring import number_text, parse_number

MIN_FORMAL_MEMBERS = 3  # 支部工作条例: 正式党员 3 名以上 to form a branch


def form_name(table: Table) -> str:
    return f"{table.form.annex}{table.form.title}"


def check_forms(ctx: CheckContext) -> None:
    _structure(ctx)
    # only a table without a veto column of its own borrows the others' (附件2 from 附件1)
    borrows = any(
        not any(c in t.columns for c in ctx.rubric.for_table(t).veto_columns)
        for t in ctx.per_branch()
    )
    vetoes = _vetoes(ctx) if borrows else {}
    for table in ctx.per_branch():
        _per_branch_table(ctx, table, vetoes)


def _vetoes(ctx: CheckContext) -> dict[str, str]:
    """Branch key -> 负面清单 entry, from the tables that carry a veto column.

    附件2 often has no 负面清单 column while its 星级 follows the veto recorded in 附件1.
    """
    out: dict[str, str] = {}
    for table in ctx.per_branch():
        columns = [c for c in ctx.rubric.veto_columns if c in table.columns]
        for r in ctx.rows(table) if columns else ():
            key = name_key(ctx.cell(table, r, "党支部名称"))
            for column in columns:
                entry = parse_negative(ctx.cell(table, r, column))
                if key and entry:
                    out.setdefault(key, entry)
    return out


def _apply_veto(rubric: Rubric, b: BranchRating, veto: str) -> None:
    b.veto = veto
    b.stars = 0
    b.category = rubric.veto_category or rubric.lowest_category()
    b.level = rubric.veto_level or rubric.lowest_level()
    b.standard = False


# ------------------------------------------------------------------------------- structure


def _structure(ctx: CheckContext) -> None:
    per_branch = ctx.per_branch()
    ctx.reference = ctx.reference_tables()
    header_lost = False
    for scan in ctx.layout.unrecognised:
        hint = scan.form_hint
        # 附件5/6 are free-form (no signature columns); a form found on another sheet means
        # this one is a note or a copy, not a lost header.
        if hint is None or not hint.signature or not scan.sheet.visible or ctx.tables(hint.key):
            continue
        ctx.add(
            "header-not-found",
            sheet=scan.sheet.name,
            form=f"{hint.annex}{hint.title}",
            needed="”“".join(hint.signature),
        )
        header_lost = header_lost or hint.per_branch
    if not per_branch and not header_lost:
        ctx.add("form-missing")

    for sheet in ctx.layout.examples:
        ctx.add("example-sheet", sheet=sheet.name)
    has_deadline_elsewhere = any("完成时限" in t.columns for t in ctx.tables("responsibilities"))
    for table in ctx.layout.tables:
        _read_as_written(ctx, table)
        for column in table.form.required:
            if table.has(column) or column in table.ambiguous:
                continue
            if not _not_needed(table, column, has_deadline_elsewhere):
                _column_missing(ctx, table, column)

    def required(table: Table) -> list[str]:
        return ctx.rubric.for_table(table).required_columns()

    carrying = [t for t in per_branch if any(t.has(a) for a in required(t))]
    if per_branch and not carrying:
        carrying = per_branch[:1]  # nothing to rate at all: say so on the main table
    for table in carrying:
        for aspect in required(table):
            if not table.has(aspect) and aspect not in table.ambiguous:
                _column_missing(ctx, table, aspect)
    if per_branch and ctx.rubric.points is not None:
        if not any(t.has(m) for t in per_branch for m in MONTHS):
            _column_missing(ctx, per_branch[0], MONTHS[0])  # a points rubric needs month columns


def _read_as_written(ctx: CheckContext, table: Table) -> None:
    """What reading the table had to note: columns named twice with no copy to choose (no
    guess: they are not read), hidden data rows (still read), example rows (not read)."""
    sheet = table.sheet
    for column, cells in table.ambiguous.items():
        (row, col), names = cells[0], [cell_name(r, c) for r, c in cells]
        hidden = all(c in sheet.hidden_cols for _, c in cells)
        ctx.add(
            "duplicate-column",
            sheet=table.sheet_name,
            row=row + 1,
            column=column,
            cell=cell_name(row, col),
            count=len(cells),
            cells="、".join(names),
            state="都已隐藏" if hidden else "都是可见的",
        )
    what = "党支部" if table.form.per_branch else "数据行"
    if sheet.hidden_rows:
        for r in table.rows:
            if table.hidden(r):
                ctx.at("hidden-row", table, r, None, what=what)
    examples = example_rows(table)
    if examples:
        ctx.add(
            "example-skipped",
            sheet=table.sheet_name,
            rows="、".join(str(r + 1) for r in examples),
            what=what,
        )


def _rateable(ctx: CheckContext, table: Table) -> bool:
    """Whether the rating engine can rate ``table`` (as :func:`rating.rated_tables` decides)."""
    variant = ctx.rubric.for_table(table)
    if not table.has(variant.key_column):
        return False
    if variant.points is not None and not any(table.has(m) for m in MONTHS):
        return False
    return all(table.has(a) for a in variant.required_columns())


def _not_needed(table: Table, column: str, has_deadline_elsewhere: bool) -> bool:
    key = table.form.key
    if column == "所属党组织" and table.unit:
        return True  # one township's form: 填报单位 above the table says which
    if key == "responsibilities" and column == "序号":
        return True  # nothing links to an owner row
    return key == "tasks" and column == "完成时限" and has_deadline_elsewhere


def _column_missing(ctx: CheckContext, table: Table, column: str) -> None:
    ctx.add(
        "column-missing",
        sheet=table.sheet_name,
        row=table.header_row + 1,
        column=column,
        form=form_name(table),
    )


# ----------------------------------------------------------------------- per-branch tables


def _per_branch_table(ctx: CheckContext, table: Table, vetoes: dict[str, str]) -> None:
    if not ctx.rows(table):  # a blank form sent back as it came
        name_col = table.columns.get("党支部名称", table.first_col)
        ctx.add(
            "form-empty",
            sheet=table.sheet_name,
            row=table.header_row + 2,
            column="党支部名称",
            cell=cell_name(table.header_row + 1, name_col),
            form=f"{table.form.annex}{table.form.title}",
        )
        return
    variant = ctx.rubric.for_table(table)
    key_column = variant.key_column
    rateable = _rateable(ctx, table)
    ratings = (
        rate_table(table, ctx.rubric, ctx.book.path, strict=False, as_of=ctx.as_of)
        if rateable
        else []
    )
    if not any(c in table.columns for c in variant.veto_columns):
        for b in ratings:
            veto = vetoes.get(name_key(b.name))
            if veto:
                _apply_veto(variant, b, veto)
    by_row = {b.row - 1: b for b in ratings}
    # 所属党组织 left empty throughout while 填报单位 names the township: not a blank per row
    org_from_unit = bool(table.unit) and all(
        is_blank(ctx.cell(table, r, "所属党组织")) for r in ctx.rows(table)
    )
    seen: dict[str, int] = {}
    kept: list[BranchRating] = []
    required = [
        c
        for c in table.form.required
        if c in table.columns and not (c == "所属党组织" and org_from_unit)
    ]
    parsers = _parsers(ctx, variant, table)
    members = [c for c in _MEMBER_COLUMNS if c in table.columns]
    creation = table.form.key == "creation_ledger"
    rows = ctx.rows(table)
    # most rows give no finding: a column at a time says which may, only those are read whole
    names = table.column_values((key_column,))[0]
    loud = None if creation else _loud_rows(table, rows, required, parsers, members, by_row)
    for i, r in enumerate(rows):
        if loud is not None and i not in loud:
            raw = names[i]
            key = name_key("" if raw is None else cell_text(raw))
            if key not in seen:  # a quiet row: no finding, only its name and rating noted
                if key:
                    seen[key] = r
                rating = by_row.get(r)
                if rating is not None:
                    kept.append(rating)
                continue
        cells = ctx.row(table, r)
        get = cells.get
        for column in required:
            if is_blank(get(column)):
                ctx.at("required-blank", table, r, column, extra="")
        raw = get(key_column)
        name = "" if raw is None else cell_text(raw)  # ctx.text
        key = name_key(name)
        if key in seen:
            ctx.at("duplicate-branch", table, r, key_column, first_row=seen[key] + 1)
        elif key:
            seen[key] = r
        rating = by_row.get(r)
        if rating is None or rating.bad or rating.blank:
            _aspects(ctx, table, r, variant, rating)
        _cell_values(ctx, table, r, cells, parsers)
        if creation:
            _creation_status(ctx, table, r)
        if members:
            _members(ctx, table, r, name, cells, members)
        if rating is not None:
            kept.append(rating)
            # a bad or blank mark is reported already; the common case: the claims agree
            if not rating.bad and not rating.blank and rating.mismatch:
                _mismatch(ctx, table, r, rating)
    if rateable:
        ctx.rated.append((table, kept))


def _loud_rows(
    table: Table,
    rows: list[int],
    required: list[str],
    parsers: list[Parser],
    members: list[str],
    by_row: dict[int, BranchRating],
) -> set[int]:
    """The positions in ``rows`` of the rows that may give a finding of their own: a required
    cell blank, a rating with unreadable or blank marks or claims that differ (or no rating),
    a count, type or claim :func:`_cell_values` cannot read, fewer than 3 members (or a count
    :func:`_members` must look at twice). A duplicate name is told by the caller."""
    loud: set[int] = set()
    for column in required:
        loud.update(i for i, v in enumerate(table.column_values((column,))[0]) if is_blank(v))
    for i, r in enumerate(rows):
        rating = by_row.get(r)
        if rating is None or rating.bad or rating.blank or rating.mismatch:
            loud.add(i)
    parsed = _parsed
    for column, _code, parse, reader in parsers:
        values = table.column_values((column,))[0]
        bad = {
            v
            for v in _distinct(values)
            if v is not None
            and (parsed.get((reader, type(v), v)) or _parsed_cell(reader, v, parse))[1]
        }
        if bad:  # (a value equal to a bad one may be of another type: read it again)
            loud.update(
                i for i, v in enumerate(values) if v in bad and _parsed_cell(reader, v, parse)[1]
            )
    if members:
        values = table.column_values((members[0],))[0]
        few = {v for v in _distinct(values) if not _enough_members(v)}
        if few:
            loud.update(i for i, v in enumerate(values) if v in few and not _enough_members(v))
    return loud


_NUMBERS = frozenset({bool, int, float})


def _distinct(values: list[Any]) -> list[Any]:
    """The different values of a column: each once, where no two of them of different types
    are equal (1 == 1.0 == True), else every value."""
    if len(_NUMBERS.intersection(map(type, values))) > 1:
        return values
    return list(dict.fromkeys(values))


def _parsed_cell(reader: Any, raw: Any, parse: Callable[[Any], Any]) -> tuple[Any, str | None]:
    """(value, hint) of a non-blank cell as :func:`_cell_values` reads it, parsed once."""
    key = (reader, type(raw), raw)
    found = _parsed.get(key)
    if found is None:
        if len(_parsed) >= _PARSED_CAP:
            _parsed.clear()
        found = _parse_once(_parsed, key, parse, raw)
    return found


def _enough_members(raw: Any) -> bool:
    """Whether a first member count reads as 3 or more (:func:`_members` then says nothing)."""
    if raw is None:
        return False
    count, hint = _parsed_cell("count", raw, parse_count)
    return hint is None and count is not None and count >= MIN_FORMAL_MEMBERS


def _aspects(
    ctx: CheckContext, table: Table, r: int, variant: Rubric, rating: BranchRating | None
) -> None:
    """bad-mark / bad-number for unreadable marks and scores, required-blank for blank ones.

    A rated row says which aspects were unreadable or blank (an aspect judged by its data
    needs no mark); a table that cannot be rated has its present marks parsed here.
    """
    if rating is not None and not rating.bad and not rating.blank:
        return
    for aspect in variant.aspects:
        name = aspect.name
        if not table.has(name) or (
            rating is not None and name not in rating.bad and name not in rating.blank
        ):
            continue
        raw = ctx.raw(table, r, name)
        code = "bad-number" if aspect.judge == "score" else "bad-mark"
        if rating is None or name in rating.bad:
            hint = _aspect_hint(aspect, raw)
            if hint is not None and not is_blank(raw):
                ctx.at(code, table, r, name, hint=hint)
            elif rating is not None:
                ctx.at(code, table, r, name, hint="不是有效的填写内容")
        elif is_blank(raw):
            ctx.at("required-blank", table, r, name, extra=f"（{phrase('counted_unmet')}）")


def _aspect_hint(aspect: Aspect, raw: Any) -> str | None:
    """Why a mark or score cannot be read, or None when it can."""
    try:
        if aspect.judge == "score":
            score = parse_number(raw)
            top = aspect.max_score
            if score is not None and (score < 0 or (top is not None and score > top + 1e-9)):
                limit = f"0至{number_text(top)}" if top is not None else "不小于0"
                return f"得分超出范围，应为{limit}分"
        else:
            parse_mark(raw)
    except BadValue as e:
        return str(e)
    return None


def _value(
    ctx: CheckContext,
    table: Table,
    r: int,
    column: str,
    code: str,
    parse: Callable[[Any], Any],
) -> Any:
    """Parse one cell (merges filled); a BadValue becomes a ``code`` finding and None.

    Values repeat down a column (农村, 12, 四星): each (column, value) is parsed once per file.
    """
    raw = ctx.row(table, r).get(column)
    if raw is None:  # blank, or the column is absent
        return None
    # cells are str, float, bool or datetime: all hashable
    value, hint = _parse_once(ctx.parsed, (column, type(raw), raw), parse, raw)
    if hint is not None:
        ctx.at(code, table, r, column, hint=hint)
    return value


# Cell values repeat down a county's files (12, 农村, 四星): each value is parsed once per
# process, by what reads it (a count, an enum, the stars or labels of a rubric); forgotten
# when full.
_PARSED_CAP = 50_000
_parsed: dict[Any, tuple[Any, str | None]] = {}  # (reader, type, value) -> (value, hint)
_label_readers: dict[Any, int] = {}  # a rubric's category and level spellings -> a number

Parser = tuple[str, str, Callable[[Any], Any], Any]  # column, finding code, parser, reader


def _parsers(ctx: CheckContext, variant: Rubric, table: Table) -> list[Parser]:
    """(column, finding code, parser, what reads it) for the counts, the type and the claims of
    a branch row of ``table``; a count is any column forms.toml or the rubric declares of kind
    "count". Parsers that read alike share a reader: their values are parsed once."""
    categories, levels = ctx.labels(variant)
    kinds = ctx.rubric.column_kinds
    counts = [c for c in table.columns if (kinds.get(c) or column_kind(c)) == "count"]
    spellings = (tuple(categories.items()), tuple(levels.items()))
    labels = _label_readers.get(spellings)
    if labels is None:
        if len(_label_readers) >= 64:  # numbers are reused from here: forget what they read
            _label_readers.clear()
            _parsed.clear()
        labels = _label_readers[spellings] = len(_label_readers)
    parsers: list[Parser] = [
        *((column, "bad-number", parse_count, "count") for column in counts),
        ("支部类型", "bad-enum", lambda v: parse_enum(v, "支部类型"), "支部类型"),
        ("星级", "bad-enum", lambda v: parse_stars(v, variant.max_stars), variant.max_stars),
        # a grade written in the other claim column is read as that claim (as rating does)
        ("定级类别", "bad-enum", lambda v: _label(v, categories, levels), ("定级类别", labels)),
        ("等次", "bad-enum", lambda v: _label(v, levels, categories), ("等次", labels)),
    ]
    return [p for p in parsers if p[0] in table.columns]


def _parse_once(
    memo: dict[Any, tuple[Any, str | None]], key: Any, parse: Callable[[Any], Any], raw: Any
) -> tuple[Any, str | None]:
    """(value, None), or (None, why) when ``parse`` cannot read ``raw``: kept in ``memo``."""
    found = memo.get(key)
    if found is None:
        try:
            found = (parse(raw), None)
        except BadValue as e:
            found = (None, str(e))
        memo[key] = found
    return found


def _cell_values(
    ctx: CheckContext,
    table: Table,
    r: int,
    cells: dict[str, Any],
    parsers: list[Parser],
) -> None:
    """bad-number / bad-enum for the cells of one row that ``parsers`` cannot read (as
    :func:`_value`, for several columns in one pass)."""
    for column, code, parse, reader in parsers:
        raw = cells.get(column)
        if raw is None:
            continue
        hint = _parsed_cell(reader, raw, parse)[1]
        if hint is not None:
            ctx.at(code, table, r, column, hint=hint)


def _label(value: Any, own: dict[str, str], other: dict[str, str]) -> str | None:
    try:
        return parse_label(value, own)
    except BadValue:
        try:
            return parse_label(value, other)
        except BadValue:
            pass
        raise


def _creation_status(ctx: CheckContext, table: Table, r: int) -> None:
    """附件2 plan and status: 完成时限, 是否达标, 销号时间."""
    deadline = _value(
        ctx, table, r, "完成时限", "bad-date", lambda v: parse_date(v, ctx.as_of, deadline=True)
    )
    closed = _value(ctx, table, r, "销号时间", "bad-date", lambda v: parse_date(v, ctx.as_of))
    done = _value(ctx, table, r, "是否达标", "bad-enum", lambda v: parse_enum(v, "是否达标"))
    closed_blank = is_blank(ctx.raw(table, r, "销号时间"))
    if done == "是" and "销号时间" in table.columns and closed_blank:
        status = ctx.text(table, r, "是否达标")
        ctx.at("closed-without-date", table, r, "销号时间", status_column="是否达标", status=status)
    if done != "是" and closed is None and closed_blank and _past(deadline, ctx):
        task = ctx.text(table, r, "创建目标") or f"{ctx.text(table, r, '党支部名称')}达标创建"
        ctx.at(
            "deadline-overdue",
            table,
            r,
            "完成时限",
            task=task,
            deadline=deadline.text,
            as_of=_cn_date(ctx),
        )


def _past(deadline: Deadline | None, ctx: CheckContext) -> bool:
    return (
        deadline is not None
        and deadline.date is not None
        and deadline.kind == "date"
        and deadline.date < ctx.as_of
    )


def _cn_date(ctx: CheckContext) -> str:
    return f"{ctx.as_of.year}年{ctx.as_of.month}月{ctx.as_of.day}日"


_MEMBER_COLUMNS = ("正式党员", "党员人数")  # the first filled counts


def _members(
    ctx: CheckContext,
    table: Table,
    r: int,
    name: str,
    cells: dict[str, Any],
    columns: list[str],
) -> None:
    """too-few-members: fewer than 3 正式党员 (党员人数 where it is blank); ``columns``: those of
    _MEMBER_COLUMNS the table has."""
    for column in columns:
        raw = cells.get(column)
        # a count column's values are parsed once (:func:`_cell_values`)
        found = _parsed.get(("count", type(raw), raw)) if raw is not None else None
        if found is not None:
            count, hint = found
            if hint is not None:
                return  # reported as bad-number
        else:
            try:
                count = parse_count(raw)
            except BadValue:
                return  # reported as bad-number
        if count is None:
            continue  # 正式党员 left blank: 党员人数 stands in
        if count < MIN_FORMAL_MEMBERS:
            ctx.at("too-few-members", table, r, column, branch=name, count=count)
        return


def _mismatch(ctx: CheckContext, table: Table, r: int, b: BranchRating) -> None:
    """stars-mismatch / category-mismatch where the claims differ from the rating."""
    if b.veto:
        basis = f"负面清单有“{b.veto}”，一票否决"
    elif b.star_score is not None:  # a points rubric: stars come from the running total
        basis = f"截至上一季度末累计{number_text(b.star_score)}分"
        if b.deductions:
            basis += f"，减星项{len(b.deductions)}项"
    elif b.scores:
        basis = f"总分{number_text(b.score or 0.0)}分"
    elif b.unmet:
        basis = f"{'、'.join(b.unmet)}未达标"
    else:
        basis = "各方面均达标"
    if b.capped_from is not None and not b.veto:  # a cap (rubric [[caps]]) lowered the stars
        basis += f"，{min(b.caps, key=lambda h: h.max_stars).seen}，封顶{b.stars}星"
    if b.stars_differ:
        ctx.at(
            "stars-mismatch",
            table,
            r,
            "星级",
            branch=b.name,
            claimed=f"{b.claimed_stars}星",
            computed=f"{b.stars}星",
            basis=basis,
        )
    stars_basis = "负面清单一票否决" if b.veto else f"{b.stars}星"
    for column, differs, claimed, computed in (
        ("定级类别", b.category_differs, b.claimed_category, b.category),
        ("等次", b.level_differs, b.claimed_level, b.level),
    ):
        if differs:
            ctx.at(
                "category-mismatch",
                table,
                r,
                column,
                branch=b.name,
                claimed=claimed,
                computed=computed,
                basis=stars_basis,
            )
