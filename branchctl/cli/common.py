"""What every command shares: the options declared once, the one error handler, progress."""

from __future__ import annotations

import datetime as dt
import functools
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from branchctl.cli.console import fail, say
from branchctl.errors import BranchctlError

# Set by the root callback; read by the error handler.
state: dict[str, bool] = {"debug": False}

# ------------------------------------------------------------------------ shared options

RubricOption = Annotated[
    str | None,
    typer.Option(
        "--rubric", metavar="规则", help="评定规则：内置规则名（如 six-star）或 TOML 规则文件路径。"
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="以 JSON 输出结果（标准输出只有一个 JSON 文档，UTF-8 编码）。"),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        metavar="进程数",
        help="同时处理的进程数，默认为 CPU 核数；1 为不并行。",
    ),
]

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar="BRANCHCTL_DB",
        metavar="档案文件",
        help="档案文件，默认当前文件夹的 branchctl.db；也可用环境变量 BRANCHCTL_DB 指定。",
    ),
]
DEFAULT_DB = Path("branchctl.db")
PeriodOption = Annotated[
    str,
    typer.Option(
        "--period",
        "-p",
        metavar="期次",
        help="期次：2025Q2、2025年二季度、2025-06（月）或 2025（年）。",
    ),
]


def as_of_option(default: str = "今天") -> Any:
    """``--as-of DATE``; commands differ only in what stands when it is not given."""
    return typer.Option(
        None,
        "--as-of",
        metavar="日期",
        help=f"核对日期（判断任务是否超期），如 2025-06-30 或 2025年6月30日；默认{default}。",
    )


def parse_as_of(text: str | None) -> dt.date:
    """The ``--as-of`` date; today when not given."""
    return parse_day(text, "--as-of") if text else dt.date.today()


def parse_day(text: str, option: str) -> dt.date:
    """A date given to ``option`` (2025-06-30, 2025年6月30日…), or one sentence saying how."""
    from branchctl.forms.values import BadValue, parse_date

    try:
        parsed = parse_date(text)
    except BadValue:
        parsed = None
    if parsed is None or parsed.date is None:
        raise BranchctlError(f"{option} 的日期“{text}”无法识别，请写成 2025-06-30 或 2025年6月30日")
    return parsed.date


def default_out(path: Path, suffix: str) -> Path:
    """``城关镇.xlsx`` → ``城关镇<suffix>`` beside it."""
    return path.with_name(f"{path.stem}{suffix}")


# ------------------------------------------------------------------------ error handling


@contextmanager
def command_errors() -> Iterator[None]:
    """Every failure ends as one Chinese sentence on stderr and exit code 2."""
    try:
        yield
    except typer.Exit:
        raise
    except BranchctlError as e:
        if state["debug"]:
            traceback.print_exc()
        fail(e.sentence())
        raise typer.Exit(2) from None
    except BrokenPipeError:  # `branchctl validate … | head`: the reader has gone, say nothing
        sys.stderr.close()
        raise typer.Exit(0) from None
    except KeyboardInterrupt:
        say("已中断，未写出任何不完整的文件。", err=True)
        raise typer.Exit(130) from None
    except MemoryError:
        fail("文件过大，内存不足，无法处理。")
        raise typer.Exit(2) from None
    except Exception as e:  # a bug of ours: still no traceback unless asked
        if state["debug"]:
            traceback.print_exc()
        fail(f"程序内部出错（{type(e).__name__}: {e}），请加 --debug 重新运行并反馈。")
        raise typer.Exit(2) from None


def handled(command: Callable[..., int | None]) -> Callable[..., None]:
    """A command body returns its exit code; this turns failures into a sentence and exit 2."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        with command_errors():
            code = command(*args, **kwargs)
        if code:
            raise typer.Exit(code)

    return run


# ------------------------------------------------------------------------------ progress


class Progress:
    """Stage messages and a bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def stage(self, text: str) -> None:
        if self.enabled:  # the stage names files: their text is made safe, our codes are not
            sys.stderr.write("\r\033[K")
            say(text, err=True, nl=False)
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
