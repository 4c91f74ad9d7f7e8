"""The pre-scan: every workbook is checked, cheaply and from its bytes, before it is read.

``check_file`` is the entry (:mod:`.check`); the kind of file is told from its first bytes
(:mod:`.sniff`); zip containers (:mod:`.zipcheck`) have their XML prologs (:mod:`.xmlparts`) and
the cell extent of their sheets checked (:mod:`.xlsx_extent`, :mod:`.ods_extent`); OLE files
(:mod:`.ole`) have the records of their workbook stream walked (:mod:`.biff`). On its way the
scan notes the merged ranges (bounded) and the hidden rows and columns of each sheet
(:mod:`.facts`), which the reader uses. The limits are in :mod:`.limits`, the caps on what a
read may materialise derived there from the machine's memory. A small file is read once and its
parts inflated from memory; parts that come whole are searched for near cells only; a small
.xlsx is then read by python-calamine from those parts, stored (:mod:`.package`).
"""

from branchctl.io.safety.check import check_file, scan_file
from branchctl.io.safety.facts import Scan, SheetFacts
from branchctl.io.safety.limits import MAX_CELLS, READ_COST
from branchctl.io.safety.zipcheck import inflation_limit

__all__ = [
    "MAX_CELLS",
    "READ_COST",
    "Scan",
    "SheetFacts",
    "check_file",
    "inflation_limit",
    "scan_file",
]
