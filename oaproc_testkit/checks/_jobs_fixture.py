"""Jobs created once per run for the job-list, callback and dismiss checks (Annex A tests 64-82).

``job_set(ctx)`` submits a few asynchronous jobs (cached per run through ``ctx.session.shared``):
a short job of up to two different processes (expected to end ``successful``), a job of a
process that looks built to fail (expected ``failed``), and a job of a process with a delay
input kept ``running`` for a while. ``slow_job(ctx)`` adds a job of the delay process that
ends after a few seconds (for the duration filters). Roles are taken from what the server reports, never from
what was hoped for: a "failing" job that succeeds simply counts as another successful job.
``start_running_job(session)`` starts a fresh delayed job (used by dismiss, never shared).

Processes are picked from their descriptions: async capability from ``jobControlOptions``,
a delay from a numeric input named like ``pause`` (the OGC test-suite convention), ``delay``,
``sleep``, ``duration``, ``wait`` or ``seconds``, a failure from a boolean input such as
``fail`` or a process ID/title that says it fails. Every wait is bounded by ``--job-timeout``.
The fixture records no findings: checks that need a kind of job the server could not give
skip and say why (``JobSet.missing``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..discovery import Unavailable
from ..errors import RequestFailed
from ..jobs import TERMINAL, Submission, execute, json_or_none
from .._oas_values import PatternTooCostly

if TYPE_CHECKING:
    from ..runner import CheckContext, Session

DELAY_NAMES = ("pause", "delay", "sleep", "duration", "wait", "seconds", "sleep_time", "delay_seconds", "time")
FAIL_INPUT_NAMES = ("fail", "should_fail", "raise", "raise_error", "error", "throw", "crash", "fail_on_purpose")
FAIL_WORDS = re.compile(r"(^|[^a-z])(fail|failing|failure|error|raise|crash|broken)([^a-z]|$)", re.I)
RUNNING_DELAY_S = 30.0  # long enough to stay running while the job-list checks look at it
SLOW_DELAY_S = 3.0  # a finished job clearly longer than the short ones (duration filters)
START_WAIT_S = 10.0  # longest wait for a delayed job to leave "accepted"
ASYNC = "respond-async"


@dataclass
class KnownJob:
    """A job this run created: its process, ID, status URL and the last statusInfo seen."""

    role: str  # "successful", "failed", "running" (as observed) or "other"
    process_id: str
    job_id: str
    url: str
    doc: dict[str, Any] = field(default_factory=dict)
    sent_at: float | None = None  # when its POST was sent (session clock)

    @property
    def status(self) -> str | None:
        value = self.doc.get("status")
        return value if isinstance(value, str) else None


@dataclass
class JobSet:
    """The jobs created for this run and, per missing kind of job, the reason it is missing."""

    jobs: list[KnownJob] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # role -> why there is no such job
    notes: list[str] = field(default_factory=list)

    def with_role(self, role: str) -> list[KnownJob]:
        return [j for j in self.jobs if j.role == role]

    @property
    def terminal(self) -> list[KnownJob]:
        return [j for j in self.jobs if j.status in TERMINAL]

    def why_none(self) -> str:
        """A one-line reason why the run has no jobs at all."""
        return "; ".join(f"{k}: {v}" for k, v in self.missing.items()) or "no job could be created"


@dataclass(frozen=True)
class ProcessPlan:
    """How to execute one process for a given role: its ID and the body to send."""

    process_id: str
    body: dict[str, Any]


@dataclass
class Plans:
    """The processes a run can use, by role, and why some could not be used."""

    short: list[ProcessPlan] = field(default_factory=list)  # expected to end successful at once
    failing: ProcessPlan | None = None  # expected to end failed
    delayed: ProcessPlan | None = None  # kept running for RUNNING_DELAY_S
    slow: ProcessPlan | None = None  # expected to end successful after SLOW_DELAY_S (distinct durations)
    notes: list[str] = field(default_factory=list)


# -- picking processes and building bodies ---------------------------------------------------------
def is_async_capable(session: Session, process_id: str) -> bool:
    """The process lists ``async-execute`` (a process listing nothing is tried as well)."""
    opts = session.snapshot.job_control(process_id)
    return not opts or "async-execute" in opts


def _inputs_of(description: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    inputs = description.get("inputs")
    if isinstance(inputs, Mapping):
        return {k: v for k, v in inputs.items() if isinstance(v, Mapping)}
    if isinstance(inputs, list):  # some servers send the pre-1.0 list form; tolerate it for picking
        return {str(i.get("id")): i for i in inputs if isinstance(i, Mapping) and i.get("id")}
    return {}


def _schema_type(inp: Mapping[str, Any]) -> str | None:
    schema = inp.get("schema")
    if not isinstance(schema, Mapping):
        return None
    t = schema.get("type")
    if isinstance(t, str):
        return t
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key) or []:
            if isinstance(sub, Mapping) and isinstance(sub.get("type"), str):
                return str(sub["type"])
    return None


def delay_input(description: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(name, schema) of a numeric delay input (``pause``, ``delay``, ...), or None."""
    for name, inp in _inputs_of(description).items():
        if name.lower() in DELAY_NAMES and _schema_type(inp) in ("integer", "number"):
            schema = inp.get("schema")
            return name, schema if isinstance(schema, Mapping) else {}
    return None


def fail_input(description: Mapping[str, Any]) -> str | None:
    """Name of a boolean input that asks the process to fail (``fail``, ``raise``, ...), or None."""
    for name, inp in _inputs_of(description).items():
        if name.lower() in FAIL_INPUT_NAMES and _schema_type(inp) == "boolean":
            return name
    return None


def looks_failing(description: Mapping[str, Any]) -> bool:
    """The process ID or title says the process fails (e.g. ``fail``, ``always-error``)."""
    words = f"{description.get('id', '')} {description.get('title', '')}"
    return bool(FAIL_WORDS.search(words.replace("_", " ").replace("-", " ")))


def delay_value(schema: Mapping[str, Any], wanted: float) -> int | float:
    """``wanted`` seconds clamped to the input's declared minimum/maximum (integer if the input is)."""
    value: float = wanted
    for key, pick in (("maximum", min), ("minimum", max)):
        bound = schema.get(key)
        if isinstance(bound, (int, float)) and not isinstance(bound, bool):
            value = pick(value, float(bound))
    if schema.get("type") == "integer":
        return int(math.ceil(value)) if value > 0 else int(value)
    return value


def body_for(description: Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """A valid execute body for ``description`` with some inputs overridden; None if none can be built."""
    from ..inputs import build_execute_request

    try:
        body = build_execute_request(description, inputs=dict(overrides or {}))
    except (ValueError, KeyError, TypeError, PatternTooCostly):  # a pattern too costly to use: no body
        return None
    return {**body, **(extra or {})}


def plan_processes(session: Session) -> Plans:
    """Which process to use for each role (first match in the process list wins)."""
    plans = Plans()
    for pid, desc in session.snapshot.descriptions().items():
        if not is_async_capable(session, pid):
            continue
        delay = delay_input(desc)
        fail_name = fail_input(desc)
        quick = {delay[0]: delay_value(delay[1], 0)} if delay else {}
        if plans.failing is None and (fail_name or looks_failing(desc)):
            body = body_for(desc, {**quick, fail_name: True} if fail_name else quick)
            if body is not None:
                plans.failing = ProcessPlan(pid, body)
                if not fail_name:
                    continue  # a process that always fails is no use for a successful job
        base: dict[str, Any] = {fail_name: False} if fail_name else {}
        if plans.delayed is None and delay is not None:
            running = body_for(desc, {**base, delay[0]: delay_value(delay[1], RUNNING_DELAY_S)})
            slow = body_for(desc, {**base, delay[0]: delay_value(delay[1], SLOW_DELAY_S)})
            if running is not None and slow is not None:
                plans.delayed, plans.slow = ProcessPlan(pid, running), ProcessPlan(pid, slow)
        if len(plans.short) < 2:
            body = body_for(desc, {**base, **quick})
            if body is None:
                plans.notes.append(f"no execute request could be built for process {pid!r}")
            else:
                plans.short.append(ProcessPlan(pid, body))
    return plans


# -- creating jobs ---------------------------------------------------------------------------------
def job_id_of(sub: Submission) -> str | None:
    doc = sub.status_doc
    if isinstance(doc, Mapping) and isinstance(doc.get("jobID"), str):
        return str(doc["jobID"])
    if sub.job_url:
        tail = sub.job_url.rstrip("/").rsplit("/", 1)[-1]
        return tail or None
    return None


def submit(session: Session, plan: ProcessPlan, role: str) -> tuple[KnownJob | None, str]:
    """POST the plan with ``Prefer: respond-async``; (the job, "") or (None, why no job came)."""
    session.check_deadline()
    try:
        sub = execute(session.http, plan.process_id, plan.body, prefer=ASYNC)
    except RequestFailed as exc:
        return None, f"POST {exc.url}: {exc.reason}"
    if sub.mode == "async":
        session.observe_status(sub.url, sub.status_doc)
    job_id = job_id_of(sub)
    if sub.job_url is None or job_id is None:
        return None, (f"POST {sub.url} answered {sub.response.status_code} ({sub.mode}) "
                      "without a job URL (no Location, jobID or monitor link)")
    doc = sub.status_doc if isinstance(sub.status_doc, Mapping) else {}
    return KnownJob(role=role, process_id=plan.process_id, job_id=job_id, url=sub.job_url, doc=dict(doc),
                    sent_at=sub.sent_at), ""


def refresh(session: Session, job: KnownJob) -> dict[str, Any] | None:
    """GET the job's status now; the statusInfo (also stored on ``job``) or None."""
    try:
        resp = session.http.get(job.url)
    except RequestFailed:
        return None
    doc = json_or_none(resp)
    if resp.status_code == 200 and isinstance(doc, Mapping):
        session.observe_status(job.url, doc)
        job.doc = dict(doc)
        return job.doc
    return None


def _wait_until_started(session: Session, job: KnownJob, deadline_s: float) -> None:
    trace = session.follow_job(job.url, label=job.process_id, deadline_s=deadline_s,
                               until=lambda status: status != "accepted")
    if isinstance(trace.last_doc, Mapping):
        job.doc = dict(trace.last_doc)


def build_job_set(session: Session) -> JobSet:
    """Submit the jobs (all at once), then wait for the finite ones to end; bounded by --job-timeout."""
    out = JobSet()
    try:
        plans = plan_processes(session)
    except (Unavailable, RequestFailed) as exc:
        out.missing["any"] = f"the processes could not be read ({exc})"
        return out
    out.notes += plans.notes
    if not plans.short and plans.failing is None and plans.delayed is None:
        out.missing["any"] = "no process offers async-execute with inputs the toolkit can build"
        return out
    pending: list[KnownJob] = []
    finite = [(p, "successful") for p in plans.short] + [(p, "failed") for p in [plans.failing] if p]
    for plan, role in finite:
        job, why = submit(session, plan, role)
        if job:
            pending.append(job)
        else:
            out.notes.append(why)
    running: KnownJob | None = None
    if plans.delayed is not None:
        running, why = submit(session, plans.delayed, "running")
        if running is None:
            out.notes.append(why)
    end = session.clock() + session.settings.job_timeout
    for job in pending:
        trace = session.follow_job(job.url, label=job.process_id, deadline_s=max(0.5, end - session.clock()),
                                   sent_at=job.sent_at)
        if isinstance(trace.last_doc, Mapping):
            job.doc = dict(trace.last_doc)
        job.role = job.status if job.status in ("successful", "failed") else "other"
        if trace.problem:
            out.notes.append(f"job {job.job_id}: {trace.problem}")
        out.jobs.append(job)
    if running is not None:
        _wait_until_started(session, running, min(START_WAIT_S, session.settings.job_timeout))
        running.role = "running" if running.status in ("accepted", "running") else (
            running.status if running.status in ("successful", "failed") else "other")
        out.jobs.append(running)
    for role, plan, what in (("successful", plans.short, "a process that ends successfully"),
                             ("failed", plans.failing, "a process built to fail (a boolean 'fail' input or 'fail' in its ID)"),
                             ("running", plans.delayed, "a process with a delay input (pause/delay/sleep/duration)")):
        if not out.with_role(role):
            out.missing[role] = f"no job ended {role}" if plan else f"no async {what}"
    return out


def job_set(ctx: CheckContext) -> JobSet:
    """The run's shared jobs (created on first use)."""
    session = ctx.session
    return session.shared("job-list-jobs", lambda: build_job_set(session))


def slow_job(ctx: CheckContext) -> KnownJob | None:
    """A job of the delay process that ends successfully after about SLOW_DELAY_S (created on first use).

    Kept out of ``job_set`` so that only the check that needs distinct durations waits for it.
    """
    session = ctx.session

    def make() -> KnownJob | None:
        plan = plan_processes(session).slow
        if plan is None:
            return None
        job, _ = submit(session, plan, "successful")
        if job is None:
            return None
        trace = session.follow_job(job.url, label=job.process_id, sent_at=job.sent_at)
        if isinstance(trace.last_doc, Mapping):
            job.doc = dict(trace.last_doc)
        job.role = job.status if job.status in ("successful", "failed") else "other"
        return job

    return session.shared("job-list-slow-job", make)


def start_running_job(session: Session, *, prefer_dismissable: bool = True) -> tuple[KnownJob | None, str]:
    """A fresh delayed job that has not finished yet (for dismiss); (job, "") or (None, why not)."""
    candidates: list[tuple[bool, str, dict[str, Any]]] = []
    for pid, desc in session.snapshot.descriptions().items():
        delay = delay_input(desc)
        if delay is None or not is_async_capable(session, pid):
            continue
        body = body_for(desc, {delay[0]: delay_value(delay[1], RUNNING_DELAY_S)})
        if body is not None:
            candidates.append(("dismiss" in session.snapshot.job_control(pid), pid, body))
    if not candidates:
        return None, "no async process with a delay input (pause/delay/sleep/duration) to keep a job running"
    if prefer_dismissable:
        candidates.sort(key=lambda c: not c[0])
    _, pid, body = candidates[0]
    job, why = submit(session, ProcessPlan(pid, body), "running")
    if job is None:
        return None, why
    _wait_until_started(session, job, min(START_WAIT_S, session.settings.job_timeout))
    if job.status not in ("accepted", "running"):
        return None, f"the delayed job {job.job_id} of {pid!r} was {job.status!r} before it could be dismissed"
    return job, ""
