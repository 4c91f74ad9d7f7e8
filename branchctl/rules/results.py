"""What rating gives: a rated branch, a rated table, the whole result and its summary.

Plain data, shared by rating, quotas, checks, reports and notices.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from json.encoder import encode_basestring as _encode_str  # what json.dumps uses for text
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

from branchctl.findings.catalogue import finding
from branchctl.findings.model import Finding
from branchctl.forms.tables import Table
from branchctl.rules.rubric import Quota, Rubric
from branchctl.rules.schemes import ROUNDING_TEXT, Share, percent_text
from branchctl.rules.scoring import PointsPeriod, json_number, number_text


@dataclass
class QuotaOutcome:
    """What one quota did to a set of rated branches."""

    quota: Quota
    total: int  # branches the share is taken of
    limit: int  # most branches allowed in the category
    candidates: int  # branches that earned the category before the cap
    moved: list[BranchRating] = field(default_factory=list)
    tie_score: float | None = None  # the total shared across the boundary, when ties fell

    @property
    def kept(self) -> int:
        return self.candidates - len(self.moved)

    def basis(self) -> str:
        q = self.quota
        return f"参评{self.total}个支部的{q.share_text()}（{q.rounding_text()}）为{self.limit}个"

    def note(self) -> str:
        q = self.quota
        head = f"{q.category}级名额：{self.basis()}；核算为{q.category}级的{self.candidates}个"
        if not self.moved:
            return f"{head}，未超出名额。"
        names = "、".join(f"{b.name}（{score_text(b)}）" for b in self.moved)
        text = f"{head}，保留{self.kept}个，按总分从低到高调为{q.fall_to}级{len(self.moved)}个：{names}。"
        if self.tie_score is not None:
            text += f"名额边界上同为{number_text(self.tie_score)}分的支部一并调整（宁少不超）。"
        return text

    def to_json(self) -> dict[str, Any]:
        q = self.quota
        return {
            "category": q.category,
            "max_share": q.max_share,
            "rounding": q.rounding,
            "fall_to": q.fall_to,
            "total": self.total,
            "limit": self.limit,
            "candidates": self.candidates,
            "kept": self.kept,
            "moved": [
                {"sheet": b.sheet, "row": b.row, "name": b.name, "score": json_number(b.score)}
                for b in self.moved
            ],
            "tie_score": json_number(self.tie_score),
            "note": self.note(),
        }


# The columns rate appends to a rated table (SPEC §4), in order; collect and the annotated
# copies carry the same, and a table that already has them is a rated copy.
COMPUTED_COLUMNS = ("计算星级", "计算类别", "计算等次", "未达标方面", "核对结果")
# Where a county ledger's row came from: the workbook a township sent (青山乡/二季度.xls), or
# a chain of them when a city collects county ledgers (县汇总.xlsx › 青山乡/二季度.xls).
SOURCE_COLUMN = "来源文件"
SOURCE_SEPARATOR = " › "


@dataclass(frozen=True)
class CapHit:
    """A cap that holds for a branch: the rule, its ceiling, and what set it off."""

    rule: str  # the cap as the rubric says it (群众满意度低于60%的，最高评为二星)
    max_stars: int
    column: str  # the column that set it off
    seen: str  # what the row says there (群众满意度为55%)

    def reason(self) -> str:
        return f"{self.seen}，{self.rule}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "max_stars": self.max_stars,
            "column": self.column,
            "seen": self.seen,
        }


@dataclass(frozen=True)
class ProofGap:
    """A grade's proof left blank: the branch stands at ``grade`` (claimed, or computed where
    nothing is claimed) and the rubric wants ``columns`` filled."""

    grade: str  # 5星, 示范点
    claimed: bool
    columns: tuple[str, ...]
    rule: str = ""  # the rubric's words (申报五星须附佐证材料)

    def state(self) -> str:
        return f"{'自评' if self.claimed else '核算'}为{self.grade}"

    def columns_text(self) -> str:
        return "、".join(f"“{c}”" for c in self.columns)

    def to_json(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "claimed": self.claimed,
            "columns": list(self.columns),
            "rule": self.rule,
        }


MAX_BORDER_NAMED = 10


@dataclass
class ShareOutcome:
    """One bound of a share (at least, at most, or about a target) over the branches rated."""

    share: Share
    kind: str  # "min" | "max" | "target"
    value: float  # the share, 0-1
    total: int  # branches the share is taken of (in the share's 支部类型 scope)
    bound: int  # branches at least / at most / as the target
    count: int  # branches at the grade
    border: list[BranchRating] = field(default_factory=list)  # nearest to crossing it
    claimed: bool = False  # counted on the claims (validate), else on the computed grades

    @property
    def ok(self) -> bool:
        if self.kind == "min":
            return self.count >= self.bound
        if self.kind == "max":
            return self.count <= self.bound
        return self.count == self.bound

    def rule_text(self) -> str:
        """后进不少于城市社区党支部的10%."""
        scope = self.share.scope_text()
        who = f"{scope}党支部" if scope else "参评党支部"
        verb = {"min": "不少于", "max": "不超过", "target": "目标为"}[self.kind]
        return f"{self.share.grade.text()}{verb}{who}的{percent_text(self.value)}"

    def basis(self) -> str:
        how = {"min": "至少", "max": "最多", "target": "为"}[self.kind]
        rounding = ROUNDING_TEXT[self.share.rounding_for(self.kind)]
        return f"参评{self.total}个，{how}{self.bound}个（{rounding}）"

    def gap_text(self) -> str:
        gap = self.count - self.bound
        if self.ok:
            return "与目标一致" if self.kind == "target" else "符合要求"
        if self.kind == "min":
            return f"还差{-gap}个"
        if self.kind == "max":
            return f"超出{gap}个"
        return f"比目标{'多' if gap > 0 else '少'}{abs(gap)}个"

    def note(self) -> str:
        grade = self.share.grade.text()
        counted = "填报（未填报的按核算结果）为" if self.claimed else "核算为"
        text = f"{self.rule_text()}：{self.basis()}，{counted}{grade}的{self.count}个，{self.gap_text()}"
        if self.border:
            names = "、".join(
                f"{b.name}（{_stars_score(b)}）" for b in self.border[:MAX_BORDER_NAMED]
            )
            more = f"等{len(self.border)}个" if len(self.border) > MAX_BORDER_NAMED else ""
            text += f"；处在边界上的：{names}{more}"
        return text + "。"

    def to_json(self) -> dict[str, Any]:
        return {
            "grade": self.share.grade.text(),
            "by": self.share.grade.by,
            "kind": self.kind,
            "share": self.value,
            "types": list(self.share.types),
            "except_types": list(self.share.except_types),
            "total": self.total,
            "bound": self.bound,
            "count": self.count,
            "ok": self.ok,
            "border": [
                {
                    "sheet": b.sheet,
                    "row": b.row,
                    "name": b.name,
                    "stars": b.stars,
                    "score": json_number(b.score),
                }
                for b in self.border
            ],  # fmt: skip
            "note": self.note(),
        }


def _stars_score(b: BranchRating) -> str:
    return f"{b.stars}星" + (f"，{number_text(b.score)}分" if b.score is not None else "")


@dataclass
class Disagreement:
    """A mark the data behind it contradicts (自评与核算不符)."""

    aspect: str
    marked: bool  # what the mark says
    computed: bool  # what the indicators say
    reasons: list[str]
    columns: list[str]

    def message(self) -> str:
        said = "达标" if self.marked else "未达标"
        found = "；".join(self.reasons) if self.reasons else "数据符合各项指标"
        return f"“{self.aspect}”自评与核算不符：标记为{said}，但{found}"


class Messages(list[str]):
    """A branch's warnings as text: a view of its findings, so changing it is refused (a
    warning is added as a coded finding, :meth:`BranchRating.warn`)."""

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a branch's warnings are its findings: add one with BranchRating.warn")

    append = extend = insert = remove = pop = clear = sort = reverse = _read_only  # type: ignore[assignment]
    __setitem__ = __delitem__ = __iadd__ = _read_only  # type: ignore[assignment]


@dataclass(slots=True)
class BranchRating:
    """One rated row. Rows rated alike share their lists and dicts (met, unmet, scores, ...:
    a 1,048,576-row ledger would hold a million copies); only ``findings`` is each row's own,
    so a finding is added with :meth:`warn` and the rest are replaced, never changed in place."""

    sheet: str
    row: int  # 1-based Excel row
    party_org: str | None
    name: str
    type: str | None
    stars: int
    category: str
    level: str
    met: list[str]
    unmet: list[str]
    standard: bool
    veto: str | None
    claimed_stars: int | None
    claimed_category: str | None
    claimed_level: str | None
    # what a clerk should know about the row, coded from the finding catalogue (the JSON's
    # "warnings" are their messages, "warning_codes" their codes)
    findings: list[Finding] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)  # aspects left blank (counted as unmet)
    bad: list[str] = field(default_factory=list)  # unreadable marks/scores (counted unmet)
    bad_hints: dict[str, str] = field(default_factory=dict)  # column in ``bad`` -> why
    score: float | None = None  # the total: scores summed, or points through the as-of month
    scores: dict[str, float] = field(default_factory=dict)  # scored aspect -> score
    claimed_score: float | None = None  # 总分 as written
    star_score: float | None = None  # points: the total the stars were judged on
    deductions: list[str] = field(default_factory=list)  # 减星项 entries, one star each
    rank: int | None = None
    quota: str | None = None  # "A→B" when a quota moved this branch
    entity: str = "branch"  # "branch" | "member"
    disagreements: list[Disagreement] = field(default_factory=list)
    # a claim written in the other label column (a grade A in 等级, an alias of 等次): the
    # claim ("定级类别" or "等次") -> the column that holds it
    claimed_in: dict[str, str] = field(default_factory=dict)
    extra_keys: tuple[str, ...] = ()  # JSON keys beyond SPEC's, chosen by the rubric
    parts: dict[str, float] = field(default_factory=dict)  # weighted part -> its score
    satisfaction: float | None = None  # 群众满意度 in percent
    caps: list[CapHit] = field(default_factory=list)  # every cap that holds
    capped_from: int | None = None  # the stars before a cap lowered them
    evidence_missing: list[ProofGap] = field(default_factory=list)  # proof left blank
    file: str | None = None  # the workbook the branch was read from, as given or found
    # a county ledger's row: the 来源文件 it names (the township file, or a chain of them)
    source: str | None = None
    secretary: str | None = None  # 支部书记 as written

    def placed(self, sheet: str, row: int) -> BranchRating:
        """A copy of this rating standing at another sheet and row (a county ledger's)."""
        moved = BranchRating(*_ALL_FIELDS(self))
        moved.sheet, moved.row = sheet, row
        return moved

    @property
    def warnings(self) -> list[str]:
        """The rendered messages of :attr:`findings`, read-only (add one with :meth:`warn`)."""
        return Messages(f.message for f in self.findings)

    def warn(self, code: str, column: str | None = None, **fields: Any) -> None:
        """Add a finding of ``code`` (data/findings.toml) about this row."""
        self.findings.append(finding(code, sheet=self.sheet, row=self.row, column=column, **fields))

    @property
    def stars_differ(self) -> bool:
        return self.claimed_stars is not None and self.claimed_stars != self.stars

    @property
    def category_differs(self) -> bool:
        return self.claimed_category is not None and self.claimed_category != self.category

    @property
    def level_differs(self) -> bool:
        return self.claimed_level is not None and self.claimed_level != self.level

    @property
    def mismatch(self) -> bool:
        return self.stars_differ or self.category_differs or self.level_differs

    def check_text(self) -> str:
        """The 核对结果 cell: 一致, or what differs."""
        parts = []
        if self.stars_differ:
            parts.append(f"星级不符（填报{self.claimed_stars}星，核算{self.stars}星）")
        if self.category_differs:
            parts.append(f"类别不符（填报“{self.claimed_category}”，核算“{self.category}”）")
        if self.level_differs:
            parts.append(f"等次不符（填报“{self.claimed_level}”，核算“{self.level}”）")
        if not parts:
            claimed = any(
                v is not None
                for v in (self.claimed_stars, self.claimed_category, self.claimed_level)
            )
            return "一致" if claimed else "未填报自评"
        return "；".join(parts)

    def to_json(self) -> dict[str, Any]:
        out = {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "party_org": self.party_org,
            "name": self.name,
            "type": self.type,
            "stars": self.stars,
            "category": self.category,
            "level": self.level,
            "met": self.met,
            "unmet": self.unmet,
            "standard": self.standard,
            "veto": self.veto,
            "claimed_stars": self.claimed_stars,
            "claimed_category": self.claimed_category,
            "claimed_level": self.claimed_level,
            "warnings": list(self.warnings),
            "warning_codes": [f.code for f in self.findings],
        }
        for key in self.extra_keys:
            value = getattr(self, key)
            if key in ("score", "claimed_score", "star_score"):
                value = json_number(value)
            elif key in ("scores", "parts"):
                value = {k: json_number(v) for k, v in value.items()}
            elif key == "satisfaction":
                value = json_number(value)
            elif key in ("caps", "evidence_missing"):
                value = [item.to_json() for item in value]
            out[key] = value
        return out


_ALL_FIELDS = attrgetter(*(f.name for f in fields(BranchRating)))
_JSON_CHUNK = 2000  # branches per piece of the JSON text
_VERDICT_FIELDS = attrgetter(
    "stars", "category", "level", "standard", "veto",
    "claimed_stars", "claimed_category", "claimed_level",
)  # fmt: skip


def _enc(value: Any) -> str:
    if type(value) is str:
        return _encode_str(value)
    return json.dumps(value, ensure_ascii=False)


def _branch_json(b: BranchRating, shared: dict[tuple[Any, ...], str]) -> str:
    """``json.dumps(b.to_json(), ensure_ascii=False)``."""
    if b.findings or b.extra_keys:  # the rare branch with more to say: the plain way
        return json.dumps(b.to_json(), ensure_ascii=False)
    key = (*_VERDICT_FIELDS(b), tuple(b.met), tuple(b.unmet))
    middle = shared.get(key)
    if middle is None:
        middle = shared[key] = json.dumps(
            {
                "stars": b.stars,
                "category": b.category,
                "level": b.level,
                "met": b.met,
                "unmet": b.unmet,
                "standard": b.standard,
                "veto": b.veto,
                "claimed_stars": b.claimed_stars,
                "claimed_category": b.claimed_category,
                "claimed_level": b.claimed_level,
                "warnings": [],
                "warning_codes": [],
            },
            ensure_ascii=False,
        )[1:]
    if type(b.row) is not int:  # never seen; the plain way keeps the JSON right whatever
        return json.dumps(b.to_json(), ensure_ascii=False)
    return (
        f'{{"file": {_enc(b.file)}, "sheet": {_enc(b.sheet)}, "row": {b.row}, '
        f'"party_org": {_enc(b.party_org)}, "name": {_enc(b.name)}, "type": {_enc(b.type)}, '
        f"{middle}"
    )


@dataclass
class RatedTable:
    table: Table
    branches: list[BranchRating]


@dataclass
class RatingResult:
    path: Path
    rubric: Rubric
    tables: list[RatedTable]
    quotas: list[QuotaOutcome] = field(default_factory=list)
    period: PointsPeriod | None = None  # points rubrics: the months counted
    notes: list[str] = field(default_factory=list)  # what a clerk should know about the run
    shares: list[ShareOutcome] = field(default_factory=list)

    @property
    def branches(self) -> list[BranchRating]:
        return [b for t in self.tables for b in t.branches]

    def summary(self) -> dict[str, Any]:
        return summarize(self.branches, self.rubric, self.quotas, self.period, self.shares)

    def to_json(self, summary: dict[str, Any] | None = None) -> dict[str, Any]:
        """``rate --json``; ``summary``: :meth:`summary`, when already worked out."""
        return {
            "file": str(self.path),
            "rubric": self.rubric.name,
            "branches": [b.to_json() for b in self.branches],
            "summary": self.summary() if summary is None else summary,
        }

    def json_pieces(self, summary: dict[str, Any] | None = None) -> Iterator[str]:
        """``json.dumps(self.to_json(summary), ensure_ascii=False)`` in consecutive pieces, made
        without building a dict per branch: what branches share (stars, category, marks,
        claims) is encoded once."""
        yield (
            f'{{"file": {_enc(str(self.path))}, "rubric": {_enc(self.rubric.name)}, "branches": ['
        )
        shared: dict[tuple[Any, ...], str] = {}
        branches = self.branches
        for start in range(0, len(branches), _JSON_CHUNK):
            part = branches[start : start + _JSON_CHUNK]
            text = ", ".join([_branch_json(b, shared) for b in part])
            yield f", {text}" if start else text
        summary = self.summary() if summary is None else summary
        yield f'], "summary": {json.dumps(summary, ensure_ascii=False)}}}'


class Rated(Protocol):
    """Branches rated together: one ledger's (:class:`RatingResult`) or a county's."""

    @property
    def path(self) -> Path: ...

    @property
    def rubric(self) -> Rubric: ...

    @property
    def branches(self) -> list[BranchRating]: ...


def summarize(
    branches: list[BranchRating],
    rubric: Rubric,
    quotas: list[QuotaOutcome] | None = None,
    period: PointsPeriod | None = None,
    shares: list[ShareOutcome] | None = None,
) -> dict[str, Any]:
    """The ``summary`` of ``rate --json``: counts by stars and category, 达标, mismatches."""
    total = len(branches)
    by_stars = {str(s): 0 for s in range(rubric.max_stars + 1)}
    by_category = {band.name: 0 for band in rubric.categories}
    member = rubric.member
    if member is not None and any(b.entity == "member" for b in branches):
        if not any(b.entity == "branch" for b in branches):
            by_category = {}
        by_category.update({band.name: 0 for band in member.categories})
    for b in branches:
        by_stars[str(b.stars)] = by_stars.get(str(b.stars), 0) + 1
        by_category[b.category] = by_category.get(b.category, 0) + 1
    standard = sum(1 for b in branches if b.standard)
    out: dict[str, Any] = {
        "total": total,
        "by_stars": by_stars,
        "by_category": by_category,
        "standard_count": standard,
        "standard_rate": round(standard / total, 4) if total else 0.0,
        "mismatches": sum(1 for b in branches if b.mismatch),
    }
    if rubric.quotas:
        out["quotas"] = [q.to_json() for q in quotas or []]
    if rubric.shares:
        out["shares"] = [o.to_json() for o in shares or []]
    if period is not None:
        out["period"] = period.to_json()
    return out


def extra_columns(rubric: Rubric) -> list[str]:
    """Computed columns the annotated copy carries after SPEC's five, for this rubric."""
    headers = []
    if rubric.points is not None:
        headers += ["累计得分", "定星得分"]
    elif rubric.has_total:
        headers.append("计算总分")
    headers += [f"{p.name}得分" for p in rubric.parts]
    if rubric.satisfaction is not None:
        headers.append(f"计算{rubric.satisfaction.column}（%）")
    if rubric.ranking:
        headers.append("排名")
    return headers


def extra_values(b: BranchRating, rubric: Rubric) -> list[Any]:
    values: list[Any] = []
    if rubric.points is not None:
        values += [json_number(b.score), json_number(b.star_score)]
    elif rubric.has_total:
        values.append(json_number(b.score))
    values += [json_number(b.parts.get(p.name)) for p in rubric.parts]
    if rubric.satisfaction is not None:
        values.append(json_number(b.satisfaction))
    if rubric.ranking:
        values.append(b.rank)
    return values


def score_text(b: BranchRating) -> str:
    return f"{number_text(b.score)}分" if b.score is not None else f"{b.stars}星"
