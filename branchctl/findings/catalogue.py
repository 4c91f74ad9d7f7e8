"""The finding catalogue (``data/findings.toml``): code -> severity, title, message template.

Checks never spell a message or a severity themselves: they call :func:`finding` with the code,
the location and the template's fields.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from branchctl.findings.model import Finding

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Entry:
    code: str
    severity: str
    title: str
    message: str


@cache
def _raw() -> dict[str, Any]:
    return tomllib.loads(
        resources.files("branchctl").joinpath("data/findings.toml").read_text("utf-8")
    )


@cache
def phrases() -> dict[str, str]:
    """Phrases several messages share (按未达标计), by name: templates use them as fields."""
    return dict(_raw().get("phrases", {}))


def phrase(name: str) -> str:
    return phrases()[name]


@cache
def catalogue() -> dict[str, Entry]:
    raw = _raw()
    out: dict[str, Entry] = {}
    for code, spec in raw["codes"].items():
        if spec["severity"] not in SEVERITIES:
            raise ValueError(f"findings.toml: {code}: severity {spec['severity']!r}")
        out[code] = Entry(code, spec["severity"], spec["title"], spec["message"])
    return out


def entry(code: str) -> Entry:
    try:
        return catalogue()[code]
    except KeyError:
        raise KeyError(f"finding code {code!r} is not in data/findings.toml") from None


def finding(
    code: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    cell: str | None = None,
    value: str | None = None,
    **fields: Any,
) -> Finding:
    """A :class:`Finding` of ``code`` with its message rendered from the catalogue template."""
    e = entry(code)
    context = {
        **phrases(),
        "sheet": sheet,
        "row": row,
        "column": column,
        "cell": cell,
        "value": value,
        **fields,
    }
    message = e.message.format_map(context).rstrip("。")
    return Finding(
        code=code,
        severity=e.severity,
        message=message,
        sheet=sheet,
        row=row,
        column=column,
        cell=cell,
        value=value if value else None,
        details=fields,
    )
