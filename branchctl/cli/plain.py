"""The commonest command lines, ``branchctl rate LEDGER -o OUT --json`` and ``branchctl validate
DIR --json``, run without click.

Loading typer and click and building the command cost about a fifth of rating a township's
file (and about 30 ms before a county's validation can start). A command line made only of
the command's own options, each given once and spelt as its help spells it, with values that
cannot be taken for options, means exactly one thing to click; it is read here and run as
click would run it. Anything else (help, ``--version``, a
typo, an option given twice, a full-width dash, ``--opt=value``, ``--``, a bad number, a path
click would refuse as unreadable, shell completion) goes to click, which knows what to say.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from branchctl.cli.common import run_command, state
from branchctl.cli.messages import half_width

# rate's options as cli/rate.py declares them: spelling -> (parameter, what it takes); an int
# is a whole number's minimum. tests/test_cli_plain.py holds them equal to click's.
RATE_OPTIONS: dict[str, tuple[str, str | int]] = {
    "-o": ("out", "path"),
    "--out": ("out", "path"),
    "--annotate": ("annotate", "path"),
    "--rubric": ("rubric", "text"),
    "--as-of": ("as_of", "text"),
    "--json": ("as_json", "flag"),
    "--bottom": ("bottom", 0),
    "--by": ("by", "text"),
    "-j": ("jobs", 1),
    "--jobs": ("jobs", 1),
}
RATE_DEFAULTS: dict[str, Any] = {
    "out": None,
    "annotate": None,
    "rubric": None,
    "as_of": None,
    "as_json": False,
    "bottom": 0,
    "by": "所属党组织",
    "jobs": None,
}
# validate's, as cli/validate.py declares them.
VALIDATE_OPTIONS: dict[str, tuple[str, str | int]] = {
    "--annotate": ("annotate", "path"),
    "--report": ("report", "path"),
    "--json": ("as_json", "flag"),
    "--as-of": ("as_of", "text"),
    "--rubric": ("rubric", "text"),
    "-j": ("jobs", 1),
    "--jobs": ("jobs", 1),
}
VALIDATE_DEFAULTS: dict[str, Any] = {
    "annotate": None,
    "report": None,
    "as_json": False,
    "as_of": None,
    "rubric": None,
    "jobs": None,
}
PLAIN = {"rate": (RATE_OPTIONS, RATE_DEFAULTS), "validate": (VALIDATE_OPTIONS, VALIDATE_DEFAULTS)}
COMPLETION_VARIABLE = "_BRANCHCTL_COMPLETE"  # set by a shell asking click to complete a word


def run_plain(args: list[str]) -> int | None:
    """The exit code of ``args`` run as ``branchctl rate`` or ``validate``; None if click must
    read them."""
    read = plain_arguments(args)
    if read is None or os.environ.get(COMPLETION_VARIABLE):
        return None
    command, debug, arguments = read
    state["debug"] = debug
    if command == "rate":
        from branchctl.cli.rate_run import run_rate

        return run_command(run_rate, **arguments)
    from branchctl.cli.validate_run import run_validate

    return run_command(run_validate, **arguments)


def rate_arguments(args: list[str]) -> tuple[bool, dict[str, Any]] | None:
    """(``--debug`` given, rate's arguments as click passes them) for a plain rate command line
    (``--debug`` already moved to the front); None for any other."""
    return _of("rate", plain_arguments(args))


def validate_arguments(args: list[str]) -> tuple[bool, dict[str, Any]] | None:
    """As :func:`rate_arguments`, for ``validate``."""
    return _of("validate", plain_arguments(args))


def _of(
    command: str, read: tuple[str, bool, dict[str, Any]] | None
) -> tuple[bool, dict[str, Any]] | None:
    return (read[1], read[2]) if read is not None and read[0] == command else None


def plain_arguments(args: list[str]) -> tuple[str, bool, dict[str, Any]] | None:
    """(the command, ``--debug`` given, its arguments as click passes them) for a plain command
    line (``--debug`` already moved to the front); None for any other."""
    debug = args[:1] == ["--debug"]
    command = args[debug] if len(args) > debug else None
    if command not in PLAIN:
        return None
    options, defaults = PLAIN[command]
    arguments = dict(defaults)
    given: set[str] = set()
    paths: list[Path] = []
    rest = iter(args[debug + 1 :])
    for arg in rest:
        if not _like_option(arg):
            path = _path(arg)
            if path is None:
                return None
            paths.append(path)
            continue
        if arg not in options or options[arg][0] in given:
            return None
        name, takes = options[arg]
        given.add(name)
        if takes == "flag":
            arguments[name] = True
            continue
        text = next(rest, None)
        if text is None or _like_option(text):
            return None
        value = _value(text, takes)
        if value is None:
            return None
        arguments[name] = value
    return (command, debug, {"paths": paths, **arguments}) if paths else None


def _like_option(arg: str) -> bool:
    """What click, or the full-width check before it, could read as an option (or ``--``)."""
    return half_width(arg).startswith("-")


def _value(text: str, takes: str | int) -> Any:
    if takes == "path":
        return _path(text)
    if isinstance(takes, int):  # plain digits at or above the minimum; click says the rest
        return int(text) if text.isascii() and text.isdigit() and int(text) >= takes else None
    return text


def _path(text: str) -> Path | None:
    """A path as click's ``Path`` type passes it; None where click would refuse it or read it
    otherwise (there but unreadable; empty, which click takes for the current folder)."""
    if not text:
        return None
    try:
        os.stat(text)
    except OSError:  # not there (yet): click passes it on as it is
        return Path(text)
    except ValueError:  # a NUL in it
        return None
    return Path(text) if os.access(text, os.R_OK) else None
