"""The one exception type the library raises for bad input; the CLI turns it into exit code 2."""

from __future__ import annotations

import errno
import re
from pathlib import Path


class BranchctlError(Exception):
    """A user-facing failure described by one Chinese sentence.

    ``path``, ``sheet`` and ``cell`` locate the problem; ``str(error)`` is the full sentence
    with the location in front, ready for stderr.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        code: str = "file-unreadable",
    ) -> None:
        self.message = message.rstrip("。")
        self.path = str(path) if path is not None else None
        self.sheet = sheet
        self.cell = cell
        self.code = code
        super().__init__(self.sentence())

    def sentence(self) -> str:
        where = ""
        if self.path:
            where += f"文件“{self.path}”"  # as the user gave it: the folder tells which one
        if self.sheet:
            where += f"工作表“{self.sheet}”"
        if self.cell:
            where += f"单元格 {self.cell} "
        if where:
            return f"{where.rstrip()}：{self.message}。"
        return f"{self.message}。"


# What the operating system and the TOML reader say is English; a clerk reads these instead.
_OS_REASONS = {
    errno.ENOENT: "文件夹或文件不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "磁盘是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘空间配额已用完",
    errno.EISDIR: "这是一个文件夹",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EBUSY: "文件正被其他程序使用",
    errno.EIO: "磁盘读写出错",
}
_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def os_reason(e: OSError) -> str:
    """Why a file operation failed, in Chinese (the system's own words when unknown)."""
    return _OS_REASONS.get(e.errno or -1) or e.strerror or type(e).__name__


TOML_HINT = "写法有误（请检查等号、引号、方括号是否成对齐全，文字值须加英文双引号）"


def toml_where(e: ValueError) -> str:
    """Where tomllib found a TOML file malformed: 第3行第5列 (empty when it does not say)."""
    m = _TOML_WHERE.search(str(e))
    return f"第{m.group(1)}行第{m.group(2)}列" if m else ""


def toml_reason(e: ValueError) -> str:
    """Why a TOML file cannot be read, in Chinese: 第3行第5列写法有误（…）."""
    return toml_where(e) + TOML_HINT
