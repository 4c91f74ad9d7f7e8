"""Reading a workbook into plain grids of raw cell values, with merges and Excel coordinates.

Everything is read as raw values (python-calamine): no column typing, so phone numbers and IDs
are never turned into floats (see PITFALLS). Grids start at A1 whatever the sheet's used range,
so ``rows[r][c]`` is Excel cell (r + 1, c + 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.errors import BranchctlError
from branchctl.io.cells import cell_name
from branchctl.io.safety.scan import MAX_CELLS, check_file
from branchctl.io.sheetstate import clip, read_sheet_states

FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}


@dataclass
class Sheet:
    name: str
    index: int
    visible: bool
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: frozenset[int] = frozenset()  # 0-based rows of the grid that are hidden
    hidden_cols: frozenset[int] = frozenset()  # 0-based columns of the grid that are hidden

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, row: int, col: int) -> Any:
        if 0 <= row < len(self.rows):
            r = self.rows[row]
            if 0 <= col < len(r):
                return r[col]
        return ""


@dataclass
class Workbook:
    path: Path
    format: str  # "xlsx" (also .xlsm), "xls" or "ods"
    sheets: list[Sheet]

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


def workbook_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BranchctlError(
            "不是受支持的工作簿格式（支持 .xlsx、.xlsm、.xls、.ods）",
            path=path,
            code="file-unreadable",
        )
    return fmt


def read_workbook(path: str | Path) -> Workbook:
    """Read every sheet of a workbook, after the safety checks; raise BranchctlError if unsafe.

    The format comes from the content (``safety.check_file``): a file whose content differs
    from its extension (an .xlsx saved under a .xls name) is read as what it is.
    """
    import python_calamine as pc

    path = Path(path)
    if not path.exists():
        raise BranchctlError("文件不存在", path=path)
    if path.is_dir():
        raise BranchctlError("这是一个文件夹而不是工作簿文件", path=path)
    if not path.is_file():
        raise BranchctlError("不是普通文件，无法作为工作簿读取", path=path)
    named = workbook_format(path)
    fmt = check_file(path)
    try:
        if fmt == named:
            book = pc.CalamineWorkbook.from_path(str(path))
        else:  # calamine picks its reader by extension; from a file object it sniffs content
            with open(path, "rb") as f:
                book = pc.CalamineWorkbook.from_filelike(f)
    except pc.PasswordError as e:
        raise BranchctlError(
            "工作簿设有密码保护，无法读取，请取消密码后重新提交", path=path, code="file-encrypted"
        ) from e
    except Exception as e:  # calamine raises several types for corrupt files
        raise BranchctlError(
            f"无法读取工作簿（文件已损坏或不是电子表格：{_short(e)}）", path=path
        ) from e
    except BaseException as e:  # a Rust panic surfaces as pyo3's PanicException
        if type(e).__name__ != "PanicException":
            raise
        raise BranchctlError("无法读取工作簿（文件结构异常，读取组件出错）", path=path) from e
    sheets: list[Sheet] = []
    for index, meta in enumerate(book.sheets_metadata):
        if "WorkSheet" not in str(meta.typ):
            continue
        sheets.append(
            _read_sheet(
                book, meta.name, index, meta.visible == pc.SheetVisibleEnum.Visible, path, pc
            )
        )
    _add_sheet_states(path, fmt, sheets)
    return Workbook(path=path, format=fmt, sheets=sheets)


def _add_sheet_states(path: Path, fmt: str, sheets: list[Sheet]) -> None:
    """Hidden rows and columns, and an .ods's merges, clipped to each sheet's grid."""
    states = read_sheet_states(path, fmt)
    for sheet in sheets:
        state = states.get(sheet.name)
        if state is None:
            continue
        sheet.hidden_rows = clip(state.hidden_rows, sheet.height)
        sheet.hidden_cols = clip(state.hidden_cols, sheet.width)
        if state.merges is not None and not sheet.merges:
            sheet.merges = [m for m in state.merges if m[0] < sheet.height and m[1] < sheet.width]


def _read_sheet(book: Any, name: str, index: int, visible: bool, path: Path, pc: Any) -> Sheet:
    try:
        raw = book.get_sheet_by_name(name)
    except pc.PasswordError as e:
        raise BranchctlError(
            "工作簿设有密码保护，无法读取", path=path, sheet=name, code="file-encrypted"
        ) from e
    except Exception as e:
        raise BranchctlError(f"工作表无法读取（{_short(e)}）", path=path, sheet=name) from e
    except BaseException as e:  # a Rust panic surfaces as pyo3's PanicException
        if type(e).__name__ != "PanicException":
            raise
        raise BranchctlError(
            "工作表无法读取（文件结构异常，读取组件出错）", path=path, sheet=name
        ) from e
    if raw.height == 0 or raw.width == 0:
        return Sheet(name, index, visible, [], [])
    _, (r1, c1) = raw.start, raw.end
    if (r1 + 1) * (c1 + 1) > MAX_CELLS:
        raise BranchctlError(
            f"使用范围延伸到 {cell_name(r1, c1)}，超出安全读取上限（{MAX_CELLS:,} 个单元格），"
            "请删除远处的空白或多余单元格后重新提交",
            path=path,
            sheet=name,
        )
    try:
        rows = raw.to_python(skip_empty_area=False)
    except Exception as e:
        raise BranchctlError(f"工作表无法读取（{_short(e)}）", path=path, sheet=name) from e
    merges = [(a[0], a[1], b[0], b[1]) for a, b in (raw.merged_cell_ranges or [])]
    return Sheet(name, index, visible, rows, merges)


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:120]
