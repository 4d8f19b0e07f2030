"""Campaign scenario: one job per tile of an area (or per row of a file), over one or several servers,
each with its own limit of jobs in flight; a resumable SQLite job database, retries with backoff,
failures grouped by cause, a live status map.

    locust -f loadtests/campaign.py --headless --server http://127.0.0.1:5000,parallel=4 \\
        --process sleep --bbox 0,0,4,4 --tile-size 1 --template '{"inputs": {"seconds": 2}}' \\
        --db campaign.db --report-dir campaign-report --expect-max-concurrency 4

Runs to completion by itself (no -u/-r/-t); with no --server the --host is the one server. Run it
again on the same --db and it resumes (successful tiles are never submitted again, jobs in flight are
re-attached). Writes DIR/summary.json, DIR/failures.md, DIR/map.svg and DIR/map.html (rewritten while
it runs), prints the verdicts and exits non-zero when one fails. The engine is
``oaproc_testkit.campaign`` (the same as ``oaproc-testkit campaign``); every request shows in
Locust's statistics.

Distributed (``--processes 2`` or ``--master``/``--worker``): the master owns the database, deals
the tiles and each server's ``parallel`` among the workers; workers send every change back as it
happens and the master writes it; the verdicts are computed once, on the master.
"""

from __future__ import annotations

import time
from typing import Any

import gevent
from locust import LoadTestShape, User, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

from oaproc_testkit.campaign.db import Attempt, TileRow
from oaproc_testkit.campaign.engine import Engine
from oaproc_testkit.campaign.options import add_options, plan_from, tiles_from
from oaproc_testkit.campaign.plan import CampaignPlan
from oaproc_testkit.campaign.run import Monitor, finish, prepare
from oaproc_testkit.http import Exchange


class State:
    def __init__(self) -> None:
        self.plan: CampaignPlan | None = None
        self.db: Any = None
        self.rows: dict[str, TileRow] = {}
        self.monitor: Monitor | None = None
        self.waiting: set[str] = set()  # workers (or "local") still running their share
        self.deadline: float | None = None
        self.finished = False


STATE = State()


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    add_options(parser)


def _name(ex: Exchange) -> str:
    path = ex.url.split("?")[0]
    if path.endswith("/execution"):
        return "POST /processes/{id}/execution"
    if path.endswith("/results"):
        return "GET /jobs/{id}/results"
    return f"{ex.method} /jobs/{{id}}" if "/jobs/" in path else f"{ex.method} {path}"


def _observer(environment: Any):
    def fire(ex: Exchange) -> None:
        environment.events.request.fire(request_type=ex.method, name=_name(ex), response_time=ex.elapsed * 1000,
                                        response_length=0, context={},
                                        exception=Exception(ex.error) if ex.error or ex.status is None or ex.status >= 500
                                        else None)
    return fire


def _store(row: dict[str, Any], att: dict[str, Any] | None) -> None:
    r = TileRow(**row)
    STATE.rows[r.tile_id] = r
    STATE.db.save(r, Attempt(**att) if att else None)


def _done(who: str) -> None:
    STATE.waiting.discard(who)


@events.init.add_listener
def _init(environment: Any, **_kw: Any) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        runner.register_message("campaign_save", lambda msg, **kw: _store(msg.data["row"], msg.data["attempt"]))
        runner.register_message("campaign_done", lambda msg, **kw: _done(msg.data))
    if isinstance(runner, WorkerRunner):
        runner.register_message("campaign_share", lambda msg, **kw: gevent.spawn(_run_share, environment, msg.data))


def _engine(environment: Any, plan: CampaignPlan, share: dict[str, Any], save: Any) -> Engine:
    rows = [TileRow(**r) for r in share["rows"]]
    attempts = {tid: [Attempt(**a) for a in lst] for tid, lst in share["attempts"].items()}
    return Engine(plan, rows, attempts, bodies=share["bodies"], descriptions=share["descriptions"], save=save,
                  observer=_observer(environment), parallel=share["parallel"])


def _run_share(environment: Any, data: dict[str, Any]) -> None:
    """On a worker: run this worker's tiles, sending every change to the master."""
    plan = CampaignPlan.from_dict(data["plan"])
    runner = environment.runner

    def save(row: TileRow, att: Attempt | None) -> None:
        from dataclasses import asdict

        runner.send_message("campaign_save", {"row": asdict(row), "attempt": asdict(att) if att else None})

    try:
        _engine(environment, plan, data, save).run(deadline=data["deadline"])
    finally:
        runner.send_message("campaign_done", runner.client_id)


@events.test_start.add_listener
def _test_start(environment: Any, **_kw: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return
    opts = environment.parsed_options
    plan = plan_from(opts, host=environment.host)
    prep = prepare(plan, tiles_from(opts))
    STATE.plan, STATE.db = plan, prep.db
    STATE.rows = {r.tile_id: r for r in prep.rows}
    STATE.deadline = time.time() + (plan.job_timeout + 3 * plan.request_timeout) * (plan.retries + 1) + 60 * plan.retries
    STATE.monitor = Monitor(plan, lambda: list(STATE.rows.values()), progress=False).__enter__()
    whole = {"rows": prep.rows, "attempts": prep.attempts, "bodies": prep.bodies, "descriptions": prep.descriptions}
    if not isinstance(runner, MasterRunner):
        STATE.waiting = {"local"}

        def local() -> None:
            def save(row: TileRow, att: Attempt | None) -> None:
                STATE.rows[row.tile_id] = row
                prep.db.save(row, att)

            share = {**whole, "parallel": {s.url: s.parallel for s in plan.servers}}
            share["rows"] = [r.__dict__ for r in prep.rows]
            share["attempts"] = {k: [a.__dict__ for a in v] for k, v in prep.attempts.items()}
            try:
                _engine(environment, plan, share, save).run(deadline=STATE.deadline)
            finally:
                _done("local")

        gevent.spawn(local)
        return
    workers = sorted(runner.clients.keys()) if hasattr(runner.clients, "keys") else list(runner.clients)
    if not workers:
        raise RuntimeError("no Locust workers are connected")
    shares = []
    for idx, client_id in enumerate(workers):  # each server's parallel dealt out: the total stays as given
        parallel = {s.url: s.parallel // len(workers) + (1 if idx < s.parallel % len(workers) else 0) for s in plan.servers}
        if any(parallel.values()):
            shares.append((client_id, parallel))
    STATE.waiting = {c for c, _ in shares}
    for n, (client_id, parallel) in enumerate(shares):
        mine = prep.rows[n::len(shares)]
        share = {"plan": plan.to_dict(), "parallel": parallel, "deadline": STATE.deadline,
                 "rows": [r.__dict__ for r in mine],
                 "attempts": {r.tile_id: [a.__dict__ for a in prep.attempts.get(r.tile_id, [])] for r in mine},
                 "bodies": {r.tile_id: prep.bodies[r.tile_id] for r in mine}, "descriptions": prep.descriptions}
        runner.send_message("campaign_share", share, client_id=client_id)


class CampaignUser(User):
    """Locust needs a user; the campaign's work runs in the engine's workers (greenlets under Locust)."""

    wait_time = constant(1)

    @task
    def idle(self) -> None:
        gevent.sleep(0.5)


class CampaignShape(LoadTestShape):
    """One idle user until every share of the campaign has ended (or the deadline passed)."""

    def tick(self) -> tuple[int, float] | None:
        if STATE.plan is None:
            return (1, 1) if self.get_run_time() < 60 else None
        if not STATE.waiting or (STATE.deadline is not None and time.time() > STATE.deadline):
            return None
        return 1, 1


@events.quitting.add_listener
def _quitting(environment: Any, **_kw: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or STATE.plan is None or STATE.finished:
        return
    STATE.finished = True
    if STATE.monitor is not None:
        STATE.monitor.__exit__(None, None, None)
    summary = finish(STATE.plan, STATE.db, run_end=time.time())
    STATE.db.close()
    environment.process_exit_code = 0 if summary["passed"] else 1
