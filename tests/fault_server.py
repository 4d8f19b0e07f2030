"""A fault-injecting reference OGC API - Processes 1.0 server for testing the toolkit (tests/ only).

With no fault it implements the eight conformance classes of OAProc 1.0 (core, ogc-process-description,
json, html, oas30, job-list, callback, dismiss) as the requirements digest reads them: the execution-mode
table (digest §3.1), every results shape of clause 7.11.4 (raw value, multipart/related, 204 + Link,
results document), exceptions with the three 1.0 type URIs, job list filters with paging, subscriber
callbacks (POSTed only to loopback URLs, with timeouts), dismiss, HTML via ``?f=html`` or
``Accept: text/html``, and an OpenAPI 3.0 document behind the ``service-desc`` link.

Each entry of ``FAULTS`` switches one deviation on. A fault named after an abstract test (its ID without
``/conf/``) breaks exactly the rule that test checks; handlers branch on ``self.fault("...")``. The
``load/...`` faults misbehave for every ``every``-th job or POST (deterministic), for the load tests.
Adding a fault: one ``FAULTS`` entry, then a branch where the behaviour lives: ``Handler`` methods
(``get_*``/``post_execution``/``delete_job``) and ``RequestReader`` use ``self.fault`` / ``self.h.fault``;
``FaultServer`` (job threads, callbacks) uses ``self.fault``; ``openapi(base, fault)`` gets the predicate.

    handle = start_server(["core/job-success"], limit=2)
    ... handle.url ...   # http://127.0.0.1:<port>/
    handle.stop()

By hand: ``python tests/fault_server.py --port 8000 --fault core/job-success --limit 4``.

Processes: ``echo`` (sync+async, message/pause/fail), ``sleep`` (async only, ``seconds``), ``add``
(sync only), ``kitchen-sink`` (inputs of every kind: enum/range literals, bbox, binary, object, array,
oneOf; two outputs). Asynchronous jobs run in threads; ``limit=N`` lets at most N jobs run at once, the
others wait ``accepted`` in FIFO order.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import hashlib
import html
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

FAULTS: dict[str, str] = {
    # -- landing page (Annex A tests 1-2) ---------------------------------------------------------------
    "core/landingpage-op": "GET / answers 404",
    "core/landingpage-success": "the landing page has no link with rel .../conformance",
    "core/api-definition-op": "the service-desc link of the landing page leads to a 404",
    "core/api-definition-success": "the API definition is a JSON object that names no format (no 'openapi' member)",
    "core/conformance-op": "GET /conformance answers 405 Method Not Allowed",
    "core/conformance-success": "conformsTo does not list the core class",
    "core/http": "answers come back as HTTP/1.0",
    "core/process-list": "GET /processes answers 405 Method Not Allowed",
    "core/pl-limit-definition": "the OpenAPI document declares no 'limit' parameter on GET /processes",
    "core/process-list-success": "the process list has no 'links' member",
    "core/pl-links": "the process list has no rel=self link",
    "core/pl-limit-response": "GET /processes ignores limit and returns every process",
    "core/process": "GET /processes/{processID} answers 405 Method Not Allowed",
    "core/process-success": "GET /processes/{processID} returns the description of another process",
    "core/process-exception-no-such-process": "an unknown process ID gives 404 with type no-such-job",
    "ogc-process-description/json-encoding": "process descriptions lack the required 'version'",
    "ogc-process-description/inputs-def": "an input description has minOccurs as a string",
    "ogc-process-description/input-def": "an input schema has type 'text', which schema.yaml does not allow",
    "ogc-process-description/input-mixed-type": "a oneOf branch of a multi-type input is not a valid schema",
    "ogc-process-description/outputs-def": "an output description has a title that is a number",
    "ogc-process-description/output-def": "an output schema has type 'text', which schema.yaml does not allow",
    "ogc-process-description/output-mixed-type": "a oneOf branch of a multi-type output is not a valid schema",
    "json/definition": "JSON documents are served as text/plain",
    "html/definition": "asked for HTML, the process list answers JSON",
    "html/content": "HTML pages have no <!DOCTYPE html>",
    "oas30/oas-definition-1": "the API definition is served as application/json",
    "oas30/oas-definition-2": "the API definition's info object has no title",
    "oas30/oas-impl": "the API definition declares GET /statistics, which does not exist",
    "oas30/completeness": "the execute operation lists no 200/201/204 and no default response",
    "oas30/exceptions-codes": "operations list no error responses and no default",
    "oas30/security": "GET /processes needs an Authorization header; the API definition declares no security",
    "job-list/job-list-op": "GET /jobs answers 405 Method Not Allowed",
    "job-list/type-definition": "/jobs rejects the type parameter (400)",
    "job-list/processID-definition": "/jobs rejects the processID parameter (400)",
    "job-list/status-definition": "/jobs rejects status=dismissed (400)",
    "job-list/datetime-definition": "/jobs rejects datetime intervals with an open end '..' (400)",
    "job-list/duration-definition": "/jobs rejects maxDuration (400)",
    "job-list/limit-definition": "/jobs rejects a limit above 50 (400)",
    "job-list/job-list-success": "the statusInfo objects of the job list have no status",
    "job-list/links": "the job list has no rel=self link",
    "job-list/type-response": "with type=process the listed jobs have type 'task'",
    "job-list/processID-mandatory": "statusInfo objects (list and job) have no processID",
    "job-list/processID-response": "/jobs ignores the processID filter",
    "job-list/status-response": "/jobs ignores the status filter",
    "job-list/datetime-response": "/jobs ignores the datetime filter",
    "job-list/duration-response": "/jobs ignores minDuration and maxDuration",
    "job-list/limit-response": "/jobs ignores limit",
    "callback/job-callback": "subscriber URIs are accepted but never called",
    "dismiss/job-dismiss-op": "DELETE /jobs/{jobID} answers 405 Method Not Allowed",
    "dismiss/job-dismiss-success": "DELETE /jobs/{jobID} answers 200 but the job goes on running",
    # -- core execution, jobs and results (Annex A tests 16-47) ------------------------------------------
    "core/job-creation-op": "POST /processes/{processID}/execution answers 405 Method Not Allowed",
    "core/job-creation-auto-execution-mode": "with Prefer: respond-async a sync-only process answers asynchronously (201)",
    "core/job-creation-default-execution-mode": "without Prefer a process allowing both modes answers asynchronously (201)",
    "core/job-creation-request": "an execute request that states \"response\": \"raw\" explicitly is rejected (400)",
    "core/job-creation-inputs": "inputs by reference are not fetched: the link object is handed to the process",
    "core/job-creation-input-inline": "in-line values of integer-typed inputs are rejected (400)",
    "core/job-creation-input-ref": "inputs by reference are not fetched: the link object is handed to the process",
    "core/job-creation-input-array": "an array of values for an input with maxOccurs > 1 is rejected (400)",
    "core/job-creation-input-inline-object": "a qualified value {\"value\": {...}} of an object input is rejected (400)",
    "core/job-creation-input-inline-mixed": "a qualified value whose mediaType/schema picks a oneOf branch is rejected (400)",
    "core/job-creation-input-inline-binary": "base64 strings of binary inputs are rejected (400)",
    "core/job-creation-input-inline-bbox": "bbox objects {\"bbox\": [...]} are rejected (400)",
    "core/job-creation-input-validation": "input values are not validated: schema-violating inputs are executed",
    "core/job-creation-sync-raw-value-one": "sync raw single output by value comes wrapped in a JSON object",
    "core/job-creation-sync-raw-value-multi": "sync raw multipart/related parts carry no Content-ID",
    "core/job-creation-sync-raw-ref": "sync raw outputs by reference answer 200 with a JSON body instead of 204 + Link",
    "core/job-creation-sync-raw-mixed-multi": "sync raw mixed: by-reference parts carry the value, no Content-Location",
    "core/job-creation-sync-document": "sync results document omits the last requested output",
    "core/job-creation-success-async": "the 201 answer of an asynchronous execution has no Location header",
    "core/job-op": "GET /jobs/{jobID} answers 405 Method Not Allowed",
    "core/job-success": "the statusInfo of GET /jobs/{jobID} lacks the required jobID and type",
    "core/job-exception-no-such-job": "GET /jobs/{unknown} answers 404 with type no-such-process",
    "core/job-results": "GET /jobs/{jobID}/results answers 405 Method Not Allowed",
    "core/job-results-sync": "the monitor link of a synchronous answer points at a job that does not exist",
    "core/job-results-async-raw-value-one": "async results, raw single output by value, come wrapped in a JSON object",
    "core/job-results-async-raw-value-multi": "async results, raw multipart/related parts carry no Content-ID",
    "core/job-results-async-raw-ref": "async results by reference answer 200 with a JSON body instead of 204 + Link",
    "core/job-results-async-raw-mixed-multi": "async results, raw mixed: by-reference parts carry the value",
    "core/job-results-async-document": "async results document omits the last requested output",
    "core/job-results-exception-no-such-job": "GET /jobs/{unknown}/results answers 404 with type result-not-ready",
    "core/job-results-exception-results-not-ready": "results of an unfinished job: 404 with type no-such-job",
    "core/job-results-failed": "results of a failed job: 404 with type result-not-ready",
    # -- load behaviour (every ``every``-th job or POST) ----------------------------------------------
    "load/leaky-limit": "every k-th job ignores the concurrency limit, so more than N jobs run at once",
    "load/lost-jobs": "every k-th job disappears when it ends: GET /jobs/{jobID} answers 404",
    "load/stuck-jobs": "every k-th asynchronous job stays 'running' forever",
    "load/submit-500": "every k-th POST .../execution answers 500 without creating a job",
}

# -- behaviours of issue 8 (verdicts-exec): not faults of one check, but legal or deviant server
#    behaviours the toolkit once misjudged (tests/test_verdicts_exec.py) --------------------------------
FAULTS.update({
    "x/sync-location-no-monitor": "synchronous answers carry Location: /jobs/{id} (an existing job) but no monitor link",
    "x/sync-no-job": "synchronous answers carry neither a monitor link nor any other sign of a job",
    "x/late-validation": "no process has a fail switch (the 'fail' inputs are not described) and an invalid "
                         "request sent with Prefer: respond-async is accepted (201) and its job ends failed",
    "x/no-fail-switch": "no process has a fail switch (the 'fail' inputs are not described); invalid requests get 400",
    "x/strict-reference-media": "a referenced value is read as its Content-Type says (JSON stays JSON), as a "
                                "strictly conformant server does",
})

EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
NO_SUCH_PROCESS = EXC + "no-such-process"
NO_SUCH_JOB = EXC + "no-such-job"
RESULT_NOT_READY = EXC + "result-not-ready"
INVALID_INPUT = "urn:oaproc-testkit:fault-server:invalid-input"  # 1.0 defines no URI for these (digest §3.5)
BAD_REQUEST = "urn:oaproc-testkit:fault-server:bad-request"
PROCESS_FAILED = "urn:oaproc-testkit:fault-server:process-failed"
JOB_DISMISSED = "urn:oaproc-testkit:fault-server:job-dismissed"
NOT_ALLOWED = "urn:oaproc-testkit:fault-server:method-not-allowed"
SERVER_ERROR = "urn:oaproc-testkit:fault-server:server-error"
NOT_FOUND = "urn:oaproc-testkit:fault-server:not-found"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
CONF = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"
CLASSES = ("core", "ogc-process-description", "json", "html", "oas30", "job-list", "callback", "dismiss")
OAS_TYPE = "application/vnd.oai.openapi+json;version=3.0"
JSON = "application/json"
HTML = "text/html"
STATUSES = ("accepted", "running", "successful", "failed", "dismissed")
TERMINAL = ("successful", "failed", "dismissed")
LIMIT_DEFAULT, LIMIT_MAX = 10, 1000
FETCH_TIMEOUT_S = 5.0  # references and callbacks
SLOT_WAIT_S = 600.0  # longest wait of a job for a free slot under ``limit``
MAX_BODY = 8 * 1024 * 1024
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"


class ApiError(Exception):
    """An exception answer: HTTP status, exception type URI, detail."""

    def __init__(self, status: int, type_uri: str, detail: str, title: str = "") -> None:
        super().__init__(detail)
        self.status, self.type_uri, self.detail = status, type_uri, detail
        self.title = title or {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 410: "Gone",
                               500: "Internal Server Error"}.get(status, "Error")


class ProcessFailure(Exception):
    """A process ended in failure (the job becomes ``failed``)."""


class Dismissed(Exception):
    """The job was dismissed (or the server stops) while it ran."""


# == time ============================================================================================
def now() -> datetime:
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)  # millisecond precision, as rendered


def rfc3339(t: datetime | None) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """An RFC 3339 date-time (``Z`` or offset; naive read as UTC); ValueError if it is none."""
    value = text.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}", value):
        raise ValueError(text)
    dt = datetime.fromisoformat(value.replace("z", "Z"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# == a small OAS 3.0 schema validator (independent of the toolkit's) ==================================
def _json_type(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object" if isinstance(v, dict) else type(v).__name__


def _type_ok(t: str, v: object) -> bool:
    if t == "integer":
        return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    kinds: dict[str, type] = {"string": str, "boolean": bool, "array": list, "object": dict}
    return isinstance(v, kinds[t]) if t in kinds else True


def is_base64(text: str) -> bool:
    compact = "".join(text.split())
    if not re.fullmatch(r"[A-Za-z0-9+/_-]*={0,2}", compact) or len(compact.rstrip("=")) % 4 == 1:
        return False
    try:
        b64decode(compact)
    except (binascii.Error, ValueError):
        return False
    return True


def validate(schema: Any, value: Any, path: str = "$") -> list[str]:
    """Every violation of ``schema`` (OAS 3.0 subset; ``oneOf`` read as ``anyOf``, digest §4.5)."""
    if not isinstance(schema, Mapping) or not schema:
        return []
    if value is None:
        return [] if schema.get("nullable") else [f"{path}: null is not allowed"]
    errs: list[str] = []
    t = schema.get("type")
    if isinstance(t, str) and not _type_ok(t, value):
        return [f"{path}: expected {t}, got {_json_type(value)}"]
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(value == e and _json_type(value) == _json_type(e) or
                                          (_type_ok("number", value) and _type_ok("number", e) and value == e)
                                          for e in enum):
        errs.append(f"{path}: {value!r} is not one of {enum}")
    if _type_ok("number", value):
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if isinstance(lo, (int, float)) and (value < lo or (schema.get("exclusiveMinimum") is True and value == lo)):
            errs.append(f"{path}: {value} is below the minimum {lo}")
        if isinstance(hi, (int, float)) and (value > hi or (schema.get("exclusiveMaximum") is True and value == hi)):
            errs.append(f"{path}: {value} is above the maximum {hi}")
        mult = schema.get("multipleOf")
        if isinstance(mult, (int, float)) and mult > 0 and abs(value / mult - round(value / mult)) > 1e-9:
            errs.append(f"{path}: {value} is not a multiple of {mult}")
    if isinstance(value, str):
        if isinstance(schema.get("minLength"), int) and len(value) < schema["minLength"]:
            errs.append(f"{path}: shorter than {schema['minLength']}")
        if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
            errs.append(f"{path}: longer than {schema['maxLength']}")
        if isinstance(schema.get("pattern"), str) and not re.search(schema["pattern"], value):
            errs.append(f"{path}: does not match {schema['pattern']!r}")
        if (schema.get("format") == "byte" or schema.get("contentEncoding") == "base64") and not is_base64(value):
            errs.append(f"{path}: not a base64 string")
    if isinstance(value, list):
        if isinstance(schema.get("minItems"), int) and len(value) < schema["minItems"]:
            errs.append(f"{path}: fewer than {schema['minItems']} items")
        if isinstance(schema.get("maxItems"), int) and len(value) > schema["maxItems"]:
            errs.append(f"{path}: more than {schema['maxItems']} items")
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) < len(value):
            errs.append(f"{path}: items are not unique")
        if isinstance(schema.get("items"), Mapping):
            for i, item in enumerate(value):
                errs += validate(schema["items"], item, f"{path}[{i}]")
    if isinstance(value, dict):
        for name in schema.get("required") or []:
            if name not in value:
                errs.append(f"{path}: missing required member {name!r}")
        props: Mapping[str, Any] = schema["properties"] if isinstance(schema.get("properties"), Mapping) else {}
        for name, sub in props.items():
            if name in value:
                errs += validate(sub, value[name], f"{path}.{name}")
        extra = schema.get("additionalProperties")
        for name in (n for n in value if n not in props):
            if extra is False:
                errs.append(f"{path}: unexpected member {name!r}")
            elif isinstance(extra, Mapping):
                errs += validate(extra, value[name], f"{path}.{name}")
        if isinstance(schema.get("minProperties"), int) and len(value) < schema["minProperties"]:
            errs.append(f"{path}: fewer than {schema['minProperties']} members")
        if isinstance(schema.get("maxProperties"), int) and len(value) > schema["maxProperties"]:
            errs.append(f"{path}: more than {schema['maxProperties']} members")
    if schema.get("format") == "ogc-bbox" and isinstance(value, dict):
        box = value.get("bbox")
        if not (isinstance(box, list) and len(box) in (4, 6)):
            errs.append(f"{path}: bbox needs 4 or 6 numbers")
    for sub in schema.get("allOf") or []:
        errs += validate(sub, value, path)
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            found = [validate(b, value, path) for b in branches]
            if all(found):
                errs.append(f"{path}: matches none of the {key} branches ({found[0][0]})")
    if isinstance(schema.get("not"), Mapping) and not validate(schema["not"], value, path):
        errs.append(f"{path}: matches a schema it must not match")
    return errs


# == processes =======================================================================================
def literal(t: str, **kw: Any) -> dict[str, Any]:
    return {"type": t, **kw}


BBOX_SCHEMA: dict[str, Any] = {
    "type": "object", "format": "ogc-bbox", "required": ["bbox"],
    "properties": {"bbox": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                   "crs": {"type": "string", "format": "uri", "default": CRS84, "enum": [CRS84, CRS84H]}},
}


@dataclass(frozen=True)
class Process:
    """One process: its description parts and the function that runs it."""

    id: str
    title: str
    description: str
    job_control: tuple[str, ...]
    inputs: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    run: Callable[[dict[str, Any], Job], dict[str, Any]]
    transmission: tuple[str, ...] = ("value", "reference")

    def output_medias(self, oid: str) -> list[str]:
        """Media types output ``oid`` is offered in, the default (first oneOf branch) first."""
        schema = self.outputs[oid]["schema"]
        found = [str(schema["contentMediaType"])] if schema.get("contentMediaType") else []
        found += [str(b["contentMediaType"]) for b in schema.get("oneOf") or [] if b.get("contentMediaType")]
        return found or [JSON]

    def output_media(self, oid: str) -> str:
        return self.output_medias(oid)[0]

    def summary(self, base: str) -> dict[str, Any]:
        return {"id": self.id, "version": "1.0.0", "title": self.title, "description": self.description,
                "keywords": ["oaproc-testkit", "reference"], "jobControlOptions": list(self.job_control),
                "outputTransmission": list(self.transmission),
                "links": [{"href": f"{base}/processes/{self.id}", "rel": "self", "type": JSON, "title": self.title},
                          {"href": f"{base}/processes/{self.id}?f=html", "rel": "alternate", "type": HTML,
                           "title": f"{self.title} (HTML)"}]}

    def document(self, base: str, fault: Callable[[str], bool] = lambda name: False) -> dict[str, Any]:
        doc = self.summary(base)
        doc["links"].append({"href": f"{base}/processes/{self.id}/execution", "rel": REL + "execute",
                             "type": JSON, "title": "Execute"})
        doc["inputs"] = self.inputs
        if fault("x/late-validation") or fault("x/no-fail-switch"):  # issue 8 block: no described fail switch
            doc["inputs"] = {k: v for k, v in self.inputs.items() if k != "fail"}
        doc["outputs"] = self.outputs
        if any(fault("ogc-process-description/" + n) for n in DESCRIPTION_FAULTS):
            doc = described_with_faults(json.loads(json.dumps(doc)), fault)
        return doc


DESCRIPTION_FAULTS = ("json-encoding", "inputs-def", "input-def", "input-mixed-type", "outputs-def", "output-def",
                      "output-mixed-type")


def described_with_faults(doc: dict[str, Any], fault: Callable[[str], bool]) -> dict[str, Any]:
    """A copy of a process description broken as the switched-on ogc-process-description faults say."""
    pd = "ogc-process-description/"
    if fault(pd + "json-encoding"):
        doc.pop("version", None)
    for member, prefix in (("inputs", "input"), ("outputs", "output")):
        entries = doc.get(member) or {}
        if not entries:
            continue
        first = next(iter(entries.values()))
        if fault(f"{pd}{member}-def"):
            if member == "inputs":
                first["minOccurs"] = "one"
            else:
                first["title"] = 42
        if fault(f"{pd}{prefix}-def"):
            first["schema"] = {"type": "text"}
        if fault(f"{pd}{prefix}-mixed-type"):
            for entry in entries.values():
                if isinstance(entry.get("schema"), dict) and isinstance(entry["schema"].get("oneOf"), list):
                    entry["schema"]["oneOf"][0] = {"type": "text"}
    return doc


def pause(job: Job, seconds: float) -> None:
    """Sleep ``seconds`` unless the job is dismissed or the server stops (then raise Dismissed)."""
    if seconds > 0 and job.cancel.wait(seconds):
        raise Dismissed()
    if job.cancel.is_set():
        raise Dismissed()


def run_echo(values: dict[str, Any], job: Job) -> dict[str, Any]:
    pause(job, float(values.get("pause") or 0))
    if values.get("fail"):
        raise ProcessFailure("the process was asked to end in failure (input 'fail' is true)")
    msg = values["message"]
    text = msg if isinstance(msg, str) else json.dumps(msg)
    return {"message": text, "info": {"message": text, "length": len(text)}}


def run_sleep(values: dict[str, Any], job: Job) -> dict[str, Any]:
    seconds = float(values["seconds"])
    pause(job, seconds)
    return {"slept": seconds}


def run_add(values: dict[str, Any], job: Job) -> dict[str, Any]:
    return {"sum": values["a"] + values["b"]}


def b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padding optional (``is_base64`` has accepted it)."""
    compact = "".join(text.split())
    alt = b"-_" if ("-" in compact or "_" in compact) else None
    return base64.b64decode(compact + "=" * (-len(compact) % 4), altchars=alt)


def run_kitchen_sink(values: dict[str, Any], job: Job) -> dict[str, Any]:
    report = {k: {"bytes": len(b64decode(v))} if k == "blob" else v for k, v in values.items()}
    digest = hashlib.sha256(json.dumps(report, sort_keys=True, default=str).encode()).hexdigest()
    scalars = {k: v for k, v in report.items() if isinstance(v, (str, int, float, bool))}
    table = "input,value\r\n" + "".join(f"{k},{json.dumps(v)}\r\n" for k, v in scalars.items())
    return {"report": report, "digest": digest, "table": table}


PROCESSES: dict[str, Process] = {p.id: p for p in (
    Process(
        id="echo", title="Echo", description="Returns its message; optional pause in seconds.",
        job_control=("sync-execute", "async-execute", "dismiss"),
        inputs={
            "message": {"title": "Message", "description": "Text to return.", "schema": literal("string")},
            "pause": {"title": "Pause", "description": "Seconds to wait before answering.", "minOccurs": 0,
                      "schema": literal("number", minimum=0, maximum=60, default=0)},
            "fail": {"title": "Fail switch", "description": "When true the job ends failed.", "minOccurs": 0,
                     "schema": literal("boolean", default=False)},
        },
        outputs={
            "message": {"title": "Message", "schema": literal("string", contentMediaType="text/plain")},
            "info": {"title": "Info", "schema": {"type": "object", "contentMediaType": JSON,
                                                 "properties": {"message": literal("string"),
                                                                "length": literal("integer")}}},
        },
        run=run_echo),
    Process(
        id="kitchen-sink", title="Kitchen sink", description="Takes inputs of every kind and reports them.",
        job_control=("sync-execute", "async-execute", "dismiss"),
        inputs={
            "label": {"title": "Label", "schema": literal("string", enum=["alpha", "beta", "gamma"])},
            "count": {"title": "Count", "minOccurs": 0, "schema": literal("integer", minimum=1, maximum=10)},
            "ratio": {"title": "Ratio", "minOccurs": 0, "schema": literal("number", minimum=0, maximum=1)},
            "flag": {"title": "Flag", "minOccurs": 0, "schema": literal("boolean")},
            "area": {"title": "Area", "minOccurs": 0, "schema": BBOX_SCHEMA},
            "blob": {"title": "Blob", "minOccurs": 0,
                     "schema": literal("string", format="byte", contentEncoding="base64",
                                       contentMediaType="application/octet-stream")},
            "settings": {"title": "Settings", "minOccurs": 0,
                         "schema": {"type": "object", "properties": {"name": literal("string"),
                                                                     "size": literal("integer", minimum=0)}}},
            "numbers": {"title": "Numbers", "minOccurs": 0, "maxOccurs": 5, "schema": literal("integer")},
            "shape": {"title": "Shape", "minOccurs": 0, "schema": {"oneOf": [
                literal("string", contentMediaType="text/plain"),
                {"type": "object", "contentMediaType": JSON, "required": ["kind"],
                 "properties": {"kind": literal("string"), "size": literal("number")}}]}},
        },
        outputs={
            "report": {"title": "Report", "schema": {"type": "object", "contentMediaType": JSON}},
            "digest": {"title": "Digest", "schema": literal("string", contentMediaType="text/plain")},
            "table": {"title": "Table of the scalar inputs", "schema": {"oneOf": [
                literal("string", contentMediaType="text/csv"), literal("string", contentMediaType="text/plain")]}},
        },
        run=run_kitchen_sink),
    Process(
        id="sleep", title="Sleep", description="Waits the given number of seconds (asynchronous only).",
        job_control=("async-execute", "dismiss"),
        inputs={"seconds": {"title": "Seconds", "description": "How long to wait.",
                            "schema": literal("number", minimum=0, maximum=600)}},
        outputs={"slept": {"title": "Seconds slept", "schema": literal("number", contentMediaType=JSON)}},
        run=run_sleep),
    Process(
        id="add", title="Add", description="Adds two numbers (synchronous only).",
        job_control=("sync-execute",),
        inputs={"a": {"title": "A", "schema": literal("number")}, "b": {"title": "B", "schema": literal("number")}},
        outputs={"sum": {"title": "Sum", "schema": literal("number", contentMediaType=JSON)}},
        run=run_add),
)}


# == jobs ============================================================================================
@dataclass
class Job:
    """One execution: the request as understood, its state, its results or error."""

    id: str
    seq: int
    process: Process
    values: dict[str, Any]
    response: str  # raw | document
    outputs: list[tuple[str, str]]  # (output id, value | reference) as requested
    subscriber: dict[str, str]
    sync: bool
    status: str = "accepted"
    message: str = "queued"
    progress: int = 0
    created: datetime = field(default_factory=now)
    started: datetime | None = None
    finished: datetime | None = None
    updated: datetime = field(default_factory=now)
    results: dict[str, Any] | None = None
    error: ApiError | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    media: dict[str, str] = field(default_factory=dict)  # output id -> requested format's media type
    leaky: bool = False
    lost: bool = False
    stuck: bool = False

    def set(self, status: str, message: str, progress: int | None = None) -> None:
        """Change the status; a dismissed job stays dismissed and a finished one only becomes dismissed."""
        if self.status == "dismissed" or (self.status in TERMINAL and status != "dismissed"):
            return
        self.status, self.message, self.updated = status, message, now()
        if progress is not None:
            self.progress = progress
        if status == "running" and self.started is None:
            self.started = self.updated
        if status in TERMINAL and self.finished is None:
            self.finished = self.updated

    def media_of(self, oid: str) -> str:
        return self.media.get(oid) or self.process.output_media(oid)

    def duration(self, at: datetime) -> float | None:
        if self.started is None:
            return None
        end = self.finished or at
        return (end - self.started).total_seconds()

    def status_info(self, base: str) -> dict[str, Any]:
        url = f"{base}/jobs/{self.id}"
        doc: dict[str, Any] = {"jobID": self.id, "processID": self.process.id, "type": "process",
                               "status": self.status, "message": self.message, "progress": self.progress,
                               "created": rfc3339(self.created), "updated": rfc3339(self.updated)}
        if self.started:
            doc["started"] = rfc3339(self.started)
        if self.finished:
            doc["finished"] = rfc3339(self.finished)
        links = [{"href": url, "rel": "self", "type": JSON, "title": "This job"},
                 {"href": url + "?f=html", "rel": "alternate", "type": HTML, "title": "This job (HTML)"},
                 {"href": f"{base}/jobs", "rel": "up", "type": JSON, "title": "The job list"}]
        if self.status == "successful":
            links.append({"href": url + "/results", "rel": REL + "results", "title": "Results"})
        elif self.status == "failed":
            links.append({"href": url + "/results", "rel": REL + "exceptions", "type": JSON, "title": "Why it failed"})
        doc["links"] = links
        return doc


class FaultServer(ThreadingHTTPServer):
    """The HTTP server with its faults, job store, FIFO concurrency limit and background threads."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, faults: Iterable[str], limit: int | None, every: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.faults = frozenset(faults)
        unknown = sorted(self.faults - set(FAULTS))
        if unknown:
            self.server_close()
            raise ValueError(f"unknown fault(s): {unknown}; known: {sorted(FAULTS)}")
        if limit is not None and limit < 1:
            self.server_close()
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.every = max(1, every)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Condition()
        self.queue: collections.deque[Job] = collections.deque()
        self.running = 0
        self.peak_running = 0
        self.job_seq = itertools.count(1)
        self.post_seq = itertools.count(1)
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def fault(self, name: str) -> bool:
        """Is fault ``name`` switched on? (Unknown names are a programming error.)"""
        if name not in FAULTS:
            raise KeyError(f"no fault named {name!r} in FAULTS")
        return name in self.faults

    def every_kth(self, seq: int) -> bool:
        return seq % self.every == 0

    # -- concurrency limit (FIFO) --------------------------------------------------------------------
    def acquire(self, job: Job) -> bool:
        """Wait (FIFO) for a free slot; False when the job was dismissed or the server stops first."""
        with self.lock:
            if self.limit is None or job.leaky:
                self._take()
                return True
            self.queue.append(job)
            end = time.monotonic() + SLOT_WAIT_S
            while True:
                if job.cancel.is_set() or self.stopping.is_set() or time.monotonic() > end:
                    if job in self.queue:
                        self.queue.remove(job)
                        self.lock.notify_all()
                    return False
                if self.queue[0] is job and self.running < self.limit:
                    self.queue.popleft()
                    self._take()
                    self.lock.notify_all()
                    return True
                self.lock.wait(timeout=0.25)

    def _take(self) -> None:
        self.running += 1
        self.peak_running = max(self.peak_running, self.running)

    def release(self) -> None:
        with self.lock:
            self.running -= 1
            self.lock.notify_all()

    # -- running a job ---------------------------------------------------------------------------------
    def execute_job(self, job: Job) -> None:
        """Run ``job`` to its end (in the calling thread), callbacks included."""
        if not self.acquire(job):
            if job.status != "dismissed":
                job.set("failed", "never started: no free slot before the server stopped or timed out")
                job.error = ApiError(500, SERVER_ERROR, f"job {job.id} never started")
            return
        try:
            if job.status == "dismissed":
                return
            job.set("running", "running", 0)
            self.callback(job, "inProgressUri", job.status_info(self.base))
            if job.stuck:
                return  # load/stuck-jobs: never reaches a terminal status
            try:
                produced = job.process.run(job.values, job)
            except Dismissed:
                return
            except ProcessFailure as exc:
                job.error = ApiError(500, PROCESS_FAILED, f"job {job.id} of process {job.process.id!r} failed: {exc}",
                                     title="Process failed")
                job.set("failed", str(exc), 100)
            except (TypeError, ValueError, KeyError, ArithmeticError) as exc:  # e.g. unvalidated input (a fault)
                job.error = ApiError(500, SERVER_ERROR, f"job {job.id} of process {job.process.id!r} crashed: "
                                     f"{type(exc).__name__}: {exc}", title="Process crashed")
                job.set("failed", f"{type(exc).__name__}: {exc}", 100)
            else:
                job.results = produced
                if job.status != "dismissed":
                    job.set("successful", "done", 100)
        finally:
            self.release()
        if job.status == "successful":
            self.callback(job, "successUri", results_document(self, job, job.outputs))
        elif job.status == "failed" and job.error is not None:
            self.callback(job, "failedUri", exception_doc(job.error))
        if job.lost:
            with self.lock:
                self.jobs.pop(job.id, None)

    def callback(self, job: Job, kind: str, doc: Any) -> None:
        """POST ``doc`` to the subscriber URI ``kind`` if it is an http://127.0.0.1 URL (a failure is noted in
        the job's message)."""
        uri = job.subscriber.get(kind)
        if not uri or not is_loopback_http(uri) or self.fault("callback/job-callback"):
            return
        req = urllib.request.Request(uri, data=json.dumps(doc).encode(), method="POST",
                                     headers={"Content-Type": JSON})
        try:
            with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT_S) as resp:
                resp.read(1024)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            job.message = f"{job.message} (callback {kind} not delivered: {exc})"

    def start_job_thread(self, job: Job) -> None:
        t = threading.Thread(target=self.execute_job, args=(job,), name=f"job-{job.seq}", daemon=True)
        t.start()
        with self.lock:
            self.threads = [th for th in self.threads if th.is_alive()] + [t]

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            jobs, threads = list(self.jobs.values()), list(self.threads)
            for job in jobs:
                job.cancel.set()
            self.lock.notify_all()
        self.shutdown()
        self.server_close()
        end = time.monotonic() + 5.0  # job threads end at once once cancelled; never wait longer than this
        for t in threads:
            t.join(timeout=max(0.0, end - time.monotonic()))


def is_loopback_http(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname == "127.0.0.1"  # this server sends nothing elsewhere


# == results ==========================================================================================
def serialize(value: Any, media: str) -> bytes:
    if media.endswith("json"):
        return json.dumps(value).encode()
    return (value if isinstance(value, str) else json.dumps(value)).encode()


def output_url(server: FaultServer, job: Job, oid: str) -> str:
    return f"{server.base}/jobs/{job.id}/results/{quote(oid, safe='')}"


def results_document(server: FaultServer, job: Job, outputs: list[tuple[str, str]]) -> dict[str, Any]:
    """results.yaml: by value an in-line value (objects as qualified values), by reference a link."""
    assert job.results is not None
    doc: dict[str, Any] = {}
    for oid, mode in outputs:
        media = job.media_of(oid)
        value = job.results[oid]
        if mode == "reference":
            doc[oid] = {"href": output_url(server, job, oid), "type": media, "title": oid}
        elif isinstance(value, (dict, list)) or not media.endswith("json") and not isinstance(value, str):
            doc[oid] = {"value": value, "mediaType": media}
        else:
            doc[oid] = value
    return doc


def exception_doc(err: ApiError) -> dict[str, Any]:
    return {"type": err.type_uri, "title": err.title, "status": err.status, "detail": err.detail}


# == HTML ============================================================================================
def to_html(title: str, doc: Any) -> bytes:
    """An HTML5 page that shows every member of ``doc`` and every link as an <a> element."""
    body = _html_value(doc)
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"</head><body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")
    return page.encode()


def _html_value(v: Any) -> str:
    if isinstance(v, dict):
        if isinstance(v.get("href"), str):
            label = html.escape(str(v.get("title") or v["href"]))
            attrs = "".join(f' {k}="{html.escape(str(v[k]), quote=True)}"' for k in ("rel", "type", "hreflang") if k in v)
            extra = "".join(f"<dt>{html.escape(k)}</dt><dd>{_html_value(x)}</dd>" for k, x in v.items()
                            if k not in ("href", "rel", "type", "hreflang", "title"))
            link = f'<a href="{html.escape(v["href"], quote=True)}"{attrs}>{label}</a>'
            facts = [f"{k}: {v[k]}" for k in ("rel", "type", "hreflang") if k in v]  # visible text, not only attributes
            shown = f" ({html.escape('; '.join(facts))})" if facts else ""
            return link + shown + (f"<dl>{extra}</dl>" if extra else "")
        return "<dl>" + "".join(f"<dt>{html.escape(str(k))}</dt><dd>{_html_value(x)}</dd>" for k, x in v.items()) + "</dl>"
    if isinstance(v, list):
        return "<ul>" + "".join(f"<li>{_html_value(x)}</li>" for x in v) + "</ul>"
    if isinstance(v, bool):
        return "true" if v else "false"
    return html.escape("null" if v is None else str(v))


# == execute requests ================================================================================
QUALIFIERS = frozenset({"value", "mediaType", "encoding", "schema"})


def occurs(idesc: Mapping[str, Any]) -> tuple[int, int | None]:
    lo = idesc.get("minOccurs", 1)
    hi = idesc.get("maxOccurs", 1)
    return int(lo), None if hi == "unbounded" else int(hi)


class RequestReader:
    """Turns an execute body into a Job's parts, validating everything (400 ApiError otherwise)."""

    def __init__(self, handler: Handler, process: Process) -> None:
        self.h = handler
        self.p = process

    def bad(self, iid: str, why: str) -> ApiError:
        return ApiError(400, INVALID_INPUT, f"input {iid!r} of process {self.p.id!r}: {why}", title="Invalid input")

    def read(self, body: Any) -> tuple[dict[str, Any], str, list[tuple[str, str]], dict[str, str], dict[str, str]]:
        """(input values, response, [(output id, transmissionMode)], subscriber, {output id: media type})."""
        h = self.h
        if not isinstance(body, dict):
            raise ApiError(400, BAD_REQUEST, "the execute request must be a JSON object")
        if h.fault("core/job-creation-request") and body.get("response") == "raw":
            raise ApiError(400, BAD_REQUEST, "member 'response' is not supported")
        raw_inputs = body.get("inputs", {})
        if not isinstance(raw_inputs, dict):
            raise ApiError(400, BAD_REQUEST, "'inputs' must be an object (input id -> value)")
        unknown = sorted(set(raw_inputs) - set(self.p.inputs))
        if unknown:
            raise self.bad(unknown[0], "no such input")
        values: dict[str, Any] = {}
        for iid, idesc in self.p.inputs.items():
            lo, hi = occurs(idesc)
            if iid not in raw_inputs:
                if lo >= 1:
                    raise self.bad(iid, "required input missing")
                continue
            values[iid] = self.read_input(iid, idesc, raw_inputs[iid], lo, hi)
        response = body.get("response", "raw")
        if response not in ("raw", "document"):
            raise ApiError(400, BAD_REQUEST, f"response must be 'raw' or 'document', got {response!r}")
        outs = body.get("outputs")
        outputs: list[tuple[str, str]] = []
        media: dict[str, str] = {}
        if outs is None:
            outputs = [(oid, "value") for oid in self.p.outputs]  # /req/core/process-execute-default-outputs
        elif not isinstance(outs, dict):
            raise ApiError(400, BAD_REQUEST, "'outputs' must be an object (output id -> output)")
        else:
            for oid, spec in outs.items():
                if oid not in self.p.outputs:
                    raise ApiError(400, BAD_REQUEST, f"process {self.p.id!r} has no output {oid!r}")
                spec = spec if isinstance(spec, dict) else {}
                mode = spec.get("transmissionMode", "value")
                if mode not in self.p.transmission:
                    raise ApiError(400, BAD_REQUEST, f"output {oid!r}: transmissionMode {mode!r} not offered")
                fmt: dict[str, Any] = spec["format"] if isinstance(spec.get("format"), dict) else {}
                wanted = fmt.get("mediaType")
                if wanted:
                    if str(wanted).split(";")[0].strip() not in self.p.output_medias(oid):
                        raise ApiError(400, BAD_REQUEST, f"output {oid!r} is not offered as {wanted}")
                    media[oid] = str(wanted).split(";")[0].strip()
                outputs.append((oid, mode))
        sub = body.get("subscriber")
        subscriber: dict[str, str] = {}
        if isinstance(sub, dict):
            subscriber = {k: v for k, v in sub.items() if k in ("successUri", "inProgressUri", "failedUri")
                          and isinstance(v, str)}
        elif sub is not None:
            raise ApiError(400, BAD_REQUEST, "'subscriber' must be an object")
        return values, response, outputs, subscriber, media

    def read_input(self, iid: str, idesc: Mapping[str, Any], raw: Any, lo: int, hi: int | None) -> Any:
        schema = idesc["schema"]
        array_schema = schema.get("type") == "array"
        if isinstance(raw, list) and hi != 1 and (not array_schema or all(isinstance(x, list) for x in raw)):
            if self.h.fault("core/job-creation-input-array"):
                raise self.bad(iid, "expects a single value, not an array")
            occurrences = raw
        else:
            occurrences = [raw]
        if len(occurrences) < max(lo, 1) or (hi is not None and len(occurrences) > hi):
            raise self.bad(iid, f"{len(occurrences)} value(s) given; minOccurs {lo}, maxOccurs {hi or 'unbounded'}")
        decoded = [self.read_occurrence(iid, schema, occ) for occ in occurrences]
        return decoded if hi != 1 else decoded[0]

    def read_occurrence(self, iid: str, schema: Mapping[str, Any], occ: Any) -> Any:
        h = self.h
        unchecked = h.fault("core/job-creation-input-validation")
        if isinstance(occ, dict) and "href" in occ and "value" not in occ:
            if h.fault("core/job-creation-input-ref") or h.fault("core/job-creation-inputs"):
                return occ  # the link object itself, never fetched
            return self.fetch(iid, schema, occ)
        target: Mapping[str, Any] = schema
        if isinstance(occ, dict) and "value" in occ and set(occ) <= QUALIFIERS:
            value = occ["value"]
            chooses = any(k in occ for k in ("mediaType", "encoding", "schema"))
            if isinstance(value, dict) and schema.get("type") == "object" and h.fault("core/job-creation-input-inline-object"):
                raise self.bad(iid, "qualified values are not supported")
            if chooses and isinstance(schema.get("oneOf"), list) and h.fault("core/job-creation-input-inline-mixed"):
                raise self.bad(iid, "format members (mediaType, encoding, schema) are not supported")
            target = self.branch(iid, schema, occ)
            if occ.get("encoding") == "base64" and not (isinstance(value, str) and is_base64(value)):
                raise self.bad(iid, "encoding base64 but the value is not a base64 string")
        else:
            value = occ
        if isinstance(value, dict) and "bbox" in value and h.fault("core/job-creation-input-inline-bbox"):
            raise self.bad(iid, "bounding boxes are not supported")
        if isinstance(value, str) and (target.get("format") == "byte" or target.get("contentEncoding") == "base64") \
                and h.fault("core/job-creation-input-inline-binary"):
            raise self.bad(iid, "binary values are not supported")
        if target.get("type") == "integer" and h.fault("core/job-creation-input-inline"):
            raise self.bad(iid, "integer literals are not supported")
        errors = [] if unchecked else validate(target, value)
        if errors:
            raise self.bad(iid, "; ".join(errors[:3]))
        return value

    def branch(self, iid: str, schema: Mapping[str, Any], qualified: Mapping[str, Any]) -> Mapping[str, Any]:
        """The part of ``schema`` the qualified value's format members name (the whole schema if none)."""
        media = qualified.get("mediaType")
        chosen = qualified.get("schema")
        branches = [b for b in schema.get("oneOf") or [] if isinstance(b, dict)]
        if isinstance(chosen, dict) and branches:
            for b in branches:
                if b == chosen:
                    return b
            raise self.bad(iid, "the format's schema is none of the input's oneOf branches")
        if isinstance(media, str) and media:
            mt = media.split(";")[0].strip()
            if branches:
                for b in branches:
                    if b.get("contentMediaType") == mt:
                        return b
                if any("contentMediaType" in b for b in branches):
                    raise self.bad(iid, f"mediaType {mt} is not offered")
            elif schema.get("contentMediaType") and schema["contentMediaType"] != mt:
                raise self.bad(iid, f"mediaType {mt} is not offered (only {schema['contentMediaType']})")
        return schema

    def fetch(self, iid: str, schema: Mapping[str, Any], link: Mapping[str, Any]) -> Any:
        """Dereference an input link (loopback http URLs only) and validate what came back."""
        href = link.get("href")
        if not isinstance(href, str) or not is_loopback_http(href):
            raise self.bad(iid, f"reference {href!r} is not reachable from this server (loopback http only)")
        req = urllib.request.Request(href, headers={"Accept": str(link.get("type") or "*/*")})
        try:
            with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT_S) as resp:
                data = resp.read(MAX_BODY)
                ctype = resp.headers.get("Content-Type", "")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise self.bad(iid, f"reference {href} could not be fetched ({exc})") from None
        text = data.decode("utf-8", "replace")
        candidates: list[Any] = []
        if "json" in ctype:
            try:
                candidates.append(json.loads(text))
            except ValueError:
                pass
        if not (self.h.fault("x/strict-reference-media") and candidates):  # issue 8 block: no text fallback
            candidates.append(text)
        problems: list[str] = []
        for cand in candidates:
            errs = validate(schema, cand)
            if not errs:
                return cand
            problems += errs
        raise self.bad(iid, f"the content of {href} is not valid: {problems[0]}")


# == HTTP ============================================================================================
def accept_prefers_html(accept: str) -> bool:
    """Accept ranks text/html above application/json (q values; ties go to JSON)."""
    best: dict[str, float] = {}
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        mt = parts[0].lower()
        q = 1.0
        for p in parts[1:]:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        best[mt] = max(best.get(mt, 0.0), q)
    html_q = best.get(HTML, best.get("text/*", 0.0))
    json_q = best.get(JSON, best.get("application/*", best.get("*/*", 0.0)))
    return html_q > json_q


class Handler(BaseHTTPRequestHandler):
    """Routes requests of the OAProc 1.0 resource map; faults are consulted through ``self.fault``."""

    protocol_version = "HTTP/1.1"
    server_version = "oaproc-fault-server/1.0"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms Nagle stall
    server: FaultServer

    def fault(self, name: str) -> bool:
        return self.server.fault(name)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests start many servers

    # -- plumbing ------------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return self.server.base

    def parse(self) -> tuple[list[str], dict[str, list[str]]]:
        parts = urlsplit(self.path)
        segs = [unquote(s) for s in parts.path.split("/") if s]
        return segs, parse_qs(parts.query, keep_blank_values=True)

    def wants_html(self, query: Mapping[str, list[str]]) -> bool:
        f = (query.get("f") or [""])[0].lower()
        if f in ("html", "text/html"):
            return True
        if f in ("json", JSON):
            return False
        return accept_prefers_html(self.headers.get("Accept", ""))

    def send(self, status: int, body: bytes = b"", ctype: str | None = None,
             headers: Iterable[tuple[str, str]] = ()) -> None:
        if self.fault("core/http"):
            self.protocol_version = "HTTP/1.0"
        self.send_response(status)
        if ctype and status != 204:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "Location, Link, Preference-Applied")
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, doc: Any, headers: Iterable[tuple[str, str]] = (), ctype: str = JSON) -> None:
        if ctype == JSON and self.fault("json/definition"):
            ctype = "text/plain"
        self.send(status, json.dumps(doc, indent=1).encode(), ctype, headers)

    def send_doc(self, doc: Any, title: str, query: Mapping[str, list[str]],
                 headers: Iterable[tuple[str, str]] = ()) -> None:
        """200 with ``doc`` as JSON, or as HTML when asked for."""
        if self.wants_html(query) and not (self.fault("html/definition") and title == "Processes"):
            page = to_html(title, doc)
            if self.fault("html/content"):
                page = page.replace(b"<!DOCTYPE html>\n", b"", 1)
            self.send(200, page, "text/html; charset=utf-8", headers)
        else:
            self.send_json(200, doc, headers)

    def send_error_doc(self, err: ApiError) -> None:
        self.send_json(err.status, exception_doc(err), ctype=JSON)

    def body_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError(400, BAD_REQUEST, "request body too large")
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, BAD_REQUEST, f"the body is not JSON ({exc})") from None

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_HEAD(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def dispatch(self, method: str) -> None:
        segs, query = self.parse()
        try:
            route = self.route(method, segs)
            if route is None:
                if method == "POST" or method == "PUT":
                    self.body_json()  # drain the body: the connection stays usable
                known = self.route("GET", segs) or self.route("POST", segs) or self.route("DELETE", segs)
                if known is not None:
                    raise ApiError(405, NOT_ALLOWED, f"{method} is not allowed on {urlsplit(self.path).path}")
                raise ApiError(404, NOT_FOUND, f"no resource at {urlsplit(self.path).path}")
            route(segs, query)
        except ApiError as err:
            self.send_error_doc(err)
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as exc:  # noqa: BLE001 - a bug of this server: a 500 naming it, not a dropped connection
            self.send_error_doc(ApiError(500, SERVER_ERROR, f"{type(exc).__name__}: {exc}"))

    def route(self, method: str, segs: list[str]) -> Callable[[list[str], dict[str, list[str]]], None] | None:
        n = len(segs)
        if method == "GET":
            if n == 0:
                return self.get_landing
            if segs == ["conformance"]:
                return self.get_conformance
            if segs == ["api"]:
                return self.get_api
            if segs == ["api.html"]:
                return self.get_api_html
            if segs == ["processes"]:
                return self.get_processes
            if n == 2 and segs[0] == "processes":
                return self.get_process
            if segs == ["jobs"]:
                return self.get_jobs
            if n == 2 and segs[0] == "jobs":
                return self.get_job
            if n == 3 and segs[0] == "jobs" and segs[2] == "results":
                return self.get_results
            if n == 4 and segs[0] == "jobs" and segs[2] == "results":
                return self.get_output
        if method == "POST" and n == 3 and segs[0] == "processes" and segs[2] == "execution":
            return self.post_execution
        if method == "DELETE" and n == 2 and segs[0] == "jobs":
            return self.delete_job
        return None

    # -- core resources -------------------------------------------------------------------------------
    def get_landing(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.fault("core/landingpage-op"):
            raise ApiError(404, NOT_FOUND, "no landing page here")
        b = self.base
        links = [
                   {"href": f"{b}/", "rel": "self", "type": JSON, "title": "This document"},
                   {"href": f"{b}/?f=html", "rel": "alternate", "type": HTML, "title": "This document (HTML)"},
                   {"href": f"{b}/api" + ("-gone" if self.fault("core/api-definition-op") else ""),
                    "rel": "service-desc", "type": OAS_TYPE, "title": "API definition"},
                   {"href": f"{b}/api.html", "rel": "service-doc", "type": HTML, "title": "API documentation"},
                   {"href": f"{b}/conformance", "rel": REL + "conformance", "type": JSON, "title": "Conformance"},
                   {"href": f"{b}/processes", "rel": REL + "processes", "type": JSON, "title": "Processes"},
                   {"href": f"{b}/jobs", "rel": REL + "job-list", "type": JSON, "title": "Jobs"},
               ]
        if self.fault("core/landingpage-success"):
            links = [lk for lk in links if lk["rel"] != REL + "conformance"]
        doc = {"title": "oaproc-testkit fault server", "description": "Reference OGC API - Processes 1.0 server",
               "links": links}
        self.send_doc(doc, "Landing page", query)

    def get_conformance(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.fault("core/conformance-op"):
            raise ApiError(405, BAD_REQUEST, "GET is not allowed here")
        classes = [c for c in CLASSES if not (c == "core" and self.fault("core/conformance-success"))]
        self.send_doc({"conformsTo": [CONF + c for c in classes]}, "Conformance", query)

    def get_api(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.wants_html(query) and (query.get("f") or [""])[0] == "html":
            self.get_api_html(segs, query)
            return
        doc = openapi(self.base, self.fault)
        if self.fault("core/api-definition-success"):
            doc = {"info": doc["info"], "endpoints": sorted(doc["paths"])}
        self.send_json(200, doc, ctype=JSON if self.fault("oas30/oas-definition-1") else OAS_TYPE)

    def get_api_html(self, segs: list[str], query: dict[str, list[str]]) -> None:
        self.send(200, to_html("API definition", openapi(self.base, self.fault)), "text/html; charset=utf-8")

    def int_param(self, query: Mapping[str, list[str]], name: str, default: int, lo: int, hi: int) -> int:
        raw = query[name][0] if query.get(name) else None
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, BAD_REQUEST, f"{name} must be an integer, got {raw!r}") from None
        if not lo <= value <= hi:
            raise ApiError(400, BAD_REQUEST, f"{name} must be between {lo} and {hi}, got {value}")
        return value

    def page_links(self, path: str, query: Mapping[str, list[str]], offset: int, limit: int,
                   total: int) -> list[dict[str, Any]]:
        keep = [(k, v) for k, vs in query.items() if k not in ("f", "offset") for v in vs]
        def href(extra: list[tuple[str, str]]) -> str:
            q = urlencode(keep + extra)
            return f"{self.base}{path}" + (f"?{q}" if q else "")
        here = [("offset", str(offset))] if offset else []
        links = [{"href": href(here), "rel": "self", "type": JSON, "title": "This document"},
                 {"href": href(here + [("f", "html")]), "rel": "alternate", "type": HTML,
                  "title": "This document (HTML)"}]
        if offset + limit < total:
            links.append({"href": href([("offset", str(offset + limit))]), "rel": "next", "type": JSON,
                          "title": "Next page"})
        if offset > 0:
            links.append({"href": href([("offset", str(max(0, offset - limit)))]), "rel": "prev", "type": JSON,
                          "title": "Previous page"})
        return links

    def get_processes(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.fault("oas30/security") and not self.headers.get("Authorization"):
            raise ApiError(401, BAD_REQUEST, "credentials required")
        if self.fault("core/process-list"):
            raise ApiError(405, BAD_REQUEST, "GET is not allowed here")
        limit = min(LIMIT_MAX, self.int_param(query, "limit", LIMIT_DEFAULT, 1, 10**9))  # above the maximum: clamped
        if self.fault("core/pl-limit-response"):
            limit = LIMIT_MAX
        offset = self.int_param(query, "offset", 0, 0, 10**9)
        procs = list(PROCESSES.values())
        page = procs[offset:offset + limit]
        links = self.page_links("/processes", query, offset, limit, len(procs))
        if self.fault("core/pl-links"):
            links = [lk for lk in links if lk["rel"] != "self"]
        doc: dict[str, Any] = {"processes": [p.summary(self.base) for p in page], "links": links}
        if self.fault("core/process-list-success"):
            del doc["links"]
        self.send_doc(doc, "Processes", query)

    def process_of(self, pid: str) -> Process:
        proc = PROCESSES.get(pid)
        if proc is None:
            kind = NO_SUCH_JOB if self.fault("core/process-exception-no-such-process") else NO_SUCH_PROCESS
            raise ApiError(404, kind, f"no process {pid!r}", title="No such process")
        return proc

    def get_process(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.fault("core/process"):
            raise ApiError(405, BAD_REQUEST, "GET is not allowed here")
        proc = self.process_of(segs[1])
        if self.fault("core/process-success"):
            proc = next(p for p in PROCESSES.values() if p is not proc)
        self.send_doc(proc.document(self.base, self.fault), proc.title, query)

    # -- execution ------------------------------------------------------------------------------------
    def post_execution(self, segs: list[str], query: dict[str, list[str]]) -> None:
        body = self.body_json()
        if self.fault("core/job-creation-op"):
            raise ApiError(405, NOT_ALLOWED, "execution is not allowed")
        proc = self.process_of(segs[1])
        srv = self.server
        if self.fault("load/submit-500") and srv.every_kth(next(srv.post_seq)):
            raise ApiError(500, SERVER_ERROR, "simulated overload: no job was created")
        prefer = [t.split("=")[0].strip().lower() for v in self.headers.get_all("Prefer") or []
                  for t in re.split(r"[,;]", v)]
        try:
            values, response, outputs, subscriber, media = RequestReader(self, proc).read(body)
        except ApiError as err:  # issue 8 block: late validation, the job fails
            if not (self.fault("x/late-validation") and "respond-async" in prefer and err.status == 400):
                raise
            job = Job(id=str(uuid.uuid4()), seq=next(srv.job_seq), process=proc, values={}, response="raw",
                      outputs=[], subscriber={}, sync=False)
            job.error = ApiError(500, PROCESS_FAILED, f"the process could not use its inputs: {err.detail}")
            job.set("failed", "invalid inputs")
            with srv.lock:
                srv.jobs[job.id] = job
            self.send_json(201, job.status_info(self.base), [("Location", f"{self.base}/jobs/{job.id}")])
            return
        wants_async = "respond-async" in prefer
        can_sync, can_async = "sync-execute" in proc.job_control, "async-execute" in proc.job_control
        if wants_async:  # /req/core/process-execute-auto-execution-mode (+ /rec/...-honor-prefer)
            run_async = can_async or (self.fault("core/job-creation-auto-execution-mode") and can_sync)
        else:  # /req/core/process-execute-default-execution-mode (no Prefer, or a Prefer without respond-async)
            run_async = not can_sync or (self.fault("core/job-creation-default-execution-mode") and can_async)
        seq = next(srv.job_seq)
        kth = srv.every_kth(seq)
        job = Job(id=str(uuid.uuid4()), seq=seq, process=proc, values=values, response=response, outputs=outputs,
                  subscriber=subscriber, sync=not run_async, media=media,
                  leaky=self.fault("load/leaky-limit") and kth, lost=self.fault("load/lost-jobs") and kth,
                  stuck=self.fault("load/stuck-jobs") and kth and run_async)
        with srv.lock:
            srv.jobs[job.id] = job
        job_url = f"{self.base}/jobs/{job.id}"
        if run_async:
            srv.start_job_thread(job)
            headers = [] if self.fault("core/job-creation-success-async") else [("Location", job_url)]
            if wants_async:
                headers.append(("Preference-Applied", "respond-async"))
            self.send_json(201, job.status_info(self.base), headers)
            return
        srv.execute_job(job)  # synchronous: in this thread, under the same concurrency limit
        monitor = f"{self.base}/jobs/{uuid.uuid4()}" if self.fault("core/job-results-sync") else job_url
        headers = [("Link", f'<{monitor}>; rel="monitor"; type="{JSON}"; title="the job of this execution"')]
        if self.fault("x/sync-location-no-monitor"):  # issue 8 block: the job is shown by Location only
            headers = [("Location", job_url)]
        elif self.fault("x/sync-no-job"):
            headers = []
        if job.status == "successful":
            self.send_results(job, sync=True, headers=headers)
        elif job.error is not None:
            self.send_json(job.error.status, exception_doc(job.error), headers)
        else:
            self.send_json(500, exception_doc(ApiError(500, SERVER_ERROR, f"job {job.id} ended {job.status}")), headers)

    def send_results(self, job: Job, *, sync: bool, headers: list[tuple[str, str]]) -> None:
        """The results of a successful job in the shape its request selects (clause 7.11.4, digest §3.3)."""
        pre = "core/job-creation-sync-" if sync else "core/job-results-async-"
        assert job.results is not None
        outs = job.outputs
        modes = {m for _, m in outs}
        if job.response == "document":
            doc = results_document(self.server, job, outs)
            if self.fault(pre + "document") and doc:
                doc.pop(list(doc)[-1])
            self.send_doc(doc, f"Results of job {job.id}", self.parse()[1], headers)  # HTML when asked for
        elif not outs:
            self.send(204, headers=headers)  # nothing requested: nothing to return (left open by 1.0)
        elif modes == {"reference"}:
            links = [("Link", (f'<{output_url(self.server, job, oid)}>; rel="{REL}results"; '
                               f'type="{job.media_of(oid)}"; title="{oid}"')) for oid, _ in outs]
            if self.fault(pre + "raw-ref"):
                self.send_json(200, {oid: {"href": output_url(self.server, job, oid)} for oid, _ in outs}, headers)
            else:
                self.send(204, headers=links + headers)
        elif len(outs) == 1:
            oid = outs[0][0]
            media = job.media_of(oid)
            if self.fault(pre + "raw-value-one"):
                self.send_json(200, {oid: job.results[oid]}, headers)
            else:
                ctype = media if media.endswith("json") else f"{media}; charset=utf-8"
                self.send(200, serialize(job.results[oid], media), ctype, headers)
        else:
            mixed = modes == {"value", "reference"}
            boundary = f"oaproc-{uuid.uuid4().hex}"
            chunks: list[bytes] = []
            for oid, mode in outs:
                media = job.media_of(oid)
                lines = []
                if not (self.fault(pre + "raw-value-multi") and not mixed):
                    lines.append(f"Content-ID: <{oid}>")
                if mode == "reference" and not self.fault(pre + "raw-mixed-multi"):
                    lines.append(f"Content-Location: {output_url(self.server, job, oid)}")
                    lines.append(f"Content-Type: {media}")
                    payload = b""
                else:
                    lines.append(f"Content-Type: {media}")
                    payload = serialize(job.results[oid], media)
                chunks.append(f"--{boundary}\r\n".encode() + "\r\n".join(lines).encode() + b"\r\n\r\n" + payload + b"\r\n")
            body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
            first = job.media_of(outs[0][0])
            self.send(200, body, f'multipart/related; boundary="{boundary}"; type="{first}"', headers)

    # -- jobs -------------------------------------------------------------------------------------------
    def job_of(self, jid: str, type_uri: str = NO_SUCH_JOB) -> Job:
        with self.server.lock:
            job = self.server.jobs.get(jid)
        if job is None:
            raise ApiError(404, type_uri, f"no job {jid!r}", title="No such job")
        return job

    def get_job(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.fault("core/job-op"):
            raise ApiError(405, NOT_ALLOWED, "GET is not allowed on jobs")
        job = self.job_of(segs[1], NO_SUCH_PROCESS if self.fault("core/job-exception-no-such-job") else NO_SUCH_JOB)
        doc = job.status_info(self.base)
        if self.fault("core/job-success"):
            doc.pop("jobID")
            doc.pop("type")
        if self.fault("job-list/processID-mandatory"):
            doc.pop("processID", None)
        self.send_doc(doc, f"Job {job.id}", query)

    def get_results(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.fault("core/job-results"):
            raise ApiError(405, NOT_ALLOWED, "GET is not allowed on job results")
        unknown_type = RESULT_NOT_READY if self.fault("core/job-results-exception-no-such-job") else NO_SUCH_JOB
        job = self.job_of(segs[1], unknown_type)
        if job.status in ("accepted", "running"):
            if self.fault("core/job-results-exception-results-not-ready"):
                raise ApiError(404, NO_SUCH_JOB, f"no job {job.id!r}", title="No such job")
            raise ApiError(404, RESULT_NOT_READY, f"job {job.id} is {job.status}; its results are not ready",
                           title="Result not ready")
        if job.status == "failed":
            if self.fault("core/job-results-failed"):
                raise ApiError(404, RESULT_NOT_READY, f"job {job.id} has no results", title="Result not ready")
            assert job.error is not None
            raise job.error
        if job.status == "dismissed":
            raise ApiError(410, JOB_DISMISSED, f"job {job.id} was dismissed", title="Job dismissed")
        if job.response != "document" and (query.get("f") or [""])[0] == "html":  # raw results as an HTML page
            self.send(200, to_html(f"Results of job {job.id}", results_document(self.server, job, job.outputs)),
                      "text/html; charset=utf-8")
            return
        self.send_results(job, sync=False, headers=[])

    def get_output(self, segs: list[str], query: dict[str, list[str]]) -> None:
        job = self.job_of(segs[1])
        oid = segs[3]
        if job.status != "successful" or job.results is None or oid not in job.results:
            raise ApiError(404, NOT_FOUND, f"job {job.id} has no output {oid!r} to return")
        media = job.media_of(oid)
        ctype = media if media.endswith("json") else f"{media}; charset=utf-8"
        self.send(200, serialize(job.results[oid], media), ctype)

    def delete_job(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.fault("dismiss/job-dismiss-op"):
            raise ApiError(405, BAD_REQUEST, "DELETE is not allowed here")
        job = self.job_of(segs[1])
        if self.fault("dismiss/job-dismiss-success"):
            self.send_json(200, job.status_info(self.base))
            return
        if job.status == "dismissed":
            raise ApiError(410, JOB_DISMISSED, f"job {job.id} was already dismissed", title="Gone")
        job.cancel.set()
        job.set("dismissed", "dismissed by the client")
        with self.server.lock:
            self.server.lock.notify_all()
        self.send_json(200, job.status_info(self.base))

    def get_jobs(self, segs: list[str], query: dict[str, list[str]]) -> None:
        def values(name: str) -> list[str] | None:
            raw = query.get(name)
            return None if raw is None else [x.strip() for v in raw for x in v.split(",") if x.strip()]

        jl = "job-list/"
        if self.fault(jl + "job-list-op"):
            raise ApiError(405, BAD_REQUEST, "GET is not allowed here")
        for name, param in (("type-definition", "type"), ("processID-definition", "processID"),
                            ("duration-definition", "maxDuration")):
            if self.fault(jl + name) and param in query:
                raise ApiError(400, BAD_REQUEST, f"unknown parameter {param!r}")
        if self.fault(jl + "status-definition") and "dismissed" in ",".join(query.get("status", [])):
            raise ApiError(400, BAD_REQUEST, "status 'dismissed' is not supported")
        if self.fault(jl + "datetime-definition") and ".." in ",".join(query.get("datetime", [])):
            raise ApiError(400, BAD_REQUEST, "open intervals are not supported")
        if self.fault(jl + "limit-definition") and self.int_param(query, "limit", LIMIT_DEFAULT, 1, 10**9) > 50:
            raise ApiError(400, BAD_REQUEST, "limit must be at most 50")
        limit = min(LIMIT_MAX, self.int_param(query, "limit", LIMIT_DEFAULT, 1, 10**9))  # above the maximum: clamped
        if self.fault(jl + "limit-response"):
            limit = LIMIT_MAX
        offset = self.int_param(query, "offset", 0, 0, 10**9)
        types, pids, statuses = values("type"), values("processID"), values("status")
        if self.fault(jl + "processID-response"):
            pids = None
        if self.fault(jl + "status-response"):
            statuses = None
        for s in statuses or []:
            if s not in STATUSES:
                raise ApiError(400, BAD_REQUEST, f"status {s!r} is not one of {list(STATUSES)}")
        low_t, high_t = self.interval(query["datetime"][0] if query.get("datetime") else None)
        if self.fault(jl + "datetime-response"):
            low_t = high_t = None
        min_d, max_d = self.duration_param(query, "minDuration"), self.duration_param(query, "maxDuration")
        if self.fault(jl + "duration-response"):
            min_d = max_d = None
        at = now()
        with self.server.lock:
            jobs = sorted(self.server.jobs.values(), key=lambda j: j.seq, reverse=True)
        picked = []
        for job in jobs:
            if types is not None and "process" not in types:
                continue
            if pids is not None and job.process.id not in pids:
                continue
            if statuses is not None and job.status not in statuses:
                continue
            if (low_t and job.created < low_t) or (high_t and job.created > high_t):
                continue
            if min_d is not None or max_d is not None:
                took = job.duration(at)
                if statuses is None and job.status == "accepted" or took is None:
                    continue
                if (min_d is not None and took < min_d) or (max_d is not None and took > max_d):
                    continue
            picked.append(job)
        page = picked[offset:offset + limit]
        infos = [j.status_info(self.base) for j in page]
        for info in infos:
            if self.fault(jl + "job-list-success"):
                info.pop("status", None)
            if self.fault(jl + "type-response") and types is not None:
                info["type"] = "task"
            if self.fault(jl + "processID-mandatory"):
                info.pop("processID", None)
        links = self.page_links("/jobs", query, offset, limit, len(picked))
        if self.fault(jl + "links"):
            links = [lk for lk in links if lk["rel"] != "self"]
        self.send_doc({"jobs": infos, "links": links}, "Jobs", query)

    def interval(self, raw: str | None) -> tuple[datetime | None, datetime | None]:
        """(start, end) of the ``datetime`` parameter; an instant is a zero-length interval."""
        if raw is None or raw == "":
            return None, None
        try:
            if "/" not in raw:
                t = parse_time(raw)
                return t, t
            start, _, end = raw.partition("/")
            lo = None if start in ("", "..") else parse_time(start)
            hi = None if end in ("", "..") else parse_time(end)
        except ValueError:
            raise ApiError(400, BAD_REQUEST, f"datetime {raw!r} is not an RFC 3339 instant or interval") from None
        if lo and hi and lo > hi:
            raise ApiError(400, BAD_REQUEST, f"datetime {raw!r}: start after end")
        return lo, hi

    def duration_param(self, query: Mapping[str, list[str]], name: str) -> float | None:
        raw = query.get(name)
        if not raw:
            return None
        items = [x for v in raw for x in v.split(",") if x.strip()]
        try:
            nums = [int(x) for x in items]
        except ValueError:
            raise ApiError(400, BAD_REQUEST, f"{name} must be integer seconds, got {raw!r}") from None
        if not nums or min(nums) < 0:
            raise ApiError(400, BAD_REQUEST, f"{name} must be a non-negative integer")
        return float(max(nums) if name == "minDuration" else min(nums))


# == OpenAPI 3.0 =====================================================================================
def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _resp(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _json(schema: dict[str, Any], description: str, *, html_too: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {JSON: {"schema": schema}}
    if html_too:
        content[HTML] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


def openapi(base: str, fault: Callable[[str], bool] = lambda name: False) -> dict[str, Any]:
    """The OpenAPI 3.0 document of this server, broken as the switched-on oas30 faults say."""
    doc = _openapi_doc(base, fault)
    if fault("oas30/oas-impl"):
        doc["paths"]["/statistics"] = {"get": {"operationId": "getStatistics", "summary": "Statistics",
                                               "responses": {"200": {"description": "Statistics"}}}}
    if fault("oas30/completeness"):
        responses = doc["paths"]["/processes/{processID}/execution"]["post"]["responses"]
        for code in ("200", "201", "204", "default"):
            responses.pop(code, None)
    return doc


def _openapi_doc(base: str, fault: Callable[[str], bool]) -> dict[str, Any]:
    """The OpenAPI 3.0 document of this server: every path, parameter and status code it uses.

    ``fault`` is the server's fault predicate (``FaultServer.fault``), for faults of the document itself."""
    link = {"type": "object", "required": ["href"], "properties": {
        k: {"type": "string"} for k in ("href", "rel", "type", "hreflang", "title")}}
    links = {"type": "array", "items": _ref("link")}
    status_info = {"type": "object", "required": ["jobID", "status", "type"], "properties": {
        "jobID": {"type": "string"}, "processID": {"type": "string"}, "type": {"type": "string", "enum": ["process"]},
        "status": _ref("statusCode"), "message": {"type": "string"},
        "created": {"type": "string", "format": "date-time"}, "started": {"type": "string", "format": "date-time"},
        "finished": {"type": "string", "format": "date-time"}, "updated": {"type": "string", "format": "date-time"},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100}, "links": links}}
    summary = {"type": "object", "required": ["id", "version"], "properties": {
        "id": {"type": "string"}, "version": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "keywords": {"type": "array", "items": {"type": "string"}},
        "jobControlOptions": {"type": "array", "items": {"type": "string",
                                                         "enum": ["sync-execute", "async-execute", "dismiss"]}},
        "outputTransmission": {"type": "array", "items": {"type": "string", "enum": ["value", "reference"]}},
        "links": links}}
    process = {"allOf": [_ref("processSummary"), {"type": "object", "properties": {
        "inputs": {"type": "object", "additionalProperties": {"type": "object", "required": ["schema"]}},
        "outputs": {"type": "object", "additionalProperties": {"type": "object", "required": ["schema"]}}}}]}
    execute = {"type": "object", "properties": {
        "inputs": {"type": "object", "additionalProperties": {}},
        "outputs": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "format": {"type": "object", "properties": {"mediaType": {"type": "string"},
                                                        "encoding": {"type": "string"}, "schema": {}}},
            "transmissionMode": {"type": "string", "enum": ["value", "reference"], "default": "value"}}}},
        "response": {"type": "string", "enum": ["raw", "document"], "default": "raw"},
        "subscriber": {"type": "object", "properties": {
            k: {"type": "string", "format": "uri"} for k in ("successUri", "inProgressUri", "failedUri")}}}}
    exception = {"type": "object", "required": ["type"], "additionalProperties": True, "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}}}

    def array_of(items: dict[str, Any]) -> dict[str, Any]:
        return {"type": "array", "items": items}

    def query(name: str, schema: dict[str, Any], description: str, *, array: bool = False) -> dict[str, Any]:
        p = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
        if array:
            p.update(style="form", explode=False)
        return p

    def errors(*codes: int) -> dict[str, Any]:
        names = {400: "InvalidParameter", 404: "NotFound", 405: "NotAllowed", 410: "Gone", 500: "ServerError"}
        if fault("oas30/exceptions-codes"):
            return {}
        return {str(c): _resp(names[c]) for c in codes} | {"default": _resp("ServerError")}

    jobs_params = [_param("type"), _param("processIDQuery"), _param("status"), _param("datetime"),
                   _param("minDuration"), _param("maxDuration"), _param("limit"), _param("offset"), _param("f")]
    return {
        "openapi": "3.0.3",
        "info": {**({} if fault("oas30/oas-definition-2") else {"title": "oaproc-testkit fault server"}), "version": "1.0.0",
                 "description": "Reference OGC API - Processes 1.0 server of the oaproc-testkit tests."},
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"operationId": "getLandingPage", "summary": "Landing page", "parameters": [_param("f")],
                          "responses": {"200": _json(_ref("landingPage"), "The landing page", html_too=True),
                                        **errors(405)}}},
            "/conformance": {"get": {"operationId": "getConformance", "summary": "Conformance declaration",
                                     "parameters": [_param("f")],
                                     "responses": {"200": _json(_ref("confClasses"), "Conformance classes",
                                                                html_too=True), **errors(405)}}},
            "/api": {"get": {"operationId": "getApi", "summary": "This API definition", "parameters": [_param("f")],
                             "responses": {"200": {"description": "The OpenAPI document", "content": {
                                 OAS_TYPE: {"schema": {"type": "object"}}}}, **errors(405)}}},
            "/api.html": {"get": {"operationId": "getApiHtml", "summary": "This API definition as HTML",
                                  "responses": {"200": {"description": "The API documentation", "content": {
                                      HTML: {"schema": {"type": "string"}}}}, **errors(405)}}},
            "/processes": {"get": {"operationId": "getProcesses", "summary": "Process list",
                                   "parameters": [*([] if fault("core/pl-limit-definition") else [_param("limit")]),
                                                  _param("offset"), _param("f")],
                                   "responses": {"200": _json(_ref("processList"), "The processes", html_too=True),
                                                 **errors(400, 405)}}},
            "/processes/{processID}": {"get": {
                "operationId": "getProcess", "summary": "Process description",
                "parameters": [_param("processID"), _param("f")],
                "responses": {"200": _json(_ref("process"), "The process description", html_too=True),
                              **errors(404, 405)}}},
            "/processes/{processID}/execution": {"post": {
                "operationId": "execute", "summary": "Execute a process",
                "parameters": [_param("processID"),
                               {"name": "Prefer", "in": "header", "required": False,
                                "description": "respond-async asks for asynchronous execution (RFC 7240)",
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {JSON: {"schema": _ref("execute")}}},
                "responses": {
                    "200": {"description": "Synchronous results (raw value, multipart/related or results document)",
                            "headers": {"Link": {"description": "rel=monitor: the job of this execution",
                                                 "schema": {"type": "string"}}},
                            "content": {JSON: {"schema": {}}, "text/plain": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}},
                                        "multipart/related": {"schema": {"type": "string"}},
                                        HTML: {"schema": {"type": "string"}}}},
                    "201": {"description": "Asynchronous execution: the job was created",
                            "headers": {"Location": {"description": "The job URL", "schema": {"type": "string"}},
                                        "Preference-Applied": {"description": "Honoured preferences (RFC 7240)",
                                                               "schema": {"type": "string"}}},
                            "content": {JSON: {"schema": _ref("statusInfo")}}},
                    "204": {"description": "Synchronous results by reference (Link headers)",
                            "headers": {"Link": {"description": "One link per output", "schema": {"type": "string"}}}},
                    **errors(400, 404, 405, 500)},
                "callbacks": {"jobCompleted": {"{$request.body#/subscriber/successUri}": {"post": {
                    "requestBody": {"content": {JSON: {"schema": _ref("results")}}},
                    "responses": {"200": {"description": "Received"}, "204": {"description": "Received"}}}}}}}},
            "/jobs": {"get": {"operationId": "getJobs", "summary": "Job list", "parameters": jobs_params,
                              "responses": {"200": _json(_ref("jobList"), "The jobs", html_too=True),
                                            **errors(400, 405)}}},
            "/jobs/{jobID}": {
                "get": {"operationId": "getStatus", "summary": "Job status",
                        "parameters": [_param("jobID"), _param("f")],
                        "responses": {"200": _json(_ref("statusInfo"), "The job status", html_too=True),
                                      **errors(404, 405)}},
                "delete": {"operationId": "dismiss", "summary": "Dismiss a job", "parameters": [_param("jobID")],
                           "responses": {"200": _json(_ref("statusInfo"), "The dismissed job"),
                                         **errors(404, 405, 410)}}},
            "/jobs/{jobID}/results": {"get": {
                "operationId": "getResults", "summary": "Job results", "parameters": [_param("jobID"), _param("f")],
                "responses": {
                    "200": {"description": "The results (raw value, multipart/related or results document)",
                            "content": {JSON: {"schema": {}}, "text/plain": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}},
                                        "multipart/related": {"schema": {"type": "string"}},
                                        HTML: {"schema": {"type": "string"}}}},
                    "204": {"description": "Results by reference (Link headers)",
                            "headers": {"Link": {"description": "One link per output", "schema": {"type": "string"}}}},
                    **errors(404, 405, 410, 500)}}},
            "/jobs/{jobID}/results/{outputID}": {"get": {
                "operationId": "getOutput", "summary": "One output of a job (by-reference target)",
                "parameters": [_param("jobID"), {"name": "outputID", "in": "path", "required": True,
                                                 "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The output value", "content": {
                    JSON: {"schema": {}}, "text/plain": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}}}}, **errors(404, 405)}}},
        },
        "components": {
            "schemas": {
                "link": link,
                "landingPage": {"type": "object", "required": ["links"], "properties": {
                    "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
                "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
                    "conformsTo": array_of({"type": "string"})}},
                "processSummary": summary,
                "process": process,
                "processList": {"type": "object", "required": ["processes", "links"], "properties": {
                    "processes": array_of(_ref("processSummary")), "links": links}},
                "statusCode": {"type": "string", "enum": list(STATUSES)},
                "statusInfo": status_info,
                "jobList": {"type": "object", "required": ["jobs", "links"], "properties": {
                    "jobs": array_of(_ref("statusInfo")), "links": links}},
                "execute": execute,
                "results": {"type": "object", "additionalProperties": {}},
                "exception": exception,
            },
            "parameters": {
                "f": query("f", {"type": "string", "enum": ["json", "html"]}, "Representation (else Accept decides)"),
                "limit": query("limit", {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX,
                                         "default": LIMIT_DEFAULT}, "Page size"),
                "offset": query("offset", {"type": "integer", "minimum": 0, "default": 0},
                                "Items to skip (used by next links)"),
                "processID": {"name": "processID", "in": "path", "required": True, "schema": {"type": "string"}},
                "jobID": {"name": "jobID", "in": "path", "required": True, "schema": {"type": "string"}},
                "type": query("type", array_of({"type": "string", "enum": ["process"]}), "Job types",
                              array=True),
                "processIDQuery": query("processID", array_of({"type": "string"}), "Process IDs", array=True),
                "status": query("status", array_of(_ref("statusCode")), "Job statuses", array=True),
                "datetime": query("datetime", {"type": "string"}, "RFC 3339 instant or interval of 'created'"),
                "minDuration": query("minDuration", array_of({"type": "integer", "minimum": 0}),
                                     "Shortest duration in seconds", array=True),
                "maxDuration": query("maxDuration", array_of({"type": "integer", "minimum": 0}),
                                     "Longest duration in seconds", array=True),
            },
            "responses": {
                name: {"description": text, "content": {JSON: {"schema": _ref("exception")}}}
                for name, text in (("InvalidParameter", "Invalid request"), ("NotFound", "Not found"),
                                   ("NotAllowed", "Method not allowed"), ("Gone", "Gone (dismissed)"),
                                   ("ServerError", "Server error"))
            },
        },
    }


# == starting and stopping ===========================================================================
@dataclass
class Handle:
    """A running server: ``url`` is its landing page; ``stop()`` ends it and its job threads."""

    server: FaultServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.server.base + "/"

    @property
    def peak_running(self) -> int:
        """The most jobs that ran at the same time so far."""
        return self.server.peak_running

    def stop(self) -> None:
        self.server.stop()
        self.thread.join(timeout=5.0)


def start_server(faults: Iterable[str] = (), *, limit: int | None = None, **options: Any) -> Handle:
    """Start a server on 127.0.0.1 (free port unless ``port=``) in a daemon thread.

    ``limit``: at most that many jobs run at once (FIFO queue). Options: ``port`` (0), ``every`` (the k of
    the ``load/...`` faults, 4)."""
    port = int(options.pop("port", 0))
    every = int(options.pop("every", 4))
    if options:
        raise TypeError(f"unknown option(s): {sorted(options)}")
    server = FaultServer(port, faults, limit, every)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="fault-server", daemon=True)
    thread.start()
    return Handle(server, thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fault-injecting OGC API - Processes 1.0 reference server")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), metavar="NAME",
                        help="switch a fault on (repeatable); --list-faults shows them")
    parser.add_argument("--limit", type=int, default=None, help="at most this many jobs run at once")
    parser.add_argument("--every", type=int, default=4, help="k of the load/... faults (every k-th job)")
    parser.add_argument("--list-faults", action="store_true")
    args = parser.parse_args(argv)
    if args.list_faults:
        for name, text in FAULTS.items():
            print(f"{name}: {text}")
        return 0
    handle = start_server(args.fault, limit=args.limit, port=args.port, every=args.every)
    print(f"serving {handle.url} faults={args.fault or 'none'} limit={args.limit}", flush=True)
    try:
        while handle.thread.is_alive():
            handle.thread.join(timeout=1.0)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
