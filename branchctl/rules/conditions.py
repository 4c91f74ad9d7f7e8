"""Conditions in a rubric: ``column op value``, the whole of the rubric "language".

An indicator rule (正式党员 >= 3 where 正式党员 >= 7), a cap's condition (群众满意度 < 60) and a
``when`` are all comparisons: a column, one of a fixed set of operators, a value. Nothing else
can be written, and nothing is evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass

# Comparison operators a rule may use: the whole of the rubric "language".
NUMBER_OPS = (">=", ">", "<=", "<", "==", "!=")
OPERATORS = (*NUMBER_OPS, "between", "in", "not-in", "within-years")
OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}


@dataclass(frozen=True)
class Comparison:
    """``column op value``; where ``column`` is absent from a sheet, ``instead`` columns stand in.

    ``prorate``: ``value`` is a yearly count, required in proportion to the months completed by
    the as-of date (rounded down), so a half year needs half the meetings.
    """

    column: str
    op: str
    value: float | tuple[float, float] | tuple[str, ...]
    instead: tuple[str, ...] = ()
    prorate: bool = False
    unit: str = ""  # "%" for a percent column: shown after the number

    @property
    def number(self) -> float:
        """The threshold of a number comparison (>=, within-years…)."""
        assert isinstance(self.value, float)
        return self.value

    @property
    def bounds(self) -> tuple[float, float]:
        """[lower, upper] of a between comparison."""
        lo, hi = self.value  # type: ignore[misc]
        return float(lo), float(hi)

    @property
    def texts(self) -> tuple[str, ...]:
        """The values of an in / not-in comparison."""
        return tuple(str(v) for v in self.value)  # type: ignore[union-attr]

    def describe(self) -> str:
        if self.op in OP_TEXT:
            return f"{self.column} {OP_TEXT[self.op]} {num_text(self.number)}{self.unit}"
        if self.op == "between":
            lo, hi = self.bounds
            return f"{self.column} 在 {num_text(lo)}{self.unit} 至 {num_text(hi)}{self.unit} 之间"
        if self.op == "within-years":
            return f"{self.column} 距核对日期不超过 {num_text(self.number)} 年"
        values = "、".join(self.texts)
        return f"{self.column}{'为' if self.op == 'in' else '不为'} {values}"


@dataclass(frozen=True)
class Indicator:
    """A data rule behind an aspect: ``test`` must hold wherever every ``when`` holds."""

    test: Comparison
    when: tuple[Comparison, ...] = ()
    text: str = ""  # the rule as the clerk reads it, e.g. 正式党员不少于3名

    def describe(self) -> str:
        return self.text or self.test.describe()


def num_text(value: float) -> str:
    """3.0 -> '3', 0.5 -> '0.5'."""
    return f"{value:g}" if isinstance(value, float) else str(value)
