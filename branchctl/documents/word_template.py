"""Word templates: a .docx made in Word with Jinja tags, filled by docxtpl within the budget.

Before docxtpl sees a template its XML is checked: docxtpl rewrites the XML with regular
expressions that take time growing with the square of the text when a ``{{`` or ``{%`` is never
closed (a 300 KB document.xml took 9 s, a megabyte minutes), and that work is out of reach of
the template budget's clock. So a part over :data:`MAX_PART` bytes, or a tag that is not
closed before the next one opens, is refused with a sentence naming the template.

docxtpl also fills the document properties (title, subject…) as templates; python-docx refuses,
in English, a property over 255 characters. Each is kept to one line of at most 255 characters
(:func:`branchctl.text.core_property`), and the check says which ones the template has too long.
"""

from __future__ import annotations

import functools
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from branchctl.documents.templates import LIMIT_ERRORS, jinja_message, limit_reason
from branchctl.errors import BranchctlError
from branchctl.text import CORE_PROPERTY_LIMIT, core_property

MAX_PART = 5 * 2**20  # bytes of XML in one part of a Word template (a few hundred pages)
_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
# docxtpl's own first step: Word often splits "{{" over runs; the tags in between go
_SPLIT = re.compile(r"(?<={)(<[^>]*>)+(?=[{%#])|(?<=[%}#])(<[^>]*>)+(?=})")
_MARKS = re.compile(r"\{[{%#]|[}%#]\}")
_CLOSE = {"{{": "}}", "{%": "%}", "{#": "#}"}
# The document properties docxtpl fills (its render_properties), and their names in Word.
PROPERTIES = {"author": "作者", "comments": "备注", "identifier": "标识符", "language": "语言",
              "subject": "主题", "title": "标题"}  # fmt: skip
_CORE_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}
_CORE_TAGS = {"author": "dc:creator", "comments": "dc:description", "identifier": "dc:identifier",
              "language": "dc:language", "subject": "dc:subject", "title": "dc:title"}  # fmt: skip


def check_word_template(path: Path, name: str) -> list[str]:
    """Refuse a Word template docxtpl could not fill in bounded time (see the module's docstring);
    return the notes the clerk should read (document properties cut to 255 characters)."""
    try:
        with zipfile.ZipFile(path) as z:
            notes = _long_properties(z, name)
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
    return notes


def _long_properties(z: zipfile.ZipFile, name: str) -> list[str]:
    """A note naming the template's document properties over 255 characters, if any."""
    try:
        info = z.getinfo("docProps/core.xml")
        if info.file_size > MAX_PART:
            return []
        root = etree.fromstring(z.read(info), etree.XMLParser(resolve_entities=False))
    except (KeyError, etree.XMLSyntaxError):
        return []  # python-docx makes a fresh one
    long = [
        PROPERTIES[prop]
        for prop, tag in _CORE_TAGS.items()
        if len("".join(e.text or "" for e in root.findall(tag, _CORE_NS))) > CORE_PROPERTY_LIMIT
    ]
    if not long:
        return []
    which = "、".join(f"“{p}”" for p in long)
    return [
        f"Word 模板“{name}”的文档属性{which}超过{CORE_PROPERTY_LIMIT}个字符，"
        f"生成的文件中只保留前{CORE_PROPERTY_LIMIT}个字符"
    ]


def _render_properties(tpl: Any, context: dict[str, Any], jinja_env: Any = None) -> None:
    """docxtpl's render_properties, each property kept to one line of at most 255 characters
    (python-docx refuses a longer one with an English error)."""
    props = tpl.docx.core_properties
    for prop in PROPERTIES:
        rendered = jinja_env.from_string(getattr(props, prop) or "").render(context)
        setattr(props, prop, core_property(rendered))


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
        tpl.render_properties = functools.partial(_render_properties, tpl)
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
