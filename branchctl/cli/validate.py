"""``branchctl validate``: check the townships' submissions, cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand
from branchctl.cli.common import handled
from branchctl.cli.options import JobsOption, JsonOption, RubricOption, as_of_option
from branchctl.cli.validate_run import run_validate

SUMMARY = "批量校验乡镇报表：逐格查错，写出批注副本和问题报告。"
HELP = (
    "批量校验乡镇（街道）报送的工作簿：表格是否齐全、必填项、达标标记、人数、日期、"
    "可选值，自评星级和类别是否与达标情况相符，三个清单和工作台账是否与分类定级表对应，"
    "任务是否有责任人和完成时限、是否超期。每个问题精确到工作表、行和单元格。\n\n"
    "示例：branchctl validate 二季度报表/ --annotate 退回修改/ --report 校验结果.xlsx\n\n"
    "退出码：0 全部通过（可有警告）；1 有文件存在错误；2 无法运行（路径不存在、"
    "参数或规则有误、没有找到任何工作簿）。"
)


@handled
def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="工作簿或文件夹（递归查找 .xlsx .xlsm .xls .ods）。",
            show_default=False,
        ),
    ],
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            metavar="文件夹",
            help="把有错误的文件各复制一份“原文件名.checked.xlsx”到此文件夹，问题单元格标色并加批注。",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", metavar="文件", help="把全部问题写入报告文件（.md、.xlsx 或 .json）。"
        ),
    ] = None,
    as_json: JsonOption = False,
    as_of: str | None = as_of_option(),
    rubric: RubricOption = None,
    jobs: JobsOption = None,
) -> int:
    return run_validate(paths, annotate, report, as_json, as_of, rubric, jobs)


def register(app: typer.Typer) -> None:
    app.command("validate", cls=ChineseCommand, short_help=SUMMARY, help=HELP)(validate)
