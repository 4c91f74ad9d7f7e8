"""The Word layout of notices (GB/T 9704), checked in the .docx itself with python-docx."""

from __future__ import annotations

import zipfile

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from branchctl.documents.docx_render import DocxRenderer

NOTICE = """\
> 示组通〔2025〕12号

# 关于2025年第二季度党支部评星定级情况的通报

各乡镇（街道）党（工）委：

按照党支部标准化建设工作安排，现将有关情况通报如下。

## 一、总体情况

本次共评定党支部**60**个，达标率13.3%。

### （一）抓好问题整改。

| 所属党组织 | 支部数 | 6星 |
|:---|:---:|---:|
| 城关镇党委 | 12 | 3 |
| 合计 | 12 | 3 |

> 中共示例县委组织部
>
> 2025年7月1日
"""


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "通报.docx"
    DocxRenderer().write(NOTICE, path, title="通报")
    return Document(str(path)), path


def _fonts(el) -> dict[str, str]:
    rfonts = el.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    assert rfonts is not None
    return {k.split("}")[1]: v for k, v in rfonts.attrib.items()}


def _style(d, name):
    return d.styles[name]


def test_page_is_a4_with_official_margins(doc):
    d, _ = doc
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [
        round(x.mm) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
    ] == [37, 35, 28, 26]


def test_body_is_fangsong_16pt_with_exact_lines_and_two_character_indent(doc):
    d, _ = doc
    normal = _style(d, "Normal")
    assert normal.font.size == Pt(16)
    fonts = _fonts(normal.element)
    assert fonts["eastAsia"] == fonts["ascii"] == fonts["hAnsi"] == "仿宋_GB2312"
    assert not any(k.endswith("Theme") or k == "cstheme" for k in fonts)
    pf = normal.paragraph_format
    assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert abs(pf.line_spacing.pt - 28.9) < 0.1
    assert pf.first_line_indent == Pt(32)
    ind = normal.element.find(f"{qn('w:pPr')}/{qn('w:ind')}")
    assert ind.get(qn("w:firstLineChars")) == "200"


def test_title_and_headings_use_the_official_fonts(doc):
    d, _ = doc
    expected = {
        "Title": ("方正小标宋简体", 22, WD_ALIGN_PARAGRAPH.CENTER),
        "Heading 1": ("黑体", 16, None),
        "Heading 2": ("楷体_GB2312", 16, None),
    }
    for name, (font, size, align) in expected.items():
        style = _style(d, name)
        assert _fonts(style.element)["eastAsia"] == font, name
        assert style.font.size == Pt(size), name
        if align is not None:
            assert style.paragraph_format.alignment == align
        color = style.element.find(f"{qn('w:rPr')}/{qn('w:color')}")
        assert color is None or color.get(qn("w:val")) == "000000"
    paragraphs = d.paragraphs
    title = next(p for p in paragraphs if p.style.name == "Title")
    assert title.text == "关于2025年第二季度党支部评星定级情况的通报"
    assert [p.text for p in paragraphs if p.style.name == "Heading 1"] == ["一、总体情况"]
    assert [p.text for p in paragraphs if p.style.name == "Heading 2"] == ["（一）抓好问题整改。"]


def test_no_theme_fonts_remain_and_fallbacks_are_declared(doc):
    _, path = doc
    with zipfile.ZipFile(path) as z:
        styles = z.read("word/styles.xml").decode()
        fonts = z.read("word/fontTable.xml").decode()
        names = z.namelist()
    assert "asciiTheme" not in styles and "eastAsiaTheme" not in styles
    assert 'w:eastAsia="zh-CN"' in styles
    for name, fallback in (
        ("方正小标宋简体", "宋体"),
        ("仿宋_GB2312", "仿宋"),
        ("楷体_GB2312", "楷体"),
    ):
        assert f'w:name="{name}"><w:altName w:val="{fallback}"/>' in fonts
    assert not any("thumbnail" in n or "stylesWithEffects" in n for n in names)


def test_addressee_body_and_closing(doc):
    d, _ = doc
    by_text = {p.text: p for p in d.paragraphs}
    assert by_text["各乡镇（街道）党（工）委："].style.name == "主送机关"
    body = by_text["按照党支部标准化建设工作安排，现将有关情况通报如下。"]
    assert body.style.name == "Normal"
    bold = by_text["本次共评定党支部60个，达标率13.3%。"]
    assert [r.bold for r in bold.runs] == [None, True, None]
    for text in ("示组通〔2025〕12号", "中共示例县委组织部", "2025年7月1日"):
        p = by_text[text]
        assert p.style.name == "落款"
        assert p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # a blank line between the text and the signature, none above the 文号
    assert by_text["中共示例县委组织部"].paragraph_format.space_before == Pt(28.9)
    assert by_text["示组通〔2025〕12号"].paragraph_format.space_before is None
    # the signature never stands alone on a page: the table's last row keeps with it
    assert by_text["中共示例县委组织部"].paragraph_format.keep_with_next
    last_row = d.tables[0].rows[-1].cells[-1].paragraphs[0]
    assert last_row.paragraph_format.keep_with_next


def test_table_has_borders_bold_repeated_header_and_alignment(doc):
    d, _ = doc
    (table,) = d.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["所属党组织", "支部数", "6星"],
        ["城关镇党委", "12", "3"],
        ["合计", "12", "3"],
    ]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {el.tag.split("}")[1]: el.get(qn("w:val")) for el in borders} == {
        e: "single" for e in ("top", "left", "bottom", "right", "insideH", "insideV")
    }
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r.bold for c in header.cells for r in c.paragraphs[0].runs)
    assert header.cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = table.rows[1].cells
    assert body[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert body[2].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    cell_style = body[0].paragraphs[0].style
    assert cell_style.name == "表格文字" and cell_style.font.size == Pt(12)
    assert cell_style.paragraph_format.first_line_indent == Pt(0)
    widths = [c.width for c in table.columns]
    assert sum(widths) <= Mm(156) and min(widths) > Mm(10)


def test_page_numbers_are_a_page_field_in_songti_with_dashes(doc):
    d, _ = doc
    assert d.settings.odd_and_even_pages_header_footer
    s = d.sections[0]
    for footer, align in (
        (s.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert 'fldCharType="begin"' in xml and "> PAGE <" in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.alignment == align
        assert p.style.name == "页码" and p.style.font.size == Pt(14)
        assert _fonts(p.style.element)["eastAsia"] == "宋体"


def test_thematic_break_starts_a_new_section_with_page_numbers_from_one(tmp_path):
    path = tmp_path / "两份.docx"
    DocxRenderer().write("# 甲\n\n正文。\n\n---\n\n# 乙\n\n正文。\n", path)
    d = Document(str(path))
    assert len(d.sections) == 2
    for sect_pr in d.element.body.iter(qn("w:sectPr")):
        assert sect_pr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        assert sect_pr.find(qn("w:footerReference")) is not None
    assert [p.text for p in d.paragraphs if p.style.name == "Title"] == ["甲", "乙"]


def test_renderer_is_reusable_without_leftovers(tmp_path):
    renderer = DocxRenderer()
    renderer.write("# 一\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n正文", tmp_path / "1.docx")
    renderer.write("# 二\n\n只有一段。", tmp_path / "2.docx")
    d = Document(str(tmp_path / "2.docx"))
    assert [p.text for p in d.paragraphs] == ["二", "只有一段。"]
    assert not d.tables and len(d.sections) == 1
    assert d.sections[0].footer.paragraphs[0].text == "— 1 —"


def test_lists_softbreaks_and_emphasis(tmp_path):
    md = "正文第一行\n接着第二行 and\nmore。\n\n1. 甲\n2. 乙\n\n- 丙\n\n*强调*\n"
    path = tmp_path / "x.docx"
    DocxRenderer().write(md, path)
    texts = [p.text for p in Document(str(path)).paragraphs]
    assert texts == ["正文第一行接着第二行 and more。", "1．甲", "2．乙", "• 丙", "强调"]
    em = Document(str(path)).paragraphs[-1].runs[0]
    assert _fonts(em._r)["eastAsia"] == "楷体_GB2312"
