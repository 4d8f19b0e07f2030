"""Core execute inputs: Annex A tests 20-28 (in-line, by reference, arrays, objects, mixed types, binary,
bbox, validation).

Each test picks the processes whose inputs have the feature (``inputs.input_features`` tags), sends a
valid request that uses it, and expects the server to accept it: a synchronous 200/204, or a 201 whose
job ends ``successful`` (``_workbench.expect_success``). The shape of the results is judged by the
results tests (29-33, 40-44), not here. Other inputs of the process keep the toolkit's generated values,
with a delay input set short and a ``fail`` switch set to false.

By reference (test 22) the value is served by the toolkit's own receiver (``callback_receiver``) at an
unguessable URL, as a value the input's schema accepts: text/plain for a string, application/json for any
other JSON value, the declared media type for a binary input. Only a loopback server is sent such links,
unless ``--reference-base-url`` says where the server reaches the receiver. The test passes when the
execution succeeded and the receiver saw the GET of that URL (the evidence that the value was fetched); a
server that hands the link object to the process (visible when the process echoes it) fails; a success
without any fetch proves nothing and is skipped.

Input validation (test 28): invalid bodies come from ``inputs.invalid_variants``. 1.0 fixes no status
code: a 4xx or 500 answer with a JSON exception body, or a 201 whose job ends ``failed``, counts as the
exception report; executing the invalid request successfully fails. Naming the bad input in the report
is checked as a warning.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ... import inputs as I
from urllib.parse import urlsplit

from ..._oas_values import BBOX, media_type_of, schema_parts, shape_of
from ...callback_receiver import CallbackReceiver
from ..callback import is_loopback
from ...runner import CheckContext, Skip
from .._registry import check
from . import _workbench as wb

MAX_INPUT_PROCESSES = 3
MAX_INVALID_PER_PROCESS = 3
MAX_BRANCHES = 3
Encoded = list[tuple[str, object]]  # (what is sent, the execute-request value of the input)


def _cases(ctx: CheckContext, tag: str) -> list[tuple[wb.ProcessInfo, str]]:
    """(process, input id) for the first input with ``tag`` of each workable process (capped)."""
    chosen = wb.pick([p for p in wb.workable(ctx) if p.inputs_with(tag)], MAX_INPUT_PROCESSES)
    return [(info, info.inputs_with(tag)[0]) for info in chosen]


def _input_desc(info: wb.ProcessInfo, iid: str) -> Mapping[str, Any]:
    return I.input_descriptions(info.description)[iid]


def _feature_test(ctx: CheckContext, tag: str, encodings: Callable[[Mapping[str, Any]], Encoded],
                  none_reason: str) -> None:
    """For each process with a ``tag`` input, send each encoding of it and expect success."""
    cases = _cases(ctx, tag)
    if not cases:
        ctx.skip(none_reason)
    sent = 0
    for info, iid in cases:
        for what, encoded in encodings(_input_desc(info, iid)):
            body = wb.body_for(info, inputs={iid: encoded})
            if body is None:
                continue
            sent += 1
            wb.expect_success(ctx, info, body, f"process {info.id!r} with input {iid!r} {what}")
    if not sent:
        ctx.skip(f"{none_reason.replace('no process', 'no process the toolkit can build a request for')}")


# == 20-22: in-line and by reference ===================================================================
def _inline(ctx: CheckContext) -> None:
    cands = wb.pick([p for p in wb.workable(ctx) if p.features], MAX_INPUT_PROCESSES)
    if not cands:
        ctx.skip("no process the toolkit can execute has inputs")
    for info in cands:
        body = wb.body_for(info, include_optional=True) or wb.body_for(info)
        assert body is not None
        wb.expect_success(ctx, info, body, f"process {info.id!r} with every input in-line")


def _served_value(schema: Mapping[str, Any]) -> tuple[bytes, str, object] | None:
    """(bytes, media type, value) that make a value the input's schema accepts, or None.

    A string is served as text/plain, any other JSON value as application/json, a binary input
    (contentMediaType / format binary) as its declared media type."""
    part = next((p for p in schema_parts(schema) if I.is_binary_schema(p)), None)
    if part is not None:
        mtype = media_type_of(part) or "application/octet-stream"
        return b"oaproc-testkit reference value", mtype, None
    try:
        value = I.example_value(schema)
    except (ValueError, KeyError, TypeError):
        return None
    if value is None or I.validate_value(schema, value, strict_oneof=False):
        return None
    if isinstance(value, str):
        return value.encode("utf-8"), "text/plain", value
    return json.dumps(value).encode("utf-8"), "application/json", value


def _ref_cases(ctx: CheckContext) -> list[tuple[wb.ProcessInfo, str, tuple[bytes, str, object]]]:
    """(process, input id, what to serve) for one single-occurrence input of up to two workable processes."""
    out = []
    for info in wb.workable(ctx):
        for iid, idesc in I.input_descriptions(info.description).items():
            if info.delay is not None and iid == info.delay[0] or iid == info.fail_switch:
                continue
            lo, _hi = I.occurs(idesc)
            schema = I.input_schema(idesc)
            if lo > 1 or not schema:
                continue
            served = _served_value(schema)
            if served is not None:
                out.append((info, iid, served))
                break
        if len(out) >= 2:
            break
    return out


def _receiver_address(ctx: CheckContext) -> tuple[str, int, str | None]:
    """(listen host, port, base URL given to the server) of the value receiver; skips when no address fits."""
    base = ctx.settings.reference_base_url
    if base:
        return "0.0.0.0", int(urlsplit(base).port or 0), base  # noqa: S104 - the user asked for a reachable address
    host = urlsplit(ctx.settings.server_url).hostname
    if not is_loopback(host):
        ctx.skip(f"the server under test ({host}) is not on loopback, so it cannot fetch values from the toolkit's "
                 "receiver on 127.0.0.1; give --reference-base-url http://HOST:PORT reachable from the server")
    return "127.0.0.1", 0, None


def _by_reference(ctx: CheckContext) -> None:
    cases = _ref_cases(ctx)
    if not cases:
        ctx.skip("no single-occurrence input for which the toolkit can serve a value its schema accepts")
    listen, port, base = _receiver_address(ctx)
    confirmed, unconfirmed = 0, []
    with CallbackReceiver(listen, port) as rx:
        for info, iid, (data, mtype, value) in cases:
            # A fragment is never sent when the URL is fetched, so no fetched content can contain it; if it
            # shows up in the results, the link itself was handed to the process.
            marker = f"oaproc-ref-{uuid.uuid4().hex[:12]}"
            url = rx.serve(data, mtype, base_url=base)
            link = {"href": f"{url}#{marker}", "type": mtype}
            body = wb.body_for(info, inputs={iid: link})
            if body is None:
                continue
            what = f"process {info.id!r} with input {iid!r} by reference ({mtype} at {url})"
            resp = wb.expect_success(ctx, info, body, what)
            if resp is None:
                continue
            if not ctx.expect(marker not in resp.text, resp, f"the value of input {iid!r} fetched from its href",
                              "the link itself in the results (the process got the link object, not the fetched "
                              "value)"):
                continue
            fetched = rx.fetches_of(url)
            echoed = isinstance(value, str) and len(value) >= 3 and value in resp.text
            if fetched:
                confirmed += 1
                ctx.note(f"{info.id!r}: the server fetched {iid!r} ({fetched} GET of its unguessable URL)"
                         + ("; the results echo the value" if echoed else ""))
            else:
                unconfirmed.append(f"{info.id!r} succeeded without fetching {url}")
    if not confirmed and not ctx.failed:
        # The requirement is that the server accept values by reference, i.e. dereference them; an execution
        # that never fetched the URL shows nothing about that (the process may ignore the input).
        ctx.skip("no execution showed that a reference was fetched: " + "; ".join(unconfirmed or ["none ran"]))


@check("/conf/core/job-creation-inputs")
def job_creation_inputs(ctx: CheckContext) -> None:
    """Input values are accepted in-line and by reference (/req/core/process-execute-inputs): tests 21
    and 22 together. Skipped when the by-reference part cannot be exercised (unless the in-line part
    already failed)."""
    _inline(ctx)
    try:
        _by_reference(ctx)
    except Skip as exc:
        if ctx.failed:
            return
        raise Skip(f"inputs in-line accepted, but inputs by reference could not be exercised: {exc}") from None


@check("/conf/core/job-creation-input-inline")
def job_creation_input_inline(ctx: CheckContext) -> None:
    """Every input sent in-line is accepted (/req/core/process-execute-inputs, part A)."""
    _inline(ctx)


@check("/conf/core/job-creation-input-ref")
def job_creation_input_ref(ctx: CheckContext) -> None:
    """An input value passed by reference (``{"href": ...}``) is fetched and accepted
    (/req/core/process-execute-inputs, part B)."""
    _by_reference(ctx)


# == 23-27: input features =============================================================================
def _array_encodings(idesc: Mapping[str, Any]) -> Encoded:
    schema = I.input_schema(idesc)
    lo, hi = I.occurs(idesc)
    one = I.example_value(schema)
    sizes = ([1] if lo <= 1 else []) + ([max(lo, 2)] if hi is None or hi >= max(lo, 2) else [])
    return [(f"as an array of {n}", I.encode_input(idesc, [copy.deepcopy(one) for _ in range(n)], as_array=True))
            for n in sizes]


@check("/conf/core/job-creation-input-array")
def job_creation_input_array(ctx: CheckContext) -> None:
    """An input with maxOccurs > 1 is accepted as an array of values, also of one value
    (/req/core/process-execute-input-array)."""
    _feature_test(ctx, "array", _array_encodings, "no process has an input with maxOccurs > 1")


def _object_encodings(idesc: Mapping[str, Any]) -> Encoded:
    value = I.example_value(I.input_schema(idesc))
    if not isinstance(value, Mapping):
        return []
    encoded = I.encode_input(idesc, value)
    first = encoded[0] if isinstance(encoded, list) and encoded else encoded
    if not (isinstance(first, Mapping) and "value" in first):
        return []
    return [("as a qualified value {\"value\": {...}}", encoded)]


@check("/conf/core/job-creation-input-inline-object")
def job_creation_input_inline_object(ctx: CheckContext) -> None:
    """An object-typed input sent in-line as a qualified value ``{"value": {...}}`` is accepted
    (/req/core/process-execute-input-inline-object)."""
    _feature_test(ctx, "object", _object_encodings, "no process has an object-typed input")


def _mixed_encodings(idesc: Mapping[str, Any]) -> Encoded:
    schema = I.input_schema(idesc)
    merged = I.merge_all_of(schema) if isinstance(schema.get("allOf"), list) else schema
    lo, _hi = I.occurs(idesc)
    out: Encoded = []
    for i, branch in enumerate([b for b in merged.get("oneOf") or () if isinstance(b, Mapping)][:MAX_BRANCHES]):
        value = I.example_value(branch)
        if I.validate_value(schema, value, strict_oneof=False):
            continue
        qualified = I.encode_value(schema, value)
        if not (isinstance(qualified, Mapping) and "value" in qualified and len(qualified) > 1):
            # no media type tells this branch apart: name it through the format's schema member
            qualified = {"value": value, "schema": dict(branch)}
        mt = qualified.get("mediaType") if isinstance(qualified, Mapping) else None
        label = f"as a qualified value of oneOf branch {i + 1}" + (f" (mediaType {mt})" if mt else "")
        out.append((label, [qualified] * max(lo, 1) if lo > 1 else qualified))
    return out


@check("/conf/core/job-creation-input-inline-mixed")
def job_creation_input_inline_mixed(ctx: CheckContext) -> None:
    """An input whose schema is a oneOf of several types is accepted as a qualified value whose format
    members pick the branch (/req/core/process-execute-input-mixed-type)."""
    _feature_test(ctx, "mixed", _mixed_encodings, "no process has an input whose schema is a oneOf of types")


def _binary_encodings(idesc: Mapping[str, Any]) -> Encoded:
    schema = I.input_schema(idesc)
    part = next((p for p in schema_parts(schema) if I.is_binary_schema(p)), schema)
    value = I.example_value(part)
    if isinstance(value, str) and I.validate_value(schema, value, strict_oneof=False):
        return []
    raw = value if isinstance(value, (str, bytes)) else b"oaproc-testkit"
    return [("as a base64 string", I.encode_input(idesc, raw))]


@check("/conf/core/job-creation-input-inline-binary")
def job_creation_input_inline_binary(ctx: CheckContext) -> None:
    """A binary input sent in-line as a base64 string is accepted (/req/core/process-execute-input-inline-binary)."""
    _feature_test(ctx, "binary", _binary_encodings, "no process has a binary input (format byte/binary)")


def _bbox_encodings(idesc: Mapping[str, Any]) -> Encoded:
    schema = I.input_schema(idesc)
    part = next((p for p in schema_parts(schema) if shape_of(p) == BBOX), schema)
    value = I.example_value(part)
    if not (isinstance(value, Mapping) and "bbox" in value):
        value = I.shape_example(BBOX, part)
    return [(f"as a bbox {json.dumps(value)}", I.encode_input(idesc, value))]


@check("/conf/core/job-creation-input-inline-bbox")
def job_creation_input_inline_bbox(ctx: CheckContext) -> None:
    """A bbox input sent as ``{"bbox": [...], "crs": ...}`` is accepted (/req/core/process-execute-input-inline-bbox)."""
    _feature_test(ctx, "bbox", _bbox_encodings, "no process has a bbox input")


# == 28: validation ====================================================================================
def _pick_variants(info: wb.ProcessInfo) -> list[tuple[str, str, dict[str, Any]]]:
    """Up to MAX_INVALID_PER_PROCESS invalid bodies, one per input first (round robin), quiet otherwise."""
    by_input: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    try:
        variants = I.invalid_variants(info.description)
    except (ValueError, KeyError, TypeError):
        return []
    quiet = wb.quiet_inputs(info)
    for iid, what, body in variants:
        if iid in quiet:
            continue  # the delay and fail switches stay as the toolkit sets them
        body = copy.deepcopy(body)
        body.setdefault("inputs", {}).update(quiet)
        by_input.setdefault(iid, []).append((iid, what, body))
    picked: list[tuple[str, str, dict[str, Any]]] = []
    rounds = max((len(v) for v in by_input.values()), default=0)
    for r in range(rounds):
        for lst in by_input.values():
            if r < len(lst) and len(picked) < MAX_INVALID_PER_PROCESS:
                picked.append(lst[r])
    return picked


def _mentions(text: str, iid: str) -> bool:
    return iid in text


def _judge_invalid(ctx: CheckContext, info: wb.ProcessInfo, iid: str, what: str, body: dict[str, Any]) -> None:
    sub = wb.submit(ctx, info, body, prefer=None if info.may_sync else wb.ASYNC)
    resp = sub.response
    code = resp.status_code
    expected = f"an exception report for invalid input {iid!r} ({what})"
    if code == 201:
        if sub.job_url is None:
            ctx.fail(resp, expected, "201 without a job URL", detail=wb.body_excerpt(body))
            return
        trace = wb.wait(ctx, sub.job_url)
        if not ctx.expect(trace.status == "failed", trace.last_response or resp,
                          f"{expected}, or a job that ends 'failed'", wb.describe_trace(trace),
                          detail=wb.body_excerpt(body)):
            return
        texts = [json.dumps(trace.last_doc, default=str)]
        job_id = wb.job_id_of(sub)
        if job_id:
            texts.append(wb.get_results(ctx, wb.job_url(ctx, job_id) + "/results").text)
        _identify(ctx, trace.last_response or resp, iid, " ".join(texts))
        return
    if 200 <= code < 300:
        ctx.fail(resp, expected, f"status {code} (the invalid request was executed)", detail=wb.body_excerpt(body))
        return
    if not (400 <= code < 500 or code == 500):
        ctx.fail(resp, f"{expected} (a 4xx or 500 status)", f"status {code}{wb.hint(resp)}",
                 detail=wb.body_excerpt(body))
        return
    doc = wb.exception_doc(resp)
    if doc is None:
        ctx.fail(resp, f"{expected}: a JSON exception body (exception.yaml)",
                 f"status {code}, Content-Type {resp.headers.get('content-type', 'none')}", detail=_excerpt(resp))
        return
    ctx.expect_schema(doc, "exception", resp)
    _identify(ctx, resp, iid, resp.text)


def _excerpt(resp: httpx.Response) -> str:
    text = resp.text.strip().replace("\n", " ")
    return "body: " + (text[:200] + "..." if len(text) > 200 else text)


def _identify(ctx: CheckContext, resp: httpx.Response, iid: str, text: str) -> None:
    if not _mentions(text, iid):
        ctx.warn(resp, f"an exception report that identifies the invalid input {iid!r}",
                 "a report that does not mention it")


@check("/conf/core/job-creation-input-validation")
def job_creation_input_validation(ctx: CheckContext) -> None:
    """Inputs are validated against their schemas (/req/core/process-execute-input-validation): valid
    inputs are executed, schema-violating ones give an exception report (4xx/500 with a JSON exception, or
    a job that ends failed) that should name the input."""
    procs = wb.pick([p for p in wb.workable(ctx) if p.features and _pick_variants(p)], MAX_INPUT_PROCESSES)
    cands = [(p, _pick_variants(p)) for p in procs]
    if not cands:
        ctx.skip("no process has an input for which the toolkit can build an invalid value")
    refused: list[str] = []
    for info, variants in cands:
        body = wb.body_for(info)
        assert body is not None
        # A valid request refused with a 4xx says nothing about validation (the refusal is judged by the test of
        # that input form): without a control that succeeds, a refused invalid variant proves nothing either.
        before = len(refused)
        wb.expect_success(ctx, info, body, f"process {info.id!r} with valid inputs",
                          on_refusal=lambda r, pid=info.id: refused.append(f"{pid!r} ({r.status_code})"))
        if len(refused) > before:
            continue
        for iid, what, bad in variants:
            _judge_invalid(ctx, info, iid, what, bad)
    if len(refused) == len(cands):
        ctx.skip("the valid control request of every process was refused (" + ", ".join(refused)
                 + "), so a refused invalid one would prove nothing")
    if refused:
        ctx.note("not judged, its valid control request refused: " + ", ".join(refused))
