"""Excel cell addresses: column letters, A1 names, sheet references. The one place for them."""

from __future__ import annotations

# Stands for any row or column number too large to matter (a hostile 'AAAAAAAAA1').
HUGE = 10**12


def column_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    col += 1
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) -> Excel address like C5."""
    return f"{column_letter(col)}{row + 1}"


def column_number(letters: str | bytes) -> int:
    """Excel letters -> 1-based column number (A -> 1); :data:`HUGE` past seven letters."""
    if len(letters) > 6:
        return HUGE
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper():
        n = n * 26 + ((ch if isinstance(ch, int) else ord(ch)) - 64)
    return n


def parse_cell(cell: str) -> tuple[int, int] | None:
    """'C12' -> (11, 2), 0-based; None for anything that is not a plain A1 address."""
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = cell[len(letters) :]
    if not letters or not digits.isdigit() or not letters.isascii():
        return None
    return int(digits) - 1, column_number(letters) - 1


def quote_sheet(name: str) -> str:
    """A sheet name as a formula reference writes it: '附件1''s copy'."""
    return "'" + name.replace("'", "''") + "'"
