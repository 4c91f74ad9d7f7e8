"""The data a notice template receives: plain dicts built from a rating or a validation.

Two data sets, each documented variable by variable in :data:`VARIABLES` (shown by
``branchctl notice --list`` and in the README):

* rating data (通报, 公示, 整改通知书): the rated branches of one ledger with totals, the star
  distribution by township, the 示范点, 软弱涣散, bottom-ranked, proposed (公示) and
  short-of-standard branches, each branch with its problems from 附件3 where the ledger has them;
* validation data (退回修改意见): one entry per submitted file with its findings grouped by sheet.

Keys mirror ``rate --json`` / ``validate --json`` (English names); values are display-ready
Chinese text where a notice needs text (dates as 2025年6月30日, rates as 85.3%).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branchctl.documents.masking import Masker
from branchctl.findings.model import FileReport, ValidationReport
from branchctl.forms.values import chinese_number, name_key
from branchctl.rules.history import FLAGS, PeriodPicture
from branchctl.rules.ranking import bottom_ranking
from branchctl.rules.results import BranchRating, Rated
from branchctl.rules.rubric import Rubric

NO_TOWNSHIP = "（未填所属党组织）"
WHOLE_FILE = "（整个文件）"

# Variables of each data set: name -> Chinese description (README and --list show these).
RATING_VARIABLES: dict[str, str] = {
    "file": "台账文件名",
    "rubric": "评定规则名称（如“六星级”）",
    "as_of": "核对日期，如“2025年6月30日”（--as-of，默认今天）",
    "today": "今天的日期，如“2025年7月1日”",
    "period": "核对日期所在季度，如“2025年第二季度”",
    "aspects": "评定的各个方面（列表）",
    "max_stars": "最高星级（六星级规则为 6）",
    "star_columns": "星级由高到低的列表，如 [6, 5, 4, 3, 2, 1, 0]",
    "categories": "定级类别由高到低的列表，如 [示范点, 重点对象, 加强指导, 软弱涣散]",
    "top_category": "最高类别名（示范点）",
    "weak_category": "最低类别名（软弱涣散）",
    "summary": "合计：total 支部数、by_stars 各星级数（字典）、star_counts 与 star_columns 对应的数目、"
    "by_category 各类别数（字典）、category_counts 与 categories 对应的数目、standard_count 达标数、"
    "standard_rate 达标率（小数）、standard_percent 达标率（如“85.3%”）、mismatches 自评与核算不符数",
    "townships": "各所属党组织（乡镇、街道）：name、与 summary 相同的各项、branches、demonstration、weak",
    "branches": "全部支部（见下方“支部的字段”）",
    "demonstration": "示范点（最高类别）支部",
    "weak": "软弱涣散（最低类别）支部",
    "bottom": "倒排末位的支部（星级最少、未达标方面最多在前；数目由 --bottom 定，默认 10）",
    "proposed": "拟命名（公示）的支部：达标且无负面清单情形的支部",
    "short": "未达标的支部（每个一份整改通知书；给了 --below N 时只含不到 N 星的）",
    "branch": "当前支部（只在逐支部的模板“整改通知书”中）",
    "trend": "与上期比较（只在 --archive 时有，否则为空）：period 本期、previous 上期，"
    "townships 各乡镇（街道）的 name、up 授星、down 摘星、same 持平、new 新增、gone 撤销，total 合计，"
    "flagged 按规则提示的支部（name、party_org、stars、category、flags 提示列表），"
    "adjusted 经调整的支部（name、party_org、rated 核算星级、stars 调整后星级、reason 理由、by 调整人）",
}
BRANCH_FIELDS: dict[str, str] = {
    "index": "在全部支部中的序号（从 1 起）",
    "name": "党支部名称",
    "party_org": "所属党组织（未填时为“（未填所属党组织）”）",
    "type": "支部类型",
    "secretary": "支部书记（--mask 时为“张*”）",
    "stars": "核算星级（整数）",
    "category": "定级类别",
    "level": "等次",
    "met": "达标的方面（列表）",
    "unmet": "未达标的方面（列表）",
    "standard": "是否达标（真/假）",
    "veto": "负面清单情形（无则为空）",
    "sheet": "所在工作表",
    "row": "所在行号",
    "problems": "附件3 中该支部的问题：category 问题类别、description 问题描述、task 整改任务、"
    "measures 整改措施、owner 责任人、owner_title 职务、leader 责任领导、deadline 完成时限",
}
VALIDATION_VARIABLES: dict[str, str] = {
    "as_of": "核对日期",
    "today": "今天的日期",
    "period": "核对日期所在季度",
    "files": "有错误的报送文件（列表，字段同 file）",
    "summary": "合计：files 文件数、ok 无错误文件数、errors 错误数、warnings 提醒数",
    "file": "当前文件（只在逐文件的模板“退回修改意见”中）：name 文件名、township 报送单位、"
    "errors 错误数、warnings 提醒数、sheets 按工作表分组的问题（sheet 工作表名、label 如“工作表“附件1””、errors、warnings、"
    "findings）；每个问题有 where 位置（如“C12单元格”）、message 说明、"
    "severity_text（错误/提醒）、code、cell、row、column、value",
}


def date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(day: dt.date) -> str:
    return f"{day.year}年第{chinese_number((day.month - 1) // 3 + 1)}季度"


def percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "0.0%"


def _dates(as_of: dt.date | None, today: dt.date | None) -> dict[str, str]:
    today = today or dt.date.today()
    as_of = as_of or today
    return {"as_of": date_text(as_of), "today": date_text(today), "period": period_text(as_of)}


# ----------------------------------------------------------------------------- rating data


@dataclass(frozen=True)
class Scheme:
    """What a notice shows of the rubric the branches were rated with."""

    title: str
    aspects: list[str]
    max_stars: int
    categories: list[str]  # highest first
    top: str  # the highest category (示范点)
    weak: str  # the lowest (软弱涣散)

    @classmethod
    def of(cls, rubric: Rubric) -> Scheme:
        return cls(
            title=rubric.title or rubric.name,
            aspects=list(rubric.aspect_names),
            max_stars=rubric.max_stars,
            categories=[band.name for band in rubric.categories],
            top=rubric.category_for(rubric.max_stars),
            weak=rubric.veto_category or rubric.category_for(0),
        )


def rating_context(
    result: Rated,
    problems: Iterable[Any] = (),
    *,
    file_problems: Mapping[str, Iterable[Any]] | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    bottom: int = 10,
    below: int | None = None,
    masker: Masker | None = None,
) -> dict[str, Any]:
    """The whole-ledger context of 通报, 公示 and 整改通知书 (``short`` holds one per notice).

    ``short`` holds the branches short of the standard; with ``below``, only those of them
    with fewer than ``below`` stars.

    ``problems`` are :class:`branchctl.forms.lists.ProblemItem` (or anything with the same fields);
    a county's come in ``file_problems`` by file, so that each branch gets its own file's.
    """
    return branches_context(
        result.branches,
        Scheme.of(result.rubric),
        file=result.path.name,
        problems=problems,
        file_problems=file_problems,
        as_of=as_of,
        today=today,
        bottom=bottom,
        below=below,
        masker=masker,
    )


def branches_context(
    branches: Sequence[BranchRating],
    scheme: Scheme,
    *,
    file: str,
    problems: Iterable[Any] = (),
    file_problems: Mapping[str, Iterable[Any]] | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    bottom: int = 10,
    below: int | None = None,
    masker: Masker | None = None,
    trend: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The rating data of :data:`RATING_VARIABLES` for rated branches, wherever they come from
    (a ledger, a county's files, or the archive with ``trend``: the comparison with the period
    before)."""
    by_file: dict[str | None, dict[str, list[dict[str, Any]]]] = {}
    sources: list[tuple[str | None, Iterable[Any]]] = [(None, problems)]
    for source, items in [*sources, *(file_problems or {}).items()]:
        by_branch = by_file.setdefault(source, {})
        for item in items:
            by_branch.setdefault(item.branch_key, []).append(_problem(item, masker))

    records: list[dict[str, Any]] = []
    record_of: dict[int, dict[str, Any]] = {}
    for i, b in enumerate(branches):
        own = by_file.get(b.file) if file_problems else by_file[None]
        rec = _branch(b, i + 1, b.secretary, own or {}, masker)
        records.append(rec)
        record_of[id(b)] = rec

    star_columns = list(range(scheme.max_stars, -1, -1))
    categories = list(scheme.categories)
    top = scheme.top
    weak = scheme.weak

    groups: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        groups.setdefault(rec["party_org"], []).append(rec)
    townships = [
        {
            "name": name,
            **_totals(members, star_columns, categories),
            "branches": members,
            "demonstration": [r for r in members if r["category"] == top],
            "weak": [r for r in members if r["category"] == weak],
        }
        for name, members in groups.items()
    ]
    weakest = bottom_ranking(list(branches), bottom) if bottom else []
    return {
        "file": file,
        "rubric": scheme.title,
        **_dates(as_of, today),
        "aspects": list(scheme.aspects),
        "max_stars": scheme.max_stars,
        "star_columns": star_columns,
        "categories": categories,
        "top_category": top,
        "weak_category": weak,
        "summary": _totals(records, star_columns, categories),
        "townships": townships,
        "branches": records,
        "demonstration": [r for r in records if r["category"] == top],
        "weak": [r for r in records if r["category"] == weak],
        "bottom": [record_of[id(b)] for b in weakest],
        "proposed": [r for r in records if r["standard"] and not r["veto"]],
        "short": [
            r for r in records if not r["standard"] and (below is None or r["stars"] < below)
        ],
        "trend": trend,
    }


def _totals(
    records: Sequence[dict[str, Any]], star_columns: list[int], categories: list[str]
) -> dict[str, Any]:
    total = len(records)
    by_stars = {s: 0 for s in star_columns}
    by_category = {c: 0 for c in categories}
    for r in records:
        by_stars[r["stars"]] = by_stars.get(r["stars"], 0) + 1
        by_category[r["category"]] = by_category.get(r["category"], 0) + 1
    standard = sum(1 for r in records if r["standard"])
    return {
        "total": total,
        "by_stars": by_stars,
        "star_counts": [by_stars[s] for s in star_columns],
        "by_category": by_category,
        "category_counts": [by_category[c] for c in categories],
        "standard_count": standard,
        "standard_rate": round(standard / total, 4) if total else 0.0,
        "standard_percent": percent(standard, total),
        "mismatches": sum(1 for r in records if r["mismatch"]),
    }


def _branch(
    b: BranchRating,
    index: int,
    secretary: str | None,
    problems: dict[str, list[dict[str, Any]]],
    masker: Masker | None,
) -> dict[str, Any]:
    if masker is not None:
        secretary = masker.person(secretary)
    return {
        "index": index,
        "name": b.name,
        "party_org": b.party_org or NO_TOWNSHIP,
        "type": b.type or "",
        "secretary": secretary or "",
        "stars": b.stars,
        "category": b.category,
        "level": b.level,
        "met": list(b.met),
        "unmet": list(b.unmet),
        "standard": b.standard,
        "veto": _text(b.veto, masker),
        "sheet": b.sheet,
        "row": b.row,
        "mismatch": b.mismatch,
        "problems": problems.get(name_key(b.name), []),
    }


def _problem(item: Any, masker: Masker | None) -> dict[str, Any]:
    owner, leader = item.owner, item.leader
    if masker is not None:
        owner, leader = masker.person(owner), masker.person(leader)
    deadline = item.deadline.text if item.deadline is not None else item.deadline_text
    return {
        "branch": item.branch,
        "category": item.category,
        "description": _text(item.description, masker),
        "task": _text(item.task, masker),
        "measures": _text(item.measures, masker),
        "owner": owner or "",
        "owner_title": item.owner_title or "",
        "leader": leader or "",
        "deadline": deadline or "",
        "sheet": item.sheet,
        "row": item.row,
    }


def _text(value: str | None, masker: Masker | None) -> str:
    if not value:
        return ""
    return masker.text(value) or "" if masker is not None else value


# ------------------------------------------------------------------------- validation data

# Columns whose values are people: masked with --mask.
PERSON_COLUMNS = frozenset({"支部书记", "责任人", "责任领导", "填报人", "审核人", "联系人"})


def validation_context(
    report: ValidationReport,
    *,
    townships: dict[str, str] | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    masker: Masker | None = None,
) -> dict[str, Any]:
    """The context of 退回修改意见: ``files`` holds one entry per file with an error.

    ``townships`` maps a report path to the submitting unit (default: the file's stem).
    """
    townships = townships or {}
    if masker is not None:  # learn every name first, so messages naming them are masked too
        for fr in report.files:
            for f in fr.findings:
                if f.column in PERSON_COLUMNS and f.value:
                    masker.person(f.value)
    files = [
        _file(fr, townships.get(fr.path) or Path(fr.path).stem, masker)
        for fr in report.files
        if not fr.ok
    ]
    return {**_dates(as_of, today), "files": files, "summary": report.summary()}


def _file(report: FileReport, township: str, masker: Masker | None) -> dict[str, Any]:
    sheets: dict[str, list[dict[str, Any]]] = {}
    for f in report.findings:
        sheets.setdefault(f.sheet or WHOLE_FILE, []).append(_finding(f, masker))
    groups = [
        {
            "sheet": name,
            "label": "整个文件" if name == WHOLE_FILE else f"工作表“{name}”",
            "findings": items,
            "errors": [i for i in items if i["severity"] == "error"],
            "warnings": [i for i in items if i["severity"] != "error"],
        }
        for name, items in sheets.items()
    ]
    return {
        "name": Path(report.path).name,
        "township": township,
        "errors": report.errors,
        "warnings": report.warnings,
        "sheets": groups,
    }


def _finding(f: Any, masker: Masker | None) -> dict[str, Any]:
    value = f.value
    if masker is not None and value:
        value = masker.person(value) if f.column in PERSON_COLUMNS else masker.text(value)
    return {
        "code": f.code,
        "severity": f.severity,
        "severity_text": "错误" if f.severity == "error" else "提醒",
        "sheet": f.sheet,
        "row": f.row,
        "column": f.column,
        "cell": f.cell,
        "value": value,
        "message": _text(f.message, masker),
        "where": where_text(f.cell, f.row, f.column),
    }


def where_text(cell: str | None, row: int | None, column: str | None) -> str:
    """Where a finding is, briefly (its message names the row and column): C12单元格, 第12行…"""
    if cell:
        return f"{cell}单元格"
    if row and column:
        return f"第{row}行“{column}”列"
    if row:
        return f"第{row}行"
    if column:
        return f"“{column}”列"
    return "整个工作表"


# ------------------------------------------------------------------------------ trend data

# The changes of the trend section: variable name -> the change it counts
TREND_CHANGES = {"up": "授星", "down": "摘星", "same": "持平", "new": "新增", "gone": "撤销"}


def trend_context(picture: PeriodPicture, masker: Masker | None = None) -> dict[str, Any]:
    """The ``trend`` of a notice from the archive: this period against the one before (授星、
    摘星 by township), the branches the rules flag, and the adjustments with their reasons."""
    townships = []
    total = dict.fromkeys(TREND_CHANGES, 0)
    for name, counts in picture.changes_by_township():
        numbers = {key: counts[change] for key, change in TREND_CHANGES.items()}
        townships.append({"name": name, **numbers})
        for key, n in numbers.items():
            total[key] += n
    flagged = []
    adjusted = []
    for row in picture.rows:
        b = row.rating
        party_org = b.party_org or b.township
        if row.flags:
            flagged.append(
                {"name": b.name, "party_org": party_org, "stars": b.stars,
                 "category": b.category, "flags": [FLAGS[f] for f in row.flags]}
            )  # fmt: skip
        if b.adjusted:
            by = masker.person(b.by_name) if masker is not None else b.by_name
            adjusted.append(
                {"name": b.name, "party_org": party_org, "rated": b.rated_stars,
                 "stars": b.stars, "reason": _text(b.reason, masker), "by": by or ""}
            )  # fmt: skip
    return {
        "period": picture.period.label,
        "previous": picture.previous.label if picture.previous else None,
        "townships": townships,
        "total": total,
        "flagged": flagged,
        "adjusted": adjusted,
    }
