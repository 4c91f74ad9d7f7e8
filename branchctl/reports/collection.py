"""The master ledger of ``collect`` as data: its columns, its rows with where each came from, and
what happened to each file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.forms.values import cell_text
from branchctl.io.outputs import output_kind
from branchctl.io.workbook import xlsx_sheet_names
from branchctl.rules.results import SOURCE_COLUMN, SOURCE_SEPARATOR
from branchctl.rules.rubric import Rubric

MASTER_SHEET = "汇总台账"
NOTES_SHEET = "汇总说明"
BRANCH_COLUMNS = ("所属党组织", "党支部名称", "支部类型", "党员人数", "正式党员", "预备党员",
                  "支委人数", "支部书记")  # fmt: skip
CLAIM_COLUMNS = ("负面清单", "星级", "定级类别", "等次")
PLAN_COLUMNS = ("创建目标", "主要短板", "创建措施", "责任人", "完成时限", "进展情况", "是否达标",
                "销号时间")  # fmt: skip
TRAILER_COLUMNS = ("校验", "重复", "来源文件", "工作表", "行号")
MAX_FILE_PROBLEMS = 5  # problems listed per file; the rest are counted


def is_master_workbook(path: Path) -> bool:
    """A master workbook written by an earlier ``collect``: marked so (``output_kind``), or,
    written before the mark, known by its 汇总台账 and 汇总说明 sheets."""
    return output_kind(path) == "master" or {MASTER_SHEET, NOTES_SHEET} <= xlsx_sheet_names(path)


@dataclass
class CollectedRow:
    values: dict[str, Any]  # canonical column -> the cell's value as read
    party_org: str
    name: str
    sheet: str
    row: int  # 1-based Excel row
    computed: list[Any] | None  # one value per COMPUTED_COLUMNS; None: the aspects are missing
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate: str = ""
    sources: list[tuple[str, int]] = field(default_factory=list)  # (sheet, 1-based row) read

    def check_text(self) -> str:
        parts = list(self.errors)
        if self.warnings:
            parts.append("提示：" + "；".join(self.warnings))
        return "；".join(parts) if parts else "通过"


@dataclass
class FileResult:
    path: str
    source: str  # 来源文件 as shown: the path below the folder given, or the file name
    status: str  # "collected" | "unreadable" | "no-form"
    sheets: list[str] = field(default_factory=list)
    rows: list[CollectedRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # errors outside the collected rows
    notes: list[str] = field(default_factory=list)  # warnings outside them (overdue tasks…)

    @property
    def error_rows(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def status_text(self) -> str:
        if self.status == "unreadable":
            return "无法读取"
        if self.status == "no-form":
            return "未找到表格"
        return "已汇总（有误）" if self.error_rows or self.problems else "已汇总"


@dataclass
class Collection:
    files: list[FileResult]
    skipped: list[tuple[str, str]]  # (path, reason)
    rubric: Rubric
    columns: list[str]
    duplicates: list[list[tuple[FileResult, CollectedRow]]]
    same_names: list[list[tuple[FileResult, CollectedRow]]]  # same name, different 所属党组织
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(len(f.rows) for f in self.files)

    @property
    def error_rows(self) -> int:
        return sum(f.error_rows for f in self.files)

    @property
    def unreadable(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "unreadable"]

    @property
    def without_form(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "no-form"]

    @property
    def has_problems(self) -> bool:
        return bool(self.error_rows or self.duplicates or self.unreadable or self.without_form
                    or any(f.problems for f in self.files))  # fmt: skip


def origin(f: FileResult, row: CollectedRow) -> tuple[str, str, Any]:
    """(来源文件, 工作表, 行号) of a row: the file, sheet and row it was read from; a county
    ledger's row keeps the chain it names (县汇总.xlsx › 城关镇.xlsx) and the township's place."""
    inner = cell_text(row.values.get(SOURCE_COLUMN))
    if not inner:
        return f.source, row.sheet, row.row
    sheet = cell_text(row.values.get("工作表")) or row.sheet
    number = row.values.get("行号")
    return f"{f.source}{SOURCE_SEPARATOR}{inner}", sheet, number if number is not None else row.row


def location(f: FileResult, row: CollectedRow) -> str:
    """Where a row came from: 城关镇.xlsx“附件1”第6行."""
    source, sheet, number = origin(f, row)
    return f"{source}“{sheet}”第{cell_text(number)}行"


@dataclass
class CollectReport:
    collection: Collection
    out: Path
