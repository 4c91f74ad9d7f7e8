"""Every command and subcommand is documented: Chinese help with an example, nothing of click's
English left, lines wrapped for Chinese text, and a README section naming each of its options
(as sqlite-utils' test_docs walks its commands)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from branchctl.cli.app import app, main
from branchctl.cli.help import width_of

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
ROOT = typer.main.get_command(app)

# What click and typer write in English when left alone.
BOILERPLATE = (
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "Show this message",
    "required",
    "default",
    "x>=",
    "x<=",
    "range",
    "<int",
    "<path",
    "<str",
    "<text",
    "OPTIONS",
    "ARGS",
    "COMMAND",
    "Error",
    "Try ",
    "env var",
)
# English a Chinese help may hold: names of formats and programs, and the rubrics' names.
PROPER_NOUNS = {"Word", "Markdown", "Jinja", "TOML", "JSON", "UTF", "CPU", "Excel", "WPS"}
FORMATS = {"docx", "md"}  # values of notice --format
RUBRIC_NAMES = {"six", "star", "five", "basics", "standard", "points"}
# Chinese punctuation that may not start a line / may not end one.
CLOSING = set("。，、；：？！）】》」』〉”’…")
OPENING = set("（【《「『〈“‘")


def _commands(command: Any = ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name in getattr(command, "commands", {}) or {}:
        yield from _commands(command.commands[name], (*path, name))


COMMANDS = list(_commands())
IDS = [" ".join(p) or "branchctl" for p in COMMANDS]


def _command(path: tuple[str, ...]) -> Any:
    command = ROOT
    for name in path:
        command = command.commands[name]
    return command


def _help(path: tuple[str, ...], width: int = 80) -> str:
    """The help as `branchctl … --help` prints it on a terminal ``width`` columns wide."""
    parent = None
    for depth in range(len(path) + 1):
        command = _command(path[:depth])
        name = path[depth - 1] if depth else "branchctl"
        parent = command.context_class(command, info_name=name, parent=parent, terminal_width=width)
    return str(parent.command.get_help(parent))


def _readme_section(path: tuple[str, ...]) -> str:
    """The README's `### branchctl NAME` section (the whole README for the root)."""
    if not path:
        return README
    match = re.search(rf"^### branchctl {path[0]} (.*?)(?=^### |^## )", README, re.S | re.M)
    assert match, f"README.md has no section “### branchctl {path[0]}”"
    return match.group(0)


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_help_is_chinese_with_an_example(capsys: pytest.CaptureFixture[str], path) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*path, "--help"])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None) and err == ""
    command_path = " ".join(("branchctl", *path))
    assert out.startswith(f"用法：{command_path} [选项]"), out
    assert "\n选项：\n" in out
    assert re.search(rf"^  示例：{command_path}( |$)", out, re.M), f"{command_path}: no example"
    command = _command(path)
    assert re.search("[\u4e00-\u9fff]", command.help or ""), command_path
    for param in command.params:  # every option and argument explained in Chinese
        assert re.search("[\u4e00-\u9fff]", param.help or ""), f"{command_path} {param.name}"


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_no_english_left_in_the_help(path) -> None:
    text = _help(path)
    for phrase in BOILERPLATE:
        assert phrase not in text, f"{phrase!r} in the help of {path}:\n{text}"
    command = _command(path)
    allowed = PROPER_NOUNS | FORMATS | RUBRIC_NAMES | {"branchctl", *(c[-1] for c in COMMANDS if c)}
    allowed |= {(p.metavar or p.name or "").upper() for p in command.params}  # FILE, PATH…
    allowed |= {(p.name or "").upper() for p in command.params}
    # the environment variables a command reads (BRANCHCTL_DB) are named as they are spelt
    allowed |= {w for p in command.params for w in re.findall("[A-Za-z]+", str(p.envvar or ""))}
    # English words that are not an option (--json), a file suffix (.xlsx) or allowed above
    words = re.findall(r"(?<![-.\w])[A-Za-z]{2,}", text)
    assert set(words) <= allowed, sorted(set(words) - allowed)


@pytest.mark.parametrize("width", [40, 52, 66, 80, 100])
@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_lines_wrap_for_chinese_text(path, width) -> None:
    for line in _help(path, width).splitlines():
        text = line.strip()
        if not text:
            continue
        assert text[0] not in CLOSING, f"line starts with {text[0]!r} at width {width}: {line}"
        assert text[-1] not in OPENING, f"line ends with {text[-1]!r} at width {width}: {line}"
        if width_of(line) > width:  # only a piece that cannot be broken may stick out
            assert " " not in text and not re.search("[\u4e00-\u9fff]{2}", text), line


def test_the_command_list_shows_every_summary_whole() -> None:
    text = _help(())
    listed = text.split("命令：\n")[1]
    for name in ROOT.commands:
        summary = ROOT.commands[name].short_help
        joined = re.sub(r"\n +", "", listed)
        assert f"{name}" in listed and summary.replace(" ", "") in joined.replace(" ", ""), name


@pytest.mark.parametrize("path", [p for p in COMMANDS if p], ids=IDS[1:])
def test_readme_has_a_section_naming_every_option(path) -> None:
    section = _readme_section(path)
    assert f"branchctl {' '.join(path)}" in section
    for param in _command(path).params:
        if param.param_type_name != "option" or param.name == "help":
            continue
        named = [o for o in param.opts if re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", section)]
        assert named, f"README section of {' '.join(path)} does not mention {param.opts}"


def test_readme_tells_how_to_read_the_help() -> None:
    assert "branchctl --help" in README and "branchctl 命令 --help" in README
