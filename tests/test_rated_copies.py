"""The workbooks a clerk prints: rated and checked copies read back as Excel would show them.

Each test builds a township's ledger in a temporary folder, runs the command as the clerk does,
and reads the output with openpyxl: print areas and page setup, the 汇总 sheet's chart, number
formats and column widths, how disagreeing cells stand out, row fills by category.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from typer.testing import CliRunner

from branchctl.cli.app import app
from branchctl.io.xlsx.patch import widen_area
from branchctl.io.xlsx.plan import FILL_ERROR, FILL_WARNING, display_width
from branchctl.rules.rubric_file import builtin_text
from tests.builders import (
    ASPECTS,
    Layout,
    classification_sheet,
    sample_branches,
    with_claims,
    with_wrong_claim,
    write_workbook,
)
from tests.test_rating_rubrics import HEFEI, five_basics_sheet

runner = CliRunner()
LONG_NAME = "城关镇东关社区居民委员会第二网格楼栋联合党支部"  # 23 characters
CATEGORY_FILLS = {
    "示范点": "C6EFCE",
    "重点对象": "DDEBF7",
    "加强指导": "FFF2CC",
    "软弱涣散": "F8CBAD",
}


def rgb(cell: Any) -> str:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill and cell.fill.fill_type == "solid" else ""


def _ledger(folder: Path, suffix: str = ".xlsx") -> tuple[Path, Any]:
    """A ledger of 24 branches; the first has a long name, no aspect met and claims 1 star."""
    records = [with_claims(r) for r in sample_branches(24, seed=5, veto_rate=0)]
    weakest = {**records[0], **dict.fromkeys(ASPECTS, False), "党支部名称": LONG_NAME}
    records[0] = with_wrong_claim(with_claims(weakest))  # 软弱涣散, claims 1 star
    spec = classification_sheet(records, Layout(footer=True), name="附件1")
    return write_workbook(folder / f"城关镇台账{suffix}", [spec]), spec


def _rate(path: Path, *args: str) -> Path:
    out = path.parent / "评定.xlsx"
    result = runner.invoke(app, ["rate", str(path), "-o", str(out), *args])
    assert result.exit_code in (0, 1), result.output
    return out


# ---------------------------------------------------------------- print areas


def test_a_form_made_by_template_prints_its_computed_columns(tmp_path: Path) -> None:
    blank = tmp_path / "附件1.xlsx"
    result = runner.invoke(app, ["template", "附件1", "--rows", "12", "-o", str(blank)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(blank)  # the township fills it in, as in Excel
    ws = book["附件1"]
    assert ws.print_area == "'附件1'!$A$1:$T$19"
    header = {
        str(ws.cell(r, c).value).split("\n")[0]: c
        for r in (4, 5)
        for c in range(1, ws.max_column + 1)
        if ws.cell(r, c).value
    }
    for i in range(10):
        r = 6 + i
        ws.cell(r, header["所属党组织"]).value = "城关镇党委"
        ws.cell(r, header["党支部名称"]).value = f"城关镇第{i + 1}村党支部"
        for j, aspect in enumerate(ASPECTS):
            ws.cell(r, header[aspect]).value = "√" if (i + j) % 3 else "×"
        ws.cell(r, header["负面清单"]).value = "无"
    filled = tmp_path / "城关镇分类定级表.xlsx"
    book.save(filled)

    rated = openpyxl.load_workbook(_rate(filled))
    sheet = rated["附件1"]
    assert sheet.print_area == "'附件1'!$A$1:$Y$19"  # T plus the five computed columns
    assert [sheet.cell(4, c).value for c in range(21, 26)] == [
        "计算星级",
        "计算类别",
        "计算等次",
        "未达标方面",
        "核对结果",
    ]
    assert sheet.page_setup.orientation == "landscape"  # the template's setup is kept


@pytest.mark.parametrize(
    ("area", "widened"),
    [
        ("'附件1'!$A$1:$T$60", "'附件1'!$A$1:$Y$60"),
        ("附件1!$A:$T", "附件1!$A:$Y"),  # whole columns
        ("'附件1'!$A$1:$T$60,'附件1'!$A$70:$C$80", "'附件1'!$A$1:$Y$60,'附件1'!$A$70:$C$80"),
        ("'附件1'!$A$1:$F$60", "'附件1'!$A$1:$F$60"),  # a part of the table only: left alone
        ("'附件1'!$A$1:$Z$60", "'附件1'!$A$1:$Z$60"),  # already wide enough
        ("'附件1'!$1:$60", "'附件1'!$1:$60"),  # whole rows print every column
    ],
)
def test_print_areas_are_widened_over_the_new_columns(area: str, widened: str) -> None:
    assert widen_area(area, table_last=19, new_last=24) == widened


# ---------------------------------------------------------------- the 汇总 sheet


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])  # patched and rebuilt copies alike
def test_summary_sheet_fits_the_screen_and_an_a4_landscape_page(
    tmp_path: Path, suffix: str
) -> None:
    path, _ = _ledger(tmp_path, suffix)
    ws = openpyxl.load_workbook(_rate(path, "--bottom", "5"))["汇总"]

    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)  # A4
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)  # one page wide (1: default)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    c1, r1, c2, r2 = range_boundaries(ws.print_area.split("!")[1].replace("$", ""))
    rows = [list(r) for r in ws.iter_rows(values_only=True)]

    (chart,) = ws._charts
    start, end = chart.anchor._from, chart.anchor.to
    assert (start.row, start.col) == (3, 4)  # beside the star table, from E4: on screen
    assert c1 == 1 and r1 == 1 and end.col + 1 <= c2 and end.row + 1 <= r2  # and on paper
    covered = [
        rows[r][c] for r in range(start.row, end.row + 1) for c in range(start.col, end.col + 1)
    ]
    assert all(v is None for v in covered)  # it hides no figure
    assert chart.y_axis.majorUnit == int(chart.y_axis.majorUnit) >= 1  # ticks 0, 1, 2…
    assert chart.y_axis.scaling.min == 0 and chart.y_axis.numFmt.formatCode == "0"

    star = next(i for i, r in enumerate(rows) if r[:3] == ["星级", "支部数", "占比"])
    shares = [ws.cell(star + 2 + k, 3) for k in range(7)]
    assert all(c.data_type == "n" and c.number_format == "0.0%" for c in shares)
    assert sum(c.value for c in shares) == pytest.approx(1.0)
    org = next(i for i, r in enumerate(rows) if r[0] == "所属党组织")
    rate_col = rows[org].index("达标率") + 1
    total = next(i for i, r in enumerate(rows) if r[0] == "合计")
    rate = ws.cell(total + 1, rate_col)
    assert rate.data_type == "n" and rate.number_format == "0.0%"

    bottom = next(i for i, r in enumerate(rows) if r[0] == "倒排名次")
    assert rows[bottom + 1][2] == LONG_NAME
    assert ws.column_dimensions["C"].width >= display_width(LONG_NAME)  # not cut
    last = len(rows[org])  # the widest table's last column
    merged = {str(m) for m in ws.merged_cells.ranges}
    for r in range(bottom, bottom + 6):  # 未达标方面 runs to the widest table's end
        assert f"G{r + 1}:{get_column_letter(last)}{r + 1}" in merged
    for col in "AB":
        longest = max(display_width(r[ord(col) - 65]) for r in rows[star : total + 1] if r[0])
        assert ws.column_dimensions[col].width >= longest


# ---------------------------------------------------------------- disagreements stand out


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_disagreeing_claim_stands_out_on_its_row_fill(tmp_path: Path, suffix: str) -> None:
    path, spec = _ledger(tmp_path, suffix)
    ws = openpyxl.load_workbook(_rate(path))["附件1"]
    row = spec.data_rows[0]  # 软弱涣散, claims 1 star where none is earned
    name = ws.cell(row, spec.columns["党支部名称"] + 1)
    assert rgb(name) == CATEGORY_FILLS["软弱涣散"]
    claim = ws.cell(row, spec.columns["星级"] + 1)
    assert rgb(claim) == FILL_ERROR == "C00000"  # strong red
    assert claim.font.b and str(claim.font.color.rgb).endswith("FFFFFF")  # white bold text
    assert "填报：1星" in claim.comment.text
    agreeing = ws.cell(spec.data_rows[1], spec.columns["星级"] + 1)
    assert rgb(agreeing) in CATEGORY_FILLS.values() and not agreeing.font.b


def test_checked_copies_mark_errors_the_same_way_and_hide_the_codes(tmp_path: Path) -> None:
    path, spec = _ledger(tmp_path)
    folder = tmp_path / "退回"
    result = runner.invoke(app, ["validate", str(path), "--annotate", str(folder), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    book = openpyxl.load_workbook(folder / "城关镇台账.checked.xlsx")
    claim = book["附件1"][spec.ref(0, "星级")]
    assert rgb(claim) == FILL_ERROR and claim.font.b
    assert str(claim.font.color.rgb).endswith("FFFFFF")
    ws = book["校验结果"]
    assert [c.value for c in ws[2]] == [
        "序号", "级别", "工作表", "位置", "问题", "说明", "填写内容", "问题代码"
    ]  # fmt: skip
    assert ws.column_dimensions["H"].hidden  # the English codes are not sent to townships
    assert ws["H3"].value == "stars-mismatch"
    level = ws["B3"]
    assert level.value == "错误" and rgb(level) == FILL_ERROR and level.font.b
    assert ws.page_setup.orientation == "landscape"


def test_warnings_are_amber_with_bold_text(tmp_path: Path) -> None:
    records = [with_claims(r) for r in sample_branches(6, seed=8, veto_rate=0)]
    records[2] = {**records[2], "基本保障": None}  # left blank: counted unmet, with a warning
    spec = classification_sheet(records, Layout(), name="附件1")
    path = write_workbook(tmp_path / "青山乡.xlsx", [spec])
    ws = openpyxl.load_workbook(_rate(path))["附件1"]
    blank = ws[spec.ref(2, "基本保障")]
    assert rgb(blank) == FILL_WARNING and blank.font.b
    assert blank.comment.text == "“基本保障”未填写，按未达标计"


# ---------------------------------------------------------------- row fills from the rubric


def _row_fills(ws: Any, spec: Any, categories: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    name_col = spec.columns["党支部名称"] + 1
    for row, category in zip(spec.data_rows, categories, strict=True):
        found.setdefault(category, set()).add(rgb(ws.cell(row, name_col)))
    return found


def test_five_basics_grades_colour_their_rows(tmp_path: Path) -> None:
    spec = five_basics_sheet(HEFEI)
    path = write_workbook(tmp_path / "司法局.xlsx", [spec])
    out = _rate(path, "--rubric", "five-basics", "--as-of", "2025-06-30")
    ws = openpyxl.load_workbook(out)["附件1"]
    grade_col = [c.value for c in ws[spec.header_rows[0]]].index("计算类别") + 1
    grades = [ws.cell(r, grade_col).value for r in spec.data_rows]
    assert _row_fills(ws, spec, grades) == {
        "A": {"C6EFCE"},
        "B": {"DDEBF7"},
        "C": {"FFF2CC"},
        "D": {"F8CBAD"},
    }


def test_a_rubric_names_its_own_fills_or_gets_the_palette(tmp_path: Path) -> None:
    records = [with_claims(r) for r in sample_branches(20, seed=4, veto_rate=0)]
    spec = classification_sheet(records, Layout(), name="附件1")
    path = write_workbook(tmp_path / "台账.xlsx", [spec])
    categories = [with_claims(r)["定级类别"] for r in records]
    assert set(categories) == set(CATEGORY_FILLS)

    own = tmp_path / "本县规则.toml"
    own.write_text(builtin_text("six-star").replace('"F8CBAD"', '"ff9999"'), "utf-8")
    ws = openpyxl.load_workbook(_rate(path, "--rubric", str(own)))["附件1"]
    assert _row_fills(ws, spec, categories)["软弱涣散"] == {"FF9999"}

    plain = tmp_path / "无底色规则.toml"
    plain.write_text(re.sub(r"\nfill = .*", "", builtin_text("six-star")), "utf-8")
    ws = openpyxl.load_workbook(_rate(path, "--rubric", str(plain)))["附件1"]
    assert _row_fills(ws, spec, categories) == {k: {v} for k, v in CATEGORY_FILLS.items()}


@pytest.mark.parametrize("fill", ['"浅绿"', '"C6EFC"', "0xC6EFCE", '"#GGGGGG"'])
def test_a_bad_fill_is_named_in_the_error(tmp_path: Path, fill: str) -> None:
    bad = tmp_path / "规则.toml"
    bad.write_text(builtin_text("six-star").replace('"C6EFCE"', fill, 1), "utf-8")
    result = runner.invoke(app, ["rubric", "check", str(bad)])
    assert result.exit_code == 2
    assert "categories[1].fill" in result.stderr and "六位十六进制" in result.stderr
    assert "Traceback" not in result.output


def test_the_fill_key_belongs_to_categories_only(tmp_path: Path) -> None:
    bad = tmp_path / "规则.toml"
    text = builtin_text("six-star").replace(
        'name = "先进"\n', 'name = "先进"\nfill = "C6EFCE"\n', 1
    )
    bad.write_text(text, "utf-8")
    result = runner.invoke(app, ["rubric", "check", str(bad)])
    assert result.exit_code == 2 and "levels[1].fill" in result.stderr
