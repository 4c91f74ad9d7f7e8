"""Text made safe for where it goes: XML (Word, Excel), Markdown, the terminal.

The lowest layer, importable from anywhere: the one place where a cell value, a branch name or
a template's output is cleaned before a writer puts it in a file or on the screen. Pure
functions on strings; nothing here knows about documents.

* :func:`xml_text` drops what XML 1.0 cannot hold (control characters other than tab and line
  breaks, lone surrogates, U+FFFE/U+FFFF); lxml refuses such text and Word reports the file
  damaged.
* :func:`core_property` also keeps a document property (title, subject) within the 255
  characters python-docx and Word accept.
* :func:`markdown_text` and :func:`markdown_cell` make a value literal Markdown: nothing in it
  becomes emphasis, a heading, a list, HTML, an image, a link or a table column.
* :func:`terminal_safe` shows control, escape and reordering characters escaped (``\\x1b``).
"""

from __future__ import annotations

import re
from typing import Any

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# C1 controls (U+0080–U+009F) are legal XML but print as nothing or as boxes; DEL likewise.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CORE_PROPERTY_LIMIT = 255  # characters: python-docx raises beyond it, Word truncates


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (tab and line breaks stay)."""
    return _NOT_XML.sub("", text)


def core_property(text: str | None, limit: int = CORE_PROPERTY_LIMIT) -> str:
    """A document property (title, subject…): one line, no control characters, ≤ 255 chars."""
    if not text:
        return ""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line[:limit]


# ------------------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&!])")
_MD_LINE_START = re.compile(r"^(\s*)(\d+)([.)])(?=\s|$)|^(\s*)([-+=])(?=\s|$)")
# Bare addresses a Markdown viewer (GitHub's) turns into links by itself.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)")


def markdown_text(value: Any) -> str:
    """``value`` as literal inline Markdown: special characters escaped, line breaks as spaces.

    A string that says it is Markdown already (markupsafe's ``Markup``, from Jinja's ``|safe``)
    is kept as it is. Control characters are dropped.
    """
    if value is None:
        return ""
    if hasattr(value, "__html__"):  # markupsafe.Markup: |safe in a template
        return _CONTROL.sub("", str(value))
    text = " ".join(_CONTROL.sub(" ", str(value)).splitlines())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: (
            f"{m.group(1)}{m.group(2)}\\{m.group(3)}"
            if m.group(2)
            else f"{m.group(4)}\\{m.group(5)}"
        ),
        text,
    )


def markdown_cell(value: Any) -> str:
    """``value`` as the literal text of a Markdown table cell.

    Everything :func:`markdown_text` escapes, and bare web addresses (``http://…``,
    ``www.…``) kept from becoming links; ``|`` never starts a new column.
    """
    text = markdown_text("" if value is None else str(value))
    return _AUTOLINK.sub(lambda m: "\\" + (m.group(1) or m.group(2)), text)


# ------------------------------------------------------------------------------ terminal

# What a terminal would act on instead of showing: C0 controls but the line break, DEL, C1
# controls (U+009B is a one-character CSI), lone surrogates (undecodable file names), and the
# bidirectional overrides that reorder what the reader sees. Cell text and file names can hold
# any of them (`ESC ] 0 ; title BEL` retitles the window).
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control, escape and reordering character shown escaped (``\\x1b``).

    Line breaks stay: they are the caller's layout.
    """
    return _TERMINAL_UNSAFE.sub(_escaped, text)


# ------------------------------------------------------------------------------ JSON

# json.dumps escapes C0 controls itself; these it leaves raw, and a terminal would act on them.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_safe(text: str) -> str:
    """JSON text (``json.dumps(…, ensure_ascii=False)``'s) with what a terminal would act on
    written as ``\\uXXXX`` escapes: the same document, safe to print."""
    return _JSON_UNSAFE.sub(_json_escape, text)
