"""``branchctl compare``: two periods side by side, stars granted and removed."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path
from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand
from branchctl.cli.common import Progress, default_out, handled
from branchctl.cli.console import print_json, say, warn
from branchctl.cli.options import JobsOption, JsonOption, RubricOption

SUMMARY = "对比两期台账：升星、降星、持平、新增、撤销（授星摘星），写出标色的对比工作簿。"
HELP = (
    "对比两期台账（如上季度与本季度）：每个党支部的上期和本期星级、定级类别、等次，"
    "升星、降星、持平、新增、撤销，按所属党组织汇总，并写出标色的对比工作簿。"
    "每一期可以是一个台账、collect 生成的汇总台账，或乡镇报表的文件夹（全县对全县）。\n\n"
    "示例：branchctl compare 一季度报表/ 二季度报表/\n\n"
    "示例：branchctl compare 一季度台账.xlsx 二季度台账.xlsx --map 更名对照.xlsx\n\n"
    "退出码：0 对比完成（有升降星也是 0）；2 无法运行（文件无法读取、参数错误等）。"
)


@handled
def compare(
    old: Annotated[
        Path, typer.Argument(help="上期台账、汇总台账或报表文件夹。", show_default=False)
    ],
    new: Annotated[
        Path, typer.Argument(help="本期台账、汇总台账或报表文件夹。", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            metavar="文件",
            help="对比工作簿的输出路径，默认为“本期文件名.compare.xlsx”。",
        ),
    ] = None,
    as_json: JsonOption = False,
    name_map: Annotated[
        Path | None,
        typer.Option(
            "--map",
            metavar="对照表",
            help="更名对照表：两列（原名称、新名称）的 .xlsx/.csv，或 TOML 表 [更名]。",
        ),
    ] = None,
    rubric: RubricOption = None,
    jobs: JobsOption = None,
) -> int:
    from branchctl.jobs.compare import compare_files
    from branchctl.reports.compare import comparison_text

    same = _sameness(old, new)
    if same:
        warn(f"上期和本期{same}，对比结果将全部持平，请检查是否选错了文件。")
    progress = Progress()
    report = compare_files(
        old,
        new,
        out=out or default_out(new, ".compare.xlsx"),
        rubric=rubric,
        name_map=name_map,
        jobs=jobs,
        stage=progress.stage,
    )
    progress.done()
    for note in report.notes:  # e.g. the copy had to be rebuilt without its formatting
        warn(note)
    if as_json:
        print_json(report.comparison.to_json())
    else:
        say(comparison_text(report.comparison, report.out))
    return 0


def _sameness(old: Path, new: Path) -> str:
    """How OLD and NEW are the same (one file, or two copies), or ``""``."""
    try:
        if os.path.samefile(old, new):
            return f"是同一个文件“{new}”"
        if filecmp.cmp(old, new, shallow=False):
            return f"两个文件“{old}”和“{new}”内容完全相同"
    except OSError:  # one is missing or unreadable: the job says so
        pass
    return ""


def register(app: typer.Typer) -> None:
    app.command("compare", cls=ChineseCommand, short_help=SUMMARY, help=HELP)(compare)
