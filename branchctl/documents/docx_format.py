"""The official document format (党政机关公文格式, GB/T 9704-2012) as a python-docx base document.

Page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm. Styles: title 2号 (22 pt)
方正小标宋简体 centred; body 3号 (16 pt) 仿宋_GB2312, first line indented two characters, lines
exactly 28.9 pt (22 a page); headings 3号 黑体, 楷体_GB2312 and bold 仿宋; 主送机关 flush left;
落款 right-aligned; table text 小四. Page numbers ``— 1 —`` in 4号 宋体 at the foot, odd pages
right and even pages left, one character in from the edge.

Fonts are named for East Asian text (``w:eastAsia``) as well as Latin in every style, with no
theme font left to override them, and the font table gives each a fallback (``w:altName``:
方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 黑体 → SimHei) that Word uses
where the first font is not installed.
"""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

# Fonts: (name, fallback Word uses when the first is not installed).
TITLE_FONT = ("方正小标宋简体", "宋体")
BODY_FONT = ("仿宋_GB2312", "仿宋")
HEADING1_FONT = ("黑体", "SimHei")
HEADING2_FONT = ("楷体_GB2312", "楷体")
PAGE_NUMBER_FONT = ("宋体", "SimSun")
FONT_FALLBACKS = dict([TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, PAGE_NUMBER_FONT])

TITLE_SIZE = Pt(22)  # 2号
BODY_SIZE = Pt(16)  # 3号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(12)  # 小四
SMALL_TABLE_SIZE = Pt(10.5)  # 五号, for tables too wide for 小四
LINE_SPACING = Pt(28.9)  # 22 lines on the 225 mm type area
TITLE_LINE_SPACING = Pt(36)
INDENT = Pt(32)  # two characters of 3号

MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TEXT_WIDTH = PAGE_WIDTH - MARGINS["left"] - MARGINS["right"]

# The styles the renderer uses (by name; the renderer looks their ids up once).
STYLE_NAMES = {
    "title": "Title",
    "h1": "Heading 1",
    "h2": "Heading 2",
    "h3": "Heading 3",
    "body": "Normal",
    "addressee": "主送机关",
    "closing": "落款",
    "table": "表格文字",
    "page": "页码",
}
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rpr: Any, name: str) -> None:
    """Name ``name`` for every script, East Asian included; no theme font can override it."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _reset_style(style: Any) -> None:
    for tag in ("w:pPr", "w:rPr"):
        for el in style.element.findall(qn(tag)):
            style.element.remove(el)


def _paragraph_style(
    doc: DocumentObject,
    name: str,
    font: tuple[str, str],
    size: Any,
    *,
    bold: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: Any = INDENT,
    line: Any = LINE_SPACING,
    outline: int | None = None,
    keep_next: bool = False,
) -> None:
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.quick_style = True
    _reset_style(style)
    f = style.font
    f.size = size
    f.bold = bold
    f.italic = False
    set_fonts(style.element.get_or_add_rPr(), font[0])
    pf = style.paragraph_format
    pf.alignment = align
    pf.first_line_indent = indent or Pt(0)
    pf.left_indent = Pt(0)
    pf.right_indent = Pt(0)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = False
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
    if keep_next:
        pf.keep_with_next = True
    ppr = style.element.get_or_add_pPr()
    # also in characters (which take precedence in Word): two characters, or none
    ind = ppr.find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), "200" if indent else "0")
    if outline is not None:
        lvl = OxmlElement("w:outlineLvl")
        lvl.set(qn("w:val"), str(outline))
        ppr.append(lvl)


def _no_autospace(ppr: Any) -> None:
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        ppr.insert_element_before(el, *_AFTER_PBDR[_AFTER_PBDR.index(tag) + 1 :])


def _doc_defaults(doc: DocumentObject) -> None:
    root = doc.styles.element
    rpr = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is not None:
        set_fonts(rpr, BODY_FONT[0])
        lang = rpr.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is not None:
                el.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))
    ppr = root.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}")
    if ppr is not None:
        for el in list(ppr):
            ppr.remove(el)
    # any style left that still names a theme font would override the fonts set above
    for fonts in root.iter(qn("w:rFonts")):
        for attr in _THEME_ATTRS:
            fonts.attrib.pop(qn(attr), None)
    for color in root.iter(qn("w:color")):
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attr), None)
        color.set(qn("w:val"), "000000")


# The styles a notice uses; python-docx's template carries 160 more (table styles mostly), which
# made styles.xml 330 KB: compressing it again for every one of a thousand notices was the
# largest cost of a batch, and Word lists the styles a document actually offers.
KEEP_STYLES = frozenset(
    {"Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Header", "Footer",
     "Default Paragraph Font", "Normal Table", "No List", "Table Grid", *STYLE_NAMES.values()}
)  # fmt: skip


def _prune_styles(doc: DocumentObject) -> None:
    root = doc.styles.element
    keep = {name.lower() for name in KEEP_STYLES}  # styles.xml spells some lower-case
    kept: set[str] = set()
    for style in root.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None and name.get(qn("w:val"), "").lower() in keep:
            kept.add(style.get(qn("w:styleId")))
        else:
            root.remove(style)
    for style in root.findall(qn("w:style")):
        for tag in ("w:link", "w:next", "w:basedOn"):
            ref = style.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) not in kept:
                style.remove(ref)


def _font_table(doc: DocumentObject) -> None:
    """Declare each font with its fallback (``w:altName``) and the GB2312 character set."""
    part = next(
        p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"
    )
    root = etree.fromstring(part.blob)
    for name, fallback in FONT_FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", fallback), ("w:charset", "86"), ("w:family", "modern")):
            el = etree.SubElement(font, qn(tag))
            el.set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_leftovers(doc: DocumentObject) -> None:
    """The default template's thumbnail (a blank page) and Word 2010 style copy (theme fonts)."""
    for rels in (doc.part.package.rels, doc.part.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(("/thumbnail", "/stylesWithEffects")):
                del rels[rid]


def _page_number(paragraph: Paragraph, odd: bool) -> None:
    paragraph.style = STYLE_NAMES["page"]
    pf = paragraph.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:  # 单页码居右空一字，双页码居左空一字
        pf.right_indent = PAGE_NUMBER_SIZE
    else:
        pf.left_indent = PAGE_NUMBER_SIZE
    p = paragraph._p
    p.append(_run("— "))
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        r = OxmlElement("w:r")
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            r.append(t)
        p.append(r)
    p.append(_run(" —"))


def _run(text: str) -> Any:
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def base_document() -> DocumentObject:
    """An empty document with the page, styles, fonts and page numbers of the official format."""
    doc = Document()
    _drop_leftovers(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance = Mm(15)
    section.footer_distance = Mm(22)  # the page number's dash 7 mm below the type area
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    section._sectPr.insert(section._sectPr.index(section._sectPr.find(qn("w:pgMar"))) + 1, pg)

    _doc_defaults(doc)
    _paragraph_style(doc, STYLE_NAMES["body"], BODY_FONT, BODY_SIZE)
    _paragraph_style(
        doc, STYLE_NAMES["title"], TITLE_FONT, TITLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, line=TITLE_LINE_SPACING,
    )  # fmt: skip
    doc.styles[STYLE_NAMES["title"]].paragraph_format.space_after = LINE_SPACING
    for key, font, bold, level in (
        ("h1", HEADING1_FONT, False, 0),
        ("h2", HEADING2_FONT, False, 1),
        ("h3", BODY_FONT, True, 2),
    ):
        _paragraph_style(
            doc, STYLE_NAMES[key], font, BODY_SIZE, bold=bold, outline=level, keep_next=True
        )
    _paragraph_style(doc, STYLE_NAMES["addressee"], BODY_FONT, BODY_SIZE, indent=None)
    _paragraph_style(
        doc,
        STYLE_NAMES["closing"],
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent=None,
    )
    doc.styles[STYLE_NAMES["closing"]].paragraph_format.right_indent = INDENT
    # no extra space between Chinese and digits in the signature block: the date's width is
    # what places the name over it (GB/T 9704 §7.3.5)
    _no_autospace(doc.styles[STYLE_NAMES["closing"]].element.get_or_add_pPr())
    _paragraph_style(
        doc,
        STYLE_NAMES["table"],
        BODY_FONT,
        TABLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        indent=None,
        line=None,
    )
    _paragraph_style(
        doc, STYLE_NAMES["page"], PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE, indent=None, line=None
    )
    _font_table(doc)
    _prune_styles(doc)

    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)
    return doc


# ------------------------------------------------------------------------------ 版头


def letterhead_mark(paragraph: Paragraph, size: Any, top: Any, color: str) -> None:
    """The issuing body's mark (发文机关标志): centred, red, 小标宋, ``top`` below the type area."""
    pf = paragraph.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf.space_before = top
    pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(size.pt * 1.15)
    pf.keep_with_next = True
    for run in paragraph.runs:
        run.font.size = size
        run.font.color.rgb = RGBColor.from_string(color)
        run.font.bold = False


def red_rule_below(paragraph: Paragraph, color: str, eighths: int, gap_pt: int) -> None:
    """A rule as wide as the type area under ``paragraph`` (版头中的分隔线), ``gap_pt`` below it."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(eighths))
    bottom.set(qn("w:space"), str(gap_pt))
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    ppr.insert_element_before(borders, *_AFTER_PBDR)


# What follows w:pBdr in a paragraph's properties (CT_PPr), so it is inserted in schema order.
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
