"""Blank standard forms (附件1–4) for townships to fill: layout, styles, drop-downs, print setup.

The layout is data (``data/blank_forms.toml``); the drop-down lists come from forms.toml's enums
and the active rubric. A form written here is read back by :mod:`branchctl.forms.tables` like any
township submission: its pre-numbered empty rows (only 序号 filled) are not branches.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.forms.spec import column_kind, forms_data, normalize_text
from branchctl.forms.values import chinese_number
from branchctl.io.cells import cell_name
from branchctl.io.outputs import atomic_output
from branchctl.rules.rubric import MONTHS, Band, Rubric
from branchctl.rules.scoring import number_text

MARKS = ["√", "×"]
MAX_ROWS = 5000
_PARTY_SUFFIX = re.compile(r"(党\(工\)委|党（工）委|党工委|党委|党组|委员会)$")


@cache
def _data() -> dict[str, Any]:
    text = resources.files("branchctl").joinpath("data/blank_forms.toml").read_text("utf-8")
    return tomllib.loads(text)


def kind_names() -> list[str]:
    return list(_data()["kinds"])


def resolve_kinds(kinds: list[str]) -> list[str]:
    """The forms to write for what the user typed (附件1, 1, classification, 附件3-分表, 全部…)."""
    table = {normalize_text(k).lower(): v for k, v in _data()["kinds"].items()}
    out: list[str] = []
    for kind in kinds:
        forms = table.get(normalize_text(kind).lower())
        if forms is None:
            raise BranchctlError(
                f"不认识表格类型“{kind}”，可选：附件1、附件2、附件3、附件3-分表、附件4、全部"
                "（也可写 1、2、3、4 或 classification、creation、lists、lists-split、work）"
            )
        out += [f for f in forms if f not in out]
    return out


@dataclass
class Column:
    name: str  # canonical
    header: str
    width: float
    group: str | None


@dataclass
class FormLayout:
    key: str
    sheet: str
    annex: str
    title: str
    columns: list[Column]
    note: str
    freeze_after: str | None

    @property
    def two_level(self) -> bool:
        return any(c.group for c in self.columns)


def place_of(unit: str | None) -> str:
    """城关镇党委 -> 城关镇 (the title's place)."""
    return _PARTY_SUFFIX.sub("", (unit or "").strip())


def form_layout(key: str, rubric: Rubric, unit: str | None = None) -> FormLayout:
    """One form's columns, headers, groups and texts under ``rubric``."""
    data = _data()
    spec = data["forms"][key]
    aspects = rubric.aspect_names
    group_name = data["aspect_group"].format(n=chinese_number(len(aspects)))
    names: list[str] = []
    for name in spec["columns"]:
        for member in _expand(name, rubric):
            if member not in names:
                names.append(member)
    group_of: dict[str, str] = {}
    for group, members in spec.get("groups", {}).items():
        label = group_name if group == "@aspect_group" else group
        for member in members:
            for name in aspects if member == "@aspects" else [member]:
                group_of[name] = label
    headers = {**data["headers"], **spec.get("headers", {})}
    widths = data["widths"]
    columns = [
        Column(
            name=name,
            header=headers.get(name, name),
            width=float(
                widths.get(name, widths["aspect"] if name in aspects else widths["default"])
            ),
            group=group_of.get(name),
        )
        for name in names
    ]
    note = spec["note"].format(
        fill=_fill_text(rubric),
        stars=_stars_rule(rubric),
        bands="，".join(_band_text(b) for b in rubric.categories),
        veto=f"{rubric.veto_category or rubric.category_for(0)}、{rubric.veto_level or rubric.level_for(0)}",
    )
    return FormLayout(
        key=key,
        sheet=spec["sheet"],
        annex=spec["annex"],
        title=place_of(unit) + spec["title"],
        columns=columns,
        note=note,
        freeze_after=spec.get("freeze_after"),
    )


def _expand(name: str, rubric: Rubric) -> list[str]:
    """The columns a name in blank_forms.toml stands for under ``rubric`` (see its header)."""
    if name == "@aspects":
        return rubric.aspect_names
    if name == "@points":
        points = rubric.points
        return [*MONTHS, *points.add, *points.subtract] if points is not None else []
    if name == "@extra":
        return [c.name for c in rubric.columns]
    if name == "@veto":
        return list(rubric.veto_columns)
    if name == "@deduct":
        return list(rubric.deduct_columns)
    if name == "@evidence":
        return [c for rule in rubric.evidence.claims for c in rule.columns]
    return [name]


def _fill_text(rubric: Rubric) -> str:
    """How the aspects (or the months) are filled in: the note's first item."""
    texts = _data()["fill"]
    aspects = "、".join(rubric.aspect_names)
    if rubric.points is not None and not rubric.aspects:
        top = rubric.points.month_max
        return texts["points"].format(month_max=f"（每月满分{number_text(top)}分）" if top else "")
    if rubric.uses_scores:
        scores = "，".join(
            f"{a.name}满分{number_text(a.max_score)}分、{number_text(a.pass_mark)}分达标"
            for a in rubric.aspects
            if a.judge == "score" and a.max_score is not None and a.pass_mark is not None
        )
        return texts["score"].format(aspects=aspects, scores=scores or "见单元格提示")
    return texts["mark"].format(aspects=aspects)


def _stars_rule(rubric: Rubric) -> str:
    """How stars follow: one per aspect met, or steps of the total."""
    texts = _data()["stars"]
    steps = list(rubric.bands) or [(t, i + 1) for i, t in enumerate(rubric.thresholds)]
    if rubric.star_method != "total" or not steps:
        return texts["count"]
    what = "综合得分" if rubric.parts else "全年累计得分" if rubric.points else "总分"
    shown = "、".join(
        f"{number_text(low)}分及以上{stars}星" for low, stars in sorted(steps, key=lambda s: -s[1])
    )
    return texts["total"].format(what=what, steps=shown)


def _band_text(band: Band) -> str:
    """5星为示范点; 总分90分及以上且5星为A (a category by total)."""
    if band.min_total is None:
        return f"{_stars_text(band.stars)}为{band.name}"
    also = f"且{band.min_stars}星" if band.min_stars else ""
    return f"总分{number_text(band.min_total)}分及以上{also}为{band.name}"


def _stars_text(stars: frozenset[int]) -> str:
    s = sorted(stars)
    if len(s) > 1 and s == list(range(s[0], s[-1] + 1)):
        return f"{s[0]}至{s[-1]}星" if s[0] else f"{s[-1]}星及以下"
    return "、".join(str(x) for x in s) + "星"


# ------------------------------------------------------------------------------ validation


def read_as(name: str, rubric: Rubric) -> tuple[str, float | None]:
    """How ``rubric`` reads a column: its kind (mark, score, percent, count, enum…), and the
    most a score may be (None: no limit, or not a score)."""
    aspect = next((a for a in rubric.aspects if a.name == name), None)
    if aspect is not None:
        return ("score", aspect.max_score) if aspect.judge == "score" else ("mark", None)
    if rubric.points is not None and name in MONTHS:
        return "score", rubric.points.month_max
    if name in rubric.column_kinds:
        return rubric.column_kinds[name], None
    return column_kind(name), None


def _prompt(name: str, rubric: Rubric, kind: str, top: float | None) -> str | None:
    prompts = _data()["prompts"]
    if kind == "mark" and name in rubric.aspect_names:
        return str(prompts["@aspect"])
    if kind == "score" and name in rubric.aspect_names:
        aspect = rubric.aspect(name)
        if top is not None and aspect.pass_mark is not None:
            return str(prompts["@score"]).format(
                max=number_text(top), pass_mark=number_text(aspect.pass_mark)
            )
        return None
    if name in MONTHS and top is not None:
        return str(prompts["@month"]).format(max=number_text(top))
    return prompts.get(name)


def validation(column: Column, rubric: Rubric, cell: str) -> dict[str, Any] | None:
    """The xlsxwriter data validation of a column, as the rubric reads it (:func:`read_as`);
    ``cell`` is its first data cell (e.g. H6)."""
    name = column.name
    kind, top = read_as(name, rubric)
    prompt = _prompt(name, rubric, kind, top)
    rule: dict[str, Any] | None = None
    if kind == "mark":
        rule = _list(MARKS)
    elif kind == "score" and top is not None:
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": top,
                "error_message": f"请填写0至{number_text(top)}之间的分数。"}  # fmt: skip
    elif kind == "score":
        rule = {"validate": "decimal", "criteria": ">=", "value": 0,
                "error_message": "请填写不小于0的分数。"}  # fmt: skip
    elif kind == "percent":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_message": "请填写0%至100%之间的百分比，如95%。"}  # fmt: skip
    elif name == "问题类别":
        rule = _list(rubric.aspect_names)
    elif kind == "enum":
        rule = _list(list(forms_data().enums[name]))
    elif kind == "stars":
        rule = _list([f"{n}星" if n else "无星" for n in range(rubric.max_stars, -1, -1)])
    elif kind == "category":
        rule = _list([b.name for b in rubric.categories])
    elif kind == "level":
        rule = _list([b.name for b in rubric.levels])
    elif kind == "count":
        rule = {"validate": "integer", "criteria": ">=", "value": 0,
                "error_message": "请填写不小于0的整数。"}  # fmt: skip
    elif kind == "serial" and name != "序号":
        rule = {"validate": "integer", "criteria": ">=", "value": 1,
                "error_message": "请填写对应的序号（正整数）。"}  # fmt: skip
    elif name == "完成时限":
        texts = ",".join(
            f'{cell}="{t}"' for t in (*forms_data().ongoing[:2], *forms_data().immediate[:1])
        )
        rule = {"validate": "custom", "value": f"=OR(ISNUMBER({cell}),{texts})",
                "error_message": "请填写日期（如2025-12-31），或“长期坚持”“立行立改”。"}  # fmt: skip
    elif kind == "date":
        rule = {"validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1),
                "maximum": dt.date(2099, 12, 31), "error_message": "请填写日期，如2025-06-30。"}  # fmt: skip
    if rule is None and prompt is None:
        return None
    rule = rule or {"validate": "any"}
    rule.setdefault("error_title", "填写有误")
    if prompt:
        rule["input_title"] = column.name[:32]
        rule["input_message"] = prompt[:255]
    return rule


def _list(values: list[str]) -> dict[str, Any]:
    if len(",".join(values)) > 255:  # Excel's limit for an inline list
        raise BranchctlError(
            "下拉列表的选项过长（超过255个字符），请缩短规则中的名称", code="bad-rubric"
        )
    return {
        "validate": "list",
        "source": values,
        "error_message": "请从下拉列表中选择：" + "、".join(values),
    }


# ------------------------------------------------------------------------------ writing


@dataclass
class TemplateResult:
    out: Path
    sheets: list[str]
    rows: int


def write_template(
    kinds: list[str],
    out: Path,
    rubric: Rubric,
    *,
    unit: str | None = None,
    rows: int | None = None,
    overwrite: bool = False,
) -> TemplateResult:
    """Write the blank forms for ``kinds`` (as typed by the user) into one workbook ``out``.

    An existing ``out`` may be a township's filled-in copy: it is replaced only with ``overwrite``.
    """
    import xlsxwriter

    forms = resolve_kinds(kinds)
    n = _data()["rows"] if rows is None else rows
    if not 1 <= n <= MAX_ROWS:
        raise BranchctlError(f"--rows 应为1至{MAX_ROWS}之间的整数")
    if out.suffix.lower() != ".xlsx":
        raise BranchctlError("空白表格只能写成 .xlsx 格式，请把输出文件名改为 .xlsx 结尾", path=out)
    if out.exists() and not overwrite:
        raise BranchctlError(
            f"文件“{out.name}”已存在，为免覆盖已填写的表格，请换一个文件名，或加 --force 覆盖"
        )
    layouts = [form_layout(key, rubric, unit) for key in forms]
    with atomic_output(out) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False}
        )
        try:
            styles = _Styles(wb)
            for layout in layouts:
                _write_form(wb.add_worksheet(layout.sheet), layout, rubric, unit, n, styles)
        finally:
            wb.close()
    return TemplateResult(out, [layout.sheet for layout in layouts], n)


class _Styles:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        cell = {**base, "border": 1, "text_wrap": True}
        self.annex = wb.add_format({**base, "font_name": "黑体", "font_size": 14})
        self.title = wb.add_format(
            {**base, "font_name": "方正小标宋简体", "font_size": 20, "align": "center"}
        )
        self.unit = wb.add_format({**base, "font_size": 12})
        self.date_line = wb.add_format({**base, "font_size": 12, "align": "right"})
        self.header = wb.add_format(
            {**cell, "bold": True, "align": "center", "bg_color": "#DDEBF7"}
        )
        self.text = wb.add_format({**cell, "num_format": "@"})
        self.center = wb.add_format({**cell, "align": "center"})
        self.number = wb.add_format({**cell, "align": "center", "num_format": "0"})
        self.date = wb.add_format({**cell, "align": "center", "num_format": _data()["date_format"]})
        self.footer = wb.add_format({**base, "font_size": 11})
        self.note = wb.add_format({**base, "font_size": 10, "text_wrap": True, "valign": "top"})


def _cell_format(column: Column, rubric: Rubric, styles: _Styles) -> Any:
    kind, _ = read_as(column.name, rubric)
    if kind in ("date",):
        return styles.date
    if kind in ("count", "serial"):
        return styles.number
    if kind in ("mark", "enum", "stars", "category", "level", "score", "percent"):
        return styles.center  # a score keeps its decimals (8.5), a percent its % as typed
    return styles.text  # text cells stay text: names, phone numbers, IDs


def _write_form(
    ws: Any, layout: FormLayout, rubric: Rubric, unit: str | None, n: int, styles: _Styles
) -> None:

    cols = layout.columns
    last = len(cols) - 1
    ws.write_string(0, 0, layout.annex, styles.annex)
    ws.merge_range(1, 0, 1, last, layout.title, styles.title)
    ws.set_row(1, 36)
    half = max(0, last // 2)
    left = f"填报单位（盖章）：{unit.strip()}" if unit and unit.strip() else "填报单位（盖章）："
    _merge(ws, 2, 0, 2, half, left, styles.unit)
    _merge(ws, 2, half + 1, 2, last, "填报时间：        年    月    日", styles.date_line)
    ws.set_row(2, 24)

    top = 3
    bottom = top + 1 if layout.two_level else top
    c = 0
    while c <= last:
        col = cols[c]
        if col.group:
            end = c
            while end + 1 <= last and cols[end + 1].group == col.group:
                end += 1
            _merge(ws, top, c, top, end, col.group, styles.header)
            for j in range(c, end + 1):
                ws.write_string(bottom, j, cols[j].header, styles.header)
            c = end + 1
        else:
            _merge(ws, top, c, bottom, c, col.header, styles.header)
            c += 1
    ws.set_row(top, 30)
    if bottom != top:
        ws.set_row(bottom, 42)

    first = bottom + 1
    for i in range(n):
        r = first + i
        ws.set_row(r, 21)
        for j, col in enumerate(cols):
            if col.name == "序号":
                ws.write_number(r, j, i + 1, styles.number)
            else:
                ws.write_blank(r, j, None, _cell_format(col, rubric, styles))
    for j, col in enumerate(cols):
        ws.set_column(j, j, col.width)
        rule = validation(col, rubric, cell_name(first, j))
        if rule is not None:
            ws.data_validation(first, j, first + n - 1, j, rule)

    footer = first + n
    _merge(ws, footer, 0, footer, last, _data()["footer"], styles.footer)
    _merge(ws, footer + 1, 0, footer + 1, last, layout.note, styles.note)
    ws.set_row(footer + 1, 15 * max(2, len(layout.note) // 60 + 1))

    freeze = next((j + 1 for j, col in enumerate(cols) if col.name == layout.freeze_after), 0)
    ws.freeze_panes(first, freeze)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(top, bottom)
    ws.print_area(0, 0, footer + 1, last)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _merge(ws: Any, r1: int, c1: int, r2: int, c2: int, text: str, fmt: Any) -> None:
    if (r1, c1) == (r2, c2):
        ws.write_string(r1, c1, text, fmt)
    else:
        ws.merge_range(r1, c1, r2, c2, text, fmt)


def default_name(kinds: list[str], unit: str | None = None) -> str:
    """File name when -o is not given, e.g. 城关镇_附件1_党支部分类定级表.xlsx."""
    forms = [_data()["forms"][key] for key in resolve_kinds(kinds)]
    annexes = list(dict.fromkeys(f["annex"] for f in forms))
    if len(forms) == 1:
        stem = f"{forms[0]['annex']}_{forms[0]['title']}"
    elif len(annexes) == 1:
        stem = f"{annexes[0]}_" + "".join(f["sheet"] for f in forms)
    else:
        stem = "、".join(annexes) + "_空白表格"
    place = place_of(unit)
    return f"{place}_{stem}.xlsx" if place else f"{stem}.xlsx"
