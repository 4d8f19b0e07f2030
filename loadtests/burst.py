"""Burst scenario: fire N asynchronous executions at an OGC API - Processes server, follow every job to
its end, and prove from the job timeline that the job manager kept its concurrency limit.

    locust -f loadtests/burst.py --headless --host http://127.0.0.1:5000 \\
        --process sleep --inputs '{"seconds": 2}' --jobs 50 --expect-max-concurrency 5

Runs to completion by itself (no -u/-r/-t): a load shape spawns ``--submit-concurrency`` users
(default: one per job, a true burst released together), each user submits jobs from its queue and
hands each job to a follower greenlet; the run stops when every job is settled or the deadline passed.
Writes DIR/jobs.jsonl (as it happens), DIR/summary.json, DIR/timeline.svg and DIR/timeline.html, prints
the verdicts and exits non-zero on a concurrency violation, a lost or stuck job, or more failed
submissions than allowed. Every option has an environment variable (OAPROC_JOBS, ...).

Distributed (``--processes 2`` or ``--master``/``--worker``): the master plans the burst and deals
job indices to the workers; each job is tracked by exactly one worker, whose records reach the master
as custom messages as they happen; the verdicts are computed once, on the master.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from gevent.queue import Empty, Queue
from locust import LoadTestShape, constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import MasterRunner, WorkerRunner

from oaproc_testkit.load import plan as P
from oaproc_testkit.load.follow import Answer, follow_job, submit_job
from oaproc_testkit.load.model import JobRecord, JsonlLog
from oaproc_testkit.load.report import finish_run


class State:
    """What this process knows of the burst (master, worker or a single local process)."""

    def __init__(self) -> None:
        self.plan: P.BurstPlan | None = None
        self.queue: Queue[int] = Queue()
        self.go = Event()  # set once the plan is here and every submitter has spawned: the burst's release
        self.spawned = False
        self.records: dict[int, JobRecord] = {}
        self.log: JsonlLog | None = None
        self.started_at: float | None = None
        self.hard_deadline: float | None = None
        self.finished = False


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


@events.init.add_listener
def _init(environment: Any, **_kw: Any) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        runner.register_message("oaproc_record", lambda msg, **kw: _store(JobRecord.from_dict(msg.data)))
    if isinstance(runner, WorkerRunner):
        runner.register_message("oaproc_plan", lambda msg, **kw: _take_plan(P.BurstPlan.from_dict(msg.data)))


def _take_plan(plan: P.BurstPlan) -> None:
    STATE.plan = plan
    for i in plan.indices:
        STATE.queue.put(i)
    if STATE.spawned:
        STATE.go.set()


@events.test_start.add_listener
def _test_start(environment: Any, **_kw: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return  # the master deals the work
    opts = environment.parsed_options
    plan = P.make_plan(opts, environment.host)
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
            raise P.PlanError("no Locust workers are connected")
        for n, client_id in enumerate(workers):
            share = plan.with_indices(list(range(n, plan.jobs, len(workers))))
            runner.send_message("oaproc_plan", share.to_dict(), client_id=client_id)
        STATE.plan = plan
    else:
        _take_plan(plan)


@events.spawning_complete.add_listener
def _spawned(**_kw: Any) -> None:
    STATE.spawned = True
    if STATE.plan is not None:
        STATE.go.set()


class _LocustClient:
    """follow.Client on Locust's FastHttpSession: expected answers are successes in Locust's stats."""

    def __init__(self, user: FastHttpUser, plan: P.BurstPlan) -> None:
        self.user, self.plan = user, plan

    def request(self, method: str, url: str, *, body: Any = None, headers: Any = None, name: str,
                expected: tuple[int, ...]) -> Answer:
        hdrs = {**self.plan.header_map(), **(headers or {})}
        start = time.monotonic()
        with self.user.client.request(method, self.plan.with_query(url), name=name, json=body, headers=hdrs,
                                      catch_response=True) as resp:
            status = int(resp.status_code or 0)
            if status in expected:
                resp.success()
            else:
                resp.failure(f"status {status}" if status else f"no answer: {resp.error}")
            text = resp.text or "" if status else ""
            headers = {_text(k): _text(v) for k, v in (resp.headers or {}).items()}
            return Answer(status, headers, text, time.monotonic() - start,
                          "" if status else str(resp.error or "no answer"))


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


class BurstUser(FastHttpUser):
    """Submits jobs from this process's queue; each submitted job gets its own follower greenlet."""

    wait_time = constant(0)

    def on_start(self) -> None:
        STATE.go.wait(timeout=30)
        if STATE.plan is not None:
            self.network_timeout = self.connection_timeout = STATE.plan.request_timeout

    @task
    def submit_next(self) -> None:
        plan = STATE.plan
        if plan is None:
            gevent.sleep(0.2)
            return
        try:
            index = STATE.queue.get(timeout=0.5)
        except Empty:
            return
        rec = JobRecord(index=index, worker=os.environ.get("HOSTNAME", "") + f"/{os.getpid()}")
        client = _LocustClient(self, plan)
        submit_job(client, rec, base=self.host, process=plan.process, body=plan.body)
        _record(rec, self.environment)
        gevent.spawn(self._follow, client, rec, plan)

    def _follow(self, client: _LocustClient, rec: JobRecord, plan: P.BurstPlan) -> None:
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
    ok = finish_run(STATE.plan, list(STATE.records.values()), run_end=time.time())
    environment.process_exit_code = 0 if ok else 1
