"""OLE compound files (.xls, or an .xlsx with an opening password), read with olefile.

olefile parses the header, the FAT and the directory; everything it reads is bounded by the
file's size. A stream's declared size is checked before the stream is opened (olefile reads a
stream whole into memory), and a damaged structure is one sentence, whatever olefile raises.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from branchctl.errors import BranchctlError
from branchctl.io.safety.biff import check_biff
from branchctl.io.safety.facts import Scan
from branchctl.io.safety.limits import MAX_XLS_STREAM_BYTES, encrypted
from branchctl.io.smallfiles import size_text

if TYPE_CHECKING:  # olefile (and the logging it loads) only for a compound file: not for .xlsx
    import olefile


def corrupt_ole(path: Path) -> BranchctlError:
    return BranchctlError(
        "文件已损坏（Office 复合文档结构无法解析），可能下载或拷贝时中断，请重新获取后再提交",
        path=path,
    )


def check_ole(path: Path, size: int) -> Scan:
    """Refuse an encrypted or damaged compound file, or one holding no workbook; walk its BIFF."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            data = _workbook_stream(path, ole, size)
    except BranchctlError:
        raise
    except MemoryError:
        raise
    except Exception:  # olefile raises OSError, struct.error, IndexError, RecursionError...
        raise corrupt_ole(path) from None
    return Scan("xls", check_biff(path, data))


def _workbook_stream(path: Path, ole: olefile.OleFileIO, size: int) -> bytes:
    import olefile

    if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
        raise encrypted(path)
    stream = next(
        (s for s in ("Workbook", "Book") if ole.get_type(s) == olefile.STGTY_STREAM), None
    )
    if stream is None:
        if ole.exists("WordDocument"):
            raise BranchctlError("这是 Word 文档而不是 Excel 工作簿，请提交 .xlsx 表格", path=path)
        if ole.exists("PowerPoint Document"):
            raise BranchctlError(
                "这是 PowerPoint 演示文稿而不是 Excel 工作簿，请提交 .xlsx 表格", path=path
            )
        raise BranchctlError(
            "这是 Office 复合文档但其中没有 Excel 工作簿数据，请提交 .xlsx 表格", path=path
        )
    declared = ole.get_size(stream)
    if declared > MAX_XLS_STREAM_BYTES:
        raise BranchctlError(
            f"Excel 97-2003 工作簿的数据流大小为 {size_text(declared)}，"
            f"超过安全上限 {size_text(MAX_XLS_STREAM_BYTES)}，已拒绝读取",
            path=path,
        )
    if declared > size:
        raise corrupt_ole(path)
    with ole.openstream(stream) as f:
        data: bytes = f.read()
    if len(data) < declared:
        raise corrupt_ole(path)
    return data
