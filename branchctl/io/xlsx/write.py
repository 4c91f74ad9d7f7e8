"""Writing annotated copies of workbooks: :func:`write_annotated` applies an
:class:`~branchctl.io.xlsx.plan.AnnotationPlan` to a copy of the source workbook. .xlsx/.xlsm
sources are patched part by part (formatting kept), .xls/.ods sources are rebuilt as a fresh .xlsx.
"""

from __future__ import annotations

from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.outputs import atomic_output, ensure_distinct
from branchctl.io.workbook import Workbook
from branchctl.io.xlsx.package import PatchUnsupported
from branchctl.io.xlsx.patch import patch_xlsx
from branchctl.io.xlsx.plan import AnnotationPlan

REBUILT_NOTE = (
    "文件“{name}”的内部结构较特殊，无法在原格式上批注，批注副本已按数值重建："
    "数值和批注齐全，原有的字体、颜色、列宽和打印设置未保留。"
)


def rebuild_xlsx(source: Workbook, plan: AnnotationPlan, out: Path) -> None:
    """:func:`branchctl.io.xlsx.rebuild.rebuild_xlsx`, loaded (with xlsxwriter) only when a copy
    is rebuilt: patching an .xlsx does without it, and starts faster."""
    from branchctl.io.xlsx.rebuild import rebuild_xlsx as rebuild

    rebuild(source, plan, out)


def write_annotated(source: Workbook, plan: AnnotationPlan, out: str | Path) -> list[str]:
    """Write a copy of ``source`` with ``plan`` applied to ``out`` (an .xlsx path).

    Returns the notes the clerk should read (in Chinese): when an .xlsx package has a shape the
    patch writer does not handle (:class:`PatchUnsupported`), the copy is rebuilt from the values
    read, and a note says that its formatting was not kept. Any other failure propagates.
    An .xlsm source keeps its macros only when ``out`` ends in .xlsm.
    """
    out = Path(out)
    ensure_distinct(out, source.path)
    suffix = out.suffix.lower()
    keep_macros = suffix == ".xlsm" and source.path.suffix.lower() == ".xlsm"
    if suffix != ".xlsx" and not keep_macros:
        raise BranchctlError("批注工作簿的输出文件须以 .xlsx 结尾", path=out)
    names = {s.name for s in source.sheets}
    for name in plan.sheets:
        if name not in names:
            raise BranchctlError("要批注的工作表在工作簿中不存在", path=source.path, sheet=name)
    notes: list[str] = []
    with atomic_output(out) as tmp:
        if source.format == "xlsx":
            try:
                patch_xlsx(source, plan, tmp, keep_macros=keep_macros)
                return notes
            except PatchUnsupported:
                notes.append(REBUILT_NOTE.format(name=source.path.name))
        rebuild_xlsx(source, plan, tmp)
    return notes
