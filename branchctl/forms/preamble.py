"""The lines above a table: the 附件N marker, the title, the 填报单位 and 填报时间 line.

They say which form a table is and which township filled it; below a table, the same lines
say that another table begins (two townships' tables on one sheet).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from branchctl.forms.spec import FormSpec, forms_data, normalize_text
from branchctl.forms.values import BadValue, parse_date
from branchctl.io.workbook import Sheet

PREAMBLE_MAX_CELLS = 5  # a row above the table with this many texts is a header or data
PREAMBLE_ROWS = 6  # how far above a header its marker, title and 填报单位 line are looked for
ANNEX = re.compile(r"^附件\s*([0-9０-９一二三四五六]+)")
_UNIT = re.compile(r"填报单位[^:：]*[:：]\s*(.+?)(?:\s{2,}|填报时间|填报日期|$)")
_REPORT_DATE = re.compile(r"填报(?:时间|日期)\s*[:：]\s*(\S+)")
_TITLE_END = re.compile(r"(表|台账|清单|名册|一览表)(\(.*\))?$")


@dataclass
class Preamble:
    annex: str | None = None
    title: str | None = None
    unit: str | None = None  # 填报单位 as written
    report_date: dt.date | None = None  # 填报时间, when a whole date


def read_preamble(sheet: Sheet, start: int, stop: int, *, nearest_last: bool = True) -> Preamble:
    """The marker, title, 填报单位 and 填报时间 in rows [start, stop) of ``sheet``: each the one
    nearest the end (the table's own, below the footer of a table above it), or with
    ``nearest_last`` false the first."""
    found = Preamble()
    date_seen = False
    rows = range(max(start, 0), min(stop, sheet.height))
    for r in reversed(rows) if nearest_last else rows:
        # filter(None): the blank cells out first, without a loop in Python
        texts = [v for v in filter(None, sheet.rows[r]) if type(v) is str and not v.isspace()]
        if len(texts) >= PREAMBLE_MAX_CELLS:
            continue  # a header or data row, not a title, marker or 填报单位 line
        if texts and _line(texts[0]).footer:
            continue  # 填报人：… below the table above
        for value in texts:
            line = _line(value)
            norm = line.norm
            if not date_seen and line.date is not None:
                date_seen = True
                found.report_date = _report_date(line.date)
            if found.annex is None and line.annex is not None:
                found.annex = line.annex
                if len(norm) > len(found.annex) + 4 and found.title is None:
                    found.title = norm[len(found.annex) :].lstrip(":：")
                continue
            if line.has_unit and found.unit is None:
                found.unit = line.unit
                continue
            if found.title is None and line.title:
                found.title = norm
    return found


@dataclass(frozen=True)
class _Line:
    """What a text above a table says (the same lines stand above every sheet's table)."""

    norm: str  # normalised
    footer: bool  # 填报人：… : a footer's
    date: str | None  # the date after 填报时间：
    annex: str | None  # the 附件N marker it starts with
    has_unit: bool  # a 填报单位：… line
    unit: str | None  # the unit it names
    title: bool  # a short heading naming a form


@lru_cache(maxsize=4096)
def _line(value: str) -> _Line:
    text = value.strip()
    norm = normalize_text(text)
    date = m.group(1) if "填报" in text and (m := _REPORT_DATE.search(text)) else None
    marker = ANNEX.match(norm)
    unit = _UNIT.search(text)
    return _Line(
        norm=norm,
        footer=norm.startswith(forms_data().footer),
        date=date,
        annex=norm[: marker.end()] if marker else None,
        has_unit=unit is not None,
        unit=(unit.group(1).strip() or None) if unit else None,
        title=is_title(norm),
    )


def _report_date(text: str) -> dt.date | None:
    # 6月30日 takes this year: today is part of the key
    return _report_date_on(text, dt.date.today())


@lru_cache(maxsize=1024)
def _report_date_on(text: str, today: dt.date) -> dt.date | None:
    try:
        found = parse_date(text, today)
    except BadValue:
        return None  # 2025年 月 日: the template's blanks, never filled
    return found.date if found is not None else None


def is_title(norm: str) -> bool:
    """A short heading naming a form (normalised text): 城关镇党支部分类定级表（二季度）."""
    # a title is a short heading, not a sentence like "文件：某某三清单表.xlsx …"
    return (
        4 <= len(norm) <= 40
        and ":" not in norm
        and ("表" in norm or "台账" in norm or "清单" in norm)
    )


def starts_table(line: list[Any], filled: int) -> bool:
    """Whether a row below a table's data begins another table: a 附件N marker, a title or a
    填报单位 line alone on its row (``filled``: the row's non-blank cells)."""
    if filled > 2:
        return False
    for v in line:
        if type(v) is not str or not v.strip():
            continue
        norm = normalize_text(v)
        if ANNEX.match(norm) and len(norm) <= 8:
            return True
        if _UNIT.search(v):
            return True
        return bool(_TITLE_END.search(norm)) and is_title(norm) and _names_form(norm)
    return False


def _names_form(norm: str) -> bool:
    """A title names a form: one of the forms' title words, or a word every form title ends in."""
    data = forms_data()
    return any(w in norm for f in data.forms.values() for w in f.title_words) or any(
        norm.rstrip(")").split("(")[0].endswith(end)
        for end in ("定级表", "台账", "清单", "统计表", "登记表", "一览表")
    )


def named_by_preamble(form: FormSpec, annex: str | None, title: str | None) -> bool:
    t = normalize_text(title or "")
    if t and any(word in t for word in form.title_words):
        return True
    return bool(annex and normalize_text(annex) == normalize_text(form.annex) and not t)


def form_from_preamble(annex: str | None, title: str | None) -> FormSpec | None:
    for form in forms_data().forms.values():
        if named_by_preamble(form, annex, title):
            return form
    if annex:
        for form in forms_data().forms.values():
            if normalize_text(annex) == normalize_text(form.annex):
                return form
    return None


def is_example(sheet: Sheet, titles: list[str | None]) -> bool:
    """A sheet of filled-in examples (填表示例, 样表): by its name or a table's title."""
    words = forms_data().example_sheets
    name = normalize_text(sheet.name)
    if any(w in name for w in words):
        return True
    return any(t and any(w in normalize_text(t) for w in words) for t in titles)
