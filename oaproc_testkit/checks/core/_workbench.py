"""Shared tools of the core execution checks (Annex A tests 16-47): pick processes, run them, judge results.

- ``processes(ctx)``: what each selected process offers (jobControlOptions, outputTransmission, outputs,
  input features, a delay or a fail switch), read once per run from the descriptions.
- ``body_for(...)``: a valid execute body (``inputs.build_execute_request``) with the toolkit's "quiet"
  overrides: a delay input set to a short value, a boolean ``fail`` input set to false.
- ``submit(...)``: POST .../execution; ``async_job(...)``: an execution with ``Prefer: respond-async``
  followed to its end, cached per (process, body) through ``ctx.session.shared``.
- ``ResultShape`` + ``verify_results(...)``: the response shapes of the table in clause 7.11.4 (digest
  §3.3), used for synchronous answers and for ``GET /jobs/{jobID}/results`` alike.
- ``parse_multipart(...)``: ``multipart/related`` bodies through the stdlib ``email`` parser; Content-IDs
  are compared with and without ``<...>``.

Nothing here records a verdict by itself except ``verify_results``/``expect_success``, which take the
check's context and the requirement to name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ... import inputs as I
from ..._oas_values import declared_types, media_type_of, schema_parts
from ...errors import RequestFailed
from ...jobs import (
    JobTrace,
    Submission,
    execute,
    header_links,
    json_or_none,
)
from ...runner import JSON_TYPES, CheckContext, media_type
from .. import _jobs_fixture as fx
from ..._oas_values import PatternTooCostly

T = TypeVar("T")
ASYNC = "respond-async"
SYNC_OPT, ASYNC_OPT = "sync-execute", "async-execute"
QUICK_DELAY_S = 0.0  # delay input of executions that should end at once (clamped to the input's minimum)
CHEAP_S = 1.0  # a process whose shortest delay is longer is used only when no cheaper one fits
RESULTS_ACCEPT = "application/json, multipart/related;q=0.9, */*;q=0.8"
MAX_REF_GETS = 5  # Content-Location / Link targets fetched per response

# Requirement of each results shape, for a synchronous answer and for GET /jobs/{jobID}/results.
SYNC_REQ = {
    "raw-value-one": "/req/core/process-execute-sync-raw-value-one",
    "raw-value-multi": "/req/core/process-execute-sync-raw-value-multi",
    "raw-ref": "/req/core/process-execute-sync-raw-ref",
    "raw-mixed-multi": "/req/core/process-execute-sync-raw-mixed-multi",
    "document": "/req/core/process-execute-sync-document",
}
ASYNC_REQ = {
    "raw-value-one": "/req/core/job-results-async-raw-value-one",
    "raw-value-multi": "/req/core/job-results-async-raw-value-multi",
    "raw-ref": "/req/core/job-results-async-raw-ref",
    "raw-mixed-multi": "/req/core/job-results-async-raw-mixed-multi",
    "document": "/req/core/job-results-async-document",
}


# == what the processes offer =========================================================================
@dataclass(frozen=True)
class ProcessInfo:
    """One process as the execution checks see it (from its description and summary)."""

    id: str
    description: Mapping[str, Any]
    job_control: tuple[str, ...]
    transmission: tuple[str, ...]  # outputTransmission as declared (empty: not declared)
    outputs: tuple[str, ...]
    features: Mapping[str, frozenset[str]]  # input id -> inputs.input_features tags
    delay: tuple[str, Mapping[str, Any]] | None  # (input id, schema) of a delay input
    fail_switch: str | None  # boolean input that makes the process fail
    always_fails: bool  # the id/title says it fails and it has no switch to turn that off

    @property
    def quick_s(self) -> float:
        """Seconds of the shortest delay the process accepts (0 without a delay input)."""
        return float(delay_value(self.delay[1], QUICK_DELAY_S)) if self.delay is not None else 0.0

    @property
    def mode(self) -> str | None:
        """'sync-only', 'async-only', 'both', or None when jobControlOptions names no execution mode."""
        sync, asy = SYNC_OPT in self.job_control, ASYNC_OPT in self.job_control
        return "both" if sync and asy else "sync-only" if sync else "async-only" if asy else None

    @property
    def may_sync(self) -> bool:
        """Declares sync-execute, or declares no execution mode at all (then it is worth a try)."""
        return self.mode in ("sync-only", "both", None)

    @property
    def may_async(self) -> bool:
        return self.mode in ("async-only", "both", None)

    def allows(self, transmission: str) -> bool:
        """The process declares ``transmission`` in outputTransmission (``value`` is the default)."""
        return transmission in self.transmission or (not self.transmission and transmission == "value")

    def inputs_with(self, tag: str) -> list[str]:
        return [iid for iid, tags in self.features.items() if tag in tags]

    def output_schema(self, output_id: str) -> Mapping[str, Any]:
        outs = self.description.get("outputs")
        if isinstance(outs, list):  # the pre-1.0 list form
            outs = {o.get("id"): o for o in outs if isinstance(o, Mapping)}
        out = outs.get(output_id) if isinstance(outs, Mapping) else None
        schema = out.get("schema") if isinstance(out, Mapping) else None
        return schema if isinstance(schema, Mapping) else {}


def _transmission(ctx: CheckContext, pid: str, desc: Mapping[str, Any]) -> tuple[str, ...]:
    for doc in (desc, next((p for p in ctx.snap.process_summaries if p.get("id") == pid), {})):
        raw = doc.get("outputTransmission") if isinstance(doc, Mapping) else None
        if isinstance(raw, list):
            return tuple(t for t in raw if isinstance(t, str))
    return ()


def _info(ctx: CheckContext, pid: str, desc: Mapping[str, Any]) -> ProcessInfo:
    fail_switch = fx.fail_input(desc)
    return ProcessInfo(
        id=pid,
        description=desc,
        job_control=tuple(ctx.snap.job_control(pid)),
        transmission=_transmission(ctx, pid, desc),
        outputs=tuple(I.output_ids(desc)),
        features={iid: I.input_features(idesc) for iid, idesc in I.input_descriptions(desc).items()},
        delay=fx.delay_input(desc),
        fail_switch=fail_switch,
        always_fails=fail_switch is None and fx.looks_failing({**desc, "id": desc.get("id", pid)}),
    )


def processes(ctx: CheckContext) -> list[ProcessInfo]:
    """Every selected process whose description could be read (``--process`` / ``max_processes`` apply)."""
    def load() -> list[ProcessInfo]:
        return [_info(ctx, pid, desc) for pid, desc in ctx.snap.descriptions().items()]

    return ctx.session.shared(("workbench", "processes"), load)


def workable(ctx: CheckContext) -> list[ProcessInfo]:
    """Processes expected to succeed with a generated body (not built to fail, a body can be built),
    those that can run quickly first."""
    def load() -> list[ProcessInfo]:
        found = [p for p in processes(ctx) if not p.always_fails and body_for(p) is not None]
        return sorted(found, key=lambda p: p.quick_s > CHEAP_S)

    return list(ctx.session.shared(("workbench", "workable"), load))


def pick(cands: Sequence[ProcessInfo], cap: int) -> list[ProcessInfo]:
    """At most ``cap`` candidates; slow ones (shortest delay above CHEAP_S) only when no quick one fits."""
    quick = [p for p in cands if p.quick_s <= CHEAP_S]
    return list(quick or cands)[:cap]


def budgeted(ctx: CheckContext, cands: Sequence[ProcessInfo]) -> list[ProcessInfo]:
    """Every candidate ("for each identified process"), quick ones first, up to ``--max-processes-per-test``;
    the ones the budget leaves out are named in a ``budget:`` note (the summary repeats it)."""
    cap = max(1, ctx.settings.max_processes_per_test)
    chosen, left = list(cands[:cap]), list(cands[cap:])
    if left:
        ctx.note(f"budget: --max-processes-per-test {cap} left out {len(left)} process(es): "
                 + ", ".join(p.id for p in left))
    return chosen


def planned_bodies(ctx: CheckContext, cands: Sequence[ProcessInfo], *, response: str | None,
                   outputs_for: Callable[[ProcessInfo], dict[str, Any] | None]) -> list[tuple[ProcessInfo, dict[str, Any]]]:
    """(process, execute body) for every budgeted candidate a body can be built for (result-shape tests)."""
    planned: list[tuple[ProcessInfo, dict[str, Any]]] = []
    for info in budgeted(ctx, cands):
        body = body_for(info, response=response, outputs=outputs_for(info))
        if body is not None:
            planned.append((info, body))
    return planned


def note_exercised(ctx: CheckContext, ids: Sequence[str]) -> None:
    """Say which processes the test executed (every report shows the notes)."""
    if ids:
        ctx.note("processes exercised: " + ", ".join(dict.fromkeys(ids)))


def run_all(calls: Sequence[Callable[[], T]], *, workers: int = 4) -> list[T]:
    """Run ``calls`` side by side (I/O: executions, job waits) and return their values in order.

    An exception of a call (a failed request, the run's bound) is raised here, after all have ended."""
    if len(calls) <= 1:
        return [c() for c in calls]
    with ThreadPoolExecutor(max_workers=min(workers, len(calls)), thread_name_prefix="oaproc-exec") as pool:
        futures = [pool.submit(c) for c in calls]
        wait_all(futures)
    return [f.result() for f in futures]


def by_mode(ctx: CheckContext) -> dict[str, ProcessInfo]:
    """The first workable process of each jobControlOptions kind ('sync-only', 'async-only', 'both')."""
    out: dict[str, ProcessInfo] = {}
    for p in workable(ctx):
        if p.mode is not None and p.mode not in out:
            out[p.mode] = p
    return out


def async_cands(ctx: CheckContext) -> list[ProcessInfo]:
    """Workable processes that may run asynchronously: async-only, then both, then undeclared; within
    each kind a process with a single output first (its results are the simplest to judge)."""
    order = {"async-only": 0, "both": 1, None: 2}
    found = [p for p in workable(ctx) if p.may_async]
    return sorted(found, key=lambda p: (p.quick_s > CHEAP_S, order[p.mode], len(p.outputs) != 1))


# == execute bodies ===================================================================================
def delay_value(schema: Mapping[str, Any], wanted: float) -> int | float:
    """A value of the delay input close to ``wanted`` seconds: from its enum when it has one (the
    smallest value not below ``wanted``, else the largest), else clamped to minimum/maximum."""
    enum = [v for v in schema.get("enum") or () if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if enum:
        above = sorted(v for v in enum if v >= wanted)
        return above[0] if above else max(enum)
    return fx.delay_value(schema, wanted)


def quiet_inputs(info: ProcessInfo, *, delay_s: float = QUICK_DELAY_S, fail: bool = False) -> dict[str, Any]:
    """Overrides that make an execution short and (unless ``fail``) successful."""
    out: dict[str, Any] = {}
    if info.delay is not None:
        out[info.delay[0]] = delay_value(info.delay[1], delay_s)
    if info.fail_switch is not None:
        out[info.fail_switch] = fail
    return out


def body_for(info: ProcessInfo, *, inputs: Mapping[str, Any] | None = None, include_optional: bool = False,
             response: str | None = None, outputs: Mapping[str, Any] | None = None,
             delay_s: float = QUICK_DELAY_S, fail: bool = False) -> dict[str, Any] | None:
    """A valid execute body (quiet overrides first, then ``inputs``); None if none can be built."""
    given = {**quiet_inputs(info, delay_s=delay_s, fail=fail), **dict(inputs or {})}
    try:
        return I.build_execute_request(info.description, inputs=given, include_optional=include_optional,
                                       response=response, outputs=outputs)
    except (ValueError, KeyError, TypeError, PatternTooCostly):  # a pattern too costly to use: no body
        return None


def outputs_request(ids: Sequence[str], transmission: str | Mapping[str, str]) -> dict[str, Any]:
    """An ``outputs`` map: every id with its transmissionMode (one mode for all, or per id)."""
    modes = transmission if isinstance(transmission, Mapping) else {oid: transmission for oid in ids}
    return {oid: {"transmissionMode": modes[oid]} for oid in ids}


# == executing ========================================================================================
def submit(ctx: CheckContext, info: ProcessInfo | str, body: Mapping[str, Any], *,
           prefer: str | None = None) -> Submission:
    """POST the body to the process's execution endpoint (redirects not followed)."""
    pid = info if isinstance(info, str) else info.id
    ctx.session.check_deadline()
    sub = execute(ctx.http, quote(pid, safe=""), body, prefer=prefer)
    ctx.last = ("POST", ctx.http.redact(sub.url))
    if sub.mode == "async":
        ctx.session.observe_status(sub.url, sub.status_doc)
    return sub


def job_id_of(sub: Submission) -> str | None:
    """jobID from the statusInfo body, else the last path segment of the job URL."""
    doc = sub.status_doc
    if isinstance(doc, Mapping) and isinstance(doc.get("jobID"), str) and doc["jobID"]:
        return str(doc["jobID"])
    if sub.job_url:
        return sub.job_url.rstrip("/").rsplit("/", 1)[-1] or None
    return None


def job_url(ctx: CheckContext, job_id: str) -> str:
    return ctx.url(f"/jobs/{quote(job_id, safe='')}")


def wait(ctx: CheckContext, url: str, *, label: str = "a job", sent_at: float | None = None, **kw: Any) -> JobTrace:
    """Follow a job (backoff polling) until it ends or ``--job-timeout`` passes (``Session.follow_job``)."""
    ctx.last = ("GET", ctx.http.redact(url))
    return ctx.session.follow_job(url, label=label, sent_at=sent_at, **kw)


@dataclass
class AsyncRun:
    """An execution sent with ``Prefer: respond-async`` and, when a job came of it, that job's end."""

    info: ProcessInfo
    body: dict[str, Any]
    submission: Submission
    job_id: str | None = None
    status_url: str | None = None  # where the job was followed (Location or monitor link)
    trace: JobTrace | None = None

    @property
    def is_job(self) -> bool:
        return self.status_url is not None

    @property
    def succeeded(self) -> bool:
        return self.trace is not None and self.trace.status == "successful"


def async_job(ctx: CheckContext, info: ProcessInfo, body: Mapping[str, Any], *,
              follow: bool = True) -> AsyncRun:
    """Execute with ``Prefer: respond-async`` (once per run for a given process and body) and, when the
    answer is a job (201, or a sync answer with a ``monitor`` link), follow it to its end."""
    key = ("workbench", "async", info.id, json.dumps(body, sort_keys=True, default=str), follow)

    def make() -> AsyncRun:
        sub = submit(ctx, info, body, prefer=ASYNC)
        run = AsyncRun(info=info, body=dict(body), submission=sub)
        if sub.job_url is not None and sub.mode in ("async", "sync"):
            run.job_id = job_id_of(sub)
            run.status_url = sub.job_url
            if follow:
                run.trace = wait(ctx, sub.job_url, label=info.id, sent_at=sub.sent_at)
        return run

    return ctx.session.shared(key, make)


def describe_trace(trace: JobTrace | None) -> str:
    """What following a job showed, in a few words (for 'got' texts)."""
    if trace is None:
        return "the job was not followed"
    if trace.problem:
        return trace.problem
    if trace.timed_out:
        return f"status still {trace.status!r} after the job timeout"
    msg = trace.last_doc.get("message") if isinstance(trace.last_doc, Mapping) else None
    return f"status {trace.status!r}" + (f" (message: {str(msg)[:100]})" if msg else "")


def expect_success(ctx: CheckContext, info: ProcessInfo, body: Mapping[str, Any], what: str, *,
                   on_refusal: Callable[[httpx.Response], None] | None = None, **kw: Any) -> httpx.Response | None:
    """Execute ``body`` and expect the server to accept it: a synchronous 200/204, or a 201 job that ends
    ``successful``. Synchronous when the process allows it, else asynchronous. Records a failure if not.

    Returns the response that carries the results (the synchronous answer, or GET /jobs/{jobID}/results
    of the finished job), or None after a failure."""
    prefer = None if info.may_sync else ASYNC
    sub = submit(ctx, info, body, prefer=prefer)
    resp = sub.response
    code = resp.status_code
    if code in (200, 204):
        return resp
    if code == 201:
        if sub.job_url is None:
            ctx.fail(resp, f"a job URL (Location) for {what}", "201 without Location or jobID", **kw)
            return None
        trace = wait(ctx, sub.job_url, label=info.id, sent_at=sub.sent_at)
        if not ctx.expect(trace.status == "successful", trace.last_response or resp,
                          f"the job of {what} to end 'successful'", describe_trace(trace),
                          detail=body_excerpt(body), **kw):
            return None
        job_id = job_id_of(sub)
        url = job_url(ctx, job_id) + "/results" if job_id else sub.job_url.rstrip("/") + "/results"
        return get_results(ctx, url)
    if on_refusal is not None and 400 <= code < 500:
        on_refusal(resp)  # the caller judges this refusal under another requirement (or cannot tell)
        return None
    ctx.fail(resp, f"a successful execution (200, 201 or 204) of {what}", f"status {code}{hint(resp)}",
             detail=body_excerpt(body), **kw)
    return None


def hint(resp: httpx.Response) -> str:
    doc = json_or_none(resp)
    if isinstance(doc, Mapping):
        for key in ("detail", "description", "title", "type", "code"):
            if isinstance(doc.get(key), str) and doc[key]:
                return f" ({key}: {doc[key][:100]})"
    if media_type(resp).startswith("text/html"):
        return " (an HTML page)"
    return ""


def body_excerpt(body: Mapping[str, Any]) -> str:
    text = json.dumps(body, default=str)
    return "request body: " + (text if len(text) <= 400 else text[:400] + "...")


def results_url(ctx: CheckContext, run: AsyncRun) -> str:
    """``/jobs/{jobID}/results`` of the run's job (from the followed URL when no jobID is known)."""
    if run.job_id:
        return job_url(ctx, run.job_id) + "/results"
    assert run.status_url is not None
    return run.status_url.rstrip("/") + "/results"


def get_results(ctx: CheckContext, url: str) -> httpx.Response:
    return ctx.get(url, accept=RESULTS_ACCEPT)


# == results shapes (digest §3.3) ======================================================================
@dataclass(frozen=True)
class ResultShape:
    """Which row of the results table a request selects: response type and the requested outputs."""

    response: str  # "raw" or "document"
    outputs: tuple[tuple[str, str], ...]  # (output id, "value" | "reference") in request order
    media: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # output id -> acceptable media types
    schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [oid for oid, _ in self.outputs]

    @property
    def case(self) -> str:
        if self.response == "document":
            return "document"
        modes = {mode for _, mode in self.outputs}
        if modes == {"reference"}:
            return "raw-ref"
        if modes == {"value", "reference"}:
            return "raw-mixed-multi"
        return "raw-value-one" if len(self.outputs) == 1 else "raw-value-multi"

    @classmethod
    def of(cls, info: ProcessInfo, body: Mapping[str, Any]) -> ResultShape:
        """The shape ``body`` asks for: ``outputs`` omitted means all outputs (req 27), value by default."""
        response = body.get("response") if body.get("response") in ("raw", "document") else "raw"
        outs = body.get("outputs")
        specs: Mapping[str, Any] = outs if isinstance(outs, Mapping) else {}
        ids = [str(k) for k in specs] if isinstance(outs, Mapping) else list(info.outputs)
        pairs: list[tuple[str, str]] = []
        media: dict[str, tuple[str, ...]] = {}
        for oid in ids:
            raw_spec = specs.get(oid)
            spec: Mapping[str, Any] = raw_spec if isinstance(raw_spec, Mapping) else {}
            mode = spec.get("transmissionMode")
            pairs.append((oid, mode if mode in ("value", "reference") else "value"))
            raw_fmt = spec.get("format")
            fmt: Mapping[str, Any] = raw_fmt if isinstance(raw_fmt, Mapping) else {}
            wanted = fmt.get("mediaType")
            media[oid] = (wanted,) if isinstance(wanted, str) and wanted else declared_media_types(info.output_schema(oid))
        return cls(response=str(response), outputs=tuple(pairs), media=media,
                   schemas={oid: info.output_schema(oid) for oid in ids})


def declared_media_types(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """Media types an output schema names (``contentMediaType`` of the schema or of its branches)."""
    found: list[str] = []
    for part in schema_parts(schema):
        mt = media_type_of(part)
        if mt and mt not in found:
            found.append(mt)
    return tuple(found)


def _same_media(got: str, wanted: str) -> bool:
    return got == wanted.split(";")[0].strip().lower()


def _is_json_media(ctype: str) -> bool:
    return ctype in JSON_TYPES or ctype.endswith("+json")


def verify_results(ctx: CheckContext, resp: httpx.Response, shape: ResultShape, *, requirement: str) -> bool:
    """Judge a results response (synchronous answer or /jobs/{jobID}/results) against its table row."""
    before = len(ctx.findings)
    case = shape.case
    if case == "raw-ref":
        _verify_raw_ref(ctx, resp, shape, requirement)
    elif case == "document":
        _verify_document(ctx, resp, shape, requirement)
    elif case == "raw-value-one":
        _verify_raw_one(ctx, resp, shape, requirement)
    else:
        _verify_multipart(ctx, resp, shape, requirement)
    return not any(f.severity == "failure" for f in ctx.findings[before:])


def _verify_raw_one(ctx: CheckContext, resp: httpx.Response, shape: ResultShape, req: str) -> None:
    oid = shape.ids[0]
    if not ctx.expect_status(resp, 200, requirement=req):
        return
    ctype = media_type(resp)
    if ctype.startswith("multipart/"):
        ctx.fail(resp, f"the bare value of output {oid!r}", f"a {ctype} body", requirement=req)
        return
    wanted = shape.media.get(oid, ())
    if wanted:
        ctx.expect(any(_same_media(ctype, w) for w in wanted), resp,
                   f"Content-Type {' or '.join(wanted)} (output {oid!r})",
                   f"Content-Type {resp.headers.get('content-type', 'none')}", requirement=req)
    schema = shape.schemas.get(oid) or {}
    if _is_json_media(ctype) and _json_schema_types(schema):
        try:
            value = resp.json()
        except ValueError as exc:
            ctx.fail(resp, "valid JSON", f"invalid JSON ({str(exc).splitlines()[0][:80]})", requirement=req)
            return
        errors = I.validate_value(schema, value, strict_oneof=False)
        if ctx.expect(not errors, resp, f"the bare value of output {oid!r} (valid against its schema)",
                      f"{_short(value)}: {errors[0] if errors else ''}", requirement=req):
            wrapper = envelope(value, oid, schema)
            ctx.expect(not wrapper, resp, f"the bare value of output {oid!r}, not wrapped",
                       f"{wrapper}: {_short(value)}", requirement=req)


def _members_asked(schema: Mapping[str, Any]) -> set[str]:
    """Member names an (object) schema mentions: ``properties``, ``required``, ``patternProperties`` keys."""
    names: set[str] = set()
    for part in schema_parts(schema):
        if not isinstance(part, Mapping):
            continue
        props = part.get("properties")
        if isinstance(props, Mapping):
            names |= {str(k) for k in props}
        req = part.get("required")
        if isinstance(req, list):
            names |= {str(k) for k in req}
        if part.get("patternProperties"):
            names.add("*")
    return names


def envelope(value: Any, oid: str, schema: Mapping[str, Any]) -> str:
    """How a raw single-output body wraps its value ('' when it does not): the body's only member is the
    output id, or its members are exactly ``id`` and ``value``; unless the output schema itself asks for
    such members (then the process may well produce that object)."""
    if not isinstance(value, Mapping):
        return ""
    keys = set(map(str, value))
    asked = _members_asked(schema)
    if "*" in asked:
        return ""
    if keys == {oid} and oid not in asked:
        return f"an object whose only member is the output id {oid!r}"
    if keys == {"id", "value"} and not ({"id", "value"} & asked):
        return "an {\"id\", \"value\"} object (the results-document form of 2.0 drafts and pygeoapi)"
    return ""


def _json_schema_types(schema: Mapping[str, Any]) -> bool:
    """The schema says what JSON value the output is (so a JSON body can be checked against it)."""
    return any(declared_types(p) for p in schema_parts(schema)) if schema else False


def _short(value: object, limit: int = 80) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _verify_document(ctx: CheckContext, resp: httpx.Response, shape: ResultShape, req: str) -> None:
    if not ctx.expect_status(resp, 200, requirement=req):
        return
    ctype = media_type(resp)
    ctx.expect(ctype == "application/json", resp, "Content-Type application/json",
               f"Content-Type {resp.headers.get('content-type', 'none')}", requirement=req)
    doc = ctx.expect_json(resp, requirement=req)
    if doc is None:
        return
    ctx.expect_schema(doc, "results", resp, requirement=req)
    if not isinstance(doc, Mapping):
        return
    missing = [oid for oid in shape.ids if oid not in doc]
    ctx.expect(not missing, resp, f"a results member per requested output ({', '.join(shape.ids)})",
               f"members {', '.join(sorted(map(str, doc))) or 'none'}", requirement=req)
    for oid, mode in shape.outputs:
        if mode == "reference" and oid in doc:
            value = doc[oid]
            ctx.expect(isinstance(value, Mapping) and isinstance(value.get("href"), str), resp,
                       f"output {oid!r} (transmissionMode reference) as a link with href", _short(value),
                       requirement=req)


def _verify_raw_ref(ctx: CheckContext, resp: httpx.Response, shape: ResultShape, req: str) -> None:
    if not ctx.expect_status(resp, 204, requirement=req):
        return
    ctx.expect(not resp.content, resp, "an empty body (204)", f"{len(resp.content)} bytes", requirement=req)
    links = [lk for lk in header_links(resp) if "monitor" not in lk.get("rel", "").split()]
    ctx.expect(len(links) >= len(shape.ids), resp,
               f"a Link header per requested output ({len(shape.ids)}: {', '.join(shape.ids)})",
               f"{len(links)} output link(s)", requirement=req)


@dataclass(frozen=True)
class Part:
    """One MIME part of a multipart/related body."""

    content_id: str | None  # without <...>
    content_type: str
    content_location: str | None
    body: bytes


def normalize_content_id(value: str | None) -> str | None:
    """A Content-ID compared with and without ``<...>`` (RFC 2392 writes it in angle brackets)."""
    if value is None:
        return None
    text = str(value).strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    return text


def parse_multipart(resp: httpx.Response) -> tuple[list[Part], str]:
    """(parts, "") or ([], why the body is not a readable multipart message)."""
    header = resp.headers.get("content-type", "")
    if not media_type(resp).startswith("multipart/"):
        return [], f"Content-Type {header or 'none'}"
    raw = b"Content-Type: " + header.encode("latin-1", "replace") + b"\r\nMIME-Version: 1.0\r\n\r\n" + resp.content
    msg = BytesParser(policy=HTTP).parsebytes(raw)
    if not msg.is_multipart():
        defects = ", ".join(type(d).__name__ for d in msg.defects) or "no parts"
        return [], f"an unreadable multipart body ({defects})"
    parts: list[Part] = []
    for sub in msg.iter_parts():
        payload = sub.get_payload(decode=True)
        parts.append(Part(
            content_id=normalize_content_id(sub.get("Content-ID")),
            content_type=sub.get_content_type() if sub.get("Content-Type") else "",
            content_location=str(sub.get("Content-Location")).strip() if sub.get("Content-Location") else None,
            body=payload if isinstance(payload, bytes) else b"",
        ))
    return parts, ""


def _verify_multipart(ctx: CheckContext, resp: httpx.Response, shape: ResultShape, req: str) -> None:
    if not ctx.expect_status(resp, 200, requirement=req):
        return
    ctype = media_type(resp)
    if not ctx.expect(ctype == "multipart/related", resp, "Content-Type multipart/related",
                      f"Content-Type {resp.headers.get('content-type', 'none')}", requirement=req):
        return
    parts, problem = parse_multipart(resp)
    if problem:
        ctx.fail(resp, "a multipart/related body (RFC 2387)", problem, requirement=req)
        return
    ids = [p.content_id for p in parts]
    ctx.expect(sorted(map(str, ids)) == sorted(shape.ids), resp,
               f"one part per requested output with Content-ID = output id ({', '.join(shape.ids)})",
               f"{len(parts)} part(s) with Content-ID {', '.join(map(repr, ids)) or 'none'}", requirement=req)
    modes = dict(shape.outputs)
    fetched = 0
    for part in parts:
        mode = modes.get(part.content_id or "")
        if mode == "reference":
            ctx.expect(not part.body, resp, f"an empty part for output {part.content_id!r} (by reference)",
                       f"{len(part.body)} bytes", requirement=req)
            if not ctx.expect(bool(part.content_location), resp,
                              f"a Content-Location header in the part of output {part.content_id!r}",
                              "none", requirement=req):
                continue
            if fetched < MAX_REF_GETS:
                fetched += 1
                _expect_fetchable(ctx, str(resp.request.url), str(part.content_location), part.content_id, req)
        elif mode == "value":
            ctx.expect(not (not part.body and part.content_location), resp,
                       f"the value of output {part.content_id!r} in its part (transmissionMode value)",
                       f"an empty part with Content-Location {part.content_location}", requirement=req)


def _expect_fetchable(ctx: CheckContext, base: str, href: str, oid: str | None, req: str) -> None:
    """GET a by-reference output URL of the server itself; it should answer 200."""
    url = ctx.http.resolve(base, href)
    if not ctx.http.is_own(url):
        return  # another host: the toolkit sends nothing there
    try:
        got = ctx.get(url, accept="*/*")
    except RequestFailed as exc:
        ctx.fail(None, f"the output {oid!r} at its Content-Location", exc.reason, requirement=req,
                 method="GET", url=url)
        return
    ctx.expect(got.status_code == 200, got, f"status 200 for output {oid!r} (its Content-Location)",
               f"status {got.status_code}", requirement=req)


# == exceptions =======================================================================================
def exception_doc(resp: httpx.Response) -> Mapping[str, Any] | None:
    """The body as an exception object when it is JSON with a string ``type``; else None."""
    ctype = media_type(resp)
    if not _is_json_media(ctype):
        return None
    doc = json_or_none(resp)
    return doc if isinstance(doc, Mapping) and isinstance(doc.get("type"), str) else None
