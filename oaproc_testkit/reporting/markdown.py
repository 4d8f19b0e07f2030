"""Markdown summary for CI pages (GitHub's step summary and friends)."""

from __future__ import annotations

from typing import Any

from .. import requirements as R
from . import baseline_note, shown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    lines = [f"# OGC API - Processes conformance: {report['server_url']}", ""]
    lines += ["| class | declared | passed | failed | known | skipped | warnings |", "|---|---|---:|---:|---:|---:|---:|"]
    declared = set(report.get("declared_classes", []))
    for cls in R.CLASSES:
        tests = [t for t in report["tests"] if t["class"] == cls]
        if not tests:
            continue
        c = lambda *v: sum(1 for t in tests if t["verdict"] in v)  # noqa: E731
        lines.append(f"| {cls} | {'yes' if cls in declared else 'no'} | {c('pass')} | {c('fail', 'error')} | "
                     f"{c('known')} | {c('skip')} | {c('warn')} |")
    for cls, why in sorted(report.get("undeclared_but_implemented", {}).items()):
        lines += ["", f"Note: class `{cls}` is not declared, but {why}."]
    failing = [t for t in report["tests"] if t["verdict"] in ("fail", "error")]
    if failing:
        lines += ["", "## Failures", "", "| test | requirement | request | expected | got |", "|---|---|---|---|---|"]
        for t in failing:
            for f in t["findings"]:
                if f["severity"] == "failure":
                    lines.append(f"| `{t['id']}` | `{f['requirement']}` | {_cell(f['method'] + ' ' + f['url'])} | "
                                 f"{_cell(f['expected'])} | {_cell(f['got'])} |")
    known = [t for t in report["tests"] if t["verdict"] == "known"]
    if known:
        lines += ["", "## Known deviations (listed in the baseline, not failing the gate)", ""]
        for t in known:
            note = baseline_note(t)
            lines.append(f"- `{t['id']}`: {_cell(t['message'])}" + (f" (baseline: {_cell(note)})" if note else ""))
    stale = report.get("baseline", {}).get("stale", [])
    if stale:
        lines += ["", "## Stale baseline entries (now passing: remove them)", ""] + [f"- `{s}`" for s in stale]
    warned = [t for t in report["tests"] if t["verdict"] == "warn"]
    if warned:
        lines += ["", "## Warnings (recommendations)", ""]
        for t in warned:
            lines += [f"- `{t['id']}`: {_cell(t['message'])}"]
    burst = report.get("burst")
    if burst:
        lines += ["", "## Burst load verdicts", "", "| measure | value |", "|---|---|"]
        for key in ("jobs", "submitted", "accepted", "failed_submissions", "succeeded", "failed", "lost", "stuck",
                    "max_concurrency", "expected_max_concurrency", "drain_seconds"):
            if key in burst:
                lines.append(f"| {key} | {_cell(shown(key, burst[key]))} |")
        for v in burst.get("violations", []):
            lines.append(f"| violation | {_cell(str(v))} |")
    timing = report.get("timing", {})
    if timing:
        lines += ["", f"{timing.get('requests', 0)} requests; {timing.get('request_seconds', 0)} s waiting for answers; "
                      f"wall {timing.get('wall_seconds', 0)} s."]
    return "\n".join(lines) + "\n"
