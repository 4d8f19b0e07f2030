"""End of a burst: summary.json, the timeline (SVG + HTML) and the verdicts printed with rich."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .model import JobRecord
from .plan import BurstPlan
from .timeline import render_html, render_svg
from .verdicts import summarize


def finish_run(plan: BurstPlan, records: Sequence[JobRecord], *, run_end: float, print_summary: bool = True,
               orphans: dict[str, Any] | None = None) -> bool:
    """Judge the records, write the reports into ``plan.report_dir``; True when no verdict failed."""
    ordered = sorted(records, key=lambda r: r.index)
    summary = summarize(ordered, jobs=plan.jobs, expected_max=plan.expected_max_concurrency,
                        max_failed=plan.max_failed_submissions, max_failed_jobs=plan.max_failed_jobs,
                        job_timeout=plan.job_timeout, run_end=run_end, process=plan.process, host=plan.host,
                        orphans=orphans)
    summary["job_timeout_origin"] = plan.job_timeout_origin
    out = Path(plan.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    svg = render_svg(ordered, summary)
    (out / "timeline.svg").write_text(svg, encoding="utf-8")
    (out / "timeline.html").write_text(render_html(svg, summary), encoding="utf-8")
    if print_summary:
        print_verdicts(summary, out)
    return bool(summary["passed"])


def print_verdicts(summary: dict[str, Any], out: Path) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=f"burst of {summary['jobs']} × {summary['process']} at {summary['host']}", show_header=False)
    lat = summary.get("submit_latency_seconds") or {}
    rows = [
        ("submitted / accepted", f"{summary['submitted']} / {summary['accepted']}"),
        ("failed submissions", str(summary["failed_submissions"])),
        ("succeeded / failed", f"{summary['succeeded']} / {summary['failed']}"),
        ("lost / stuck", f"{summary['lost']} / {summary['stuck']}"),
        ("max running at once", f"{summary['max_concurrency']} (expected ≤ {summary['expected_max_concurrency']}; "
                                f"{summary['concurrency_source']})"),
        ("queue drain", f"{summary['drain_seconds']} s (ideal {summary['ideal_drain_seconds']} s, "
                        f"efficiency {summary['efficiency']})"),
        ("submit latency p50/p95/max", f"{lat.get('p50')} / {lat.get('p95')} / {lat.get('max')} s"),
        ("status requests per job", str(summary["status_requests_per_job"])),
    ]
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    for v in summary["violations"]:
        console.print(f"[bold red]VIOLATION[/] {escape(v)}")
    verdict = "[bold green]PASS[/]" if summary["passed"] else "[bold red]FAIL[/]"
    console.print(f"{verdict} burst verdicts; reports in {escape(str(out))}/ (summary.json, jobs.jsonl, timeline.svg, timeline.html)")
