"""What ``branchctl rate`` does once its command line is read: rate, then print.

No typer here: ``plain`` runs it straight from a plain command line, ``rate`` from click.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from branchctl.cli.common import Progress, parse_as_of
from branchctl.cli.console import print_json, print_json_text, say, warn
from branchctl.io.collector import collector_paused

LARGE = 2000  # branches: more are printed as compact JSON (indented, they would take 10x longer)


def run_rate(
    paths: list[Path],
    out: Path | None,
    annotate: Path | None,
    rubric: str | None,
    as_of: str | None,
    as_json: bool,
    bottom: int,
    by: str,
    jobs: int | None,
) -> int:
    """``branchctl rate`` with its arguments as read; returns the exit code."""
    # the job is imported when the command runs: `--help` and `--version` stay fast
    with collector_paused():  # importing makes many objects and no garbage
        from branchctl.jobs.rate import is_county_run

    # a county run's worker processes would inherit a paused collector
    with contextlib.nullcontext() if is_county_run(paths) else collector_paused(freeze=True):
        return _rate(paths, out, annotate, rubric, as_of, as_json, bottom, by, jobs)


def _rate(
    paths: list[Path],
    out: Path | None,
    annotate: Path | None,
    rubric: str | None,
    as_of: str | None,
    as_json: bool,
    bottom: int,
    by: str,
    jobs: int | None,
) -> int:
    from branchctl.jobs.rate import RateReport, rate_paths

    progress = Progress()
    report = rate_paths(
        paths,
        out=out,
        annotate_dir=annotate,
        rubric=rubric,
        as_of=parse_as_of(as_of),
        bottom=bottom,
        by=by,
        jobs=jobs,
        stage=progress.stage,
        progress=lambda done, total: progress.bar(done, total, "评定"),
    )
    progress.done()
    if not isinstance(report, RateReport):
        from branchctl.reports.county import county_text

        if as_json:
            print_json(report.county.to_json(), large=len(report.county.branches) > 2000)
        else:
            say(county_text(report))
        return report.exit_code
    for note in report.notes:  # e.g. the copy had to be rebuilt without its formatting
        warn(note)
    summary = report.summary or report.result.summary()
    if as_json and len(report.result.branches) > LARGE:
        # compact, made in pieces, terminal-safe as made
        print_json_text(report.result.json_pieces(summary, safe=True), escaped=True)
    elif as_json:
        print_json(report.result.to_json(summary))
    else:
        from branchctl.cli.display import rating_text  # tabulate: for the text only

        say(rating_text(report))
    return 1 if summary["mismatches"] else 0
