"""Core jobs and results: Annex A tests 35-38 (job status, job results), 40-44 (results of asynchronous
jobs, per row of the results table) and 45-47 (unknown job, results not ready, failed job).

Jobs come from ``Prefer: respond-async`` executions (``_workbench.async_job``, cached per process and
body, followed to their end with backoff polling bounded by ``--job-timeout``). The results-not-ready
check needs a job that is still running: a process with a delay input (``pause``, ``delay``, ``sleep``,
``duration``, ``wait``, ``seconds``) or one named with ``--process``; it is skipped, saying so, when
there is none. The failed-results check needs a job arranged to fail (a boolean ``fail``-like input or
a process whose id/title says it fails); skipped otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ... import schemas
from ...jobs import STATUS_CODES, TERMINAL, json_or_none, status_outside_enum
from ...requirements import NO_SUCH_JOB, RESULT_NOT_READY
from ...runner import CheckContext
from .._registry import check
from ._op import expect_operation
from . import _workbench as wb

MAX_JOB_TRIES = 3
NOT_READY_DELAY_S = 3.0  # the delayed job runs this long: time to see it running and ask for results


# == the run's default job ============================================================================
def _find_default_job(ctx: CheckContext) -> tuple[wb.AsyncRun | None, str, bool]:
    """(run, why not, whether the server erred): the first async execution that creates a job."""
    tried: list[str] = []
    erred = False
    for info in wb.async_cands(ctx)[:MAX_JOB_TRIES]:
        body = wb.body_for(info)
        assert body is not None
        run = wb.async_job(ctx, info, body)
        if run.is_job:
            return run, "", False
        code = run.submission.response.status_code
        erred = erred or code >= 300 or code == 201
        tried.append(f"{info.id!r} answered {code}" + (" without Location or jobID" if code == 201 else ""))
    if not tried:
        return None, "no process the toolkit can execute may run asynchronously", False
    return None, "no execution with Prefer: respond-async created a job (" + "; ".join(tried) + ")", erred


def default_job(ctx: CheckContext) -> wb.AsyncRun:
    """A job of the first process whose asynchronous execution creates one, followed to its end.

    Skips when no process could give a job without the server being at fault (all chose sync); records
    a failed prerequisite when the server answered with an error or a 201 without a job URL."""
    run, why, erred = ctx.session.shared(("workbench", "default-job"), lambda: _find_default_job(ctx))
    if run is None:
        if erred:
            ctx.fail(None, "prerequisite: a job created by POST /processes/{processID}/execution", why,
                     method="POST", url=ctx.url("/processes"))
            ctx.abort()
        ctx.skip(why)
    return run


def _job_id(ctx: CheckContext, run: wb.AsyncRun) -> str:
    if not run.job_id:
        ctx.fail(run.submission.response, "a jobID (statusInfo body or Location)", "none")
        ctx.abort()
    return run.job_id


# == 35-37: job status =================================================================================
@check("/conf/core/job-op")
def job_op(ctx: CheckContext) -> None:
    """GET /jobs/{jobID} is supported for a job this run created (/req/core/job); then test 36 applies."""
    run = default_job(ctx)
    resp = ctx.get(wb.job_url(ctx, _job_id(ctx, run)))
    doc = expect_operation(ctx, resp, "GET /jobs/{jobID}")
    if doc is not None:
        ctx.expect_schema(doc, "statusInfo", resp, requirement="/req/core/job-success")


@check("/conf/core/job-success")
def job_success(ctx: CheckContext) -> None:
    """GET /jobs/{jobID} answers 200 with a statusInfo document of that job (/req/core/job-success)."""
    run = default_job(ctx)
    job_id = _job_id(ctx, run)
    resp = ctx.get(wb.job_url(ctx, job_id))
    ctx.require_status(resp, 200)
    doc = ctx.require_object(resp)
    ctx.expect_schema(doc, "statusInfo", resp)
    if "jobID" in doc:
        ctx.expect(doc["jobID"] == job_id, resp, f"jobID {job_id!r}", f"jobID {doc['jobID']!r}")
    status = doc.get("status")
    ctx.expect(status in STATUS_CODES, resp, f"a status of {sorted(STATUS_CODES)}", f"status {status!r}")
    seen = run.trace.status if run.trace is not None else None
    if seen in TERMINAL and status in STATUS_CODES:
        # A finished job does not go back to work; 'dismissed' may follow if someone dismissed it.
        ctx.expect(status in (seen, "dismissed"), resp, f"status {seen!r} (the job had already ended)",
                   f"status {status!r}")
    _observe_a_running_job(ctx)
    _every_status_info(ctx)


STAGES_DELAY_S = 1.5  # long enough for the backoff polling to see 'accepted'/'running', short for the run


def _observe_a_running_job(ctx: CheckContext) -> None:
    """Follow one job that lasts a moment (a process with a delay input), so that the statusInfo of its
    unfinished stages is among the documents validated whatever order the checks ran in; the default job
    may end before any poll sees it at work. Shared with any check following the same execution."""
    cands, delayed = _delay_cands(ctx)
    if not delayed:
        ctx.note("no process with a delay input: unfinished stages were validated only where other checks saw them")
        return
    info = cands[0]
    body = wb.body_for(info, delay_s=STAGES_DELAY_S)
    if body is None:
        return
    run = wb.async_job(ctx, info, body)
    seen = [s for _, s in run.trace.statuses] if run.trace is not None else []
    ctx.note(f"statuses seen on a job of {info.id!r}: {', '.join(seen) or 'none'}")


def _every_status_info(ctx: CheckContext) -> None:
    """Every statusInfo the run has received so far (201 answers, each poll of each job, at every stage)
    is valid against statusInfo.yaml, with the run's leniencies; one finding per distinct error."""
    reported: set[str] = set()
    for url, doc in ctx.session.status_log.documents():
        errors = schemas.validate(doc, "statusInfo", pedantic=ctx.settings.schema_pedantic)
        word = doc.get("status") if isinstance(doc, Mapping) else None
        if status_outside_enum(word) and isinstance(word, str):
            errors = [status_outside_enum(word) or ""] + errors
        if not errors or errors[0] in reported:
            continue
        reported.add(errors[0])
        method = "POST" if url.rstrip("/").endswith("/execution") else "GET"
        ctx.fail(None, f"every statusInfo valid against statusInfo.yaml (this one: status {str(word)[:40]!r})",
                 errors[0], detail="\n".join(errors[1:]), method=method, url=url)


@check("/conf/core/job-exception-no-such-job")
def job_exception_no_such_job(ctx: CheckContext) -> None:
    """GET /jobs/{unknown} answers 404 with an exception of type no-such-job (/req/core/job-exception-no-such-job)."""
    resp = ctx.get(f"/jobs/{uuid.uuid4()}")
    ctx.expect_exception(resp, 404, NO_SUCH_JOB)


# == 38: job results ===================================================================================
@check("/conf/core/job-results")
def job_results(ctx: CheckContext) -> None:
    """GET /jobs/{jobID}/results of a successful job is supported (/req/core/job-results) and answers
    per the results table for the request that created the job."""
    run = default_job(ctx)
    _job_id(ctx, run)
    if not run.succeeded:
        ctx.fail(run.trace.last_response if run.trace and run.trace.last_response else run.submission.response,
                 f"prerequisite: the job of {run.info.id!r} to end 'successful'", wb.describe_trace(run.trace))
        return
    resp = wb.get_results(ctx, wb.results_url(ctx, run))
    ctx.require(200 <= resp.status_code < 300, resp,
                "GET /jobs/{jobID}/results to succeed (a 2xx status)", f"status {resp.status_code}{wb.hint(resp)}")
    shape = wb.ResultShape.of(run.info, run.body)
    wb.verify_results(ctx, resp, shape, requirement=wb.ASYNC_REQ[shape.case])


# == 40-44: results of asynchronous jobs ===============================================================
OutputsFor = Callable[[wb.ProcessInfo], "dict[str, Any] | None"]


def _async_shape(ctx: CheckContext, cands: list[wb.ProcessInfo], outputs_for: OutputsFor, *,
                 response: str | None, none_reason: str) -> None:
    """Execute with ``Prefer: respond-async``, follow the job, and judge /results against its table row.

    A synchronous answer is used only when no candidate went asynchronous (the ATS fallback): its job
    (monitor link) is judged like an async one, or else the answer itself against the sync requirement."""
    tested = 0
    sync_answers: list[tuple[wb.AsyncRun, wb.ResultShape]] = []
    planned = wb.planned_bodies(ctx, cands, response=response, outputs_for=outputs_for)
    # every fitting process, its job started and followed side by side with the others
    runs = wb.run_all([lambda info=info, body=body: wb.async_job(ctx, info, body) for info, body in planned])
    exercised: list[str] = []
    for (info, body), run in zip(planned, runs):
        resp = run.submission.response
        shape = wb.ResultShape.of(info, body)
        if resp.status_code == 201:
            tested += 1
            exercised.append(info.id)
            _judge_job(ctx, run, shape)
        elif resp.status_code in (200, 204):
            sync_answers.append((run, shape))
        else:
            tested += 1
            exercised.append(info.id)
            ctx.fail(resp, f"a successful execution of {info.id!r} with Prefer: respond-async",
                     f"status {resp.status_code}{wb.hint(resp)}", detail=wb.body_excerpt(body))
    wb.note_exercised(ctx, exercised)
    if tested:
        return
    if not sync_answers:
        ctx.skip(none_reason)
    run, shape = sync_answers[0]
    if run.is_job:
        ctx.note(f"{run.info.id!r} answered synchronously with a monitor link; its job's results were checked")
        _judge_job(ctx, run, shape)
    else:
        ctx.note(f"{run.info.id!r} answered synchronously without a job; the answer was checked against "
                 f"{wb.SYNC_REQ[shape.case]}")
        wb.verify_results(ctx, run.submission.response, shape, requirement=wb.SYNC_REQ[shape.case])


def _judge_job(ctx: CheckContext, run: wb.AsyncRun, shape: wb.ResultShape) -> None:
    if not run.is_job:
        ctx.fail(run.submission.response, "a job URL (Location header) in the 201 answer", "none")
        return
    if not run.succeeded:
        last = run.trace.last_response if run.trace and run.trace.last_response else run.submission.response
        ctx.fail(last, f"the job of {run.info.id!r} to end 'successful'", wb.describe_trace(run.trace),
                 detail=wb.body_excerpt(run.body))
        return
    resp = wb.get_results(ctx, wb.results_url(ctx, run))
    wb.verify_results(ctx, resp, shape, requirement=ctx.requirement)


def _async_cands(ctx: CheckContext, *, min_outputs: int, transmissions: tuple[str, ...]) -> list[wb.ProcessInfo]:
    return [p for p in wb.async_cands(ctx) if len(p.outputs) >= min_outputs and all(p.allows(t) for t in transmissions)]


def _mixed(ids: tuple[str, ...]) -> dict[str, str]:
    return {oid: "value" if i == 0 else "reference" for i, oid in enumerate(ids)}


@check("/conf/core/job-results-async-raw-value-one")
def job_results_async_raw_value_one(ctx: CheckContext) -> None:
    """Results of an async job (raw, one output by value) answer as the synchronous raw-value-one row
    (/req/core/job-results-async-raw-value-one)."""
    _async_shape(ctx, _async_cands(ctx, min_outputs=1, transmissions=("value",)),
                 lambda p: wb.outputs_request(p.outputs[:1], "value"), response="raw",
                 none_reason="no process offers async-execute with an output by value")


@check("/conf/core/job-results-async-raw-value-multi")
def job_results_async_raw_value_multi(ctx: CheckContext) -> None:
    """Results of an async job (raw, several outputs by value) are multipart/related with a part per output
    (/req/core/job-results-async-raw-value-multi)."""
    _async_shape(ctx, _async_cands(ctx, min_outputs=2, transmissions=("value",)),
                 lambda p: wb.outputs_request(p.outputs, "value"), response="raw",
                 none_reason="no process offers async-execute with more than one output by value")


@check("/conf/core/job-results-async-raw-ref")
def job_results_async_raw_ref(ctx: CheckContext) -> None:
    """Results of an async job (raw, outputs by reference) are 204 with a Link header per output
    (/req/core/job-results-async-raw-ref)."""
    _async_shape(ctx, _async_cands(ctx, min_outputs=1, transmissions=("reference",)),
                 lambda p: wb.outputs_request(p.outputs, "reference"), response="raw",
                 none_reason="no process offers async-execute with outputTransmission 'reference'")


@check("/conf/core/job-results-async-raw-mixed-multi")
def job_results_async_raw_mixed_multi(ctx: CheckContext) -> None:
    """Results of an async job (raw, outputs by value and by reference) are multipart/related; reference
    parts are empty with Content-Location (/req/core/job-results-async-raw-mixed-multi)."""
    _async_shape(ctx, _async_cands(ctx, min_outputs=2, transmissions=("value", "reference")),
                 lambda p: wb.outputs_request(p.outputs, _mixed(p.outputs)), response="raw",
                 none_reason="no process offers async-execute with more than one output and outputTransmission "
                             "'value' and 'reference'")


@check("/conf/core/job-results-async-document")
def job_results_async_document(ctx: CheckContext) -> None:
    """Results of an async job (response document) are 200 JSON valid against results.yaml with a member
    per output (/req/core/job-results-async-document)."""
    _async_shape(ctx, _async_cands(ctx, min_outputs=1, transmissions=()), lambda p: None, response="document",
                 none_reason="no process offers async-execute with an output")


# == 45-47: results exceptions =========================================================================
@check("/conf/core/job-results-exception-no-such-job")
def job_results_exception_no_such_job(ctx: CheckContext) -> None:
    """GET /jobs/{unknown}/results answers 404 with an exception of type no-such-job
    (/req/core/job-results-exception/no-such-job)."""
    resp = ctx.get(f"/jobs/{uuid.uuid4()}/results")
    ctx.expect_exception(resp, 404, NO_SUCH_JOB)


def _delay_cands(ctx: CheckContext) -> tuple[list[wb.ProcessInfo], bool]:
    """(processes to keep a job running with, whether they have a delay input)."""
    procs = [p for p in wb.processes(ctx) if p.may_async and not p.always_fails and wb.body_for(p) is not None]
    delayed = [p for p in procs if p.delay is not None]
    if delayed:  # the delay closest to NOT_READY_DELAY_S first (enums may force long ones)
        return sorted(delayed, key=lambda p: abs(wb.delay_value(p.delay[1], NOT_READY_DELAY_S) - NOT_READY_DELAY_S)
                      if p.delay else 0.0), True
    if ctx.settings.processes:  # the user named processes: they may be slow without a delay input
        return procs, False
    return [], False


@check("/conf/core/job-results-exception-results-not-ready")
def job_results_exception_results_not_ready(ctx: CheckContext) -> None:
    """GET /jobs/{jobID}/results of a job that has not finished answers 404 with an exception of type
    result-not-ready (/req/core/job-results-exception/results-not-ready).

    A job of a process with a delay input is started (a delay of a few seconds) and its results are
    requested while its status is still ``running`` (or ``accepted``: not finished either). If the job
    ended before that, nothing is asserted and the test is skipped, not passed."""
    cands, delayed = _delay_cands(ctx)
    if not cands:
        ctx.skip("no process that may run asynchronously has a delay input (a numeric input named pause, "
                 "delay, sleep, duration, wait or seconds) to keep a job running; name a slow process with "
                 "--process")
    notes: list[str] = []
    for info in cands[:2]:
        body = wb.body_for(info, delay_s=NOT_READY_DELAY_S) if delayed else wb.body_for(info)
        assert body is not None
        sub = wb.submit(ctx, info, body, prefer=wb.ASYNC)
        if sub.response.status_code != 201 or sub.job_url is None:
            notes.append(f"{info.id!r} answered {sub.response.status_code} without a job")
            continue
        before = _status(ctx, sub.job_url)
        if before not in ("accepted", "running"):
            notes.append(f"the job of {info.id!r} was {before!r} before its results could be requested")
            continue
        job_id = wb.job_id_of(sub)
        url = wb.job_url(ctx, job_id) + "/results" if job_id else sub.job_url.rstrip("/") + "/results"
        resp = wb.get_results(ctx, url)
        after = _status(ctx, sub.job_url)
        if 200 <= resp.status_code < 300 and after in TERMINAL:
            notes.append(f"the job of {info.id!r} ended while its results were requested")
            continue
        ctx.note(f"job {job_id} of {info.id!r}: status {before!r} before and {after!r} after GET {url}")
        ctx.expect_exception(resp, 404, RESULT_NOT_READY)
        return
    ctx.skip("no job could be observed before it finished: " + "; ".join(notes))


def _status(ctx: CheckContext, url: str) -> str | None:
    """The job's status now (None when the status document cannot be read)."""
    doc = json_or_none(ctx.get(url))
    status = doc.get("status") if isinstance(doc, Mapping) else None
    return status if isinstance(status, str) else None


def _failing_cands(ctx: CheckContext) -> list[wb.ProcessInfo]:
    return [p for p in wb.processes(ctx) if p.may_async and (p.fail_switch is not None or p.always_fails)]


@check("/conf/core/job-results-failed")
def job_results_failed(ctx: CheckContext) -> None:
    """GET /jobs/{jobID}/results of a failed job answers an error status (4xx/5xx, not 404) with an
    exception whose ``type`` names the cause (/req/core/job-results-failed).

    The job is arranged to fail: a boolean ``fail``-like input set to true, or a process whose id/title
    says it fails. The exception vocabulary is not defined by 1.0: only a non-empty ``type`` is required."""
    notes: list[str] = []
    attempts = [(info, wb.body_for(info, fail=True), "arranged to fail") for info in _failing_cands(ctx)[:2]]
    if not attempts:
        notes.append("no process is arranged to fail (no boolean fail-like input, no process whose id or title "
                     "says it fails)")
        attempts = _provoked_failures(ctx)
    for info, body, how in attempts:
        if body is None:
            notes.append(f"no execute request could be built for {info.id!r}")
            continue
        run = wb.async_job(ctx, info, body)
        if not run.is_job:
            notes.append(f"{info.id!r} ({how}) answered {run.submission.response.status_code} without a job")
            continue
        if run.trace is None or run.trace.status != "failed":
            notes.append(f"the job of {info.id!r} ({how}) ended with {wb.describe_trace(run.trace)}")
            continue
        ctx.note(f"failed job of {info.id!r}: {how}")
        resp = wb.get_results(ctx, wb.results_url(ctx, run))
        code = resp.status_code
        ctx.expect(400 <= code < 600 and code != 404, resp,
                   "an error status that reflects the failure (4xx or 5xx, not 404)", f"status {code}{wb.hint(resp)}")
        doc = ctx.expect_json(resp)
        if doc is None:
            return
        if ctx.expect_schema(doc, "exception", resp):
            kind = doc.get("type") if isinstance(doc, Mapping) else None
            ctx.expect(isinstance(kind, str) and bool(kind.strip()), resp,
                       "an exception type that names the cause", f"type {kind!r}")
        return
    ctx.skip("no job ended 'failed' (a server that rejects such requests up front is right to): "
             + "; ".join(notes or ["no attempt could be built"]))


MAX_PROVOKE = 4  # async executions sent to try to make a job fail


def _provoked_failures(ctx: CheckContext) -> list[tuple[wb.ProcessInfo, dict[str, Any] | None, str]]:
    """Requests likely to make a job fail, sent asynchronously: values the description rejects (out of a
    declared range, wrong type, ...: some servers accept the job, then fail it), one per input first."""
    from ... import inputs as I

    out: list[tuple[wb.ProcessInfo, dict[str, Any] | None, str]] = []
    for info in [p for p in wb.processes(ctx) if p.may_async and not p.always_fails]:
        try:
            variants = I.invalid_variants(info.description)
        except (ValueError, KeyError, TypeError):
            continue
        quiet = wb.quiet_inputs(info)
        seen: set[str] = set()
        for iid, what, body in variants:
            if iid in quiet or iid in seen:
                continue
            seen.add(iid)
            body = dict(body)
            body["inputs"] = {**dict(body.get("inputs") or {}), **quiet}
            out.append((info, body, f"input {iid!r} {what}, sent with Prefer: respond-async"))
            if len(out) >= MAX_PROVOKE:
                return out
    return out
