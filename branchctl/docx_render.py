"""Markdown to Word in the official document format (党政机关公文格式, GB/T 9704-2012).

The Markdown is parsed by markdown-it-py and laid out with python-docx:

====================  =======================================================================
Markdown              Word
====================  =======================================================================
``# 标题``            title: 2号 (22 pt) 方正小标宋简体, centred
``## 一、…``          first-level heading: 3号 黑体
``### （一）…``       second-level heading: 3号 楷体_GB2312
``#### 1．…``         third-level heading: 3号 仿宋_GB2312, bold
paragraph             body: 3号 仿宋_GB2312, first line indented two characters, 28.9 pt lines
paragraph ending “：”  the addressee (主送机关) when it comes first: not indented
``> …`` (quote)       right-aligned: 文号 at the top, signature (发文机关) and date at the end
table                 bordered, bold header row repeated on each page, 小四 仿宋
``---``               a new page with page numbers starting again at 1 (one notice after another)
``**…**`` / ``*…*``   bold / 楷体
====================  =======================================================================

Page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; page numbers ``— 1 —`` in
4号 宋体 at the foot, odd pages right and even pages left. Fonts are set for East Asian text
(``w:eastAsia``) in every style, theme fonts are removed, and the font table names a fallback
for each (方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 黑体 → SimHei) that Word
uses where the first font is not installed.

:class:`DocxRenderer` builds the styled base document once and reuses it for every notice.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
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
LINE_SPACING = Pt(28.9)  # 22 lines on the 225 mm type area
TITLE_LINE_SPACING = Pt(36)
INDENT = Pt(32)  # two characters of 3号

MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TEXT_WIDTH = PAGE_WIDTH - MARGINS["left"] - MARGINS["right"]

# Style ids (w:styleId) of the styles the renderer uses.
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
_ASCII = re.compile(r"[\x00-\x7f]")


# ------------------------------------------------------------------------------ base document


def _set_fonts(rpr: Any, name: str) -> None:
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
    _set_fonts(style.element.get_or_add_rPr(), font[0])
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


def _doc_defaults(doc: DocumentObject) -> None:
    root = doc.styles.element
    rpr = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is not None:
        _set_fonts(rpr, BODY_FONT[0])
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

    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)
    return doc


# ------------------------------------------------------------------------------ rendering


class DocxRenderer:
    """Lays out Markdown in the official format; one instance renders many documents."""

    def __init__(self) -> None:
        from markdown_it import MarkdownIt

        self.md = MarkdownIt("commonmark", {"html": False}).enable("table")
        self.doc = base_document()
        body = self.doc.element.body
        self._sect_pr = copy.deepcopy(body.find(qn("w:sectPr")))
        # style ids looked up once: python-docx's by-name lookup scans every style each time
        self.style_ids = {key: self.doc.styles[name].style_id for key, name in STYLE_NAMES.items()}

    def render(self, markdown: str, title: str | None = None) -> DocumentObject:
        """Replace the document's content with ``markdown`` laid out; return the document."""
        body = self.doc.element.body
        for child in list(body):
            body.remove(child)
        body.append(copy.deepcopy(self._sect_pr))
        _Builder(self, self.md.parse(markdown)).build()
        props = self.doc.core_properties
        props.title = title or ""
        props.author = "branchctl"
        return self.doc

    def write(self, markdown: str, path: str | Path, title: str | None = None) -> None:
        self.render(markdown, title).save(str(path))

    def to_bytes(self, markdown: str, title: str | None = None) -> bytes:
        buf = io.BytesIO()
        self.render(markdown, title).save(buf)
        return buf.getvalue()


class _Builder:
    """One pass over markdown-it's token stream, adding paragraphs and tables to the body."""

    def __init__(self, renderer: DocxRenderer, tokens: Sequence[Any]) -> None:
        self.r = renderer
        self.doc = renderer.doc
        self.body = renderer.doc.element.body
        self.tokens = tokens
        self.lists: list[list[Any]] = []  # stack of [ordered, next number]
        self.quote = 0
        self.started = False  # a block has been written
        self.body_started = False  # a body paragraph or heading has been written
        self.new_page = False

    def build(self) -> None:
        tokens = self.tokens
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            kind = tok.type
            if kind == "heading_open":
                self._heading(tok, tokens[i + 1])
                i += 3
                continue
            if kind == "paragraph_open":
                self._paragraph(tokens[i + 1])
                i += 3
                continue
            if kind == "table_open":
                i = self._table(i)
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                start = int(tok.attrGet("start") or 1) if kind == "ordered_list_open" else 0
                self.lists.append([kind == "ordered_list_open", start])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "blockquote_open":
                self.quote += 1
                self._quote_spacing = self.body_started
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind == "hr":
                self._page_break()
            elif kind in ("fence", "code_block"):
                for line in tok.content.rstrip("\n").split("\n"):
                    p = self._new_paragraph("addressee")
                    p.add_run(line)
            i += 1

    # -- blocks

    def _new_paragraph(self, style: str) -> Paragraph:
        p_el = _styled_p(self.r.style_ids[style])
        self.body.sectPr.addprevious(p_el)
        p = Paragraph(p_el, self.doc._body)
        if self.new_page:
            self._section_break_before(p)
            self.new_page = False
        self.started = True
        return p

    def _heading(self, open_tok: Any, inline: Any) -> None:
        level = int(open_tok.tag[1])
        style = "title" if level == 1 else "h1" if level == 2 else "h2" if level == 3 else "h3"
        p = self._new_paragraph(style)
        self._inline(p, inline.children or [])
        if level > 1:
            self.body_started = True

    def _paragraph(self, inline: Any) -> None:
        children = inline.children or []
        if self.quote:
            p = self._new_paragraph("closing")
            if getattr(self, "_quote_spacing", False):
                p.paragraph_format.space_before = LINE_SPACING
                self._quote_spacing = False
        elif self.lists:
            p = self._new_paragraph("body")
            ordered, number = self.lists[-1]
            marker = f"{number}．" if ordered else "• "
            if ordered:
                self.lists[-1][1] += 1
            if len(self.lists) > 1:
                p.paragraph_format.left_indent = INDENT * (len(self.lists) - 1)
            p.add_run(marker)
        elif not self.body_started and inline.content.rstrip().endswith(("：", ":")):
            p = self._new_paragraph("addressee")  # 主送机关: flush left
        else:
            p = self._new_paragraph("body")
            self.body_started = True
        self._inline(p, children)

    def _page_break(self) -> None:
        if self.started:
            self.new_page = True
            self.body_started = False

    def _section_break_before(self, p: Paragraph) -> None:
        """End the previous section just before ``p``: a new page, page numbers from 1."""
        marker = OxmlElement("w:p")
        ppr = OxmlElement("w:pPr")
        ppr.append(copy.deepcopy(self.r._sect_pr))
        marker.append(ppr)
        p._p.addprevious(marker)

    # -- inline

    def _inline(self, p: Paragraph, children: Sequence[Any], bold: bool = False) -> None:
        strong = 0
        em = 0
        prev = ""
        for child in children:
            kind = child.type
            if kind in ("text", "code_inline"):
                text = child.content
            elif kind == "softbreak":
                nxt = _next_text(children, child)
                text = (
                    " " if _ASCII.match(prev[-1:] or "a") and _ASCII.match(nxt[:1] or "a") else ""
                )
                if not text:
                    continue
            elif kind == "hardbreak":
                p.add_run().add_break()
                prev = ""
                continue
            elif kind == "strong_open":
                strong += 1
                continue
            elif kind == "strong_close":
                strong -= 1
                continue
            elif kind == "em_open":
                em += 1
                continue
            elif kind == "em_close":
                em -= 1
                continue
            elif kind == "image":
                text = child.content
            else:  # link_open/close and anything else carry no text of their own
                continue
            if not text:
                continue
            run = p.add_run(text)
            if strong or bold:
                run.bold = True
            if em:
                _set_fonts(run._r.get_or_add_rPr(), HEADING2_FONT[0])
            prev = text

    # -- tables

    def _table(self, i: int) -> int:
        """Read the table's tokens from ``i``; add a bordered table; return the index after it."""
        tokens = self.tokens
        rows: list[list[tuple[list[Any], str | None]]] = []
        header_rows = 0
        in_head = False
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                rows.append([])
                if in_head:
                    header_rows += 1
            elif tok.type in ("th_open", "td_open"):
                align = _cell_align(tok.attrGet("style"))
                rows[-1].append((tokens[i + 1].children or [], align))
                i += 2
            i += 1
        self._add_table(rows, header_rows)
        return i + 1

    def _add_table(self, rows: list[list[tuple[list[Any], str | None]]], header_rows: int) -> None:
        if not rows:
            return
        cols = max(len(r) for r in rows)
        if self.new_page:  # a table cannot carry the section break: put an empty line first
            self._new_paragraph("addressee")
        table = self.doc.add_table(rows=len(rows), cols=cols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _borders(table)
        widths = _column_widths(rows, cols)
        for c, width in enumerate(widths):
            table.columns[c].width = width
        style_id = self.r.style_ids["table"]
        for r, (row, docx_row) in enumerate(zip(rows, table.rows, strict=True)):
            head = r < header_rows
            if head:
                tr_pr = docx_row._tr.get_or_add_trPr()
                el = OxmlElement("w:tblHeader")
                tr_pr.append(el)
            cell_objs = docx_row.cells
            for c in range(cols):
                cell = cell_objs[c]
                cell.width = widths[c]
                p = cell.paragraphs[0]
                _set_style(p._p, style_id)
                children, align = row[c] if c < len(row) else ([], None)
                if head:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif align:
                    p.alignment = _ALIGN[align]
                self._inline(p, children, bold=head)
        self.started = True
        self.body_started = True


def _styled_p(style_id: str) -> Any:
    p = OxmlElement("w:p")
    _set_style(p, style_id)
    return p


def _set_style(p: Any, style_id: str) -> None:
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p.insert(0, ppr)
    ps = ppr.find(qn("w:pStyle"))
    if ps is None:
        ps = OxmlElement("w:pStyle")
        ppr.insert(0, ps)
    ps.set(qn("w:val"), style_id)


_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def _cell_align(style: Any) -> str | None:
    if not style:
        return None
    m = re.search(r"text-align:\s*(left|center|right)", str(style))
    return m.group(1) if m else None


def _next_text(children: Sequence[Any], current: Any) -> str:
    seen = False
    for child in children:
        if seen and child.type == "text":
            return str(child.content)
        if child is current:
            seen = True
    return ""


def _borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


def _text_width(children: Sequence[Any]) -> float:
    """Width of a cell's text in characters of the table font (ASCII counts half)."""
    text = "".join(str(c.content) for c in children if c.type in ("text", "code_inline"))
    return sum(0.55 if ord(ch) < 128 else 1.0 for ch in text)


def _column_widths(rows: list[list[tuple[list[Any], str | None]]], cols: int) -> list[Any]:
    """Short columns (numbers, 6星, 序号) never wrap; the rest share what is left by length."""
    need = [1.0] * cols
    for row in rows:
        for c, (children, _) in enumerate(row):
            need[c] = max(need[c], _text_width(children))
    available = TEXT_WIDTH / TABLE_SIZE  # in characters of the table font
    padding = 1.5  # the cell margins and some slack
    least = [min(n, 4.0) + padding for n in need]
    wanted = [min(n, 30.0) + padding for n in need]
    if sum(wanted) <= available:
        scale = available / sum(wanted)
        chars = [w * scale for w in wanted]
    elif sum(least) >= available:
        chars = [w * available / sum(least) for w in least]
    else:
        spare = available - sum(least)
        extra = [w - m for w, m in zip(wanted, least, strict=True)]
        chars = [m + spare * e / sum(extra) for m, e in zip(least, extra, strict=True)]
    twip = 635  # EMU; Word stores widths in twips, so round down to whole ones
    return [int(TABLE_SIZE * c) // twip * twip for c in chars]


# ------------------------------------------------------------------------------ Word templates


def render_docx_template(
    path: Path, context: dict[str, Any], out: Path, env: Any, name: str
) -> None:
    """Fill a .docx made in Word with Jinja tags (docxtpl); values are XML-escaped."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    from branchctl.errors import BranchctlError
    from branchctl.notice_templates import jinja_message

    try:
        tpl = DocxTemplate(str(path))
        tpl.render(context, jinja_env=env, autoescape=True)
    except TemplateError as e:
        raise BranchctlError(f"Word 模板“{name}”中的 Jinja 标记有误：{jinja_message(e)}") from e
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as e:
        raise BranchctlError(f"Word 模板“{name}”出错：{jinja_message(e)}") from e
    except Exception as e:  # docxtpl/python-docx on a file that is not a Word document
        raise BranchctlError(f"Word 模板无法读取（{type(e).__name__}: {e}）", path=path) from e
    tpl.save(str(out))
