"""The ``branchctl`` entry point: the command line run, click's usage errors in Chinese.

The commonest command line (``branchctl rate LEDGER -o OUT --json``) runs without loading typer
and click (``plain``); every other one goes to the typer app (``root``), which is also what
``from branchctl.cli.app import app`` gives. Only ``cli`` prints or exits.
"""

from __future__ import annotations

import sys
from typing import Any

from branchctl.cli.common import state
from branchctl.cli.console import fail, say
from branchctl.cli.messages import command_path, move_debug, usage_sentence
from branchctl.cli.plain import run_plain
from branchctl.errors import BranchctlError
from branchctl.io.termination import handle_termination


def __getattr__(name: str) -> Any:
    """``app``: the typer app, loaded when first asked for."""
    if name == "app":
        from branchctl.cli.root import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """The ``branchctl`` entry point: run the app, turning click's usage errors into Chinese."""
    handle_termination()  # SIGTERM and SIGHUP unwind like Ctrl+C: no temporary file left behind
    args = move_debug(list(sys.argv[1:] if argv is None else argv))
    plain = run_plain(args)
    if plain is not None:
        sys.exit(plain)
    import typer

    from branchctl.cli.root import app

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
            import traceback

            traceback.print_exc()
        fail(f"程序内部出错（{type(e).__name__}: {e}），请加 --debug 重新运行并反馈。")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
