"""What every command shares: the one error handler, dates, progress (the options declared
once are in ``options``). No typer here: the plain command line of ``plain`` runs without it."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from branchctl.cli.console import fail, say
from branchctl.errors import BranchctlError, os_reason

# Set by the root callback (or the plain command line); read by the error handler.
state: dict[str, bool] = {"debug": False}
DEFAULT_DB = Path("branchctl.db")


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


def run_command(body: Callable[..., int | None], *args: Any, **kwargs: Any) -> int:
    """Run a command's body and return its exit code: every failure ends as one Chinese
    sentence on stderr and exit code 2, with no traceback unless ``--debug``."""
    try:
        return body(*args, **kwargs) or 0
    except BranchctlError as e:
        _traceback()
        fail(e.sentence())
        return 2
    except BrokenPipeError:  # `branchctl validate … | head`: the reader has gone, say nothing
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        say("已中断，未写出任何不完整的文件。", err=True)
        return 130
    except MemoryError:
        fail("文件过大，内存不足，无法处理。")
        return 2
    except Exception as e:  # a bug of ours: still no traceback unless asked
        if _is_click_exit(e):  # click's own way out (typer.Exit): click handles it
            raise
        _traceback()
        if isinstance(e, OSError) and e.filename is not None:  # a path the system refuses
            fail(f"无法访问“{e.filename}”：{os_reason(e)}。")  # (too long…) that no step named
        else:
            fail(f"程序内部出错（{type(e).__name__}: {e}），请加 --debug 重新运行并反馈。")
        return 2


def _is_click_exit(e: Exception) -> bool:
    return any(c.__name__ == "Exit" and c.__module__.startswith("typer") for c in type(e).__mro__)


def _traceback() -> None:
    if state["debug"]:
        import traceback

        traceback.print_exc()


def handled(command: Callable[..., int | None]) -> Callable[..., None]:
    """A command body returns its exit code; this turns failures into a sentence and exit 2."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        code = run_command(command, *args, **kwargs)
        if code:
            import typer  # loaded already: click is running this command

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
