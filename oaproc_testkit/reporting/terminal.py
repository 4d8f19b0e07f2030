"""The end-of-run summary for people: the conformance matrix and one line per failure (rich)."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import requirements as R
from . import baseline_note


def render_summary(report: dict[str, Any], *, width: int = 120, color: bool = False, verbose: bool = False) -> str:
    """Render the report dict (see ``run_summary``) as text for a terminal.

    Known deviations (failures the baseline excuses) are one counted line; ``verbose`` lists them."""
    buf = io.StringIO()
    console = Console(file=buf, width=max(80, width), force_terminal=color, color_system="standard" if color else None,
                      highlight=False, soft_wrap=True)
    table = Table(title=escape(f"OGC API - Processes 1.0 conformance of {report['server_url']}"))
    for col in ("class", "declared", "passed", "failed", "known", "skipped", "warnings"):
        table.add_column(col, justify="left" if col == "class" else "right")
    declared = set(report.get("declared_classes", []))
    for cls in R.CLASSES:
        c = report["classes"][cls]
        if not any(c.values()):
            continue
        failed = c["fail"] + c["error"]
        table.add_row(cls, "yes" if cls in declared else "no", str(c["pass"]),
                      f"[red]{failed}[/red]" if failed else "0", str(c["known"]), str(c["skip"]), str(c["warn"]))
    console.print(table)
    for cls, why in sorted(report.get("undeclared_but_implemented", {}).items()):
        console.print(escape(f"note: class {cls} is not declared, but {why}"))
    for t in report["tests"]:
        if t["verdict"] in ("fail", "error"):
            for f in t["findings"]:
                if f["severity"] == "failure" or t["verdict"] == "error":
                    console.print(f"[red]FAIL[/red] {t['id']}: {_line(f)}")
    for t in report["tests"]:
        if t["verdict"] == "error" and not t["findings"] and t.get("reason"):
            console.print(escape(f"ERROR {t['id']}: {t['reason']}"))
    for tid, note in sorted(report.get("budget", {}).items()):
        console.print(escape(f"note: {tid}: {note}"))
    known = [t for t in report["tests"] if t["verdict"] == "known"]
    if known and verbose:
        for t in known:
            note = baseline_note(t)
            console.print(escape(f"KNOWN (baseline) {t['id']}: {t['message']}" + (f" (baseline: {note})" if note else "")))
    elif known:
        n = len(known)
        console.print(f"{n} known deviation{'s' if n != 1 else ''} from the baseline (not failing the gate), "
                      f"`-v` lists {'them' if n != 1 else 'it'}")
    for stale in report.get("baseline", {}).get("stale", []):
        console.print(f"STALE baseline entry {stale}: it passes now; remove it from the baseline")
    for t in report["tests"]:
        for f in t["findings"]:
            if f["severity"] == "warning":
                console.print(f"[yellow]WARN[/yellow] {t['id']}: {_line(f)}")
    timing = report.get("timing", {})
    lat, wall = timing.get("request_seconds", 0.0), timing.get("wall_seconds", 0.0)
    ratio = f"{wall / lat:.2f}x" if lat else "n/a"
    critical = timing.get("critical_path_seconds")
    longest = f"; longest single wait {critical:.2f} s" if critical else ""
    console.print(f"{timing.get('requests', 0)} requests, {lat:.2f} s waiting for answers{longest}; "
                  f"wall time {wall:.2f} s ({ratio} the request floor)")
    return buf.getvalue()


def _line(f: dict[str, str]) -> str:
    where = f" {f['method']} {f['url']}" if f["url"] else ""
    return escape(f"[{f['requirement']}]{where}: expected {f['expected']}, got {f['got']}")
