"""The one exception type the library raises for bad input; the CLI turns it into exit code 2."""

from __future__ import annotations

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
            where += f"文件“{Path(self.path).name}”"
        if self.sheet:
            where += f"工作表“{self.sheet}”"
        if self.cell:
            where += f"单元格 {self.cell} "
        if where:
            return f"{where.rstrip()}：{self.message}。"
        return f"{self.message}。"
