"""What a validation run shows: the terminal text, and the report files (.md, .xlsx, .json).

Text builders return strings; :func:`write_report` writes a file through ``atomic_output``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from branchctl.errors import BranchctlError
from branchctl.findings.catalogue import entry
from branchctl.findings.model import FileReport, Finding, ValidationReport
from branchctl.io.outputs import OUTPUT_PROPERTY, atomic_output, require_folder
from branchctl.text import markdown_cell

REPORT_SUFFIXES = (".md", ".xlsx", ".json")
MAX_LISTED = 50  # findings shown per file on the terminal; the report file has them all
SEVERITY_TEXT = {"error": "错误", "warning": "警告"}


def verdict(f: FileReport) -> str:
    if f.errors:
        return "退回修改"
    return "通过（有提示）" if f.warnings else "通过"


def where(f: Finding) -> str:
    """Sheet and cell as a clerk reads them: 附件1!K7, 附件1 第7行, or blank for the file."""
    if not f.sheet:
        return ""
    if f.cell:
        return f"{f.sheet}!{f.cell}"
    return f"{f.sheet} 第{f.row}行" if f.row else f.sheet


def summary_line(report: ValidationReport) -> str:
    s = report.summary()
    return (
        f"共检查 {s['files']} 个文件：通过 {s['ok']} 个，需退回修改 {s['files'] - s['ok']} 个；"
        f"错误 {s['errors']} 条，警告 {s['warnings']} 条。"
    )


def validation_text(
    report: ValidationReport, annotated: Sequence[str] = (), limit: int = MAX_LISTED
) -> str:
    """The terminal view: a per-file table, then the findings grouped by file."""
    from tabulate import tabulate  # the terminal view only: --json runs skip its import

    rows = [[f.path, f.errors, f.warnings, verdict(f)] for f in report.files]
    lines = [tabulate(rows, headers=["文件", "错误", "警告", "结论"], tablefmt="simple"), ""]
    for f in report.files:
        if not f.findings:
            continue
        lines.append(f"■ {f.path}（错误 {f.errors} 条，警告 {f.warnings} 条）")
        shown = f.findings[:limit]
        table = [
            [where(x), SEVERITY_TEXT[x.severity], entry(x.code).title, x.message] for x in shown
        ]
        lines.append(tabulate(table, headers=["位置", "级别", "问题", "说明"], tablefmt="simple"))
        if len(f.findings) > limit:
            lines.append(f"……另有 {len(f.findings) - limit} 条，请用 --report 导出完整清单。")
        lines.append("")
    lines.append(summary_line(report))
    if annotated:
        lines.append(f"已写出批注副本 {len(annotated)} 个。")
    return "\n".join(lines)


def validation_markdown(report: ValidationReport) -> str:
    s = report.summary()
    lines = [
        "# 乡镇报表校验结果",
        "",
        summary_line(report),
        "",
        "| 文件 | 错误 | 警告 | 结论 |",
        "|---|---:|---:|---|",
    ]
    lines += [
        f"| {markdown_cell(f.path)} | {f.errors} | {f.warnings} | {verdict(f)} |"
        for f in report.files
    ]
    for f in report.files:
        if not f.findings:
            continue
        lines += [
            "",
            f"## {markdown_cell(f.path)}",
            "",
            "| 位置 | 级别 | 问题 | 说明 | 问题代码 |",
            "|---|---|---|---|---|",
        ]
        for x in f.findings:
            lines.append(
                f"| {markdown_cell(where(x))} | {SEVERITY_TEXT[x.severity]} | {entry(x.code).title} | {markdown_cell(x.message)} | `{x.code}` |"
            )
    if not s["errors"] and not s["warnings"]:
        lines += ["", "全部文件校验通过。"]
    return "\n".join(lines) + "\n"


def validation_json(report: ValidationReport) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)


def check_report_path(path: Path) -> None:
    """Refuse a report path the run could not write, before any work is done."""
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise BranchctlError("--report 的文件名应以 .md、.xlsx 或 .json 结尾", path=path)
    if path.is_dir():
        raise BranchctlError("--report 应指定一个文件，而这是一个文件夹", path=path)
    require_folder(path)


def write_report(report: ValidationReport, path: Path) -> None:
    """Write every finding to ``path``: .md, .xlsx or .json by its suffix."""

    check_report_path(path)
    suffix = path.suffix.lower()
    with atomic_output(path) as tmp:
        if suffix == ".xlsx":
            _write_xlsx(report, tmp)
        else:
            text = (
                validation_markdown(report) if suffix == ".md" else validation_json(report) + "\n"
            )
            tmp.write_text(text, encoding="utf-8")


def _write_xlsx(report: ValidationReport, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_custom_property(OUTPUT_PROPERTY, "report")
    head = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    red = book.add_format({"bg_color": "#FFC7CE"})
    yellow = book.add_format({"bg_color": "#FFEB9C"})

    sheet = book.add_worksheet("校验结果")
    headers = [
        "文件",
        "工作表",
        "行",
        "列",
        "单元格",
        "级别",
        "问题",
        "说明",
        "填写内容",
        "问题代码",
    ]
    widths = [36, 14, 6, 12, 8, 6, 18, 70, 20, 22]
    for c, (text, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.write_string(0, c, text, head)
        sheet.set_column(c, c, width)
    r = 0
    for f in report.files:
        for x in f.findings:
            r += 1
            values = [
                f.path,
                x.sheet,
                x.row,
                x.column,
                x.cell,
                SEVERITY_TEXT[x.severity],
                entry(x.code).title,
                x.message,
                x.value,
                x.code,
            ]
            for c, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value), wrap if c == 7 else None)
            sheet.write_string(
                r, 5, SEVERITY_TEXT[x.severity], red if x.severity == "error" else yellow
            )
    sheet.autofilter(0, 0, max(r, 1), len(headers) - 1)
    sheet.freeze_panes(1, 0)

    files = book.add_worksheet("文件汇总")
    for c, (text, width) in enumerate(
        zip(["文件", "错误", "警告", "结论"], [48, 8, 8, 14], strict=True)
    ):
        files.write_string(0, c, text, head)
        files.set_column(c, c, width)
    for i, f in enumerate(report.files, 1):
        files.write_string(i, 0, f.path)
        files.write_number(i, 1, f.errors)
        files.write_number(i, 2, f.warnings)
        files.write_string(i, 3, verdict(f), red if f.errors else None)
    s = report.summary()
    last = len(report.files) + 1
    files.write_string(last, 0, "合计", head)
    files.write_number(last, 1, s["errors"], head)
    files.write_number(last, 2, s["warnings"], head)
    files.write_string(last, 3, f"通过 {s['ok']}/{s['files']}", head)
    files.autofilter(0, 0, max(len(report.files), 1), 3)
    files.freeze_panes(1, 0)
    book.close()
