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


def _n(value: Any, unit: str = "", none: str = "unknown") -> str:
    return none if value is None else f"{value}{unit}"


def verdict_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures that matter, as (label, value) lines: no Python None ever reaches the user."""
    lat = summary.get("submit_latency_seconds") or {}
    limit = summary.get("expected_max_concurrency")
    peak, upper = summary.get("max_concurrency"), summary.get("max_concurrency_upper")
    at_once = str(peak) if upper in (None, peak) else f"at least {peak}, at most {upper}"
    if limit is None:
        judged = "no limit given: --expect-max-concurrency N judges it"
    else:
        judged = {"held": f"limit {limit} held", "exceeded": f"limit {limit} EXCEEDED",
                  "undecided": f"limit {limit} undecided", "no evidence": f"limit {limit} not judged"}.get(summary.get("concurrency_verdict", ""), f"limit {limit}")
    gap = summary.get("sampling_error_seconds")
    source = summary.get("concurrency_source") or "none"
    if source != "server timestamps" and gap:
        source += f", polls up to {gap} s apart"
    eff = summary.get("efficiency")
    drain = f"{_n(summary.get('drain_seconds'), ' s')}"
    if summary.get("ideal_drain_seconds") is not None:
        drain += f" (ideal {summary['ideal_drain_seconds']} s)"
    drain += f", capacity used {eff:.0%}" if eff is not None else ", capacity use not known without server timestamps"
    timeout = summary.get("job_timeout_seconds")
    slowest = summary.get("slowest_job_seconds")
    rows = [
        ("submitted / accepted", f"{summary['submitted']} / {summary['accepted']}"),
        ("failed submissions", str(summary["failed_submissions"])),
        ("succeeded / failed", f"{summary['succeeded']} / {summary['failed']}"),
        ("lost / stuck / unreadable", f"{summary['lost']} / {summary['stuck']} / "
                                      f"{summary.get('unreadable', 0) + summary.get('invalid_status', 0)}"),
        ("max running at once", f"{at_once} ({judged}; {source})"),
        ("queue drain", drain),
        ("slowest job", f"{_n(slowest, ' s')} of the {_n(timeout if timeout is None else f'{timeout:g}', ' s')} job timeout"
                        + (f" ({slowest / timeout:.0%})" if slowest is not None and timeout else "")),
        ("submit latency p50/p95/max", f"{_n(lat.get('p50'))} / {_n(lat.get('p95'))} / {_n(lat.get('max'))} s"),
        ("status requests per job", _n(summary.get("status_requests_per_job"))),
    ]
    return rows


def print_verdicts(summary: dict[str, Any], out: Path) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=f"burst of {summary['jobs']} × {summary['process']} at {summary['host']}", show_header=False)
    for k, v in verdict_rows(summary):
        table.add_row(k, escape(v))
    console.print(table)
    for rep in (summary.get("failed_job_reports") or [])[:5]:
        console.print(f"  failed job {escape(str(rep.get('job_id')))}: {escape(rep.get('exception') or 'no report')}")
    for v in summary["violations"]:
        console.print(f"[bold red]VIOLATION[/] {escape(v)}")
    for v in summary.get("notes") or []:
        console.print(f"[bold yellow]NOTE[/] {escape(v)}")
    if summary["passed"] and summary.get("concurrency_verdict") == "undecided":
        verdict = "[bold yellow]PASS, concurrency UNDECIDED[/]"
    else:
        verdict = "[bold green]PASS[/]" if summary["passed"] else "[bold red]FAIL[/]"
    console.print(f"{verdict} burst verdicts; reports in {escape(str(out))}/ (summary.json, jobs.jsonl, timeline.svg, timeline.html)")
