"""Benchmark `branchctl rate` on a county: 1,000 township submissions rated as one.

  floor   python benchmarks/floor_calamine.py DIR   (every file, every sheet, one process)
  rate    branchctl rate DIR -o out/county_<N>.xlsx --as-of 2025-06-30
Bar: rate's wall time <= 2.5x the floor's, as the median of the rounds (floor and rate measured
one after the other in each round, so that both see the same machine). Peak RSS is reported,
and the CPU time of each (all processes): on a busy machine the wall times say more about the
other jobs than about these, the CPU times do not.

The answer is checked too (not timed): the terminal summary must count every file rated and
every branch of the manifest with no claim differing (the corpus is clean), and the county
workbook's 评定台账 sheet must hold one row per branch.

Writes benchmarks/out/results_county.json.
Exit: 0 bar met, 1 bar missed or run failed, 2 `branchctl rate DIR` not available yet.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

import benchlib as bl

RATIO_BAR = 2.5
AS_OF = "2025-06-30"


def check_output(stdout_path, workbook, manifest: dict) -> dict:
    """What the run said and wrote, against what the generator recorded."""
    text = stdout_path.read_text(encoding="utf-8", errors="replace")
    files = re.search(r"文件 (\d+) 个，未能评定 (\d+) 个", text)
    totals = re.search(r"参评支部 (\d+) 个.*自评与核算不符 (\d+) 个", text)
    out: dict = {
        "files": int(files.group(1)) if files else None,
        "failed": int(files.group(2)) if files else None,
        "branches": int(totals.group(1)) if totals else None,
        "mismatches": int(totals.group(2)) if totals else None,
    }
    try:
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("评定台账").to_python()
        out["ledger_rows"] = len(rows) - 1
    except Exception as e:  # reported, not raised: the timing stands
        out["ledger_rows"] = None
        out["ledger_problem"] = f"{type(e).__name__}: {e}"
    out["correct"] = (
        out["files"] == manifest["count"]
        and out["failed"] == 0
        and out["branches"] == manifest["branches"]
        and out["mismatches"] == 0
        and out["ledger_rows"] == manifest["branches"]
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--townships", type=int, default=1000, help="number of submissions")
    ap.add_argument("--rounds", type=int, default=3, help="floor and rate, this many times each")
    ap.add_argument("--jobs", type=int, help="pass --jobs N to rate")
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
        },
        "bars": {"ratio_max": RATIO_BAR},
        "rounds": [],
    }
    base, why = bl.probe("rate")
    if base is None:
        results["status"] = "unavailable"
        results["unavailable_reason"] = f"{bl.NOT_AVAILABLE} ({why})"
        return bl.finish(results, False, "county", report)

    workbook = bl.OUT / f"county_{args.townships}.xlsx"
    stdout = bl.OUT / f"county_{args.townships}.txt"
    cmd = [*base, "rate", str(corpus), "-o", str(workbook), "--as-of", AS_OF]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    failed = False
    for _ in range(args.rounds):
        floor, floor_cpu = bl.timed(
            lambda: bl.measure([bl.PYTHON, bl.FLOOR, corpus], timeout=args.timeout)
        )
        run, rate_cpu = bl.timed(lambda: bl.measure(cmd, stdout=stdout, timeout=args.timeout))
        entry = {"floor": floor.to_json(), "rate": run.to_json(),
                 "floor_cpu_s": floor_cpu, "rate_cpu_s": rate_cpu}  # fmt: skip
        if floor.exit_code != 0 or run.exit_code not in (0, 1):
            entry["error"] = bl.failure_text(run if floor.exit_code == 0 else floor)
            results["rounds"].append(entry)
            if run.usage_error():
                results["status"] = "unavailable"
                results["unavailable_reason"] = bl.failure_text(run)
                return bl.finish(results, False, "county", report)
            failed = True
            break
        entry["ratio"] = run.wall_s / floor.wall_s
        entry["cpu_ratio"] = rate_cpu / floor_cpu
        results["rounds"].append(entry)
    ratios = [r["ratio"] for r in results["rounds"] if "ratio" in r]
    if ratios:
        results["ratio"] = bl.median(ratios)
        results["ratio_ok"] = results["ratio"] <= RATIO_BAR
        results["output"] = check_output(stdout, workbook, manifest)
        failed |= not results["ratio_ok"] or not results["output"]["correct"]
    return bl.finish(results, failed, "county", report)


def report(results: dict) -> str:
    c = results["corpus"]
    lines = [
        f"## branchctl rate: a county of {c['files']:,} township workbooks "
        f"({c['branches']:,} branches)",
        "",
    ]
    header = ["round", "floor (calamine)", "rate DIR -o OUT", "peak RSS", "vs floor",
              "CPU floor / rate", "CPU vs floor"]  # fmt: skip
    rows = []
    for i, r in enumerate(results.get("rounds", []), 1):
        ratio = f"{r['ratio']:.2f}×" if "ratio" in r else r.get("error", "")
        cpu = f"{r['floor_cpu_s']:.1f} / {r['rate_cpu_s']:.1f} s"
        cpu_ratio = f"{r['cpu_ratio']:.2f}×" if "cpu_ratio" in r else ""
        rows.append([str(i), bl.secs(r["floor"]["wall_s"]), bl.secs(r["rate"]["wall_s"]),
                     bl.mb(r["rate"]["peak_mb"]), ratio, cpu, cpu_ratio])  # fmt: skip
    lines.append(bl.markdown_table(header, rows))
    if "ratio" in results:
        lines.append("")
        lines.append(
            f"- median ratio {results['ratio']:.2f}× (bar ≤ {RATIO_BAR}×) "
            f"{bl.bar(results['ratio_ok'])}"
        )
    out = results.get("output")
    if out:
        verdict = "✅ as generated" if out["correct"] else "❌ not as generated"
        lines.append(
            f"- output: {out['files']} files ({out['failed']} not rated), {out['branches']} branches, "
            f"{out['mismatches']} mismatches, 评定台账 rows {out['ledger_rows']} — {verdict}"
        )
    if results.get("status") == "unavailable":
        lines.append(f"- branchctl rate: **{results['unavailable_reason']}**")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
