"""The Word layout of notices (GB/T 9704), checked in the .docx itself with python-docx."""

from __future__ import annotations

import zipfile

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from branchctl.documents.docx_layout import closing_indents, text_width, title_breaks
from branchctl.documents.docx_render import DocxRenderer

NOTICE = """\
> 中共示例县委组织部文件
>
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
    title = [p for p in paragraphs if p.style.name == "Title"][-1]  # after the letterhead's mark
    assert title.text == "关于2025年第二季度党支部评星定级\n情况的通报"
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
    for text in ("中共示例县委组织部", "2025年7月1日"):
        p = by_text[text]
        assert p.style.name == "落款"
        assert p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # two blank lines between the text and the signature: room for the seal (§7.3.5.1)
    assert by_text["中共示例县委组织部"].paragraph_format.space_before == Pt(28.9 * 2)
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


# ------------------------------------------------------------------ GB/T 9704, rule by rule

CHAR = 16  # points: one character of 3号


def _paragraph(d, text):
    return next(p for p in d.paragraphs if p.text == text)


def _right_indent_chars(p) -> float:
    return p.paragraph_format.right_indent.pt / CHAR


def test_letterhead_mark_red_and_centred_number_centred_under_it_red_rule_below(doc):
    """§7.2.3–7.2.6: 发文机关标志 35 mm below the type area, red, centred; 发文字号 two lines
    below it, centred; a red rule as wide as the type area under it; the title two lines
    below the rule."""
    d, _ = doc
    paragraphs = d.paragraphs
    mark, number, title = paragraphs[0], paragraphs[1], paragraphs[2]
    assert mark.text == "中共示例县委组织部文件"
    assert mark.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert abs(mark.paragraph_format.space_before - Mm(35)) < Mm(0.1)
    assert {str(r.font.color.rgb) for r in mark.runs} == {"FF0000"}
    assert _fonts(mark.style.element)["eastAsia"] == "方正小标宋简体"
    assert all(r.font.size <= Pt(36) for r in mark.runs)
    assert number.text == "示组通〔2025〕12号"
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number.paragraph_format.space_before == Pt(28.9 * 2)
    rule = number._p.pPr.find(f"{qn('w:pBdr')}/{qn('w:bottom')}")
    assert rule.get(qn("w:val")) == "single" and rule.get(qn("w:color")) == "FF0000"
    assert number.paragraph_format.left_indent in (None, 0)
    assert number.paragraph_format.right_indent in (None, 0)
    assert title.style.name == "Title"
    assert title.paragraph_format.space_before == Pt(28.9 * 2)


def test_a_number_without_a_letterhead_is_centred_not_right_aligned(tmp_path):
    path = tmp_path / "x.docx"
    DocxRenderer().write("> 示组通〔2025〕12号\n\n# 通报\n\n正文。\n", path)
    number = Document(str(path)).paragraphs[0]
    assert number.text == "示组通〔2025〕12号"
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number._p.pPr.find(qn("w:pBdr")) is None  # no rule: there is no letterhead


def test_sealed_signature_centred_over_a_date_four_characters_in(doc):
    """§7.3.5.1: 成文日期右空四字; 发文机关署名以成文日期为准居中."""
    d, _ = doc
    name, date = _paragraph(d, "中共示例县委组织部"), _paragraph(d, "2025年7月1日")
    assert _right_indent_chars(date) == 4
    # the middles of the two lines stand at the same place
    name_middle = _right_indent_chars(name) + text_width(name.text) / 2
    date_middle = _right_indent_chars(date) + text_width(date.text) / 2
    assert name_middle == date_middle == 4 + 6 / 2  # 2025年7月1日 is six characters wide
    # no extra space between Chinese and digits, so the date is as wide as counted
    style = name.style.element.pPr
    assert style.find(qn("w:autoSpaceDE")).get(qn("w:val")) == "0"
    assert style.find(qn("w:autoSpaceDN")).get(qn("w:val")) == "0"


@pytest.mark.parametrize(
    ("name", "date"),
    [("中共示例县委组织部", "2025年7月1日"), ("城关镇党委", "2025年12月31日")],
)
def test_unsealed_signature_two_characters_in_and_date_two_characters_right(tmp_path, name, date):
    """§7.3.5.2: 署名右空二字; 日期首字比署名首字右移二字; a date longer than the name is
    set two characters in and the name moves left to keep the two characters."""
    path = tmp_path / "x.docx"
    DocxRenderer(sealed=False).write(f"# 通报\n\n正文。\n\n> {name}\n>\n> {date}\n", path)
    d = Document(str(path))
    n, t = _paragraph(d, name), _paragraph(d, date)
    name_start = _right_indent_chars(n) + text_width(name)  # from the right margin
    date_start = _right_indent_chars(t) + text_width(date)
    assert name_start - date_start == 2
    if text_width(date) > text_width(name):
        assert _right_indent_chars(t) == 2
    else:
        assert _right_indent_chars(n) == 2
    assert n.paragraph_format.space_before == Pt(28.9)  # 正文下空一行


def test_closing_indents_follow_the_standard():
    # sealed: the date 4 in, the name centred over it (negative space is never asked for)
    assert closing_indents(["中共示例县委组织部"], "2025年7月1日") == ([2.5], 4.0)
    wide = "中共示例县委组织部机关党支部委员会"
    assert closing_indents([wide], "2025年7月1日")[0] == [0.0]
    # unsealed
    assert closing_indents(["中共示例县委组织部"], "2025年7月1日", sealed=False) == ([2.0], 3.0)
    assert closing_indents(["党委"], "2025年12月31日", sealed=False) == ([9.0], 2.0)


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        (
            "关于2025年第二季度党支部评星定级情况的通报",
            ["关于2025年第二季度党支部评星定级", "情况的通报"],
        ),
        (
            "关于2025年第二季度党支部标准化建设达标党支部拟命名名单的公示",
            ["关于2025年第二季度党支部标准化建设", "达标党支部拟命名名单的公示"],
        ),
        (
            "关于城关镇党委党支部标准化建设报表的退回修改意见",
            ["关于城关镇党委党支部标准化建设", "报表的退回修改意见"],
        ),
        ("党支部标准化建设整改通知书", ["党支部标准化建设整改通知书"]),
    ],
)
def test_titles_break_where_a_word_ends(title, lines):
    """§7.3.1: 回行时词意完整 — never "…情况的 / 通报", the kind of document never alone."""
    offsets = title_breaks(title, 156 / 25.4 * 72 / 22)  # 2号 characters on a line
    bounds = [0, *offsets, len(title)]
    assert [title[a:b] for a, b in zip(bounds, bounds[1:], strict=False)] == lines
    for line in lines:
        assert text_width(line) <= 20


def test_title_line_break_is_in_the_document(doc):
    d, _ = doc
    title = [p for p in d.paragraphs if p.style.name == "Title"][-1]
    runs = title._p.findall(qn("w:r"))
    children = [el.tag.split("}")[1] for r in runs for el in r if el.tag != qn("w:rPr")]
    assert children == ["t", "br", "t"]
    texts = [el.text for r in runs for el in r if el.tag == qn("w:t")]
    assert texts == ["关于2025年第二季度党支部评星定级", "情况的通报"]


def test_every_notice_after_a_break_starts_on_an_odd_page(tmp_path):
    path = tmp_path / "三份.docx"
    DocxRenderer().write("# 甲\n\n正文。\n\n---\n\n# 乙\n\n正文。\n\n---\n\n# 丙\n\n正文。\n", path)
    sections = list(Document(str(path)).element.body.iter(qn("w:sectPr")))
    assert len(sections) == 3
    for sect_pr in sections:
        assert sect_pr.find(qn("w:type")).get(qn("w:val")) == "oddPage"


def test_control_characters_and_long_titles_make_a_valid_document(tmp_path):
    name = "张村\x01党支部\x0b" + "很长" * 200
    path = tmp_path / "x.docx"
    DocxRenderer().write(f"# {name}\n\n{name}：\n\n| a |\n|---|\n| {name} |\n", path, title=name)
    d = Document(str(path))
    assert d.core_properties.title == ("张村 党支部 " + "很长" * 200)[:255]
    assert d.paragraphs[0].text.startswith("张村党支部")
    assert "\x01" not in d.tables[0].rows[1].cells[0].text
