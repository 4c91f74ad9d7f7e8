"""``branchctl collect``: the townships' submissions compiled into one master ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand
from branchctl.cli.common import Progress, handled, parse_as_of
from branchctl.cli.console import say
from branchctl.cli.options import JobsOption, RubricOption, as_of_option

SUMMARY = "把各乡镇报表汇总成一个总台账，标出有误的行和重复的支部。"
HELP = (
    "把各乡镇报送的工作簿汇总成一个总台账：每个党支部一行，注明来源文件、工作表和行号，"
    "附计算星级和校验结果；同一支部出现两次的会标出；另有“汇总说明”工作表。\n\n"
    "示例：branchctl collect 二季度报表/ -o 全县二季度汇总.xlsx\n\n"
    "退出码：0 全部汇总且无问题；1 已汇总，但有无法读取的文件、有误的行或重复的支部；"
    "2 无法运行。"
)


@handled
def collect(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="工作簿或文件夹（递归查找 .xlsx .xlsm .xls .ods）。",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("-o", "--out", metavar="文件", help="汇总工作簿（.xlsx）的输出路径。")
    ],
    jobs: JobsOption = None,
    as_of: str | None = as_of_option(),
    rubric: RubricOption = None,
) -> int:
    from branchctl.jobs.collect import collect_files
    from branchctl.reports.collect import collect_text

    progress = Progress()
    report = collect_files(
        paths,
        out=out,
        rubric=rubric,
        jobs=jobs,
        as_of=parse_as_of(as_of),
        progress=lambda done, total: progress.bar(done, total, "读取"),
    )
    progress.done()
    say(collect_text(report))
    return 1 if report.collection.has_problems else 0


def register(app: typer.Typer) -> None:
    app.command("collect", cls=ChineseCommand, short_help=SUMMARY, help=HELP)(collect)
