"""Execute a process and follow a job to its end, with an injected clock and a bounded deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import RequestFailed
from .http import Http

STATUS_CODES = frozenset({"accepted", "running", "successful", "failed", "dismissed"})
TERMINAL = frozenset({"successful", "failed", "dismissed"})
JOB_SUCCESS = "/req/core/job-success"  # the requirement a statusInfo (and its status word) belongs to

#: Called with (URL, statusInfo) for every statusInfo a poll receives (see ``wait_for_job``).
Observer = Callable[[str, Any], None]


def status_outside_enum(status: object) -> str | None:
    """Why ``status`` is not a job status of OAProc 1.0 (the statusCode enum), or None when it is one.

    A status word outside the enum (``completed``, ``SUCCESSFUL``, ``done``) will never turn into one the
    standard defines, so a client waiting for ``successful`` would wait forever: stop at once and report it
    against /req/core/job-success (statusInfo.yaml, ``status``: statusCode.yaml)."""
    if isinstance(status, str) and status in STATUS_CODES:
        return None
    shown = repr(status) if isinstance(status, str) else f"a JSON {type(status).__name__}"
    return (f"status {shown[:60]} is not a statusCode of OAProc 1.0 ({', '.join(sorted(STATUS_CODES))}; "
            f"{JOB_SUCCESS})")


def backoff(initial: float = 0.05, factor: float = 1.6, maximum: float = 1.0) -> Iterator[float]:
    """Poll intervals: fast at first, then growing to ``maximum``."""
    interval = initial
    while True:
        yield interval
        interval = min(maximum, interval * factor)


def json_or_none(resp: httpx.Response) -> Any:
    """The JSON body of ``resp`` or None when it is not JSON."""
    try:
        return resp.json()
    except ValueError:
        return None


@dataclass
class Submission:
    """What came back from one POST .../execution."""

    url: str
    body: Mapping[str, Any]
    headers: Mapping[str, str]
    response: httpx.Response
    mode: str  # "sync" (2xx other than 201), "async" (201), "error" (>= 300)
    job_url: str | None = None
    job_url_source: str = ""  # "location", "jobID" (fallback), "monitor" or ""
    status_doc: Any = None
    sent_at: float = 0.0  # http.clock() when the POST was sent


def execute(
    http: Http,
    process_id: str,
    body: Mapping[str, Any],
    *,
    prefer: str | None = None,
    headers: Mapping[str, str] | None = None,
    accept: str | None = None,
) -> Submission:
    """POST an execute request. ``prefer`` is sent as the Prefer header when given."""
    url = http.url(f"/processes/{process_id}/execution")
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if prefer:
        hdrs["Prefer"] = prefer
    sent_at = http.clock()
    resp = http.post(url, json=dict(body), headers=hdrs, accept=accept, follow_redirects=False)
    code = resp.status_code
    mode = "async" if code == 201 else "sync" if 200 <= code < 300 else "sync" if code == 303 else "error"
    sub = Submission(url=url, body=body, headers=hdrs, response=resp, mode=mode, sent_at=sent_at)
    if mode == "async":
        sub.status_doc = json_or_none(resp)
        loc = resp.headers.get("location")
        if loc:
            sub.job_url, sub.job_url_source = http.resolve(url, loc), "location"
        elif isinstance(sub.status_doc, Mapping) and isinstance(sub.status_doc.get("jobID"), str):
            sub.job_url, sub.job_url_source = http.url(f"/jobs/{sub.status_doc['jobID']}"), "jobID"
    elif mode == "sync":
        mon = monitor_link(http, url, resp)
        if mon:
            sub.job_url, sub.job_url_source = mon, "monitor"
    return sub


def monitor_link(http: Http, base: str, resp: httpx.Response) -> str | None:
    for link in header_links(resp):
        if "monitor" in link.get("rel", "").split():
            return http.resolve(base, link["href"])
    return None


def header_links(resp: httpx.Response) -> list[dict[str, str]]:
    """All RFC 8288 links of all Link headers (httpx's ``links`` keeps one per rel)."""
    out: list[dict[str, str]] = []
    for value in resp.headers.get_list("link"):
        out += parse_link_header(value)
    return out


def parse_link_header(value: str) -> list[dict[str, str]]:
    links = []
    for part in _split_outside_quotes(value, ","):
        part = part.strip()
        if not part.startswith("<") or ">" not in part:
            continue
        href, _, params = part[1:].partition(">")
        link = {"href": href.strip()}
        for param in _split_outside_quotes(params, ";"):
            key, sep, val = param.strip().partition("=")
            if sep and key:
                link[key.strip().lower()] = val.strip().strip('"')
        links.append(link)
    return links


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts, buf, quoted, angled = [], [], False, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angled = True
        elif ch == ">" and not quoted:
            angled = False
        if ch == sep and not quoted and not angled:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


@dataclass
class JobTrace:
    """Everything seen while following one job."""

    url: str
    statuses: list[tuple[float, str]] = field(default_factory=list)  # (clock, status) at each change
    last_doc: Any = None
    last_response: httpx.Response | None = None
    polls: int = 0
    timed_out: bool = False
    problem: str = ""  # a non-200, non-JSON or malformed statusInfo stopped the polling
    unknown_status: bool = False  # the problem is a status word outside the statusCode enum

    @property
    def status(self) -> str | None:
        return self.statuses[-1][1] if self.statuses else None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


def wait_for_job(
    http: Http,
    job_url: str,
    *,
    deadline_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    intervals: Iterator[float] | None = None,
    until: Callable[[str], bool] = lambda status: status in TERMINAL,
    observe: Observer | None = None,
) -> JobTrace:
    """Poll ``job_url`` until ``until(status)`` holds, a problem occurs, or ``deadline_s`` passes.

    A status outside the statusCode enum is a problem at once (``status_outside_enum``): it ends the wait.
    ``observe`` sees every statusInfo received (for validation at every stage of the job)."""
    trace = JobTrace(url=job_url)
    end = clock() + deadline_s
    waits = intervals or backoff()
    while True:
        try:
            resp = http.get(job_url, timeout=max(0.5, min(http.settings.timeout, end - clock())))
        except RequestFailed as exc:
            trace.problem = f"GET {exc.url}: {exc.reason}"
            return trace
        trace.polls += 1
        trace.last_response = resp
        doc = json_or_none(resp)
        status = doc.get("status") if isinstance(doc, Mapping) else None
        if resp.status_code != 200 or not isinstance(status, str):
            trace.problem = (
                f"GET {job_url}: status {resp.status_code}"
                + ("" if isinstance(doc, Mapping) else ", body is not a JSON object")
                + ("" if isinstance(status, str) or not isinstance(doc, Mapping) else ", no 'status' member")
            )
            trace.last_doc = doc
            return trace
        trace.last_doc = doc
        if observe is not None:
            observe(job_url, doc)
        if not trace.statuses or trace.statuses[-1][1] != status:
            trace.statuses.append((clock(), status))
        outside = status_outside_enum(status)
        if outside:
            trace.problem, trace.unknown_status = f"GET {job_url}: {outside}", True
            return trace
        if until(status):
            return trace
        remaining = end - clock()
        if remaining <= 0:
            trace.timed_out = True
            return trace
        sleep(min(next(waits), remaining))
