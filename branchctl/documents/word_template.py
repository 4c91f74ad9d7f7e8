"""Word templates: a .docx made in Word with Jinja tags, filled by docxtpl within the budget.

Before docxtpl sees a template its XML is checked: docxtpl rewrites the XML with regular
expressions that take time growing with the square of the text when a ``{{`` or ``{%`` is never
closed (a 300 KB document.xml took 9 s, a megabyte minutes), and that work is out of reach of
the template budget's clock. So a part over :data:`MAX_PART` bytes, or a tag that is not
closed before the next one opens, is refused with a sentence naming the template.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from branchctl.documents.templates import LIMIT_ERRORS, jinja_message, limit_reason
from branchctl.errors import BranchctlError

MAX_PART = 5 * 2**20  # bytes of XML in one part of a Word template (a few hundred pages)
_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
# docxtpl's own first step: Word often splits "{{" over runs; the tags in between go
_SPLIT = re.compile(r"(?<={)(<[^>]*>)+(?=[{%#])|(?<=[%}#])(<[^>]*>)+(?=})")
_MARKS = re.compile(r"\{[{%#]|[}%#]\}")
_CLOSE = {"{{": "}}", "{%": "%}", "{#": "#}"}


def check_word_template(path: Path, name: str) -> None:
    """Refuse a Word template docxtpl could not fill in bounded time (see the module's docstring)."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if not _PARTS.match(info.filename):
                    continue
                with z.open(info) as f:
                    data = f.read(MAX_PART + 1)
                if len(data) > MAX_PART:
                    raise BranchctlError(
                        f"Word 模板“{name}”太大（正文超过 {MAX_PART >> 20} MB），请精简后再用"
                    )
                _check_tags(data.decode("utf-8", "replace"), name)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as e:
        raise BranchctlError("Word 模板无法读取，不是有效的 .docx 文件", path=path) from e


def _check_tags(xml: str, name: str) -> None:
    opened: str | None = None
    for m in _MARKS.finditer(_SPLIT.sub("", xml)):
        mark = m.group(0)
        if mark in _CLOSE:
            if opened is not None:
                break
            opened = mark
        elif opened is not None and mark == _CLOSE[opened]:
            opened = None
    else:
        if opened is None:
            return
    raise BranchctlError(
        f"Word 模板“{name}”中的 Jinja 标记不成对：“{opened}”没有对应的“{_CLOSE[opened or '{{']}”"
    )


def render_docx_template(
    path: Path, context: dict[str, Any], out: Path, env: Any, name: str
) -> None:
    """Fill a .docx made in Word with Jinja tags (docxtpl); values are XML-escaped."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError, UndefinedError

    try:
        tpl = DocxTemplate(str(path))
        with env.budget.document():
            tpl.render(context, jinja_env=env, autoescape=True)
    except LIMIT_ERRORS as e:
        raise BranchctlError(f"Word 模板“{name}”超出限制：{limit_reason(e)}") from e
    except UndefinedError as e:
        m = re.match(r"'(.+?)' is undefined", str(e.message))
        if m and not m.group(1).isascii():  # a free field nobody gave
            raise BranchctlError(
                f"模板“{name}”需要变量“{m.group(1)}”，请用 --set {m.group(1)}=… 提供"
            ) from e
        raise BranchctlError(f"Word 模板“{name}”出错：{jinja_message(e)}") from e
    except TemplateError as e:
        raise BranchctlError(f"Word 模板“{name}”中的 Jinja 标记有误：{jinja_message(e)}") from e
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as e:
        raise BranchctlError(f"Word 模板“{name}”出错：{jinja_message(e)}") from e
    except Exception as e:  # docxtpl/python-docx on a file that is not a Word document
        raise BranchctlError(f"Word 模板无法读取（{type(e).__name__}: {e}）", path=path) from e
    tpl.save(str(out))
