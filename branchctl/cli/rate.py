"""``branchctl rate``: rate a ledger, compare with the claims, write the annotated copy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand
from branchctl.cli.common import (
    JsonOption,
    Progress,
    RubricOption,
    as_of_option,
    default_out,
    handled,
    parse_as_of,
)
from branchctl.cli.console import print_json, say, warn

SUMMARY = "评定台账中各支部的星级、类别和等次，核对自评，写出批注工作簿。"
HELP = (
    "评定一个台账中每个党支部的星级、定级类别和等次，与填报的自评核对，并写出批注工作簿。\n\n"
    "示例：branchctl rate 城关镇台账.xlsx\n\n"
    "退出码：0 全部一致；1 有自评与核算不符；2 无法运行（文件无法读取、参数错误等）。"
)


@handled
def rate(
    file: Annotated[
        Path, typer.Argument(help="台账文件（.xlsx .xlsm .xls .ods）。", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            metavar="文件",
            help="批注工作簿的输出路径，默认为“原文件名.rated.xlsx”。",
        ),
    ] = None,
    rubric: RubricOption = None,
    as_of: str | None = as_of_option(),
    as_json: JsonOption = False,
    bottom: Annotated[
        int,
        typer.Option(
            "--bottom", metavar="N", min=0, help="列出最弱的 N 个支部（倒排），写入汇总表。"
        ),
    ] = 0,
) -> int:
    # the job is imported when the command runs: `--help` and `--version` stay fast
    from branchctl.cli.display import rating_text
    from branchctl.jobs.rate import rate_file

    progress = Progress()
    report = rate_file(
        file,
        out=out or default_out(file, ".rated.xlsx"),
        rubric=rubric,
        as_of=parse_as_of(as_of),
        bottom=bottom,
        stage=progress.stage,
    )
    progress.done()
    for note in report.notes:  # e.g. the copy had to be rebuilt without its formatting
        warn(note)
    if as_json:
        print_json(report.result.to_json(), large=len(report.result.branches) > 2000)
    else:
        say(rating_text(report))
    return 1 if report.result.summary()["mismatches"] else 0


def register(app: typer.Typer) -> None:
    app.command("rate", cls=ChineseCommand, short_help=SUMMARY, help=HELP)(rate)
