"""The ``branchctl`` command line: the app, its commands, and the entry point.

One module per command beside this one (rate, validate, notice, compare, collect, template,
rubric, archive), over the shared options and error handler of ``common``; only ``cli`` prints
or exits. A command's module is imported when that command is used (or help lists it), so
``branchctl rate`` does not load the archive's or the notices' code.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from typing import Annotated, Any

import typer

from branchctl import __version__
from branchctl.cli.command import ChineseGroup, CommandsOnDemand
from branchctl.cli.common import state
from branchctl.cli.console import fail, say
from branchctl.cli.messages import command_path, move_debug, usage_sentence
from branchctl.errors import BranchctlError
from branchctl.io.termination import handle_termination

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


def main(argv: list[str] | None = None) -> None:
    """The ``branchctl`` entry point: run the app, turning click's usage errors into Chinese."""
    handle_termination()  # SIGTERM and SIGHUP unwind like Ctrl+C: no temporary file left behind
    args = move_debug(list(sys.argv[1:] if argv is None else argv))
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="branchctl", standalone_mode=False)
    except BrokenPipeError:  # e.g. `branchctl rate x.xlsx | head`
        sys.stderr.close()
        return
    except Exception as e:
        if isinstance(e, BranchctlError):  # a command line click accepts and we do not
            fail(e.sentence())
            sys.exit(2)
        names = {c.__name__ for c in type(e).__mro__}
        if "NoArgsIsHelpError" in names:  # bare `branchctl`: the help, as before
            e.show()  # type: ignore[attr-defined]
            sys.exit(2)
        if "UsageError" in names:
            fail(usage_sentence(e, command_path(command, args), command))
            sys.exit(2)
        if "FileError" in names:
            fail(f"无法打开文件“{getattr(e, 'filename', '')}”。")
            sys.exit(2)
        if "Exit" in names:
            sys.exit(getattr(e, "exit_code", 0))
        if "Abort" in names:
            say("已取消。", err=True)
            sys.exit(1)
        if state["debug"]:
            traceback.print_exc()
        fail(f"程序内部出错（{type(e).__name__}: {e}），请加 --debug 重新运行并反馈。")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
