"""``branchctl rate``: rate a ledger (or a whole county of them), compare with the claims,
write the annotated copy (or the county workbook)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand
from branchctl.cli.common import handled
from branchctl.cli.options import JobsOption, JsonOption, RubricOption, as_of_option
from branchctl.cli.rate_run import run_rate

SUMMARY = "评定各支部的星级、类别和等次，核对自评；一个台账写批注工作簿，多个文件写全县评定汇总。"
HELP = (
    "评定每个党支部的星级、定级类别和等次，与填报的自评核对。\n\n"
    "给出文件夹、多个文件或汇总台账（collect 生成的）时，作为一个县评定：写出一个评定汇总"
    "工作簿（-o，默认当前文件夹下的“评定汇总.xlsx”），其中“评定台账”列出全部支部及来源文件，"
    "“汇总”按所属党组织（或 --by 来源文件）统计星级、类别和达标率并附图表，“评定说明”列出每个"
    "文件的情况；无法评定的文件单独列出，其余照常评定。--annotate 文件夹 另为每个文件写出"
    "评定副本。只给一个台账文件时，写出该台账的批注工作簿（默认“原文件名.rated.xlsx”）。\n\n"
    "示例：branchctl rate 二季度报表/ -o 全县评定.xlsx --bottom 10\n\n"
    "示例：branchctl rate 城关镇台账.xlsx\n\n"
    "退出码：0 全部一致；1 有自评与核算不符，或有文件未能评定；2 无法运行（没有任何文件能评定、"
    "参数错误等）。"
)


@handled
def rate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="台账文件（.xlsx .xlsm .xls .ods）、文件夹（递归查找）或汇总台账，可写多个。",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            metavar="文件",
            help="输出路径：一个台账时为批注工作簿（默认“原文件名.rated.xlsx”）；"
            "多个文件时为评定汇总工作簿（默认“评定汇总.xlsx”）。",
        ),
    ] = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            metavar="文件夹",
            help="把每个文件的评定副本（原文件名.rated.xlsx）写到此文件夹。",
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
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="所属党组织|来源文件",
            help="多个文件时汇总表的分组：所属党组织（默认）或来源文件（市里汇总各县时按县）。",
        ),
    ] = "所属党组织",
    jobs: JobsOption = None,
) -> int:
    return run_rate(paths, out, annotate, rubric, as_of, as_json, bottom, by, jobs)


def register(app: typer.Typer) -> None:
    app.command("rate", cls=ChineseCommand, short_help=SUMMARY, help=HELP)(rate)
