"""Hiding personal data in notices meant for the public (``notice --mask``).

Names keep the surname (张三 -> 张*, 欧阳娜娜 -> 欧阳**); mobile numbers keep the first three
and last four digits (13812345678 -> 138****5678); landlines keep the area code and the last
four digits; ID-card numbers keep the first six and last four. A :class:`Masker` remembers every
name it masked, so the same person is masked the same way everywhere, including where the name
appears inside free text (a finding's message, a problem's description).
"""

from __future__ import annotations

import re

# Two-character surnames, so 欧阳娜娜 keeps 欧阳 rather than 欧.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 西门 南宫 "
    "独孤 呼延 澹台 公冶 太史 申屠 钟离 闻人 赫连 万俟 司空 濮阳 淳于 单于 拓跋 百里 东郭 "
    "第五 左丘 梁丘 宗政 谷梁 段干".split()
)

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})([-－—\s]?)(\d{3,4})[-－—\s]?(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_SEPARATORS = re.compile(r"([、，,；;/\s]+)")
_HAN = re.compile(r"^[\u3400-\u9fff·]+$")


MASK = "*"
# In Markdown an asterisk is emphasis and must be written \*, which shows as a backslash where
# the text is pasted (a chat group); the full-width asterisk needs no escape anywhere.
PLAIN_TEXT_MASK = "＊"


def mask_phones(text: str, char: str = MASK) -> str:
    """Mask every mobile, landline and ID-card number inside ``text``."""
    text = _ID_CARD.sub(lambda m: m.group(1) + char * 8 + m.group(2), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}{char * 4}{m.group(3)}", text)
    return _LANDLINE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{char * len(m.group(3))}{m.group(4)}", text
    )


def mask_person(name: str, char: str = MASK) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧阳**, 'Li Lei' -> 'L******'; several names are masked each."""
    text = name.strip()
    if not text:
        return name
    parts = _SEPARATORS.split(text)
    return "".join(part if _SEPARATORS.fullmatch(part) else _mask_one(part, char) for part in parts)


def _mask_one(name: str, char: str = MASK) -> str:
    if not name:
        return name
    if name.endswith(("同志", "书记", "主任")) and len(name) > 3:  # 张三同志 -> 张*同志
        return _mask_one(name[:-2], char) + name[-2:]
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    if len(name) == 1:
        return name
    return name[:keep] + char * (len(name) - keep)


class Masker:
    """Masks people's names and phone numbers consistently across a whole document set.

    ``char`` stands for each hidden character: ``*`` (张*), or :data:`PLAIN_TEXT_MASK` (张＊)
    for Markdown meant to be read and pasted as plain text.
    """

    def __init__(self, char: str = MASK) -> None:
        self.char = char
        self._names: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def person(self, value: str | None) -> str | None:
        """A value from a person column (书记, 责任人, 责任领导): masked, and remembered."""
        if not value:
            return value
        masked = mask_phones(mask_person(value, self.char), self.char)
        for part in _SEPARATORS.split(value.strip()):
            if len(part) >= 2 and _HAN.match(part) and part not in self._names:
                self._names[part] = _mask_one(part, self.char)
                self._pattern = None
        return masked

    def text(self, value: str | None) -> str | None:
        """Free text: phone numbers masked, and every remembered name masked where it appears."""
        if not value:
            return value
        value = mask_phones(value, self.char)
        if self._names:
            if self._pattern is None:
                names = sorted(self._names, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, names)))
            value = self._pattern.sub(lambda m: self._names[m.group(0)], value)
        return value
