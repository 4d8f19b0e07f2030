"""The end-of-run summary for people: a table per conformance class and one line per failure."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .. import requirements as R
from ..results import Outcome

if TYPE_CHECKING:
    from ..runner import Session


def render_summary(session: Session, *, wall: float, width: int = 120) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=max(80, width), force_terminal=False, color_system=None, highlight=False)
    results = sorted(session.results, key=lambda r: r.test.number)
    try:
        declared = session.snapshot.declared_classes()
    except Exception:  # the conformance page itself may be what failed
        declared = set()
    table = Table(title=f"{session.settings.redact(session.settings.server_url)}", show_lines=False)
    for col in ("class", "declared", "passed", "failed", "skipped", "warnings"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for cls in R.CLASSES:
        rs = [r for r in results if r.test.conf_class == cls]
        if not rs:
            continue
        count = lambda *o: sum(1 for r in rs if r.outcome in o)  # noqa: E731
        table.add_row(cls, "yes" if cls in declared else "no", str(count(Outcome.PASSED)),
                      str(count(Outcome.FAILED, Outcome.ERROR)), str(count(Outcome.SKIPPED)), str(count(Outcome.WARNING)))
    console.print(table)
    for cls, why in sorted(session.undeclared.items()):
        if why:
            console.print(f"note: class {cls} is not declared, but {why}")
    failures = [r for r in results if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
    if failures:
        console.print(f"{len(failures)} failing abstract tests:")
        for r in failures:
            for f in r.failures or r.findings:
                console.print(f"  FAIL {r.test.id}: {f.headline}", soft_wrap=True)
    warned = [r for r in results if r.warnings]
    for r in warned:
        for f in r.warnings:
            console.print(f"  WARN {r.test.id}: {f.headline}", soft_wrap=True)
    lat = sum(e.elapsed for e in session.http.exchanges)
    n = len(session.http.exchanges)
    ratio = f"{wall / lat:.2f}x" if lat > 0 else "n/a"
    console.print(f"{n} requests, {lat:.2f} s spent waiting for answers; wall time {wall:.2f} s ({ratio} the request floor)")
    return session.settings.redact(buf.getvalue())
