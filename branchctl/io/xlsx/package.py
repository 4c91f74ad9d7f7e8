"""The package-level parts of an .xlsx that the patch writer edits: small, so edited with lxml.

Relationships, ``[Content_Types].xml`` and ``styles.xml`` (new fills, fonts, borders and cell
formats, deduplicated), plus the namespaces, content types and schema element orders they need.
"""

from __future__ import annotations

import copy
import posixpath
from typing import Any

from lxml import etree

from branchctl.io.xlsx.plan import LINK_COLOR, LOOKS, TEXT_ON_FILL

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RT = NS_R + "/"  # relationship types are RT + "worksheet", "styles", "comments", ...
RT_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"

CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_WORKBOOK_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"

# Element order inside <worksheet>, <styleSheet> and <font> (the schemas are sequences).
SHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
    "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins "
    "pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors "
    "smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls "
    "webPublishItems tableParts extLst"
).split()
STYLE_ORDER = "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors extLst".split()
FONT_ORDER = "b i strike condense extend outline shadow u vertAlign sz color name family charset scheme".split()
WORKBOOK_ORDER = (
    "fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
    "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
    "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst"
).split()

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class PatchUnsupported(Exception):
    """The package has a shape the patch writer does not handle; the caller rebuilds instead."""


def parse_xml(data: bytes) -> etree._Element:
    """A part of the package, parsed; a part that is not well-formed cannot be patched."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise PatchUnsupported(f"malformed XML: {e}") from e


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rsplit("}", 1)[-1]


def insert_ordered(parent: etree._Element, child: etree._Element, order: list[str]) -> None:
    """Insert ``child`` before the first sibling that the schema puts after it."""
    rank = order.index(local(child))
    for i, sibling in enumerate(parent):
        name = local(sibling)
        if name == "AlternateContent":  # mc:AlternateContent wraps e.g. <controls>
            inner = sibling.find(".//*")
            inner_choice = inner.find("*") if inner is not None else None
            name = local(inner_choice) if inner_choice is not None else ""
        if name in order and order.index(name) > rank:
            parent.insert(i, child)
            return
    parent.append(child)


# ---------------------------------------------------------------- packages


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


class Rels:
    """The relationships of one part (``part`` is "" for the package itself)."""

    def __init__(self, part: str, data: bytes | None) -> None:
        self.part = part
        self.path = rels_path(part) if part else "_rels/.rels"
        self.existed = data is not None
        if data is None:
            self.root = etree.Element(f"{{{NS_PKG_R}}}Relationships", nsmap={None: NS_PKG_R})
        else:
            self.root = parse_xml(data)
        self._by_id: dict[str | None, etree._Element] | None = None  # built on first lookup

    def items(self) -> list[etree._Element]:
        return list(self.root.iterchildren(f"{{{NS_PKG_R}}}Relationship"))

    def resolve(self, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        base = posixpath.dirname(self.part)
        return posixpath.normpath(posixpath.join(base, target))

    def target(self, rid: str | None) -> str | None:
        # Looked up by id once per sheet: an index, not a scan (9,990 sheets took 92 s).
        if self._by_id is None:
            self._by_id = {}
            for rel in self.items():
                self._by_id.setdefault(rel.get("Id"), rel)
        rel = self._by_id.get(rid)
        if rel is not None and rel.get("TargetMode") != "External":
            return self.resolve(rel.get("Target", ""))
        return None

    def of_type(self, type_: str) -> list[tuple[str, str]]:
        """(Id, resolved target) of internal relationships of a type (full URI or RT suffix)."""
        found = []
        for rel in self.items():
            t = rel.get("Type", "")
            if (t == type_ or t.endswith("/" + type_)) and rel.get("TargetMode") != "External":
                found.append((rel.get("Id", ""), self.resolve(rel.get("Target", ""))))
        return found

    def add(self, type_: str, target_part: str) -> str:
        ids = {rel.get("Id") for rel in self.items()}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        self._by_id = None
        uri = type_ if "/" in type_ else RT + type_
        etree.SubElement(
            self.root,
            f"{{{NS_PKG_R}}}Relationship",
            {"Id": rid, "Type": uri, "Target": relative(self.part or "x", target_part)},
        )
        return rid

    def remove(self, rid: str) -> None:
        self._by_id = None
        for rel in self.items():
            if rel.get("Id") == rid:
                self.root.remove(rel)

    def to_bytes(self) -> bytes:
        return to_bytes(self.root)


class ContentTypes:
    def __init__(self, data: bytes) -> None:
        self.root = parse_xml(data)

    def _overrides(self) -> list[etree._Element]:
        return list(self.root.iterchildren(f"{{{NS_CT}}}Override"))

    def _defaults(self) -> list[etree._Element]:
        return list(self.root.iterchildren(f"{{{NS_CT}}}Default"))

    def of(self, part: str) -> str | None:
        name = "/" + part
        for o in self._overrides():
            if o.get("PartName", "").lower() == name.lower():
                return o.get("ContentType")
        ext = part.rsplit(".", 1)[-1].lower()
        for d in self._defaults():
            if d.get("Extension", "").lower() == ext:
                return d.get("ContentType")
        return None

    def set_override(self, part: str, content_type: str) -> None:
        self.remove_override(part)
        attrs = {"PartName": "/" + part, "ContentType": content_type}
        etree.SubElement(self.root, f"{{{NS_CT}}}Override", attrs)

    def remove_override(self, part: str) -> None:
        for o in self._overrides():
            if o.get("PartName", "").lower() == "/" + part.lower():
                self.root.remove(o)

    def ensure_default(self, ext: str, content_type: str) -> None:
        if not any(d.get("Extension", "").lower() == ext for d in self._defaults()):
            el = etree.Element(
                f"{{{NS_CT}}}Default", {"Extension": ext, "ContentType": content_type}
            )
            self.root.insert(0, el)

    def remove_content_type(self, content_type: str) -> None:
        for el in self._defaults() + self._overrides():
            if el.get("ContentType") == content_type:
                self.root.remove(el)

    def to_bytes(self) -> bytes:
        return to_bytes(self.root)


# ---------------------------------------------------------------- styles

MINIMAL_STYLES = (
    f'<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="宋体"/>'
    '<family val="3"/><charset val="134"/></font></fonts><fills count="2"><fill>'
    '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
).encode()


def _key(el: etree._Element) -> tuple[Any, ...]:
    return (local(el), tuple(sorted(el.attrib.items())), tuple(_key(c) for c in el if local(c)))


class Styles:
    """styles.xml with helpers that add fills, fonts, borders and cell formats (deduplicated).

    Cell formats are indexes into ``<cellXfs>``; every helper returns one, cloning the base
    format so that a filled cell keeps its font, borders, alignment and number format.
    """

    def __init__(self, data: bytes | None) -> None:
        self.root = parse_xml(data if data is not None else MINIMAL_STYLES)
        self.ns = etree.QName(self.root).namespace or NS_MAIN
        if self.ns != NS_MAIN:
            raise PatchUnsupported(f"styles namespace {self.ns}")
        cell_xfs = self.root.find(self._q("cellXfs"))
        if cell_xfs is None:
            raise PatchUnsupported("styles.xml has no cellXfs")
        self._xfs_parent = cell_xfs
        self._xfs = list(cell_xfs.iterchildren(self._q("xf")))
        if not self._xfs:
            self._xfs.append(
                etree.SubElement(
                    cell_xfs, self._q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0"
                )
            )
        self._keys: dict[tuple[Any, ...], int] | None = None
        self._memo: dict[tuple[Any, ...], int] = {}
        self.changed = False

    def _q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def _container(self, name: str) -> etree._Element:
        el = self.root.find(self._q(name))
        if el is None:
            el = etree.Element(self._q(name))
            insert_ordered(self.root, el, STYLE_ORDER)
        return el

    def _items(self, container: str, item: str) -> list[etree._Element]:
        return list(self._container(container).iterchildren(self._q(item)))

    def _append(self, container: str, item: etree._Element) -> int:
        parent = self._container(container)
        parent.append(item)
        count = sum(1 for _ in parent.iterchildren(item.tag))
        parent.set("count", str(count))
        self.changed = True
        return count - 1

    def _base(self, s: int) -> etree._Element:
        return self._xfs[s] if 0 <= s < len(self._xfs) else self._xfs[0]

    def _add_xf(self, xf: etree._Element) -> int:
        if self._keys is None:
            self._keys = {}
            for i, el in enumerate(self._xfs):
                self._keys.setdefault(_key(el), i)
        key = _key(xf)
        if key in self._keys:
            return self._keys[key]
        self._xfs_parent.append(xf)
        self._xfs.append(xf)
        self._xfs_parent.set("count", str(len(self._xfs)))
        self._keys[key] = len(self._xfs) - 1
        self.changed = True
        return len(self._xfs) - 1

    # -- building blocks

    def fill_id(self, rgb: str) -> int:
        memo = ("fill-id", rgb)
        if memo not in self._memo:
            fill = etree.Element(self._q("fill"))
            pattern = etree.SubElement(fill, self._q("patternFill"), patternType="solid")
            etree.SubElement(pattern, self._q("fgColor"), rgb="FF" + rgb.upper())
            etree.SubElement(pattern, self._q("bgColor"), indexed="64")
            self._memo[memo] = self._append("fills", fill)
        return self._memo[memo]

    def numfmt_id(self, code: str) -> int:
        memo = ("numfmt", code)
        if memo not in self._memo:
            existing = self._items("numFmts", "numFmt")
            for el in existing:
                if el.get("formatCode") == code:
                    self._memo[memo] = int(el.get("numFmtId", "0"))
                    break
            else:
                used = [int(el.get("numFmtId", "0")) for el in existing]
                new_id = max([163, *used]) + 1
                el = etree.Element(self._q("numFmt"), numFmtId=str(new_id), formatCode=code)
                self._append("numFmts", el)
                self._memo[memo] = new_id
        return self._memo[memo]

    def font_id(
        self,
        *,
        bold: bool = False,
        size: float | None = None,
        link: bool = False,
        color: str | None = None,
        base: int = 0,
    ) -> int:
        """A font like font ``base`` (the workbook's default) made bold, sized or coloured."""
        memo = ("font", bold, size, link, color, base)
        if memo not in self._memo:
            fonts = self._items("fonts", "font")
            template = fonts[base] if 0 <= base < len(fonts) else (fonts[0] if fonts else None)
            font = (
                copy.deepcopy(template) if template is not None else etree.Element(self._q("font"))
            )
            color = LINK_COLOR if link else color
            drop = {"b"} if bold else set()
            if size:
                drop.add("sz")
            if link:
                drop.add("u")
            if color:
                drop.add("color")
            for child in list(font):
                if local(child) in drop:
                    font.remove(child)
            if bold:
                etree.SubElement(font, self._q("b"))
            if size:
                etree.SubElement(font, self._q("sz"), val=f"{size:g}")
            if link:
                etree.SubElement(font, self._q("u"))
            if color:
                etree.SubElement(font, self._q("color"), rgb="FF" + color)
            children = sorted(
                font, key=lambda c: FONT_ORDER.index(local(c)) if local(c) in FONT_ORDER else 99
            )
            for child in children:
                font.append(child)
            self._memo[memo] = self._append("fonts", font)
        return self._memo[memo]

    def thin_border_id(self) -> int:
        memo = ("border",)
        if memo not in self._memo:
            border = etree.Element(self._q("border"))
            for side in ("left", "right", "top", "bottom"):
                el = etree.SubElement(border, self._q(side), style="thin")
                etree.SubElement(el, self._q("color"), auto="1")
            etree.SubElement(border, self._q("diagonal"))
            self._memo[memo] = self._append("borders", border)
        return self._memo[memo]

    # -- cell formats

    def with_fill(self, s: int, rgb: str) -> int:
        """The format ``s`` with a solid fill of colour ``rgb`` (and bold text in the colour
        :data:`~branchctl.io.xlsx.plan.TEXT_ON_FILL` names for it)."""
        memo = ("with-fill", s, rgb)
        if memo not in self._memo:
            xf = copy.deepcopy(self._base(s))
            xf.set("fillId", str(self.fill_id(rgb)))
            xf.set("applyFill", "1")
            text = TEXT_ON_FILL.get(rgb)
            if text:
                base = int(xf.get("fontId", "0") or 0)
                xf.set("fontId", str(self.font_id(bold=True, color=text, base=base)))
                xf.set("applyFont", "1")
            self._memo[memo] = self._add_xf(xf)
        return self._memo[memo]

    def general(self, s: int) -> int:
        """The format ``s`` with the General number format (for new values next to old ones)."""
        memo = ("general", s)
        if memo not in self._memo:
            xf = copy.deepcopy(self._base(s))
            xf.set("numFmtId", "0")
            for attr in ("applyNumberFormat", "quotePrefix"):
                xf.attrib.pop(attr, None)
            self._memo[memo] = self._add_xf(xf)
        return self._memo[memo]

    def with_numfmt(self, s: int, code: str) -> int:
        memo = ("with-numfmt", s, code)
        if memo not in self._memo:
            xf = copy.deepcopy(self._base(s))
            xf.set("numFmtId", str(self.numfmt_id(code)))
            xf.set("applyNumberFormat", "1")
            self._memo[memo] = self._add_xf(xf)
        return self._memo[memo]

    def cell_style(self, kind: str, fill: str | None = None) -> int:
        """A format for cells of new sheets, as :data:`~branchctl.io.xlsx.plan.LOOKS` says:
        "title", "header", "body", "link", "plain"; ``fill`` overrides the look's fill."""
        memo = ("cell", kind, fill)
        if memo not in self._memo:
            look = LOOKS[kind]
            fill = fill or look.fill
            text = TEXT_ON_FILL.get(fill or "")
            styled = look.bold or look.size or look.link or text
            font = (
                self.font_id(
                    bold=look.bold or bool(text), size=look.size, link=look.link, color=text
                )
                if styled
                else 0
            )
            border = self.thin_border_id() if look.border else 0
            attrs = {
                "numFmtId": "0",
                "fontId": str(font),
                "fillId": str(self.fill_id(fill)) if fill else "0",
                "borderId": str(border),
                "xfId": "0",
            }
            attrs.update({"applyFont": "1"} if font else {})
            attrs.update({"applyFill": "1"} if fill else {})
            attrs.update({"applyBorder": "1"} if border else {})
            attrs["applyAlignment"] = "1"
            xf = etree.Element(self._q("xf"), attrs)
            align = {"vertical": "center"}
            if look.center:
                align["horizontal"] = "center"
            if look.wrap:
                align["wrapText"] = "1"
            etree.SubElement(xf, self._q("alignment"), align)
            self._memo[memo] = self._add_xf(xf)
        return self._memo[memo]

    def to_bytes(self) -> bytes:
        return to_bytes(self.root)
