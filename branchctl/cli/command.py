"""The click command classes every branchctl command uses: Chinese help, and the argument checks
click leaves out (an option given twice keeps only its last value; a full-width ``－o`` is taken
for a file name)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from branchctl.cli.console import fit
from branchctl.cli.messages import half_width
from branchctl.errors import BranchctlError


def _before_double_dash(args: list[str]) -> list[str]:
    return args[: args.index("--")] if "--" in args else args


def check_full_width(command: Any, ctx: Any, args: list[str]) -> None:
    """An option typed with a full-width or Chinese dash: say what to type instead. A short
    option with ``=`` (``-o=结果.xlsx``): click would take ``=结果.xlsx`` for the file name."""
    known = {o: p for p in command.get_params(ctx) for o in (*p.opts, *p.secondary_opts)}
    for arg in _before_double_dash(args):
        typed, equals, value = (*re.split("([=＝])", arg, maxsplit=1), "", "")[:3]
        name = half_width(typed)
        wide = name != typed or equals == "＝"
        if wide and name.startswith("-") and name not in known and f"-{name}" in known:
            name = f"-{name}"  # `—out`: a word processor made one dash of two
        if name not in known:
            continue  # not an option at all
        short = not name.startswith("--")
        if wide:
            meant = (f"{name} {value}" if short else f"{name}={value}") if equals else name
            raise BranchctlError(
                f"“{arg}”里有全角字符或中文破折号，选项要用半角（英文输入法）输入，请写成 {meant}"
            )
        if equals and short:
            long = max(known[name].opts, key=len)
            raise BranchctlError(
                f"“{arg}”：短选项 {name} 后面不加等号，请写成 {name} {value} 或 {long}={value}"
            )


def _values_of(param: Any, args: list[str]) -> list[str]:
    """What followed each spelling of ``param`` on the command line."""
    values = []
    args = _before_double_dash(args)
    for i, arg in enumerate(args):
        for opt in (*param.opts, *param.secondary_opts):
            if arg == opt and i + 1 < len(args):
                values.append(args[i + 1])
            elif opt.startswith("--") and arg.startswith(opt + "="):
                values.append(arg[len(opt) + 1 :])
            elif not opt.startswith("--") and arg.startswith(opt) and len(arg) > len(opt):
                values.append(arg[len(opt) :])
    return values


def check_given_once(command: Any, ctx: Any, args: list[str]) -> None:
    """An option that takes one value, given twice: click keeps the last; we stop and say so."""
    try:
        _, _, order = command.make_parser(ctx).parse_args(args=list(args))
    except Exception:  # click's own parse reports it next, in its words
        return
    seen: dict[str, int] = {}
    for param in order:
        takes_one = (
            param.param_type_name == "option"
            and not param.multiple
            and not getattr(param, "is_flag", False)
            and not getattr(param, "count", False)
        )
        if takes_one:
            seen[param.name] = seen.get(param.name, 0) + 1
            if seen[param.name] == 2:
                long = max(param.opts, key=len)
                values = "、".join(f"“{v}”" for v in _values_of(param, args))
                raise BranchctlError(
                    f"选项 {long} 只能给一个值，这里给了多次（{values}），请只保留一个"
                )


class _Chinese:
    """Chinese help and the extra argument checks, for commands and groups alike."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from branchctl.cli.help import render_help  # wcwidth: only when help is shown

        formatter.write(render_help(self, ctx, formatter.width))

    def get_help(self, ctx: Any) -> str:
        text: str = super().get_help(ctx)  # type: ignore[misc]
        return fit(text, sys.stdout)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        check_full_width(self, ctx, args)
        check_given_once(self, ctx, args)
        result: list[str] = super().parse_args(ctx, args)  # type: ignore[misc]
        return result


class ChineseCommand(_Chinese, TyperCommand):
    """A branchctl command."""


class ChineseGroup(_Chinese, TyperGroup):
    """``branchctl`` and its command groups (``rubric``, ``archive``)."""


class CommandsOnDemand(MutableMapping[str, Any]):
    """A group's commands by name, in order, each built the first time it is looked up.

    ``branchctl rate`` imports the rate command's module and nothing of archive, notice and the
    rest; help and usage errors still see every name, in the order given.
    """

    def __init__(self, builders: dict[str, Callable[[], Any]]) -> None:
        self._builders = builders
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = self._builders[name]()  # KeyError: no such command
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._builders.setdefault(name, lambda: command)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._builders[name]
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._builders  # without building it

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)


def command_group(name: str, help: str, summary: str) -> typer.Typer:
    """A group of commands under ``branchctl NAME``, with Chinese help like every command."""
    return typer.Typer(
        name=name,
        cls=ChineseGroup,
        help=help,
        short_help=summary,
        no_args_is_help=True,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
