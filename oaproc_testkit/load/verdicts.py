"""The burst's verdicts, computed from job records alone (pure functions: same records, same verdict).

Concurrency. A job whose server gave both ``started`` and ``finished`` ran exactly then. Otherwise the
polling brackets it with two intervals:

- *definitely running*: from the first to the last poll that saw it ``running`` (the server said so);
- *possibly running*: from the last poll that saw it before it ran (``accepted``; its submission if
  none) to the first poll that saw it terminal (the end of the run if never).

A sweep over each set gives the most jobs running at once *at least* (what the evidence proves) and *at
most* (what it allows). Only the lower bound can fail the limit; when the limit lies between the two,
the concurrency verdict is "undecided" and says by how much the polls were apart. A job seen terminal
without ever being seen running counts in the upper bound only, never "from its submission" as proof.

Efficiency is the share of the job manager's capacity that the burst kept busy: job-seconds of running
over (capacity × drain time), where capacity is the stated limit (or the observed peak, when larger or
when no limit was given). It lies in (0, 1] and is given only when every running interval is exact
(server timestamps); from polling it cannot be told and is left out.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import TERMINAL, JobRecord

MAX_LISTED = 5  # job ids / reports named in one violation line
MAX_REPORTS = 10  # failed jobs whose exception report goes into summary.json
TIMEOUT_WARN = 0.8  # a job used this share of its job timeout: say so


@dataclass(frozen=True)
class Interval:
    index: int
    start: float
    end: float
    source: str  # "server" (exact) or "polling" (a bound)


def _poll_gap(rec: JobRecord) -> float:
    times = sorted({t for a, b, _ in rec.stretches() for t in (a, b)})
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def running_bounds(rec: JobRecord, run_end: float) -> tuple[Interval | None, Interval | None]:
    """(definitely running, possibly running) for one job; equal when the server's timestamps are exact."""
    if not rec.accepted:
        return None, None
    st = rec.stretches()
    runs = [x for x in st if x[2] == "running"]
    term = next((x for x in st if x[2] in TERMINAL), None)
    active = next((i for i, x in enumerate(st) if x[2] == "running" or x[2] in TERMINAL), None)
    if rec.server_started is not None and rec.server_finished is not None:
        exact = Interval(rec.index, rec.server_started, max(rec.server_finished, rec.server_started), "server")
        return exact, exact
    if rec.server_started is not None and rec.final_status not in TERMINAL and not term:
        # still running (stuck, lost, unreadable) by the server's own start time: ran until we stopped looking
        last = runs[-1][1] if runs else rec.server_started
        return (Interval(rec.index, rec.server_started, max(last, rec.server_started), "polling"),
                Interval(rec.index, rec.server_started, max(run_end, rec.server_started), "polling"))
    # the start
    if rec.server_started is not None:
        p_start = d_start = rec.server_started
    else:
        d_start = runs[0][0] if runs else None
        if active is not None and active > 0:
            p_start = st[active - 1][1]
        else:
            p_start = rec.submit_at if rec.submit_at is not None else (st[0][0] if st else None)
    if p_start is None:
        return None, None
    # the end
    if rec.server_finished is not None:
        p_end = rec.server_finished
        d_end = rec.server_finished if d_start is not None else None
    else:
        p_end = term[0] if term else run_end
        d_end = runs[-1][1] if runs else (d_start if d_start is not None else None)
    possible = Interval(rec.index, p_start, max(p_end, p_start), "polling")
    definite = (Interval(rec.index, d_start, max(d_end if d_end is not None else d_start, d_start), "polling")
                if d_start is not None else None)
    return definite, possible


def running_interval(rec: JobRecord, run_end: float) -> Interval | None:
    """When the job may have run (exact with server timestamps): the bar the timeline draws."""
    return running_bounds(rec, run_end)[1]


def sweep(intervals: Sequence[Interval], *, closed: bool = False) -> tuple[int, float | None, list[tuple[float, int]]]:
    """(most running at once, when first reached, the running count as (time, count) steps).

    Exact (server) intervals are half-open: an end at the instant of a start comes first. With
    ``closed``, polling intervals are closed (two jobs both seen running at one instant overlap there)."""
    def order(iv: Interval, end: bool) -> int:
        if not end:
            return 1
        return 2 if closed and iv.source == "polling" else 0

    events = sorted([(iv.start, order(iv, False), 1) for iv in intervals]
                    + [(iv.end, order(iv, True), -1) for iv in intervals])
    running, peak, peak_at = 0, 0, None
    steps: list[tuple[float, int]] = []
    for t, _, delta in events:
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


def _ids(recs: Sequence[JobRecord]) -> str:
    shown = ", ".join(str(r.job_id or f"#{r.index}") for r in recs[:MAX_LISTED])
    return shown + (f" and {len(recs) - MAX_LISTED} more" if len(recs) > MAX_LISTED else "")


def summarize(records: Sequence[JobRecord], *, jobs: int, expected_max: int | None, max_failed: int = 0,
              max_failed_jobs: int = 0, job_timeout: float, run_end: float | None = None, process: str = "",
              host: str = "", orphans: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary.json document: counts, concurrency, drain, efficiency, latencies and violations."""
    submitted = [r for r in records if r.submit_at is not None]
    accepted = [r for r in submitted if r.accepted]
    failed_subs = [r for r in submitted if not r.accepted]
    finals = {s: [r for r in accepted if r.final_status == s]
              for s in ("successful", "failed", "dismissed", "lost", "stuck", "unreadable", "invalid-status")}
    unsettled = [r for r in accepted if r.final_status is None]  # the run ended while following them
    stuck = finals["stuck"] + unsettled
    never = jobs - len(submitted)
    ends = [t for r in accepted for t in (r.server_finished, r.final_at) if t is not None]
    end_of_run = run_end if run_end is not None else max(ends + [r.submit_at or 0.0 for r in submitted] + [0.0])
    bounds = [running_bounds(r, end_of_run) for r in accepted]
    definite = [d for d, _ in bounds if d is not None]
    possible = [p for _, p in bounds if p is not None]
    peak, peak_at, steps = sweep(definite, closed=True)
    upper, _, upper_steps = sweep(possible)
    exact = bool(possible) and all(iv.source == "server" for iv in possible)
    sources = {iv.source for iv in possible}
    source = "server timestamps" if sources == {"server"} else "polling" if sources == {"polling"} else (
        "server timestamps and polling" if sources else "none")
    sampling_error = max((_poll_gap(r) for r, (_, p) in zip(accepted, bounds) if p is not None and p.source == "polling"),
                         default=0.0)
    first_submit = min((r.submit_at for r in submitted if r.submit_at is not None), default=None)
    terminal = [r for r in accepted if r.final_status in TERMINAL]
    last_finish = max(((r.server_finished or r.final_at) for r in terminal if (r.server_finished or r.final_at)), default=None)
    drain = round(last_finish - first_submit, 3) if first_submit is not None and last_finish is not None else None
    ok_ids = {r.index for r in finals["successful"]}
    runs = [iv.end - iv.start for iv in possible if iv.index in ok_ids and iv.source == "server"]
    median_run = round(statistics.median(runs), 3) if runs else None
    capacity = max(expected_max or 0, peak) or None
    ideal = efficiency = None
    if capacity and median_run is not None and accepted:
        ideal = round(math.ceil(len(accepted) / capacity) * median_run, 3)
    if exact and capacity and drain and first_submit is not None and last_finish is not None:
        busy = sum(max(0.0, min(iv.end, last_finish) - max(iv.start, first_submit)) for iv in possible)
        efficiency = round(min(1.0, busy / (capacity * drain)), 3)
    latencies = [r.submit_latency for r in submitted if r.submit_latency is not None]
    polls = sum(r.polls for r in accepted)
    life = sum(((r.final_at or end_of_run) - (r.submit_at or 0.0)) for r in accepted if r.submit_at is not None)
    took = [(r.final_at - r.submit_at) for r in terminal if r.final_at is not None and r.submit_at is not None]
    slowest = round(max(took), 3) if took else None

    violations: list[str] = []
    notes: list[str] = []
    verdict = "no limit given"
    if expected_max is not None:
        gap = f"; polls up to {sampling_error:.2f} s apart" if sampling_error else ""
        if not possible:
            verdict = "no evidence"
            notes.append(f"concurrency limit {expected_max} not judged: no job was seen at all")
        elif peak > expected_max:
            verdict = "exceeded"
            when = f" {peak_at - first_submit:.1f} s after the first submission" if peak_at and first_submit else ""
            amount = f"{peak} jobs" if exact else f"at least {peak} jobs"
            violations.append(f"concurrency limit exceeded: {amount} ran at once{when}, expected at most "
                              f"{expected_max} (from {source}" + (f"{gap})" if not exact else ")"))
        elif upper > expected_max:
            verdict = "undecided"
            notes.append(f"concurrency limit {expected_max} neither proven kept nor exceeded: from polling, at least "
                         f"{peak} and at most {upper} jobs ran at once{gap}; a server that reports started/finished "
                         "in its statusInfo would decide it")
        else:
            verdict = "held"
    if finals["failed"] and len(finals["failed"]) > max_failed_jobs:
        first = next((r.exception for r in finals["failed"] if r.exception), "")
        violations.append(f"{len(finals['failed'])} job(s) failed, at most {max_failed_jobs} allowed: "
                          f"{_ids(finals['failed'])}" + (f"; first report: {first}" if first else ""))
    if finals["lost"]:
        violations.append(f"{len(finals['lost'])} job(s) lost: accepted, then unknown to the server: "
                          + _ids(finals["lost"]))
    if stuck:
        violations.append(f"{len(stuck)} job(s) stuck: not finished within {job_timeout:g} s: " + _ids(stuck))
    for kind, what in (("unreadable", "whose status could not be read"),
                       ("invalid-status", "with a status outside the statusCode enum")):
        if finals[kind]:
            violations.append(f"{len(finals[kind])} job(s) {what}: {_ids(finals[kind])}; {finals[kind][0].note}")
    if len(failed_subs) > max_failed:
        kinds = sorted({r.submit_status for r in failed_subs})
        first = next((r.note for r in failed_subs if r.note), "")
        violations.append(f"{len(failed_subs)} failed submission(s) ({', '.join(kinds)}), at most {max_failed} allowed"
                          + (f"; first: {first}" if first else ""))
    if never > 0:
        violations.append(f"{never} of {jobs} job(s) never submitted (the run ended first)")
    if slowest is not None and slowest >= TIMEOUT_WARN * job_timeout:
        notes.append(f"the slowest job took {slowest:.1f} s of its {job_timeout:g} s job timeout "
                     f"({slowest / job_timeout:.0%}): a slower run would report it stuck; raise --job-timeout")
    if orphans and orphans.get("count"):
        notes.append(f"{orphans['count']} job(s) of {process} on the server that no submission of ours got back "
                     f"(created after our POST gave up?): {', '.join(orphans['job_ids'][:MAX_LISTED])}")
    return {
        "host": host, "process": process, "jobs": jobs, "submitted": len(submitted), "accepted": len(accepted),
        "failed_submissions": len(failed_subs), "succeeded": len(finals["successful"]), "failed": len(finals["failed"]),
        "dismissed": len(finals["dismissed"]), "lost": len(finals["lost"]), "stuck": len(stuck),
        "unreadable": len(finals["unreadable"]), "invalid_status": len(finals["invalid-status"]),
        "max_concurrency": peak, "max_concurrency_upper": upper, "expected_max_concurrency": expected_max,
        "concurrency_verdict": verdict, "concurrency_source": source,
        "sampling_error_seconds": round(sampling_error, 3),
        "first_submit": first_submit, "drain_seconds": drain, "median_run_seconds": median_run,
        "ideal_drain_seconds": ideal, "efficiency": efficiency,
        "job_timeout_seconds": job_timeout, "slowest_job_seconds": slowest,
        "submit_latency_seconds": {"p50": _pct(latencies, 0.5), "p95": _pct(latencies, 0.95),
                                   "max": round(max(latencies), 4) if latencies else None},
        "status_requests": polls, "status_requests_per_job": round(polls / len(accepted), 2) if accepted else None,
        "status_requests_per_job_second": round(polls / life, 3) if life > 0 else None,
        "failed_job_reports": [{"index": r.index, "job_id": r.job_id, "exception": r.exception}
                               for r in finals["failed"][:MAX_REPORTS]],
        "orphans": orphans,
        "running_over_time": [[round(t, 3), n] for t, n in steps],
        "possibly_running_over_time": None if exact else [[round(t, 3), n] for t, n in upper_steps],
        "violations": violations, "notes": notes, "passed": not violations,
    }
