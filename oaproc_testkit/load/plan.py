"""The burst's options and plan: which process, which body, how many jobs, which limits.

``add_options`` registers the scenario's command-line options on Locust's parser (each also read
from an environment variable); ``make_plan`` turns them into a ``BurstPlan``, discovering the
process and synthesizing its inputs from the description (the same code the suites use) when they
are not given. The plan travels from the master to the workers as a dict.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from ..errors import ConfigError, RequestFailed
from ..http import Http
from ..settings import Settings, parse_header, parse_query, parse_server_url

DEFAULT_JOB_TIMEOUT = 300.0


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
    max_failed_jobs: int = 0
    job_timeout_origin: str = "given"  # or how the default was derived
    locust_tables: bool = False
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
    """The burst's options on Locust's parser (shown by ``--burst-help``: Locust prints ``--help`` before it
    reads the locustfile, so its own help can never list them: locustio/locust#2917)."""
    g = parser.add_argument_group("oaproc-testkit burst", "the burst's own options (each also an environment variable)")
    g.add_argument("--burst-help", action=_BurstHelp, nargs=0, help="show the burst's options and exit")
    g.add_argument("--process", default=os.environ.get("OAPROC_PROCESS"), help="process to execute (default: the "
                   "first that allows async-execute) [OAPROC_PROCESS]")
    g.add_argument("--inputs", default=os.environ.get("OAPROC_INPUTS"), help="execute inputs as JSON (default: "
                   "synthesized from the description) [OAPROC_INPUTS]")
    g.add_argument("--jobs", type=int, default=int(os.environ.get("OAPROC_JOBS", 50)), help="jobs to submit (50) [OAPROC_JOBS]")
    g.add_argument("--submit-concurrency", type=int, default=_env_int("OAPROC_SUBMIT_CONCURRENCY"),
                   help="POSTs in flight at once (default: all jobs at once) [OAPROC_SUBMIT_CONCURRENCY]")
    g.add_argument("--expect-max-concurrency", type=int, default=_env_int("OAPROC_EXPECT_MAX_CONCURRENCY"),
                   help="the job manager's limit; proof of more jobs running at once is a violation "
                   "[OAPROC_EXPECT_MAX_CONCURRENCY]")
    g.add_argument("--job-timeout", type=float, default=_env_float("OAPROC_JOB_TIMEOUT"),
                   help="seconds a job may take from submission to its end; later is 'stuck' (default: 300, or "
                   "2 x jobs / limit x --job-duration + 60 when that is longer) [OAPROC_JOB_TIMEOUT]")
    g.add_argument("--job-duration", type=float, default=_env_float("OAPROC_JOB_DURATION"),
                   help="how long one job runs, if known: the default --job-timeout is derived from it "
                   "[OAPROC_JOB_DURATION]")
    g.add_argument("--request-timeout", type=float, default=float(os.environ.get("OAPROC_REQUEST_TIMEOUT", 30)),
                   help="seconds one HTTP request may take, headers and body in all (30) [OAPROC_REQUEST_TIMEOUT]")
    g.add_argument("--max-failed-submissions", type=int, default=int(os.environ.get("OAPROC_MAX_FAILED_SUBMISSIONS", 0)),
                   help="POSTs answered 4xx/5xx, not at all or with no usable job URL that are tolerated (0) "
                   "[OAPROC_MAX_FAILED_SUBMISSIONS]")
    g.add_argument("--max-failed-jobs", type=int, default=int(os.environ.get("OAPROC_MAX_FAILED_JOBS", 0)),
                   help="jobs ending 'failed' that are tolerated (0); their exception reports go into the summary "
                   "[OAPROC_MAX_FAILED_JOBS]")
    g.add_argument("--report-dir", default=os.environ.get("OAPROC_REPORT_DIR", "burst-report"),
                   help="where jobs.jsonl, summary.json and the timeline go (burst-report) [OAPROC_REPORT_DIR]")
    g.add_argument("--locust-tables", action="store_true", default=bool(os.environ.get("OAPROC_LOCUST_TABLES")),
                   help="also print Locust's request statistics tables (off: the verdict and its figures only) "
                   "[OAPROC_LOCUST_TABLES]")
    g.add_argument("--header", action="append", default=None, help="'Name: value' sent with every request "
                   "(repeatable; OAPROC_HEADERS holds a JSON list)")
    g.add_argument("--query", action="append", default=None, help="key=value added to every request "
                   "(repeatable; OAPROC_QUERY holds a JSON list)")


class _BurstHelp(argparse.Action):
    """Print the burst's argument group and exit 0."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        print(burst_help(parser))
        parser.exit(0)


def burst_help(parser: Any) -> str:
    group = next(g for g in parser._action_groups if g.title == "oaproc-testkit burst")  # noqa: SLF001
    formatter = parser._get_formatter()  # noqa: SLF001 - argparse's own way to format one group
    formatter.add_usage("locust -f loadtests/burst.py --headless --host URL", None, [])
    formatter.add_text("Fire --jobs asynchronous executions at the server, follow every job to its end and judge "
                       "the job manager from the job timeline (loadtests/README.md).")
    formatter.start_section(group.title)
    formatter.add_text(group.description)
    formatter.add_arguments(group._group_actions)  # noqa: SLF001
    formatter.end_section()
    formatter.add_text("Locust's own options (--html FILE, --processes N, ...): locust --help. Exit codes: 0 the "
                       "burst verdicts hold, 1 a violation, 2 the burst could not run (see the line printed).")
    return formatter.format_help()


def _env_float(name: str) -> float | None:
    value = os.environ.get(name)
    return float(value) if value else None


def derive_job_timeout(*, jobs: int, limit: int | None, job_duration: float | None) -> tuple[float, str]:
    """The default job timeout: 300 s, or twice the queue's predicted drain plus a minute when longer."""
    if not job_duration:
        return DEFAULT_JOB_TIMEOUT, "default"
    waves = math.ceil(jobs / limit) if limit else 1
    derived = 2 * waves * job_duration + 60
    if derived <= DEFAULT_JOB_TIMEOUT:
        return DEFAULT_JOB_TIMEOUT, "default"
    return round(derived, 1), f"derived: 2 x {waves} waves x {job_duration:g} s + 60 s"


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
    """The plan from Locust's parsed options; discovers the process and its inputs when not given.

    Discovery goes through the guarded gateway as well (same origin, deadline, body cap)."""
    if not host:
        raise PlanError("--host (the landing page URL of the server) is required")
    if opts.jobs < 1:
        raise PlanError("--jobs must be at least 1")
    try:
        host = parse_server_url(host)
        headers = tuple(parse_header(h) for h in [*(opts.header or []), *_env_list("OAPROC_HEADERS")])
        query = tuple(parse_query(q) for q in [*(opts.query or []), *_env_list("OAPROC_QUERY")])
    except ConfigError as exc:
        raise PlanError(str(exc)) from None
    for name in ("request_timeout", "job_timeout", "job_duration"):
        value = getattr(opts, name, None)
        if value is not None and not value > 0:
            raise PlanError(f"--{name.replace('_', '-')} must be a positive number of seconds")
    if opts.job_timeout is not None:
        job_timeout, origin = float(opts.job_timeout), "given"
    else:
        job_timeout, origin = derive_job_timeout(jobs=opts.jobs, limit=opts.expect_max_concurrency,
                                                 job_duration=getattr(opts, "job_duration", None))
    base = BurstPlan(host=host, process="", body={}, jobs=opts.jobs,
                     submit_concurrency=max(1, min(opts.submit_concurrency or opts.jobs, opts.jobs)),
                     expected_max_concurrency=opts.expect_max_concurrency, job_timeout=job_timeout,
                     job_timeout_origin=origin,
                     request_timeout=opts.request_timeout, poll_max=max(1.0, min(5.0, job_timeout / 10)),
                     max_failed_submissions=opts.max_failed_submissions,
                     max_failed_jobs=getattr(opts, "max_failed_jobs", 0) or 0,
                     locust_tables=bool(getattr(opts, "locust_tables", False)), report_dir=opts.report_dir,
                     headers=headers, query=query, indices=tuple(range(opts.jobs)))
    http = Http(Settings(server_url=host, headers=headers, query=query, timeout=opts.request_timeout))
    try:
        process = opts.process or _first_async_process(http, host)
        if opts.inputs:
            try:
                given = json.loads(opts.inputs)
            except ValueError as exc:
                raise PlanError(f"--inputs is not JSON: {exc}") from None
            body = given if isinstance(given, dict) and isinstance(given.get("inputs"), dict) else {"inputs": given}
        else:
            from .._oas_values import PatternTooCostly
            from ..inputs import build_execute_request

            url = urljoin(host.rstrip("/") + "/", f"processes/{process}")
            try:
                body = build_execute_request(_get(http, url))
            except PatternTooCostly as exc:
                raise PlanError(f"GET {url}: no inputs could be built ({exc}); give them with --inputs") from None
            except (ValueError, KeyError, TypeError, RecursionError) as exc:  # ValueTooLarge is a ValueError
                raise PlanError(f"GET {url}: no inputs could be built from the description ({str(exc)[:200]}); "
                                "give them with --inputs") from None
    finally:
        http.close()
    return replace(base, process=process, body=body)


def _get(http: Http, url: str) -> Any:
    try:
        resp = http.get(url)
    except RequestFailed as exc:
        raise PlanError(f"GET {exc.url}: {exc.reason}") from None
    if resp.status_code != 200:
        raise PlanError(f"GET {url}: status {resp.status_code}, expected 200")
    try:
        return resp.json()
    except (ValueError, RecursionError):
        raise PlanError(f"GET {url}: not JSON ({resp.headers.get('content-type', 'no Content-Type')})") from None


def _first_async_process(http: Http, host: str) -> str:
    doc = _get(http, urljoin(host.rstrip("/") + "/", "processes"))
    for summary in doc.get("processes", []) if isinstance(doc, dict) else []:
        if (isinstance(summary, dict) and isinstance(summary.get("id"), str)
                and "async-execute" in (summary.get("jobControlOptions") or [])):
            return summary["id"]
    raise PlanError("no process allows async-execute; name one with --process")
