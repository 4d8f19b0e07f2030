"""Burst scenario: fire N asynchronous executions at an OGC API - Processes server, follow every job to
its end, and prove from the job timeline that the job manager kept its concurrency limit.

    locust -f loadtests/burst.py --headless --host http://127.0.0.1:5000 \\
        --process sleep --inputs '{"seconds": 2}' --jobs 50 --expect-max-concurrency 5

Runs to completion by itself (no -u/-r/-t): a load shape spawns ``--submit-concurrency`` users
(default: one per job, a true burst released together), each user submits jobs from its queue and
hands each job to a follower greenlet; the run stops when every job is settled or the deadline passed.
Writes DIR/jobs.jsonl (as it happens), DIR/summary.json, DIR/timeline.svg and DIR/timeline.html, prints
the verdicts and exits 1 on a proven concurrency violation, a lost, stuck or unreadable job, more failed
jobs or submissions than allowed; 2 when the burst could not run. ``--burst-help`` lists the options
(Locust's ``--help`` is printed before this file is read); each has an environment variable.

Every request goes through the suites' guarded gateway (``oaproc_testkit.load.client``): the server's
own origin only, one deadline per request (``--request-timeout``), a cap on the decoded body; Locust
sees each exchange as a request event (its statistics, ``--html``).

Distributed (``--processes 2`` or ``--master``/``--worker``): the master plans the burst and deals
job indices to the workers; each job is tracked by exactly one worker, whose records reach the master
as custom messages as they happen; the verdicts are computed once, on the master.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from gevent.queue import Empty, Queue
from locust import LoadTestShape, User, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

from oaproc_testkit.load import plan as P
from oaproc_testkit.load.client import GuardedClient
from oaproc_testkit.load.follow import follow_job, submit_job
from oaproc_testkit.load.model import JobRecord, JsonlLog
from oaproc_testkit.load.reconcile import find_orphans
from oaproc_testkit.load.report import finish_run


class State:
    """What this process knows of the burst (master, worker or a single local process)."""

    def __init__(self) -> None:
        self.plan: P.BurstPlan | None = None
        self.queue: Queue[int] = Queue()
        self.go = Event()  # set once the plan is here and every submitter has spawned: the burst's release
        self.spawned = 0  # submitters spawned in this process so far
        self.records: dict[int, JobRecord] = {}
        self.log: JsonlLog | None = None
        self.started_at: float | None = None
        self.hard_deadline: float | None = None
        self.finished = False
        self.clients: list[GuardedClient] = []
        self.environment: Any = None


STATE = State()


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    P.add_options(parser)


def _record(rec: JobRecord, environment: Any) -> None:
    """Keep a record here (local/master) or send it to the master (worker)."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message("oaproc_record", rec.to_dict())
    else:
        _store(rec)


def _store(rec: JobRecord) -> None:
    old = STATE.records.get(rec.index)
    if old is not None and old.phase == "final" and rec.phase != "final":
        return
    STATE.records[rec.index] = rec
    if STATE.log is not None:
        STATE.log.write(rec)


class _NoSpawnRateWarning(logging.Filter):
    """The burst spawns every submitter at once on purpose; Locust's warning about that is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "spawn rate is very high" not in record.getMessage()


@events.init.add_listener
def _init(environment: Any, **_kw: Any) -> None:
    runner = environment.runner
    STATE.environment = environment
    opts = environment.parsed_options
    logging.getLogger("locust.runners").addFilter(_NoSpawnRateWarning())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    if opts is not None and not getattr(opts, "locust_tables", False):
        logging.getLogger("locust.stats_logger").disabled = True  # Locust's tables: --locust-tables
    if isinstance(runner, MasterRunner):
        runner.register_message("oaproc_record", lambda msg, **kw: _store(JobRecord.from_dict(msg.data)))
    if isinstance(runner, WorkerRunner):
        runner.register_message("oaproc_plan", lambda msg, **kw: _take_plan(P.BurstPlan.from_dict(msg.data)))


def _client(plan: P.BurstPlan) -> GuardedClient:
    def hook(method: str, name: str, seconds: float, length: int, error: str | None, status: int) -> None:
        env = STATE.environment
        if env is not None:
            env.events.request.fire(request_type=method, name=name, response_time=seconds * 1000.0,
                                    response_length=length, exception=RuntimeError(error) if error else None,
                                    context={"status": status}, response=None, url=name)

    return GuardedClient(host=plan.host, headers=plan.headers, query=plan.query, request_timeout=plan.request_timeout,
                         on_request=hook)


CONNECTIONS_PER_CLIENT = 32  # httpcore's pool does per-request work over all its connections: keep pools small


def _take_plan(plan: P.BurstPlan) -> None:
    STATE.plan = plan
    shards = max(1, min(64, _my_submitters(plan) // CONNECTIONS_PER_CLIENT))
    STATE.clients = [_client(plan) for _ in range(shards)]
    for i in plan.indices:
        STATE.queue.put(i)
    if STATE.spawned >= _my_submitters(plan):
        STATE.go.set()


@events.test_start.add_listener
def _test_start(environment: Any, **_kw: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return  # the master deals the work
    opts = environment.parsed_options
    try:
        plan = P.make_plan(opts, environment.host)
    except P.PlanError as exc:
        print(f"burst cannot run: {exc}", file=sys.stderr)
        environment.process_exit_code = 2
        gevent.spawn_later(0, runner.quit)
        return
    out = Path(plan.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    STATE.log = JsonlLog(out / "jobs.jsonl")
    STATE.started_at = time.time()
    STATE.hard_deadline = STATE.started_at + plan.hard_limit()
    for i in range(plan.jobs):
        STATE.records[i] = JobRecord(index=i)
    if isinstance(runner, MasterRunner):
        workers = sorted(runner.clients.keys()) if hasattr(runner.clients, "keys") else list(runner.clients)
        if not workers:
            print("burst cannot run: no Locust workers are connected", file=sys.stderr)
            environment.process_exit_code = 2
            gevent.spawn_later(0, runner.quit)
            return
        for n, client_id in enumerate(workers):
            share = plan.with_indices(list(range(n, plan.jobs, len(workers))))
            runner.send_message("oaproc_plan", share.to_dict(), client_id=client_id)
        STATE.plan = plan
    else:
        _take_plan(plan)


@events.spawning_complete.add_listener
def _spawned(user_count: int = 0, **_kw: Any) -> None:
    """Release the burst once this process has all its submitters (not the first one the shape starts
    with before the plan exists)."""
    STATE.spawned = user_count
    plan = STATE.plan
    if plan is not None and user_count >= _my_submitters(plan):
        STATE.go.set()


def _my_submitters(plan: P.BurstPlan) -> int:
    share = len(plan.indices) / max(1, plan.jobs)  # a worker's share of the burst
    return max(1, int(plan.submit_concurrency * share))


class BurstUser(User):
    """Submits jobs from this process's queue; each submitted job gets its own follower greenlet."""

    wait_time = constant(0)

    def on_start(self) -> None:
        STATE.go.wait(timeout=30)

    @task
    def submit_next(self) -> None:
        plan = STATE.plan
        if plan is None or not STATE.clients:
            gevent.sleep(0.2)
            return
        try:
            index = STATE.queue.get(timeout=0.5)
        except Empty:
            return
        client = STATE.clients[index % len(STATE.clients)]  # the job's submission and its polls
        rec = JobRecord(index=index, worker=os.environ.get("HOSTNAME", "") + f"/{os.getpid()}")
        submit_job(client, rec, base=plan.host, process=plan.process, body=plan.body)
        _record(rec, self.environment)
        gevent.spawn(self._follow, client, rec, plan)

    def _follow(self, client: GuardedClient, rec: JobRecord, plan: P.BurstPlan) -> None:
        follow_job(client, rec, job_timeout=plan.job_timeout, poll_max=plan.poll_max, sleep=gevent.sleep)
        rec.phase = "final"
        _record(rec, self.environment)


class BurstShape(LoadTestShape):
    """Spawn the submitters all at once; stop when every job is settled or the deadline passed."""

    def tick(self) -> tuple[int, float] | None:
        plan = STATE.plan
        if plan is None:
            return (1, 1) if self.get_run_time() < 60 else None
        settled = sum(1 for r in STATE.records.values() if r.phase == "final" or (r.phase == "submitted" and not r.accepted))
        if settled >= plan.jobs or (STATE.hard_deadline is not None and time.time() > STATE.hard_deadline):
            return None
        users = plan.submit_concurrency
        return users, float(users) * 1000.0  # spawn them all at once; they are released together


@events.quitting.add_listener
def _quitting(environment: Any, **_kw: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or STATE.plan is None or STATE.finished:
        return
    STATE.finished = True
    if STATE.log is not None:
        STATE.log.close()
    run_end = time.time()
    records = list(STATE.records.values())
    orphans = _reconcile(STATE.plan, records, run_end)
    ok = finish_run(STATE.plan, records, run_end=run_end, orphans=orphans)
    environment.process_exit_code = 0 if ok else 1


def _reconcile(plan: P.BurstPlan, records: list[JobRecord], run_end: float) -> dict[str, Any] | None:
    """Orphans, looked for only when some submission got no job back (else every job is accounted for)."""
    if all(r.accepted for r in records if r.submit_at is not None) or STATE.started_at is None:
        return None
    client = STATE.clients[0] if STATE.clients else _client(plan)
    with gevent.Timeout(max(10.0, 3 * plan.request_timeout), False):
        return find_orphans(client, host=plan.host, process=plan.process, since=STATE.started_at, until=run_end,
                            known_ids=[r.job_id for r in records if r.job_id])
    return {"checked": False, "count": 0, "job_ids": [], "pages": 0, "note": "reading /jobs took too long"}


if __name__ == "__main__":  # `python loadtests/burst.py`: the burst's options, without Locust's
    import argparse

    _parser = argparse.ArgumentParser(prog="locust -f loadtests/burst.py")
    P.add_options(_parser)
    print(P.burst_help(_parser))
