"""Core execution: Annex A tests 16-19 (operation, execution mode, request), 29-33 (synchronous results),
34 (asynchronous answer) and 39 (monitor link of a synchronous execution).

Execution mode (digest §3.1): only the determinate cells of the mode table are asserted, each on the
first workable process of its jobControlOptions kind. No Prefer: sync-only -> sync, async-only ->
async, both -> sync. ``Prefer: respond-async``: async-only -> async, sync-only -> sync, both -> either
(going sync is a warning against /rec/core/process-execute-honor-prefer). Nothing is asserted for a
process without jobControlOptions. ``Preference-Applied`` is a recommendation (warning).

Synchronous results (29-33) are judged row by row of the table in clause 7.11.4 by
``_workbench.verify_results``, on every process that fits the row (up to ``--max-processes-per-test``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ... import schemas
from ...jobs import header_links, json_or_none
from ...runner import CheckContext
from .._registry import check
from . import _workbench as wb

MAX_SHAPE_PROCESSES = 3
MAX_REQUEST_PROCESSES = 2
HONOR_PREFER = "/rec/core/process-execute-honor-prefer"
PREFERENCE_APPLIED = "/rec/core/process-execute-preference-applied"
SUCCESS_ASYNC = "/req/core/process-execute-success-async"
NO_MODES = ("no process declares sync-execute or async-execute in jobControlOptions "
            "(without them the execution mode is left open)")


def _how(prefer: str | None) -> str:
    return "with Prefer: respond-async" if prefer else "without Prefer"


# == 16: the operation ===============================================================================
@check("/conf/core/job-creation-op")
def job_creation_op(ctx: CheckContext) -> None:
    """POST /processes/{processID}/execution is supported (/req/core/process-execute-op).

    A valid execute request is sent to one workable process of each jobControlOptions kind, once without
    ``Prefer`` and once with ``Prefer: respond-async``; each must be executed (200, 201 or 204)."""
    cands = list(wb.by_mode(ctx).values()) or wb.workable(ctx)[:1]
    if not cands:
        ctx.skip("no process the toolkit can execute (no execute request could be built, or every process "
                 "looks built to fail)")
    for info in cands:
        body = wb.body_for(info)
        assert body is not None  # workable() guarantees it
        for prefer in (None, wb.ASYNC):
            resp = wb.submit(ctx, info, body, prefer=prefer).response
            ctx.expect(resp.status_code in (200, 201, 204), resp,
                       f"the execution of process {info.id!r} {_how(prefer)} (200, 201 or 204)",
                       f"status {resp.status_code}{wb.hint(resp)}", detail=wb.body_excerpt(body))


# == 17, 18: execution mode ==========================================================================
def _applied(resp: httpx.Response) -> set[str]:
    """The preference tokens of all Preference-Applied headers (lower case, without values)."""
    tokens = set()
    for value in resp.headers.get_list("preference-applied"):
        for item in value.split(","):
            name = item.split(";")[0].split("=")[0].strip().lower()
            if name:
                tokens.add(name)
    return tokens


def _mode_of(resp: httpx.Response) -> str:
    code = resp.status_code
    return "async" if code == 201 else "sync" if code in (200, 204) else "error"


def _mode_table(ctx: CheckContext, prefer: str | None, wanted: Mapping[str, tuple[str, ...]]) -> None:
    reps = wb.by_mode(ctx)
    if not reps:
        ctx.skip(NO_MODES)
    for kind, info in reps.items():
        body = wb.body_for(info)
        assert body is not None
        resp = wb.submit(ctx, info, body, prefer=prefer).response
        got = _mode_of(resp)
        allowed = wanted[kind]
        shown = {"sync": "a synchronous answer (200 or 204)", "async": "an asynchronous answer (201)"}
        ctx.expect(got in allowed, resp,
                   f"{' or '.join(shown[m] for m in allowed)} from {kind} process {info.id!r} {_how(prefer)}",
                   f"status {resp.status_code}{wb.hint(resp)}")
        if prefer is None:
            continue
        applied = _applied(resp)
        header = ", ".join(resp.headers.get_list("preference-applied")) or "no Preference-Applied header"
        if got == "async" and "respond-async" not in applied:
            ctx.warn(resp, "Preference-Applied: respond-async (the preference was honoured)", header,
                     requirement=PREFERENCE_APPLIED)
        elif got == "sync" and "respond-async" in applied:
            ctx.warn(resp, "no respond-async in Preference-Applied of a synchronous answer", header,
                     requirement=PREFERENCE_APPLIED)
        if kind == "both" and got == "sync":
            ctx.warn(resp, f"an asynchronous answer: process {info.id!r} allows async-execute and the client "
                     "asked for respond-async", f"status {resp.status_code}", requirement=HONOR_PREFER)


@check("/conf/core/job-creation-auto-execution-mode")
def job_creation_auto_execution_mode(ctx: CheckContext) -> None:
    """With ``Prefer: respond-async``: async-only -> async, sync-only -> sync, both -> either
    (/req/core/process-execute-auto-execution-mode). Preference-Applied and honouring the preference
    are recommendations (warnings)."""
    _mode_table(ctx, wb.ASYNC, {"async-only": ("async",), "sync-only": ("sync",), "both": ("sync", "async")})


@check("/conf/core/job-creation-default-execution-mode")
def job_creation_default_execution_mode(ctx: CheckContext) -> None:
    """Without ``Prefer``: async-only -> async, sync-only -> sync, both -> sync
    (/req/core/process-execute-default-execution-mode)."""
    _mode_table(ctx, None, {"async-only": ("async",), "sync-only": ("sync",), "both": ("sync",)})


# == 19: the request ==================================================================================
def _request_variants(info: wb.ProcessInfo) -> list[tuple[str, dict[str, Any]]]:
    """Valid execute bodies using the optional members of execute.yaml, each with a label."""
    out: list[tuple[str, dict[str, Any]]] = []
    minimal = wb.body_for(info)
    if minimal is not None:
        out.append(("required inputs only", minimal))
    outs = wb.outputs_request(info.outputs, "value") if info.outputs and info.allows("value") else None
    full = wb.body_for(info, include_optional=True, response="raw", outputs=outs)
    if full is not None and full != minimal:
        out.append(("optional inputs, every output by value, response raw", full))
    doc = wb.body_for(info, response="document", outputs=outs)
    if doc is not None and info.outputs:
        out.append(("response document", doc))
    return out


@check("/conf/core/job-creation-request")
def job_creation_request(ctx: CheckContext) -> None:
    """Execute requests valid against execute.yaml are accepted (/req/core/process-execute-request).

    The toolkit's own bodies are first validated against execute.yaml (the ATS's client-side step); then
    bodies that use the optional members (``outputs``, ``transmissionMode``, ``response``, optional
    inputs) are sent to up to two processes and must be executed successfully."""
    cands = wb.pick(wb.workable(ctx), MAX_REQUEST_PROCESSES)
    if not cands:
        ctx.skip("no process the toolkit can execute")
    for info in cands:
        for label, body in _request_variants(info):
            errors = schemas.validate(body, "execute", pedantic=ctx.settings.schema_pedantic)
            if errors:
                # The toolkit built something execute.yaml rejects: not the server's fault, not sent.
                ctx.note(f"body '{label}' for {info.id!r} not sent: it is not valid against execute.yaml "
                         f"({errors[0]})")
                continue
            wb.expect_success(ctx, info, body, f"process {info.id!r} ({label})")


# == 29-33: synchronous results =======================================================================
OutputsFor = Callable[[wb.ProcessInfo], dict[str, Any] | None]


def _sync_shape(ctx: CheckContext, cands: list[wb.ProcessInfo], outputs_for: OutputsFor, *,
                response: str | None, none_reason: str) -> None:
    """Execute synchronously (no Prefer) and judge each answer against its row of the results table."""
    planned = wb.planned_bodies(ctx, cands, response=response, outputs_for=outputs_for)
    # every process that fits, executed side by side (as far as --parallel-executions lets the server take it)
    subs = wb.run_all([lambda info=info, body=body: wb.submit(ctx, info, body) for info, body in planned])
    tested: list[str] = []
    for (info, body), sub in zip(planned, subs):
        if sub.response.status_code == 201 and info.mode is None:
            ctx.note(f"{info.id!r} declares no jobControlOptions and answered asynchronously; not used")
            continue
        if 400 <= sub.response.status_code < 500 and info.mode is None:
            # nothing says this process runs synchronously at all, and the request was refused before any
            # execution: that says nothing about the synchronous result shapes (input refusals have their tests)
            ctx.note(f"{info.id!r} declares no jobControlOptions and refused the request "
                     f"(status {sub.response.status_code}); not used")
            continue
        tested.append(info.id)
        shape = wb.ResultShape.of(info, body)
        ctx.last = ("POST", ctx.http.redact(sub.url))
        wb.verify_results(ctx, sub.response, shape, requirement=ctx.requirement)
    wb.note_exercised(ctx, tested)
    if not tested:
        ctx.skip(none_reason)


def _sync_cands(ctx: CheckContext, *, min_outputs: int, transmissions: tuple[str, ...]) -> list[wb.ProcessInfo]:
    """Workable processes that may run synchronously, have enough outputs and allow the transmissions;
    processes that declare sync-execute come before those that declare no mode."""
    found = [p for p in wb.workable(ctx) if p.may_sync and len(p.outputs) >= min_outputs
             and all(p.allows(t) for t in transmissions)]
    return sorted(found, key=lambda p: p.mode is None)


@check("/conf/core/job-creation-sync-raw-value-one")
def job_creation_sync_raw_value_one(ctx: CheckContext) -> None:
    """Synchronous, raw, one output by value: 200, the output's media type, the bare value
    (/req/core/process-execute-sync-raw-value-one)."""
    cands = _sync_cands(ctx, min_outputs=1, transmissions=("value",))
    _sync_shape(ctx, cands, lambda p: wb.outputs_request(p.outputs[:1], "value"), response="raw",
                none_reason="no process offers sync-execute with an output by value")


@check("/conf/core/job-creation-sync-raw-value-multi")
def job_creation_sync_raw_value_multi(ctx: CheckContext) -> None:
    """Synchronous, raw, several outputs by value: 200 multipart/related, a part per output whose
    Content-ID is the output id (/req/core/process-execute-sync-raw-value-multi)."""
    cands = _sync_cands(ctx, min_outputs=2, transmissions=("value",))
    _sync_shape(ctx, cands, lambda p: wb.outputs_request(p.outputs, "value"), response="raw",
                none_reason="no process offers sync-execute with more than one output by value")


@check("/conf/core/job-creation-sync-raw-ref")
def job_creation_sync_raw_ref(ctx: CheckContext) -> None:
    """Synchronous, raw, outputs by reference: 204 with a Link header per output
    (/req/core/process-execute-sync-raw-ref)."""
    cands = _sync_cands(ctx, min_outputs=1, transmissions=("reference",))
    _sync_shape(ctx, cands, lambda p: wb.outputs_request(p.outputs, "reference"), response="raw",
                none_reason="no process offers sync-execute with outputTransmission 'reference'")


@check("/conf/core/job-creation-sync-raw-mixed-multi")
def job_creation_sync_raw_mixed_multi(ctx: CheckContext) -> None:
    """Synchronous, raw, outputs by value and by reference: 200 multipart/related; reference parts are
    empty with Content-Location (/req/core/process-execute-sync-raw-mixed-multi)."""
    cands = _sync_cands(ctx, min_outputs=2, transmissions=("value", "reference"))
    _sync_shape(ctx, cands, lambda p: wb.outputs_request(p.outputs, _mixed(p.outputs)), response="raw",
                none_reason="no process offers sync-execute with more than one output and outputTransmission "
                            "'value' and 'reference'")


def _mixed(ids: tuple[str, ...]) -> dict[str, str]:
    """The first output by value, the others by reference."""
    return {oid: "value" if i == 0 else "reference" for i, oid in enumerate(ids)}


@check("/conf/core/job-creation-sync-document")
def job_creation_sync_document(ctx: CheckContext) -> None:
    """Synchronous, response document: 200 application/json valid against results.yaml, a member per output
    (/req/core/process-execute-sync-document)."""
    cands = _sync_cands(ctx, min_outputs=1, transmissions=())
    _sync_shape(ctx, cands, lambda p: None, response="document",
                none_reason="no process offers sync-execute with an output")


# == 34: asynchronous answer ==========================================================================
@check("/conf/core/job-creation-success-async")
def job_creation_success_async(ctx: CheckContext) -> None:
    """An asynchronous execution answers 201, a Location header naming the job and a statusInfo body
    (/req/core/process-execute-success-async); the Location resolves to that job (GET -> statusInfo with
    the same jobID)."""
    tested = 0
    for info in wb.pick(wb.async_cands(ctx), 2):
        body = wb.body_for(info)
        assert body is not None
        run = wb.async_job(ctx, info, body)
        resp = run.submission.response
        if resp.status_code != 201:
            if info.mode == "async-only":  # the mode table leaves the server no choice here
                tested += 1
                ctx.fail(resp, f"201 from async-only process {info.id!r} with Prefer: respond-async",
                         f"status {resp.status_code}{wb.hint(resp)}")
            continue
        tested += 1
        _verify_created(ctx, resp, info)
    if not tested:
        ctx.skip("no execution was answered asynchronously (no async-only process; processes that allow both "
                 "modes answered synchronously to Prefer: respond-async)")


def _verify_created(ctx: CheckContext, resp: httpx.Response, info: wb.ProcessInfo) -> None:
    doc = ctx.expect_json(resp)
    job_id = doc.get("jobID") if isinstance(doc, Mapping) else None
    if doc is not None:
        ctx.expect_schema(doc, "statusInfo", resp)
    location = resp.headers.get("location")
    if not ctx.expect(bool(location), resp, f"a Location header with the job URL (process {info.id!r})", "none"):
        return
    assert location is not None
    url = ctx.http.resolve(str(resp.request.url), location)
    got = ctx.get(url)
    if not ctx.expect(got.status_code == 200, got, "the Location to resolve to the job (200 statusInfo)",
                      f"status {got.status_code}{wb.hint(got)}"):
        return
    status = json_or_none(got)
    if not ctx.expect(isinstance(status, Mapping) and isinstance(status.get("status"), str), got,
                      "a statusInfo document at the Location", "a body without a 'status' member"):
        return
    if isinstance(job_id, str):
        ctx.expect(status.get("jobID") == job_id, got, f"the job of the 201 answer (jobID {job_id!r})",
                   f"jobID {status.get('jobID')!r}")


# == 39: synchronous execution with a job =============================================================
@check("/conf/core/job-results-sync")
def job_results_sync(ctx: CheckContext) -> None:
    """A synchronous answer that comes with a job carries Link rel=monitor to it, and that job is
    ``successful`` (/req/core/job-results-success-sync). Applies only to servers that create jobs for
    synchronous execution: without a monitor link the test is skipped."""
    cands = wb.pick([p for p in wb.workable(ctx) if p.mode in ("sync-only", "both")], MAX_SHAPE_PROCESSES)
    if not cands:
        ctx.skip("no process declares sync-execute")
    seen = 0
    no_sign: list[str] = []
    for info in cands:
        body = wb.body_for(info)
        assert body is not None
        sub = wb.submit(ctx, info, body)
        resp = sub.response
        if resp.status_code not in (200, 204):
            continue
        monitors = [lk for lk in header_links(resp) if "monitor" in lk.get("rel", "").split()]
        if not monitors:
            sign = _job_sign(ctx, sub.url, resp)
            if sign is not None:
                seen += 1
                ctx.fail(resp, f"a Link header with rel=monitor to the job of the synchronous execution of "
                         f"{info.id!r}", f"no monitor link, although {sign}")
            else:
                no_sign.append(info.id)
            continue
        seen += 1
        url = ctx.http.resolve(sub.url, monitors[0]["href"])
        trace = wb.wait(ctx, url, label=info.id)
        last = trace.last_response or resp
        if trace.problem:
            ctx.fail(last, "the monitor link to lead to a statusInfo (200 JSON with status)", trace.problem)
            continue
        ctx.expect_schema(trace.last_doc, "statusInfo", last)
        ctx.expect(trace.status == "successful", last, f"the job of the synchronous execution of {info.id!r} "
                   "to be 'successful'", wb.describe_trace(trace))
    if not seen:
        shown = ", ".join(repr(p) for p in no_sign)
        ctx.skip(f"the synchronous answers ({shown or 'none was 200/204'}) show no sign of a job (no monitor "
                 "link, no Location, no jobID, no link to /jobs/...): creating jobs for synchronous execution is "
                 "optional (/per/core/process-execute-sync-job)")


def _job_sign(ctx: CheckContext, base: str, resp: httpx.Response) -> str | None:
    """What in a synchronous answer shows that a job exists, confirmed by GET (a statusInfo), or None.

    Looked at: the Location header, a ``jobID`` member of a JSON body, and links (header or body) whose
    target is under /jobs/. A hint that does not lead to a statusInfo is not evidence."""
    hrefs: list[tuple[str, str]] = []
    if resp.headers.get("location"):
        hrefs.append((f"the answer has Location {resp.headers['location']}", resp.headers["location"]))
    doc = json_or_none(resp)
    if isinstance(doc, Mapping) and isinstance(doc.get("jobID"), str) and doc["jobID"]:
        hrefs.append((f"the body names jobID {doc['jobID']!r}", wb.job_url(ctx, doc["jobID"])))
    links = list(header_links(resp))
    if isinstance(doc, Mapping) and isinstance(doc.get("links"), list):
        links += [lk for lk in doc["links"] if isinstance(lk, Mapping)]
    for lk in links:
        href = lk.get("href")
        if isinstance(href, str) and "/jobs/" in href and "/results" not in href:
            hrefs.append((f"the answer links to {href} (rel {lk.get('rel')!r})", href))
    for what, href in hrefs[:3]:
        url = ctx.http.resolve(base, href)
        if not ctx.http.is_own(url):
            continue
        got = ctx.get(url)
        status = json_or_none(got)
        if got.status_code == 200 and isinstance(status, Mapping) and isinstance(status.get("status"), str):
            return f"{what}, a job whose status is {status['status']!r}"
    return None
