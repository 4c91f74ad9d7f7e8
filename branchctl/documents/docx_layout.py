"""Where things go on a notice's page (GB/T 9704-2012): measured in characters, no Word here.

* :func:`title_breaks`: where a long title is broken — at the last place a word ends that
  still fits the line, the kind of document (通报, 意见, 通知书…) never alone on a line (§7.3.1);
* :func:`closing_indents`: how far from the right margin the issuing body's name and the date
  stand, with a seal (§7.3.5.1) or without (§7.3.5.2);
* :func:`is_date` / :func:`is_document_number`: recognising the 成文日期 and the 发文字号.

Widths are in characters of the font: a Chinese character is 1, a half-width letter or digit
(as in 仿宋_GB2312 and 方正小标宋简体) is ½.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any


@functools.cache
def layout_data() -> dict[str, Any]:
    text = resources.files("branchctl").joinpath("data/document_layout.toml").read_text("utf-8")
    return tomllib.loads(text)


def text_width(text: str) -> float:
    """Width of ``text`` in characters: full-width 1, half-width ½."""
    return sum(0.5 if unicodedata.east_asian_width(ch) in "NaH" else 1.0 for ch in text)


# ------------------------------------------------------------------------------ titles

_NUMBER = re.compile(
    r"[0-9０-９]+(?:[.．][0-9０-９]+)?[年月日号]?|第[一二三四五六七八九十百零〇]+[季次批期届]?度?"
)
_OPENING = "（(《“‘〔【"
_CLOSING = "）)》”’〕】，、。；：！？,.;:!?"


@dataclass(frozen=True)
class _Token:
    text: str
    kind: bool = False  # 文种
    joiner: bool = False


@functools.cache
def _lexicon() -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    title = layout_data()["title"]
    kinds = frozenset(title["kinds"])
    words = sorted({*title["words"], *kinds}, key=len, reverse=True)
    return tuple(words), kinds, frozenset(title["joiners"])


def _tokens(text: str) -> list[_Token]:
    """Words, numbers, joiners and punctuation; what lies between known words stays whole."""
    words, kinds, joiners = _lexicon()
    out: list[_Token] = []
    unknown = ""
    i = 0
    while i < len(text):
        found = None
        m = _NUMBER.match(text, i)
        if m:
            found = _Token(m.group(0))
        elif text[i] in joiners:
            found = _Token(text[i], joiner=True)
        else:
            for word in words:
                if text.startswith(word, i):
                    found = _Token(word, kind=word in kinds)
                    break
        if found is None:
            unknown += text[i]
            i += 1
            continue
        if unknown:
            out.append(_Token(unknown))
            unknown = ""
        out.append(found)
        i += len(found.text)
    if unknown:
        out.append(_Token(unknown))
    return out


def _can_break_before(tokens: list[_Token], j: int) -> bool:
    before, after = tokens[j - 1], tokens[j]
    if before.joiner or after.joiner or after.kind:
        return False
    if before.text[-1] in _OPENING or after.text[0] in _CLOSING:
        return False
    return True


def title_breaks(text: str, line_chars: float) -> list[int]:
    """Offsets in ``text`` where its lines should break (empty when it fits on one line).

    Each line is filled up to the last place a word ends that still fits; a word wider than a
    line is left for Word to break.
    """
    if text_width(text) <= line_chars:
        return []
    tokens = _tokens(text)
    widths = [text_width(t.text) for t in tokens]
    offsets: list[int] = []
    start, offset = 0, 0
    while start < len(tokens):
        width, best = 0.0, None
        for j in range(start, len(tokens)):
            width += widths[j]
            if width > line_chars:
                break
            if j + 1 < len(tokens) and _can_break_before(tokens, j + 1):
                best = j + 1
        else:
            break  # the rest fits
        if best is None:  # nothing fits: break at the first place allowed after the overflow
            best = next(
                (k for k in range(start + 1, len(tokens)) if _can_break_before(tokens, k)), None
            )
            if best is None:
                break
        offset += sum(len(t.text) for t in tokens[start:best])
        offsets.append(offset)
        start = best
    return offsets


# ------------------------------------------------------------------------------ closing

_DATE = re.compile(
    r"^\s*(?:[0-9０-９]{4}|[〇零一二三四五六七八九]{4})年"
    r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})日\s*$"
)
_DOCUMENT_NUMBER = re.compile(r"[〔\[［(（][0-9０-９]{4}[〕\]］)）]\s*[0-9０-９]+\s*号\s*$")


def is_date(text: str) -> bool:
    """2025年7月1日 or 二〇二五年七月一日."""
    return bool(_DATE.match(text))


def is_document_number(text: str) -> bool:
    """A 发文字号 such as 示组通〔2025〕12号."""
    return bool(_DOCUMENT_NUMBER.search(text))


def closing_indents(names: list[str], date: str, sealed: bool = True) -> tuple[list[float], float]:
    """Right indents, in characters, of each line of the issuing body's name and of the date.

    With a seal (§7.3.5.1) the date stands four characters in and each name line is centred
    over it. Without (§7.3.5.2) the name stands two characters in and the date's first
    character two characters right of the name's; a date longer than the name stands two
    characters in and the name moves left to keep the two characters.
    """
    closing = layout_data()["closing"]
    date_width = text_width(date)
    if sealed:
        date_indent = float(closing["sealed_date_indent"])
        centre = date_indent + date_width / 2
        return [max(0.0, centre - text_width(n) / 2) for n in names], date_indent
    name_indent = float(closing["unsealed_name_indent"])
    shift = float(closing["unsealed_shift"])
    name_width = max((text_width(n) for n in names), default=0.0)
    if date_width > name_width:
        date_indent = name_indent
        first = date_indent + date_width + shift  # where the name's first character stands
    else:
        first = name_indent + name_width
        date_indent = first - shift - date_width
    return [max(0.0, first - text_width(n)) for n in names], max(0.0, date_indent)
