"""Benchmark `branchctl validate` on 1,000 township submissions against the calamine floor.

  floor     python benchmarks/floor_calamine.py DIR   (every file, every sheet, one process)
  validate  branchctl validate DIR --json --as-of 2025-06-30 > out/validate_<N>.json
Bar: validate wall time <= 2x the floor. Peak RSS of both is reported.

The corpus (gen_ledgers.py --townships N) is clean: every claim agrees with the marks, every
unmet aspect has its problem, task, owner and deadline, no deadline lies before the as-of date.
So every file should come back ok; findings with errors are listed as a correctness warning.

Writes benchmarks/out/results_validate.json.
Exit: 0 bar met, 1 bar missed or run failed, 2 `branchctl validate` not available yet.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

import benchlib as bl

RATIO_BAR = 2.0
AS_OF = "2025-06-30"


def summarize_output(path, files_expected: int) -> dict:
    """Totals and the most common error codes of a `validate --json` document."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return {"valid_json": False, "problem": f"stdout is not one JSON document: {e}"}
    codes: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    example = None
    for f in doc.get("files", []):
        for x in f.get("findings", []):
            (codes if x.get("severity") == "error" else warnings)[x.get("code")] += 1
            if example is None and x.get("severity") == "error":
                example = {"path": f.get("path"), **x}
    summary = doc.get("summary", {})
    return {
        "valid_json": True,
        "summary": summary,
        "files_listed": len(doc.get("files", [])),
        "files_expected": files_expected,
        "all_ok": summary.get("ok") == files_expected and not codes,
        "error_codes": dict(codes.most_common(10)),
        "warning_codes": dict(warnings.most_common(10)),
        "first_error": example,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--townships", type=int, default=1000, help="number of submissions")
    ap.add_argument("--jobs", type=int, help="pass --jobs N to validate")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    args = ap.parse_args(argv)

    bl.generate("--townships", str(args.townships))
    corpus = bl.OUT / f"townships_{args.townships}"
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    results: dict = {
        "machine": bl.machine_info(),
        "corpus": {
            "dir": str(corpus),
            "files": manifest["count"],
            "branches": manifest["branches"],
            "problems": manifest["problems"],
        },
        "bars": {"ratio_max": RATIO_BAR},
    }

    floor = bl.measure([bl.PYTHON, bl.FLOOR, corpus], timeout=args.timeout)
    results["floor"] = floor.to_json()
    failed = floor.exit_code != 0

    base, why = bl.probe("validate")
    if base is None:
        results["status"] = "unavailable"
        results["unavailable_reason"] = f"{bl.NOT_AVAILABLE} ({why})"
    else:
        out_json = bl.OUT / f"validate_{args.townships}.json"
        cmd = [*base, "validate", str(corpus), "--json", "--as-of", AS_OF]
        if args.jobs:
            cmd += ["--jobs", str(args.jobs)]
        run = bl.measure(cmd, stdout=out_json, timeout=args.timeout)
        results["validate"] = run.to_json()
        if run.exit_code in (0, 1):
            results["ratio"] = run.wall_s / floor.wall_s
            results["ratio_ok"] = results["ratio"] <= RATIO_BAR
            results["output"] = summarize_output(out_json, manifest["count"])
            failed |= not results["ratio_ok"]
        elif run.usage_error():
            results["status"] = "unavailable"
            results["unavailable_reason"] = bl.failure_text(run)
        else:
            results["error"] = bl.failure_text(run)
            failed = True

    return bl.finish(results, failed, "validate", report)


def report(results: dict) -> str:
    c = results["corpus"]
    f = results["floor"]
    lines = [
        f"## branchctl validate: {c['files']:,} township workbooks "
        f"({c['branches']:,} branches, {c['problems']:,} problems)",
        "",
    ]
    header = ["run", "wall", "peak RSS", "vs floor", f"≤ {RATIO_BAR:.0f}×"]
    rows = [["floor: calamine, one process", bl.secs(f["wall_s"]), bl.mb(f["peak_mb"]), "1.0×", ""]]
    v = results.get("validate")
    if v and "ratio" in results:
        rows.append(
            [
                "`branchctl validate DIR --json`",
                bl.secs(v["wall_s"]),
                bl.mb(v["peak_mb"]),
                f"{results['ratio']:.2f}×",
                bl.bar(results["ratio_ok"]),
            ]
        )
    else:
        note = results.get("unavailable_reason") or results.get("error") or bl.NOT_AVAILABLE
        rows.append(["`branchctl validate DIR --json`", note, "", "", ""])
    lines.append(bl.markdown_table(header, rows))
    out = results.get("output")
    if out:
        lines.append("")
        if not out["valid_json"]:
            lines.append(f"- output: ❌ {out['problem']}")
        else:
            s = out["summary"]
            verdict = (
                "✅ all ok, as generated" if out["all_ok"] else "❌ clean corpus not judged ok"
            )
            lines.append(
                f"- output: {s.get('files')} files, {s.get('ok')} ok, {s.get('errors')} errors, "
                f"{s.get('warnings')} warnings — {verdict}"
            )
            if out["error_codes"]:
                lines.append(f"- error codes: {out['error_codes']}")
                lines.append(f"- first error: {out['first_error']}")
            if out["warning_codes"]:
                lines.append(f"- warning codes: {out['warning_codes']}")
    if results.get("status") == "unavailable":
        lines.append(f"- branchctl validate: **{results['unavailable_reason']}**")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
