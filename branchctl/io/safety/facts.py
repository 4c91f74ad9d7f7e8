"""What the pre-scan learns about each sheet on its way: merged ranges (bounded), hidden rows
and columns. The reader takes them from here where python-calamine does not give them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.io.safety.limits import MAX_MERGED_CELLS, MAX_MERGES
from branchctl.io.safety.package import Package

Range = tuple[int, int, int, int]  # r1, c1, r2, c2: 0-based, inclusive


@dataclass
class SheetFacts:
    """Merged ranges (read by the scan for .ods only), hidden rows and columns as
    ``(start, stop)`` ranges, 0-based, ``stop`` excluded, as the file states them."""

    merges: list[Range] = field(default_factory=list)
    hidden_rows: list[tuple[int, int]] = field(default_factory=list)
    hidden_cols: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Scan:
    """The real format of a workbook, and what the scan saw of each sheet (by sheet name).

    ``package``: for a small .xlsx, the parts the scan inflated and checked, as a zip that
    stores them uncompressed, for the reader to read instead of the file (None: read the file).
    """

    format: str
    sheets: dict[str, SheetFacts] = field(default_factory=dict)
    package: Package | None = field(default=None, repr=False)


class MergeBudget:
    """Counts the cells merged ranges cover (overlaps counted twice) and refuses a sheet past
    MAX_MERGED_CELLS of them, or past MAX_MERGES ranges: each covered cell may be visited by
    whoever reads the merges."""

    def __init__(self, path: Path, sheet: str | None) -> None:
        self.path, self.sheet = path, sheet
        self.cells = 0
        self.count = 0

    def add(self, r1: int, c1: int, r2: int, c2: int, times: int = 1) -> bool:
        """Count ``times`` copies of a range; False for a range that covers one cell or less."""
        if r2 < r1 or c2 < c1 or (r1 == r2 and c1 == c2):
            return False
        self.add_cells(times, (r2 - r1 + 1) * (c2 - c1 + 1) * times)
        return True

    def add_cells(self, count: int, cells: int) -> None:
        """Count ``count`` ranges covering ``cells`` cells in all."""
        self.cells += cells
        self.count += count
        if self.cells > MAX_MERGED_CELLS or self.count > MAX_MERGES:
            raise BranchctlError(
                f"合并单元格（共 {self.count:,} 处）覆盖 {self.cells:,} 个单元格，超出安全上限 "
                f"{MAX_MERGED_CELLS:,} 个（或 {MAX_MERGES:,} 处），文件已损坏或被恶意构造，"
                "请取消多余的合并后重新提交",
                path=self.path,
                sheet=self.sheet,
            )
