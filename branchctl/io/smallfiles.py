"""Opening what a user names: checked to be a regular file first, small files read bounded.

Every file a user names (a workbook, ``--vars``, ``--map``, ``--rubric``, a template, a
report) goes through :func:`regular_file` or :func:`open_regular` before it is read: a FIFO
would block the run forever, ``/dev/zero`` would fill the memory, a symbolic-link loop is not
"missing". The small files (variables, name maps, rubrics, templates) are read whole, so their
size is checked before reading and the reading stops one byte past the limit, and parsed data is
refused past :data:`MAX_NESTING` levels (Python's parsers recurse: thousands of ``[`` end in
RecursionError).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from branchctl.errors import BranchctlError, os_reason

# Levels of tables and lists a variables file, name map, rubric or report may nest: a rubric
# uses three or four, a validate --json report four.
MAX_NESTING = 32

T = TypeVar("T")


def regular_file(
    path: str | Path, what: str, *, missing: str | None = None, code: str = "file-unreadable"
) -> os.stat_result:
    """The status of ``path`` (links followed) if it is a regular file; else one sentence.

    ``what`` names the file in the sentence (规则文件, 更名对照表…); ``missing`` replaces
    “{what}不存在” when it does not exist.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except OSError as e:
        raise not_openable(p, e, what, missing=missing, code=code) from None
    _check_mode(p, st, what, code)
    return st


def open_regular(
    path: str | Path, what: str, *, missing: str | None = None, code: str = "file-unreadable"
) -> IO[bytes]:
    """``path`` opened for reading in binary, refused unless it is a regular file.

    Opened without blocking (a FIFO with no writer would otherwise hang here), then checked on
    the open descriptor, so nothing can be swapped in between.
    """
    p = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as e:
        raise not_openable(p, e, what, missing=missing, code=code) from None
    try:
        _check_mode(p, os.fstat(fd), what, code)
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_small(
    path: str | Path,
    what: str,
    max_bytes: int,
    *,
    missing: str | None = None,
    code: str = "file-unreadable",
) -> bytes:
    """The whole of a small file, refused when it is larger than ``max_bytes``."""
    p = Path(path)
    with open_regular(p, what, missing=missing, code=code) as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise too_large(p, what, size, max_bytes, code)
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise BranchctlError(f"{what}无法读取（{os_reason(e)}）", path=p, code=code) from e
    if len(data) > max_bytes:  # grew since it was measured
        raise too_large(p, what, len(data), max_bytes, code)
    return data


def read_small_text(
    path: str | Path,
    what: str,
    max_bytes: int,
    *,
    missing: str | None = None,
    code: str = "file-unreadable",
) -> str:
    """A small UTF-8 text file (a byte-order mark is dropped), refused past ``max_bytes``."""
    raw = read_small(path, what, max_bytes, missing=missing, code=code)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BranchctlError(
            f"{what}不是 UTF-8 编码（第 {e.start + 1} 个字节无法解码），请用 UTF-8 保存后重试",
            path=path,
            code=code,
        ) from None


def parse_bounded(
    parse: Callable[[str], T], text: str, what: str, path: str | Path | None, code: str
) -> T:
    """``parse(text)``, refusing data nested deeper than MAX_NESTING (never RecursionError)."""
    try:
        data = parse(text)
    except RecursionError:
        raise too_deep(path, what, code) from None
    if nesting(data) > MAX_NESTING:
        raise too_deep(path, what, code)
    return data


def nesting(data: Any) -> int:
    """Levels of dicts and lists in ``data`` (0 for a scalar), counted without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_NESTING:
                return deepest
        stack.extend((child, depth) for child in children)
    return deepest


# --- the sentences ----------------------------------------------------------------------------


def not_openable(
    path: Path,
    e: OSError,
    what: str,
    *,
    missing: str | None = None,
    code: str = "file-unreadable",
) -> BranchctlError:
    """Why ``path`` cannot be opened: missing, a link loop, a dangling link, no permission."""
    if e.errno == errno.ELOOP:
        message = f"{what}是循环的符号链接（链接最终指向自身），无法打开"
    elif e.errno == errno.ENOENT and os.path.islink(path):
        message = f"{what}是符号链接，但它指向的文件不存在"
    elif e.errno == errno.ENOENT:
        message = missing or f"{what}不存在"
    else:
        message = f"{what}无法打开（{os_reason(e)}）"
    return BranchctlError(message, path=path, code=code)


def _check_mode(path: Path, st: os.stat_result, what: str, code: str) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise BranchctlError(f"这是一个文件夹而不是{what}", path=path, code=code)
    if not stat.S_ISREG(st.st_mode):
        raise BranchctlError(
            f"这不是普通文件（而是管道、设备或套接字），不能作为{what}读取", path=path, code=code
        )


def too_large(path: Path, what: str, size: int, limit: int, code: str) -> BranchctlError:
    return BranchctlError(
        f"{what}过大（{size_text(size)}，上限 {size_text(limit)}），不像是{what}，已拒绝读取",
        path=path,
        code=code,
    )


def too_deep(path: str | Path | None, what: str, code: str) -> BranchctlError:
    return BranchctlError(
        f"{what}的嵌套层数过多（超过 {MAX_NESTING} 层），不像是正常的{what}，已拒绝读取",
        path=path,
        code=code,
    )


def size_text(n: int) -> str:
    """A byte count as a clerk reads it: 3.5 MB, 12 KB, 100 字节."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} 字节"
