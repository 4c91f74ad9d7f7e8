"""Writing outputs safely: output paths checked against the inputs, and every file written
through :func:`atomic_output` — a temporary file in the target folder, renamed into place only
when complete, so an interrupted run never leaves a half-written file.

A full disk, a read-only folder, a missing permission or an exhausted quota while writing end in
one sentence naming the folder. On Ctrl+C, or SIGTERM once the CLI has called
:func:`branchctl.io.termination.handle_termination`, the temporary file is removed; temporary
files that a run killed outright left behind are removed from the output folder by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from branchctl.errors import BranchctlError, os_reason
from branchctl.io.smallfiles import not_openable, open_regular

TEMP_PREFIX = ".~branchctl-"
TEMP_SUFFIX = ".tmp"
# Failures of the disk or the folder written to, not of the program: told as a sentence.
DISK_FAULTS = frozenset(
    {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EFBIG, errno.EIO}
)
_RUN_STARTED = time.time()  # temporary files older than this are a finished run's leftovers
_swept: set[str] = set()


# Stems of the copies the tool writes beside the clerk's files (x.rated.xlsx, x.compare.xlsx):
# never taken as township submissions when a folder is searched. A checked copy
# (x.checked.xlsx) goes back to the township and may come back corrected under the same name:
# it is passed over only beside its original (see discovery.own_outputs).
OUTPUT_STEMS = (".rated", ".compare")
CHECKED_SUFFIX = ".checked.xlsx"


def is_tool_output(path: Path) -> bool:
    """A copy this tool wrote that never holds a submission (x.rated.xlsx, x.compare.xlsx)."""
    return path.suffix.lower() == ".xlsx" and path.stem.endswith(OUTPUT_STEMS)


# Every workbook this tool writes says what it is in a custom document property (File ›
# Properties › Custom in Excel, kept when the clerk saves it again), so a copy saved under any
# name is still known when a folder is searched. The kinds, and how a note names each:
OUTPUT_PROPERTY = "branchctl"
OUTPUT_KINDS = {
    "rated": "本工具写出的评定批注副本",
    "checked": "本工具写出的校验批注副本",
    "compare": "本工具写出的两期对比工作簿",
    "report": "本工具写出的校验报告",
    "export": "本工具从档案导出的台账",
    "county": "本工具写出的评定汇总（全县台账）",
    "master": "本工具写出的汇总工作簿（总台账）",
}
# Kinds that are county ledgers: a city collects and rates them (see rules.county.set_aside).
LEDGER_KINDS = frozenset({"county", "master"})
# Kinds that go back to the township and may come back corrected as its submission: read.
RETURNED_KINDS = frozenset({"checked"})
CUSTOM_PART = "docProps/custom.xml"
CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
RT_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the user-defined property set
_MAX_CUSTOM = 1 << 16


def output_kind(path: Path) -> str | None:
    """What this tool wrote ``path`` as (a key of :data:`OUTPUT_KINDS`), from the property in
    its ``docProps/custom.xml``; None for any other workbook, and for anything that is not a
    readable .xlsx package (never an error: reading it says what is wrong)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:  # opened as a regular file only: a FIFO named .xlsx must not block here
        with open_regular(path, "工作簿文件") as f:
            if _directory_lacks_custom(f):
                return None
            f.seek(0)
            with zipfile.ZipFile(f) as z:
                info = z.getinfo(CUSTOM_PART)
                if info.file_size > _MAX_CUSTOM:
                    return None
                text = z.read(info)
    except (BranchctlError, OSError, KeyError, EOFError, RuntimeError, zipfile.BadZipFile):
        return None
    kind = _property(text)
    return kind if kind in OUTPUT_KINDS else None


_EOCD = b"PK\x05\x06"
_TAIL = 22 + 0xFFFF  # the end record and the longest comment it may carry


def _directory_lacks_custom(f: IO[bytes]) -> bool:
    """True when the zip directory at the end of ``f`` surely names no CUSTOM_PART: the part's
    name is nowhere in the directory's bytes (which zipfile reads just before the end record).
    A folder search asks this of every file; most hold no custom properties, and finding the
    name in the tail's bytes costs a hundredth of zipfile parsing the directory. False (ask
    zipfile) whenever the directory is not plainly in the tail: zip64, a damaged end record."""
    size = f.seek(0, os.SEEK_END)
    f.seek(max(size - _TAIL, 0))
    tail = f.read(_TAIL)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return False
    cd_size = int.from_bytes(tail[at + 12 : at + 16], "little")
    if cd_size == 0xFFFFFFFF or cd_size > at or tail[max(at - 20, 0) : at][:4] == b"PK\x06\x07":
        return False
    return CUSTOM_PART.encode("ascii") not in tail[at - cd_size : at]


def _property(text: bytes) -> str | None:
    try:
        root = etree.fromstring(text, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    for prop in root.iterchildren(f"{{{_NS_CUSTOM}}}property"):
        if prop.get("name") == OUTPUT_PROPERTY:
            return "".join(prop.itertext()).strip()
    return None


def custom_properties(existing: bytes | None, kind: str) -> bytes:
    """``docProps/custom.xml`` saying ``kind``: the workbook's own custom properties (if any,
    and readable) kept, ours added or replaced."""
    root = None
    if existing is not None:
        try:
            root = etree.fromstring(existing, etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            root = None
        if root is not None and root.tag != f"{{{_NS_CUSTOM}}}Properties":
            root = None
    if root is None:
        root = etree.Element(f"{{{_NS_CUSTOM}}}Properties", nsmap={None: _NS_CUSTOM, "vt": _NS_VT})
    props = list(root.iterchildren(f"{{{_NS_CUSTOM}}}property"))
    for prop in props:
        if prop.get("name") == OUTPUT_PROPERTY:
            root.remove(prop)
    pids = [int(p.get("pid", "0")) for p in props if (p.get("pid") or "").isdigit()]
    prop = etree.SubElement(
        root,
        f"{{{_NS_CUSTOM}}}property",
        {"fmtid": _FMTID, "pid": str(max([1, *pids]) + 1), "name": OUTPUT_PROPERTY},
    )
    etree.SubElement(prop, f"{{{_NS_VT}}}lpwstr").text = kind
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def require_folder(path: Path) -> None:
    """Refuse an output whose folder does not exist, naming the folder."""
    if not path.parent.is_dir():
        raise BranchctlError(
            f"文件夹“{path.parent}”不存在，请先建好这个文件夹，或换一个输出位置", path=path
        )


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same path once links are resolved, or two hard
    links of one file."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (yet)
        return False


def ensure_distinct(out: str | Path, *inputs: str | Path) -> None:
    """Raise BranchctlError if ``out`` is one of ``inputs`` (a symbolic or a hard link too)."""
    refuse_inputs([Path(out)], [Path(p) for p in inputs])


def refuse_inputs(outputs: Iterable[Path | None], inputs: Iterable[Path]) -> None:
    """Raise BranchctlError if an output is an input, by path or as a hard link of one."""
    written = [out for out in outputs if out is not None]
    if not written:  # nothing written (validate --json): no input resolved for nothing
        return
    paths: set[Path] = set()
    ids: set[tuple[int, int]] = set()
    for path in inputs:
        paths.add(path.resolve())
        with contextlib.suppress(OSError, ValueError):
            st = os.stat(path)
            ids.add((st.st_dev, st.st_ino))
    for out in written:
        same = out.resolve() in paths
        if not same:
            with contextlib.suppress(OSError, ValueError):
                st = os.stat(out)
                same = (st.st_dev, st.st_ino) in ids
        if same:
            raise BranchctlError("输出文件不能与输入文件相同，请另选输出路径", path=out)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success, delete it on failure.

    The temporary file is hidden (``.~branchctl-XXXX.tmp``) and created in the target folder so
    the final rename is atomic. It exists (empty) when yielded; writers may overwrite it. A disk
    fault while writing (:data:`DISK_FAULTS`) becomes a BranchctlError naming the folder.
    """
    path = Path(path)
    folder = path.parent
    require_folder(path)
    sweep_leftovers(folder)
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    except OSError as e:
        raise write_error(e, path) from e
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _finish(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        fault = disk_fault(e)
        if fault is not None and not isinstance(e, BranchctlError):
            raise write_error(fault, path) from e
        raise


def disk_fault(e: BaseException) -> OSError | None:
    """The disk fault behind ``e``, if any: ``e`` itself, its cause or context, or the OSError a
    writer wrapped (xlsxwriter's FileCreateError holds it as its argument)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [e]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno in DISK_FAULTS:
            return item
        todo += [item.__cause__, item.__context__]
        todo += [a for a in item.args if isinstance(a, BaseException)]
    return None


def write_error(e: OSError, path: Path) -> BranchctlError:
    """One sentence: which folder could not be written, and why (in Chinese)."""
    where = Path(e.filename).parent if isinstance(e.filename, str) and e.filename else path.parent
    if e.errno not in DISK_FAULTS:
        return BranchctlError(f"无法在输出文件夹中创建文件（{os_reason(e)}）", path=path)
    return BranchctlError(
        f"无法写入文件夹“{os.path.abspath(where)}”（{os_reason(e)}），“{path.name}”未写出"
    )


def sweep_leftovers(folder: Path) -> None:
    """Remove our temporary files (``.~branchctl-*.tmp``) older than this run from ``folder``:
    what a run killed outright (SIGKILL, a power cut) left behind. Once per folder, and only in
    the main process, whose start precedes every temporary file of this run."""
    mp = sys.modules.get("multiprocessing")  # never imported: not a worker process
    if mp is not None and mp.parent_process() is not None:
        return
    key = os.path.abspath(folder)
    if key in _swept:
        return
    _swept.add(key)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX)):
            continue
        with contextlib.suppress(OSError):
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and st.st_mtime < _RUN_STARTED:
                os.unlink(entry.path)


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
        if e.errno in DISK_FAULTS:
            raise write_error(e, path) from e
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
    """Refuse to write over an input (or a hard link of one), or into a folder that does not
    exist.

    A missing input is named first: its default output's folder is missing too.
    """
    for path in inputs:
        try:
            os.stat(path)
        except OSError as e:  # missing, a link loop, a dangling link: said as the reader says it
            raise not_openable(path, e, "文件", missing="文件不存在") from None
    if any(same_file(out, path) for path in inputs):
        raise BranchctlError("输出文件不能与输入文件相同，请用 -o 指定另一个文件名", path=out)
    require_folder(out)
    if out.suffix.lower() != ".xlsx":
        raise BranchctlError(
            "批注工作簿只能写成 .xlsx 格式，请把输出文件名改为 .xlsx 结尾", path=out
        )
