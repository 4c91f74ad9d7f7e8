"""Text for the XML inside an .xlsx, for every xlsx writer (patch, rebuild, collect, reports):
what XML cannot hold is dropped by the one rule in :mod:`branchctl.text`, and text is cut at
Excel's cell limit."""

from __future__ import annotations

from branchctl.text import xml_text

MAX_TEXT = 32767  # Excel's limit on the characters in one cell


def xml_safe(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` without the characters XML cannot hold, at most ``limit`` characters long."""
    return xml_text(text[:limit])
