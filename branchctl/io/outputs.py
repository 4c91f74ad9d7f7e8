"""Writing outputs safely: output paths checked against the inputs, and every file written
through :func:`atomic_output` — a temporary file in the target folder, renamed into place only
when complete, so an interrupted run never leaves a half-written file."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from branchctl.errors import BranchctlError, os_reason

TEMP_PREFIX = ".~branchctl-"
TEMP_SUFFIX = ".tmp"


# Stems of the copies the tool writes beside the clerk's files (x.rated.xlsx, x.checked.xlsx…):
# never taken as township submissions when a folder is searched.
OUTPUT_STEMS = (".rated", ".compare", ".checked")


def is_tool_output(path: Path) -> bool:
    """A copy this tool wrote (x.rated.xlsx, x.checked.xlsx, x.compare.xlsx)."""
    return path.suffix.lower() == ".xlsx" and path.stem.endswith(OUTPUT_STEMS)


def require_folder(path: Path) -> None:
    """Refuse an output whose folder does not exist, naming the folder."""
    if not path.parent.is_dir():
        raise BranchctlError(
            f"文件夹“{path.parent}”不存在，请先建好这个文件夹，或换一个输出位置", path=path
        )


def ensure_distinct(out: str | Path, *inputs: str | Path) -> None:
    """Raise BranchctlError if ``out`` is one of ``inputs`` (after resolving links)."""
    out = Path(out)
    target = out.resolve()
    for item in inputs:
        path = Path(item)
        same = path.resolve() == target
        if not same and out.exists() and path.exists():
            with contextlib.suppress(OSError):
                same = os.path.samefile(out, path)
        if same:
            raise BranchctlError("输出文件不能与输入文件相同，请另选输出路径", path=out)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success, delete it on failure.

    The temporary file is hidden (``.~branchctl-XXXX.tmp``) and created in the target folder so
    the final rename is atomic. It exists (empty) when yielded; writers may overwrite it.
    """
    path = Path(path)
    folder = path.parent
    require_folder(path)
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    except OSError as e:
        raise BranchctlError(f"无法在输出文件夹中创建文件（{os_reason(e)}）", path=path) from e
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _finish(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _finish(tmp: Path, path: Path) -> None:
    # mkstemp creates the file readable by its owner only; give outputs the usual permissions.
    with contextlib.suppress(OSError):
        os.chmod(tmp, 0o666 & ~_umask())
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    try:
        os.replace(tmp, path)
    except PermissionError as e:
        raise BranchctlError(
            "无法写入输出文件（文件可能正被其他程序打开，或没有写入权限）", path=path
        ) from e
    except OSError as e:
        raise BranchctlError(f"无法写入输出文件（{os_reason(e)}）", path=path) from e


@functools.cache
def _umask() -> int:
    try:  # read it without changing it where the platform allows
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_output_path(out: Path, *inputs: Path) -> None:
    """Refuse to write over an input, or into a folder that does not exist.

    A missing input is named first: its default output's folder is missing too.
    """
    for path in inputs:
        if not path.exists():
            raise BranchctlError("文件不存在", path=path)
    target = out.resolve()
    for path in inputs:
        if path.exists() and path.resolve() == target:
            raise BranchctlError("输出文件不能与输入文件相同，请用 -o 指定另一个文件名", path=out)
    require_folder(out)
    if out.suffix.lower() != ".xlsx":
        raise BranchctlError(
            "批注工作簿只能写成 .xlsx 格式，请把输出文件名改为 .xlsx 结尾", path=out
        )
