"""Lay out township tables row by row, the way a clerk fills a sheet, recording what a reader
must get out of each row.

A :class:`Grid` is one sheet (rows from 1, columns from 0, as Excel rows and 0-based columns);
a :class:`Table` writes one form into it: annex mark, title, 填报单位 row, a one- or two-row
header, branch rows, section rows, 小计/合计 rows, repeated headers, example rows, footers.
Every branch row returns its :class:`Expected` branch, computed by :mod:`tests.corpus.expect`
from what was written — never by branchctl.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.builders import ASPECTS, SheetSpec, column_letter
from tests.corpus.expect import Expected, category_for, is_met, is_veto, stars_for

ASPECT_GROUP = "六个方面达标情况"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CN_DIGITS = "零一二三四五六七八九十"
_SECRETARIES = (
    "王建国 李秀英 张志刚 刘海燕 陈德明 杨桂兰 赵文辉 黄玉芳 周建华 吴明 徐春林 孙丽 胡志红 "
    "朱国强 高平 林秀英 何建军 郭伟 马德荣 罗海 梁红 宋志明 郑桂芳 谢军 韩磊 唐丽霞"
).split()
_WIDTHS = {
    "序号": 6,
    "所属党组织": 18,
    "党支部名称": 30,
    "支部类型": 10,
    "负面清单": 16,
    "备注": 12,
}
UNSET: Any = object()  # "not given": the default claim, org…
_UNSET = UNSET


@dataclass(frozen=True)
class Col:
    """One table column: ``key`` names what is written in it, ``header`` what the header says."""

    key: str
    header: str | None = None  # default: the key
    group: str | None = None  # the group header over it (two-row header)

    @property
    def text(self) -> str:
        return self.key if self.header is None else self.header


def std_cols(
    *,
    org: bool = True,
    counts: bool = True,
    secretary: bool = True,
    claims: bool = True,
    note: bool = True,
    aspect_headers: Sequence[str] = ASPECTS,
    group: str | None = ASPECT_GROUP,
    extra_after_aspects: Sequence[Col] = (),
    headers: Mapping[str, str] | None = None,
) -> list[Col]:
    """The columns of 附件1 as townships lay it out; ``headers`` renames canonical columns."""
    headers = headers or {}

    def col(key: str) -> Col:
        return Col(key, headers.get(key))

    cols = [col("序号")]
    if org:
        cols.append(col("所属党组织"))
    cols += [col("党支部名称"), col("支部类型")]
    if counts:
        cols += [col("党员人数"), col("正式党员"), col("预备党员"), col("支委人数")]
    if secretary:
        cols.append(col("支部书记"))
    cols += [Col(a, h, group) for a, h in zip(ASPECTS, aspect_headers, strict=True)]
    cols += list(extra_after_aspects)
    cols.append(col("负面清单"))
    if claims:
        cols += [col("星级"), col("定级类别"), col("等次")]
    if note:
        cols.append(col("备注"))
    return cols


def marks(text: str) -> list[str]:
    """'√√×√√√' -> six one-character marks; 'a b c d e f' (with spaces) -> six words."""
    out = text.split() if " " in text else list(text)
    if len(out) != len(ASPECTS):
        raise ValueError(f"six marks needed: {text!r}")
    return out


def level_for(stars: int) -> str:
    return "先进" if stars >= 5 else "中间" if stars >= 3 else "后进"


def render_claim(stars: int, style: str) -> Any:
    if style == "digit":
        return stars
    if style == "xing":
        return f"{stars}星"
    if style == "chinese":
        return f"{CN_DIGITS[stars]}星" if stars else "无星"
    if style == "black":
        return "★" * stars if stars else "无星"
    if style == "hollow":
        return "☆" * stars if stars else "无星"
    if style == "ke":
        return f"{stars}颗星"
    raise ValueError(style)


class Grid:
    """One sheet; rows are 1-based Excel rows, columns 0-based."""

    def __init__(self, name: str, *, hidden: bool = False) -> None:
        self.name = name
        self.hidden = hidden
        self.cells: dict[tuple[int, int], Any] = {}
        self.merges: list[tuple[int, int, int, int]] = []  # 1-based rows, 0-based cols
        self.hidden_rows: set[int] = set()
        self.hidden_cols: set[int] = set()
        self.widths: dict[int, float] = {}
        self.header_rows: list[int] = []
        self.title_row: int | None = None
        self.n_rows = 0

    def new_row(self, values: Mapping[int, Any] | None = None) -> int:
        self.n_rows += 1
        for c, v in (values or {}).items():
            if v is not None:
                self.cells[(self.n_rows, c)] = v
        return self.n_rows

    def put(self, row: int, col: int, value: Any) -> None:
        self.cells[(row, col)] = value

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def spec(self) -> SheetSpec:
        width = max([c for _, c in self.cells] + [c2 for *_, c2 in self.merges] + [0]) + 1
        rows: list[list[Any]] = [[None] * width for _ in range(self.n_rows)]
        for (r, c), v in self.cells.items():
            rows[r - 1][c] = v
        return SheetSpec(
            name=self.name,
            rows=rows,
            merges=[(r1 - 1, c1, r2 - 1, c2) for r1, c1, r2, c2 in self.merges],
            widths=[self.widths.get(c) for c in range(width)],
            hidden=self.hidden,
            header_rows=list(self.header_rows),
            title_row=self.title_row,
            hidden_rows=set(self.hidden_rows),
            hidden_cols=set(self.hidden_cols),
        )


@dataclass
class _Section:
    label: str
    type: str | None
    branches: list[Expected] = field(default_factory=list)
    marks: list[list[str]] = field(default_factory=list)
    counts: list[tuple[int, int, int, int]] = field(default_factory=list)


class Table:
    """One form on a grid. ``org`` is the 填报单位 and the default 所属党组织."""

    def __init__(
        self,
        grid: Grid,
        cols: Sequence[Col],
        *,
        org: str = "城关镇党委",
        start_col: int = 0,
        fullwidth: bool = False,
        star_style: str = "digit",
        fill_org_in_column: bool = True,
    ) -> None:
        self.grid = grid
        self.cols = list(cols)
        self.org = org
        self.sc = start_col
        self.index = {c.key: start_col + j for j, c in enumerate(self.cols)}
        self.last = start_col + len(self.cols) - 1
        self.fullwidth = fullwidth
        self.star_style = star_style
        self.fill_org_in_column = fill_org_in_column
        self.serial = 0
        self.section_: _Section | None = None
        self.all = _Section("合计", None)
        self.branches: list[Expected] = []
        self.skipped: list[int] = []  # rows that are not branches (sections, totals, examples…)
        self.header_cells: dict[str, str] = {}  # key -> address of its lowest header cell
        self._group: list[int] | None = None
        self._group_org: str | None = None
        for key, j in self.index.items():
            grid.widths.setdefault(j, float(_WIDTHS.get(key, 9)))
        for j in range(start_col):
            grid.widths.setdefault(j, 4.0)

    # ------------------------------------------------------------------ top of the form

    def preamble(
        self,
        *,
        annex: str | None = "附件1",
        title: str | None = _UNSET,
        fill: str | None = _UNSET,
        blank_after: int = 0,
    ) -> None:
        """附件N alone in the first cell, the merged title, the 填报单位 row."""
        place = self.org.removesuffix("党工委").removesuffix("党委")
        if annex:
            self.grid.new_row({self.sc: annex})
        if title is _UNSET:
            title = f"{place}党支部分类定级表"
        if title:
            r = self.grid.new_row({self.sc: title})
            self.grid.merge(r, self.sc, r, self.last)
            self.grid.title_row = self.grid.title_row or r
        if fill is _UNSET:
            fill = f"填报单位（盖章）：{self.org}        填报时间：2025年6月30日"
        if fill:
            r = self.grid.new_row({self.sc: fill})
            self.grid.merge(r, self.sc, r, self.last)
        for _ in range(blank_after):
            self.grid.new_row()

    def header(self) -> list[int]:
        """The header: two rows when any column has a group, columns without one merged down."""
        two = any(c.group for c in self.cols)
        if not two:
            r = self.grid.new_row({self.index[c.key]: c.text for c in self.cols})
            rows = [r]
            if not self.header_cells:
                self.header_cells = {
                    c.key: f"{column_letter(self.index[c.key])}{r}" for c in self.cols
                }
        else:
            top = self.grid.new_row()
            sub = self.grid.new_row()
            rows = [top, sub]
            j = 0
            while j < len(self.cols):
                c = self.cols[j]
                col = self.index[c.key]
                if c.group is None:
                    self.grid.put(top, col, c.text)
                    self.grid.merge(top, col, sub, col)
                    j += 1
                    continue
                k = j
                while k + 1 < len(self.cols) and self.cols[k + 1].group == c.group:
                    k += 1
                self.grid.put(top, col, c.group)
                self.grid.merge(top, col, top, self.index[self.cols[k].key])
                for m in range(j, k + 1):
                    self.grid.put(sub, self.index[self.cols[m].key], self.cols[m].text)
                j = k + 1
            if not self.header_cells:
                self.header_cells = {
                    c.key: f"{column_letter(self.index[c.key])}{sub if c.group else top}"
                    for c in self.cols
                }
        self.grid.header_rows += rows
        if self.branches or self.skipped:  # a header repeated inside the data
            self.skipped += rows
        return rows

    # ------------------------------------------------------------------ rows

    def _number(self, n: int) -> Any:
        return str(n).translate(FULLWIDTH) if self.fullwidth else n

    def branch(
        self,
        name: str,
        mark_text: str | Sequence[str],
        *,
        org: Any = _UNSET,
        type: str | None = None,
        veto: Any = "无",
        claim: int | None | Any = _UNSET,
        serial: Any = _UNSET,
        values: Mapping[str, Any] | None = None,
        hidden: bool = False,
        members: int | None = None,
        expect_claim: int | None = None,
    ) -> Expected:
        """A branch row; its expected rating follows from the marks and the negative list."""
        ms = marks(mark_text) if isinstance(mark_text, str) else list(mark_text)
        vetoed = is_veto(veto)
        stars = stars_for(ms, veto)
        if serial is _UNSET:
            self.serial += 1
            serial = self._number(self.serial)
        # counts that agree with the 基本组织 mark: >= 3 formal members, a committee of 3-7 from 7
        formal = members if members is not None else 12 + sum(map(ord, name)) % 30
        probation = len(name) % 3
        committee = (5 if formal >= 15 else 3) if is_met(ms[0]) else 2
        if not is_met(ms[0]):
            formal = max(formal, 8)
        counts = (formal + probation, formal, probation, committee)
        secretary = _SECRETARIES[(len(self.branches) * 5 + len(name)) % len(_SECRETARIES)]
        if org is _UNSET:
            org = None if self._group is not None else self.org
        written: dict[str, Any] = {
            "序号": serial,
            "所属党组织": org,
            "党支部名称": name,
            "支部类型": type,
            "党员人数": self._number(counts[0]),
            "正式党员": self._number(counts[1]),
            "预备党员": self._number(counts[2]),
            "支委人数": self._number(counts[3]),
            "支部书记": secretary,
            **dict(zip(ASPECTS, ms, strict=True)),
            "负面清单": veto,
            "星级": render_claim(stars, self.star_style) if claim is _UNSET else claim,
            "定级类别": category_for(stars),
            "等次": level_for(stars),
            **(values or {}),
        }
        r = self.grid.new_row(
            {j: written.get(key) for key, j in self.index.items() if key in written}
        )
        if hidden:
            self.grid.hidden_rows.add(r)
        if "所属党组织" not in self.index:
            party_org = self.org
        elif self._group is not None:
            self._group.append(r)
            party_org = self._group_org
        else:
            party_org = str(org).strip() if org not in (None, "") else None
        section_type = self.section_.type if self.section_ else None
        exp = Expected(
            sheet=self.grid.name,
            row=r,
            party_org=party_org,
            name=name.strip(),
            type=type or section_type,
            stars=stars,
            category=category_for(stars),
            vetoed=vetoed,
            hidden=hidden,
            claimed_stars=expect_claim,
        )
        self.branches.append(exp)
        for s in (self.section_, self.all):
            if s is not None:
                s.branches.append(exp)
                s.marks.append(ms)
                s.counts.append(counts)
        return exp

    @contextmanager
    def org_group(self, org: str, *, written: str | None = None) -> Iterator[None]:
        """Branches added inside share one 所属党组织 cell merged down over them."""
        self._group, self._group_org = [], org
        try:
            yield
        finally:
            rows, self._group = self._group, None
            if rows:
                col = self.index["所属党组织"]
                assert rows == list(range(rows[0], rows[-1] + 1)), "a merge needs adjacent rows"
                self.grid.put(rows[0], col, org if written is None else written)
                self.grid.merge(rows[0], col, rows[-1], col)

    def section(
        self,
        label: str,
        *,
        where: str = "serial",
        type: str | None = None,
        restart: bool = True,
        merged: bool = False,
        serial_text: str | None = None,
    ) -> int:
        """A section row: the label in 序号 ('serial'), in 党支部名称 ('name'), or 'split':
        ``serial_text`` (一) in 序号 and the label merged across the rest of the row.
        ``merged`` merges a 'serial' label across the whole row."""
        self.section_ = _Section(label, type)
        if restart:
            self.serial = 0
        if where == "serial":
            r = self.grid.new_row({self.index["序号"]: label})
            if merged:
                self.grid.merge(r, self.index["序号"], r, self.last)
        elif where == "name":
            r = self.grid.new_row({self.index["党支部名称"]: label})
        elif where == "split":
            first = self.index["序号"]
            r = self.grid.new_row({first: serial_text, first + 1: label})
            self.grid.merge(r, first + 1, r, self.last)
        else:
            raise ValueError(where)
        self.skipped.append(r)
        return r

    def _sums(self, s: _Section) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, key in enumerate(("党员人数", "正式党员", "预备党员", "支委人数")):
            out[key] = self._number(sum(c[k] for c in s.counts))
        for k, a in enumerate(ASPECTS):
            out[a] = sum(is_met(m[k]) for m in s.marks)
        return out

    def subtotal(self, label: str = "小计", *, where: str = "serial") -> int:
        """小计 of the current section: counts summed, met marks counted."""
        assert self.section_ is not None
        return self._totals_row(label, self.section_, where)

    def total(self, label: str = "合计", *, where: str = "serial") -> int:
        return self._totals_row(label, self.all, where)

    def _totals_row(self, label: str, s: _Section, where: str) -> int:
        values = {self.index[k]: v for k, v in self._sums(s).items() if k in self.index}
        col = self.index["序号" if where == "serial" else "党支部名称"]
        values[col] = label
        r = self.grid.new_row(values)
        if where == "serial" and "党支部名称" in self.index:  # 合计 merged over 序号…名称
            self.grid.merge(r, col, r, self.index["党支部名称"])
            for j in range(col + 1, self.index["党支部名称"] + 1):
                self.grid.cells.pop((r, j), None)
        self.skipped.append(r)
        return r

    def row(self, values: Mapping[str, Any], *, skipped: bool = True) -> int:
        """Any other row (an example row, a leftover template row), by column key."""
        r = self.grid.new_row({self.index[k]: v for k, v in values.items() if k in self.index})
        if skipped:
            self.skipped.append(r)
        return r

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.grid.new_row()

    def footer(self, lines: Sequence[str], *, merged: bool = True) -> list[int]:
        out = []
        for line in lines:
            r = self.grid.new_row({self.sc: line})
            if merged:
                self.grid.merge(r, self.sc, r, self.last)
            out.append(r)
        self.skipped += out
        return out

    def cell(self, row: int, key: str) -> str:
        return f"{column_letter(self.index[key])}{row}"


FOOTER = "填报人：王某某        审核人：李某某        联系电话：13812345678"
NOTE = "说明：六个方面达标的打“√”，未达标的打“×”；每达标一个方面评1星。"
