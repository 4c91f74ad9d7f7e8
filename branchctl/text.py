"""Text made safe for where it goes; the lowest layer, importable from anywhere."""

from __future__ import annotations

import re

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
