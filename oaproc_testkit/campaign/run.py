"""One campaign from options to verdict: open (or resume) the database, check the template against
each server's process description, run the engine with a live map and progress display, judge.

Used by ``oaproc-testkit campaign`` and, piece by piece, by ``loadtests/campaign.py``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, RequestFailed
from ..http import Http
from ..jobs import json_or_none
from .db import FINAL, IN_FLIGHT, Attempt, JobDB, TileRow
from .engine import Engine
from .map import write_map
from .plan import CampaignPlan, template_problems
from .report import print_summary, summarize, write_reports
from .tiles import Tile, TileError, fill


@dataclass
class Prepared:
    db: JobDB
    rows: list[TileRow]
    attempts: dict[str, list[Attempt]]
    bodies: dict[str, dict[str, Any]]
    descriptions: dict[str, Mapping[str, Any]]
    resumed: bool


def _fingerprint(tiles: Sequence[Tile]) -> str:
    return hashlib.sha256("\n".join(t.id for t in tiles).encode()).hexdigest()[:16]


def describe(plan: CampaignPlan) -> dict[str, Mapping[str, Any]]:
    """GET /processes/{id} on every server (through the guarded gateway); a ConfigError says why not."""
    out: dict[str, Mapping[str, Any]] = {}
    for spec in plan.servers:
        http = Http(spec.settings(plan.request_timeout))
        url = http.url(f"/processes/{plan.process}")
        try:
            resp = http.get(url)
        except RequestFailed as exc:
            raise ConfigError(f"process description: {exc}") from None
        finally:
            http.close()
        doc = json_or_none(resp)
        if resp.status_code != 200 or not isinstance(doc, Mapping):
            raise ConfigError(f"process description: GET {http.redact(url)}: status {resp.status_code}"
                              + ("" if isinstance(doc, Mapping) else ", not a JSON object"))
        out[spec.url] = doc
    return out


def prepare(plan: CampaignPlan, tiles: Sequence[Tile], *, descriptions: Mapping[str, Mapping[str, Any]] | None = None) -> Prepared:
    """Open or resume the database and fill + check every tile's execute request (nothing is sent yet)."""
    descriptions = dict(descriptions if descriptions is not None else describe(plan))
    bodies: dict[str, dict[str, Any]] = {}
    for t in tiles:
        bodies[t.id] = fill(plan.template, t.values(plan.crs))
    for url, desc in descriptions.items():
        for t in tiles:
            problems = template_problems(desc, bodies[t.id])
            if problems:
                raise TileError(f"template for tile {t.id} does not fit process {plan.process!r} on {url}: "
                                + "; ".join(problems[:3]))
    db = JobDB(plan.db)
    identity = {"process": plan.process, "template": plan.template, "tiles": _fingerprint(tiles)}
    stored = db.meta("campaign")
    if stored is not None and stored != identity:
        db.close()
        diff = [k for k in identity if stored.get(k) != identity[k]]
        raise ConfigError(f"--db {plan.db} holds another campaign (different {', '.join(diff)}); "
                          "use a new --db or the same tiles, process and template")
    if stored is None:
        db.set_meta("campaign", identity)
    db.add_tiles(list(tiles))
    rows = db.tiles()
    attempts: dict[str, list[Attempt]] = {}
    for a in db.attempts():
        attempts.setdefault(a.tile_id, []).append(a)
    return Prepared(db, rows, attempts, bodies, descriptions, stored is not None)


class Monitor:
    """Rewrites the map every ``every`` seconds and drives the rich progress display."""

    def __init__(self, plan: CampaignPlan, rows: Callable[[], Sequence[TileRow]], *, progress: bool) -> None:
        self.plan, self.rows, self.show = plan, rows, progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="campaign-monitor", daemon=True)
        self.progress: Any = None
        self.task: Any = None
        self.t0 = time.time()
        self.done0: int | None = None

    def __enter__(self) -> Monitor:
        if self.show:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("campaign"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[info]}"), TimeElapsedColumn())
            self.task = self.progress.add_task("", total=len(self.rows()), info="")
            self.progress.start()
        self.tick()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.tick()
        if self.progress is not None:
            self.progress.stop()

    def _loop(self) -> None:
        while not self._stop.wait(self.plan.map_every):
            self.tick()

    def tick(self) -> None:
        rows = list(self.rows())
        write_map(rows, Path(self.plan.report_dir), title=f"campaign · {self.plan.process}", final=False)
        if self.progress is None:
            return
        done = sum(1 for r in rows if r.status == "successful")
        failed = sum(1 for r in rows if r.status in FINAL and r.status != "successful")
        flying = sum(1 for r in rows if r.status in IN_FLIGHT)
        if self.done0 is None:
            self.done0 = done
        elapsed = max(1e-6, time.time() - self.t0)
        rate = (done - self.done0) / elapsed
        left = len(rows) - done - failed
        eta = f"{left / rate:.0f} s" if rate > 0 else "?"
        self.progress.update(self.task, completed=done + failed,
                             info=f"ok {done} · in flight {flying} · failed {failed} · {rate * 60:.1f}/min · ETA {eta}")


def finish(plan: CampaignPlan, db: JobDB, *, run_end: float, show: bool = True) -> dict[str, Any]:
    rows, attempts = db.tiles(), db.attempts()
    summary = summarize(plan, rows, attempts, run_end=run_end)
    summary["db"] = str(plan.db)
    summary["db_bytes"] = Path(plan.db).stat().st_size if Path(plan.db).exists() else None
    out = Path(plan.report_dir)
    write_reports(summary, out)
    write_map(rows, out, title=f"campaign · {plan.process}", final=True)
    if show:
        print_summary(summary, out)
    return summary


def run_campaign(plan: CampaignPlan, tiles: Sequence[Tile], *, progress: bool = True, show: bool = True,
                 deadline: float | None = None) -> dict[str, Any]:
    """The whole campaign; returns the summary (``passed`` is the verdict). Raises ConfigError/TileError."""
    prep = prepare(plan, tiles)
    try:
        engine = Engine(plan, prep.rows, prep.attempts, bodies=prep.bodies, descriptions=prep.descriptions,
                        save=prep.db.save)
        if show and prep.resumed:
            todo = sum(1 for r in prep.rows if r.status != "successful")
            flying = sum(len(s.attach) for s in engine.servers.values())
            print(f"resuming {plan.db}: {len(prep.rows) - todo} tile(s) already successful, {flying} job(s) "
                  f"re-attached, {todo - flying} tile(s) to run")
        with Monitor(plan, lambda: list(engine.rows.values()), progress=progress):
            try:
                engine.run(deadline=deadline)
            except KeyboardInterrupt:
                engine.stop()
                raise
        return finish(plan, prep.db, run_end=time.time(), show=show)
    finally:
        prep.db.close()

