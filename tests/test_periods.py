"""Periods as clerks write them: 2025Q2, 2025年二季度, 2025-06, 2025."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from branchctl.errors import BranchctlError
from branchctl.rules.periods import Period, parse_period


@pytest.mark.parametrize(
    "text",
    ["2025Q2", "2025q2", "2025-Q2", "2025年二季度", "2025年第二季度", "2025年第2季度",
     "２０２５年二季度", " 2025Q2 ", "2025年2季度"],
)  # fmt: skip
def test_quarters(text):
    p = parse_period(text)
    assert (p.key, p.label) == ("2025Q2", "2025年第二季度")
    assert (p.start, p.end) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))


@pytest.mark.parametrize(
    "text", ["2025-06", "2025-6", "2025/06", "2025.6", "2025年6月", "2025年06月"]
)
def test_months(text):
    p = parse_period(text)
    assert (p.key, p.label, p.end) == ("2025-06", "2025年6月", dt.date(2025, 6, 30))


@pytest.mark.parametrize("text", ["2025", "2025年", "2025年度"])
def test_years(text):
    p = parse_period(text)
    assert (p.key, p.label, p.start, p.end) == (
        "2025",
        "2025年",
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )


@pytest.mark.parametrize(
    "text", ["2025Q5", "2025-13", "二季度", "25Q2", "2025年上半年", "", "2025-06-30"]
)
def test_anything_else_is_one_sentence(text):
    with pytest.raises(BranchctlError) as e:
        parse_period(text)
    assert e.value.sentence() == (
        f"期次“{text}”无法识别，请写成 2025Q2、2025年二季度、2025-06（月）或 2025（年）。"
    )


def test_order_by_last_day_then_month_quarter_year():
    texts = ["2025", "2025Q2", "2025-06", "2024Q4", "2025-01", "2025Q1"]
    ordered = sorted((parse_period(t) for t in texts), key=lambda p: p.sort)
    assert [p.key for p in ordered] == ["2024Q4", "2025-01", "2025Q1", "2025-06", "2025Q2", "2025"]


periods = st.one_of(
    st.builds(Period, st.just("quarter"), st.integers(2000, 2099), st.integers(1, 4)),
    st.builds(Period, st.just("month"), st.integers(2000, 2099), st.integers(1, 12)),
    st.builds(Period, st.just("year"), st.integers(2000, 2099), st.just(0)),
)


@given(periods)
def test_key_and_label_read_back_as_the_same_period(p):
    assert parse_period(p.key) == p
    assert parse_period(p.label) == p
    assert p.start <= p.end and p.start.year == p.end.year == p.year
