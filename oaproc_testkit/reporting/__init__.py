"""Reports, all rendered from the one result model (``Session.results`` -> the report dict).

``run_summary`` is the canonical serialisation (report.json); junit.xml, summary.md and earl.rdf
are pure functions of it. Secrets are redacted once more on the way to disk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..runner import Session

VERDICTS = ("pass", "fail", "error", "skip", "warn", "known")


def count_classes(tests: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    from .. import requirements as R

    counts = {cls: dict.fromkeys(VERDICTS, 0) for cls in R.CLASSES}
    for t in tests:
        counts[t["class"]][t["verdict"]] += 1
    return counts


def run_summary(session: Session, *, wall: float, baseline: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The canonical serialisation of a conformance run (report.json)."""
    from ..baseline import apply_baseline

    results = sorted(session.results, key=lambda r: r.test.number)
    latencies = [e.elapsed for e in session.http.exchanges]
    try:
        declared = sorted(session.snapshot.declared_classes())
    except Exception:  # the conformance page itself may be what failed; the report still renders
        declared = []
    report: dict[str, Any] = {
        "tool": "oaproc-testkit",
        "server_url": session.settings.redact(session.settings.server_url),
        "declared_classes": declared,
        "undeclared_but_implemented": {k: v for k, v in session.undeclared.items() if v},
        "settings": {
            "timeout": session.settings.timeout,
            "job_timeout": session.settings.job_timeout,
            "processes": list(session.settings.processes),
            "strict": session.settings.strict,
            "schema_pedantic": session.settings.schema_pedantic,
            "headers": [name for name, _ in session.settings.headers],  # names only, never values
            "query": [key for key, _ in session.settings.query],
        },
        "tests": [r.to_dict() for r in results],
        "timing": {
            "wall_seconds": round(wall, 3),
            "requests": len(latencies),
            "request_seconds": round(sum(latencies), 3),
            # the longest single wait (a job from its POST to the end seen, or one answer): the run's floor
            "critical_path_seconds": round(session.critical_path(), 3),
        },
        # processes a result-shape test left out under --max-processes-per-test (test ID -> the note)
        "budget": {r.test.id: n for r in results for n in r.notes if n.startswith("budget:")},
    }
    report["classes"] = count_classes(report["tests"])
    if baseline is not None:
        apply_baseline(report, baseline)
    return report


def baseline_note(test: Mapping[str, Any]) -> str:
    """The baseline's reason for a known deviation, when it says more than today's finding.

    ``oaproc-testkit baseline`` stores the failure line of the day it was written (its URL, port
    and job ids are history); reports show today's finding and keep only a reason a person wrote."""
    reason = str(test.get("baseline_reason") or "").strip()
    if not reason or reason == test.get("message") or reason.startswith(("[/req/", "[/rec/", "[/conf/")):
        return ""
    return reason


# what a missing figure means, in words (Python's None never reaches a person)
_NONE_MEANS = {"expected_max_concurrency": "no limit given", "max_concurrency": "not measured",
               "drain_seconds": "not measured"}


def shown(key: str, value: Any) -> str:
    """A report figure as text for people: None becomes what it means for that figure."""
    if value is None:
        return _NONE_MEANS.get(key, "n/a")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def gate_failed(report: Mapping[str, Any]) -> bool:
    """True when a test failed that the baseline does not excuse."""
    return any(t["verdict"] in ("fail", "error") for t in report["tests"])


def write_reports(report: dict[str, Any], report_dir: str | Path, *, redact: Any = None,
                  started: datetime | None = None) -> Path:
    """Write report.json, junit.xml, summary.md and earl.rdf into ``report_dir``; append the
    Markdown to $GITHUB_STEP_SUMMARY when that is set."""
    from .earl import render_earl
    from .junit import render_junit
    from .markdown import render_markdown

    clean = redact or (lambda s: s)
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    md = clean(render_markdown(report))
    files = {
        "report.json": clean(json.dumps(report, indent=2)) + "\n",
        "junit.xml": clean(render_junit(report)),
        "summary.md": md,
        "earl.rdf": clean(render_earl(report, started=started or datetime.now(timezone.utc))),
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as fh:
            fh.write(md)
    return out
