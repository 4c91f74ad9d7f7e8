"""The command line: parse arguments, call the library, print. The only module that prints or exits."""

from __future__ import annotations

import datetime as dt
import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from branchctl import __version__
from branchctl.errors import BranchctlError

app = typer.Typer(
    name="branchctl",
    help="党支部标准化建设与评星定级工具：评定台账、批量校验乡镇报表、生成通报和通知。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, bool] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"branchctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", help="显示版本号后退出。", callback=_version, is_eager=True)
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的技术信息（供开发者排查）。")] = False,
) -> None:
    _state["debug"] = debug


@contextmanager
def _errors() -> Iterator[None]:
    """Every failure ends as one Chinese sentence on stderr and exit code 2."""
    try:
        yield
    except typer.Exit:
        raise
    except BranchctlError as e:
        if _state["debug"]:
            traceback.print_exc()
        typer.echo(f"错误：{e.sentence()}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("已中断，未写出任何不完整的文件。", err=True)
        raise typer.Exit(130) from None
    except MemoryError:
        typer.echo("错误：文件过大，内存不足，无法处理。", err=True)
        raise typer.Exit(2) from None
    except Exception as e:  # a bug of ours: still no traceback unless asked
        if _state["debug"]:
            traceback.print_exc()
        typer.echo(f"错误：程序内部出错（{type(e).__name__}: {e}），请加 --debug 重新运行并反馈。", err=True)
        raise typer.Exit(2) from None


def parse_as_of(text: str | None) -> dt.date:
    from branchctl.values import BadValue, parse_date

    if not text:
        return dt.date.today()
    try:
        parsed = parse_date(text)
    except BadValue:
        parsed = None
    if parsed is None or parsed.date is None:
        raise BranchctlError(f"--as-of 的日期“{text}”无法识别，请写成 2025-06-30 或 2025年6月30日")
    return parsed.date


class Progress:
    """Stage messages and a bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0

    def stage(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K{text}")
            sys.stderr.flush()

    def bar(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r\033[K{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _default_out(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.stem}{suffix}")


# ---------------------------------------------------------------------------------- rate


@app.command(
    "rate",
    help=(
        "评定一个台账中每个党支部的星级、定级类别和等次，与填报的自评核对，并写出批注工作簿。\n\n"
        "示例：branchctl rate 城关镇台账.xlsx\n\n"
        "退出码：0 全部一致；1 有自评与核算不符；2 无法运行（文件无法读取、参数错误等）。"
    ),
)
def rate_command(
    file: Annotated[Path, typer.Argument(help="台账文件（.xlsx .xlsm .xls .ods）。", show_default=False)],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="批注工作簿的输出路径，默认为“原文件名.rated.xlsx”。")
    ] = None,
    rubric: Annotated[str | None, typer.Option("--rubric", help="评定规则：内置规则名或 TOML 规则文件路径。")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="核对日期，如 2025-06-30，默认今天。")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果（标准输出只有一个 JSON 文档）。")] = False,
    bottom: Annotated[
        int, typer.Option("--bottom", min=0, help="列出最弱的 N 个支部（倒排），写入汇总表。")
    ] = 0,
) -> None:
    with _errors():
        from branchctl.commands import rate_file

        progress = Progress()
        report = rate_file(
            file,
            out=out or _default_out(file, ".rated.xlsx"),
            rubric=rubric,
            as_of=parse_as_of(as_of),
            bottom=bottom,
            stage=progress.stage,
        )
        progress.done()
        if as_json:
            _print_json(report.result.to_json())
        else:
            from branchctl.display import rating_text

            typer.echo(rating_text(report))
        raise typer.Exit(1 if report.result.summary()["mismatches"] else 0)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `branchctl rate x.xlsx | head`
        sys.stderr.close()


_Stage = Callable[[str], None]
