"""Callback: Annex A test 80 (/conf/callback/job-callback), subscriber callbacks reach the client.

An async execute request carries ``subscriber`` {successUri, inProgressUri, failedUri}, each a
unique path on a loopback receiver (``callback_receiver.CallbackReceiver``). The check waits for
the POST to ``successUri`` and verifies that its body is a results document (results.yaml), which
is what the standard's example callback sends. The in-progress and failure payloads are not
specified: nothing is asserted about them. Only loopback callback URLs are ever sent, so a server
that is not on loopback is skipped. The wait ends when the evidence is final (see ``job_callback``),
at the latest after ``--job-timeout``; the finding says what was observed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..callback_receiver import CallbackPost, CallbackReceiver
from ..jobs import JOB_SUCCESS, TERMINAL, Submission, execute, status_outside_enum
from ..runner import CheckContext
from . import _jobs_fixture as fx
from ._registry import check

GRACE_S = 5.0  # how long a callback may trail the job's final status


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


MAX_TRIES = 3  # processes tried until one runs asynchronously
STALL_MIN_S = 3.0  # a job that has not moved this long (and 3x the control job's life) while its twin ended


def async_plans(ctx: CheckContext) -> list[fx.ProcessPlan]:
    """Quick executions of processes that may run asynchronously: async-only first (the server has no
    choice there), then those that allow both modes, then those that declare none."""
    from .core import _workbench as wb

    plans = []
    for info in wb.async_cands(ctx):
        body = wb.body_for(info)
        if body is not None:
            plans.append((info.mode != "async-only", fx.ProcessPlan(info.id, body)))
    return [p for _, p in sorted(plans, key=lambda item: item[0])]


@check("/conf/callback/job-callback")
def job_callback(ctx: CheckContext) -> None:
    """The server POSTs the results to ``subscriber.successUri`` (/req/callback/job-callback).

    Callbacks belong to asynchronous execution: a server may answer ``Prefer: respond-async`` synchronously
    (it is a preference), so processes are tried until one runs asynchronously (201); none -> skip. The wait
    ends as soon as the evidence is final: the callback came, the job ended and ``GRACE_S`` passed, or the job
    did not move while the same execution without a subscriber (a control job) ran to its end."""
    host = urlsplit(ctx.settings.server_url).hostname
    if not is_loopback(host):
        ctx.skip(f"the server under test ({host}) is not on loopback: it cannot reach a callback receiver on 127.0.0.1")
    plans = async_plans(ctx)[:MAX_TRIES]
    if not plans:
        ctx.skip("no process offers async-execute with inputs the toolkit can build")
    sync_answers: list[str] = []
    with CallbackReceiver() as rx:
        for plan in plans:
            subscriber = {"successUri": rx.uri("success"), "inProgressUri": rx.uri("in-progress"),
                          "failedUri": rx.uri("failed")}
            body: dict[str, Any] = {**plan.body, "subscriber": subscriber, "response": "document"}
            ctx.session.check_deadline()
            sub = execute(ctx.http, plan.process_id, body, prefer=fx.ASYNC)
            ctx.last = ("POST", ctx.http.redact(sub.url))
            ctx.require(sub.mode != "error", sub.response, "the execute request with a subscriber to be accepted",
                        f"status {sub.response.status_code}")
            if sub.mode != "async" or sub.job_url is None:
                sync_answers.append(f"{plan.process_id!r} answered {sub.response.status_code}")
                continue
            ctx.session.observe_status(sub.url, sub.status_doc)
            _judge(ctx, rx, plan, subscriber, sub)
            return
    ctx.skip("no execution with a subscriber ran asynchronously (" + "; ".join(sync_answers) + "): a server may "
             "answer Prefer: respond-async synchronously, and callbacks belong to asynchronous execution")


def _judge(ctx: CheckContext, rx: CallbackReceiver, plan: fx.ProcessPlan, subscriber: Mapping[str, str],
           sub: Submission) -> None:
    started = ctx.session.clock()
    control, why = fx.submit(ctx.session, plan, "control")  # the same execution without a subscriber
    if control is None:
        ctx.note(f"no control job ({why}): the wait ends only when the job ends or after --job-timeout")
    post, seen = _wait(ctx, rx, subscriber, sub.job_url, control)
    waited = ctx.session.clock() - started
    status = seen.status
    if seen.unknown:
        ctx.fail(seen.response, "a job status of the statusCode enum", seen.unknown, requirement=JOB_SUCCESS,
                 method="GET", url=sub.job_url)
        return
    if post is None and status == "failed":
        failed = rx.wait_for(subscriber["failedUri"], timeout=0)
        if failed is None:
            ctx.fail(sub.response, "a POST to subscriber.failedUri when the job failed", "none",
                     detail=f"job {sub.job_url} ended failed; no callback arrived")
            return
        ctx.skip(f"the job of {plan.process_id!r} failed (a failure callback did arrive): "
                 "the success callback could not be exercised")
    if post is None:
        ctx.fail(sub.response, "a POST of the results to subscriber.successUri",
                 f"none after {waited:.0f} s ({seen.observed(ctx.settings.job_timeout)})")
        return
    _expect_results_document(ctx, subscriber["successUri"], post)


class _Seen:
    """What the callback wait observed about the job and its control twin."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.changed_at: float | None = None
        self.ended_at: float | None = None
        self.control_status: str | None = None
        self.control_life: float | None = None
        self.unknown = ""
        self.response: Any = None
        self.reason = "timeout"

    def observed(self, job_timeout: float) -> str:
        if self.reason == "ended":
            return f"the job ended {self.status!r} and no callback followed within {GRACE_S:g} s"
        if self.reason == "stalled":
            return (f"the job stayed {self.status or 'unknown'!r} while the same execution without a subscriber "
                    f"ended {self.control_status!r} in {self.control_life:.1f} s")
        return f"job status {self.status or 'unknown'}; the wait ends after --job-timeout {job_timeout:g} s"


def _wait(ctx: CheckContext, rx: CallbackReceiver, subscriber: Mapping[str, str], job_url: str | None,
          control: fx.KnownJob | None) -> tuple[CallbackPost | None, _Seen]:
    """Wait for the success POST, watching the job and its control; (post or None, what was seen)."""
    session = ctx.session
    clock = session.clock
    start = clock()
    end = start + ctx.settings.job_timeout
    seen = _Seen()
    job = fx.KnownJob("callback", "", "", job_url) if job_url else None
    with session.waits.waiting("a callback", clock):
        while True:
            session.check_deadline()
            remaining = end - clock()
            post = rx.wait_for(subscriber["successUri"], timeout=max(0.0, min(0.5, remaining)))
            if post is not None:
                return post, seen
            if remaining <= 0:
                return None, seen
            if job is not None and seen.status not in TERMINAL:
                doc = fx.refresh(session, job)
                status = doc.get("status") if isinstance(doc, Mapping) else None
                if isinstance(status, str) and status != seen.status:
                    seen.status, seen.changed_at = status, clock()
                    seen.response = None
                    if status_outside_enum(status):
                        seen.unknown = f"status {status!r} ({status_outside_enum(status)})"
                        return None, seen
                    if status in TERMINAL:
                        seen.ended_at = clock()
            if control is not None and seen.control_status not in TERMINAL:
                doc = fx.refresh(session, control)
                cstatus = doc.get("status") if isinstance(doc, Mapping) else None
                if isinstance(cstatus, str) and (cstatus in TERMINAL or status_outside_enum(cstatus)):
                    seen.control_status, seen.control_life = cstatus, clock() - start
            if seen.status == "failed" and rx.wait_for(subscriber["failedUri"], timeout=0) is not None:
                return None, seen
            now = clock()
            if seen.ended_at is not None and now - seen.ended_at > GRACE_S:
                seen.reason = "ended"
                return None, seen
            if seen.status not in TERMINAL and seen.control_life is not None:
                stall = max(STALL_MIN_S, 3 * seen.control_life)
                if now - max(seen.changed_at or start, start + seen.control_life) > stall:
                    seen.reason = "stalled"
                    return None, seen


def _expect_results_document(ctx: CheckContext, url: str, post: CallbackPost) -> None:
    """The success callback (a POST the server sent to ``url``) carries a results.yaml document."""
    where = {"method": "POST", "url": url}
    if post.problem:
        ctx.fail(None, "a complete callback body", post.problem, **where)
        return
    try:
        doc = post.json()
    except ValueError as exc:
        ctx.fail(None, "a JSON results document in the success callback",
                 f"Content-Type {post.media_type or 'none'}, not JSON ({str(exc).splitlines()[0][:60]})", **where)
        return
    if post.media_type != "application/json" and not post.media_type.endswith("+json"):
        ctx.warn(None, "Content-Type application/json on the success callback",
                 f"Content-Type {post.media_type or 'none'}", **where)
    if ctx.expect(isinstance(doc, Mapping), None, "a results document (a JSON object keyed by output ID)",
                  f"a JSON {type(doc).__name__}", **where):
        ctx.expect_schema(doc, "results", None, **where)
