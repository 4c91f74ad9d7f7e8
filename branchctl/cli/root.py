"""The ``branchctl`` typer app: the root group, its options, and its commands.

One module per command beside this one (rate, validate, notice, compare, collect, template,
rubric, archive), over the shared options of ``options`` and the error handler of ``common``.
A command's module is imported when that command is used (or help lists it), so
``branchctl rate`` does not load the archive's or the notices' code.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer

from branchctl import __version__
from branchctl.cli.command import ChineseGroup, CommandsOnDemand
from branchctl.cli.common import state
from branchctl.cli.console import say

# The order here is the order of `branchctl --help`; each is the module branchctl.cli.<name>.
COMMANDS = ("rate", "compare", "collect", "template", "notice", "validate", "rubric", "archive")


class RootGroup(ChineseGroup):
    """``branchctl``: its commands are built on demand, each from its module's ``register``."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = CommandsOnDemand({name: _builder(name) for name in COMMANDS})


def _builder(name: str) -> Any:
    def build() -> Any:
        module = importlib.import_module(f"branchctl.cli.{name}")
        # built as typer builds the commands of `app` itself, with the same settings
        holder = typer.Typer(
            rich_markup_mode=app.rich_markup_mode,
            pretty_exceptions_short=app.pretty_exceptions_short,
            suggest_commands=app.suggest_commands,
        )
        module.register(holder)
        return typer.main.get_group(holder).commands[name]

    return build


app = typer.Typer(
    name="branchctl",
    cls=RootGroup,
    help=(
        "党支部标准化建设与评星定级工具：评定台账、批量校验乡镇报表、生成通报和通知。\n\n"
        "示例：branchctl rate 城关镇台账.xlsx\n\n"
        "每个命令的说明和示例：branchctl 命令 --help，如 branchctl validate --help。\n\n"
        "退出码：0 完成且没有问题；1 完成，但发现了错误或自评与核算不符；2 无法运行。"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        say(f"branchctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="显示版本号后退出。", callback=_version, is_eager=True
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="出错时显示完整的技术信息（供开发者排查），可写在命令行任何位置。"
        ),
    ] = False,
) -> None:
    state["debug"] = debug
