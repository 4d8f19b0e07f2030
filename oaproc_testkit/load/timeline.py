"""The burst as a picture: ``timeline.svg`` and a self-contained ``timeline.html``.

Top: the number of jobs running over time (seen running, and possibly running between polls when the
server gives no started/finished), with the expected limit as a dashed red line. Below: one row per job
(every k-th job beyond ``MAX_ROWS``): the POST, the time it was queued, the window in which it started
unseen between two polls, and a bar coloured by its final status while it ran. Hand-written SVG: no
plotting dependency.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from .model import JobRecord
from .verdicts import running_bounds

COLOURS = {"successful": "#2e7d32", "failed": "#c62828", "dismissed": "#6d4c41", "lost": "#ef6c00",
           "stuck": "#6a1b9a", "unreadable": "#ad1457", "invalid-status": "#ad1457", None: "#6a1b9a"}
POST, QUEUED, UNSURE = "#546e7a", "#cfd8dc", "#fff59d"
WIDTH, LEFT, RIGHT, TOP = 960, 70, 20, 40
CHART_H = 160
MAX_ROWS = 200  # more jobs than this: every k-th job gets a row (the count chart above covers all of them)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _shown(value: Any, none: str = "none") -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_shown(v, none)}" for k, v in value.items())
    return none if value is None else str(value)


def render_svg(records: Sequence[JobRecord], summary: dict[str, Any]) -> str:
    """The running count at the top, then one row per job (a sample of them at scale)."""
    subs = [r for r in records if r.submit_at is not None]
    t0 = summary.get("first_submit") or min((r.submit_at for r in subs if r.submit_at), default=0.0)
    ends = [t for r in subs for t in (r.server_finished, r.final_at, r.submit_at) if t is not None]
    t1 = max(ends + [t0 + 1.0])
    span = max(t1 - t0, 1e-3)
    plot_w = WIDTH - LEFT - RIGHT
    step = max(1, math.ceil(len(records) / MAX_ROWS))
    rows = list(records)[::step]
    row_h = max(2.0, min(14.0, 420.0 / max(1, len(rows))))
    chart_top = TOP + 20
    bars_top = chart_top + CHART_H + 50
    bars_h = row_h * len(rows)
    height = bars_top + bars_h + 50

    def x(t: float) -> float:
        return LEFT + (t - t0) / span * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_fmt(height)}" '
           f'viewBox="0 0 {WIDTH} {_fmt(height)}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>']
    verdict = "PASS" if summary.get("passed") else "FAIL"
    if summary.get("passed") and summary.get("concurrency_verdict") == "undecided":
        verdict = "PASS, concurrency UNDECIDED"
    limit = summary.get("expected_max_concurrency")
    peak, upper = summary.get("max_concurrency"), summary.get("max_concurrency_upper")
    at_once = f"{peak}" if upper in (None, peak) else f"{peak} to {upper}"
    expected = f"limit {limit}" if limit is not None else "no limit given"
    title = (f"{verdict}: {summary.get('jobs')} jobs of {summary.get('process') or '?'}, {at_once} running at once "
             f"({expected}), drain {_shown(summary.get('drain_seconds'), 'unknown')} s")
    out.append(f'<text x="{LEFT}" y="20" font-size="13" font-weight="bold">{html.escape(title)}</text>')
    # running count over time, at the top
    steps = summary.get("running_over_time") or []
    maybe = summary.get("possibly_running_over_time") or []
    top_n = max([n for _, n in steps] + [n for _, n in maybe] + [limit or 0, 1])

    def y_of(n: float) -> float:
        return chart_top + CHART_H - n / top_n * CHART_H

    def line(series: list[Any], **attrs: str) -> None:
        if not series:
            return
        pts = [f"{_fmt(x(t0))},{_fmt(y_of(0))}"]
        prev = 0
        for t, n in series:
            pts += [f"{_fmt(x(t))},{_fmt(y_of(prev))}", f"{_fmt(x(t))},{_fmt(y_of(n))}"]
            prev = n
        pts.append(f"{_fmt(x(t1))},{_fmt(y_of(prev))}")
        extra = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
        out.append(f'<polyline points="{" ".join(pts)}" fill="none" {extra}/>')

    out.append(f'<line x1="{LEFT}" y1="{_fmt(chart_top + CHART_H)}" x2="{WIDTH - RIGHT}" y2="{_fmt(chart_top + CHART_H)}" stroke="#333"/>')
    out.append(f'<line x1="{LEFT}" y1="{_fmt(chart_top)}" x2="{LEFT}" y2="{_fmt(chart_top + CHART_H)}" stroke="#333"/>')
    label = (f"jobs running (peak {at_once}, {summary.get('concurrency_source')}"
             + ("; solid: seen running, dashed: possibly running between polls)" if maybe else ")"))
    out.append(f'<text x="{LEFT}" y="{_fmt(chart_top - 6)}">{html.escape(label)}</text>')
    line(maybe, stroke="#90caf9", stroke_width="1.5", stroke_dasharray="4,3")
    line(steps, stroke="#1565c0", stroke_width="1.5")
    if limit:
        out.append(f'<line x1="{LEFT}" y1="{_fmt(y_of(limit))}" x2="{WIDTH - RIGHT}" y2="{_fmt(y_of(limit))}" '
                   'stroke="#d32f2f" stroke-dasharray="6,4"/>')
        out.append(f'<text x="{WIDTH - RIGHT}" y="{_fmt(y_of(limit) - 4)}" text-anchor="end" fill="#d32f2f">'
                   f'limit {limit}</text>')
    for n in sorted({0, top_n}):
        out.append(f'<text x="{LEFT - 6}" y="{_fmt(y_of(n) + 4)}" text-anchor="end">{n}</text>')
    for k in range(6):
        t = t0 + span * k / 5
        out.append(f'<text x="{_fmt(x(t))}" y="{_fmt(chart_top + CHART_H + 16)}" text-anchor="middle">{t - t0:.1f} s</text>')
    # one row per job (or per k-th job)
    caption = (f"each job: POST, queued, start unknown between polls, running"
               + (f" (every {step}th of {len(records)} jobs shown)" if step > 1 else ""))
    out.append(f'<text x="{LEFT}" y="{_fmt(bars_top - 8)}">{html.escape(caption)}</text>')
    h = max(1.0, row_h * 0.8)
    for i, rec in enumerate(rows):
        y = bars_top + i * row_h
        if rec.submit_at is None:
            continue
        posted = rec.submit_at + (rec.submit_latency or 0.0)

        def bar(a: float, b: float, colour: str, tip: str = "", width_min: float = 0.5) -> None:
            w = max(width_min, x(b) - x(a))
            title = f"<title>{html.escape(tip)}</title>" if tip else ""
            out.append(f'<rect x="{_fmt(x(a))}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(h)}" fill="{colour}">'
                       f'{title}</rect>')

        bar(rec.submit_at, posted, POST if rec.accepted else COLOURS["failed"],
            f"job {rec.index}: POST {rec.submit_status} in {rec.submit_latency or 0:.3f} s", 1.0)
        if not rec.accepted:
            continue
        definite, possible = running_bounds(rec, t1)
        if possible is None:
            continue
        queued_end = possible.start if possible.source == "polling" else (rec.server_started or possible.start)
        bar(posted, max(posted, queued_end), QUEUED, f"job {rec.index}: queued")
        start = definite.start if definite is not None else possible.end
        if start > possible.start:
            bar(possible.start, start, UNSURE, f"job {rec.index}: started somewhere in here (between polls)")
        colour = COLOURS.get(rec.final_status, COLOURS[None])
        end = definite.end if definite is not None else start
        tip = f"job {rec.index} ({rec.job_id}): {rec.final_status}, ran {possible.end - possible.start:.2f} s ({possible.source})"
        if definite is not None:
            bar(start, end, colour, tip, 1.0)
        if possible.end > end:
            out.append(f'<rect x="{_fmt(x(end))}" y="{_fmt(y)}" width="{_fmt(max(0.5, x(possible.end) - x(end)))}" '
                       f'height="{_fmt(h)}" fill="{colour}" fill-opacity="0.35"><title>{html.escape(tip)}: ended '
                       'somewhere in here</title></rect>')
    if rows:
        out.append(f'<text x="{LEFT - 6}" y="{_fmt(bars_top + 10)}" text-anchor="end">job {rows[0].index}</text>')
        out.append(f'<text x="{LEFT - 6}" y="{_fmt(bars_top + bars_h)}" text-anchor="end">job {rows[-1].index}</text>')
    legend = [("POST", POST), ("queued", QUEUED), ("start between polls", UNSURE), ("successful", COLOURS["successful"]),
              ("failed", COLOURS["failed"]), ("lost", COLOURS["lost"]), ("stuck", COLOURS["stuck"]),
              ("unreadable", COLOURS["unreadable"])]
    lx = LEFT
    for name, colour in legend:
        out.append(f'<rect x="{lx}" y="{_fmt(height - 18)}" width="12" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 16}" y="{_fmt(height - 9)}">{name}</text>')
        lx += 16 + 7 * len(name) + 14
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_html(svg: str, summary: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_shown(summary.get(k)))}</td></tr>"
                   for k in ("host", "process", "jobs", "submitted", "accepted", "failed_submissions", "succeeded",
                             "failed", "lost", "stuck", "unreadable", "invalid_status", "max_concurrency",
                             "max_concurrency_upper", "expected_max_concurrency", "concurrency_verdict",
                             "concurrency_source", "sampling_error_seconds", "drain_seconds", "efficiency",
                             "slowest_job_seconds", "job_timeout_seconds", "submit_latency_seconds"))
    violations = "".join(f"<li>{html.escape(v)}</li>" for v in summary.get("violations", [])) or "<li>none</li>"
    violations += "".join(f"<li>note: {html.escape(v)}</li>" for v in summary.get("notes", []))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>oaproc-testkit burst timeline</title>"
            "<style>body{font-family:sans-serif;margin:1em}th{text-align:left;padding-right:1em}</style></head><body>"
            f"<h1>Burst timeline</h1>{svg}<h2>Violations</h2><ul>{violations}</ul><h2>Summary</h2><table>{rows}</table>"
            "</body></html>\n")
