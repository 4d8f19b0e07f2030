"""The burst's verdicts, computed from job records alone (pure functions: same records, same verdict).

Concurrency: each job's running interval is [started, finished] from the server's statusInfo when
both are known; otherwise it is read off the polling observations (first ``running`` seen → first
terminal status seen), which can be late by up to the longest gap between two polls of that job:
that gap is reported as the sampling error. A sweep over the intervals gives the most jobs running
at once and the running count over time (for the timeline).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import TERMINAL, JobRecord


@dataclass(frozen=True)
class Interval:
    index: int
    start: float
    end: float
    source: str  # "server" or "polling"


def _poll_gap(rec: JobRecord) -> float:
    times = [t for t, _ in rec.observations]
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def running_interval(rec: JobRecord, run_end: float) -> Interval | None:
    """When the job ran, by the server's timestamps if it gave them, else by observation."""
    if not rec.accepted:
        return None
    end_open = rec.final_status in (None, "stuck", "lost")
    if rec.server_started is not None and (rec.server_finished is not None or end_open):
        end = rec.server_finished if rec.server_finished is not None else run_end
        return Interval(rec.index, rec.server_started, max(end, rec.server_started), "server")
    start = next((t for t, s in rec.observations if s == "running"), None)
    end_obs = next((t for t, s in rec.observations if s in TERMINAL), None)
    if start is None and end_obs is not None:
        # never seen running: it ran somewhere between the last non-terminal sighting and the end
        before = [t for t, s in rec.observations if s not in TERMINAL and t <= end_obs]
        start = before[-1] if before else end_obs
    if start is None:
        return None
    end = end_obs if end_obs is not None else run_end
    return Interval(rec.index, start, max(end, start), "polling")


def sweep(intervals: Sequence[Interval]) -> tuple[int, float | None, list[tuple[float, int]]]:
    """(most running at once, when that was first reached, the running count as (time, count) steps)."""
    events = sorted([(iv.start, 1) for iv in intervals] + [(iv.end, -1) for iv in intervals],
                    key=lambda e: (e[0], e[1]))  # an end at the same instant as a start comes first
    running, peak, peak_at = 0, 0, None
    steps: list[tuple[float, int]] = []
    for t, delta in events:
        running += delta
        if steps and steps[-1][0] == t:
            steps[-1] = (t, running)
        else:
            steps.append((t, running))
        if running > peak:
            peak, peak_at = running, t
    return peak, peak_at, steps


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return round(ordered[k], 4)


def summarize(records: Sequence[JobRecord], *, jobs: int, expected_max: int | None, max_failed: int = 0,
              job_timeout: float, run_end: float | None = None, process: str = "", host: str = "") -> dict[str, Any]:
    """The summary.json document: counts, concurrency, drain, efficiency, latencies and violations."""
    submitted = [r for r in records if r.submit_at is not None]
    accepted = [r for r in submitted if r.accepted]
    failed_subs = [r for r in submitted if not r.accepted]
    finals = {s: [r for r in accepted if r.final_status == s] for s in ("successful", "failed", "dismissed", "lost", "stuck")}
    unsettled = [r for r in accepted if r.final_status is None]  # the run ended while following them
    stuck = finals["stuck"] + unsettled
    never = jobs - len(submitted)
    ends = [t for r in accepted for t in (r.server_finished, r.final_at) if t is not None]
    end_of_run = run_end if run_end is not None else max(ends + [r.submit_at or 0.0 for r in submitted] + [0.0])
    intervals = [iv for iv in (running_interval(r, end_of_run) for r in accepted) if iv is not None]
    peak, peak_at, steps = sweep(intervals)
    sources = {iv.source for iv in intervals}
    source = "server timestamps" if sources == {"server"} else "polling" if sources == {"polling"} else (
        "server timestamps and polling" if sources else "none")
    poll_ivs = [iv for iv in intervals if iv.source == "polling"]
    sampling_error = max((_poll_gap(r) for r in accepted if r.index in {iv.index for iv in poll_ivs}), default=0.0)
    first_submit = min((r.submit_at for r in submitted if r.submit_at is not None), default=None)
    terminal = [r for r in accepted if r.final_status in TERMINAL]
    last_finish = max(((r.server_finished or r.final_at) for r in terminal if (r.server_finished or r.final_at)), default=None)
    drain = round(last_finish - first_submit, 3) if first_submit is not None and last_finish is not None else None
    runs = [r.server_finished - r.server_started for r in finals["successful"]
            if r.server_started is not None and r.server_finished is not None]
    if not runs:
        runs = [iv.end - iv.start for iv in intervals if iv.index in {r.index for r in finals["successful"]}]
    median_run = round(statistics.median(runs), 3) if runs else None
    ideal = efficiency = None
    if expected_max and median_run is not None and accepted:
        ideal = round(math.ceil(len(accepted) / expected_max) * median_run, 3)
        efficiency = round(ideal / drain, 3) if drain else None
    latencies = [r.submit_latency for r in submitted if r.submit_latency is not None]
    polls = sum(r.polls for r in accepted)
    life = sum(((r.final_at or end_of_run) - (r.submit_at or 0.0)) for r in accepted if r.submit_at is not None)

    violations: list[str] = []
    if expected_max is not None and peak > expected_max:
        when = f" {peak_at - first_submit:.1f} s after the first submission" if peak_at and first_submit else ""
        violations.append(f"concurrency limit exceeded: {peak} jobs ran at once{when}, expected at most "
                          f"{expected_max} (from {source}"
                          + (f", sampling error up to {sampling_error:.2f} s)" if poll_ivs else ")"))
    if finals["lost"]:
        violations.append(f"{len(finals['lost'])} job(s) lost: accepted, then unknown to the server: "
                          + ", ".join(str(r.job_id) for r in finals["lost"][:5]))
    if stuck:
        violations.append(f"{len(stuck)} job(s) stuck: not finished within {job_timeout:g} s: "
                          + ", ".join(str(r.job_id) for r in stuck[:5]))
    if len(failed_subs) > max_failed:
        kinds = sorted({r.submit_status for r in failed_subs})
        violations.append(f"{len(failed_subs)} failed submission(s) ({', '.join(kinds)}), at most {max_failed} allowed")
    if never > 0:
        violations.append(f"{never} of {jobs} job(s) never submitted (the run ended first)")
    return {
        "host": host, "process": process, "jobs": jobs, "submitted": len(submitted), "accepted": len(accepted),
        "failed_submissions": len(failed_subs), "succeeded": len(finals["successful"]), "failed": len(finals["failed"]),
        "dismissed": len(finals["dismissed"]), "lost": len(finals["lost"]), "stuck": len(stuck),
        "max_concurrency": peak, "expected_max_concurrency": expected_max, "concurrency_source": source,
        "sampling_error_seconds": round(sampling_error, 3),
        "first_submit": first_submit, "drain_seconds": drain, "median_run_seconds": median_run,
        "ideal_drain_seconds": ideal, "efficiency": efficiency,
        "submit_latency_seconds": {"p50": _pct(latencies, 0.5), "p95": _pct(latencies, 0.95),
                                   "max": round(max(latencies), 4) if latencies else None},
        "status_requests": polls, "status_requests_per_job": round(polls / len(accepted), 2) if accepted else None,
        "status_requests_per_job_second": round(polls / life, 3) if life > 0 else None,
        "running_over_time": [[round(t, 3), n] for t, n in steps],
        "violations": violations, "passed": not violations,
    }
