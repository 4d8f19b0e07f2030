"""Dismiss: Annex A tests 81-82 (/conf/dismiss/...), DELETE /jobs/{jobID}.

One running job (a process with a delay input) is created per run and dismissed once; both
checks judge that one DELETE (``dismissal``). The operation check also sends DELETE for an
unknown job (404 no-such-job, the dismiss clause's error text). The success check repeats the
DELETE once: clause 9 (informative) says 410 Gone, so anything else is only a note. Nothing is
asserted about GET of a dismissed job (1.0 leaves it open, digest 8.12).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from ..errors import RequestFailed
from ..requirements import NO_SUCH_JOB
from ..runner import CheckContext, Session
from . import _jobs_fixture as fx
from ._registry import check


@dataclass
class Dismissal:
    """The one DELETE of the run: the job, the answer (or why there is none)."""

    job: fx.KnownJob | None
    response: httpx.Response | None = None
    reason: str = ""  # why no job could be dismissed (a skip reason)
    error: RequestFailed | None = None


def _dismiss_once(session: Session) -> Dismissal:
    job, why = fx.start_running_job(session)
    if job is None:
        return Dismissal(None, reason=why)
    try:
        return Dismissal(job, session.http.delete(job.url))
    except RequestFailed as exc:
        return Dismissal(job, error=exc)


def dismissal(ctx: CheckContext) -> tuple[fx.KnownJob, httpx.Response]:
    """The dismissed job and the DELETE answer; skips when no running job could be made."""
    d: Dismissal = ctx.session.shared("dismissal", lambda: _dismiss_once(ctx.session))
    if d.job is None:
        ctx.skip(d.reason)
    if d.error is not None:
        raise d.error
    assert d.response is not None
    ctx.last = ("DELETE", ctx.http.redact(d.job.url))
    return d.job, d.response


@check("/conf/dismiss/job-dismiss-op")
def job_dismiss_op(ctx: CheckContext) -> None:
    """DELETE /jobs/{jobID} is supported (/req/dismiss/job-dismiss-op); an unknown job gets 404 no-such-job."""
    job, resp = dismissal(ctx)
    ctx.expect(200 <= resp.status_code < 300, resp, f"DELETE of running job {job.job_id} to be supported (2xx)",
               f"status {resp.status_code}")
    unknown = ctx.delete(f"/jobs/{uuid.uuid4()}")
    # The dismiss clause's error text cites the job-exception requirement for an unknown job.
    ctx.expect_exception(unknown, 404, NO_SUCH_JOB, requirement="/req/core/job-exception-no-such-job")


@check("/conf/dismiss/job-dismiss-success")
def job_dismiss_success(ctx: CheckContext) -> None:
    """A dismissal answers 200 with a statusInfo whose status is ``dismissed`` (/req/dismiss/job-dismiss-success)."""
    job, resp = dismissal(ctx)
    ctx.require_status(resp, 200)
    doc = ctx.require_object(resp)
    ctx.expect_schema(doc, "statusInfo", resp)
    ctx.expect(doc.get("status") == "dismissed", resp, "status 'dismissed'", f"status {doc.get('status')!r}")
    if "jobID" in doc:
        ctx.expect(doc.get("jobID") == job.job_id, resp, f"jobID {job.job_id!r}", f"jobID {doc.get('jobID')!r}")
    again = ctx.session.shared("dismissal-repeat", lambda: _repeat(ctx.session, job.url))
    if again is not None and again != 410:
        ctx.note(f"a repeated DELETE of {job.url} answered {again}; clause 9 (informative) suggests 410 Gone")


def _repeat(session: Session, url: str) -> int | None:
    try:
        return session.http.delete(url).status_code
    except RequestFailed:
        return None
