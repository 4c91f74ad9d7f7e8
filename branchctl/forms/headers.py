"""Finding a form's header and resolving its columns.

A header is one or more rows of column names (synonyms, spacing, numbering and units allowed:
:func:`branchctl.forms.spec.match_header`), a group header merged over its sub-columns, other
cells merged down. The form is the one whose signature columns the header carries and whose
hint columns it carries most of, helped by the 附件N marker and the title.

A column named twice is resolved only where the sheet says which copy counts: exactly one copy
visible (last quarter's columns kept and hidden), or one copy under a group header of an earlier
period (上季度…). Otherwise both copies are kept as ``ambiguous``: no reader chooses between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from branchctl.forms.merges import MergeFill, by_first_row, starting_in
from branchctl.forms.preamble import PREAMBLE_ROWS, named_by_preamble, read_preamble, starts_table
from branchctl.forms.spec import FormSpec, forms_data, match_header, normalize_text
from branchctl.io.workbook import Range, Sheet

HEADER_SCAN_ROWS = 40  # a header lower than this below where the search starts is not looked for
DATA_ROWS_AFTER_HEADER = 3  # this many data-like rows after a header end the search for one


@dataclass
class Header:
    """Where a form's header is and what its columns are."""

    form: FormSpec
    top: int  # 0-based first header row
    row: int  # 0-based last header row
    columns: dict[str, int]  # canonical name -> 0-based column
    first_col: int
    last_col: int
    # a column named twice where nothing says which copy counts: canonical name -> the
    # (row, col) of each copy's header cell, 0-based
    ambiguous: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    texts: frozenset[str] = frozenset()  # every header cell's normalised text (repeats)


def find_header(
    sheet: Sheet,
    start: int,
    extra: dict[str, str],
    merges: list[Range] | None = None,
    width: int | None = None,
) -> Header | None:
    """The first form header at or below row ``start`` (0-based), within HEADER_SCAN_ROWS.

    ``merges``: the sheet's merges sorted by :func:`~branchctl.forms.merges.by_first_row`,
    and ``width`` the sheet's (a caller searching the sheet more than once finds them once)."""
    limit = min(sheet.height, start + HEADER_SCAN_ROWS)
    if start >= limit:
        return None
    memo = _memos(extra)
    if not _names_a_column(sheet.rows[start:limit], memo):
        return None  # no cell names a column (below the last table, most often): no header
    width = sheet.width if width is None else width
    near = starting_in(merges if merges is not None else by_first_row(sheet), start, limit)
    view = MergeFill(sheet, range(width), near)
    pre = None  # the marker and title above, read once a row looks like a header
    names: dict[str, bool] = {}  # form key -> whether the marker or title names it
    aspect_names = set(extra.values())
    best: tuple[float, int, FormSpec, dict[int, str], bool] | None = None
    matches: dict[int, dict[int, str]] = {}
    cells: dict[int, tuple[Any, ...]] = {}  # row -> its cells as read (merges filled)
    data_like = 0  # rows in a row that look like data, since the best header so far
    for r in range(start, limit):
        cells[r] = seen = _row_cells(view, r, width)
        matches[r] = found = _row_matches(seen, memo)
        line = sheet.rows[r]
        if best is not None:
            # data: three or more cells filled, most of them no header (a 问题类别 of 基本组织
            # reads as the aspect's header, but the rest of its row does not)
            filled = _filled(line)
            if filled >= 3 and 2 * len(found) < filled:
                data_like += 1
                if data_like >= DATA_ROWS_AFTER_HEADER:
                    break  # well into the data: no header further down
            elif found:
                data_like = 0
            elif starts_table(line, filled) or _footer(line):
                break  # the table ended: a header below it belongs to the next one
        if not found:
            continue
        if pre is None:
            pre = read_preamble(sheet, start, min(limit, start + PREAMBLE_ROWS))
        combined = dict(found)
        two_level = False
        if matches.get(r - 1):
            named_here = set(combined.values())
            for c, canon in matches[r - 1].items():
                if c not in combined and canon not in named_here:
                    combined[c] = canon
                    named_here.add(canon)
            two_level = True
        for form, hints in _signed(frozenset(combined.values()), memo, aspect_names):
            named = names.get(form.key)
            if named is None:
                named = names[form.key] = named_by_preamble(form, pre.annex, pre.title)
            score = _score(form, hints, named)
            if score is not None and (best is None or score > best[0]):
                best = (score, r, form, combined, two_level)
    if best is None:
        return None
    _, header_row, form, combined, two_level = best
    merged_down = view.merged_down(header_row, combined)
    top = header_row - 1 if two_level or merged_down else header_row
    columns, ambiguous = _resolve(sheet, view, combined, matches, top, header_row)
    last = _last_header_col(view, top, header_row, max(combined), width)
    first = min(combined)
    block = tuple(cells[r][first : last + 1] for r in range(top, header_row + 1))
    texts = memo.header_texts.get(block)
    if texts is None:  # the header cells as view.value reads them
        texts = memo.header_texts[block] = frozenset(
            normalize_text(v) for line in block for v in line if type(v) is str and v.strip()
        )
    return Header(form, top, header_row, columns, first, last, ambiguous, texts)


def _filled(line: list[Any]) -> int:
    """The non-blank cells of a row ("" and None blank; counted without a loop in Python)."""
    return len(line) - line.count("") - line.count(None)


def _footer(line: list[Any]) -> bool:
    first = next((v for v in line if v != "" and v is not None), None)
    return type(first) is str and normalize_text(first.strip()).startswith(forms_data().footer)


# Header texts, and the data texts a header search passes over, repeat from sheet to sheet and
# from file to file (every township fills the county's template): each is matched once per
# ``extra`` (a rubric's headers, one dict a run). So are whole header rows (two matches or more),
# keyed by their cells as read: position by position, merges filled, so the same texts placed or
# merged otherwise are another key; the forms a set of columns fits; and a header's texts. Each
# memo is emptied when full.
_MEMOS: dict[int, _Memo] = {}
_MEMO_MAX = 1 << 16
_ROWS_MAX = 1 << 12
_NO_EXTRA: dict[str, str] = {}


@dataclass
class _Memo:
    extra: dict[str, str]  # held, so that its id is not another dict's
    texts: dict[str, str | None] = field(default_factory=dict)  # cell text -> canonical column
    rows: dict[tuple[Any, ...], dict[int, str]] = field(default_factory=dict)  # row -> matches
    header_texts: dict[tuple[tuple[Any, ...], ...], frozenset[str]] = field(default_factory=dict)
    # the columns a header row names -> the forms they fit (:func:`_signed`)
    fits: dict[frozenset[str], tuple[tuple[FormSpec, int], ...]] = field(default_factory=dict)


def _memos(extra: dict[str, str]) -> _Memo:
    """The memos for headers with ``extra``, each emptied when full."""
    extra = extra or _NO_EXTRA  # no rubric headers: one memo, whatever empty dict is passed
    found = _MEMOS.get(id(extra))
    if found is None or found.extra is not extra:
        if len(_MEMOS) >= 8:
            _MEMOS.clear()
        found = _MEMOS[id(extra)] = _Memo(extra)
    for memo, most in (
        (found.texts, _MEMO_MAX),
        (found.rows, _ROWS_MAX),
        (found.header_texts, _ROWS_MAX),
        (found.fits, _ROWS_MAX),
    ):
        if len(memo) >= most:
            memo.clear()
    return found


def _row_cells(view: MergeFill, row: int, width: int) -> tuple[Any, ...]:
    """The cells of ``row`` up to ``width`` as read: a cell a merge covers reads as its top-left
    (a row no merge touches: its cells as they are, perhaps fewer than ``width``)."""
    if view.touches(row):
        return tuple(view.line(row, width))
    line = view.rows[row]
    return tuple(line[:width]) if len(line) > width else tuple(line)


def _row_matches(cells: tuple[Any, ...], memo: _Memo) -> dict[int, str]:
    """Column -> the canonical column its text names, for a row's ``cells`` (:func:`_row_cells`):
    a new dict, the caller's to change."""
    found = memo.rows.get(cells)
    if found is not None:
        return dict(found)
    out: dict[int, str] = {}
    texts, extra = memo.texts, memo.extra
    for c, value in enumerate(cells):
        if type(value) is str and value:
            canon = texts.get(value, _UNSEEN)
            if canon is _UNSEEN:
                ok = len(value) < 60 and not value.isspace()
                canon = texts[value] = match_header(value, extra) if ok else None
            if canon is not None:
                out[c] = canon  # type: ignore[assignment]
    if len(out) >= 2:  # a header row, likely to come again (a data row does not)
        memo.rows[cells] = dict(out)
    return out


_UNSEEN: Any = object()


def _names_a_column(lines: list[list[Any]], memo: _Memo) -> bool:
    """Whether a cell of ``lines`` names a column (as :func:`_row_matches` reads it). A cell a
    merge covers reads as the merge's top-left cell, which lies in the merge's first row: a
    search over rows whose merges start among them sees no text but theirs."""
    texts, extra = memo.texts, memo.extra
    for line in lines:
        for value in filter(None, line):  # the blank cells out first, without a loop in Python
            if type(value) is str:
                canon = texts.get(value, _UNSEEN)
                if canon is _UNSEEN:
                    ok = len(value) < 60 and not value.isspace()
                    canon = texts[value] = match_header(value, extra) if ok else None
                if canon is not None:
                    return True
    return False


def _signed(
    present: frozenset[str], memo: _Memo, aspects: set[str]
) -> tuple[tuple[FormSpec, int], ...]:
    """The forms whose signature columns are all ``present``, in order, each with how many of
    its hint columns (and of the rubric's aspects, for a per-branch form) are present."""
    found = memo.fits.get(present)
    if found is None:
        found = memo.fits[present] = tuple(
            (form, _hints(form, present, aspects))
            for form in forms_data().forms.values()
            if form.signature and all(col in present for col in form.signature)
        )
    return found


def _hints(form: FormSpec, present: frozenset[str], aspects: set[str]) -> int:
    hints = sum(1 for col in form.hints if col in present)
    if form.per_branch:
        hints += len(present & aspects)
    return hints


def _score(form: FormSpec, hints: int, named: bool) -> float | None:
    """How well a header row fits ``form`` (None: not at all), of whose hint columns it carries
    ``hints`` (:func:`_signed`); ``named``: whether the marker or title above names the form."""
    if hints < 2 and not named:
        return None
    score = 10.0 * len(form.signature) + hints
    if named:
        score += 5
    return score


def _resolve(
    sheet: Sheet,
    view: MergeFill,
    combined: dict[int, str],
    matches: dict[int, dict[int, str]],
    top: int,
    header_row: int,
) -> tuple[dict[str, int], dict[str, list[tuple[int, int]]]]:
    """Canonical name -> column; the copies of a column named twice go where the sheet says."""
    copies: dict[str, list[int]] = {}
    for c in sorted(combined):
        copies.setdefault(combined[c], []).append(c)
    columns: dict[str, int] = {}
    ambiguous: dict[str, list[tuple[int, int]]] = {}
    previous = forms_data().previous_period
    for canon, cols in copies.items():
        if len(cols) > 1:
            visible = [c for c in cols if c not in sheet.hidden_cols]
            pool = visible if visible else cols
            if len(pool) > 1:  # the group headers may say which copy is an earlier period's
                current = [c for c in pool if not _under(view, top, header_row, c, previous)]
                pool = current if len(current) == 1 else pool
            if len(pool) > 1:
                # each copy's header cell as written: the top-left of a cell merged down
                low = matches.get(header_row, {})
                ambiguous[canon] = [view.source(header_row if c in low else top, c) for c in pool]
                continue
            cols = pool
        columns[canon] = cols[0]
    return columns, ambiguous


def _under(view: MergeFill, top: int, header_row: int, col: int, words: tuple[str, ...]) -> bool:
    """Whether a group header over ``col`` names an earlier period (上季度…)."""
    for r in range(top, header_row):
        v = view.value(r, col)
        if type(v) is str and any(w in normalize_text(v) for w in words):
            return True
    return False


def _last_header_col(view: MergeFill, top: int, bottom: int, last_known: int, width: int) -> int:
    last = last_known
    for c in range(last_known + 1, width):
        if any(_text(view.value(r, c)) for r in range(top, bottom + 1)):
            last = c
        else:
            break
    return last


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))
