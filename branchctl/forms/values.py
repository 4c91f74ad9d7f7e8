"""Cell values as the forms write them: small pure functions, one per kind of value.

Each parser takes a raw cell value (str, int, float, date, datetime or None) and returns the
typed value, ``None`` for a blank cell, or raises :class:`BadValue` whose message says in Chinese
what was expected.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from branchctl.forms.spec import forms_data, normalize_once, normalize_text


class BadValue(ValueError):
    """A cell value that is not of its column's kind; ``str()`` is a Chinese hint."""


def is_blank(value: Any) -> bool:
    return value is None or (type(value) is str and (value == "" or not value.strip()))


def cell_text(value: Any) -> str:
    """A raw value as the clerk sees it: 12.0 -> '12', dates as 2025-06-30."""
    if type(value) is str:  # the common case first: this runs for every cell read
        return value.strip()
    if type(value) is float or type(value) is dt.date:  # a 序号, a deadline: they repeat
        text = _TEXTS.get(value)
        if text is None:
            if len(_TEXTS) >= _TEXTS_MAX:
                _TEXTS.clear()
            text = _TEXTS[value] = _value_text(value)
        return text
    return _value_text(value)


# cell_text of floats and dates (exactly those types: no float equals a date, while 1.0 would
# equal True), each made once per process; emptied when full
_TEXTS: dict[Any, str] = {}
_TEXTS_MAX = 1 << 12


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# --- marks -------------------------------------------------------------------------------


def parse_mark(value: Any) -> bool | None:
    """√ -> True, × -> False, blank -> None; anything else raises BadValue."""
    if type(value) is str:  # the common case: one cached lookup
        found = _text_mark(value)
        if found is _BLANK:
            return None
        mark = found if type(found) is bool else None
    elif value is None:
        return None
    else:
        mark = _mark(cell_text(value))
    if mark is None:
        raise BadValue("不是有效的达标标记，应填“√”（达标）或“×”（未达标）")
    return mark


_BLANK = object()


@lru_cache(maxsize=4096)
def _text_mark(value: str) -> object:
    """True, False, None (not a mark) or _BLANK for a text cell."""
    text = value.strip()
    return _mark(text) if text else _BLANK


@lru_cache(maxsize=4096)
def _mark(text: str) -> bool | None:
    data = forms_data()
    # NFKC turns ✔/✓ into themselves, but full-width Ｙ into Y; compare both forms
    for candidate in (normalize_text(text), text):
        if candidate in data.marks_met:
            return True
        if candidate in data.marks_unmet:
            return False
    return None


def parse_negative(value: Any) -> str | None:
    """The 负面清单 entry, or None when the cell is blank or says there is none (无, 暂无, 无此情况,
    未发现, 0, /…: forms.toml, compared without spaces and punctuation)."""
    if is_blank(value):
        return None
    text = cell_text(value).strip()
    return None if _says_none(text) else text


@lru_cache(maxsize=1024)
def _says_none(text: str) -> bool:
    data = forms_data()
    key = normalize_text(text)
    if key in data.negative_empty:
        return True
    bare = key.translate(_negative_table())
    return not bare or bare in data.negative_empty  # only punctuation says nothing either


@lru_cache(maxsize=1)
def _negative_table() -> dict[int, None]:
    return dict.fromkeys(map(ord, forms_data().negative_punctuation))


# --- counts ------------------------------------------------------------------------------

_COUNT = re.compile(r"^(\d+)(?:\.0+)?(人|名|个|次|位|户|学时|课时|年|届)?$")


def parse_count(value: Any) -> int | None:
    """12, '１２', '12人', 12.0 -> 12; negative or fractional numbers raise BadValue."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue("不是有效的人数或次数，应填写非负整数")
    if isinstance(value, int):
        if value < 0:
            raise BadValue("不能为负数，应填写非负整数")
        return value
    if isinstance(value, float):
        if value.is_integer() and value >= 0:
            return int(value)
        raise BadValue("应填写非负整数")
    text = normalize_text(cell_text(value))
    match = _COUNT.match(text)
    if not match:
        raise BadValue("不是有效的人数或次数，应填写非负整数，如“12”")
    return int(match.group(1))


# --- stars -------------------------------------------------------------------------------

CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
}


def chinese_number(n: Any) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 25 -> 二十五 (for 一、二、 headings and 第二季度); up to 99."""
    digits = "零一二三四五六七八九"
    n = int(n)
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


_STARS = re.compile(r"^(\d+|[零〇一二两三四五六七])(?:\.0+)?(?:颗)?(?:星|星级)?(?:党支部|支部)?$")


def parse_stars(value: Any, max_stars: int = 6) -> int | None:
    """4, '4星', '四星', '★★★★', '四星级', '无星' -> stars; blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value <= max_stars:
            return int(value)
        raise BadValue(f"不是有效的星级，应为0至{max_stars}的整数")
    text = normalize_text(cell_text(value))
    if text in forms_data().no_stars:
        return 0
    if text and set(text) <= {"★", "☆"}:
        # ★★★☆☆☆ shows three of six; ☆☆☆☆ alone (hollow stars typed) counts four
        stars = text.count("★") if "★" in text else text.count("☆")
    else:
        match = _STARS.match(text)
        if not match:
            raise BadValue("不是有效的星级，应填写如“4”“4星”“四星”")
        token = match.group(1)
        stars = int(token) if token.isdigit() else CHINESE_DIGITS[token]
    if stars > max_stars:
        raise BadValue(f"星级超出范围，应为0至{max_stars}星")
    return stars


# --- dates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A date column's value: a date, or an open-ended promise (长期坚持) or 立行立改."""

    date: dt.date | None
    kind: str = "date"  # "date" | "ongoing" | "immediate"

    @property
    def text(self) -> str:
        if self.kind == "ongoing":
            return "长期坚持"
        if self.kind == "immediate":
            return "立行立改"
        assert self.date is not None
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"


# Dates as compared: no spaces (normalize_text), Chinese numerals already made digits.
_TIME = r"(?:\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # 2025-09-30 00:00:00 typed as text
_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})(?:日|号)?(?:前)?" + _TIME + "$")
_YM_END = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?(?:底|末)?(?:前)?$")
_Y_END = re.compile(r"^(\d{4})年(?:年)?(?:底|末)(?:前)?$")  # 2025年底
_M_END = re.compile(r"^(\d{1,2})月(?:底|末)(?:前)?$")
_MD = re.compile(r"^(\d{1,2})月(\d{1,2})(?:日|号)(?:前)?$")  # 9月30号: the as-of date's year
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})(?=年)")
_CN_NUMBER = re.compile(
    r"([一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])(?=月|日|号)"
)
_CN_DIGIT = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _end_of_month(year: int, month: int) -> dt.date:
    if not 1 <= month <= 12:
        raise BadValue("月份不正确")
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as e:
        raise BadValue("不是存在的日期") from e


def parse_date(
    value: Any, as_of: dt.date | None = None, *, deadline: bool = False
) -> Deadline | None:
    """Every date form of SPEC §2; with ``deadline``, also 长期坚持 and 立行立改.

    ``6月底`` takes the year of ``as_of`` (today when not given).
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return Deadline(value.date())
    if isinstance(value, dt.date):
        return Deadline(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # a bare Excel serial number (a date cell that lost its format)
        if 20000 <= value <= 80000:
            return Deadline(_EXCEL_EPOCH + dt.timedelta(days=int(value)))
        # 20250930 typed as a number
        m = _COMPACT.match(str(int(value))) if float(value).is_integer() else None
        if m:
            return Deadline(_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        raise BadValue(_date_hint(deadline))
    text = _arabic_date(normalize_text(cell_text(value)))
    if deadline and text in forms_data().ongoing:
        return Deadline(None, "ongoing")
    if deadline and text in forms_data().immediate:
        return Deadline(None, "immediate")
    for pattern in (_YMD, _COMPACT):
        m = pattern.match(text)
        if m:
            return Deadline(_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    m = _YM_END.match(text)
    if m:
        return Deadline(_end_of_month(int(m.group(1)), int(m.group(2))))
    m = _Y_END.match(text)
    if m:
        return Deadline(_date(int(m.group(1)), 12, 31))
    year = (as_of or dt.date.today()).year
    m = _M_END.match(text)
    if m:
        return Deadline(_end_of_month(year, int(m.group(1))))
    m = _MD.match(text)
    if m:
        return Deadline(_date(year, int(m.group(1)), int(m.group(2))))
    raise BadValue(_date_hint(deadline))


def _arabic_date(text: str) -> str:
    """二〇二五年九月三十日 -> 2025年9月30日 (other text unchanged)."""
    if text.isascii():
        return text
    text = _CN_YEAR.sub(lambda m: "".join(_CN_DIGIT[ch] for ch in m.group(1)), text)
    return _CN_NUMBER.sub(lambda m: str(_small_number(m.group(1))), text)


def _small_number(text: str) -> int:
    """九 -> 9, 十 -> 10, 十二 -> 12, 二十 -> 20, 三十一 -> 31."""
    tens, ten, ones = text.partition("十")
    if not ten:
        return int(_CN_DIGIT[text])
    return (int(_CN_DIGIT[tens]) if tens else 1) * 10 + (int(_CN_DIGIT[ones]) if ones else 0)


def _date_hint(deadline: bool) -> str:
    extra = "，或“长期坚持”“立行立改”" if deadline else ""
    return f"不是有效日期，请填写具体日期，如2025年6月30日{extra}"


# --- enums, categories, levels -----------------------------------------------------------


def parse_enum(value: Any, column: str, allowed: tuple[str, ...] | None = None) -> str | None:
    """A value from one of the forms' lists (支部类型, 完成情况…), synonyms resolved."""
    if is_blank(value):
        return None
    data = forms_data()
    values = allowed if allowed is not None else data.enums.get(column, ())
    text = normalize_text(cell_text(value))
    for v in values:
        if normalize_text(v) == text:
            return v
    alias = data.enum_aliases.get(column, {}).get(text)
    if alias is not None and alias in values:
        return alias
    raise BadValue("不在可选范围内，应为" + "、".join(f"“{v}”" for v in values) + "之一")


def parse_label(value: Any, allowed: dict[str, str]) -> str | None:
    """A category or level as claimed: ``allowed`` maps normalised spellings to canonical names."""
    if is_blank(value):
        return None
    text = normalize_text(cell_text(value))
    for candidate in (
        text,
        text.removesuffix("支部"),
        text.removesuffix("党支部"),
        text.removesuffix("党组织"),
    ):
        if candidate in allowed:
            return allowed[candidate]
    names = sorted(set(allowed.values()))
    raise BadValue("不在可选范围内，应为" + "、".join(f"“{v}”" for v in names) + "之一")


def name_key(value: Any) -> str:
    """A branch or organisation name as matched across sheets and files."""
    if type(value) is str:
        return _name_key(value)
    return _name_key(cell_text(value))


@lru_cache(maxsize=1 << 14)
def _name_key(value: str) -> str:
    return _key_text(value, normalize_text)


def name_keys(values: Iterable[str]) -> list[str]:
    """:func:`name_key` of each text, without the caches: the names down a ledger are all
    different, and caching 100,000 of them would only push out what repeats."""
    return [_key_text(v, normalize_once) for v in values]


def _key_text(value: str, normalize: Callable[[str], str]) -> str:
    text = normalize(value.strip())
    return text.replace("(", "").replace(")", "").replace("“", "").replace("”", "")
