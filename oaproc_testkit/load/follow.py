"""Submit one job and follow it to its end: the per-job work of the burst, written against a tiny
client interface so it runs on Locust's FastHttpSession in the load test and on a fake in unit tests.

``submit_job`` POSTs with ``Prefer: respond-async`` and takes the job URL from ``Location`` (else
from ``jobID`` or a ``monitor`` link). ``follow_job`` polls the status with a growing interval
(``POLL_FIRST`` s, ×``POLL_GROWTH``, at most ``poll_max``) until a terminal status or the deadline,
then fetches the results. A job the server stops knowing (404/410 twice in a row) is "lost"; one not
terminal by the deadline is "stuck".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from ..jobs import parse_link_header
from .model import TERMINAL, JobRecord

POLL_FIRST = 1.0
POLL_GROWTH = 1.5
POLL_MAX = 5.0
LOST_AFTER = 2  # consecutive 404/410 answers for a job the server had accepted
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
        except ValueError:
            return None


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
        rec.submit_status = "timeout" if "timed out" in answer.error.lower() or "timeout" in answer.error.lower() else (
            f"error: {answer.error[:80]}")
        return
    if answer.status >= 400:
        rec.submit_status = f"{answer.status // 100}xx:{answer.status}"
        rec.note = answer.text[:160]
        return
    rec.submit_status = str(answer.status)
    if answer.status == 201:
        job_url = job_url_of(base, url, answer)
        if job_url is None:
            rec.note = "201 without Location, jobID or monitor link"
            return
        if not same_origin(job_url, base):
            rec.note = f"job URL on another host refused: {job_url}"
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
    misses = 0
    while True:
        now = clock()
        if now >= deadline:
            rec.final_status, rec.final_at = "stuck", now
            last = rec.observations[-1][1] if rec.observations else "unknown"
            rec.note = f"still {last} after {job_timeout:g} s"
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
        status = doc.get("status") if isinstance(doc, dict) else None
        if answer.status != 200 or status not in KNOWN:
            rec.note = f"unreadable status answer ({answer.status or answer.error[:60]})"
            continue
        rec.observe(seen, status)
        rec.take_times(doc)
        if status in TERMINAL:
            rec.final_status, rec.final_at = status, seen
            break
    if rec.final_status == "successful":
        res = client.request("GET", rec.job_url.rstrip("/") + "/results", headers={"Accept": "application/json"},
                             name="GET /jobs/{id}/results", expected=(200, 204))
        rec.results_status = res.status
