"""The burst as a picture: ``timeline.svg`` and a self-contained ``timeline.html``.

Top: one row per job, a grey bar while it waited (submitted → started) and a bar coloured by its
final status while it ran. Bottom: the number of jobs running over time, with the expected limit
as a dashed red line. Hand-written SVG: no plotting dependency.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from .model import JobRecord
from .verdicts import running_interval

COLOURS = {"successful": "#2e7d32", "failed": "#c62828", "dismissed": "#6d4c41", "lost": "#ef6c00",
           "stuck": "#6a1b9a", None: "#6a1b9a"}
WAIT = "#b0bec5"
WIDTH, LEFT, RIGHT, TOP = 960, 70, 20, 40
CHART_H = 160


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def render_svg(records: Sequence[JobRecord], summary: dict[str, Any]) -> str:
    subs = [r for r in records if r.submit_at is not None]
    t0 = summary.get("first_submit") or min((r.submit_at for r in subs if r.submit_at), default=0.0)
    ends = [t for r in subs for t in (r.server_finished, r.final_at, r.submit_at) if t is not None]
    t1 = max(ends + [t0 + 1.0])
    span = max(t1 - t0, 1e-3)
    plot_w = WIDTH - LEFT - RIGHT
    row_h = max(2.0, min(14.0, 420.0 / max(1, len(records))))
    bars_h = row_h * len(records)
    chart_top = TOP + bars_h + 40
    height = chart_top + CHART_H + 50

    def x(t: float) -> float:
        return LEFT + (t - t0) / span * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_fmt(height)}" '
           f'viewBox="0 0 {WIDTH} {_fmt(height)}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>']
    verdict = "PASS" if summary.get("passed") else "FAIL"
    title = (f"{verdict}: {summary.get('jobs')} jobs of {summary.get('process') or '?'}, at most "
             f"{summary.get('max_concurrency')} running at once (expected ≤ {summary.get('expected_max_concurrency')}), "
             f"drain {summary.get('drain_seconds')} s")
    out.append(f'<text x="{LEFT}" y="20" font-size="13" font-weight="bold">{html.escape(title)}</text>')
    for i, rec in enumerate(records):
        y = TOP + i * row_h
        if rec.submit_at is None:
            continue
        if not rec.accepted:
            out.append(f'<rect x="{_fmt(x(rec.submit_at))}" y="{_fmt(y)}" width="3" height="{_fmt(row_h * 0.8)}" '
                       f'fill="{COLOURS["failed"]}"><title>job {rec.index}: submission {html.escape(rec.submit_status)}'
                       '</title></rect>')
            continue
        iv = running_interval(rec, t1)
        start = iv.start if iv else (rec.final_at or t1)
        out.append(f'<rect x="{_fmt(x(rec.submit_at))}" y="{_fmt(y)}" width="{_fmt(max(0.5, x(start) - x(rec.submit_at)))}" '
                   f'height="{_fmt(row_h * 0.8)}" fill="{WAIT}"/>')
        if iv is not None:
            colour = COLOURS.get(rec.final_status, COLOURS[None])
            tip = f"job {rec.index} ({rec.job_id}): {rec.final_status}, ran {iv.end - iv.start:.2f} s ({iv.source})"
            out.append(f'<rect x="{_fmt(x(iv.start))}" y="{_fmt(y)}" width="{_fmt(max(1.0, x(iv.end) - x(iv.start)))}" '
                       f'height="{_fmt(row_h * 0.8)}" fill="{colour}"><title>{html.escape(tip)}</title></rect>')
    out.append(f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end">job 0</text>')
    out.append(f'<text x="{LEFT - 6}" y="{_fmt(TOP + bars_h)}" text-anchor="end">job {len(records) - 1}</text>')
    # running count over time
    steps = summary.get("running_over_time") or []
    limit = summary.get("expected_max_concurrency")
    top_n = max([n for _, n in steps] + [limit or 0, 1])

    def y_of(n: float) -> float:
        return chart_top + CHART_H - n / top_n * CHART_H

    out.append(f'<line x1="{LEFT}" y1="{_fmt(chart_top + CHART_H)}" x2="{WIDTH - RIGHT}" y2="{_fmt(chart_top + CHART_H)}" stroke="#333"/>')
    out.append(f'<line x1="{LEFT}" y1="{_fmt(chart_top)}" x2="{LEFT}" y2="{_fmt(chart_top + CHART_H)}" stroke="#333"/>')
    out.append(f'<text x="{LEFT}" y="{_fmt(chart_top - 8)}">jobs running (peak {summary.get("max_concurrency")}, '
               f'{html.escape(str(summary.get("concurrency_source")))})</text>')
    if steps:
        pts = [f"{_fmt(x(t0))},{_fmt(y_of(0))}"]
        prev = 0
        for t, n in steps:
            pts += [f"{_fmt(x(t))},{_fmt(y_of(prev))}", f"{_fmt(x(t))},{_fmt(y_of(n))}"]
            prev = n
        pts.append(f"{_fmt(x(t1))},{_fmt(y_of(prev))}")
        out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="#1565c0" stroke-width="1.5"/>')
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
    legend = [("waiting", WAIT), ("successful", COLOURS["successful"]), ("failed", COLOURS["failed"]),
              ("lost", COLOURS["lost"]), ("stuck", COLOURS["stuck"])]
    lx = LEFT
    for name, colour in legend:
        out.append(f'<rect x="{lx}" y="{_fmt(height - 18)}" width="12" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 16}" y="{_fmt(height - 9)}">{name}</text>')
        lx += 100
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_html(svg: str, summary: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(summary.get(k)))}</td></tr>"
                   for k in ("host", "process", "jobs", "submitted", "accepted", "failed_submissions", "succeeded",
                             "failed", "lost", "stuck", "max_concurrency", "expected_max_concurrency",
                             "concurrency_source", "drain_seconds", "efficiency", "submit_latency_seconds"))
    violations = "".join(f"<li>{html.escape(v)}</li>" for v in summary.get("violations", [])) or "<li>none</li>"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>oaproc-testkit burst timeline</title>"
            "<style>body{font-family:sans-serif;margin:1em}th{text-align:left;padding-right:1em}</style></head><body>"
            f"<h1>Burst timeline</h1>{svg}<h2>Violations</h2><ul>{violations}</ul><h2>Summary</h2><table>{rows}</table>"
            "</body></html>\n")
