"""Callback: Annex A test 80 (/conf/callback/job-callback), subscriber callbacks reach the client.

An async execute request carries ``subscriber`` {successUri, inProgressUri, failedUri}, each a
unique path on a loopback receiver (``callback_receiver.CallbackReceiver``). The check waits,
at most ``--job-timeout``, for the POST to ``successUri`` and verifies that its body is a
results document (results.yaml), which is what the standard's example callback sends. The
in-progress and failure payloads are not specified: nothing is asserted about them. Only
loopback callback URLs are ever sent, so a server that is not on loopback is skipped.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..callback_receiver import CallbackPost, CallbackReceiver
from ..jobs import TERMINAL, execute
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


def pick_short_process(ctx: CheckContext) -> fx.ProcessPlan | None:
    """A process expected to end successfully soon (the fixture's first short plan)."""
    plans = fx.plan_processes(ctx.session)
    for note in plans.notes:
        ctx.note(note)
    return plans.short[0] if plans.short else None


@check("/conf/callback/job-callback")
def job_callback(ctx: CheckContext) -> None:
    """The server POSTs the results to ``subscriber.successUri`` (/req/callback/job-callback)."""
    host = urlsplit(ctx.settings.server_url).hostname
    if not is_loopback(host):
        ctx.skip(f"the server under test ({host}) is not on loopback: it cannot reach a callback receiver on 127.0.0.1")
    plan = pick_short_process(ctx)
    if plan is None:
        ctx.skip("no process offers async-execute with inputs the toolkit can build")
    with CallbackReceiver() as rx:
        subscriber = {"successUri": rx.uri("success"), "inProgressUri": rx.uri("in-progress"),
                      "failedUri": rx.uri("failed")}
        body: dict[str, Any] = {**plan.body, "subscriber": subscriber, "response": "document"}
        sub = execute(ctx.http, plan.process_id, body, prefer=fx.ASYNC)
        ctx.last = ("POST", ctx.http.redact(sub.url))
        ctx.require(sub.mode != "error", sub.response, "the execute request with a subscriber to be accepted",
                    f"status {sub.response.status_code}")
        if sub.mode != "async":
            ctx.note(f"process {plan.process_id!r} answered synchronously ({sub.response.status_code}) to respond-async")
        started = ctx.session.clock()
        post, status = _wait(ctx, rx, subscriber, sub.job_url)
        waited = ctx.session.clock() - started
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
                     f"none after {waited:.0f} s (job status {status or 'unknown'}; "
                     f"at most {ctx.settings.job_timeout:g} s, or {GRACE_S:g} s after the job ended)")
            return
        _expect_results_document(ctx, subscriber["successUri"], post)


def _wait(ctx: CheckContext, rx: CallbackReceiver, subscriber: Mapping[str, str],
          job_url: str | None) -> tuple[CallbackPost | None, str | None]:
    """Wait for the success POST, watching the job; (post or None, last job status)."""
    clock = ctx.session.clock
    end = clock() + ctx.settings.job_timeout
    status: str | None = None
    ended_at: float | None = None
    job = fx.KnownJob("callback", "", "", job_url) if job_url else None
    while True:
        remaining = end - clock()
        post = rx.wait_for(subscriber["successUri"], timeout=max(0.0, min(1.0, remaining)))
        if post is not None:
            return post, status
        if remaining <= 0:
            return None, status
        if job is not None and status not in TERMINAL:
            doc = fx.refresh(ctx.session, job)
            status = doc.get("status") if isinstance(doc, Mapping) and isinstance(doc.get("status"), str) else status
            if status in TERMINAL:
                ended_at = clock()
        if status == "failed" and rx.wait_for(subscriber["failedUri"], timeout=0) is not None:
            return None, status
        if ended_at is not None and clock() - ended_at > GRACE_S:
            return None, status


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
