"""Writing annotated copies of workbooks: :func:`write_annotated` applies an
:class:`~branchctl.io.xlsx.plan.AnnotationPlan` to a copy of the source workbook. .xlsx/.xlsm
sources are patched part by part (formatting kept), .xls/.ods sources are rebuilt as a fresh .xlsx.
"""

from __future__ import annotations

import logging
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.outputs import atomic_output, ensure_distinct
from branchctl.io.workbook import Workbook
from branchctl.io.xlsx.patch import patch_xlsx
from branchctl.io.xlsx.plan import AnnotationPlan
from branchctl.io.xlsx.rebuild import rebuild_xlsx

log = logging.getLogger(__name__)


def write_annotated(source: Workbook, plan: AnnotationPlan, out: str | Path) -> None:
    """Write a copy of ``source`` with ``plan`` applied to ``out`` (an .xlsx path).

    An .xlsm source keeps its macros only when ``out`` ends in .xlsm; otherwise the macros are
    dropped so that Excel opens the .xlsx. If patching an .xlsx fails on an unusual but readable
    package, the workbook is rebuilt from the values read instead (formatting is then lost) and
    a warning (in Chinese, for the clerk) is logged on this module's logger.
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
    with atomic_output(out) as tmp:
        if source.format == "xlsx":
            try:
                patch_xlsx(source, plan, tmp, keep_macros=keep_macros)
                return
            except BranchctlError:
                raise
            except Exception as e:  # an odd but readable package: fall back to a rebuild
                # surfaces on stderr unless the CLI configures logging: the clerk should know
                log.warning(
                    "提示：文件“%s”无法在原格式上批注（%s: %s），已按数值重建批注副本，原有格式未保留。",
                    source.path.name,
                    type(e).__name__,
                    e,
                )
        rebuild_xlsx(source, plan, tmp)
