"""Reading values out of a rubric's TOML tables, naming the key in every complaint.

Every complaint is one Chinese sentence naming the key (``aspects[2].pass_mark``) and what is
wrong, raised as BranchctlError(code="bad-rubric"). Values are read, never evaluated.
"""

from __future__ import annotations

import math
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.forms.spec import column_kind, match_header

MAX_ASPECTS = 30
MAX_RULES = 50
NUMERIC_KINDS = ("count", "score", "serial", "percent")
TEXT_KINDS = ("text", "enum")
COLUMN_KINDS = ("count", "score", "percent", "text", "date")
DEFAULT_KEYS = {"branch": "党支部名称", "member": "党员姓名"}


class Checker:
    """Reads values out of the TOML tables, naming the key in every complaint."""

    def __init__(self, source: str, prefix: str = "") -> None:
        self.source = source
        self.prefix = prefix  # e.g. "member." while reading the [member] table
        self.extra: dict[str, str] = {}  # normalised header -> declared column
        self.kinds: dict[str, str] = {}  # declared column -> kind

    def fail(self, key: str, what: str) -> BranchctlError:
        key = f"{self.prefix}{key}"
        if "/" in self.source or "\\" in self.source or "." in self.source:
            return BranchctlError(f"规则项 {key}：{what}", path=self.source, code="bad-rubric")
        return BranchctlError(f"规则“{self.source}”的 {key}：{what}", code="bad-rubric")

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"应为一个表（[{key}]），现为{type_name(value)}")
        return value

    def tables(
        self, data: dict[str, Any], key: str, where: str, limit: int
    ) -> list[dict[str, Any]]:
        """An array of tables ([[key]]), possibly absent."""
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}{key}", f"应写成若干个 [[{key}]] 表，现为{type_name(value)}")
        if len(value) > limit:
            raise self.fail(f"{where}{key}", f"最多 {limit} 项，现有 {len(value)} 项")
        return value

    def known(self, data: dict[str, Any], where: str, allowed: set[str]) -> None:
        for k in data:
            if k not in allowed:
                raise self.fail(
                    f"{where}{k}", f"不认识这个键，可用的键：{'、'.join(sorted(allowed))}"
                )

    def text(self, data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "缺少此项，应为非空文本")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", f"应为非空文本，现为{type_name(value)}")
        if len(value) > 500:
            raise self.fail(f"{where}{key}", "文本过长（超过500字）")
        return value.strip()

    def texts(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(
                f"{where}{key}", f'应为文本列表，如 ["甲", "乙"]，现为{type_name(value)}'
            )
        if len(value) > 100:
            raise self.fail(f"{where}{key}", "列表过长（超过100项）")
        return tuple(v.strip() for v in value)

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        lo: int,
        hi: int,
        default: int | None = None,
    ) -> int:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", f"缺少此项，应为{lo}至{hi}的整数")
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise self.fail(f"{where}{key}", f"应为{lo}至{hi}的整数，现为{shown(value)}")
        return value

    def stars(
        self, data: dict[str, Any], where: str, max_stars: int, example: str
    ) -> frozenset[int]:
        """``stars``: a non-empty list of whole star counts from 0 to ``max_stars`` (a band's, a
        grade's); ``example`` is shown in the message, e.g. "[3, 4]"."""
        stars = data["stars"]
        if (
            not isinstance(stars, list)
            or not stars
            or not all(
                isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= max_stars
                for s in stars
            )
        ):
            raise self.fail(
                f"{where}stars", f"应为0至{max_stars}的整数列表，如 {example}，现为{shown(stars)}"
            )
        return frozenset(stars)

    def number(self, value: Any, key: str) -> float:
        """A finite number; text (an expression, a formula) is refused, never evaluated."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                key, f"应为数字，现为{shown(value)}（规则文件中的值不作为公式或表达式计算）"
            )
        if not math.isfinite(value):
            raise self.fail(key, "应为有限的数字")
        return float(value)

    def choice(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        options: tuple[str, ...],
        default: str | None,
    ) -> str:
        value = data.get(key, default)
        if value not in options:
            said = "缺少此项" if value is None else f"现为{shown(value)}"
            raise self.fail(f"{where}{key}", f"应为 {' / '.join(options)} 之一，{said}")
        return str(value)

    def boolean(self, data: dict[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}{key}", f"应为 true 或 false，现为{shown(value)}")
        return value

    def column(self, value: Any, key: str) -> str:
        """A column named by its canonical name or an alias -> the canonical name."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"应为列名文本，现为{shown(value)}")
        canonical = match_header(value, self.extra)
        if canonical is None:
            raise self.fail(
                key,
                f"“{value}”不是已知的列名：请用标准列名（如“正式党员”“支委人数”），"
                "或先在 [columns] 中定义这一列",
            )
        return canonical

    def columns(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        names = self.texts(data, key, where)
        return tuple(self.column(n, f"{where}{key}") for n in names)

    def kind(self, column: str) -> str:
        return self.kinds.get(column) or column_kind(column)


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, str):
        return "文本"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "表"
    return type(value).__name__


def shown(value: Any) -> str:
    if isinstance(value, str):
        return f"文本“{value[:40]}”"
    if isinstance(value, dict):
        return "一个表"
    if isinstance(value, list):
        return "一个列表"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
