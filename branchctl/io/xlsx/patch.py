"""Annotate an .xlsx/.xlsm by patching a copy of its zip package: the fast, faithful path.

Every part is copied unchanged (styles, number formats, merges, other sheets, images, charts,
defined names, data validations, print setup, shared strings) except the ones the plan edits:

- each annotated sheet's XML is streamed row by row at the byte level, never loaded whole
  (:mod:`branchctl.io.xlsx.sheet`);
- ``styles.xml`` gets new fills, fonts, borders and cloned cell formats, the workbook part, its
  relationships and ``[Content_Types].xml`` the new sheets (:mod:`branchctl.io.xlsx.package`);
- new parts: comments with their VML drawings, new sheets, drawings and native bar charts
  (:mod:`branchctl.io.xlsx.parts`).

New text is written as inline strings (``t="inlineStr"``), so ``=SUM(A1)`` stays text. Cells
that already hold a value are never overwritten. An .xlsm becomes a plain .xlsx (without its
VBA project) unless ``keep_macros``. Raises :class:`PatchUnsupported` for packages it does not
handle (strict OOXML, a worksheet without ``<sheetData>``); the caller then rebuilds.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from branchctl.io.cells import column_letter, column_number, quote_sheet
from branchctl.io.outputs import CT_CUSTOM, CUSTOM_PART, RT_CUSTOM, custom_properties
from branchctl.io.workbook import Sheet, Workbook
from branchctl.io.xlsx.edits import compile_edits
from branchctl.io.xlsx.package import (
    CT_CHART,
    CT_COMMENTS,
    CT_DRAWING,
    CT_SHEET,
    CT_STYLES,
    CT_VBA,
    CT_VML,
    CT_WORKBOOK,
    NS_MAIN,
    NS_R,
    RT_VBA,
    SHEET_ORDER,
    WORKBOOK_ORDER,
    ContentTypes,
    PatchUnsupported,
    Rels,
    Styles,
    insert_ordered,
    parse_xml,
    to_bytes,
)
from branchctl.io.xlsx.parts import (
    chart_anchor,
    chart_xml,
    comments_xml,
    drawing_xml,
    existing_vml_blocks,
    merge_comments,
    merge_vml,
    new_sheet_xml,
    unique_sheet_name,
    vml_blocks,
    vml_xml,
)
from branchctl.io.xlsx.plan import AnnotationPlan, NewSheet, SheetPlan
from branchctl.io.xlsx.sheet import SheetPatcher

__all__ = ["PatchUnsupported", "patch_xlsx"]

# zlib level for the streamed sheets: level 6 (the default) takes about as long as all the
# editing; level 1 is about 6x faster for a file about 40% larger.
STREAM_LEVEL = 1


def patch_xlsx(
    source: Workbook, plan: AnnotationPlan, out: Path, *, keep_macros: bool = False
) -> None:
    """Write ``source`` (an .xlsx/.xlsm file) with ``plan`` applied to ``out``."""
    try:
        with zipfile.ZipFile(source.path) as zin:
            _Patch(zin, source, plan, keep_macros).write(Path(out))
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:  # a damaged part the reader skipped
        raise PatchUnsupported(f"damaged package: {e}") from e


# ---------------------------------------------------------------- the package


class _Patch:
    def __init__(
        self, zin: zipfile.ZipFile, source: Workbook, plan: AnnotationPlan, keep_macros: bool
    ) -> None:
        self.zin = zin
        self.infos = zin.infolist()
        self.actual = {i.filename.lower(): i.filename for i in self.infos}
        self.reserved: set[str] = set()
        self.upfront: dict[str, Callable[[], bytes]] = {}  # edited parts, final before writing
        self.late: dict[str, Callable[[], bytes]] = {}  # parts final only after the sheets
        self.removed: set[str] = set()
        self.streams: dict[str, SheetPatcher] = {}
        self.rels_cache: dict[str, Rels] = {}

        if "[content_types].xml" not in self.actual:
            raise PatchUnsupported("no [Content_Types].xml")
        self.ct = ContentTypes(self.read("[Content_Types].xml"))
        self.upfront[self.actual["[content_types].xml"]] = self.ct.to_bytes
        office = Rels("", self.read("_rels/.rels")).of_type("officeDocument")
        if not office or not self.exists(office[0][1]):
            raise PatchUnsupported("no workbook part")
        self.wb_part = self.name(office[0][1])
        self.wb = parse_xml(self.read(self.wb_part))
        if etree.QName(self.wb).namespace != NS_MAIN:
            raise PatchUnsupported("strict or unknown workbook namespace")
        self.upfront[self.wb_part] = lambda: to_bytes(self.wb)
        self.wb_rels = self.rels(self.wb_part)
        self.upfront[self.name(self.wb_rels.path)] = self.wb_rels.to_bytes

        styles = [t for _, t in self.wb_rels.of_type("styles") if self.exists(t)]
        if styles:
            self.styles_part = self.name(styles[0])
            self.styles = Styles(self.read(self.styles_part))
        else:
            # some readers (openpyxl) look for styles at this exact name
            self.styles_part = (
                "xl/styles.xml"
                if not self.exists("xl/styles.xml")
                else self.new_part("xl/styles{}.xml")
            )
            self.styles = Styles(None)
            self.wb_rels.add("styles", self.styles_part)
            self.ct.set_override(self.styles_part, CT_STYLES)

        self.sheets_el = self.wb.find(f"{{{NS_MAIN}}}sheets")
        if self.sheets_el is None:
            raise PatchUnsupported("workbook without <sheets>")
        self.sheet_parts: dict[str, str] = {}
        for el in self.sheets_el:
            target = self.wb_rels.target(el.get(f"{{{NS_R}}}id"))
            if target and self.exists(target):
                self.sheet_parts[el.get("name", "")] = self.name(target)
        self.vml_next = 1 + max(
            [0]
            + [
                b
                for i in self.infos
                if i.filename.lower().endswith(".vml")
                for b in existing_vml_blocks(self.zin.read(i))
            ]
        )

        if not keep_macros:
            self._drop_macros()
        for name, sheet_plan in plan.sheets.items():
            self._plan_sheet(name, sheet_plan, source)
            self._widen_print_area(name, sheet_plan)
        for sheet in plan.new_sheets:
            self._add_sheet(sheet)
        if plan.kind is not None:
            self._mark(plan.kind)

    # -- zip helpers

    def exists(self, part: str) -> bool:
        return part.lower() in self.actual

    def name(self, part: str) -> str:
        return self.actual.get(part.lower(), part)

    def read(self, part: str) -> bytes:
        return self.zin.read(self.name(part))

    def new_part(self, pattern: str) -> str:
        n = 1
        while (pattern.format(n).lower() in self.actual) or (
            pattern.format(n).lower() in self.reserved
        ):
            n += 1
        self.reserved.add(pattern.format(n).lower())
        return pattern.format(n)

    def rels(self, part: str) -> Rels:
        if part not in self.rels_cache:
            path = Rels(part, None).path
            self.rels_cache[part] = Rels(part, self.read(path) if self.exists(path) else None)
        return self.rels_cache[part]

    def _late_rels(self, rels: Rels) -> None:
        self.late[self.name(rels.path)] = rels.to_bytes

    # -- workbook-level edits

    def _mark(self, kind: str) -> None:
        """Say what this copy is in ``docProps/custom.xml`` (see io.outputs.output_kind), the
        workbook's own custom properties kept."""
        rels = Rels("", self.read("_rels/.rels"))
        part = None
        for rid, target in rels.of_type(RT_CUSTOM):
            if part is None and self.exists(target):
                part = self.name(target)
            else:
                rels.remove(rid)  # a second one, or one to a missing part
        existing = self.read(part) if part is not None else None
        if part is None:
            part = (
                self.new_part("docProps/custom{}.xml") if self.exists(CUSTOM_PART) else CUSTOM_PART
            )
            rels.add(RT_CUSTOM, part)
        self.upfront[self.name(rels.path)] = rels.to_bytes
        self.ct.set_override(part, CT_CUSTOM)
        data = custom_properties(existing, kind)
        self.late[part] = lambda: data

    def _drop_macros(self) -> None:
        """.xlsm -> .xlsx: the plain workbook content type, without the VBA project."""
        content_type = self.ct.of(self.wb_part) or ""
        if "macroEnabled" not in content_type:
            return
        self.ct.set_override(self.wb_part, CT_WORKBOOK)
        for rid, target in self.wb_rels.of_type(RT_VBA):
            self.wb_rels.remove(rid)
            doomed = [target]
            if self.exists(Rels(target, None).path):  # e.g. the project's signature
                vba_rels = self.rels(target)
                doomed += [vba_rels.resolve(rel.get("Target", "")) for rel in vba_rels.items()]
                doomed.append(vba_rels.path)
            for part in doomed:
                self.removed.add(self.name(part))
                self.ct.remove_override(part)
        self.ct.remove_content_type(CT_VBA)
        for info in self.infos:  # .bin parts typed by a removed Default
            if (
                info.filename.lower().endswith(".bin")
                and info.filename not in self.removed
                and self.ct.of(info.filename) is None
            ):
                kind = "printerSettings" if "printersettings" in info.filename.lower() else None
                if kind:
                    self.ct.set_override(
                        info.filename,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
                    )
                else:
                    self.ct.ensure_default("bin", "application/octet-stream")

    def _plan_sheet(self, name: str, plan: SheetPlan, source: Workbook) -> None:
        if name not in self.sheet_parts:
            raise PatchUnsupported(f"sheet {name!r} has no worksheet part")
        part = self.sheet_parts[name]
        try:
            sheet: Sheet | None = source.sheet(name)
        except KeyError:
            sheet = None
        edits = compile_edits(plan, sheet)
        on_tail: Callable[[etree._Element], None] = lambda root: None  # noqa: E731
        if edits.comments:
            rels = self.rels(part)
            self._late_rels(rels)
            found = [t for _, t in rels.of_type("comments") if self.exists(t)]
            comments_part = found[0] if found else self.new_part("xl/comments{}.xml")
            if not found:
                rels.add("comments", comments_part)
            if self.ct.of(comments_part) != CT_COMMENTS:
                self.ct.set_override(comments_part, CT_COMMENTS)
            self.ct.ensure_default("vml", CT_VML)
            for _, vml in rels.of_type("vmlDrawing"):  # rewritten late: the sheet says which one
                if self.exists(vml):
                    self.late[self.name(vml)] = functools.partial(self.read, vml)
            self.late[self.name(comments_part)] = lambda: b""  # filled in by on_tail
            on_tail = functools.partial(
                self._comments, rels, comments_part, bool(found), edits.comments
            )
        self.streams[part] = SheetPatcher(edits, self.styles, on_tail)

    def _comments(
        self,
        rels: Rels,
        comments_part: str,
        merge: bool,
        comments: dict[tuple[int, int], str],
        root: etree._Element,
    ) -> None:
        """At the end of the sheet: write the comments and their VML shapes, link the drawing."""
        if merge:
            data, added = merge_comments(self.read(comments_part), comments)
        else:
            data, added = comments_xml(comments), set(comments)
        self.late[self.name(comments_part)] = lambda: data
        blocks = vml_blocks(len(added), self.vml_next)
        self.vml_next = blocks[-1] + 1
        ns = etree.QName(root).namespace
        legacy = root.find(f"{{{ns}}}legacyDrawing")
        vml = rels.target(legacy.get(f"{{{NS_R}}}id")) if legacy is not None else None
        if vml and self.exists(vml):
            merged = merge_vml(self.read(vml), added, comments, blocks)
            self.late[self.name(vml)] = lambda: merged
            return
        vml = self.new_part("xl/drawings/vmlDrawing{}.vml")
        fresh = vml_xml(set(comments), comments, blocks)
        self.late[vml] = lambda: fresh
        rid = rels.add("vmlDrawing", vml)
        if legacy is None:
            legacy = etree.Element(f"{{{ns}}}legacyDrawing", nsmap={"r": NS_R})
            insert_ordered(root, legacy, SHEET_ORDER)
        legacy.set(f"{{{NS_R}}}id", rid)

    def _defined_names(self) -> etree._Element:
        names = self.wb.find(f"{{{NS_MAIN}}}definedNames")
        if names is None:
            names = etree.Element(f"{{{NS_MAIN}}}definedNames")
            insert_ordered(self.wb, names, WORKBOOK_ORDER)
        return names

    def _widen_print_area(self, name: str, plan: SheetPlan) -> None:
        """A print area that ends at a table's last column now ends at its last new column,
        so that the paper copy shows the computed columns too."""
        if not plan.appended:
            return
        index = next((i for i, el in enumerate(self.sheets_el) if el.get("name") == name), None)
        names = self.wb.find(f"{{{NS_MAIN}}}definedNames")
        if index is None or names is None:
            return
        for el in names.iterchildren(f"{{{NS_MAIN}}}definedName"):
            if el.get("name", "").lower() == "_xlnm.print_area" and el.get("localSheetId") == str(
                index
            ):
                text = el.text or ""
                for group in plan.appended:
                    text = widen_area(
                        text, group.first_col - 1, group.first_col + len(group.headers) - 1
                    )
                el.text = text

    def _add_sheet(self, sheet: NewSheet) -> None:
        taken = [el.get("name", "") for el in self.sheets_el]
        name = unique_sheet_name(sheet.name, taken)
        part = self.new_part("xl/worksheets/sheet{}.xml")
        rid = self.wb_rels.add("worksheet", part)
        ids = [int(el.get("sheetId", "0")) for el in self.sheets_el]
        # r:id under the prefix r, declared here when the workbook does not declare it (lxml
        # would otherwise invent ns0, or take whatever another library registered globally)
        nsmap = None if NS_R in self.sheets_el.nsmap.values() else {"r": NS_R}
        el = etree.SubElement(
            self.sheets_el,
            f"{{{NS_MAIN}}}sheet",
            name=name,
            sheetId=str(max([0, *ids]) + 1),
            nsmap=nsmap,
        )
        el.set(f"{{{NS_R}}}id", rid)
        self.ct.set_override(part, CT_SHEET)
        drawing_rid = None
        widths = sheet.column_widths()  # once: a big 汇总 has thousands of rows
        if sheet.charts:
            drawing = self.new_part("xl/drawings/drawing{}.xml")
            sheet_rels = self.rels_cache[part] = Rels(part, None)
            drawing_rid = sheet_rels.add("drawing", drawing)
            drawing_rels = Rels(drawing, None)
            anchors = []
            for chart in sheet.charts:
                chart_part = self.new_part("xl/charts/chart{}.xml")
                anchors.append((chart_anchor(chart, widths), drawing_rels.add("chart", chart_part)))
                self.late[chart_part] = functools.partial(chart_xml, chart, sheet, name)
                self.ct.set_override(chart_part, CT_CHART)
            self.late[drawing] = functools.partial(drawing_xml, anchors)
            self.ct.set_override(drawing, CT_DRAWING)
            self.late[sheet_rels.path] = sheet_rels.to_bytes
            self.late[drawing_rels.path] = drawing_rels.to_bytes
        self.late[part] = functools.partial(
            new_sheet_xml, sheet, name, self.styles, drawing_rid, widths
        )
        if sheet.autofilter:
            defined = etree.SubElement(
                self._defined_names(),
                f"{{{NS_MAIN}}}definedName",
                name="_xlnm._FilterDatabase",
                localSheetId=str(len(taken)),
                hidden="1",
            )
            defined.text = _area(name, *sheet.autofilter)
        if sheet.landscape:
            defined = etree.SubElement(
                self._defined_names(),
                f"{{{NS_MAIN}}}definedName",
                name="_xlnm.Print_Area",
                localSheetId=str(len(taken)),
            )
            defined.text = _area(name, *sheet.print_area(widths))

    # -- writing

    def write(self, out: Path) -> None:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in self.infos:
                name = info.filename
                if name in self.removed or name in self.late or name == self.styles_part:
                    continue
                if name in self.upfront:
                    self._put(zout, name, self.upfront[name](), info)
                elif name in self.streams:
                    target = self._info(name, info, level=STREAM_LEVEL)
                    big = info.file_size > (1 << 30)
                    with (
                        self.zin.open(info) as member,
                        _reading_ahead(member) as src,
                        zout.open(target, "w", force_zip64=big) as dst,
                        _compressing_aside(dst) as sink,
                    ):
                        self.streams[name].run(src, sink)
                else:
                    target = self._info(name, info)
                    target.compress_type = info.compress_type
                    with (
                        self.zin.open(info) as src,
                        zout.open(target, "w", force_zip64=info.file_size > (1 << 30)) as dst,
                    ):
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
            for name, produce in list(self.late.items()):
                if name not in self.removed:
                    self._put(zout, name, produce(), None)
            self._put(zout, self.styles_part, self.styles.to_bytes(), None)

    def _info(
        self, name: str, like: zipfile.ZipInfo | None, level: int | None = None
    ) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=like.date_time if like else (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        if level is not None:  # the attribute is compress_level from Python 3.13
            attr = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
            setattr(info, attr, level)
        return info

    def _put(
        self, zout: zipfile.ZipFile, name: str, data: bytes, like: zipfile.ZipInfo | None
    ) -> None:
        zout.writestr(self._info(name, like), data)


class _Aside:
    """Bytes handed to a thread that writes them to ``dst`` (a zip member: zlib compresses and
    checksums without holding the GIL), so compressing a big sheet overlaps editing it."""

    def __init__(self, dst: IO[bytes]) -> None:
        self.dst = dst
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)  # a few 4 MB chunks
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="branchctl-deflate", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.dst.write(data)
                except BaseException as e:  # handed to the writer on its next write or close
                    self.error = e

    def write(self, data: bytes) -> int:
        if self.error is not None:
            raise self.error
        self.queue.put(data)
        return len(data)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def _compressing_aside(dst: IO[bytes]) -> Iterator[_Aside]:
    aside = _Aside(dst)
    try:
        yield aside
    except BaseException:
        aside.queue.put(None)  # stop the thread; the first error is the one to report
        aside.thread.join()
        raise
    aside.close()


class _Ahead:
    """A zip member read by a thread, a few chunks ahead (zlib inflates and checksums without
    holding the GIL), so inflating a big sheet overlaps editing it."""

    def __init__(self, src: IO[bytes], size: int) -> None:
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.ended = False
        self.buf = b""
        self.thread = threading.Thread(
            target=self._run, args=(src, size), name="branchctl-inflate", daemon=True
        )
        self.thread.start()

    def _run(self, src: IO[bytes], size: int) -> None:
        try:
            while not self.stop.is_set() and (chunk := src.read(size)):
                self._put(chunk)
        except BaseException as e:  # handed to the reader at the end of what was read
            self.error = e
        self._put(None)

    def _put(self, item: bytes | None) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, n: int = -1, /) -> bytes:
        """Up to ``n`` bytes (empty at the end), or with ``n`` < 0 all the rest."""
        if n < 0:
            rest, self.buf = self.buf + b"".join(iter(self._next, b"")), b""
            return rest
        if not self.buf:
            self.buf = self._next()
        out, self.buf = self.buf[:n], self.buf[n:]  # the whole chunk itself when it fits
        return out

    def _next(self) -> bytes:
        if self.ended:
            return b""
        chunk = self.queue.get()
        if chunk is None:
            self.ended = True
            if self.error is not None:
                raise self.error
            return b""
        return chunk

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


@contextlib.contextmanager
def _reading_ahead(src: IO[bytes]) -> Iterator[_Ahead]:
    ahead = _Ahead(src, 1 << 22)
    try:
        yield ahead
    finally:
        ahead.close()  # before the member is closed under the thread


def _area(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{quote_sheet(sheet)}!${column_letter(c1)}${r1 + 1}:${column_letter(c2)}${r2 + 1}"


# one range of a defined name: a sheet (quoted or not), then columns with optional rows
_RANGE = re.compile(
    r"((?:'(?:[^']|'')+'|[^'!,()]+)!)(\$?)([A-Za-z]{1,3})(\$?\d*)(?::(\$?)([A-Za-z]{1,3})(\$?\d*))?"
)


def widen_area(text: str, table_last: int, new_last: int) -> str:
    """A print area's ranges that include column ``table_last`` (0-based), ending before
    ``new_last``, made to end at ``new_last``."""

    def widen(m: re.Match[str]) -> str:
        first = column_number(m.group(3)) - 1
        last = column_number(m.group(6)) - 1 if m.group(6) else first
        if not first <= table_last <= last < new_last:
            return m.group(0)
        dollar, rows = (m.group(5), m.group(7)) if m.group(6) else (m.group(2), m.group(4))
        return (
            f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(4)}:"
            f"{dollar}{column_letter(new_last)}{rows}"
        )

    return _RANGE.sub(widen, text)
