"""The burst's options and plan: which process, which body, how many jobs, which limits.

``add_options`` registers the scenario's command-line options on Locust's parser (each also read
from an environment variable); ``make_plan`` turns them into a ``BurstPlan``, discovering the
process and synthesizing its inputs from the description (the same code the suites use) when they
are not given. The plan travels from the master to the workers as a dict.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import httpx

from ..settings import parse_header, parse_query


class PlanError(Exception):
    """The burst cannot be planned (no process to run, bad option); the message says why."""


@dataclass(frozen=True)
class BurstPlan:
    host: str
    process: str
    body: dict[str, Any]
    jobs: int = 50
    submit_concurrency: int = 50
    expected_max_concurrency: int | None = None
    job_timeout: float = 300.0
    request_timeout: float = 30.0
    poll_max: float = 5.0
    max_failed_submissions: int = 0
    report_dir: str = "burst-report"
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    indices: tuple[int, ...] = field(default_factory=tuple)

    def header_map(self) -> dict[str, str]:
        return dict(self.headers)

    def with_query(self, url: str) -> str:
        if not self.query:
            return url
        p = urlsplit(url)
        extra = urlencode(self.query)
        return urlunsplit((p.scheme, p.netloc, p.path, f"{p.query}&{extra}" if p.query else extra, ""))

    def with_indices(self, indices: list[int]) -> BurstPlan:
        return replace(self, indices=tuple(indices))

    def hard_limit(self) -> float:
        """Seconds after which the run stops whatever happens (every wait inside is shorter)."""
        waves = math.ceil(self.jobs / max(1, self.submit_concurrency))
        return self.job_timeout + waves * self.request_timeout + 30.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BurstPlan:
        d = dict(d)
        d["headers"] = tuple(tuple(h) for h in d.get("headers", ()))
        d["query"] = tuple(tuple(q) for q in d.get("query", ()))
        d["indices"] = tuple(d.get("indices", ()))
        return cls(**d)


def add_options(parser: Any) -> None:
    g = parser.add_argument_group("oaproc-testkit burst")
    g.add_argument("--process", default=os.environ.get("OAPROC_PROCESS"), help="process to execute (default: the "
                   "first that allows async-execute) [OAPROC_PROCESS]")
    g.add_argument("--inputs", default=os.environ.get("OAPROC_INPUTS"), help="execute inputs as JSON (default: "
                   "synthesized from the description) [OAPROC_INPUTS]")
    g.add_argument("--jobs", type=int, default=int(os.environ.get("OAPROC_JOBS", 50)), help="jobs to submit (50) [OAPROC_JOBS]")
    g.add_argument("--submit-concurrency", type=int, default=_env_int("OAPROC_SUBMIT_CONCURRENCY"),
                   help="POSTs in flight at once (default: all jobs at once) [OAPROC_SUBMIT_CONCURRENCY]")
    g.add_argument("--expect-max-concurrency", type=int, default=_env_int("OAPROC_EXPECT_MAX_CONCURRENCY"),
                   help="the job manager's limit; more jobs running at once is a violation [OAPROC_EXPECT_MAX_CONCURRENCY]")
    g.add_argument("--job-timeout", type=float, default=float(os.environ.get("OAPROC_JOB_TIMEOUT", 300)),
                   help="seconds a job may take from submission to its end (300) [OAPROC_JOB_TIMEOUT]")
    g.add_argument("--request-timeout", type=float, default=float(os.environ.get("OAPROC_REQUEST_TIMEOUT", 30)),
                   help="seconds one HTTP request may take (30) [OAPROC_REQUEST_TIMEOUT]")
    g.add_argument("--max-failed-submissions", type=int, default=int(os.environ.get("OAPROC_MAX_FAILED_SUBMISSIONS", 0)),
                   help="failed POSTs (5xx, timeouts) tolerated (0) [OAPROC_MAX_FAILED_SUBMISSIONS]")
    g.add_argument("--report-dir", default=os.environ.get("OAPROC_REPORT_DIR", "burst-report"),
                   help="where jobs.jsonl, summary.json and the timeline go (burst-report) [OAPROC_REPORT_DIR]")
    g.add_argument("--header", action="append", default=None, help="'Name: value' sent with every request "
                   "(repeatable; OAPROC_HEADERS holds a JSON list)")
    g.add_argument("--query", action="append", default=None, help="key=value added to every request "
                   "(repeatable; OAPROC_QUERY holds a JSON list)")


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def _env_list(name: str) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return []
    parsed = json.loads(value)
    if not isinstance(parsed, list):
        raise PlanError(f"{name} must be a JSON list of strings")
    return [str(v) for v in parsed]


def make_plan(opts: Any, host: str | None) -> BurstPlan:
    """The plan from Locust's parsed options; discovers the process and its inputs when not given."""
    if not host:
        raise PlanError("--host (the landing page URL of the server) is required")
    if opts.jobs < 1:
        raise PlanError("--jobs must be at least 1")
    headers = tuple(parse_header(h) for h in [*(opts.header or []), *_env_list("OAPROC_HEADERS")])
    query = tuple(parse_query(q) for q in [*(opts.query or []), *_env_list("OAPROC_QUERY")])
    base = BurstPlan(host=host, process="", body={}, jobs=opts.jobs,
                     submit_concurrency=max(1, min(opts.submit_concurrency or opts.jobs, opts.jobs)),
                     expected_max_concurrency=opts.expect_max_concurrency, job_timeout=opts.job_timeout,
                     request_timeout=opts.request_timeout, poll_max=max(1.0, min(5.0, opts.job_timeout / 10)),
                     max_failed_submissions=opts.max_failed_submissions, report_dir=opts.report_dir,
                     headers=headers, query=query, indices=tuple(range(opts.jobs)))
    with httpx.Client(timeout=opts.request_timeout, headers=dict(headers), params=list(query) or None,
                      follow_redirects=False) as http:
        process = opts.process or _first_async_process(http, host)
        if opts.inputs:
            try:
                given = json.loads(opts.inputs)
            except ValueError as exc:
                raise PlanError(f"--inputs is not JSON: {exc}") from None
            body = given if isinstance(given, dict) and isinstance(given.get("inputs"), dict) else {"inputs": given}
        else:
            from ..inputs import build_execute_request

            body = build_execute_request(_get(http, urljoin(host.rstrip("/") + "/", f"processes/{process}")))
    return replace(base, process=process, body=body)


def _get(http: httpx.Client, url: str) -> Any:
    try:
        resp = http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise PlanError(f"GET {url}: {type(exc).__name__}") from None
    if resp.status_code != 200:
        raise PlanError(f"GET {url}: status {resp.status_code}")
    try:
        return resp.json()
    except ValueError:
        raise PlanError(f"GET {url}: not JSON ({resp.headers.get('content-type', 'no Content-Type')})") from None


def _first_async_process(http: httpx.Client, host: str) -> str:
    doc = _get(http, urljoin(host.rstrip("/") + "/", "processes"))
    for summary in doc.get("processes", []) if isinstance(doc, dict) else []:
        if isinstance(summary, dict) and "async-execute" in (summary.get("jobControlOptions") or []):
            return str(summary["id"])
    raise PlanError("no process allows async-execute; name one with --process")
