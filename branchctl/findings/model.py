"""Findings: what validation reports, as plain data (SPEC §4 `validate`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from branchctl.text import json_safe

# A finding in validate's JSON (SPEC): these keys, in this order. The archive keeps findings in
# rows of its own and gives them back through :func:`finding_json` too.
FINDING_KEYS = ("code", "severity", "sheet", "row", "column", "cell", "value", "message")


def finding_json(finding: Any) -> dict[str, Any]:
    """``finding`` (anything with the :data:`FINDING_KEYS` as attributes) as validate's JSON has it."""
    return {key: getattr(finding, key) for key in FINDING_KEYS}


@dataclass(slots=True)
class Finding:
    code: str  # stable kebab-case code from SPEC §4 (data/findings.toml)
    severity: str  # "error" | "warning"
    message: str  # one Chinese sentence a township clerk can act on
    sheet: str | None = None
    row: int | None = None  # 1-based Excel row
    column: str | None = None  # canonical column name
    cell: str | None = None  # Excel address, e.g. "C12"
    value: str | None = None  # the cell's text as written
    # the template's own fields (reason, form, expected…): what the message was rendered from,
    # kept so that a finding can be compared or re-rendered without parsing its message
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return finding_json(self)


@dataclass
class FileReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    # Where only validate's JSON is wanted, a batch's worker sends this instead of the findings
    # (see :meth:`encoded`): the file's entry of "files" as JSON text, terminal-safe, and its
    # error and warning counts. The main process then joins text rather than unpickling and
    # encoding every finding of a county, one after the other.
    encoding: tuple[str, int, int] | None = None

    @property
    def errors(self) -> int:
        if self.encoding is not None:
            return self.encoding[1]
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        if self.encoding is not None:
            return self.encoding[2]
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def to_json(self) -> dict[str, Any]:
        if self.encoding is not None:
            loaded: dict[str, Any] = json.loads(self.encoding[0])
            return loaded
        return {"path": self.path, "ok": self.ok, "findings": [f.to_json() for f in self.findings]}

    def json_text(self) -> str:
        """:meth:`to_json` as compact JSON text (``json.dumps``'s), terminal-safe."""
        if self.encoding is not None:
            return self.encoding[0]
        return json_safe(json.dumps(self.to_json(), ensure_ascii=False))

    def encoded(self) -> FileReport:
        """This report as its JSON alone (``findings`` left empty)."""
        return FileReport(self.path, [], (self.json_text(), self.errors, self.warnings))


@dataclass
class ValidationReport:
    files: list[FileReport]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why) not checked

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "ok": sum(1 for f in self.files if f.ok),
            "errors": sum(f.errors for f in self.files),
            "warnings": sum(f.warnings for f in self.files),
        }

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"files": [f.to_json() for f in self.files]}
        if self.skipped:  # files a folder search passed over (the tool's own outputs), if any
            out["skipped"] = [{"file": label, "reason": why} for label, why in self.skipped]
        out["summary"] = self.summary()
        return out

    def json_text(self) -> str:
        """:meth:`to_json` as compact JSON text (``json.dumps(…, ensure_ascii=False)``'s, the
        same bytes), terminal-safe: each file's entry taken as its worker encoded it."""
        parts = ['{"files": [', ", ".join(f.json_text() for f in self.files), "]"]
        if self.skipped:
            skipped = [{"file": label, "reason": why} for label, why in self.skipped]
            parts.append(', "skipped": ' + json_safe(json.dumps(skipped, ensure_ascii=False)))
        parts.append(', "summary": ' + json.dumps(self.summary()) + "}")
        return "".join(parts)
