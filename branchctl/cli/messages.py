"""Click's English usage errors in one Chinese sentence each, naming the option, argument or command.

Click reports a mistyped command line in English inside a "Usage: … Error: …" box; a clerk gets one
Chinese sentence instead, and exit code 2.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Dashes a Chinese input method or a word processor puts where "-" was meant; NFKC handles the
# full-width forms (－ｏ, ＝), not these.
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63]")


def half_width(arg: str) -> str:
    """``－ｏ`` → ``-o``, ``——out＝x`` → ``--out=x``."""
    return _DASHES.sub("-", unicodedata.normalize("NFKC", arg))


def move_debug(args: list[str]) -> list[str]:
    """``--debug`` may stand anywhere before ``--``; click only knows it before the subcommand."""
    end = args.index("--") if "--" in args else len(args)
    head = [a for a in args[:end] if a != "--debug"]
    if len(head) == end:
        return args
    return ["--debug", *head, *args[end:]]


def command_path(group: Any, args: list[str]) -> str:
    """``branchctl rate`` for ``rate x.xlsx -o``: the errors that carry no context need it."""
    path = ["branchctl"]
    command = group
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("-"):
            continue
        sub = getattr(command, "commands", {}).get(arg)
        if sub is None:
            break
        path.append(arg)
        command = sub
    return " ".join(path)


def _param_label(param: Any) -> str:
    """``选项 --bottom`` or ``参数 FILE``."""
    if getattr(param, "param_type_name", "") == "option":
        opts = list(getattr(param, "opts", [])) or [f"--{param.name}"]
        long = [o for o in opts if o.startswith("--")]
        return f"选项 {max(long or opts, key=len)}"
    return f"参数 {(param.metavar or param.name or '').upper()}"


def _param_what(param: Any) -> str:
    """The first sentence of the parameter's help without its parentheses: ``（台账文件）``."""
    text = str(getattr(param, "help", None) or "")
    while True:
        shorter = re.sub(r"（[^（）]*）", "", text)
        if shorter == text:
            break
        text = shorter
    text = text.split("。")[0].split("；")[0].strip()
    return f"（{text}）" if text else ""


def _commands_of(ctx: Any) -> list[str]:
    group = ctx.command
    names = group.list_commands(ctx)
    return [n for n in names if not getattr(group.commands.get(n), "hidden", False)]


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            import ast  # a usage error's quoted value: not loaded for a command line that runs

            return str(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            return text[1:-1]
    return text


def _bad_value(message: str) -> tuple[str | None, str | None]:
    """The value click rejected, and what was wrong with a path, from click's English message."""
    m = re.match(
        r"^\w+ (.+) (does not exist|is a file|is a directory|is not readable|"
        r"is not writable)\.$",
        message,
        re.S,
    )
    if m:
        problem = {
            "does not exist": "不存在",
            "is a file": "应为文件夹，不能是文件",
            "is a directory": "应为文件，不能是文件夹",
            "is not readable": "没有读取权限",
            "is not writable": "没有写入权限",
        }[m.group(2)]
        return _unquote(m.group(1)), problem
    m = re.match(r"^(.*) is not ", message, re.S)
    if m:
        return _unquote(m.group(1)), None
    return None, None


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def requirement(param_type: Any) -> str:
    """What the parameter's type accepts, in Chinese: ``应为不小于 0 的整数``."""
    names = {c.__name__ for c in type(param_type).__mro__}
    noun = "整数" if "IntParamType" in names else "数字"
    if "_NumberRangeBase" in names:
        low, high = param_type.min, param_type.max
        lo = f"{'大于' if param_type.min_open else '不小于'} {_number(low)}"
        hi = f"{'小于' if param_type.max_open else '不大于'} {_number(high)}"
        if low is not None and high is not None:
            if not (param_type.min_open or param_type.max_open):
                return f"应为 {_number(low)} 到 {_number(high)} 之间的{noun}"
            return f"应为{lo}且{hi} 的{noun}"
        if low is not None:
            return f"应为{lo} 的{noun}"
        if high is not None:
            return f"应为{hi} 的{noun}"
        return f"应为{noun}"
    if "IntParamType" in names or "FloatParamType" in names:
        return f"应为{noun}"
    if "BoolParamType" in names:
        return "应为 yes 或 no"
    choices = getattr(param_type, "choices", None)
    if choices:
        return "可选值：" + "、".join(str(getattr(c, "value", c)) for c in choices)
    if "DateTime" in names:
        return "应为日期，如 2025-06-30"
    return "不符合要求"


def usage_sentence(error: Exception, where: str, root: Any = None) -> str:
    """One Chinese sentence (without 错误：) for a click usage error; ``root``: the app's group."""
    names = {c.__name__ for c in type(error).__mro__}
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        where = ctx.command_path
    see = f"用 {where} --help 查看用法"
    message = str(getattr(error, "message", "") or "")
    if "NoSuchOption" in names:
        option = getattr(error, "option_name", "")
        root_opts = {o for p in getattr(root, "params", []) for o in getattr(p, "opts", [])}
        if where != "branchctl" and option in root_opts:  # `branchctl rate x.xlsx --version`
            return f"选项 {option} 要写在命令名之前，如 branchctl {option}。"
        guesses = sorted(getattr(error, "possibilities", None) or [])
        guess = f"是不是要用 {' 或 '.join(guesses)}？" if guesses else ""
        return f"没有选项 {option}，{guess}用 {where} --help 查看全部选项。"
    if "BadOptionUsage" in names:
        option = getattr(error, "option_name", "")
        if "requires" in message:
            return f"选项 {option} 后面缺少值，{see}。"
        if "does not take a value" in message:
            return f"选项 {option} 不带值，请去掉“=”及其后面的内容。"
        return f"选项 {option} 的用法有误，{see}。"
    param = getattr(error, "param", None)
    if "MissingParameter" in names and param is not None:
        what = "选项" if param.param_type_name == "option" else "参数"
        label = _param_label(param).split(" ", 1)[1]
        return f"缺少{what} {label}{_param_what(param)}，{see}。"
    if "BadParameter" in names and param is not None:
        value, problem = _bad_value(message)
        label = _param_label(param)
        shown = f"“{value}”" if value is not None else ""
        if problem is not None:
            return f"{label} 的值{shown}无效：{problem}。"
        return f"{label} 的值{shown}无效：{requirement(param.type)}。"
    m = re.match(r"^No such command (.+?)\.(?: Did you mean .*\?)?$", message, re.S)
    if m and ctx is not None:
        name = _unquote(m.group(1))
        commands = _commands_of(ctx)
        from difflib import get_close_matches

        guesses = get_close_matches(name, commands)
        guess = f"是不是要用 {' 或 '.join(guesses)}？" if guesses else ""
        which = "可用的命令" if ctx.parent is None else f"{where} 可用的子命令"
        return f"没有命令“{name}”，{guess}{which}：{'、'.join(commands)}。"
    if message.startswith("Missing command") and ctx is not None:
        return f"缺少命令，可用的命令：{'、'.join(_commands_of(ctx))}。{see}。"
    m = re.match(r"^Got unexpected extra arguments?(?:\(s\))? \((.*)\)$", message, re.S)
    if m:
        return f"多余的参数“{m.group(1)}”（文件名含空格时请加引号），{see}。"
    return f"命令行写法有误，{see}。"
