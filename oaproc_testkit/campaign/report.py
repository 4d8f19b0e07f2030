"""The campaign's verdicts and reports, computed from the database alone (the same file gives the
same verdicts, whichever run wrote it).

Verdicts (each a named line, any of them makes the exit code non-zero): jobs lost or stuck (in any
attempt, even when a retry then succeeded: the server lost a job), failed tiles after retries beyond
``--max-failed-tiles``, a server running more jobs at once than ``--expect-max-concurrency`` (from
the server's started/finished timestamps where given, else from polling, as the burst does), results
that do not validate against the process's output schema, tiles left unfinished.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..load.model import JobRecord
from ..load.verdicts import running_interval, sweep
from .db import FINAL, STATUSES, Attempt, TileRow
from .plan import CampaignPlan


def _record(i: int, a: Attempt) -> JobRecord:
    """An attempt in the burst's record form, so the burst's interval logic applies unchanged."""
    final = a.status if a.status in ("successful", "failed", "lost", "stuck") else None
    rec = JobRecord(index=i, accepted=a.accepted, submit_at=a.submitted_at, server_started=a.server_started,
                    server_finished=a.server_finished, final_status="failed" if final == "failed" else final,
                    final_at=a.seen_end, job_url=a.job_url)
    if a.submitted_at is not None:
        rec.observe(a.submitted_at, "accepted")
    if a.seen_running is not None:
        rec.observe(a.seen_running, "running")
    if a.seen_end is not None and final in ("successful", "failed"):
        rec.observe(a.seen_end, final)
    return rec


def failure_groups(rows: Sequence[TileRow], attempts: Sequence[Attempt]) -> list[dict[str, Any]]:
    """Failed attempts grouped by cause: count, tiles, one example's exception report and log link."""
    by_tile = {r.tile_id: r for r in rows}
    groups: dict[str, dict[str, Any]] = {}
    for a in attempts:
        if a.status in ("successful", "queued", "running", "not_started") or a.cause is None:
            continue
        g = groups.setdefault(a.cause, {"cause": a.cause, "attempts": 0, "tiles": [], "still_failed": [],
                                        "example": None})
        g["attempts"] += 1
        if a.tile_id not in g["tiles"]:
            g["tiles"].append(a.tile_id)
        row = by_tile.get(a.tile_id)
        if row is not None and row.status != "successful" and a.tile_id not in g["still_failed"]:
            g["still_failed"].append(a.tile_id)
        if g["example"] is None or (row is not None and row.status != "successful" and g["example"]["recovered"]):
            g["example"] = {"tile": a.tile_id, "attempt": a.attempt, "server": a.server, "job_url": a.job_url,
                            "error": a.error, "exception": a.exception, "log": a.log_link,
                            "recovered": row is not None and row.status == "successful"}
    return sorted(groups.values(), key=lambda g: -g["attempts"])


def summarize(plan: CampaignPlan, rows: Sequence[TileRow], attempts: Sequence[Attempt], *,
              run_end: float | None = None) -> dict[str, Any]:
    counts = {s: 0 for s in STATUSES}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    subs = [a.submitted_at for a in attempts if a.submitted_at is not None]
    ends = [t for a in attempts for t in (a.server_finished, a.seen_end) if t is not None]
    first = min(subs) if subs else None
    end = run_end if run_end is not None else max(ends + subs + [0.0])
    last = max(ends) if ends else None
    drain = round(last - first, 3) if first is not None and last is not None else None
    servers: dict[str, Any] = {}
    violations: list[str] = []
    urls = list(dict.fromkeys([s.url for s in plan.servers] + [a.server for a in attempts]))
    specs = {s.url: s for s in plan.servers}
    for url in urls:
        mine = [a for a in attempts if a.server == url]
        recs = [_record(i, a) for i, a in enumerate(mine)]
        ivs = [iv for iv in (running_interval(r, end) for r in recs) if iv is not None]
        peak, peak_at, _ = sweep(ivs)
        src = {iv.source for iv in ivs}
        sub = [a.submitted_at for a in mine if a.submitted_at is not None]
        fin = [t for a in mine for t in (a.server_finished, a.seen_end) if t is not None]
        spec = specs.get(url)
        expected = plan.expected(spec) if spec else None
        tiles_here = [r for r in rows if r.server == url]
        servers[url] = {
            "parallel": spec.parallel if spec else None, "expected_max_concurrency": expected,
            "peak_concurrency": peak, "concurrency_source": "server timestamps" if src == {"server"} else (
                "polling" if src == {"polling"} else "server timestamps and polling" if src else "none"),
            "attempts": len(mine), "tiles": {s: sum(1 for r in tiles_here if r.status == s) for s in STATUSES
                                             if any(r.status == s for r in tiles_here)},
            "drain_seconds": round(max(fin) - min(sub), 3) if sub and fin else None,
        }
        if expected is not None and peak > expected:
            when = f" {peak_at - first:.1f} s into the campaign" if peak_at is not None and first is not None else ""
            violations.append(f"concurrency limit exceeded on {url}: {peak} jobs ran at once{when}, expected at most "
                              f"{expected} (from {servers[url]['concurrency_source']})")
    lost = [a for a in attempts if a.status == "lost"]
    stuck = [a for a in attempts if a.status == "stuck"]
    if lost:
        violations.append(f"{len(lost)} job(s) lost (accepted, then unknown to the server): "
                          + ", ".join(f"{a.tile_id}#{a.attempt} {a.job_url}" for a in lost[:5]))
    if stuck:
        violations.append(f"{len(stuck)} job(s) stuck (not finished within {plan.job_timeout:g} s): "
                          + ", ".join(f"{a.tile_id}#{a.attempt} {a.job_url}" for a in stuck[:5]))
    failed_tiles = [r for r in rows if r.status in ("failed", "start_failed", "lost", "stuck")]
    if len(failed_tiles) > plan.max_failed_tiles:
        violations.append(f"{len(failed_tiles)} tile(s) failed after {plan.retries} retries, at most "
                          f"{plan.max_failed_tiles} allowed: " + ", ".join(r.tile_id for r in failed_tiles[:10]))
    invalid = [r for r in rows if r.status == "successful" and (r.results_note or "").startswith("INVALID")]
    if invalid:
        violations.append(f"{len(invalid)} successful tile(s) with results that do not validate against the output "
                          f"schema: {invalid[0].tile_id}: {invalid[0].results_note}")
    unfinished = [r for r in rows if r.status not in FINAL]
    if unfinished:
        violations.append(f"{len(unfinished)} tile(s) not finished when the run ended: "
                          + ", ".join(f"{r.tile_id} ({r.status})" for r in unfinished[:10]))
    done = counts["successful"]
    return {
        "process": plan.process, "tiles": len(rows), "counts": counts, "servers": servers,
        "attempts": len(attempts), "retries_used": sum(1 for a in attempts if a.attempt > 1),
        "first_submit": first, "drain_seconds": drain,
        "throughput_tiles_per_minute": round(done / drain * 60, 2) if drain else None,
        "failure_groups": failure_groups(rows, attempts),
        "violations": violations, "passed": not violations,
    }


def failures_markdown(summary: dict[str, Any]) -> str:
    lines = [f"# Campaign failures: {summary['process']}", ""]
    if not summary["failure_groups"]:
        lines.append("No attempt failed.")
    for g in summary["failure_groups"]:
        lines += [f"## {g['cause']}", "",
                  f"- attempts: {g['attempts']}; tiles: {', '.join(g['tiles'][:30])}"
                  + (" …" if len(g["tiles"]) > 30 else ""),
                  f"- still failed after retries: {', '.join(g['still_failed'][:30]) or 'none'}"]
        ex = g["example"] or {}
        lines.append(f"- example: tile {ex.get('tile')} attempt {ex.get('attempt')} on {ex.get('server')}"
                     + (f", job {ex['job_url']}" if ex.get("job_url") else ""))
        if ex.get("error"):
            lines.append(f"- error: {ex['error']}")
        for key, value in (ex.get("exception") or {}).items():
            lines.append(f"- exception {key}: {value}")
        if ex.get("log"):
            lines.append(f"- log: {ex['log']}")
        lines.append("")
    return "\n".join(lines) + "\n"


def write_reports(summary: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (out / "failures.md").write_text(failures_markdown(summary), encoding="utf-8")


def print_summary(summary: dict[str, Any], out: Path, *, console: Any = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console(highlight=False)
    c = summary["counts"]
    table = Table(title=f"campaign of {summary['tiles']} tiles × {summary['process']}")
    for col in ("server", "peak", "expect ≤", "from", "jobs", "drain s", "tiles"):
        table.add_column(col, overflow="fold")
    for url, s in summary["servers"].items():
        source = {"server timestamps": "timestamps"}.get(s["concurrency_source"], s["concurrency_source"])
        table.add_row(escape(url.split("://", 1)[-1].rstrip("/")), str(s["peak_concurrency"]),
                      "-" if s["expected_max_concurrency"] is None else str(s["expected_max_concurrency"]), source,
                      str(s["attempts"]), str(s["drain_seconds"]), ", ".join(f"{k} {v}" for k, v in s["tiles"].items()))
    console.print(table)
    console.print(" · ".join(f"{k} {v}" for k, v in c.items() if v) + f" · drain {summary['drain_seconds']} s · "
                  f"{summary['throughput_tiles_per_minute']} tiles/min · {summary['retries_used']} retries")
    for g in summary["failure_groups"][:10]:
        console.print(f"[yellow]FAILURES[/] {g['attempts']}× {escape(g['cause'])} (tiles {escape(', '.join(g['tiles'][:6]))})")
    for v in summary["violations"]:
        console.print(f"[bold red]VIOLATION[/] {escape(v)}")
    verdict = "[bold green]PASS[/]" if summary["passed"] else "[bold red]FAIL[/]"
    console.print(f"{verdict} campaign verdicts; reports in {escape(str(out))}/ "
                  "(summary.json, failures.md, map.svg, map.html)")
