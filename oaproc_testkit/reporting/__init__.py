"""Reports rendered from the one result model (``Session.results``): JSON, terminal, and more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..runner import Session


def run_summary(session: Session, *, wall: float) -> dict[str, Any]:
    """The canonical serialisation of a conformance run (report.json)."""
    from .. import requirements as R

    results = sorted(session.results, key=lambda r: r.test.number)
    by_class: dict[str, dict[str, int]] = {}
    for cls in R.CLASSES:
        by_class[cls] = {"pass": 0, "fail": 0, "skip": 0, "warn": 0, "error": 0}
    for r in results:
        by_class[r.test.conf_class][r.outcome.value] += 1
    latencies = [e.elapsed for e in session.http.exchanges]
    try:
        declared = sorted(session.snapshot.declared_classes())
    except Exception:  # the conformance page itself may be what failed; the report still renders
        declared = []
    return {
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
        },
        "classes": by_class,
        "tests": [r.to_dict() for r in results],
        "timing": {
            "wall_seconds": round(wall, 3),
            "requests": len(latencies),
            "request_seconds": round(sum(latencies), 3),
        },
    }


def write_reports(session: Session, report_dir: str | Path, *, wall: float, extra: dict[str, Any] | None = None) -> Path:
    """Write report.json (and further formats registered here) into ``report_dir``."""
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = run_summary(session, wall=wall)
    if extra:
        data.update(extra)
    text = session.settings.redact(json.dumps(data, indent=2, sort_keys=False))
    (out / "report.json").write_text(text + "\n", encoding="utf-8")
    return out
