"""``branchctl rubric list|show|check``: the built-in rubrics, and checking one's own."""

from __future__ import annotations

from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand, command_group
from branchctl.cli.common import handled
from branchctl.cli.console import print_json, say, warn, write_raw
from branchctl.cli.options import JsonOption

SUMMARY = "评定规则：查看内置规则、复制一份修改、检查改好的规则文件。"
HELP = (
    "评定规则：查看内置规则、复制一份修改、检查改好的规则文件。\n\n"
    "示例：branchctl rubric show six-star > 我的规则.toml\n\n"
    "改好后：branchctl rubric check 我的规则.toml，再用 branchctl rate 台账.xlsx --rubric 我的规则.toml"
)


@handled
def rubric_list(as_json: JsonOption = False) -> int:
    from branchctl.rules.rubric import as_json as rubric_json
    from branchctl.rules.rubric_file import builtin_rubrics

    rubrics = builtin_rubrics()
    if as_json:
        print_json({"rubrics": [rubric_json(r) for r in rubrics]})
        return 0
    width = max(len(r.name) for r in rubrics) + 2
    for r in rubrics:
        say(f"{r.name:<{width}}{r.summary_line()}")
    return 0


@handled
def rubric_show(
    name: Annotated[str, typer.Argument(help="内置规则名，如 six-star。", show_default=False)],
) -> int:
    from branchctl.rules.rubric_file import builtin_text

    write_raw(builtin_text(name))  # UTF-8 whatever the console: `> 我的规则.toml` must load
    return 0


@handled
def rubric_check(
    file: Annotated[
        str, typer.Argument(help="规则文件（.toml），也可写内置规则名。", show_default=False)
    ],
) -> int:
    from branchctl.rules.rubric import describe_rubric
    from branchctl.rules.rubric_file import changed_builtin, load_rubric

    rubric = load_rubric(file)
    say(f"检查通过：{describe_rubric(rubric)}。")
    if changed_builtin(rubric):
        warn(
            f"规则名“{rubric.name}”与内置规则相同，但内容已改动；评定结果、汇总表和公文中会显示为"
            f"“{rubric.title}（{rubric.name}）”，与内置规则分不清。请把 name 和 title 改成本县的，"
            '如 name = "本县百分制"。'
        )
    return 0


def register(app: typer.Typer) -> None:
    group = command_group("rubric", HELP, SUMMARY)
    group.command(
        "list",
        cls=ChineseCommand,
        help=(
            "列出内置的评定规则，每行一个：名称和说明。\n\n"
            "示例：branchctl rubric list\n\n"
            "退出码：0 完成。"
        ),
    )(rubric_list)
    group.command(
        "show",
        cls=ChineseCommand,
        help=(
            "原样输出一个内置规则的 TOML 文本（带注释），可重定向到文件后修改。\n\n"
            "示例：branchctl rubric show five-basics > 我的规则.toml\n\n"
            "退出码：0 完成；2 没有这个内置规则。"
        ),
    )(rubric_show)
    group.command(
        "check",
        cls=ChineseCommand,
        help=(
            "检查一个规则文件：每个键、类型和取值。通过时输出一行说明；有错时指出哪一项错在哪里。\n\n"
            "示例：branchctl rubric check 我的规则.toml\n\n"
            "退出码：0 检查通过；2 规则文件有错或无法读取。"
        ),
    )(rubric_check)
    app.add_typer(group, name="rubric")
