"""Benchmark `branchctl archive`: `add` of 1,000 township files against `validate` of the same
files, and `history` of a 45,000-branch county over eight periods.

  validate  branchctl validate DIR --json --as-of 2025-06-30 > /dev/null
  add       branchctl archive add DIR --period 2025Q2 --as-of 2025-06-30 --db NEW.db --json
  history   branchctl archive history --json --db COUNTY.db > out/archive_history.json
Bars: add wall time <= 3x validate's (each round runs both; the median ratio counts);
history wall time < 2 s (median of the rounds). Peak RSS and CPU time (user + system, from
the children's rusage) of each run are reported too: on a machine shared with other work the
wall time says as much about the others as about branchctl.

The eight-period archive is the `add` run's archive (2025Q2: the corpus's real ratings) with
seven more periods, 2024Q1 to 2025Q4, written through branchctl.archive.store: every township
sends one file a period, each branch's stars moved -1, 0 or +1 from the period before (fixed
seed), so history has changes and flags to find. The answers are checked (not timed): every
file recorded, every branch in history with eight periods.

Writes benchmarks/out/results_archive.json.
Exit: 0 bars met, 1 a bar missed or a run failed, 2 `branchctl archive` not available yet.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys

import benchlib as bl

ADD_RATIO_BAR = 3.0
HISTORY_BAR_S = 2.0
AS_OF = "2025-06-30"
PERIOD = "2025Q2"
OTHER_PERIODS = ("2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q3", "2025Q4")


def build_history_archive(source, target) -> int:
    """Copy the add run's archive and give it seven more periods; the number of branches."""
    import shutil

    from branchctl.archive import store
    from branchctl.archive.db import open_archive
    from branchctl.rules.periods import parse_period

    shutil.copyfile(source, target)
    rng = random.Random(15)
    with open_archive(target, create=False) as archive, archive.transaction(write=True) as conn:
        period = store.find_period(conn, PERIOD)
        current = store.current_ratings(conn, [period.id])
        spec = store.rubric_spec(conn, current[0].rubric_id)
        by_stars = spec["by_stars"]
        stars = {r.branch_id: r.stars for r in current}
        by_township: dict[str, list] = {}
        for r in current:
            by_township.setdefault(r.township_key, []).append(r)
        for key in OTHER_PERIODS:
            p = parse_period(key)
            pid = store.ensure_period(conn, p.key, p.label, p.sort)
            for town, rows in by_township.items():
                ratings = []
                for r in rows:
                    n = max(0, min(6, stars[r.branch_id] + rng.choice((-1, 0, 0, 0, 1))))
                    stars[r.branch_id] = n
                    category, level = by_stars[str(n)]
                    ratings.append(
                        store.RatingRow(
                            r.sheet,
                            r.row,
                            r.party_org,
                            r.name,
                            r.name_key,
                            r.type,
                            n,
                            category,
                            level,
                            category == spec["weak"],
                            n == 6,
                            None,
                            r.met,
                            r.unmet,
                        )  # fmt: skip
                    )
                store.add_submission(
                    conn,
                    store.NewSubmission(
                        pid,
                        rows[0].township,
                        town,
                        "填报单位",
                        rows[0].file_name,
                        f"/bench/{key}/{rows[0].file_name}",
                        f"{key}:{town}",
                        0,
                        p.end.isoformat(),
                        "2026-01-01 00:00:00",
                        rows[0].rubric_id,
                        [],
                        ratings,
                    ),  # fmt: skip
                )
    return len(stars)


def measure(argv: list, **kw) -> tuple[bl.Run, dict]:
    """bl.measure, and its record with the run's CPU seconds (user + system) added."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = bl.measure(argv, **kw)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return run, {**run.to_json(), "cpu_s": cpu}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--townships", type=int, default=1000, help="number of submissions")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of each measurement")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    args = ap.parse_args(argv)

    bl.generate("--townships", str(args.townships))
    corpus = bl.OUT / f"townships_{args.townships}"
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    results: dict = {
        "machine": bl.machine_info(),
        "load_average": os.getloadavg(),
        "corpus": {
            "dir": str(corpus),
            "files": manifest["count"],
            "branches": manifest["branches"],
        },
        "bars": {"add_vs_validate_max": ADD_RATIO_BAR, "history_max_s": HISTORY_BAR_S},
        "rounds": [],
    }
    base, why = bl.probe("archive")
    if base is None:
        results["status"] = "unavailable"
        results["unavailable_reason"] = f"{bl.NOT_AVAILABLE} ({why})"
        return bl.finish(results, True, "archive", report)

    add_db = bl.OUT / "bench_archive.db"
    history_db = bl.OUT / "bench_archive_history.db"
    add_out = bl.OUT / "archive_add.json"
    add_argv = [*base, "archive", "add", str(corpus), "--period", PERIOD, "--as-of", AS_OF,
                "--db", str(add_db), "--json"]  # fmt: skip
    for _ in range(args.rounds):
        v, validate = measure(
            [*base, "validate", str(corpus), "--json", "--as-of", AS_OF], timeout=args.timeout
        )
        add_db.unlink(missing_ok=True)
        a, add = measure(add_argv, stdout=add_out, timeout=args.timeout)
        ok = v.exit_code in (0, 1) and a.exit_code in (0, 1)
        ratio = a.wall_s / v.wall_s if ok else None
        results["rounds"].append({"validate": validate, "add": add, "ratio": ratio})
        if not ok:
            results["error"] = bl.failure_text(a if a.exit_code not in (0, 1) else v)
            return bl.finish(results, True, "archive", report)
    results["add_ratio"] = bl.median([r["ratio"] for r in results["rounds"]])
    results["add_ok"] = results["add_ratio"] <= ADD_RATIO_BAR
    summary = json.loads(add_out.read_text(encoding="utf-8"))["summary"]
    results["add_summary"] = summary
    # the generated county repeats a few township names: a second file of one is its resubmission
    results["add_correct"] = summary["recorded"] + summary["resubmitted"] == manifest["count"]
    failed = not (results["add_ok"] and results["add_correct"])

    results["history_branches"] = build_history_archive(add_db, history_db)
    history_out = bl.OUT / "archive_history.json"
    history_argv = [*base, "archive", "history", "--json", "--db", str(history_db)]
    runs = [
        measure(history_argv, stdout=history_out, timeout=args.timeout) for _ in range(args.rounds)
    ]
    results["history_runs"] = [record for _, record in runs]
    broken = [run for run, _ in runs if run.exit_code != 0]
    if broken:
        results["error"] = bl.failure_text(broken[0])
        return bl.finish(results, True, "archive", report)
    results["history_s"] = bl.median([run.wall_s for run, _ in runs])
    results["history_cpu_s"] = bl.median([record["cpu_s"] for _, record in runs])
    results["history_ok"] = results["history_s"] < HISTORY_BAR_S
    doc = json.loads(history_out.read_text(encoding="utf-8"))
    periods = {len(b["periods"]) for b in doc["branches"]}
    results["history_output"] = {
        "branches": len(doc["branches"]),
        "periods_per_branch": sorted(periods),
        "flagged": sum(1 for b in doc["branches"] if b["flags"]),
        "bytes": history_out.stat().st_size,
    }
    results["history_correct"] = len(doc["branches"]) == results[
        "history_branches"
    ] and periods == {8}
    failed |= not (results["history_ok"] and results["history_correct"])
    return bl.finish(results, failed, "archive", report)


def report(results: dict) -> str:
    c = results["corpus"]
    lines = [
        f"## branchctl archive: {c['files']:,} township workbooks ({c['branches']:,} branches)",
        f"load average at the start: {', '.join(f'{x:.1f}' for x in results['load_average'])}",
        "",
    ]
    if results.get("status") == "unavailable" or "error" in results:
        lines.append(f"- **{results.get('unavailable_reason') or results.get('error')}**")
        return "\n".join(lines)

    def timed(run: dict) -> str:
        return f"{bl.secs(run['wall_s'])} (CPU {bl.secs(run['cpu_s'])})"

    header = ["round", "validate", "archive add", "add / validate", "add peak RSS"]
    rows = [
        [str(i), timed(r["validate"]), timed(r["add"]), f"{r['ratio']:.2f}×",
         bl.mb(r["add"]["peak_mb"])]
        for i, r in enumerate(results["rounds"], 1)
    ]  # fmt: skip
    lines.append(bl.markdown_table(header, rows))
    s = results["add_summary"]
    lines += [
        "",
        f"- add / validate, median: **{results['add_ratio']:.2f}×** (bar ≤ {ADD_RATIO_BAR:.0f}×) "
        f"{bl.bar(results['add_ok'])}; {s['recorded']} files recorded and {s['resubmitted']} "
        f"resubmissions, of {c['files']} {bl.bar(results['add_correct'])}",
    ]
    if "history_s" in results:
        h = results["history_output"]
        walls = ", ".join(timed(r) for r in results["history_runs"])
        lines.append(
            f"- `archive history --json`, {results['history_branches']:,} branches × 8 periods: "
            f"**{bl.secs(results['history_s'])}** median, CPU "
            f"{bl.secs(results['history_cpu_s'])} ({walls}; bar < {HISTORY_BAR_S:.0f} s) "
            f"{bl.bar(results['history_ok'])}, peak {bl.mb(results['history_runs'][0]['peak_mb'])}; "
            f"{h['branches']:,} branches, {h['flagged']:,} flagged, {h['bytes'] / 1e6:.0f} MB of "
            f"JSON {bl.bar(results['history_correct'])}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
