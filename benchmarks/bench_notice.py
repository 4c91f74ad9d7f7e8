"""Benchmark `branchctl notice 整改通知书 --per-branch` on the 1,000-branch ledger.

  branchctl notice 整改通知书 --data out/ledger_1000.xlsx --per-branch -o out/notices_1000/
Bar: under 60 s. Reports wall time, peak RSS and the number of documents written (one per
branch short of the standard, SPEC §4; the generator knows how many that is).

Writes benchmarks/out/results_notice.json.
Exit: 0 bar met, 1 bar missed or run failed, 2 `branchctl notice` not available yet.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys

import benchlib as bl

BAR_S = 60.0
TEMPLATE = "整改通知书"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1000, help="ledger size (branches)")
    ap.add_argument("--format", choices=["docx", "md"], help="pass --format to notice")
    ap.add_argument("--timeout", type=float, default=600, help="seconds")
    args = ap.parse_args(argv)

    bl.generate("--sizes", str(args.size))
    ledger = bl.OUT / f"ledger_{args.size}.xlsx"
    meta = json.loads(ledger.with_suffix(".meta.json").read_text(encoding="utf-8"))
    expected_docs = meta["expected"]["total"] - meta["expected"]["standard_count"]
    out_dir = bl.OUT / f"notices_{args.size}"
    results: dict = {
        "machine": bl.machine_info(),
        "ledger": ledger.name,
        "expected_documents": expected_docs,
        "bars": {"wall_s_max": BAR_S},
    }

    failed = False
    base, why = bl.probe("notice")
    if base is None:
        results["status"] = "unavailable"
        results["unavailable_reason"] = f"{bl.NOT_AVAILABLE} ({why})"
    else:
        if out_dir.exists():  # our own output of an earlier run
            shutil.rmtree(out_dir)
        cmd = [*base, "notice", TEMPLATE, "--data", str(ledger), "--per-branch", "-o", str(out_dir)]
        if args.format:
            cmd += ["--format", args.format]
        run = bl.measure(cmd, timeout=args.timeout)
        results["notice"] = run.to_json()
        if run.exit_code in (0, 1):
            docs = [p for p in out_dir.rglob("*") if p.is_file()] if out_dir.is_dir() else []
            results["documents"] = len(docs)
            results["ok"] = run.wall_s < BAR_S
            failed = not results["ok"]
        elif run.usage_error():
            results["status"] = "unavailable"
            results["unavailable_reason"] = bl.failure_text(run)
        else:
            results["error"] = bl.failure_text(run)
            failed = True

    return bl.finish(results, failed, "notice", report)


def report(results: dict) -> str:
    lines = [f"## branchctl notice {TEMPLATE} --per-branch on {results['ledger']}", ""]
    header = ["run", "wall", "peak RSS", "documents", f"< {BAR_S:.0f} s"]
    n = results.get("notice")
    if n and "ok" in results:
        docs = f"{results['documents']} (expected {results['expected_documents']})"
        row = [f"`notice {TEMPLATE}`", bl.secs(n["wall_s"]), bl.mb(n["peak_mb"]), docs]
        row.append(bl.bar(results["ok"]))
    else:
        note = results.get("unavailable_reason") or results.get("error") or bl.NOT_AVAILABLE
        row = [f"`notice {TEMPLATE}`", note, "", "", ""]
    lines.append(bl.markdown_table(header, [row]))
    if results.get("status") == "unavailable":
        lines.append(f"\n- branchctl notice: **{results['unavailable_reason']}**")
    elif "documents" in results and results["documents"] != results["expected_documents"]:
        lines.append(
            f"\n- ❌ {results['documents']} documents written, expected "
            f"{results['expected_documents']} (branches short of the standard)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
