"""Annotated copies of a township's ledger: what the clerk gets back must keep every original cell.

Each test builds a realistic ledger (附件1 with a title, a merged two-level header and a hidden
scratch sheet) in a temporary folder, applies a plan like the one `rate` builds, and reads the
result back with openpyxl and python-calamine.
"""

from __future__ import annotations

import os
import re
import zipfile
from copy import copy
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.styles
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment

from branchctl.errors import BranchctlError
from branchctl.io.outputs import atomic_output
from branchctl.io.workbook import Workbook, read_workbook
from branchctl.io.xlsx.package import PatchUnsupported
from branchctl.io.xlsx.plan import (
    FILL_ERROR,
    FILL_WARNING,
    AnnotationPlan,
    AppendedColumns,
    BarChart,
    CellMark,
    NewSheet,
    RowValues,
)
from branchctl.io.xlsx.rebuild import rebuild_xlsx
from branchctl.io.xlsx.write import REBUILT_NOTE, write_annotated
from tests.builders import (
    SheetSpec,
    classification_sheet,
    sample_branches,
    scratch_sheet,
    write_workbook,
)

NEW_HEADERS = ["计算星级", "计算类别", "计算等次", "未达标方面", "核对结果"]
CATEGORY_FILL = "FFF2CC"
FILL_OK_COLOR = "C6EFCE"


# ---------------------------------------------------------------- helpers


def load(path: Path) -> Workbook:
    """Read a workbook the way the tool does."""
    return read_workbook(path)


def make_ledger(
    folder: Path, suffix: str = ".xlsx", extra: list[SheetSpec] | None = None
) -> tuple[Path, SheetSpec]:
    spec = classification_sheet(sample_branches(8, seed=3))
    path = write_workbook(folder / f"城关镇台账{suffix}", [spec, scratch_sheet(), *(extra or [])])
    return path, spec


def rating_plan(spec: SheetSpec, *, equals_text: str = "=SUM(A1:A3)") -> AnnotationPlan:
    """What `rate` asks for: five computed columns, category fills, a highlighted claim, 汇总."""
    width = max(len(r) for r in spec.rows)
    top, bottom = spec.header_rows[0] - 1, spec.header_rows[-1] - 1
    rows = [r - 1 for r in spec.data_rows]
    plan = AnnotationPlan()
    sheet = plan.sheet(spec.name)
    sheet.appended.append(
        AppendedColumns(
            first_col=width,
            header_top=top,
            header_row=bottom,
            headers=NEW_HEADERS,
            values={r: [4, "加强指导", "中间", equals_text, "一致"] for r in rows},
            style_from=(bottom, width - 1),
        )
    )
    for r in rows:
        sheet.row_fills[r] = (0, width + len(NEW_HEADERS) - 1, CATEGORY_FILL)
    stars = spec.columns["星级"]
    sheet.marks.append(CellMark(rows[0], stars, FILL_ERROR, "自评星级与核算不符：核算为4星"))
    sheet.marks.append(CellMark(rows[1], stars, FILL_WARNING, "基本组织：自评与核算不符"))
    summary = [
        ["星级分布"],
        ["星级", "支部数"],
        *[[f"{n}星", n + 1] for n in range(7)],
        [],
        ["第一个支部", equals_text],
    ]
    plan.new_sheets.append(
        NewSheet(
            name="汇总",
            rows=summary,
            header_rows={1},
            title_rows={0},
            links={(10, 0): f"'{spec.name}'!C{spec.data_rows[0]}"},
            fills={(2, 1): FILL_ERROR},
            charts=[BarChart("星级分布", categories=(0, 2, 8), values=(1, 2, 8), anchor=(1, 3))],
            freeze_row=2,
            autofilter=(1, 0, 8, 1),
        )
    )
    return plan


def annotate(source: Path, plan: AnnotationPlan, name: str = "out.xlsx") -> Path:
    out = source.parent / name
    write_annotated(load(source), plan, out)
    return out


def rgb(cell: Any) -> str:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill and cell.fill.fill_type == "solid" else ""


def zip_text(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


# ---------------------------------------------------------------- the patch writer (.xlsx)


def test_original_cells_values_styles_and_merges_are_kept(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    before = openpyxl.load_workbook(source)
    out = annotate(source, rating_plan(spec))

    original, annotated = load(source), load(out)
    for sheet in original.sheets:
        got = annotated.sheet(sheet.name)
        for r, row in enumerate(sheet.rows):
            assert got.rows[r][: len(row)] == row
        assert set(sheet.merges) <= set(got.merges)
        assert got.visible == sheet.visible
    ws, old = openpyxl.load_workbook(out)[spec.name], before[spec.name]
    header = ws.cell(spec.header_rows[0], 1)
    assert header.value == "序号" and header.font.b and rgb(header) == "DDEBF7"
    assert header.border.left.style == "thin"
    title = ws.cell(spec.title_row, 1)
    assert title.font.b and title.font.sz == 16
    for letter in ("A", "C", "T"):
        assert ws.column_dimensions[letter].width == old.column_dimensions[letter].width
    # a filled data cell keeps its border; an unfilled one is untouched
    data = ws.cell(spec.data_rows[0], 3)
    assert rgb(data) == CATEGORY_FILL and data.border.left.style == "thin"
    assert rgb(ws.cell(spec.header_rows[-1] + 1 + len(spec.data_rows), 3)) == ""


def test_appended_columns_carry_header_style_and_merges(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    out = annotate(source, rating_plan(spec))
    ws = openpyxl.load_workbook(out)[spec.name]
    top, bottom = spec.header_rows
    assert [ws.cell(top, 21 + i).value for i in range(5)] == NEW_HEADERS
    assert all(ws.cell(bottom, 21 + i).value is None for i in range(5))
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {f"{col}{top}:{col}{bottom}" for col in "UVWXY"} <= merged
    header = ws.cell(top, 21)
    assert header.font.b and rgb(header) == "DDEBF7" and header.alignment.horizontal == "center"
    assert header.border.top.style == "thin"
    first = spec.data_rows[0]
    assert [ws.cell(first, 21 + i).value for i in range(5)] == [
        4,
        "加强指导",
        "中间",
        "=SUM(A1:A3)",
        "一致",
    ]
    assert ws.cell(first, 21).border.left.style == "thin"  # like the table's last cell
    assert rgb(ws.cell(first, 25)) == CATEGORY_FILL
    assert ws.column_dimensions["U"].width >= 8
    assert f'<dimension ref="A1:Y{spec.data_rows[-1]}"/>' in zip_text(
        out, "xl/worksheets/sheet1.xml"
    )


def test_marked_cells_get_fill_and_comment(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    out = annotate(source, rating_plan(spec))
    ws = openpyxl.load_workbook(out)[spec.name]
    stars = spec.columns["星级"] + 1
    error, warning = ws.cell(spec.data_rows[0], stars), ws.cell(spec.data_rows[1], stars)
    assert rgb(error) == FILL_ERROR and rgb(warning) == FILL_WARNING
    assert error.comment.text == "自评星级与核算不符：核算为4星"
    assert error.comment.author == "branchctl"
    assert warning.comment.text == "基本组织：自评与核算不符"
    assert error.value == spec.rows[spec.data_rows[0] - 1][stars - 1]
    names = zip_names(out)
    assert "xl/comments1.xml" in names and "xl/drawings/vmlDrawing1.vml" in names
    assert "<legacyDrawing " in zip_text(out, "xl/worksheets/sheet1.xml")
    vml = zip_text(out, "xl/drawings/vmlDrawing1.vml")
    assert vml.count('ObjectType="Note"') == 2


def test_new_summary_sheet_with_chart_links_freeze_and_filter(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    out = annotate(source, rating_plan(spec))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [spec.name, "Sheet3", "汇总"]
    ws = book["汇总"]
    assert ws["A1"].value == "星级分布" and ws["A1"].font.b
    assert [ws.cell(r, 2).value for r in range(3, 10)] == [1, 2, 3, 4, 5, 6, 7]
    assert ws["A2"].font.b and ws["A2"].border.bottom.style == "thin"
    assert rgb(ws["B3"]) == FILL_ERROR
    assert ws["A11"].hyperlink.location == f"'{spec.name}'!C{spec.data_rows[0]}"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:B9"
    # openpyxl drops charts on load: look in the package instead
    names = zip_names(out)
    assert "xl/charts/chart1.xml" in names
    assert "../charts/chart1.xml" in zip_text(out, "xl/drawings/_rels/drawing1.xml.rels")
    sheet_xml = next(
        n
        for n in names
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n) and "汇总" in _sheet_title(out, n)
    )
    assert "<drawing " in zip_text(out, sheet_xml)
    chart = zip_text(out, "xl/charts/chart1.xml")
    assert "<c:barChart>" in chart and "'汇总'!$B$3:$B$9" in chart and "星级分布" in chart
    assert "/xl/charts/chart1.xml" in zip_text(out, "[Content_Types].xml")


def _sheet_title(path: Path, part: str) -> str:
    """The sheet name the workbook gives to a worksheet part."""
    rels = zip_text(path, "xl/_rels/workbook.xml.rels")
    target = part.removeprefix("xl/")
    rid = re.search(rf'Id="(\w+)"[^>]*Target="/?(?:xl/)?{re.escape(target)}"', rels)
    rid = rid or re.search(rf'Target="/?(?:xl/)?{re.escape(target)}"[^>]*Id="(\w+)"', rels)
    assert rid
    found = re.search(
        rf'<sheet [^>]*name="([^"]+)"[^>]*r:id="{rid.group(1)}"', zip_text(path, "xl/workbook.xml")
    )
    return found.group(1) if found else ""


def test_text_starting_with_equals_stays_text(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    out = annotate(source, rating_plan(spec, equals_text="=A1+1"))
    ws = openpyxl.load_workbook(out)[spec.name]
    cell = ws.cell(spec.data_rows[0], 24)
    assert cell.value == "=A1+1" and cell.data_type == "s"
    assert openpyxl.load_workbook(out)["汇总"]["B11"].data_type == "s"
    assert load(out).sheet(spec.name).value(spec.data_rows[0] - 1, 23) == "=A1+1"
    for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"):
        assert "<f>" not in zip_text(out, part)
    # the scratch sheet's own "=B2+B3" text is untouched too
    assert load(out).sheet("Sheet3").value(7, 0) == "=B2+B3"


def test_cells_holding_a_value_keep_it(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    wb = openpyxl.load_workbook(source)
    ws = wb[spec.name]
    row = spec.data_rows[2]
    ws.cell(row, 22).value = "原有备注"  # where 计算类别 would go
    ws.cell(row, 23).border = copy(ws.cell(row, 20).border)  # a styled but empty cell
    wb.save(source)
    plan = rating_plan(spec)
    plan.sheet(spec.name).marks.append(CellMark(row - 1, 30, FILL_ERROR, "空白单元格上的批注"))
    out = annotate(source, plan)
    got = openpyxl.load_workbook(out)[spec.name]
    assert got.cell(row, 22).value == "原有备注"
    assert got.cell(row, 23).value == "中间"
    assert got.cell(row, 21).value == 4
    assert (
        rgb(got.cell(row, 31)) == FILL_ERROR
        and got.cell(row, 31).comment.text == "空白单元格上的批注"
    )


def test_rows_that_do_not_exist_are_created_in_order(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    last = len(spec.rows)  # 0-based: the first row after the sheet's end
    plan = AnnotationPlan()
    sheet = plan.sheet(spec.name)
    sheet.appended.append(
        AppendedColumns(
            first_col=20, header_top=3, header_row=4, headers=["说明"], values={last + 2: ["补充"]}
        )
    )
    sheet.marks.append(CellMark(last + 5, 0, FILL_WARNING, "表尾提示"))
    sheet.row_fills[last] = (0, 2, FILL_OK_COLOR)
    out = annotate(source, plan)
    ws = openpyxl.load_workbook(out)[spec.name]
    assert ws.cell(last + 3, 21).value == "补充"
    assert rgb(ws.cell(last + 6, 1)) == FILL_WARNING
    assert [rgb(ws.cell(last + 1, c)) for c in (1, 2, 3, 4)] == [FILL_OK_COLOR] * 3 + [""]
    numbers = [
        int(n) for n in re.findall(r'<row r="(\d+)"', zip_text(out, "xl/worksheets/sheet1.xml"))
    ]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))


def test_new_sheet_name_taken_gets_a_suffix(tmp_path: Path) -> None:
    taken = SheetSpec(name="汇总", rows=[["上季度汇总"]])
    source, spec = make_ledger(tmp_path, extra=[taken])
    out = annotate(source, rating_plan(spec))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [spec.name, "Sheet3", "汇总", "汇总(2)"]
    assert book["汇总"]["A1"].value == "上季度汇总"
    assert book["汇总(2)"]["A1"].value == "星级分布"
    assert "'汇总(2)'!$A$3:$A$9" in zip_text(out, "xl/charts/chart1.xml")


def test_existing_comments_charts_formats_and_validations_survive(tmp_path: Path) -> None:
    from openpyxl.chart import BarChart as OpenpyxlBarChart
    from openpyxl.chart import Reference
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    source, spec = make_ledger(tmp_path)
    wb = openpyxl.load_workbook(source)
    ws = wb[spec.name]
    first = spec.data_rows[0]
    stars = spec.columns["星级"] + 1
    ws.cell(first, stars).comment = Comment("乡镇自评", "王某某")
    ws.cell(first + 1, 1).comment = Comment("序号核对", "王某某")
    for r in spec.data_rows:
        ws.cell(r, 5).number_format = '0"人"'
    validation = DataValidation(type="list", formula1='"√,×"')
    validation.add(f"J{first}:O{spec.data_rows[-1]}")
    ws.add_data_validation(validation)
    wb.defined_names["打印区域备用"] = DefinedName(
        "打印区域备用", attr_text=f"'{spec.name}'!$A$1:$T$20"
    )
    chart = OpenpyxlBarChart()
    chart.add_data(Reference(ws, min_col=5, min_row=first, max_row=spec.data_rows[-1]))
    ws.add_chart(chart, "AA2")
    wb.save(source)

    out = annotate(source, rating_plan(spec))
    got = openpyxl.load_workbook(out)
    sheet = got[spec.name]
    assert sheet.cell(first, stars).comment.text == "乡镇自评\n自评星级与核算不符：核算为4星"
    assert sheet.cell(first + 1, 1).comment.text == "序号核对"
    assert sheet.cell(first + 1, stars).comment.text == "基本组织：自评与核算不符"
    assert sheet.cell(first, 5).number_format == '0"人"'
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == [
        f"J{first}:O{spec.data_rows[-1]}"
    ]
    assert "打印区域备用" in got.defined_names
    names = zip_names(out)
    assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml"} <= set(names)  # the old chart and ours
    assert zip_text(out, "xl/charts/chart1.xml") == zip_text(source, "xl/charts/chart1.xml")


def test_hidden_sheet_stays_hidden(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    out = annotate(source, rating_plan(spec))
    assert openpyxl.load_workbook(out)["Sheet3"].sheet_state == "hidden"
    assert not load(out).sheet("Sheet3").visible


def _as_xlsm(source: Path) -> Path:
    """The ledger as a macro-enabled workbook (with a stand-in VBA project)."""
    target = source.with_suffix(".xlsm")
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                    b'vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really a VBA project")
    return target


def test_xlsm_written_as_xlsx_drops_the_macros(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    xlsm = _as_xlsm(source)
    assert "macroEnabled" in zip_text(xlsm, "[Content_Types].xml")
    out = annotate(xlsm, rating_plan(spec), "out.xlsx")
    assert "xl/vbaProject.bin" not in zip_names(out)
    types = zip_text(out, "[Content_Types].xml")
    assert "macroEnabled" not in types and "vbaProject" not in types
    assert "spreadsheetml.sheet.main+xml" in types
    assert "vbaProject" not in zip_text(out, "xl/_rels/workbook.xml.rels")
    book = openpyxl.load_workbook(out)
    assert book[spec.name].cell(spec.header_rows[0], 21).value == "计算星级"

    kept = annotate(xlsm, rating_plan(spec), "out.xlsm")
    assert "xl/vbaProject.bin" in zip_names(kept)
    assert "macroEnabled" in zip_text(kept, "[Content_Types].xml")


def test_sheet_with_prefixed_namespace_and_rows_without_refs(tmp_path: Path) -> None:
    """Some tools write <x:row> without r attributes; the patch must still place cells right."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData>"
        '<x:row><x:c t="inlineStr"><x:is><x:t>序号</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>支部</x:t></x:is></x:c></x:row>'
        '<x:row><x:c><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>一支部</x:t></x:is></x:c></x:row>'
        '<x:row><x:c><x:v>2</x:v></x:c><x:c t="inlineStr"><x:is><x:t>二支部</x:t></x:is></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    source = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(source, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    assert load(source).sheet("台账").rows == [["序号", "支部"], [1.0, "一支部"], [2.0, "二支部"]]
    plan = AnnotationPlan()
    p = plan.sheet("台账")
    p.appended.append(
        AppendedColumns(
            first_col=2, header_top=0, header_row=0, headers=["星级"], values={1: [3], 2: ["=x"]}
        )
    )
    p.row_fills[2] = (0, 2, FILL_WARNING)
    p.marks.append(CellMark(1, 0, FILL_ERROR, "核对"))
    out = annotate(source, plan)
    assert load(out).sheet("台账").rows == [
        ["序号", "支部", "星级"],
        [1.0, "一支部", 3.0],
        [2.0, "二支部", "=x"],
    ]
    ws = openpyxl.load_workbook(out)["台账"]
    assert rgb(ws["A2"]) == FILL_ERROR and ws["A2"].comment.text == "核对"
    assert [rgb(ws.cell(3, c)) for c in (1, 2, 3)] == [FILL_WARNING] * 3
    assert ws["C1"].font.b  # no style to copy: branchctl's own header style


# ---------------------------------------------------------------- safety of the output


def test_atomic_output_replaces_on_success_and_cleans_up_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "报告.md"
    target.write_text("旧内容", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        assert (
            tmp.parent == tmp_path and tmp.name.startswith(".~branchctl-") and tmp.suffix == ".tmp"
        )
        tmp.write_text("写了一半", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "旧内容"
    assert os.listdir(tmp_path) == ["报告.md"]

    with atomic_output(target) as tmp:
        tmp.write_text("新内容", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "新内容"
    assert os.listdir(tmp_path) == ["报告.md"]
    assert target.stat().st_mode & 0o044  # readable by others, like any document


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, spec = make_ledger(tmp_path)

    def broken(*args: Any, **kwargs: Any) -> None:
        Path(args[2]).write_bytes(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr("branchctl.io.xlsx.write.patch_xlsx", broken)
    monkeypatch.setattr("branchctl.io.xlsx.write.rebuild_xlsx", broken)
    with pytest.raises(OSError):
        write_annotated(load(source), rating_plan(spec), tmp_path / "out.xlsx")
    assert sorted(os.listdir(tmp_path)) == [source.name]


def test_output_equal_to_input_is_refused(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    before = source.read_bytes()
    for out in (source, tmp_path / "." / source.name):
        with pytest.raises(BranchctlError, match="输出文件不能与输入文件相同"):
            write_annotated(load(source), rating_plan(spec), out)
    link = tmp_path / "链接.xlsx"
    link.symlink_to(source)
    with pytest.raises(BranchctlError, match="输出文件不能与输入文件相同"):
        write_annotated(load(source), rating_plan(spec), link)
    assert source.read_bytes() == before


def test_unknown_sheet_and_wrong_suffix_are_refused(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    plan = AnnotationPlan()
    plan.sheet("不存在的表")
    with pytest.raises(BranchctlError, match="不存在"):
        write_annotated(load(source), plan, tmp_path / "out.xlsx")
    with pytest.raises(BranchctlError, match=".xlsx"):
        write_annotated(load(source), rating_plan(spec), tmp_path / "out.ods")
    assert sorted(os.listdir(tmp_path)) == [source.name]


def test_unpatchable_xlsx_falls_back_to_rebuild_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, spec = make_ledger(tmp_path)

    def unsupported(*args: Any, **kwargs: Any) -> None:
        raise PatchUnsupported("strict OOXML")

    monkeypatch.setattr("branchctl.io.xlsx.write.patch_xlsx", unsupported)
    out = tmp_path / "out.xlsx"
    notes = write_annotated(load(source), rating_plan(spec), out)
    assert notes == [
        "文件“城关镇台账.xlsx”的内部结构较特殊，无法在原格式上批注，批注副本已按数值重建："
        "数值和批注齐全，原有的字体、颜色、列宽和打印设置未保留。"
    ]
    ws = openpyxl.load_workbook(out)[spec.name]
    assert ws.cell(spec.header_rows[0], 21).value == "计算星级"
    assert (
        load(out).sheet(spec.name).rows[: len(spec.rows)][5][:20]
        == load(source).sheet(spec.name).rows[5][:20]
    )


def test_other_patch_failures_are_not_hidden_by_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, spec = make_ledger(tmp_path)
    rebuilt: list[Path] = []

    def buggy(*args: Any, **kwargs: Any) -> None:
        raise ValueError("a bug in the patcher")

    monkeypatch.setattr("branchctl.io.xlsx.write.patch_xlsx", buggy)
    monkeypatch.setattr("branchctl.io.xlsx.write.rebuild_xlsx", lambda *a: rebuilt.append(a[2]))
    with pytest.raises(ValueError, match="a bug in the patcher"):
        write_annotated(load(source), rating_plan(spec), tmp_path / "out.xlsx")
    assert rebuilt == [] and sorted(os.listdir(tmp_path)) == [source.name]


def test_a_patched_copy_has_no_notes(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    assert write_annotated(load(source), rating_plan(spec), tmp_path / "out.xlsx") == []


# ---------------------------------------------------------------- the rebuild writer (.xls, .ods)


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_xls_and_ods_are_rebuilt_with_values_merges_and_plan(tmp_path: Path, suffix: str) -> None:
    source, spec = make_ledger(tmp_path, suffix)
    out = annotate(source, rating_plan(spec))
    original, annotated = load(source), load(out)
    assert [s.name for s in annotated.sheets] == [spec.name, "Sheet3", "汇总"]
    for sheet in original.sheets:
        got = annotated.sheet(sheet.name)
        for r, row in enumerate(sheet.rows):
            assert [_number(v) for v in got.rows[r][: len(row)]] == [_number(v) for v in row], (
                sheet.name,
                r,
            )
    assert not annotated.sheet("Sheet3").visible
    book = openpyxl.load_workbook(out)
    ws = book[spec.name]
    merged = {str(m) for m in ws.merged_cells.ranges}
    top, bottom = spec.header_rows
    assert {f"A{top}:A{bottom}", f"J{top}:O{top}", f"U{top}:U{bottom}"} <= merged  # old and new
    assert [ws.cell(top, 21 + i).value for i in range(5)] == NEW_HEADERS
    assert ws.cell(top, 21).font.b and ws.cell(top, 21).border.left.style == "thin"
    first = spec.data_rows[0]
    assert ws.cell(first, 24).value == "=SUM(A1:A3)" and ws.cell(first, 24).data_type == "s"
    assert rgb(ws.cell(first, 3)) == CATEGORY_FILL
    stars = ws.cell(first, spec.columns["星级"] + 1)
    assert rgb(stars) == FILL_ERROR and stars.comment.text == "自评星级与核算不符：核算为4星"
    assert book["汇总"]["A11"].hyperlink.location == f"'{spec.name}'!C{first}"
    assert book["汇总"].freeze_panes == "A3"
    assert "xl/charts/chart1.xml" in zip_names(out)


def _number(value: Any) -> Any:
    """.xls gives ints where .xlsx gives floats; compare numbers as numbers."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


# ---------------------------------------------------------------- streaming edge cases


def test_tiny_read_chunks_give_the_same_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows, tags and the header rows whose style is copied may straddle the read chunks."""
    from branchctl.io.xlsx import sheet as xlsx_sheet

    source, spec = make_ledger(tmp_path)
    normal = annotate(source, rating_plan(spec), "normal.xlsx")
    monkeypatch.setattr(xlsx_sheet, "_CHUNK", 97)
    tiny = annotate(source, rating_plan(spec), "tiny.xlsx")
    for part in ("xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/comments1.xml"):
        assert zip_text(tiny, part) == zip_text(normal, part)


def test_rated_rows_written_straight_are_the_rows_parsed_cell_by_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rated copy is the same, byte for byte, whether its rows are written straight from the
    results or parsed cell by cell (the way for XML the fast way does not take on)."""
    from branchctl.io.xlsx import sheet as xlsx_sheet
    from branchctl.jobs.rate import rate_file

    branches = sample_branches(60, seed=11)
    for record in branches[::9]:  # a claim the marks do not bear out: a marked cell
        record["星级"] = (record["星级"] + 1) % 7
    spec = classification_sheet(branches)
    source = write_workbook(tmp_path / "城关镇台账.xlsx", [spec, scratch_sheet()])
    straight = rate_file(source, out=tmp_path / "straight.xlsx")
    assert straight.result.summary()["mismatches"] > 0  # marked rows among the plain ones
    setup = xlsx_sheet.SheetPatcher._setup

    def parsed(self: Any, prefix: bytes) -> None:
        setup(self, prefix)
        self.loose_cell = re.compile(b"")  # every block taken as unusual

    monkeypatch.setattr(xlsx_sheet.SheetPatcher, "_setup", parsed)
    rate_file(source, out=tmp_path / "parsed.xlsx")
    with (
        zipfile.ZipFile(tmp_path / "straight.xlsx") as a,
        zipfile.ZipFile(tmp_path / "parsed.xlsx") as b,
    ):
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    ws = openpyxl.load_workbook(tmp_path / "straight.xlsx")[spec.name]
    first = spec.data_rows[0]
    width = max(len(r) for r in spec.rows)
    b = straight.result.branches[0]
    assert [ws.cell(first, width + 1 + i).value for i in range(3)] == [
        b.stars,
        b.category,
        b.level,
    ]


def test_a_sheet_found_damaged_while_copied_gives_a_rebuilt_copy(tmp_path: Path) -> None:
    """The ledger changed on disk after it was read, its sheet now failing its checksum (read
    ahead by another thread): the copy is rebuilt from the values read, with the note."""
    source, spec = make_ledger(tmp_path)
    book = load(source)
    with zipfile.ZipFile(source) as z:
        crc = z.getinfo("xl/worksheets/sheet1.xml").CRC
    data = source.read_bytes()
    stored = crc.to_bytes(4, "little")
    assert data.count(stored) == 2  # the local header and the central directory
    source.write_bytes(data.replace(stored, (crc ^ 1).to_bytes(4, "little")))
    out = tmp_path / "批注.xlsx"
    assert write_annotated(book, rating_plan(spec), out) == [REBUILT_NOTE.format(name=source.name)]
    first = spec.data_rows[0] - 1
    assert load(out).sheet(spec.name).rows[first][: len(spec.rows[first])] == list(
        book.sheet(spec.name).rows[first][: len(spec.rows[first])]
    )


def test_annotating_an_annotated_copy_again(tmp_path: Path) -> None:
    """A rated copy rated again (next quarter): old fills are replaced, values stay."""
    source, spec = make_ledger(tmp_path)
    once = annotate(source, rating_plan(spec), "once.xlsx")
    plan = AnnotationPlan()
    sheet = plan.sheet(spec.name)
    rows = [r - 1 for r in spec.data_rows]
    for i, r in enumerate(rows):  # mixed formats in a row: header-like, filled, plain
        sheet.row_fills[r] = (0, 24, FILL_OK_COLOR if i % 2 else CATEGORY_FILL)
    twice = annotate(once, plan, "twice.xlsx")
    assert load(twice).sheet(spec.name).rows == load(once).sheet(spec.name).rows
    ws = openpyxl.load_workbook(twice)[spec.name]
    for i, r in enumerate(spec.data_rows):
        expected = FILL_OK_COLOR if i % 2 else CATEGORY_FILL
        assert {rgb(ws.cell(r, c)) for c in range(1, 26)} == {expected}
        assert ws.cell(r, 3).border.left.style == "thin"


def test_column_width_ranges_are_split_for_new_columns(tmp_path: Path) -> None:
    source, spec = make_ledger(tmp_path)
    with zipfile.ZipFile(source) as z:
        entries = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(source, "w") as z:  # one <col> for U:AD, as LibreOffice writes
        for info, data in entries:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</cols>", b'<col min="21" max="30" width="11" customWidth="1"/></cols>'
                )
            z.writestr(info, data)
    plan = rating_plan(spec)
    plan.sheet(spec.name).appended[0].widths = [9, 10, 11, 12, 13]
    out = annotate(source, plan)
    cols = re.findall(
        r'<col [^>]*min="(\d+)" max="(\d+)" [^>]*width="([\d.]+)"',
        zip_text(out, "xl/worksheets/sheet1.xml"),
    )
    spans = [(int(a), int(b), float(w)) for a, b, w in cols if int(b) >= 21]
    assert spans == [
        (21, 21, 9),
        (22, 22, 10),
        (23, 23, 11),
        (24, 24, 12),
        (25, 25, 13),
        (26, 30, 11),
    ]


@given(st.data())
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_plans_keep_values_and_place_everything(
    tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    """Whatever the plan, however the XML is chunked, and with either writer: original values
    stay, new ones land where no value was, fills and comments go where they were asked."""
    from branchctl.io.xlsx import sheet as xlsx_sheet

    height, width = data.draw(st.integers(2, 9)), data.draw(st.integers(1, 6))
    value = st.one_of(
        st.none(),
        st.integers(-5, 99),
        st.sampled_from(["√", "×", "=A1", " 空格 ", "a&b<c>", "_x0041_"]),
    )
    grid = [[data.draw(value) for _ in range(width)] for _ in range(height)]
    folder = tmp_path_factory.mktemp("random")
    source = folder / "台账.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "台账"
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v is not None:
                cell = ws.cell(r + 1, c + 1, v)
                cell.data_type = "s" if isinstance(v, str) else "n"
                cell.font = openpyxl.styles.Font(bold=(r + c) % 2 == 0)
    book.save(source)

    plan = AnnotationPlan()
    sheet = plan.sheet("台账")
    first_col = data.draw(st.integers(0, width + 1))
    header_row = data.draw(st.integers(0, 1))
    headers = data.draw(
        st.lists(st.sampled_from(["星级", "=类别", "核对"]), min_size=1, max_size=3)
    )
    new_value = st.one_of(
        st.none(), st.integers(0, 6), st.sampled_from(["加强指导", "=x", "示范点 "])
    )
    value_rows = data.draw(st.sets(st.integers(header_row + 1, height + 2), max_size=6))
    values = {r: [data.draw(new_value) for _ in headers] for r in value_rows}
    keyed = data.draw(st.booleans())  # made per row as written, alike rows' cells made once
    group_values = RowValues(values, list, lambda v: (*v, *map(type, v))) if keyed else values
    sheet.appended.append(
        AppendedColumns(first_col, 0, header_row, headers, group_values, style_from=(0, 0))
    )
    for r in data.draw(st.sets(st.integers(0, height + 2), max_size=4)):
        c1 = data.draw(st.integers(0, width + 2))
        sheet.row_fills[r] = (c1, data.draw(st.integers(c1, width + 4)), CATEGORY_FILL)
    cells = st.tuples(st.integers(0, height + 3), st.integers(0, width + 4))
    for r, c in data.draw(st.lists(cells, max_size=5)):
        sheet.marks.append(
            CellMark(r, c, data.draw(st.sampled_from([FILL_ERROR, FILL_WARNING])), f"第{r + 1}行")
        )

    chunk = data.draw(st.sampled_from([13, 64, 1 << 22, 0]))  # 0: the rebuild writer
    original_chunk = xlsx_sheet._CHUNK
    xlsx_sheet._CHUNK = chunk
    try:
        if chunk:
            out = annotate(source, plan)
        else:
            out = folder / "rebuilt.xlsx"
            rebuild_xlsx(load(source), plan, out)
    finally:
        xlsx_sheet._CHUNK = original_chunk

    before = load(source).sheet("台账").rows  # as read: openpyxl writes "_x0041_" unescaped
    expected = {(r, c): v for r, row in enumerate(before) for c, v in enumerate(row) if v != ""}
    for i, text in enumerate(headers):
        col = first_col + i
        # merged over the header rows (text at the top) unless that would hide a value
        merged = header_row > 0 and not any((r, col) in expected for r in range(header_row + 1))
        expected.setdefault((0 if merged else header_row, col), text)
    for r, row_values in values.items():
        for i, v in enumerate(row_values):
            if v is not None and v != "":
                expected.setdefault((r, first_col + i), v)
    got = load(out).sheet("台账")
    found = {(r, c): v for r, row in enumerate(got.rows) for c, v in enumerate(row) if v != ""}
    assert {k: _number(v) for k, v in found.items()} == {k: _number(v) for k, v in expected.items()}

    fills: dict[tuple[int, int], str] = {}
    for r, (c1, c2, color) in sheet.row_fills.items():
        fills.update({(r, c): color for c in range(c1, c2 + 1)})
    marked: dict[tuple[int, int], str] = {}
    comments: dict[tuple[int, int], list[str]] = {}
    for m in sheet.marks:
        if marked.get((m.row, m.col)) != FILL_ERROR:
            marked[(m.row, m.col)] = m.fill
        comments.setdefault((m.row, m.col), []).append(m.comment or "")
    fills.update(marked)
    result = openpyxl.load_workbook(out)["台账"]
    # openpyxl reads no format and drops comments inside merged ranges (but the top-left cell)
    covered = {(r - 1, c - 1) for m in result.merged_cells.ranges for r, c in list(m.cells)[1:]}
    for (r, c), color in fills.items():
        if (r, c) not in covered:
            assert rgb(result.cell(r + 1, c + 1)) == color, (r, c)
    for (r, c), texts in comments.items():
        if (r, c) not in covered:
            assert result.cell(r + 1, c + 1).comment.text == "\n".join(texts)
    with zipfile.ZipFile(out) as z:
        names = [n for n in z.namelist() if n.startswith("xl/comments")]
        xml = z.read(names[0]).decode() if names else ""
    assert sorted(re.findall(r'<comment ref="([A-Z]+\d+)"', xml)) == sorted(
        f"{chr(65 + c)}{r + 1}" for r, c in comments
    )
