"""Cell value parsers: examples from real ledgers, and properties over generated inputs."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from branchctl.forms.spec import normalize_header, normalize_text
from branchctl.forms.values import (
    BadValue,
    cell_text,
    name_key,
    parse_count,
    parse_date,
    parse_enum,
    parse_mark,
    parse_negative,
    parse_stars,
)

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE = "零一二三四五六"


@pytest.mark.parametrize(
    "text", ["√", "✓", "✔", "是", "达标", "合格", "已达标", "有", "1", "Y", "y", 1, 1.0, " √ "]
)
def test_met_marks(text):
    assert parse_mark(text) is True


@pytest.mark.parametrize(
    "text",
    ["×", "✗", "✘", "X", "x", "否", "未达标", "不达标", "不合格", "无", "0", "N", "n", 0, 0.0],
)
def test_unmet_marks(text):
    assert parse_mark(text) is False


@pytest.mark.parametrize("text", [None, "", "  ", "\u3000"])
def test_blank_mark_is_none(text):
    assert parse_mark(text) is None


@pytest.mark.parametrize(
    "text", ["基本达标", "?", "2", "√×", "待定", "○", "★", "☆", "V", "v", "☑", "☒"]
)
def test_other_marks_are_errors(text):
    """SPEC §2 lists the marks exactly. ○ means 基本达标 to some clerks and 未达标 to others; ★
    and ☆ are star symbols (in 星级, ☆☆☆ is three stars): none can be read without a guess."""
    with pytest.raises(BadValue, match="达标标记"):
        parse_mark(text)


@given(
    st.integers(min_value=0, max_value=100000),
    st.sampled_from(["", "人", "名", "个", "次"]),
    st.booleans(),
)
def test_counts_any_spelling(n, unit, fullwidth):
    text = f"{n}{unit}"
    if fullwidth:
        text = text.translate(FULLWIDTH)
    assert parse_count(text) == n
    assert parse_count(f" {text} ") == n


@given(st.integers(min_value=0, max_value=10**6))
def test_counts_from_numbers(n):
    assert parse_count(n) == n
    assert parse_count(float(n)) == n


@pytest.mark.parametrize("bad", [-1, "-3", 2.5, "十二", "12.5人", "约10人"])
def test_bad_counts(bad):
    with pytest.raises(BadValue):
        parse_count(bad)


@given(st.integers(min_value=0, max_value=6))
def test_stars_every_spelling(n):
    spellings = [
        n,
        float(n),
        str(n),
        f"{n}星",
        f"{CHINESE[n]}星",
        f"{CHINESE[n]}星级",
        "★" * n or "无星",
        f"{n}星".translate(FULLWIDTH),
        f"{CHINESE[n]}星级党支部",
    ]
    for text in spellings:
        assert parse_stars(text) == n, text


@given(st.integers(min_value=1, max_value=6))
def test_hollow_stars_count_as_stars(n):
    assert parse_stars("☆" * n) == n  # ☆ typed alone
    assert parse_stars("★" * n + "☆" * (6 - n)) == n  # ★★★☆☆☆: three of six
    assert parse_stars(f"{n}颗星") == n


def test_zero_stars_words():
    assert parse_stars("无星") == 0
    assert parse_stars("0") == 0
    assert parse_stars(None) is None


@pytest.mark.parametrize("bad", ["7星", "很多星", 9, "4.5"])
def test_bad_stars(bad):
    with pytest.raises(BadValue):
        parse_stars(bad)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_every_form(d):
    forms = [
        d,
        dt.datetime(d.year, d.month, d.day),
        f"{d.year}-{d.month:02d}-{d.day:02d}",
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}年{d.month}月{d.day}日".translate(FULLWIDTH),
    ]
    for value in forms:
        got = parse_date(value)
        assert got is not None and got.date == d, value


@given(st.integers(min_value=2000, max_value=2099), st.integers(min_value=1, max_value=12))
def test_month_end_forms(year, month):
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    end = nxt - dt.timedelta(days=1)
    for text in (f"{year}年{month}月底", f"{year}年{month}月"):
        got = parse_date(text)
        assert got is not None and got.date == end
    got = parse_date(f"{month}月底", as_of=dt.date(year, 1, 1))
    assert got is not None and got.date == end


def test_open_deadlines_only_in_deadline_columns():
    assert parse_date("长期坚持", deadline=True).kind == "ongoing"
    assert parse_date("持续推进", deadline=True).kind == "ongoing"
    assert parse_date("立行立改", deadline=True).kind == "immediate"
    with pytest.raises(BadValue):
        parse_date("长期坚持")


@pytest.mark.parametrize("bad", ["尽快", "年底前完成吧", "2025年13月", "2025-02-30", "下周"])
def test_bad_dates(bad):
    with pytest.raises(BadValue, match="不是有效日期|月份|日期"):
        parse_date(bad, deadline=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("二〇二五年九月", dt.date(2025, 9, 30)),
        ("二〇二五年九月三十日", dt.date(2025, 9, 30)),
        ("二〇二五年十二月", dt.date(2025, 12, 31)),
        ("2025年底", dt.date(2025, 12, 31)),
        ("2025年年底前", dt.date(2025, 12, 31)),
        ("9月30号", dt.date(2024, 9, 30)),  # the year of the as-of date
        ("2025年9月30号", dt.date(2025, 9, 30)),
        ("2025-09-30 00:00:00", dt.date(2025, 9, 30)),  # a date cell pasted as text
        ("2025-09-30 14:30", dt.date(2025, 9, 30)),
        (20250930, dt.date(2025, 9, 30)),  # typed as a number
        (20250930.0, dt.date(2025, 9, 30)),
        (45930, dt.date(2025, 9, 30)),  # a date cell that lost its format: the serial number
    ],
)
def test_dates_clerks_write(value, expected):
    got = parse_date(value, as_of=dt.date(2024, 3, 1), deadline=True)
    assert got is not None and got.date == expected


@pytest.mark.parametrize("bad", ["45930", "20251330", 20251330, "二〇二五年十三月", "9月31号"])
def test_dates_that_stay_bad(bad):
    """A bare serial number typed as text is not a date a clerk wrote; nor is a month 13."""
    with pytest.raises(BadValue):
        parse_date(bad, as_of=dt.date(2025, 1, 1))


@pytest.mark.parametrize(
    "none",
    [
        None, "", "无", "否", "/", "-", "—", "——", "×", "暂无", "没有", "无此情况", "无此情形",
        "未发现", "未发生", "不存在", "0", 0, 0.0, "无。", " 无 ", "（无）", "暂无。", "０", "／", "。",
    ],
)  # fmt: skip
def test_negative_list_none_words(none):
    """ "None" as clerks write it, compared without spaces and punctuation: no veto."""
    assert parse_negative(none) is None


@pytest.mark.parametrize("entry", ["党员违纪受处分", "√", "1", 1, "有", "发生重大安全生产事故。"])
def test_negative_list_entries_veto(entry):
    assert parse_negative(entry) == cell_text(entry)


def test_enum_synonyms():
    assert parse_enum("非公企业", "支部类型") == "非公有制经济组织"
    assert parse_enum("农村", "支部类型") == "农村"
    with pytest.raises(BadValue, match="可选范围"):
        parse_enum("外星", "支部类型")


@given(st.text(alphabet="党支部村社区（）() 　", min_size=1, max_size=20))
def test_name_key_ignores_spaces_and_bracket_width(name):
    assert name_key(name) == name_key(name.replace("（", "(").replace("）", ")").replace(" ", ""))


def test_cell_text_is_what_the_clerk_sees():
    assert cell_text(12.0) == "12"
    assert cell_text(dt.datetime(2025, 6, 30)) == "2025-06-30"
    assert cell_text("=请核实") == "=请核实"


def test_cell_text_of_equal_values_of_other_types_stays_their_own():
    """Numbers and dates are made text once per process; a value equal to one seen before but
    of another type (1.0, 1, True; a date and its midnight) reads as its own type says."""
    seen = [cell_text(v) for v in (1.0, -0.0, 2.5, dt.date(2025, 6, 30), float("nan"))]
    assert seen == ["1", "0", "2.5", "2025-06-30", "nan"]
    assert [cell_text(True), cell_text(False), cell_text(1), cell_text(0.0)] == [
        "是",
        "否",
        "1",
        "0",
    ]
    assert cell_text(dt.datetime(2025, 6, 30, 8, 5)) == "2025-06-30 08:05:00"
    assert cell_text(dt.date(2025, 6, 30)) == cell_text(dt.datetime(2025, 6, 30)) == "2025-06-30"


@given(st.text(alphabet="*＊※党支部名称 \u3000\t\n\u2028\u00a0（）A", max_size=12))
def test_headers_compare_without_any_space_and_without_stars_around_them(text):
    """Every space (full-width, no-break, line and paragraph separators too) is dropped, and
    the required-field stars only where they begin or end the text (each as a regex says)."""
    spaceless = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    assert normalize_text(text) == spaceless
    assert normalize_header(text) == re.sub(r"^[*＊※]+|[*＊※]+$", "", spaceless)
