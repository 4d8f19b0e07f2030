"""Catalogue of the OGC API - Processes - Part 1: Core 1.0 abstract test suite (Annex A of OGC 18-062r2).

One row per abstract test: its ID (relative to ``SPEC``), its number in Annex A, the
conformance class it belongs to and the requirement it verifies. The ATS was written before
the execute requirements were renamed, so tests called ``job-creation-*`` verify
``/req/core/process-execute-*`` requirements. Test 45 carries a duplicated label in the
standard's source (``/conf/core/job-results-failed``); it is given the distinct ID
``/conf/core/job-results-exception-no-such-job`` here.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEC = "http://www.opengis.net/spec/ogcapi-processes-1/1.0"
CONF = SPEC + "/conf/"

#: conformance class short name -> title
CLASSES: dict[str, str] = {
    "core": "Core",
    "ogc-process-description": "OGC Process Description",
    "json": "JSON",
    "html": "HTML",
    "oas30": "OpenAPI 3.0",
    "job-list": "Job list",
    "callback": "Callback",
    "dismiss": "Dismiss",
}

EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
NO_SUCH_PROCESS = EXC + "no-such-process"
NO_SUCH_JOB = EXC + "no-such-job"
RESULT_NOT_READY = EXC + "result-not-ready"

REL = "http://www.opengis.net/def/rel/ogc/1.0/"
REL_CONFORMANCE = REL + "conformance"
REL_PROCESSES = REL + "processes"
REL_JOB_LIST = REL + "job-list"
REL_EXECUTE = REL + "execute"
REL_RESULTS = REL + "results"


@dataclass(frozen=True, slots=True)
class AbstractTest:
    """One abstract test of Annex A and the requirement it verifies."""

    id: str
    number: int
    conf_class: str
    requirement: str
    title: str

    @property
    def uri(self) -> str:
        return SPEC + self.id

    @property
    def class_uri(self) -> str:
        return CONF + self.conf_class


_ROWS: list[tuple[int, str, str, str]] = [
    # number, test id, requirement id, title
    (1, "/conf/core/landingpage-op", "/req/core/landingpage-op", "GET / is supported"),
    (2, "/conf/core/landingpage-success", "/req/core/landingpage-success", "landing page: 200, schema, required links"),
    (3, "/conf/core/api-definition-op", "/req/core/api-definition-op", "API definition links answer GET"),
    (4, "/conf/core/api-definition-success", "/req/core/api-definition-success", "API definition: 200 and a document"),
    (5, "/conf/core/conformance-op", "/req/core/conformance-op", "GET /conformance is supported"),
    (6, "/conf/core/conformance-success", "/req/core/conformance-success", "conformance: 200, schema, lists core"),
    (7, "/conf/core/http", "/req/core/http", "the server speaks HTTP/1.1"),
    (8, "/conf/core/process-list", "/req/core/process-list", "GET /processes is supported"),
    (9, "/conf/core/pl-limit-definition", "/req/core/pl-limit-definition", "/processes accepts limit"),
    (10, "/conf/core/process-list-success", "/req/core/process-list-success", "process list: 200 and schema"),
    (11, "/conf/core/pl-links", "/req/core/pl-links", "process list: self and alternate links"),
    (12, "/conf/core/pl-limit-response", "/req/core/pl-limit-response", "process list: at most limit summaries"),
    (13, "/conf/core/process", "/req/core/process", "GET /processes/{processID} is supported"),
    (14, "/conf/core/process-success", "/req/core/process-success", "process description: 200"),
    (15, "/conf/core/process-exception-no-such-process", "/req/core/process-exception/no-such-process", "unknown process: 404 no-such-process"),
    (16, "/conf/core/job-creation-op", "/req/core/process-execute-op", "POST /processes/{processID}/execution is supported"),
    (17, "/conf/core/job-creation-auto-execution-mode", "/req/core/process-execute-auto-execution-mode", "Prefer: respond-async negotiation"),
    (18, "/conf/core/job-creation-default-execution-mode", "/req/core/process-execute-default-execution-mode", "execution mode without Prefer"),
    (19, "/conf/core/job-creation-request", "/req/core/process-execute-request", "execute requests validate against execute.yaml"),
    (20, "/conf/core/job-creation-inputs", "/req/core/process-execute-inputs", "inputs in-line and by reference"),
    (21, "/conf/core/job-creation-input-inline", "/req/core/process-execute-inputs", "inputs in-line"),
    (22, "/conf/core/job-creation-input-ref", "/req/core/process-execute-inputs", "inputs by reference"),
    (23, "/conf/core/job-creation-input-array", "/req/core/process-execute-input-array", "maxOccurs > 1 inputs as arrays"),
    (24, "/conf/core/job-creation-input-inline-object", "/req/core/process-execute-input-inline-object", "object inputs as qualified values"),
    (25, "/conf/core/job-creation-input-inline-mixed", "/req/core/process-execute-input-mixed-type", "oneOf inputs as qualified values"),
    (26, "/conf/core/job-creation-input-inline-binary", "/req/core/process-execute-input-inline-binary", "binary inputs as base64"),
    (27, "/conf/core/job-creation-input-inline-bbox", "/req/core/process-execute-input-inline-bbox", "bbox inputs"),
    (28, "/conf/core/job-creation-input-validation", "/req/core/process-execute-input-validation", "invalid inputs give an exception"),
    (29, "/conf/core/job-creation-sync-raw-value-one", "/req/core/process-execute-sync-raw-value-one", "sync raw value, one output"),
    (30, "/conf/core/job-creation-sync-raw-value-multi", "/req/core/process-execute-sync-raw-value-multi", "sync raw value, several outputs"),
    (31, "/conf/core/job-creation-sync-raw-ref", "/req/core/process-execute-sync-raw-ref", "sync raw reference: 204 + Link"),
    (32, "/conf/core/job-creation-sync-raw-mixed-multi", "/req/core/process-execute-sync-raw-mixed-multi", "sync raw mixed value/reference"),
    (33, "/conf/core/job-creation-sync-document", "/req/core/process-execute-sync-document", "sync document response"),
    (34, "/conf/core/job-creation-success-async", "/req/core/process-execute-success-async", "async: 201 + Location + statusInfo"),
    (35, "/conf/core/job-op", "/req/core/job", "GET /jobs/{jobID} is supported"),
    (36, "/conf/core/job-success", "/req/core/job-success", "job status: 200 and statusInfo"),
    (37, "/conf/core/job-exception-no-such-job", "/req/core/job-exception-no-such-job", "unknown job: 404 no-such-job"),
    (38, "/conf/core/job-results", "/req/core/job-results", "GET /jobs/{jobID}/results is supported"),
    (39, "/conf/core/job-results-sync", "/req/core/job-results-success-sync", "sync execution with a job: monitor link"),
    (40, "/conf/core/job-results-async-raw-value-one", "/req/core/job-results-async-raw-value-one", "async results raw value, one output"),
    (41, "/conf/core/job-results-async-raw-value-multi", "/req/core/job-results-async-raw-value-multi", "async results raw value, several outputs"),
    (42, "/conf/core/job-results-async-raw-ref", "/req/core/job-results-async-raw-ref", "async results raw reference"),
    (43, "/conf/core/job-results-async-raw-mixed-multi", "/req/core/job-results-async-raw-mixed-multi", "async results raw mixed"),
    (44, "/conf/core/job-results-async-document", "/req/core/job-results-async-document", "async results document"),
    (45, "/conf/core/job-results-exception-no-such-job", "/req/core/job-results-exception/no-such-job", "results of unknown job: 404 no-such-job"),
    (46, "/conf/core/job-results-exception-results-not-ready", "/req/core/job-results-exception/results-not-ready", "results of a running job: 404 result-not-ready"),
    (47, "/conf/core/job-results-failed", "/req/core/job-results-failed", "results of a failed job: error + exception"),
    (48, "/conf/ogc-process-description/json-encoding", "/req/ogc-process-description/json-encoding", "descriptions validate against process.yaml"),
    (49, "/conf/ogc-process-description/inputs-def", "/req/ogc-process-description/inputs-def", "inputs validate against inputDescription.yaml"),
    (50, "/conf/ogc-process-description/input-def", "/req/ogc-process-description/input-def", "input schemas validate against schema.yaml"),
    (51, "/conf/ogc-process-description/input-mixed-type", "/req/ogc-process-description/input-mixed-type", "oneOf input branches validate"),
    (52, "/conf/ogc-process-description/outputs-def", "/req/ogc-process-description/outputs-def", "outputs validate against outputDescription.yaml"),
    (53, "/conf/ogc-process-description/output-def", "/req/ogc-process-description/output-def", "output schemas validate against schema.yaml"),
    (54, "/conf/ogc-process-description/output-mixed-type", "/req/ogc-process-description/output-mixed-type", "oneOf output branches validate"),
    (55, "/conf/json/definition", "/req/json/definition", "application/json for 200 responses"),
    (56, "/conf/html/content", "/req/html/content", "HTML5 bodies that render the JSON content"),
    (57, "/conf/html/definition", "/req/html/definition", "text/html for 200 responses"),
    (58, "/conf/oas30/completeness", "/req/oas30/completeness", "OpenAPI lists the status codes used"),
    (59, "/conf/oas30/exceptions-codes", "/req/oas30/exceptions-codes", "OpenAPI lists the error codes used"),
    (60, "/conf/oas30/oas-definition-1", "/req/oas30/oas-definition-1", "OpenAPI JSON and HTML are served"),
    (61, "/conf/oas30/oas-definition-2", "/req/oas30/oas-definition-2", "the OpenAPI document is valid OAS 3.0"),
    (62, "/conf/oas30/oas-impl", "/req/oas30/oas-impl", "declared paths are implemented"),
    (63, "/conf/oas30/security", "/req/oas30/security", "access control is declared"),
    (64, "/conf/job-list/job-list-op", "/req/job-list/job-list-op", "GET /jobs is supported"),
    (65, "/conf/job-list/type-definition", "/req/job-list/type-definition", "/jobs accepts type"),
    (66, "/conf/job-list/processID-definition", "/req/job-list/processID-definition", "/jobs accepts processID"),
    (67, "/conf/job-list/status-definition", "/req/job-list/status-definition", "/jobs accepts status"),
    (68, "/conf/job-list/datetime-definition", "/req/job-list/datetime-definition", "/jobs accepts datetime"),
    (69, "/conf/job-list/duration-definition", "/req/job-list/duration-definition", "/jobs accepts minDuration/maxDuration"),
    (70, "/conf/job-list/limit-definition", "/req/job-list/limit-definition", "/jobs accepts limit"),
    (71, "/conf/job-list/job-list-success", "/req/job-list/job-list-success", "job list: 200 and jobList.yaml"),
    (72, "/conf/job-list/links", "/req/job-list/links", "job list: self and alternate links"),
    (73, "/conf/job-list/type-response", "/req/job-list/type-response", "type=process filters the list"),
    (74, "/conf/job-list/processID-mandatory", "/req/job-list/processID-mandatory", "every listed job has processID"),
    (75, "/conf/job-list/processID-response", "/req/job-list/processid-response", "processID filters the list"),
    (76, "/conf/job-list/status-response", "/req/job-list/status-response", "status filters the list"),
    (77, "/conf/job-list/datetime-response", "/req/job-list/datetime-response", "datetime filters the list"),
    (78, "/conf/job-list/duration-response", "/req/job-list/duration-response", "durations filter the list"),
    (79, "/conf/job-list/limit-response", "/req/job-list/limit-response", "job list: at most limit jobs"),
    (80, "/conf/callback/job-callback", "/req/callback/job-callback", "subscriber callbacks are sent"),
    (81, "/conf/dismiss/job-dismiss-op", "/req/dismiss/job-dismiss-op", "DELETE /jobs/{jobID} is supported"),
    (82, "/conf/dismiss/job-dismiss-success", "/req/dismiss/job-dismiss-success", "dismiss: 200 and status dismissed"),
]


def _class_of(test_id: str) -> str:
    return test_id.split("/")[2]


ABSTRACT_TESTS: dict[str, AbstractTest] = {
    tid: AbstractTest(id=tid, number=n, conf_class=_class_of(tid), requirement=req, title=title)
    for n, tid, req, title in _ROWS
}


def get(test_id: str) -> AbstractTest:
    """Return the catalogue row of ``test_id``; KeyError names the unknown ID."""
    try:
        return ABSTRACT_TESTS[test_id]
    except KeyError:
        raise KeyError(f"unknown abstract test ID {test_id!r}") from None


def class_of(conformance_uri: str) -> str | None:
    """Map a declared conformance URI to our class short name (None if not a 1.0 Processes class)."""
    if conformance_uri.rstrip("/").startswith(CONF):
        name = conformance_uri.rstrip("/")[len(CONF):]
        return name if name in CLASSES else None
    return None
