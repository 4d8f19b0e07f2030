"""Submit one job and follow it to its end: the per-job work of the burst, written against a tiny
client interface so it runs on the guarded gateway (``client.GuardedClient``) in the load test and on a
fake in unit tests.

``submit_job`` POSTs with ``Prefer: respond-async`` and takes the job URL from ``Location`` (else
from ``jobID`` or a ``monitor`` link); a job URL off the server's origin is refused, never requested.
``follow_job`` polls the status with a growing interval (``POLL_FIRST`` s, ×``POLL_GROWTH``, at most
``poll_max``) until a terminal status or the deadline, then fetches the results (for a failed job: its
exception report). How a job can end besides its own terminal status:

- "lost": the server stops knowing it (404/410 ``LOST_AFTER`` times in a row);
- "stuck": not terminal by the job deadline;
- "unreadable": ``UNREADABLE_AFTER`` status answers in a row that could not be read (no answer within
  the request deadline, a body over the cap, not JSON, not a statusInfo): not a job that is fine;
- "invalid-status": a status word outside the statusCode enum (``completed``): it will never become one
  the standard defines, so the wait ends at once (/req/core/job-success).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from ..jobs import JOB_SUCCESS, parse_link_header, status_outside_enum  # the suites' own reading
from .model import TERMINAL, JobRecord

POLL_FIRST = 1.0
POLL_GROWTH = 1.5
POLL_MAX = 5.0
LOST_AFTER = 2  # consecutive 404/410 answers for a job the server had accepted
UNREADABLE_AFTER = 2  # consecutive status answers that could not be read
KNOWN = ("accepted", "running", *TERMINAL)


@dataclass
class Answer:
    """What the client got: status (0 = no answer), headers, body text, seconds taken, error text."""

    status: int
    headers: Mapping[str, str]
    text: str
    elapsed: float
    error: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser's stack
            return None

    def why_not_json(self) -> str:
        try:
            json.loads(self.text)
        except RecursionError:
            return "JSON nested too deeply to read"
        except ValueError as exc:
            return f"not JSON ({str(exc)[:60]})"
        return ""


class Client(Protocol):
    def request(self, method: str, url: str, *, body: Any = None, headers: Mapping[str, str] | None = None,
                name: str, expected: tuple[int, ...]) -> Answer: ...


def job_url_of(base: str, submit_url: str, answer: Answer) -> str | None:
    """Where the job lives: Location, else {root}/jobs/{jobID}, else a rel=monitor Link."""
    headers = {k.lower(): v for k, v in answer.headers.items()}
    if headers.get("location"):
        return urljoin(submit_url, headers["location"])
    doc = answer.json()
    if isinstance(doc, dict) and isinstance(doc.get("jobID"), str) and doc["jobID"]:
        return urljoin(base.rstrip("/") + "/", f"jobs/{doc['jobID']}")
    for link in parse_link_header(headers.get("link", "")):
        if "monitor" in link.get("rel", "").split():
            return urljoin(submit_url, link["href"])
    return None


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def submit_job(client: Client, rec: JobRecord, *, base: str, process: str, body: Mapping[str, Any],
               clock: Callable[[], float] = time.time) -> None:
    """POST the execution; fill the record's submission fields."""
    url = urljoin(base.rstrip("/") + "/", f"processes/{process}/execution")
    rec.submit_at = clock()
    answer = client.request("POST", url, body=dict(body), headers={"Prefer": "respond-async"},
                            name="POST /processes/{id}/execution", expected=(200, 201))
    rec.submit_latency = round(answer.elapsed, 4)
    rec.phase = "submitted"
    if answer.status == 0:
        low = answer.error.lower()
        rec.submit_status = "timeout" if "timed out" in low or "timeout" in low or "no answer within" in low else (
            "error")
        rec.note = f"POST {url}: {answer.error[:160]}"
        return
    if answer.status >= 400:
        rec.submit_status = f"{answer.status // 100}xx:{answer.status}"
        rec.note = answer.text[:160]
        return
    rec.submit_status = str(answer.status)
    if answer.status == 201:
        job_url = job_url_of(base, url, answer)
        if job_url is None:
            rec.submit_status = "no job URL"
            rec.note = "201 without Location, jobID or monitor link"
            return
        if not same_origin(job_url, base):
            rec.submit_status = "refused"
            rec.note = f"job URL off the server's origin refused, not requested: {job_url[:120]}"
            return
        rec.accepted, rec.job_url = True, job_url
        rec.job_id = job_url.rstrip("/").rsplit("/", 1)[-1]
        doc = answer.json()
        if isinstance(doc, dict) and isinstance(doc.get("status"), str):
            rec.observe(clock(), doc["status"])
            rec.take_times(doc)
        return
    # a synchronous answer: the job ran inside the request
    rec.accepted = True
    rec.final_status, rec.final_at = "successful", clock()
    rec.observe(rec.final_at, "successful")
    rec.note = f"answered synchronously ({answer.status})"


def follow_job(client: Client, rec: JobRecord, *, job_timeout: float, poll_max: float = POLL_MAX,
               clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
    """Poll until terminal, lost or stuck; then GET the results of a successful job."""
    if not rec.accepted or rec.final_status is not None or rec.job_url is None:
        return
    deadline = (rec.submit_at or clock()) + job_timeout
    interval = POLL_FIRST
    misses = unreadable = 0
    while True:
        now = clock()
        if now >= deadline:
            rec.final_status, rec.final_at = "stuck", now
            last = rec.observations[-1][1] if rec.observations else "unknown"
            rec.note = (f"still {last} after {job_timeout:g} s" + (f"; last answer: {rec.note}" if rec.note else ""))
            return
        sleep(min(interval, max(0.0, deadline - now)))
        interval = min(interval * POLL_GROWTH, poll_max)
        answer = client.request("GET", rec.job_url, name="GET /jobs/{id}", expected=(200, 404, 410))
        rec.polls += 1
        seen = clock()
        if answer.status in (404, 410):
            misses += 1
            if misses >= LOST_AFTER:
                rec.final_status, rec.final_at = "lost", seen
                rec.note = f"GET {rec.job_url} answered {answer.status}: the server no longer knows the job"
                return
            continue
        misses = 0
        doc = answer.json()
        problem = _unreadable(answer, doc)
        if problem:
            unreadable += 1
            rec.note = f"GET {rec.job_url}: {problem}"
            if unreadable >= UNREADABLE_AFTER:
                rec.final_status, rec.final_at = "unreadable", seen
                rec.note = f"[{JOB_SUCCESS}] GET {rec.job_url}: {problem} ({unreadable} answers in a row)"
                return
            continue
        unreadable = 0
        status = doc["status"]
        outside = status_outside_enum(status)
        if outside:
            rec.final_status, rec.final_at = "invalid-status", seen
            rec.note = f"[{JOB_SUCCESS}] GET {rec.job_url}: {outside}"
            return
        rec.note = ""
        rec.observe(seen, status)
        rec.take_times(doc)
        if status in TERMINAL:
            rec.final_status, rec.final_at = status, seen
            break
    if rec.final_status in ("successful", "failed"):
        res = client.request("GET", rec.job_url.rstrip("/") + "/results", headers={"Accept": "application/json"},
                             name="GET /jobs/{id}/results",
                             expected=(200, 204) if rec.final_status == "successful" else tuple(range(400, 600)))
        rec.results_status = res.status
        if rec.final_status == "failed":
            rec.exception = exception_report(res)


def _unreadable(answer: Answer, doc: Any) -> str:
    """Why a status answer cannot be read as a statusInfo ('' when it can)."""
    if answer.status == 0:
        return answer.error[:160] or "no answer"
    if answer.status != 200:
        return f"status {answer.status}, expected 200"
    if not isinstance(doc, dict):
        return answer.why_not_json() or "not a JSON object"
    if "status" not in doc:
        return "statusInfo without a status"
    return ""


def exception_report(answer: Answer) -> str:
    """A failed job's exception report (title, detail) in one line, or what came instead."""
    if answer.status == 0:
        return f"results not readable: {answer.error[:120]}"
    doc = answer.json()
    if isinstance(doc, dict):
        parts = [str(doc[k])[:160] for k in ("type", "title", "detail") if isinstance(doc.get(k), str) and doc[k]]
        if parts:
            return f"{answer.status}: " + " | ".join(parts)
    return f"{answer.status}: {' '.join(answer.text.split())[:160] or 'empty body'}"
