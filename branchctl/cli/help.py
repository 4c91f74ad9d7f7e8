"""``--help`` in Chinese, laid out for Chinese text.

Click writes its help with English headings ("Usage:", "Options:"), English notes ("[required]",
"[default: 10; x>=0]", "<int range>"), and wraps lines at spaces only, counting a Chinese
character as one column: long Chinese lines overflow, and a line may begin with a lone "。".
Here the whole help is rendered from the command's own parameters: Chinese headings and notes,
lines measured in display columns, broken between Chinese characters but never before closing
punctuation or after opening punctuation, and example command lines broken only at spaces.
"""

from __future__ import annotations

from typing import Any

from wcwidth import wcwidth

from branchctl.cli.messages import requirement

# Never at the start of a line (closing punctuation) / never at the end (opening punctuation).
NO_START = set("。，、；：？！）】》」』〉”’…·—%％,.;:?!)]}")
NO_END = set("（【《「『〈“‘([{")

HEADINGS = {"usage": "用法：", "arguments": "参数：", "options": "选项：", "commands": "命令："}
HELP_OPTION_TEXT = "显示本说明后退出。"
INDENT = 2
MAX_TERM_COLUMN = 30

# What a parameter takes, when it does not say (click's names are English: <path>, <int range>).
TYPE_METAVARS = {
    "path": "路径",
    "integer": "整数",
    "int": "整数",
    "integer range": "整数",
    "int range": "整数",
    "float": "数字",
    "float range": "数字",
    "text": "文字",
    "str": "文字",
    "boolean": "是或否",
    "date": "日期",
}


def width_of(text: str) -> int:
    """Display columns: a Chinese character takes two."""
    return sum(max(wcwidth(c), 0) for c in text)


def _atoms(text: str, spaces_only: bool) -> list[str]:
    """Pieces a line may break between; whitespace pieces are where breaks drop the space.

    Lines break at spaces, between two Chinese characters, and between a Chinese character and
    an English word or number; never before closing punctuation (。，）), after opening
    punctuation (（“), next to an ASCII sign (``变量名=值``, ``.xlsx``, ``-o``), or between a
    number and its Chinese unit (``2025年6月30日``). With
    ``spaces_only`` (a command line) only spaces separate pieces.
    """
    atoms: list[str] = []
    for char in text:
        last = atoms[-1] if atoms else " "
        if char.isspace():
            if last.isspace() and atoms:
                atoms[-1] += char
            else:
                atoms.append(char)
            continue
        if last.isspace() or not _joins(last[-1], char, spaces_only):
            atoms.append(char)
        else:
            atoms[-1] += char
    return atoms


def _joins(before: str, char: str, spaces_only: bool) -> bool:
    """No line break between ``before`` and ``char``."""
    if spaces_only or char in NO_START or before in NO_END:
        return True
    wide_before = width_of(before) == 2
    wide = width_of(char) == 2
    if not wide_before and not wide:
        return True  # one English word, number or option
    # the narrow one of the two: a sign sticks to its neighbour, a digit to its unit (30日, 5个)
    narrow = before if wide else char
    return not narrow.isalpha()


def wrap(text: str, width: int, indent: int = 0, spaces_only: bool = False) -> list[str]:
    """``text`` in lines of at most ``width`` columns (a piece wider than that stands alone)."""
    room = max(width - indent, 10)
    lines: list[str] = []
    line, used, space = "", 0, ""
    for atom in _atoms(text, spaces_only):
        if atom.isspace():
            space = " " if line else ""
            continue
        size = width_of(atom)
        if line and used + len(space) + size > room:
            lines.append(line)
            line, used, space = "", 0, ""
        line += space + atom
        used += len(space) + size
        space = ""
    if line or not lines:
        lines.append(line)
    return [" " * indent + x if x else "" for x in lines]


def _is_command_line(paragraph: str) -> bool:
    return "branchctl " in paragraph


def paragraphs(text: str, width: int, indent: int = INDENT) -> list[str]:
    """A help text's paragraphs (blank-line separated; a single line break is kept) wrapped."""
    out: list[str] = []
    for block in text.strip().split("\n\n"):
        if out:
            out.append("")
        for line in block.splitlines():
            out += wrap(line.strip(), width, indent, spaces_only=_is_command_line(line))
    return out


def definitions(rows: list[tuple[str, str]], width: int) -> list[str]:
    """Two columns, the second wrapped beside the first (or under it when the first is long)."""
    if not rows:
        return []
    fits = [width_of(term) for term, _ in rows if width_of(term) <= MAX_TERM_COLUMN]
    column = INDENT + max(fits or [0]) + 2
    out: list[str] = []
    for term, text in rows:
        head = " " * INDENT + term
        body = wrap(text, width, column) if text else [""]
        if width_of(head) + 2 <= column:
            out.append(head + " " * (column - width_of(head)) + body[0].lstrip())
            out += body[1:]
        else:
            out.append(head)
            out += body
    return [line.rstrip() for line in out]


# ------------------------------------------------------------------------ what a param says


def metavar(param: Any) -> str:
    """The placeholder after an option: its own ``metavar``, else what its type takes."""
    if getattr(param, "metavar", None):
        return str(param.metavar)
    choices = getattr(param.type, "choices", None)
    if choices:
        return "{" + "|".join(str(getattr(c, "value", c)) for c in choices) + "}"
    return TYPE_METAVARS.get(getattr(param.type, "name", ""), "值")


def placeholder(param: Any) -> str:
    """An argument in the usage line: ``FILE``, ``PATHS...``, ``[TEMPLATE]``."""
    name = (param.metavar or param.name or "").upper() + ("..." if param.nargs == -1 else "")
    return name if param.required else f"[{name}]"


def _is_help(param: Any, ctx: Any) -> bool:
    return set(getattr(param, "opts", [])) & set(ctx.help_option_names) != set()


def _notes(param: Any) -> str:
    """默认、取值范围、必填 — what click writes in English brackets."""
    notes = []
    is_flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
    default = param.default
    if (
        not is_flag
        and param.show_default is not False
        and default not in (None, (), [])
        and not callable(default)
    ):
        shown = param.show_default if isinstance(param.show_default, str) else default
        notes.append(f"默认 {getattr(shown, 'value', shown)}")
    names = {c.__name__ for c in type(param.type).__mro__}
    if "_NumberRangeBase" in names:
        notes.append(requirement(param.type))
    if param.required and param.param_type_name == "option":
        notes.append("必填")
    return "；".join(notes) + "。" if notes else ""


def _option_term(param: Any) -> str:
    opts = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
    if param.secondary_opts:
        opts += " / " + ", ".join(param.secondary_opts)
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return opts
    return f"{opts} {metavar(param)}"


def _param_rows(command: Any, ctx: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    arguments, options = [], []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name == "argument":
            arguments.append((placeholder(param), (param.help or "") + _notes(param)))
        elif _is_help(param, ctx):
            options.append((_option_term(param), HELP_OPTION_TEXT))
        else:
            options.append((_option_term(param), (param.help or "") + _notes(param)))
    return arguments, options


def usage_line(command: Any, ctx: Any) -> str:
    """``用法：branchctl rate [选项] FILE``."""
    pieces = [ctx.command_path, "[选项]"]
    if getattr(command, "commands", None) is not None:
        pieces.append("命令 [参数]...")
    else:
        pieces += [
            placeholder(p) for p in command.get_params(ctx) if p.param_type_name == "argument"
        ]
    return HEADINGS["usage"] + " ".join(pieces)


def _commands(command: Any, ctx: Any) -> list[tuple[str, str]]:
    rows = []
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        summary = sub.short_help or (sub.help or "").split("\n\n")[0]
        rows.append((name, summary))
    return rows


def render_help(command: Any, ctx: Any, width: int) -> str:
    """The whole ``--help`` text of ``command``."""
    lines = wrap(usage_line(command, ctx), width, spaces_only=True)
    if command.help:
        lines += ["", *paragraphs(command.help, width)]
    arguments, options = _param_rows(command, ctx)
    for heading, rows in (("arguments", arguments), ("options", options)):
        if rows:
            lines += ["", HEADINGS[heading], *definitions(rows, width)]
    if getattr(command, "commands", None) is not None:
        lines += ["", HEADINGS["commands"], *definitions(_commands(command, ctx), width)]
    return "\n".join(lines) + "\n"
