"""Rating periods: a quarter (2025Q2), a month (2025-06) or a year (2025), as the clerk writes them.

Stars are granted and removed every quarter (seed 002), points run month by month and reset each
year (seed 003), weak branches are ranked every year (seed 000): the archive keeps its records
by period. A period has one canonical key (``2025Q2``, ``2025-06``, ``2025``) stored in the
archive, a Chinese label for every output (``2025年第二季度``), and an order: by its last day,
a month before the quarter and the year that end with it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from branchctl.errors import BranchctlError
from branchctl.forms.spec import normalize_text
from branchctl.forms.values import CHINESE_DIGITS, chinese_number

KINDS = ("month", "quarter", "year")  # order among periods ending on the same day

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)
_QUARTER_CN = re.compile(r"^(\d{4})年?第?([1-4一二三四])季度$")
_MONTH = re.compile(r"^(\d{4})(?:[-/.]|年)(\d{1,2})月?$")
_YEAR = re.compile(r"^(\d{4})(?:年度?)?$")


@dataclass(frozen=True)
class Period:
    """A period; its key, label and dates are computed once (history shows them thousands of
    times)."""

    kind: str  # "quarter" | "month" | "year"
    year: int
    number: int = 0  # quarter 1–4, month 1–12; 0 for a year

    @cached_property
    def key(self) -> str:
        """The canonical spelling stored in the archive: 2025Q2, 2025-06, 2025."""
        if self.kind == "quarter":
            return f"{self.year}Q{self.number}"
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        return str(self.year)

    @cached_property
    def label(self) -> str:
        """The Chinese label: 2025年第二季度, 2025年6月, 2025年."""
        if self.kind == "quarter":
            return f"{self.year}年第{chinese_number(self.number)}季度"
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        return f"{self.year}年"

    @cached_property
    def start(self) -> dt.date:
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.number - 2, 1)
        if self.kind == "month":
            return dt.date(self.year, self.number, 1)
        return dt.date(self.year, 1, 1)

    @cached_property
    def end(self) -> dt.date:
        month = {"quarter": 3 * self.number, "month": self.number, "year": 12}[self.kind]
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @cached_property
    def sort(self) -> str:
        """Sort key (kept in the archive): the last day, then month before quarter before year."""
        return f"{self.end.isoformat()}|{KINDS.index(self.kind)}"

    def __str__(self) -> str:
        return self.key


def parse_period(text: str) -> Period:
    """``2025Q2``, ``2025年二季度``, ``2025年第2季度``, ``2025-06``, ``2025年6月``, ``2025``…

    Full-width digits and spaces do not matter. Anything else raises BranchctlError.
    """
    norm = normalize_text(text)
    m = _QUARTER.match(norm)
    if m:
        return Period("quarter", int(m.group(1)), int(m.group(2)))
    m = _QUARTER_CN.match(norm)
    if m:
        token = m.group(2)
        number = int(token) if token.isdigit() else CHINESE_DIGITS[token]
        return Period("quarter", int(m.group(1)), number)
    m = _MONTH.match(norm)
    if m and 1 <= int(m.group(2)) <= 12:
        return Period("month", int(m.group(1)), int(m.group(2)))
    m = _YEAR.match(norm)
    if m:
        return Period("year", int(m.group(1)))
    raise BranchctlError(
        f"期次“{text}”无法识别，请写成 2025Q2、2025年二季度、2025-06（月）或 2025（年）"
    )
