"""Notices (通报, 公示, 整改通知书, 退回修改意见): the whole job from data file to documents.

Read and rate the ledger (or validate the submissions), build the template's data
(:mod:`branchctl.documents.data`), render the template (:mod:`branchctl.documents.templates`), and
write Markdown or Word (:mod:`branchctl.documents.docx_render`) atomically, one document or one per unit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchctl.documents.data import rating_context, validation_context
from branchctl.documents.docx_layout import layout_data
from branchctl.documents.docx_render import DocxRenderer
from branchctl.documents.masking import PLAIN_TEXT_MASK, Masker
from branchctl.documents.templates import (
    NoticeTemplate,
    check_fields,
    compile_template,
    environment,
    render_text,
)
from branchctl.documents.word_template import check_word_template, render_docx_template
from branchctl.errors import BranchctlError, os_reason
from branchctl.findings.model import FileReport, Finding, ValidationReport
from branchctl.forms.lists import read_lists
from branchctl.forms.tables import find_forms
from branchctl.forms.values import cell_text
from branchctl.io.outputs import atomic_output, ensure_distinct, require_folder, write_error
from branchctl.io.pool import run_tasks
from branchctl.io.smallfiles import parse_bounded, read_small_text, regular_file
from branchctl.io.workbook import read_workbook
from branchctl.jobs.archive_ledger import notice_context
from branchctl.jobs.county import rate_county
from branchctl.jobs.rate import is_county_run
from branchctl.jobs.validate import validate_paths
from branchctl.rules.periods import parse_period
from branchctl.rules.rating import rate_workbook
from branchctl.rules.rubric_file import load_rubric

FORMATS = ("docx", "md")
# A validate --json report: about 300 bytes a finding; a province's quarter fits.
MAX_REPORT_BYTES = 256 << 20
MAX_NAME_BYTES = 180  # file names: well under the 255-byte limit of common file systems


def _quiet(_: str) -> None:
    pass


@dataclass
class NoticeReport:
    template: NoticeTemplate
    outputs: list[Path]
    units: int  # documents (or units in one document)
    fmt: str
    unused_fields: list[str] = field(default_factory=list)
    per_unit: bool = False
    notes: list[str] = field(default_factory=list)  # what the clerk must know (files left out)


# ------------------------------------------------------------------------------ file names

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
# Windows device names, also with an extension or trailing spaces (CON.txt, "CON .x"), and the
# superscript digits Windows also reads as ports (COM¹).
_RESERVED = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|clock\$|(com|lpt)[0-9¹²³])$", re.I)


def safe_filename(name: str, taken: set[str] | None = None, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` as a file name stem: no path separators, ``..``, control characters or reserved
    names, limited in length; with ``taken``, made unique (张村党支部（2）) and recorded."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text or _RESERVED.match(text.split(".")[0].rstrip(" ")):
        text = f"_{text}" if text else "未命名"
    text = _truncate(text, max_bytes)
    if taken is None:
        return text
    candidate, n = text, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f"（{n}）"
        candidate = _truncate(text, max_bytes - len(suffix.encode())) + suffix
    taken.add(candidate.casefold())
    return candidate


def _truncate(text: str, max_bytes: int) -> str:
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text.rstrip(" .") or "未命名"


# ------------------------------------------------------------------------------ data


def _rating(
    paths: Sequence[Path],
    rubric: str | None,
    as_of: dt.date | None,
    today: dt.date | None,
    bottom: int,
    below: int | None,
    masker: Masker | None,
    jobs: int | None,
    notes: list[str],
) -> dict[str, Any]:

    the_rubric = load_rubric(rubric)
    if is_county_run(paths):  # folders, several files, county ledgers: rated as one county
        county = rate_county(paths, the_rubric, as_of=as_of, jobs=jobs, problems=True)
        if not county.rated:
            raise BranchctlError(county.unrated_reason())
        notes += [f"“{s.label}”的支部未能全部计入：{s.message}" for s in county.failed]
        notes += [f"已跳过“{label}”：{why}。" for label, why in county.skipped]
        notes += [
            f"党支部“{group[0][1].name}”在{len(group)}个文件中都有，均已计入："
            + "；".join(s.chain(b) for s, b in group)
            for group in county.duplicates
        ]
        by_file = {s.path: s.problems for s in county.rated}
        return rating_context(county, file_problems=by_file, as_of=as_of or county.report_date(),
                              today=today, bottom=bottom, below=below, masker=masker)  # fmt: skip
    book = read_workbook(paths[0])
    layout = find_forms(book, the_rubric.aspect_headers())
    if as_of is None:  # the ledger's own 填报时间 sets the quarter the notice speaks of
        as_of = next((t.report_date for t in layout.tables if t.report_date), None)
    result = rate_workbook(book, the_rubric, as_of, layout=layout)
    problems = read_lists(layout, as_of)
    return rating_context(
        result, problems, as_of=as_of, today=today, bottom=bottom, below=below, masker=masker
    )


def _validation(
    paths: Sequence[Path],
    rubric: str | None,
    as_of: dt.date | None,
    today: dt.date | None,
    masker: Masker | None,
) -> dict[str, Any]:

    reports = [p for p in paths if p.suffix.lower() == ".json" and p.is_file()]
    if reports and len(reports) < len(paths):
        raise BranchctlError("validate --json 的结果文件不能与报表文件混在一起，请分开生成")
    if reports:
        report = ValidationReport([f for p in reports for f in report_from_json(p).files])
    else:
        report = _validate(list(paths), rubric, as_of)
    units = {fr.path: _township_of(Path(fr.path)) for fr in report.files if not fr.ok}
    return validation_context(report, townships=units, as_of=as_of, today=today, masker=masker)


def _validate(paths: list[Path], rubric: str | None, as_of: dt.date | None) -> Any:

    run = validate_paths(paths, rubric=load_rubric(rubric), as_of=as_of or dt.date.today())
    return run.report


def report_from_json(path: Path) -> Any:
    """A ValidationReport from ``validate --json`` output."""
    import json

    text = read_small_text(path, "校验结果文件", MAX_REPORT_BYTES)
    try:
        data = parse_bounded(json.loads, text, "校验结果文件", path, "file-unreadable")
        files = [
            FileReport(
                f["path"],
                [
                    Finding(
                        code=x["code"],
                        severity=x["severity"],
                        message=x["message"],
                        sheet=x.get("sheet"),
                        row=x.get("row"),
                        column=x.get("column"),
                        cell=x.get("cell"),
                        value=x.get("value"),
                    )  # fmt: skip
                    for x in f["findings"]
                ],
            )
            for f in data["files"]
        ]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
        raise BranchctlError("不是 branchctl validate --json 输出的校验结果文件", path=path) from e
    return ValidationReport(files)


def _township_of(path: Path) -> str:
    """The unit that sent a file: its 填报单位, else its most common 所属党组织, else its name."""
    from collections import Counter

    try:
        layout = find_forms(read_workbook(path))
    except Exception:  # an unreadable file still gets its notice, addressed by file name
        return path.stem
    orgs: Counter[str] = Counter()
    for table in layout.tables:
        if table.unit:
            return table.unit
        if table.form.per_branch:
            orgs.update(cell_text(table.value(r, "所属党组织")) for r in table.rows)
    orgs.pop("", None)
    return orgs.most_common(1)[0][0] if orgs else path.stem


def _units(template: NoticeTemplate, context: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, context) for each document of a per-unit template."""
    if template.kind == "整改通知书":
        return [(b["name"], {**context, "branch": b}) for b in context["short"]]
    if template.kind == "退回修改意见":
        return [(Path(f["name"]).stem, {**context, "file": f}) for f in context["files"]]
    return []


# ------------------------------------------------------------------------------ the job


@dataclass(frozen=True)
class ArchiveSource:
    """Notice data from the archive instead of a ledger: a period's branches as they stand."""

    db: Path
    period: str


def make_notices(
    template: NoticeTemplate,
    data: Path | Sequence[Path] | None,
    *,
    out: Path | None = None,
    per_unit: bool = False,
    fmt: str | None = None,
    mask: bool = False,
    fields: dict[str, str] | None = None,
    rubric: str | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    bottom: int = 10,
    below: int | None = None,
    jobs: int | None = None,
    stage: Callable[[str], None] = _quiet,
    progress: Callable[[int, int], None] | None = None,
    archive: ArchiveSource | None = None,
) -> NoticeReport:
    """Render ``template`` with the data of ``data`` (or of ``archive``) and write the document(s).

    Per-unit templates (整改通知书, 退回修改意见) give one document per unit with ``per_unit``
    (into the folder ``out``), else one document holding every unit, each from a new (odd)
    page. ``below``: 整改通知书 only for branches with fewer stars. The field 印章 (有/无) is
    the Word layout's, not the template's: whether the documents will carry a seal.
    ``data``: one ledger, or several files, folders and county ledgers rated as one county.
    """
    if archive is not None:
        if data:
            raise BranchctlError("--data 和 --archive 只能用一个")
        if template.kind == "退回修改意见":
            raise BranchctlError("退回修改意见按报送文件生成，请用 --data 指定报表文件或文件夹")
        # outputs beside the archive, named by the period: 2025Q2.通报.docx
        paths = [archive.db.with_name(parse_period(archive.period).key)]
    else:
        paths = [data] if isinstance(data, Path) else list(data or [])
    if not paths:
        raise BranchctlError("请用 --data 指定数据文件（台账，或退回修改意见的报表文件夹）")
    fields = dict(fields or {})
    sealed = _sealed(fields.pop(SEAL_FIELD, None))
    fmt = _format(template, fmt, out, per_unit)
    if below is not None and template.kind == "退回修改意见":
        raise BranchctlError("--below 按星级挑选支部，只用于整改通知书等评定数据的模板")
    if per_unit and template.unit is None:
        raise BranchctlError(
            f"模板“{template.name}”是汇总性文件，不按支部分份生成，请去掉 --per-branch"
        )
    if template.is_docx and template.unit and not per_unit:
        raise BranchctlError(
            f"自备 Word 模板按{template.unit}逐份生成，请加 --per-branch 并用 -o 指定文件夹"
        )
    for path in paths if archive is None else []:
        if not path.is_dir():
            regular_file(path, "数据文件")
    notes: list[str] = []
    if template.path is not None and template.is_docx:
        notes += check_word_template(template.path, template.name)
    env = environment(markdown=not template.is_docx)
    unused = check_fields(template, fields, env)
    compiled = None if template.is_docx else compile_template(template, env)

    # masked characters as ＊ in Markdown: an escaped \* shows its backslash when pasted
    masker = (Masker(PLAIN_TEXT_MASK) if fmt == "md" else Masker()) if mask else None
    stage(f"正在读取 {'、'.join(p.name for p in paths[:3])} …")
    if archive is not None:
        context = notice_context(
            archive.db, archive.period, today=today, bottom=bottom, below=below, masker=masker
        )
    elif template.kind == "退回修改意见":
        context = _validation(paths, rubric, as_of, today, masker)
    else:
        context = _rating(paths, rubric, as_of, today, bottom, below, masker, jobs, notes)
    context = {**context, **fields}
    inputs = ([archive.db] if archive else [*paths]) + ([template.path] if template.path else [])

    if template.unit is None:
        units = [(template.name, context)]
    else:
        units = _units(template, context)
    if not units:
        return NoticeReport(template, [], 0, fmt, unused, per_unit, notes)

    stage("正在生成 …")
    if per_unit:
        folder = out or _default_out(paths, template, "")
        targets = _unit_paths(folder, [label for label, _ in units], fmt, inputs)
        with _unit_folder(folder) as made:
            _write_units(
                template, units, targets, fmt, env, compiled, per_unit, sealed, jobs, progress
            )
            made.written = True
    else:
        target = out or _default_out(paths, template, f".{fmt}")
        _check_target(target, inputs)
        targets = [target]
        _write_units(template, units, targets, fmt, env, compiled, per_unit, sealed, jobs, progress)
    return NoticeReport(template, targets, len(units), fmt, unused, per_unit, notes)


def _write_units(
    template: NoticeTemplate,
    units: list[tuple[str, dict[str, Any]]],
    targets: list[Path],
    fmt: str,
    env: Any,
    compiled: Any,
    per_unit: bool,
    sealed: bool,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    try:
        if template.is_docx:
            assert template.path is not None
            for i, ((_, ctx), path) in enumerate(zip(units, targets, strict=True)):
                with atomic_output(path) as tmp:
                    render_docx_template(template.path, ctx, tmp, env, name=template.name)
                if progress:
                    progress(i + 1, len(units))
            return
        texts = [render_text(template, compiled, ctx) for _, ctx in units]
        titles = [label for label, _ in units]
        if not per_unit:
            texts = ["\n---\n\n".join(texts)]
            titles = [template.name]
        write_documents(texts, titles, targets, fmt, jobs=jobs, progress=progress, sealed=sealed)
    except OSError as e:  # a full disk, a folder made read-only on the way
        raise write_error(e, targets[0]) from e


SEAL_FIELD = "印章"


def _sealed(value: str | None) -> bool:
    """Whether the documents will carry a seal (印章=有, the default) or not (印章=无)."""
    if value is None:
        return True
    closing = layout_data()["closing"]
    text = value.strip().lower()
    if text in closing["no_seal"]:
        return False
    if text in closing["seal"]:
        return True
    raise BranchctlError(f"“{SEAL_FIELD}”应为“有”（加盖印章，默认）或“无”，而不是“{value}”")


def _format(template: NoticeTemplate, fmt: str | None, out: Path | None, per_unit: bool) -> str:
    suffix = out.suffix.lower().lstrip(".") if out is not None and not per_unit else ""
    if fmt is not None and fmt not in FORMATS:
        raise BranchctlError("--format 应为 docx 或 md")
    if fmt is None:
        fmt = suffix if suffix in FORMATS else "docx"
    if template.is_docx and fmt != "docx":
        raise BranchctlError("自备 Word 模板只能生成 .docx 文件")
    if suffix and suffix != fmt:
        raise BranchctlError(f"输出文件应以 .{fmt} 结尾", path=out)
    if out is not None and not per_unit and not suffix:
        raise BranchctlError(
            f"输出文件应以 .{fmt} 结尾（逐份生成到文件夹请加 --per-branch）", path=out
        )
    return fmt


def _default_out(paths: Sequence[Path], template: NoticeTemplate, suffix: str) -> Path:
    """Beside the data, named after it and the template; for several, the template's name."""
    name = safe_filename(Path(template.name).stem)
    if len(paths) > 1:
        return Path(f"{name}{suffix}")
    data = paths[0]
    stem = data.name if data.is_dir() else data.stem
    return data.parent / f"{stem}.{name}{suffix}"


def _check_target(target: Path, inputs: Iterable[Path]) -> None:

    ensure_distinct(target, *inputs)
    if target.is_dir():
        raise BranchctlError("输出路径是一个文件夹；逐份生成请加 --per-branch", path=target)
    require_folder(target)


@dataclass
class _Made:
    created: bool
    written: bool = False


@contextlib.contextmanager
def _unit_folder(folder: Path) -> Iterator[_Made]:
    """Create the folder of per-unit documents if needed; remove it again, if it was created
    here and is still empty, when writing fails."""
    made = _Made(created=not folder.exists())
    if made.created and folder.parent.is_dir():
        try:
            folder.mkdir()
        except FileExistsError:
            made.created = False
        except OSError as e:
            raise BranchctlError(f"无法创建输出文件夹“{folder}”（{os_reason(e)}）") from e
    try:
        yield made
    finally:
        if made.created and not made.written:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty


def _unit_paths(folder: Path, labels: list[str], fmt: str, inputs: list[Path]) -> list[Path]:
    if folder.suffix.lower() in (".docx", ".md") and not folder.is_dir():
        raise BranchctlError(
            "逐份生成时 -o 应为文件夹（如 -o 整改通知书/），不是文件名", path=folder
        )
    if folder.exists() and not folder.is_dir():
        raise BranchctlError("逐份生成时 -o 应为文件夹，但这是一个已有的文件", path=folder)
    require_folder(folder)
    taken: set[str] = set()
    targets = [folder / f"{safe_filename(label, taken)}.{fmt}" for label in labels]
    for target in targets:
        ensure_distinct(target, *inputs)
        if target.is_dir():
            raise BranchctlError("输出文件夹里已有同名的文件夹", path=target)
    return targets


# ------------------------------------------------------------------------------ writing

# Below this many Word documents a process pool costs more (start-up) than it saves.
POOL_THRESHOLD = 40


def write_documents(
    texts: Sequence[str],
    titles: Sequence[str],
    targets: Sequence[Path],
    fmt: str,
    *,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    sealed: bool = True,
) -> None:
    """Write each Markdown text to its target as Markdown or Word, each file atomically.

    Word documents are laid out in parallel worker processes when there are many of them
    (``jobs``: number of processes, default one per CPU core).
    """

    total = len(texts)
    if fmt == "md":
        for i, (text, target) in enumerate(zip(texts, targets, strict=True)):
            with atomic_output(target) as tmp:
                tmp.write_text(text, encoding="utf-8")
            if progress:
                progress(i + 1, total)
        return
    workers = min(jobs or os.cpu_count() or 1, max(1, total // (POOL_THRESHOLD // 2)))
    if total < POOL_THRESHOLD:
        workers = 1
    # forkserver: a fresh interpreter per worker, not a fork of this one and its threads
    context = multiprocessing.get_context("spawn" if os.name == "nt" else "forkserver")
    items = [(*item, sealed) for item in zip(texts, titles, targets, strict=True)]
    run_tasks(
        _write_docx, items, jobs=workers, crashed=_docx_crashed, progress=progress, chunk=50,
        context=context,
    )  # fmt: skip


# Built once per process (and layout): styles, fonts and footers are shared by every document.
_RENDERERS: dict[bool, DocxRenderer] = {}


def _write_docx(item: tuple[str, str, Path, bool]) -> None:
    text, title, target, sealed = item
    renderer = _RENDERERS.get(sealed)
    if renderer is None:
        renderer = _RENDERERS[sealed] = DocxRenderer(sealed)
    with atomic_output(target) as tmp:
        renderer.write(text, tmp, title)


def _docx_crashed(item: tuple[str, str, Path, bool]) -> None:
    raise BranchctlError("生成 Word 文档的进程异常退出，文档未写出", path=item[2])
