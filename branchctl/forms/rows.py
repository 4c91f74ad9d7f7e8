"""Which rows under a header are data: every row of a table classified, by rules kept as data
in forms.toml.

Below its header a township table holds, besides its branches (or items): blank rows; section
rows grouping the branches (``一、农村党支部（4个）`` in 序号 or alone in the name column, or ``一``
in 序号 with the label merged across); 小计/合计 rows; the header repeated where a printed page
begins (one row or several); the ``1 2 3 …`` column-number row; example rows (``例`` in 序号,
``××村党支部``, ``XX``, ``***``); pre-numbered rows nobody filled; header cells merged down into
the data. A footer (填报人, 说明…) ends the table, and so does another table's 附件N marker, title
or 填报单位 line: a sheet may hold several tables.

Classification reads the raw grid (a cell covered by a merge is blank) with the table's
:class:`~branchctl.forms.merges.MergeFill` to see merged labels; it looks at as few cells of a
data row as it can, since it runs over every row of every table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

from branchctl.forms.merges import MergeFill
from branchctl.forms.preamble import starts_table
from branchctl.forms.spec import forms_data, normalize_text
from branchctl.io.workbook import Sheet

# kinds of rows that are not data (Rows.skipped)
SECTION, TOTALS, HEADER, NUMBERS, EXAMPLE, PLACEHOLDER, SPILL = (
    "section", "totals", "header", "numbers", "example", "placeholder", "spill",
)  # fmt: skip
# columns a pre-numbered template row may have filled and still be nobody's row
PLACEHOLDER_COLUMNS = {True: ("序号", "星级", "定级类别", "等次"), False: ("序号",)}


@dataclass(frozen=True)
class Section:
    """A section row: its label and the 支部类型 it names (None when none or several)."""

    row: int  # 0-based
    label: str
    type: str | None


@dataclass
class Rows:
    """The classified rows of one table."""

    data: list[int] = field(default_factory=list)  # 0-based rows holding branches or items
    skipped: dict[str, list[int]] = field(default_factory=dict)  # kind -> 0-based rows
    sections: dict[int, Section] = field(default_factory=dict)  # data row -> its section
    end: int = 0  # the first row after the table (its footer, the next table's preamble)

    def skip(self, kind: str, r: int) -> None:
        self.skipped.setdefault(kind, []).append(r)


@dataclass
class Frame:
    """What classification needs to know of a table."""

    sheet: Sheet
    header_top: int
    header_row: int
    first_col: int
    last_col: int
    columns: dict[str, int]
    per_branch: bool
    header_texts: frozenset[str]  # normalised texts of the header cells


def classify(frame: Frame, fill: MergeFill) -> Rows:
    """Every row below the header of ``frame``, to its end."""
    data = forms_data()
    footer = tuple(data.footer)
    # cheap first tests, a character class searched
    totals_chars = _any_char(frozenset(ch for word in data.totals for ch in word))
    marks = _any_char(_marker_chars())
    either = _any_char(frozenset(ch for word in data.totals for ch in word) | _marker_chars())
    examples = data.example_serials
    sheet, columns = frame.sheet, frame.columns
    lo, hi = frame.first_col, frame.last_col + 1
    name_cols = [columns[c] for c in ("党支部名称", "序号", "所属党组织") if c in columns]
    serial = columns.get("序号")
    name = columns.get("党支部名称")
    ignore = frozenset(columns[c] for c in PLACEHOLDER_COLUMNS[frame.per_branch] if c in columns)
    headers = frame.header_texts
    spill = _spill_end(sheet, frame)
    out = Rows(end=sheet.height)
    section: Section | None = None
    after_header = True  # the row right under a header may be the 1 2 3 … row
    grid = sheet.rows
    # the common row's first three cells, tested one by one
    wide = hi - lo >= 3
    lo1, lo2, lo3 = lo + 1, lo + 2, lo + 3
    prefilled = lo in ignore and lo1 in ignore and lo2 in ignore
    # the columns left of the table, where a footer may start (column A): none to look at when
    # they are blank all the way down (most sheets)
    below = grid[frame.header_row + 1 :]
    left = range(lo)
    if not any(_column(below, c).count("") < len(below) for c in left):
        left = range(0)
    for r in range(frame.header_row + 1, len(grid)):
        line = grid[r]
        n = len(line)
        first: Any = None
        filled = 0  # counted to 3: only rows of one or two cells need more care
        placeholder = True  # its first two filled cells are columns a template prefills
        if (  # most rows: their first three cells filled (blank: "", spaces, or None)
            wide
            and n >= lo3
            and (a.strip() if type(a := line[lo]) is str else a is not None)
            and (b.strip() if type(b := line[lo1]) is str else b is not None)
            and (v.strip() if type(v := line[lo2]) is str else v is not None)
        ):
            first = a
            filled = 3
            placeholder = prefilled
        else:
            for c, v in enumerate(line[lo:hi], lo):
                if type(v) is str:  # blank: "", spaces, or None
                    if not v.strip():
                        continue
                elif v is None:
                    continue
                filled += 1
                if c not in ignore:
                    placeholder = False
                if first is None:
                    first = v
                elif filled > 2:
                    break
        if not filled:
            continue
        if r <= spill:
            out.skip(SPILL, r)
            continue
        lead = first
        if left:
            for c in left:  # a footer may start left of the table, in column A
                if c < n and not (
                    (v := line[c]) == "" or v is None or (type(v) is str and not v.strip())
                ):
                    lead = v
                    break
        if type(lead) is str and _is_footer(lead, footer):
            out.end = r  # 填报人：… 说明：… : the table ends here
            break
        if filled <= 2 and starts_table(line, filled):
            out.end = r  # another table's marker, title or 填报单位 line
            break
        # cheap first test, one search a text: only text holding 合/小/计… can be a total, only
        # text holding ×/X/*… a placeholder
        suspect = False
        for c in name_cols:
            v = line[c] if c < n else None
            if type(v) is str and either(v):
                suspect = True
                break
        if suspect and _has_totals(line, n, name_cols, totals_chars):
            out.skip(TOTALS, r)
            section = None  # a 小计 closes its section
            continue
        if (
            type(first) is str
            and normalize_text(first) in headers
            and _is_header(line, lo, hi, headers)
        ):
            out.skip(HEADER, r)
            after_header = True
            continue
        if after_header:
            after_header = False
            if _is_column_numbers(line, lo, hi):
                out.skip(NUMBERS, r)
                continue
        # 例 in 序号, or a placeholder (××, XX, ***) in the name: a filled-in example
        v = line[serial] if serial is not None and serial < n else None
        if type(v) is str and v and normalize_text(v) in examples:
            out.skip(EXAMPLE, r)
            continue
        if suspect:
            v = line[name] if name is not None and name < n else None
            if type(v) is str and marks(v) and _placeholder_name(v):
                out.skip(EXAMPLE, r)
                continue
        if filled <= 2:
            found = _section(frame, fill, r, line)
            if found is not None:
                section = found
                out.skip(SECTION, r)
                continue
        if placeholder and all(c in ignore for c in range(lo, min(hi, n)) if not _blank(line[c])):
            out.skip(PLACEHOLDER, r)  # a pre-numbered row nobody filled
            continue
        out.data.append(r)
        if section is not None:
            out.sections[r] = section
    return out


def _column(lines: list[list[Any]], c: int) -> list[Any]:
    """Column ``c`` of ``lines`` ('' where a line is shorter)."""
    try:
        return list(map(itemgetter(c), lines))
    except IndexError:
        return [line[c] if c < len(line) else "" for line in lines]


def _has_totals(
    line: list[Any], n: int, name_cols: list[int], totals_chars: Callable[[str], Any]
) -> bool:
    """A 小计/合计 row: a name column says so."""
    for c in name_cols:
        v = line[c] if c < n else None
        if type(v) is str and totals_chars(v) and _is_totals(v):
            return True
    return False


def _blank(v: Any) -> bool:
    return v == "" or v is None or (type(v) is str and not v.strip())


def _spill_end(sheet: Sheet, frame: Frame) -> int:
    """The last row a header cell merged down past the header row covers (-1 when none)."""
    end = -1
    for r1, c1, r2, c2 in sheet.merges:
        if r1 <= frame.header_row < r2 and c1 <= frame.last_col and c2 >= frame.first_col:
            end = max(end, r2)
    return end


@lru_cache(maxsize=4096)
def _is_footer(value: str, footer: tuple[str, ...]) -> bool:
    return normalize_text(value.strip()).startswith(footer)


@lru_cache(maxsize=4096)
def _is_totals(value: str) -> bool:
    key = normalize_text(value.strip())
    return any(word in key for word in forms_data().totals)


def _is_header(line: list[Any], lo: int, hi: int, headers: frozenset[str]) -> bool:
    """The header repeated (a printed page begins): its filled cells are header texts."""
    texts = [normalize_text(v) for v in line[lo:hi] if not _blank(v)]
    known = sum(1 for t in texts if t in headers)
    return known == len(texts) or (known >= 3 and 5 * known >= 3 * len(texts))


def _is_column_numbers(line: list[Any], lo: int, hi: int) -> bool:
    """The '1 2 3 …' or '栏次' row some forms have under the header."""
    numbers: list[int] = []
    for v in line[lo:hi]:  # the first cell that is no number says no (most rows: the second)
        if _blank(v):
            continue
        text = normalize_text(str(v).strip())
        if not numbers and text in forms_data().column_numbers:
            return True
        try:
            numbers.append(int(float(text)))
        except ValueError:
            return False
    return len(numbers) >= 4 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


@lru_cache(maxsize=8)
def _any_char(chars: frozenset[str]) -> Callable[[str], re.Match[str] | None]:
    """A search for any of ``chars`` in a text (several times faster than set.isdisjoint)."""
    if not chars:
        return re.compile("(?!)").search  # nothing to find
    return re.compile(f"[{re.escape(''.join(sorted(chars)))}]").search


@lru_cache(maxsize=1)
def _marker_chars() -> frozenset[str]:
    return frozenset(ch for word in forms_data().placeholders for ch in word)


@lru_cache(maxsize=4096)
def _placeholder_name(value: str) -> bool:
    key = normalize_text(value)
    return any(p in key for p in forms_data().placeholders)


def _section(frame: Frame, fill: MergeFill, r: int, line: list[Any]) -> Section | None:
    """A section row: an enumerated label (一、…), a label merged across the row, ``一`` in 序号
    beside a label, or a label naming only branch types alone in the name column."""
    lo, hi = frame.first_col, frame.last_col + 1
    cells = [(c, line[c]) for c in range(lo, min(hi, len(line))) if not _blank(line[c])]
    if any(type(v) is not str for _, v in cells):
        return None  # a label is text
    data = forms_data()
    serial = frame.columns.get("序号")
    name = frame.columns.get("党支部名称")
    if len(cells) == 2:
        (c1, v1), (c2, v2) = cells
        if (
            c1 != serial
            or not data.section_numbers
            or not data.section_numbers.match(normalize_text(v1))
        ):
            return None
        label, col = v2, c2
    else:
        ((col, label),) = cells
    text = normalize_text(label)
    found = Section(r, label.strip(), section_type(text))
    if any(p.match(text) for p in data.section_labels):
        return found
    if sum(1 for c in range(col + 1, hi) if fill.source(r, c) == (r, col)) >= 2:
        return found  # merged across the row
    if (len(cells) == 2 or col == name) and (
        (data.section_counts and data.section_counts.search(text)) or _names_types_only(text)
    ):
        return found
    return None


@lru_cache(maxsize=1)
def _type_words() -> tuple[tuple[str, str], ...]:
    data = forms_data()
    words = {normalize_text(v): v for v in data.enums.get("支部类型", ())}
    words.update(data.enum_aliases.get("支部类型", {}))
    return tuple(sorted(words.items(), key=lambda kv: -len(kv[0])))


def _types_in(text: str) -> tuple[set[str], str]:
    """The 支部类型 a label names, and what is left of it without them."""
    data = forms_data()
    for p in data.section_labels:
        text = p.sub("", text, count=1)
    if data.section_counts:
        text = data.section_counts.sub("", text)
    found: set[str] = set()
    for word, canon in _type_words():
        if word in text:
            found.add(canon)
            text = text.replace(word, "")
    return found, text


@lru_cache(maxsize=256)
def section_type(text: str) -> str | None:
    """The one 支部类型 a section label names (normalised text), else None."""
    found, _ = _types_in(text)
    return found.pop() if len(found) == 1 else None


def _names_types_only(text: str) -> bool:
    found, rest = _types_in(text)
    for word in forms_data().section_words:
        rest = rest.replace(word, "")
    return bool(found) and not rest
