"""What ``branchctl validate`` does once its command line is read: check, then print.

No typer here: ``plain`` runs it straight from a plain command line, ``validate`` from click.
"""

from __future__ import annotations

from pathlib import Path

from branchctl.cli.common import Progress, parse_as_of
from branchctl.cli.console import print_json, print_json_text, say, warn
from branchctl.io.collector import collector_paused

LARGE = 100  # files: more are printed as compact JSON


def run_validate(
    paths: list[Path],
    annotate: Path | None,
    report: Path | None,
    as_json: bool,
    as_of: str | None,
    rubric: str | None,
    jobs: int | None,
) -> int:
    """``branchctl validate`` with its arguments as read; returns the exit code."""
    # the job is imported when the command runs: `--help` and `--version` stay fast
    with collector_paused():  # importing makes many objects and no garbage
        from branchctl.jobs.validate import validate_paths
        from branchctl.reports.validation import validation_text, write_report
        from branchctl.rules.rubric_file import load_rubric

    the_rubric = load_rubric(rubric)
    date = parse_as_of(as_of)
    progress = Progress()
    run = validate_paths(
        paths,
        rubric=the_rubric,
        as_of=date,
        annotate_dir=annotate,
        report_path=report,
        jobs=jobs,
        progress=lambda done, total: progress.bar(done, total, "校验"),
        encode=as_json and report is None,  # the findings are wanted as JSON only
    )
    progress.done()
    if report is not None:
        write_report(run.report, report)
    for note in run.notes:
        warn(note)
    if as_json and len(run.report.files) > LARGE:  # compact, joined from the workers' text
        print_json_text(run.report.json_text(), escaped=True)
    elif as_json:
        print_json(run.report.to_json())
    else:
        annotated = [r.annotated for r in run.results if r.annotated]
        say(validation_text(run.report, annotated))
        if annotated and annotate is not None:
            say(f"批注副本在：{annotate}")
        if report is not None:
            say(f"已写出报告：{report}")
    return 1 if run.has_errors else 0
