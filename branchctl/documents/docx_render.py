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

The page, styles and fonts are :mod:`branchctl.documents.docx_format`'s. :class:`DocxRenderer` builds
that base document once and reuses it for every notice of a batch.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt
from docx.text.paragraph import Paragraph

from branchctl.documents.docx_format import (
    BODY_SIZE,
    HEADING2_FONT,
    INDENT,
    LINE_SPACING,
    SMALL_TABLE_SIZE,
    STYLE_NAMES,
    TABLE_SIZE,
    TEXT_WIDTH,
    TITLE_SIZE,
    base_document,
    letterhead_mark,
    red_rule_below,
    set_fonts,
)
from branchctl.documents.docx_layout import (
    closing_indents,
    is_date,
    is_document_number,
    layout_data,
    text_width,
    title_breaks,
)
from branchctl.errors import BranchctlError
from branchctl.text import core_property, xml_text

_ASCII = re.compile(r"[\x00-\x7f]")
# Paragraph and table-cell marks (lines and |) a Markdown text may hold to be laid out in Word:
# python-docx takes some 3 KB a table cell, so this keeps a document within about 600 MB.
MAX_MARKS = 200_000
TEXT_WIDTH_PT = Emu(TEXT_WIDTH).pt


# ------------------------------------------------------------------------------ rendering


def _freeze_static_parts(doc: DocumentObject) -> None:
    """Serialise the parts every notice shares (styles, settings, footers…) once.

    python-docx serialises every XML part on every save; for a thousand notices that is most
    of the work. Each shared part is swapped for a plain part holding its bytes; only the body
    and the core properties change from one notice to the next.
    """
    from docx.opc.part import Part, XmlPart

    changing = {doc.part}  # the core properties hang off the package, not a part: untouched
    for part in list(doc.part.package.iter_parts()):
        for rel in part.rels.values():
            target = None if rel.is_external else rel.target_part
            if isinstance(target, XmlPart) and target not in changing:
                frozen = Part(target.partname, target.content_type, target.blob, target.package)
                frozen._rels = target.rels
                rel._target = frozen


class DocxRenderer:
    """Lays out Markdown in the official format; one instance renders many documents.

    ``sealed``: the document will carry the issuing body's seal (the usual case), which places
    the signature and date as GB/T 9704 §7.3.5.1 says; ``False`` for §7.3.5.2.
    """

    def __init__(self, sealed: bool = True) -> None:
        from markdown_it import MarkdownIt

        self.md = MarkdownIt("commonmark", {"html": False}).enable("table")
        self.sealed = sealed
        self.doc = base_document()
        # each notice after a --- starts on an odd page: printed on both sides, no notice
        # begins on the back of another
        self.doc.sections[0].start_type = WD_SECTION_START.ODD_PAGE
        # style ids looked up once: python-docx's by-name lookup scans every style each time
        self.style_ids = {key: self.doc.styles[name].style_id for key, name in STYLE_NAMES.items()}
        _freeze_static_parts(self.doc)
        body = self.doc.element.body
        self._sect_pr = copy.deepcopy(body.find(qn("w:sectPr")))

    def render(self, markdown: str, title: str | None = None) -> DocumentObject:
        """Replace the document's content with ``markdown`` laid out; return the document."""
        if markdown.count("\n") + markdown.count("|") > MAX_MARKS:
            raise BranchctlError(
                f"内容太多，无法生成 Word 文件（段落和表格单元格超过 {MAX_MARKS // 10_000} 万个），"
                "请改用 --format md 或分批生成"
            )
        body = self.doc.element.body
        for child in list(body):
            body.remove(child)
        body.append(copy.deepcopy(self._sect_pr))
        _Builder(self, self.md.parse(markdown)).build()
        props = self.doc.core_properties
        props.title = core_property(title)
        props.author = props.last_modified_by = "branchctl"
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
        self.end = self.body.sectPr  # found once: each lookup scans the whole body
        self.tokens = tokens
        self.lists: list[list[Any]] = []  # stack of [ordered, next number]
        self.quote = 0
        self.quoted: list[Any] = []  # the inline tokens of each paragraph of the open quote
        self.started = False  # a block has been written
        self.body_started = False  # a body paragraph or heading has been written
        self.new_page = False
        self.last: Paragraph | None = None  # the paragraph written last
        self.letterhead = False  # the page so far holds a letterhead (版头)

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
            elif kind == "blockquote_close":
                self.quote -= 1
                if not self.quote:
                    self._quote(self.quoted)
                    self.quoted = []
            elif kind == "hr":
                self._page_break()
            elif kind in ("fence", "code_block"):
                for line in tok.content.rstrip("\n").split("\n"):
                    p = self._new_paragraph("addressee")
                    p.add_run(xml_text(line))
            i += 1

    # -- blocks

    def _new_paragraph(self, style: str) -> Paragraph:
        p_el = _styled_p(self.r.style_ids[style])
        self.end.addprevious(p_el)
        p = Paragraph(p_el, self.doc._body)
        self.last = p
        if self.new_page:
            self._section_break_before(p)
            self.new_page = False
        self.started = True
        return p

    def _heading(self, open_tok: Any, inline: Any) -> None:
        level = int(open_tok.tag[1])
        style = "title" if level == 1 else "h1" if level == 2 else "h2" if level == 3 else "h3"
        p = self._new_paragraph(style)
        children = inline.children or []
        self._inline(p, children)
        if level > 1:
            self.body_started = True
            return
        if self.letterhead:  # 红色分隔线下空二行
            spec = layout_data()["letterhead"]
            p.paragraph_format.space_before = LINE_SPACING * spec["lines_before_title"]
            self.letterhead = False
        if not any(c.type in ("softbreak", "hardbreak") for c in children):
            _break_title(p, title_breaks(_plain(children), TEXT_WIDTH_PT / TITLE_SIZE.pt))

    def _paragraph(self, inline: Any) -> None:
        children = inline.children or []
        if self.quote:
            self.quoted.append(children)
            return
        if self.lists:
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

    # -- quotes: the letterhead (版头) before the title, the signature and date after the text

    def _quote(self, paragraphs: list[Any]) -> None:
        if not paragraphs:
            return
        if not self.started:
            self._letterhead(paragraphs)
        else:
            self._closing(paragraphs)

    def _letterhead(self, paragraphs: list[Any]) -> None:
        """发文机关标志 centred in red, 发文字号 centred under it, the red rule (§7.2)."""
        spec = layout_data()["letterhead"]
        texts = [_plain(children) for children in paragraphs]
        if len(paragraphs) == 1 and is_document_number(texts[0]):
            # a number with no letterhead to stand under: centred where it is
            p = self._new_paragraph("addressee")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._inline(p, paragraphs[0])
            return
        mark = self._new_paragraph("title")
        self._inline(mark, paragraphs[0])
        size = min(spec["mark_max_pt"], int(TEXT_WIDTH_PT / max(text_width(texts[0]), 1)))
        letterhead_mark(mark, Pt(size), Mm(spec["mark_top_mm"]), spec["color"])
        last = mark
        for i, children in enumerate(paragraphs[1:]):
            last = self._new_paragraph("addressee")
            last.alignment = WD_ALIGN_PARAGRAPH.CENTER
            last.paragraph_format.keep_with_next = True
            if i == 0:
                last.paragraph_format.space_before = LINE_SPACING * spec["lines_after_mark"]
            self._inline(last, children)
        red_rule_below(last, spec["color"], spec["rule_eighths"], spec["rule_gap_pt"])
        self.letterhead = True

    def _closing(self, paragraphs: list[Any]) -> None:
        """The issuing body's name and the date (§7.3.5); other quoted lines right-aligned."""
        closing = layout_data()["closing"]
        texts = [_plain(children) for children in paragraphs]
        if len(texts) >= 2 and is_date(texts[-1]):
            names, date = closing_indents(texts[:-1], texts[-1], self.r.sealed)
            indents = [*names, date]
        else:
            indents = [INDENT.pt / BODY_SIZE.pt] * len(texts)
        blank = closing["lines_before_sealed" if self.r.sealed else "lines_before_unsealed"]
        previous = self.last
        for i, (children, indent) in enumerate(zip(paragraphs, indents, strict=True)):
            p = self._new_paragraph("closing")
            p.paragraph_format.right_indent = Pt(round(indent * BODY_SIZE.pt, 1))
            p.paragraph_format.keep_with_next = True
            if i == 0 and self.body_started:
                p.paragraph_format.space_before = LINE_SPACING * blank
                # the signature never stands alone on a page: the last lines of text go with it
                if previous is not None:
                    previous.paragraph_format.keep_with_next = True
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
                text = xml_text(child.content)
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
                text = xml_text(child.content)
            else:  # link_open/close and anything else carry no text of their own
                continue
            if not text:
                continue
            run = p.add_run(text)
            if strong or bold:
                run.bold = True
            if em:
                set_fonts(run._r.get_or_add_rPr(), HEADING2_FONT[0])
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
        table = self.doc._body.add_table(len(rows), cols, Emu(TEXT_WIDTH))  # no style lookup
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _borders(table)
        widths, size = _column_widths(rows, cols)
        for c, width in enumerate(widths):
            table.columns[c].width = Emu(width)
        style_id = self.r.style_ids["table"]
        for r, (row, docx_row) in enumerate(zip(rows, table.rows, strict=True)):
            head = r < header_rows
            tr_pr = docx_row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))  # a row stays on one page
            if head:
                tr_pr.append(OxmlElement("w:tblHeader"))  # repeated at the top of each page
            cell_objs = docx_row.cells
            for c in range(cols):
                cell = cell_objs[c]
                cell.width = Emu(widths[c])
                p = cell.paragraphs[0]
                _set_style(p._p, style_id)
                children, align = row[c] if c < len(row) else ([], None)
                if head:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif align:
                    p.alignment = _ALIGN[align]
                self._inline(p, children, bold=head)
                if size != TABLE_SIZE:
                    for run in p.runs:
                        run.font.size = size
                self.last = p  # so a signature right after the table keeps its last row
        self.started = True
        self.body_started = True


def _plain(children: Sequence[Any]) -> str:
    """The text of inline tokens as :meth:`_Builder._inline` writes it."""
    return "".join(
        xml_text(c.content) for c in children if c.type in ("text", "code_inline", "image")
    )


def _break_title(p: Paragraph, offsets: Sequence[int]) -> None:
    """Line breaks in ``p`` before the characters at ``offsets`` (its runs split as needed)."""
    if not offsets:
        return
    pos = 0
    for run in list(p.runs):
        ts = run._r.findall(qn("w:t"))
        text = ts[0].text or "" if len(ts) == 1 else ""
        cuts = [o - pos for o in offsets if pos < o < pos + len(text) or (o == pos and pos)]
        if cuts and text:
            run._r.remove(ts[0])
            bounds = [0, *cuts, len(text)]
            for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
                if i:
                    run._r.append(OxmlElement("w:br"))
                if b > a:
                    t = OxmlElement("w:t")
                    t.set(qn("xml:space"), "preserve")
                    t.text = text[a:b]
                    run._r.append(t)
        pos += len(text)


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
    tbl_pr.insert_element_before(borders, *_AFTER_TBL_BORDERS)
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):  # 0.1 cm, not Word's 0.19 cm: room for 小四 in wide tables
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.insert_element_before(margins, *_AFTER_TBL_BORDERS[3:])


CELL_MARGIN_TWIPS = 57
_AFTER_TBL_BORDERS = (
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)  # fmt: skip


def _text_width(children: Sequence[Any]) -> float:
    """Width of a cell's text in characters of the table font (ASCII counts half)."""
    text = "".join(str(c.content) for c in children if c.type in ("text", "code_inline"))
    return sum(0.55 if ord(ch) < 128 else 1.0 for ch in text)


def _column_widths(
    rows: list[list[tuple[list[Any], str | None]]], cols: int
) -> tuple[list[int], Any]:
    """Column widths (EMU) and the font size that lets them fit.

    Short columns (序号, 星级, numbers) never wrap. Long ones share the rest like water poured
    into a row of glasses: every column gets its whole text if it can, and only the longest are
    capped at a common width (so names fit on a line and 未达标方面 wraps). A table too wide
    for 小四 even so is set in 五号.
    """
    need = [1.0] * cols
    for row in rows:
        for c, (children, _) in enumerate(row):
            need[c] = max(need[c], _text_width(children))
    padding = 0.8  # the cell margins (2 × 0.1 cm), in characters, and a little air
    least = [min(n, 4.0) + padding for n in need]
    wanted = [min(n, 40.0) + padding for n in need]
    size = TABLE_SIZE if sum(least) <= TEXT_WIDTH / TABLE_SIZE else SMALL_TABLE_SIZE
    available = TEXT_WIDTH / size  # in characters of the table font
    if sum(wanted) <= available:
        chars = [w * available / sum(wanted) for w in wanted]
    elif sum(least) >= available:
        chars = [w * available / sum(least) for w in least]
    else:
        low, high = 0.0, max(wanted)
        for _ in range(40):  # the level at which the glasses hold exactly the width available
            level = (low + high) / 2
            if sum(min(w, max(m, level)) for w, m in zip(wanted, least, strict=True)) > available:
                high = level
            else:
                low = level
        chars = [min(w, max(m, low)) for w, m in zip(wanted, least, strict=True)]
        chars = [c * available / sum(chars) for c in chars]
    twip = 635  # EMU; Word stores widths in twips, so round down to whole ones
    return [int(size * c) // twip * twip for c in chars], size
