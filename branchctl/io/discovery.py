"""Finding the workbooks under the paths a user gives: the one walk of folders every batch uses.

Files named on the command line are taken whatever they are (what they are not is that file's
finding). In folders, only files with a workbook suffix are taken; hidden folders are not
searched, symbolic links to folders are not followed (a link loop cannot make the walk
endless), and each command passes over the names it never reads (lock files, x.rated.xlsx…).
A workbook this tool wrote, under any name, is known by its content (:func:`output_kind`):
:func:`own_outputs` sets those aside with a reason for the command to report.

A folder entry that cannot be read — a symbolic-link loop, a link to nothing, a FIFO or device,
a name that is not valid UTF-8, a folder without permission — is returned as an
:class:`Unreadable` of that entry, for the command to report; it never ends the batch.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from branchctl.errors import BranchctlError, os_reason
from branchctl.io.outputs import (
    CHECKED_SUFFIX,
    LEDGER_KINDS,
    OUTPUT_KINDS,
    RETURNED_KINDS,
    output_kind,
)
from branchctl.io.workbook import FORMATS

WORKBOOK_SUFFIXES = frozenset(FORMATS)


@dataclass(frozen=True)
class Workbook:
    """A file to read: as found, resolved (for de-duplication and output guards), and its
    label relative to the folder it was found in (its name when named directly)."""

    path: Path
    real: Path
    label: str
    size: int
    named: bool = False
    output: str | None = None  # found in a folder and written by this tool: what (OUTPUT_KINDS)


@dataclass(frozen=True)
class Unreadable:
    """A folder entry that cannot be read, with why (one Chinese clause)."""

    path: Path  # safe to print: a name that is not UTF-8 is shown decoded as GB18030
    label: str
    reason: str


Found = Workbook | Unreadable


def find_workbooks(
    paths: Sequence[str | Path],
    *,
    skip_name: Callable[[str], bool] = lambda name: False,
    exclude: Iterable[Path] = (),
    missing: str = "路径不存在，请检查文件或文件夹名",
) -> list[Found]:
    """Every workbook under ``paths`` and every entry that cannot be read, in path order.

    ``skip_name``: file names a folder search passes over silently. ``exclude``: folders and
    files this run writes (never searched, never read). A path given that does not exist is
    the end of the run (``missing``); one that is not a folder is taken as a file.
    """
    excluded = [p.resolve() for p in exclude]
    found: dict[Path, Found] = {}
    for arg in paths:
        given = Path(arg)
        if not given.is_dir():
            if not os.path.lexists(given):
                raise BranchctlError(missing, path=given)
            real = _resolve(given)
            found.setdefault(real or given.absolute(), _named(given, real))
            continue
        for item in _walk(given, skip_name, excluded):
            key = item.real if isinstance(item, Workbook) else item.path.absolute()
            found.setdefault(key, item)
    return sorted(found.values(), key=lambda f: (str(f.path.parent), f.path.name))


OUTPUT_SKIPPED = "{what}，不是乡镇报送的报表，未读取（确需读取时请在命令中直接写出这个文件名）"
CHECKED_SKIPPED = (
    "与原报表“{original}”同时找到，是此前写出的校验批注副本，未读取"
    "（乡镇改正后寄回的副本请替换原报表，或在命令中直接写出这个文件名）"
)
LEDGER_SKIPPED = (
    "{what}，与乡镇报表放在同一处，其中的支部已在这些报表中，未重复读取"
    "（确需读取时请在命令中直接写出这个文件名）"
)


def own_outputs(
    found: Sequence[Found], *, keep_ledgers: bool = False
) -> tuple[list[Found], list[tuple[str, str]]]:
    """``found`` without the workbooks this tool wrote that a folder search met, and those
    left out as (label, why). A rated copy, a comparison, a report or an export holds no
    submission of its own; a checked copy is kept (the township corrects it and sends it back),
    unless it is found beside the file it was made from (x.checked.xlsx beside x.xlsx: an
    earlier run's copy). A county ledger (a collect master, a county
    workbook) is kept where the search found nothing else (a city's folder of county ledgers),
    or when ``keep_ledgers`` (the caller sets aside those beside their township files itself);
    otherwise it is left out as counted already."""
    townships = any(
        isinstance(f, Workbook) and (f.output is None or f.output in RETURNED_KINDS) for f in found
    )
    copies = any(
        isinstance(f, Workbook) and not f.named and f.path.name.lower().endswith(CHECKED_SUFFIX)
        for f in found
    )
    names = (  # where each file was found, for a checked copy to look for its original
        {
            (f.path.absolute().parent, f.path.name.lower()): f.label
            for f in found
            if isinstance(f, Workbook)
        }
        if copies
        else {}
    )
    kept: list[Found] = []
    skipped: list[tuple[str, str]] = []
    for f in found:
        kind = f.output if isinstance(f, Workbook) else None
        original = _original_of(f, names) if isinstance(f, Workbook) else None
        if original is not None:
            skipped.append((f.label, CHECKED_SKIPPED.format(original=original)))
        elif kind is None or kind in RETURNED_KINDS:
            kept.append(f)
        elif kind in LEDGER_KINDS and (keep_ledgers or not townships):
            kept.append(f)
        else:
            reason = LEDGER_SKIPPED if kind in LEDGER_KINDS else OUTPUT_SKIPPED
            skipped.append((f.label, reason.format(what=OUTPUT_KINDS[kind])))
    return kept, skipped


def _original_of(f: Workbook, names: dict[tuple[Path, str], str]) -> str | None:
    """The label of the file a folder-found ``x.checked.xlsx`` was made from, when that file
    was found too, in the copy's folder or the one above it (``退回修改/`` written inside the
    folder of submissions): the copy is then an earlier run's, not a corrected submission.
    Another township's file of the same name in another folder is not its original."""
    name = f.path.name.lower()
    if f.named or not name.endswith(CHECKED_SUFFIX):
        return None
    base = name[: -len(CHECKED_SUFFIX)]
    here = f.path.absolute().parent
    for folder in (here, here.parent):
        for candidate in (base, *(base + suffix for suffix in sorted(WORKBOOK_SUFFIXES))):
            label = names.get((folder, candidate))
            if label is not None:
                return label
    return None


def only_outputs(skipped: Sequence[tuple[str, str]]) -> BranchctlError:
    """What to say when a search found nothing but the tool's own outputs."""
    names = "、".join(f"“{label}”" for label, _ in skipped[:3])
    more = "等" if len(skipped) > 3 else ""
    return BranchctlError(
        f"没有找到乡镇报表：找到的{names}{more}都是本工具写出的文件，"
        "请检查路径，或在命令中直接写出要读取的文件名"
    )


def _named(path: Path, real: Path | None) -> Workbook:
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0  # reading it says why
    return Workbook(path, real or path.absolute(), path.name, size, named=True)


def _resolve(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return None


def _walk(root: Path, skip_name: Callable[[str], bool], excluded: list[Path]) -> list[Found]:
    out: list[Found] = []

    def unreadable_folder(e: OSError) -> None:
        where = Path(e.filename) if e.filename else root
        out.append(
            Unreadable(_shown(where), _label(where, root), f"文件夹无法打开（{os_reason(e)}）")
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable_folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folder = Path(dirpath)
        real_folder = _resolve(folder) or folder.absolute()
        if any(is_under(real_folder, e) for e in excluded):
            dirnames[:] = []
            continue
        for name in filenames:
            if os.path.splitext(name)[1].lower() not in WORKBOOK_SUFFIXES or skip_name(name):
                continue
            item = _entry(folder / name, real_folder / name, root)
            if item is not None and not (isinstance(item, Workbook) and item.real in excluded):
                out.append(item)
    return out


def _entry(path: Path, real: Path, root: Path) -> Found | None:
    """One folder entry with a workbook suffix: a Workbook, an Unreadable, or None (a folder)."""
    label = _label(path, root)
    if _not_utf8(str(path)):
        return Unreadable(
            _shown(path),
            _shown(Path(label)).as_posix(),
            "文件名不是有效的 UTF-8 编码（多见于在其他系统上压缩、解压的文件），请把文件改名后重新提交",
        )
    try:
        st = os.stat(path)
    except OSError as e:
        return Unreadable(path, label, _why(path, e))
    if stat.S_ISDIR(st.st_mode):
        return None  # a folder named like a workbook: searched by the walk, if not a link
    if not stat.S_ISREG(st.st_mode):
        return Unreadable(path, label, "这不是普通文件（而是管道、设备或套接字），无法读取")
    if os.path.islink(path):
        resolved = _resolve(path)
        if resolved is None:
            return Unreadable(path, label, "这是一个循环的符号链接（链接最终指向自身），无法打开")
        real = resolved
    return Workbook(path, real, label, st.st_size, output=output_kind(path))


def _why(path: Path, e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "这是一个循环的符号链接（链接最终指向自身），无法打开"
    if e.errno == errno.ENOENT:
        return "这是一个符号链接，但它指向的文件不存在"
    return f"文件无法打开（{os_reason(e)}）"


def _label(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def is_under(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or inside it (both resolved)."""
    return path == folder or folder in path.parents


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _not_utf8(text: str) -> bool:
    """A name os gave with surrogate escapes: its bytes are not UTF-8."""
    return not text.isascii() and _ESCAPED_BYTE.search(text) is not None


def _shown_part(part: str) -> str:
    if not _not_utf8(part):
        return part
    return os.fsencode(part).decode("gb18030", "replace")  # Chinese Windows names files in GBK


def _shown(path: Path) -> Path:
    """``path`` safe to print and to write as JSON (a GBK name shown as what it says)."""
    return Path(*map(_shown_part, path.parts)) if _not_utf8(str(path)) else path
