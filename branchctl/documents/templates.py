"""Notice templates: finding them, their free fields, and rendering them with Jinja's sandbox.

A template is Markdown with Jinja tags (the built-in ones are ``branchctl/templates/*.md``) or a
.docx made in Word with Jinja tags (docxtpl). It may begin with a comment saying which built-in
kind's data it receives and what it is for::

    {#-
    数据：整改通知书
    说明：一个未达标党支部一份……
    -#}

Templates run with undefined variables as errors, so a free field (发文机关, 联系电话…) the
template needs but nobody gave is reported by name, never left blank. A field is optional where
the template gives a fallback (``{{ 文号 | default("") }}``, ``{% if 文号 is defined %}``).

Markdown output escapes Markdown's special characters in every value (a branch named ``A*B``
stays ``A*B`` in Word); ``|safe`` opts out. Word templates get XML-escaped values (docxtpl).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from branchctl.documents.data import (
    BRANCH_FIELDS,
    RATING_VARIABLES,
    VALIDATION_VARIABLES,
    date_text,
)
from branchctl.documents.sandbox import BudgetedSandbox, TemplateLimit
from branchctl.errors import BranchctlError, toml_reason
from branchctl.forms.values import chinese_number
from branchctl.io.smallfiles import parse_bounded, read_small_text, regular_file
from branchctl.text import markdown_text, xml_text

BUILTIN = ("通报", "公示", "整改通知书", "退回修改意见")
# The kinds written one document per unit, and what a unit is.
UNITS = {"整改通知书": "支部", "退回修改意见": "文件"}
DESCRIPTION_KEY = "说明"
KIND_KEY = "数据"
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".j2", ".jinja", ".jinja2")
MAX_TEMPLATE_BYTES = 2**20  # a Markdown template; the built-in ones are 2–5 KB
_HEADER = re.compile(r"\A\{#-?(.*?)-?#\}", re.S)
_HEADER_LINE = re.compile(r"^\s*([^:：\s]+)\s*[:：]\s*(.*?)\s*$")

MAX_VARS_BYTES = 1 << 20  # a variables file is a few lines of 发文机关 = "…"


@dataclass
class NoticeTemplate:
    name: str  # 通报 for a built-in, the file name for a user's template
    kind: str  # the built-in kind whose data the template receives
    description: str = ""
    source: str | None = None  # Markdown with Jinja; None for a .docx template
    path: Path | None = None  # the user's file; None for a built-in

    @property
    def is_docx(self) -> bool:
        return self.source is None

    @property
    def unit(self) -> str | None:
        """支部 or 文件 when the template is written for one unit (one document each)."""
        return UNITS.get(self.kind)

    @property
    def data_names(self) -> set[str]:
        return set(VALIDATION_VARIABLES if self.kind == "退回修改意见" else RATING_VARIABLES)


# ------------------------------------------------------------------------------ templates


def builtin_source(name: str) -> str:
    return resources.files("branchctl").joinpath(f"templates/{name}.md").read_text("utf-8")


def _header(source: str) -> dict[str, str]:
    """The ``{# 数据：整改通知书  说明：… #}`` comment a template may start with."""
    m = _HEADER.match(source.lstrip("\ufeff"))
    out: dict[str, str] = {}
    if m:
        for line in m.group(1).splitlines():
            kv = _HEADER_LINE.match(line)
            if kv:
                out[kv.group(1)] = kv.group(2)
    return out


def load_template(spec: str, like: str | None = None) -> NoticeTemplate:
    """A built-in template by name, or a template file (.md or .docx) by path.

    ``like`` names the built-in kind whose data a user's template receives; a Markdown template
    may say so itself in its first comment (``{# 数据：整改通知书 #}``); the default is 通报.
    """
    if like is not None and like not in BUILTIN:
        raise BranchctlError(f"--like 应为内置模板名之一：{'、'.join(BUILTIN)}")
    if spec in BUILTIN:
        source = builtin_source(spec)
        return NoticeTemplate(spec, spec, _header(source).get(DESCRIPTION_KEY, ""), source)
    path = Path(spec)
    if not path.exists() and not path.is_symlink() and not path.suffix:
        raise BranchctlError(
            f"没有名为“{spec}”的内置模板，可选：{'、'.join(BUILTIN)}；自备模板请给出文件路径"
        )
    regular_file(path, "模板文件")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return NoticeTemplate(path.name, like or "通报", "自备 Word 模板", None, path)
    if suffix not in TEXT_SUFFIXES:
        raise BranchctlError("模板应为 Markdown 文本（.md）或 Word 文档（.docx）", path=path)
    source = read_small_text(path, "模板文件", MAX_TEMPLATE_BYTES)
    header = _header(source)
    kind = like or header.get(KIND_KEY) or "通报"
    if kind not in BUILTIN:
        raise BranchctlError(
            f"模板开头注明的“数据：{kind}”不是内置模板名（{'、'.join(BUILTIN)}）", path=path
        )
    return NoticeTemplate(path.name, kind, header.get(DESCRIPTION_KEY, ""), source, path)


# ------------------------------------------------------------------------------ Jinja


_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


def _xml_value(value: Any) -> Any:
    """A Word template's value without the characters XML cannot hold (docxtpl escapes it)."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return xml_text(value)
    return value


def environment(markdown: bool = True) -> BudgetedSandbox:
    """The sandbox every template runs in: undefined is an error, Markdown values escaped,
    work bounded (:mod:`branchctl.documents.sandbox`)."""
    from jinja2 import StrictUndefined

    # immutable: the data is shared by every notice of a batch, so no template may change it
    env = BudgetedSandbox(
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=markdown_text if markdown else _xml_value,
        xml=not markdown,
    )
    env.filters["cn"] = chinese_number
    return env


def compile_template(template: NoticeTemplate, env: Any) -> Any:
    from jinja2 import TemplateSyntaxError

    try:
        return env.from_string(template.source)
    except TemplateSyntaxError as e:
        raise BranchctlError(
            f"模板“{template.name}”第{e.lineno}行有语法错误：{jinja_message(e)}"
        ) from e
    except (RecursionError, MemoryError) as e:
        raise BranchctlError(f"模板“{template.name}”超出限制：{limit_reason(e)}") from e


def free_fields(template: NoticeTemplate, env: Any | None = None) -> tuple[list[str], list[str]]:
    """The free fields a Markdown template uses: (required, optional), in order of use.

    A field is optional where every use of it has a fallback: ``{{ 文号 | default("") }}`` or
    ``{% if 文号 is defined %}``.
    """
    from jinja2 import TemplateSyntaxError, meta, nodes

    if template.source is None:
        return [], []
    env = env or environment()
    try:
        ast = env.parse(template.source)
    except TemplateSyntaxError as e:
        raise BranchctlError(
            f"模板“{template.name}”第{e.lineno}行有语法错误：{jinja_message(e)}"
        ) from e
    except (RecursionError, MemoryError) as e:
        raise BranchctlError(f"模板“{template.name}”超出限制：{limit_reason(e)}") from e
    names = meta.find_undeclared_variables(ast) - template.data_names - set(env.globals)
    guarded: set[int] = set()
    for f in ast.find_all(nodes.Filter):
        if f.name == "default" and isinstance(f.node, nodes.Name):
            guarded.add(id(f.node))
    for t in ast.find_all(nodes.Test):
        if t.name in ("defined", "undefined") and isinstance(t.node, nodes.Name):
            guarded.add(id(t.node))
    for branch in ast.find_all(nodes.If):  # {% if 文号 is defined %}…{{ 文号 }}…{% endif %}
        tested = _tested_defined(branch.test)
        for child in branch.body:
            guarded.update(id(n) for n in child.find_all(nodes.Name) if n.name in tested)
    first: dict[str, int] = {}
    required: set[str] = set()
    for node in ast.find_all(nodes.Name):
        if node.name in names and node.ctx == "load":
            first.setdefault(node.name, node.lineno)
            if id(node) not in guarded:
                required.add(node.name)
    ordered = sorted(first, key=lambda n: first[n])
    return [n for n in ordered if n in required], [n for n in ordered if n not in required]


def _tested_defined(test: Any) -> set[str]:
    """Names a condition proves defined: ``x is defined``, and each side of an ``and``."""
    from jinja2 import nodes

    if (
        isinstance(test, nodes.Test)
        and test.name == "defined"
        and isinstance(test.node, nodes.Name)
    ):
        return {test.node.name}
    if isinstance(test, nodes.And):
        return _tested_defined(test.left) | _tested_defined(test.right)
    return set()


def check_fields(template: NoticeTemplate, fields: dict[str, str], env: Any) -> list[str]:
    """Raise for a missing required field; return the given fields the template never uses."""
    clash = sorted(set(fields) & template.data_names)
    if clash:
        raise BranchctlError(f"“{clash[0]}”是模板数据的变量名，不能用 --set 设置")
    required, optional = free_fields(template, env)
    missing = [n for n in required if n not in fields]
    unknown = [n for n in missing if n.isascii()]
    if unknown:  # free fields are Chinese by convention; an ASCII name is most likely a typo
        known = "、".join(sorted(template.data_names))
        raise BranchctlError(
            f"模板“{template.name}”用到了未知的变量“{unknown[0]}”，可用的数据变量有：{known}"
        )
    if missing:
        names = "".join(f"“{n}”" for n in missing)
        raise BranchctlError(
            f"模板“{template.name}”需要变量{names}，请用 --set {missing[0]}=… 提供"
        )
    if template.source is None:
        return []
    return [n for n in fields if n not in required and n not in optional]


def limit_reason(e: BaseException) -> str:
    """Why a template was stopped: the budget's reason, or nesting or memory, in Chinese."""
    if isinstance(e, TemplateLimit):
        return e.reason
    if isinstance(e, RecursionError):
        return "嵌套太深（宏调用自身，或标记、括号层层嵌套）"
    return "占用内存过多"


LIMIT_ERRORS = (TemplateLimit, RecursionError, MemoryError)


def jinja_message(e: Exception) -> str:
    text = str(getattr(e, "message", None) or e)
    m = re.match(r"'(.+?)' is undefined", text)
    if m:
        return f"变量“{m.group(1)}”没有定义"
    m = re.match(r"'.+?' has no attribute '(.+?)'", text)
    if m:
        return f"没有“{m.group(1)}”这一项"
    if "unsafe" in text:
        return f"出于安全原因不允许这样访问（{text}）"
    return text


def _template_line(e: BaseException) -> int | None:
    line = None
    for frame in traceback.extract_tb(e.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line


def render_text(template: NoticeTemplate, compiled: Any, context: dict[str, Any]) -> str:
    """Render one Markdown document; a template error becomes one sentence naming the line."""
    from jinja2 import TemplateError

    try:
        with compiled.environment.budget.document():
            text = str(compiled.render(context))
    except LIMIT_ERRORS as e:
        line = _template_line(e)
        where = f"第{line}行" if line else ""
        raise BranchctlError(f"模板“{template.name}”{where}超出限制：{limit_reason(e)}") from e
    except (
        TemplateError,
        TypeError,
        ValueError,
        ArithmeticError,
        LookupError,
        AttributeError,
    ) as e:
        line = _template_line(e)
        where = f"第{line}行" if line else ""
        raise BranchctlError(f"模板“{template.name}”{where}出错：{jinja_message(e)}") from e
    # Jinja blocks that print nothing leave runs of blank lines; one blank line is enough
    return _BLANK_LINES.sub("\n\n", text).strip() + "\n"


# ------------------------------------------------------------------------------ free fields


def parse_fields(sets: Sequence[str] = (), vars_file: Path | None = None) -> dict[str, str]:
    """Free fields from ``--vars FILE.toml`` then ``--set 键=值`` (which wins)."""
    fields: dict[str, str] = {}
    if vars_file is not None:
        text = read_small_text(vars_file, "变量文件", MAX_VARS_BYTES)
        try:
            data = parse_bounded(_load_toml, text, "变量文件", vars_file, "file-unreadable")
        except tomllib.TOMLDecodeError as e:
            raise BranchctlError(
                f"变量文件不是有效的 TOML：{toml_reason(e)}", path=vars_file
            ) from e
        for key, value in data.items():
            fields[key] = _field_text(key, value, vars_file)
    for item in sets:
        key, sep, value = item.replace("＝", "=", 1).partition("=")
        key = key.strip()
        if not sep or not key:
            raise BranchctlError(
                f"--set 的“{item}”应写成 变量名=值，如 --set 联系电话=0538-1234567"
            )
        fields[key] = value.strip()
    return fields


_BARE_KEY = re.compile(r"^(\s*)([^\s=\"'\[#]+)(\s*=)", re.M)


def _load_toml(text: str) -> dict[str, Any]:
    """TOML, also with Chinese keys written bare (发文机关 = "…"), as TOML 1.0 does not allow."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        quoted = _BARE_KEY.sub(
            lambda m: (
                f'{m.group(1)}"{m.group(2)}"{m.group(3)}'
                if not m.group(2).isascii()
                else m.group(0)
            ),
            text,
        )
        if quoted == text:
            raise
        return tomllib.loads(quoted)


def _field_text(key: str, value: Any, path: Path) -> str:
    if isinstance(value, dt.datetime):
        return date_text(value.date())
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "、".join(str(v) for v in value)
    raise BranchctlError(f"变量“{key}”的值应为文字、数字或日期，不能是表", path=path)


# ------------------------------------------------------------------------------ --list


def describe_templates() -> str:
    """The built-in templates, the data each receives and its free fields (``notice --list``)."""

    env = environment()
    lines = ["内置模板（可用 --source 查看原文，复制后修改成自己的模板）：", ""]
    for name in BUILTIN:
        template = load_template(name)
        required, optional = free_fields(template, env)
        unit = f"每个{template.unit}一份" if template.unit else "一份"
        lines.append(f"{name}（{unit}）")
        lines.append(f"  说明：{template.description}")
        lines.append(f"  必填变量：{'、'.join(required) or '无'}")
        lines.append(f"  可选变量：{'、'.join(optional) or '无'}")
        names = VALIDATION_VARIABLES if name == "退回修改意见" else RATING_VARIABLES
        shown = [n for n in names if n != "branch" or name == "整改通知书"]
        lines.append(f"  数据变量：{'、'.join(shown)}")
        lines.append("")
    lines.append("通报、公示、整改通知书的数据变量：")
    lines += [f"  {k}：{v}" for k, v in RATING_VARIABLES.items()]
    lines.append("  支部的字段（如 branch.name）：")
    lines += [f"    {k}：{v}" for k, v in BRANCH_FIELDS.items()]
    lines.append("退回修改意见的数据变量：")
    lines += [f"  {k}：{v}" for k, v in VALIDATION_VARIABLES.items()]
    lines.append("")
    lines.append(
        "自由变量用 --set 变量名=值 或 --vars 变量.toml 提供；过滤器 cn 把数字写成汉字（3 → 三）。"
    )
    return "\n".join(lines)
