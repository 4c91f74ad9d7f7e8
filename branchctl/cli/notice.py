"""``branchctl notice``: notices (通报, 公示, 整改通知书, 退回修改意见) from templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from branchctl.cli.command import ChineseCommand
from branchctl.cli.common import DEFAULT_DB, Progress, handled, parse_as_of
from branchctl.cli.console import say, warn, write_raw
from branchctl.cli.options import DbOption, JobsOption, RubricOption, as_of_option
from branchctl.errors import BranchctlError

SUMMARY = "用模板生成通报、公示、整改通知书、退回修改意见（Word 或 Markdown）。"
HELP = (
    "用模板生成通报、公示、整改通知书、退回修改意见，输出为 Word（.docx，党政机关公文格式）"
    "或 Markdown（.md）。TEMPLATE 为内置模板名（通报、公示、整改通知书、退回修改意见），"
    "或自备模板文件（Markdown 加 Jinja 标记的 .md，或带 Jinja 标记的 Word 文档 .docx）。\n\n"
    "发文机关、成文日期、联系电话等自由变量用 --set 变量名=值 或 --vars 变量.toml 提供；"
    "模板需要而未提供的变量会报错指出。--list 列出内置模板及其变量。\n\n"
    "--data 可给文件夹、多个文件（可重复写 --data）、collect 生成的汇总台账或 rate 生成的"
    "评定汇总工作簿，全部作为一个县评定后生成。\n\n"
    "示例：branchctl notice 通报 --data 二季度报表/ --set 发文机关=中共××县委组织部 "
    "-o 评星定级通报.docx\n\n"
    "示例：branchctl notice 整改通知书 --data 城关镇台账.xlsx --per-branch -o 整改通知书/\n\n"
    "示例：branchctl notice 退回修改意见 --data 二季度报表/ --per-branch "
    "--set 发文机关=中共××县委组织部 -o 退回/\n\n"
    "数据也可取自档案：--archive --period 2025Q2 用档案中这一期的评定结果（含调整），"
    "通报另有与上期比较的一节。\n\n"
    "示例：branchctl notice 通报 --archive --period 2025Q2 --set 发文机关=中共××县委组织部\n\n"
    "退出码：0 已生成（或无需生成）；2 无法运行（文件无法读取、模板有误、缺少变量等）。"
)


@handled
def notice(
    template: Annotated[
        str | None,
        typer.Argument(
            help="内置模板名（通报、公示、整改通知书、退回修改意见）或模板文件（.md、.docx）。",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="路径",
            help="数据：台账文件、文件夹、汇总台账或评定汇总工作簿；可重复，多个一并作为一个县评定。"
            "退回修改意见另可为 validate --json 的结果文件。",
        ),
    ] = None,
    per_branch: Annotated[
        bool,
        typer.Option(
            "--per-branch",
            help="逐份生成：每个支部（退回修改意见为每个文件）一份，写入 -o 文件夹。",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            metavar="路径",
            help="输出文件；逐份生成时为文件夹。默认写在数据文件旁，以模板名命名。",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", metavar="格式", help="docx（默认）或 md；默认按 -o 的后缀。"),
    ] = None,
    mask: Annotated[
        bool, typer.Option("--mask", help="隐去个人信息：姓名（张*）和电话号码（138****5678）。")
    ] = False,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set", metavar="变量名=值", help="自由变量，如 --set 联系电话=0538-1234567；可重复。"
        ),
    ] = None,
    vars_file: Annotated[
        Path | None,
        typer.Option("--vars", metavar="文件", help='自由变量文件（TOML：每行 变量名 = "值"）。'),
    ] = None,
    like: Annotated[
        str | None,
        typer.Option(
            "--like",
            metavar="模板名",
            help="自备模板使用哪个内置模板的数据，如 --like 整改通知书。",
        ),
    ] = None,
    bottom: Annotated[
        int, typer.Option("--bottom", metavar="N", min=0, help="通报中倒排末位的支部数。")
    ] = 10,
    below: Annotated[
        int | None,
        typer.Option(
            "--below",
            metavar="N",
            min=1,
            help="整改通知书只发给不到 N 星的支部（默认发给所有未达标的支部）。",
        ),
    ] = None,
    rubric: RubricOption = None,
    # no --as-of: the ledger's 填报时间 decides the quarter the notice speaks of
    as_of: str | None = as_of_option("按台账的填报时间"),
    jobs: JobsOption = None,
    list_templates: Annotated[
        bool, typer.Option("--list", help="列出内置模板和每个模板可用的变量。")
    ] = False,
    show_source: Annotated[
        bool, typer.Option("--source", help="显示模板原文（复制后可修改成自己的模板）。")
    ] = False,
    from_archive: Annotated[
        bool,
        typer.Option(
            "--archive",
            help="数据取自档案（--db）中 --period 这一期的评定结果（含调整），并与上期比较。",
        ),
    ] = False,
    period: Annotated[
        str | None,
        typer.Option("--period", "-p", metavar="期次", help="与 --archive 同用：期次，如 2025Q2。"),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.documents import templates as nt

    if list_templates:
        say(nt.describe_templates())
        return 0
    if template is None:
        raise BranchctlError(
            "请给出模板名（通报、公示、整改通知书、退回修改意见）或模板文件；--list 查看内置模板"
        )
    the_template = nt.load_template(template, like)
    if show_source:
        if the_template.source is None:
            raise BranchctlError("Word 模板没有文本原文，请用 Word 打开查看")
        write_raw(the_template.source)  # UTF-8 whatever the console: `> 我的模板.md` must load
        return 0
    from branchctl.jobs.notice import ArchiveSource, make_notices

    archive = None
    if from_archive:
        if period is None:
            raise BranchctlError("--archive 需要 --period 指明哪一期，如 --period 2025Q2")
        archive = ArchiveSource(db, period)
    elif period is not None:
        raise BranchctlError("--period 只与 --archive 同用（数据取自档案）")
    elif not data:
        raise BranchctlError("请用 --data 指定数据文件（台账，或退回修改意见的报表文件夹）")

    progress = Progress()
    report = make_notices(
        the_template,
        data,
        out=out,
        per_unit=per_branch,
        fmt=fmt,
        mask=mask,
        fields=nt.parse_fields(sets or [], vars_file),
        rubric=rubric,
        as_of=parse_as_of(as_of) if as_of else None,
        bottom=bottom,
        below=below,
        jobs=jobs,
        stage=progress.stage,
        progress=lambda done, total: progress.bar(done, total, "生成"),
        archive=archive,
    )
    progress.done()
    for name in report.unused_fields:
        warn(f"模板没有用到变量“{name}”，请检查变量名是否写对。")
    for note in report.notes:
        warn(note)
    say(notice_text(report))
    return 0


def notice_text(report: Any) -> str:
    """What was written, in one line."""
    name = report.template.name
    if not report.outputs:
        if report.template.kind == "退回修改意见":
            return "所有报送文件都没有错误，无需退回修改，未生成文件。"
        return "没有未达标的党支部，未生成整改通知书。"
    if report.per_unit:
        folder = report.outputs[0].parent
        return f"已生成 {len(report.outputs)} 份{name}（.{report.fmt}），保存在：{folder}"
    count = f"（共 {report.units} 份）" if report.template.unit else ""
    return f"已生成{name}{count}：{report.outputs[0]}"


def register(app: typer.Typer) -> None:
    app.command("notice", cls=ChineseCommand, short_help=SUMMARY, help=HELP)(notice)
