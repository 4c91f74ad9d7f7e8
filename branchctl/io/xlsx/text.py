"""Text made safe for the XML inside an .xlsx, for every xlsx writer (patch, rebuild, collect,
reports): characters XML 1.0 cannot hold are dropped, and text is cut at Excel's cell limit.

Pending reconciliation with the XML-safe text function of ``branchctl/text.py`` (being written
in parallel): this module is the one place the xlsx writers call until then.
"""

from __future__ import annotations

import re

MAX_TEXT = 32767  # Excel's limit on the characters in one cell

# C0 controls other than tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` without the characters XML cannot hold, at most ``limit`` characters long."""
    return _ILLEGAL_XML.sub("", text[:limit])
