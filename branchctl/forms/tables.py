"""Finding the standard forms in a workbook: which sheet holds which form, where its header is,
which column is which, and which rows are data.

A form is recognised by its content (header names, the 附件N marker, the title), never by the
sheet's name. Headers of one or two rows are handled, merged or not (.ods has no merge data),
with synonyms; data rows keep their Excel row numbers; blank, totals and footer rows are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.spec import (
    FormSpec,
    forms_data,
    match_header,
    normalize_header,
    normalize_text,
)
from branchctl.forms.values import BadValue, parse_date
from branchctl.io.workbook import Sheet, Workbook

HEADER_SCAN_ROWS = 40  # a header lower than this is not looked for
PREAMBLE_MAX_CELLS = 5  # a row above the table with this many texts is a header or data
DATA_ROWS_AFTER_HEADER = 3
# Table.cache flag: the rows were found by _data_rows, which leaves out rows where only 序号
# (or nothing) is filled among the table's columns
SERIAL_ONLY_ROWS_DROPPED = (
    "serial-only-rows-dropped"  # this many data-like rows after a header end the search for one
)
_ANNEX = re.compile(r"^附件\s*([0-9０-９一二三四五六]+)")
_UNIT = re.compile(r"填报单位[^:：]*[:：]\s*(.+?)(?:\s{2,}|填报时间|填报日期|$)")
_REPORT_DATE = re.compile(r"填报(?:时间|日期)\s*[:：]\s*(\S+)")


@dataclass
class Table:
    """One form found in one sheet."""

    sheet: Sheet
    form: FormSpec
    header_top: int  # 0-based first header row
    header_row: int  # 0-based last header row
    columns: dict[str, int]  # canonical name -> 0-based column
    first_col: int
    last_col: int
    rows: list[int] = field(default_factory=list)  # 0-based data rows
    annex: str | None = None
    title: str | None = None
    unit: str | None = None  # 填报单位 as written above the table
    report_date: dt.date | None = None  # 填报时间 as written above the table, when a real date
    duplicate_columns: dict[str, list[int]] = field(default_factory=dict)
    # per-table memo for work that depends only on the table's columns (e.g. which rules apply)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sheet_name(self) -> str:
        return self.sheet.name

    def value(self, row: int, column: str) -> Any:
        """The raw value of a data cell; None when blank or when the table lacks the column."""
        col = self.columns.get(column)
        if col is None:
            return None
        try:
            value = self.sheet.rows[row][col]
        except IndexError:
            return None
        return None if value == "" else value

    def has(self, column: str) -> bool:
        return column in self.columns

    def row_values(self, row: int) -> dict[str, Any]:
        """Every non-blank cell of data row ``row``: canonical column -> raw value (as
        :meth:`value` reads it, so a missing key means None)."""
        try:
            line = self.sheet.rows[row]
        except IndexError:
            return {}
        n = len(line)
        return {name: v for name, c in self.columns.items() if c < n and (v := line[c]) != ""}


@dataclass
class SheetScan:
    """What was seen in a sheet that is not a recognised table (for form-missing messages)."""

    sheet: Sheet
    annex: str | None
    title: str | None
    form_hint: FormSpec | None  # a form named by marker/title whose header was not found


@dataclass
class Layout:
    tables: list[Table]
    unrecognised: list[SheetScan]


def find_forms(book: Workbook, aspect_headers: dict[str, str] | None = None) -> Layout:
    """Every form in every sheet of ``book``.

    ``aspect_headers`` maps normalised header text to a rubric's aspect names, so the aspects
    of the active rubric are recognised as columns too.
    """
    tables: list[Table] = []
    others: list[SheetScan] = []
    for sheet in book.sheets:
        table, scan = _find_in_sheet(sheet, aspect_headers or {})
        if table is not None:
            tables.append(table)
        elif scan is not None:
            others.append(scan)
    return Layout(tables, others)


class _HeaderView:
    """Header-area cell text, with merged cells reading as their top-left value."""

    def __init__(self, sheet: Sheet, limit: int) -> None:
        self.sheet = sheet
        self.fill: dict[tuple[int, int], Any] = {}
        self.down_merges: set[tuple[int, int]] = set()  # (row, col) covered from the row above
        for r1, c1, r2, c2 in sheet.merges:
            if r1 >= limit:
                continue
            top_left = sheet.value(r1, c1)
            for r in range(r1, min(r2, limit) + 1):
                for c in range(c1, c2 + 1):
                    self.fill[(r, c)] = top_left
                    if r > r1:
                        self.down_merges.add((r, c))

    def text(self, row: int, col: int) -> Any:
        return self.fill.get((row, col), self.sheet.value(row, col))


def _filled(line: list[Any]) -> int:
    return sum(1 for v in line if v != "" and v is not None)


def _row_matches(view: _HeaderView, row: int, width: int, extra: dict[str, str]) -> dict[int, str]:
    out: dict[int, str] = {}
    line = view.sheet.rows[row] if row < view.sheet.height else []
    for c in range(width):
        value = view.fill.get((row, c)) if view.fill else None
        if value is None:
            value = line[c] if c < len(line) else ""
        if type(value) is str and len(value) < 60 and value.strip():
            canon = match_header(value, extra)
            if canon is not None:
                out[c] = canon
    return out


def _find_in_sheet(sheet: Sheet, extra: dict[str, str]) -> tuple[Table | None, SheetScan | None]:
    if sheet.height == 0:
        return None, None
    limit = min(sheet.height, HEADER_SCAN_ROWS)
    width = sheet.width
    view = _HeaderView(sheet, limit + 1)
    annex, title, unit = _preamble(sheet, limit)
    report_date = _report_date(sheet, limit)
    aspect_names = set(extra.values())

    best: tuple[float, int, FormSpec, dict[int, str], bool] | None = None
    matches: list[dict[int, str]] = []
    data_like = 0  # rows in a row that look like data, since the best header so far
    for r in range(limit):
        matches.append(_row_matches(view, r, width, extra))
        # data: three or more cells filled, most of them no header (a 问题类别 of 基本组织
        # reads as the aspect's header, but the rest of its row does not)
        filled = _filled(sheet.rows[r]) if best is not None else 0
        if filled >= 3 and 2 * len(matches[r]) < filled:
            data_like += 1
            if data_like >= DATA_ROWS_AFTER_HEADER:
                break  # well into the data: no header further down
        elif matches[r]:
            data_like = 0
        if not matches[r]:
            continue
        combined = dict(matches[r])
        two_level = False
        if r > 0 and matches[r - 1]:
            for c, canon in matches[r - 1].items():
                if c not in combined and canon not in combined.values():
                    combined[c] = canon
            two_level = True
        for form in forms_data().forms.values():
            score = _score(form, combined, annex, title, aspect_names)
            if score is not None and (best is None or score > best[0]):
                best = (score, r, form, combined, two_level)
    if best is None:
        hint = _form_from_preamble(annex, title)
        return None, SheetScan(sheet, annex, title, hint)

    _, header_row, form, combined, two_level = best
    header_top = (
        header_row - 1
        if two_level or _merged_from_above(view, header_row, combined)
        else header_row
    )
    columns: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    for c in sorted(combined):
        canon = combined[c]
        if canon in columns:
            duplicates.setdefault(canon, [columns[canon]]).append(c)
        else:
            columns[canon] = c
    first_col = min(combined)
    last_col = _last_header_col(view, header_top, header_row, max(combined), width)
    table = Table(
        sheet=sheet,
        form=form,
        header_top=header_top,
        header_row=header_row,
        columns=columns,
        first_col=first_col,
        last_col=last_col,
        annex=annex,
        title=title,
        unit=unit,
        report_date=report_date,
        duplicate_columns=duplicates,
    )
    table.rows = _data_rows(table, view)
    table.cache[SERIAL_ONLY_ROWS_DROPPED] = True
    return table, None


def _score(
    form: FormSpec,
    combined: dict[int, str],
    annex: str | None,
    title: str | None,
    aspects: set[str],
) -> float | None:
    present = set(combined.values())
    if not form.signature or not all(col in present for col in form.signature):
        return None
    hints = sum(1 for col in form.hints if col in present)
    if form.per_branch:
        hints += len(present & aspects)
    named = _named_by_preamble(form, annex, title)
    if hints < 2 and not named:
        return None
    score = 10.0 * len(form.signature) + hints
    if named:
        score += 5
    return score


def _named_by_preamble(form: FormSpec, annex: str | None, title: str | None) -> bool:
    t = normalize_text(title or "")
    if t and any(word in t for word in form.title_words):
        return True
    return bool(annex and normalize_text(annex) == normalize_text(form.annex) and not t)


def _form_from_preamble(annex: str | None, title: str | None) -> FormSpec | None:
    for form in forms_data().forms.values():
        if _named_by_preamble(form, annex, title):
            return form
    if annex:
        for form in forms_data().forms.values():
            if normalize_text(annex) == normalize_text(form.annex):
                return form
    return None


def _merged_from_above(view: _HeaderView, row: int, combined: dict[int, str]) -> bool:
    return any((row, c) in view.down_merges for c in combined)


def _last_header_col(view: _HeaderView, top: int, bottom: int, last_known: int, width: int) -> int:
    last = last_known
    for c in range(last_known + 1, width):
        if any(_text(view.text(r, c)) for r in range(top, bottom + 1)):
            last = c
        else:
            break
    return last


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _report_date(sheet: Sheet, limit: int) -> dt.date | None:
    """The 填报时间 of the row above the table (2025年6月30日), if it holds a whole date."""

    for r in range(min(limit, 6)):
        for value in sheet.rows[r]:
            if isinstance(value, str) and "填报" in value:
                m = _REPORT_DATE.search(value)
                if m:
                    try:
                        found = parse_date(m.group(1))
                    except BadValue:
                        return None  # 2025年 月 日: the template's blanks, never filled
                    return found.date if found is not None else None
    return None


def _preamble(sheet: Sheet, limit: int) -> tuple[str | None, str | None, str | None]:
    annex = title = unit = None
    for r in range(min(limit, 6)):
        texts = [v for v in sheet.rows[r] if type(v) is str and v and not v.isspace()]
        if len(texts) >= PREAMBLE_MAX_CELLS:
            continue  # a header or data row, not a title, marker or 填报单位 line
        for value in texts:
            text = value.strip()
            norm = normalize_text(text)
            if annex is None and _ANNEX.match(norm):
                annex = norm[: _ANNEX.match(norm).end()]  # type: ignore[union-attr]
                if len(norm) > len(annex) + 4 and title is None:
                    title = norm[len(annex) :].lstrip(":：")
                continue
            m = _UNIT.search(text)
            if m and unit is None:
                unit = m.group(1).strip() or None
                continue
            # a title is a short heading, not a sentence like "文件：某某三清单表.xlsx …"
            if (
                title is None
                and 4 <= len(norm) <= 40
                and ":" not in norm
                and ("表" in norm or "台账" in norm or "清单" in norm)
            ):
                title = norm
    return annex, title, unit


def _data_rows(table: Table, view: _HeaderView) -> list[int]:
    """The table's data rows: not blank, not totals, not a repeated header; stop at the footer.

    This runs over every row of every table, so it looks at as few cells as it can.
    """
    data = forms_data()
    footer = tuple(data.footer)
    totals = data.totals
    totals_chars = frozenset(ch for word in totals for ch in word)
    sheet = table.sheet
    lo, hi = table.first_col, table.last_col + 1
    name_cols = [
        table.columns[c] for c in ("党支部名称", "序号", "所属党组织") if c in table.columns
    ]
    header_texts = {
        normalize_header(view.text(table.header_row, c)) for c in table.columns.values()
    }
    serial = table.columns.get("序号")
    name_col = name_cols[0] if name_cols else lo
    raw_headers = {
        _text(view.text(r, name_col)) for r in range(table.header_top, table.header_row + 1)
    }
    raw_headers.discard("")
    rows: list[int] = []
    start = table.header_row + 1
    grid = sheet.rows
    for r in range(start, len(grid)):
        line = grid[r]
        first: Any = None
        filled = 0
        for v in line[lo:hi]:
            if v == "" or v is None or (type(v) is str and not v.strip()):
                continue
            filled += 1
            if first is None:
                first = v
            elif filled > 1:
                break
        if not filled:
            continue
        if filled == 1 and serial is not None and serial < len(line) and _text(line[serial]):
            continue  # a pre-numbered empty row of a blank form: only 序号 is filled
        if type(first) is str:  # a footer (填表人…) or the next form's 附件 marker is text
            head = normalize_text(first.strip())
            if head.startswith(footer):
                break
            if filled == 1 and _ANNEX.match(head):
                break
        n = len(line)
        # cheap first test: only text holding a character of 合计/小计… can be a totals label
        totals_row = False
        for c in name_cols:
            v = line[c] if c < n else None
            if type(v) is str and not totals_chars.isdisjoint(v):
                totals_row = _is_totals_row(line, name_cols, totals, totals_chars)
                break
        if totals_row:
            continue
        if r == start:
            texts = [t for t in (_text(v) for v in line[lo:hi]) if t]
            if _is_column_number_row(texts):
                continue
        name = line[name_col] if name_col < n else None
        if name is not None and (name.strip() if type(name) is str else _text(name)) in raw_headers:
            texts = [t for t in (_text(v) for v in line[lo:hi]) if t]
            if sum(1 for t in texts if normalize_header(t) in header_texts) >= 3:
                continue  # the header repeated (pasted from a printed page)
        rows.append(r)
    return rows


def _is_totals_row(
    line: list[Any], name_cols: list[int], totals: tuple[str, ...], totals_chars: frozenset[str]
) -> bool:
    """合计/小计… in a name column."""
    n = len(line)
    for c in name_cols:
        v = line[c] if c < n else None
        # cheap first test: only text holding a character of 合计/小计… can be a totals label
        if type(v) is str and not totals_chars.isdisjoint(v):
            key = normalize_text(v.strip())
            if any(word in key for word in totals):
                return True
    return False


def _is_column_number_row(texts: list[str]) -> bool:
    """The '1 2 3 …' or '栏次' row some forms have under the header."""
    if texts and normalize_text(texts[0]) in forms_data().column_numbers:
        return True
    try:
        numbers = [int(float(normalize_text(t))) for t in texts]
    except ValueError:
        return False
    return len(numbers) >= 4 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
