"""``branchctl template``: blank standard forms for the townships to fill."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand
from branchctl.cli.common import handled
from branchctl.cli.console import say
from branchctl.errors import BranchctlError

SUMMARY = "生成空白的标准表格（附件1–4），带下拉选项和打印设置。"
HELP = (
    "生成空白的标准表格（附件1–4），带表头样式、冻结表头、列宽、A4 横向打印设置，"
    "以及达标标记、支部类型、问题类别、完成情况等下拉选项，供乡镇填报。\n\n"
    "KIND：附件1（分类定级表）、附件2（达标创建台账）、附件3（三个清单合表）、"
    "附件3-分表（问题清单、任务清单、责任清单三张表）、附件4（创建工作台账）、全部；"
    "也可写 1、2、3、4。可一次写多个，生成在同一个工作簿中。\n\n"
    "示例：branchctl template 附件1 --unit 城关镇党委 -o 城关镇分类定级表.xlsx\n\n"
    "退出码：0 已生成；2 无法运行。"
)


@handled
def template(
    kinds: Annotated[
        list[str], typer.Argument(metavar="KIND", help="表格类型，如 附件1。", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            metavar="文件",
            help="输出路径（.xlsx），默认按表名命名，写在当前文件夹。",
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", metavar="单位", help="预先填好的填报单位，如“城关镇党委”。"),
    ] = None,
    rows: Annotated[
        int, typer.Option("--rows", metavar="行数", min=1, max=5000, help="预先编号的空行数。")
    ] = 50,
    rubric: Annotated[
        str | None,
        typer.Option(
            "--rubric", metavar="规则", help="评定规则（决定各方面的列和问题类别的选项）。"
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="输出文件已存在时覆盖它（原有内容会丢失）。")
    ] = False,
) -> int:
    from branchctl.documents.blank_forms import default_name, write_template
    from branchctl.rules.rubric_file import load_rubric

    the_rubric = load_rubric(rubric)
    if out is None:
        out = Path(default_name(kinds, unit))
        if out.exists() and not force:
            raise BranchctlError("文件已存在，请用 -o 指定输出路径，或加 --force 覆盖", path=out)
    result = write_template(kinds, out, the_rubric, unit=unit, rows=rows, overwrite=force)
    say(
        f"已生成空白表格：{result.out}（工作表：{'、'.join(result.sheets)}；"
        f"每表预留 {result.rows} 行）"
    )
    return 0


def register(app: typer.Typer) -> None:
    app.command("template", cls=ChineseCommand, short_help=SUMMARY, help=HELP)(template)
