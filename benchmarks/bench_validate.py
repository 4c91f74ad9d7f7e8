"""Benchmark `branchctl validate` on 1,000 township submissions against the calamine floor.

  floor     python benchmarks/floor_calamine.py DIR   (every file, every sheet, one process)
  floor N   python benchmarks/floor_calamine.py --jobs N DIR   (the same read in N processes,
            N = the workers validate uses: --jobs, else the machine's CPU count)
  validate  branchctl validate DIR --json --as-of 2025-06-30 > out/validate_<N>.json
Bars (issue 17), on the median of the rounds (the floors and validate measured one after the
other in each round, so that all see the same machine): validate wall time <= 1.5x the
one-process floor and <= 2.5x the N-process floor. Peak RSS and CPU time (user + system, all
processes: steadier than wall on a busy machine) are reported.

The corpus (gen_ledgers.py --townships N) is clean: every claim agrees with the marks, every
unmet aspect has its problem, task, owner and deadline, no deadline lies before the as-of date.
So every file should come back ok; findings with errors are listed as a correctness warning.

Writes benchmarks/out/results_validate.json.
Exit: 0 bars met, 1 a bar missed or run failed, 2 `branchctl validate` not available yet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter

import benchlib as bl

RATIO_BAR = 1.5  # against the one-process read
PARALLEL_BAR = 2.5  # against the read in as many processes as validate's workers
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
    ap.add_argument("--rounds", type=int, default=2, help="floors and validate, this many times")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    args = ap.parse_args(argv)

    bl.generate("--townships", str(args.townships))
    corpus = bl.OUT / f"townships_{args.townships}"
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    workers = max(1, min(args.jobs or os.cpu_count() or 1, manifest["count"]))
    results: dict = {
        "machine": bl.machine_info(),
        "corpus": {
            "dir": str(corpus),
            "files": manifest["count"],
            "branches": manifest["branches"],
            "problems": manifest["problems"],
        },
        "bars": {"ratio_max": RATIO_BAR, "parallel_ratio_max": PARALLEL_BAR},
        "workers": workers,
        "rounds": [],
    }
    base, why = bl.probe("validate")
    if base is None:
        results["status"] = "unavailable"
        results["unavailable_reason"] = f"{bl.NOT_AVAILABLE} ({why})"
        floor = bl.measure([bl.PYTHON, bl.FLOOR, corpus], timeout=args.timeout)
        results["rounds"].append({"floor": floor.to_json()})
        return bl.finish(results, floor.exit_code != 0, "validate", report)

    out_json = bl.OUT / f"validate_{args.townships}.json"
    cmd = [*base, "validate", str(corpus), "--json", "--as-of", AS_OF]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    failed = False
    run = None
    for _ in range(args.rounds):
        floor, floor_cpu = bl.timed(
            lambda: bl.measure([bl.PYTHON, bl.FLOOR, corpus], timeout=args.timeout)
        )
        floor_n, floor_n_cpu = bl.timed(
            lambda: bl.measure(
                [bl.PYTHON, bl.FLOOR, "--jobs", str(workers), corpus], timeout=args.timeout
            )
        )
        run, cpu = bl.timed(lambda: bl.measure(cmd, stdout=out_json, timeout=args.timeout))
        entry = {"floor": floor.to_json(), "floor_parallel": floor_n.to_json(),
                 "validate": run.to_json(), "floor_cpu_s": floor_cpu,
                 "floor_parallel_cpu_s": floor_n_cpu, "validate_cpu_s": cpu}  # fmt: skip
        if floor.exit_code != 0 or floor_n.exit_code != 0 or run.exit_code not in (0, 1):
            bad = run if floor.exit_code == 0 and floor_n.exit_code == 0 else floor
            entry["error"] = bl.failure_text(bad)
            results["rounds"].append(entry)
            if run.usage_error():
                results["status"] = "unavailable"
                results["unavailable_reason"] = bl.failure_text(run)
                return bl.finish(results, False, "validate", report)
            failed = True
            break
        entry["ratio"] = run.wall_s / floor.wall_s
        entry["parallel_ratio"] = run.wall_s / floor_n.wall_s
        entry["cpu_ratio"] = cpu / floor_cpu
        results["rounds"].append(entry)
    done = [r for r in results["rounds"] if "ratio" in r]
    if done:
        ratios = [r["ratio"] for r in done]
        parallel = [r["parallel_ratio"] for r in done]
        results["ratio"] = bl.median(ratios)
        results["ratio_min"] = min(ratios)
        results["parallel_ratio"] = bl.median(parallel)
        results["parallel_ratio_min"] = min(parallel)
        results["ratio_ok"] = results["ratio"] <= RATIO_BAR
        results["parallel_ratio_ok"] = results["parallel_ratio"] <= PARALLEL_BAR
        results["output"] = summarize_output(out_json, manifest["count"])
        failed |= not results["ratio_ok"] or not results["parallel_ratio_ok"]
    return bl.finish(results, failed, "validate", report)


def report(results: dict) -> str:
    c = results["corpus"]
    n = results.get("workers", 2)
    lines = [
        f"## branchctl validate: {c['files']:,} township workbooks "
        f"({c['branches']:,} branches, {c['problems']:,} problems)",
        "",
    ]
    header = ["round", "floor, 1 process", f"floor, {n} processes", "validate DIR --json",
              "peak RSS", f"vs 1 process (≤ {RATIO_BAR}×)", f"vs {n} processes (≤ {PARALLEL_BAR}×)",
              "CPU floor / validate"]  # fmt: skip
    rows = []
    for i, r in enumerate(results.get("rounds", []), 1):
        if "ratio" not in r:
            rows.append([str(i), bl.secs(r["floor"]["wall_s"]), "", r.get("error", ""),
                         "", "", "", ""])  # fmt: skip
            continue
        rows.append([str(i), bl.secs(r["floor"]["wall_s"]), bl.secs(r["floor_parallel"]["wall_s"]),
                     bl.secs(r["validate"]["wall_s"]), bl.mb(r["validate"]["peak_mb"]),
                     f"{r['ratio']:.2f}×", f"{r['parallel_ratio']:.2f}×",
                     f"{r['floor_cpu_s']:.1f} / {r['validate_cpu_s']:.1f} s"])  # fmt: skip
    lines.append(bl.markdown_table(header, rows))
    if "ratio" in results:
        lines.append("")
        lines.append(
            f"- vs the 1-process read: median {results['ratio']:.2f}×, min "
            f"{results['ratio_min']:.2f}× (bar ≤ {RATIO_BAR}×) {bl.bar(results['ratio_ok'])}"
        )
        lines.append(
            f"- vs the {n}-process read: median {results['parallel_ratio']:.2f}×, min "
            f"{results['parallel_ratio_min']:.2f}× (bar ≤ {PARALLEL_BAR}×) "
            f"{bl.bar(results['parallel_ratio_ok'])}"
        )
    out = results.get("output")
    if out:
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
