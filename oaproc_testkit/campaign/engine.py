"""Run a campaign: submit one job per tile, follow it, retry, re-attach after a restart.

Each server gets ``parallel`` worker threads, so no more than that many of its jobs are in flight
(submitted and not yet settled) at once: the client-side limit of the openEO job manager's
``parallel_jobs``. Workers take tiles from one shared queue (retries become ready after their
backoff, possibly on another server); jobs found in flight in the database are followed first, by
the workers of the server that holds them. Every change goes to ``save`` at once (the database).

All HTTP goes through ``oaproc_testkit.http.Http`` (timeouts, same origin, body cap), submissions
through ``jobs.execute``, polling through ``jobs.wait_for_job``.
"""

from __future__ import annotations

import heapq
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from ..errors import RequestFailed
from ..http import Exchange, Http
from ..inputs import output_ids, validate_value
from ..jobs import backoff, execute, header_links, json_or_none, wait_for_job
from ..load.model import parse_time
from .db import IN_FLIGHT, Attempt, TileRow
from .plan import CampaignPlan, ServerSpec

LOST_AFTER = 2  # consecutive 404/410 answers for a job the server had accepted
_NUMBERS = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27,}|\d+(\.\d+)?")
Save = Callable[[TileRow, Attempt | None], None]


class _ObservedHttp(Http):
    """The gateway, telling an observer (Locust's statistics) about every exchange."""

    def __init__(self, *args: Any, observer: Callable[[Exchange], None] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._observer = observer

    def _log(self, method: str, url: str, status: int | None, start: float, ctype: str, error: str = "") -> None:
        # the exchange list would grow for the whole campaign: keep only the observer's view
        ex = Exchange(method, url, status, self.clock() - start, ctype, error)
        if self._observer is not None:
            self._observer(ex)


@dataclass
class Server:
    spec: ServerSpec
    http: Http
    description: Mapping[str, Any] | None = None
    attach: list[tuple[TileRow, Attempt]] = field(default_factory=list)


def cause_of(kind: str, exception: Mapping[str, Any] | None, error: str | None) -> str:
    """A failure's cause, for grouping: kind + exception type/title (numbers and ids blanked)."""
    parts = [kind]
    if exception:
        for key in ("type", "title"):
            if exception.get(key):
                parts.append(str(exception[key]))
        if len(parts) == 1 and exception.get("detail"):
            parts.append(str(exception["detail"])[:80])
        if exception.get("status") and len(parts) == 1:
            parts.append(f"HTTP {exception['status']}")
    elif error:
        parts.append(error.split(": ", 2)[-1][:80])
    return _NUMBERS.sub("#", " · ".join(parts))


def exception_of(resp: Any, redact: Callable[[str], str]) -> dict[str, Any]:
    """The server's exception report (type, title, detail, status) from an answer, or its text."""
    doc = json_or_none(resp)
    out: dict[str, Any] = {"http_status": resp.status_code}
    if isinstance(doc, Mapping):
        for key in ("type", "title", "detail", "status", "instance", "message"):
            if isinstance(doc.get(key), (str, int)):
                out[key] = redact(str(doc[key]))[:2000]
    if len(out) == 1:
        out["detail"] = redact(resp.text[:500])
    return out


def log_link(*docs: Any, resp: Any = None) -> str | None:
    """A job's log: a link whose rel, title or href says log (statusInfo, results, Link headers)."""
    links: list[Mapping[str, Any]] = []
    for doc in docs:
        if isinstance(doc, Mapping) and isinstance(doc.get("links"), list):
            links += [lk for lk in doc["links"] if isinstance(lk, Mapping)]
    if resp is not None:
        links += header_links(resp)
    for lk in links:
        text = " ".join(str(lk.get(k, "")) for k in ("rel", "title", "href")).lower()
        if "log" in re.split(r"[^a-z]+", text) or str(lk.get("href", "")).lower().endswith((".log", "/log", "/logs")):
            return str(lk.get("href"))
    return None


def check_results(description: Mapping[str, Any] | None, resp: Any) -> tuple[bool | None, str]:
    """(valid, note): True/False when the results could be read against the output schemas, None when
    they could not be judged (not JSON, by reference, unknown shape): that is never a failure."""
    if description is None:
        return None, "no process description"
    if resp.status_code == 204:
        return None, "204: results by reference (Link headers), not validated"
    doc = json_or_none(resp)
    if doc is None:
        return None, f"results are not JSON ({resp.headers.get('content-type', 'no Content-Type')}), not validated"
    outputs = description.get("outputs") if isinstance(description.get("outputs"), Mapping) else {}
    ids = output_ids(description)
    if isinstance(doc, Mapping) and doc and all(k in ids for k in doc):
        pairs = [(k, doc[k]) for k in doc]
    elif len(ids) == 1:
        pairs = [(ids[0], doc)]  # a raw single output
    else:
        return None, "results document of an unknown shape, not validated"
    for oid, value in pairs:
        if isinstance(value, Mapping) and "href" in value:
            continue
        if isinstance(value, Mapping) and "value" in value and set(value) <= {"value", "mediaType", "encoding", "schema"}:
            value = value["value"]
        schema = (outputs.get(oid) or {}).get("schema") if isinstance(outputs.get(oid), Mapping) else None
        errs = validate_value(schema, value) if isinstance(schema, Mapping) else []
        if errs:
            return False, f"output {oid!r} does not fit its schema: {errs[0]}"
    return True, f"{len(pairs)} output(s) valid"


class Engine:
    """One campaign run over the given tile rows; see the module docstring."""

    def __init__(self, plan: CampaignPlan, rows: list[TileRow], attempts: Mapping[str, list[Attempt]], *,
                 bodies: Mapping[str, dict[str, Any]], descriptions: Mapping[str, Mapping[str, Any]], save: Save,
                 observer: Callable[[Exchange], None] | None = None, parallel: Mapping[str, int] | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.plan, self.bodies, self.save, self.clock, self.sleep = plan, bodies, save, clock, sleep
        self.servers: dict[str, Server] = {}
        for spec in plan.servers:
            self.servers[spec.url] = Server(spec, _ObservedHttp(spec.settings(plan.request_timeout), observer=observer),
                                            descriptions.get(spec.url))
        self.parallel = dict(parallel or {s.url: s.parallel for s in plan.servers})
        self.rows = {r.tile_id: r for r in rows}
        self.used = {r.tile_id: 0 for r in rows}
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, str]] = []
        self.active = 0
        self.stopping = False
        for r in rows:
            tries = attempts.get(r.tile_id, [])
            self.used[r.tile_id] = sum(1 for a in tries if a.cause != "interrupted")
            last = tries[-1] if tries else None
            if r.status in IN_FLIGHT and r.job_url and last is not None and last.job_url == r.job_url:
                server = self.servers.get(r.server or "") or self._adhoc(r.server or r.job_url, observer)
                server.attach.append((r, last))
            elif last is not None and last.status == "not_started":
                # killed between writing the attempt and getting the answer: the POST may or may not
                # have created a job; the tile is submitted again (never a successful one)
                last.status, last.cause = "start_failed", "interrupted"
                last.error = "the campaign stopped during this submission; the server may hold an orphan job"
                r.status = "start_failed" if r.status == "not_started" else r.status
                self.save(r, last)
                self._push(r, 0.0)
            elif self._wants_work(r):
                self._push(r, 0.0)

    def _adhoc(self, url: str, observer: Callable[[Exchange], None] | None) -> Server:
        """A job recorded on a server not given this time: followed without the user's headers."""
        spec = ServerSpec(url=urljoin(url, "/"), parallel=1)
        server = Server(spec, _ObservedHttp(spec.settings(self.plan.request_timeout), observer=observer))
        self.servers[spec.url] = server
        self.parallel.setdefault(spec.url, 1)
        return server

    def _wants_work(self, r: TileRow) -> bool:
        if r.status == "not_started":
            return True
        return r.status in ("failed", "start_failed", "lost", "stuck") and self.used[r.tile_id] <= self.plan.retries

    def _push(self, r: TileRow, ready_at: float) -> None:
        heapq.heappush(self._heap, (ready_at, r.seq, r.tile_id))

    # -- scheduling ------------------------------------------------------------------------------------
    def run(self, *, deadline: float | None = None) -> None:
        threads = []
        for url, server in self.servers.items():
            # a share of a distributed run may hold no slot of a server but one of its jobs to re-attach
            for i in range(self.parallel.get(url, 1) or (1 if server.attach else 0)):
                t = threading.Thread(target=self._worker, args=(server, deadline), name=f"campaign-{server.spec.label}-{i}",
                                     daemon=True)
                threads.append(t)
                t.start()
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.5)

    def stop(self) -> None:
        with self._cond:
            self.stopping = True
            self._cond.notify_all()

    def _take(self, server: Server, deadline: float | None) -> tuple[TileRow, Attempt | None] | None:
        with self._cond:
            while True:
                if self.stopping or (deadline is not None and self.clock() >= deadline):
                    return None
                if server.attach:
                    self.active += 1
                    return server.attach.pop(0)
                now = self.clock()
                if self._heap and self._heap[0][0] <= now:
                    _, _, tid = heapq.heappop(self._heap)
                    self.active += 1
                    return self.rows[tid], None
                if not self._heap and self.active == 0 and not any(s.attach for s in self.servers.values()):
                    self._cond.notify_all()
                    return None
                wait = min(1.0, self._heap[0][0] - now) if self._heap else 1.0
                self._cond.wait(timeout=max(0.01, wait))

    def _done(self, row: TileRow) -> None:
        with self._cond:
            self.active -= 1
            if row.status != "successful" and self._wants_work(row) and not self.stopping:
                used = self.used[row.tile_id]
                self._push(row, self.clock() + min(60.0, self.plan.backoff * 2 ** max(0, used - 1)))
            self._cond.notify_all()

    def _worker(self, server: Server, deadline: float | None) -> None:
        while True:
            item = self._take(server, deadline)
            if item is None:
                return
            row, attempt = item
            try:
                if attempt is None:
                    attempt = self._submit(server, row)
                if attempt is not None:
                    self._follow(server, row, attempt)
            finally:
                self._done(row)

    # -- one job -----------------------------------------------------------------------------------
    def _submit(self, server: Server, row: TileRow) -> Attempt | None:
        self.used[row.tile_id] += 1
        row.attempts += 1
        now = self.clock()
        att = Attempt(tile_id=row.tile_id, attempt=row.attempts, server=server.spec.url, submitted_at=now)
        row.server, row.job_url, row.job_id, row.submitted_at = server.spec.url, None, None, now
        row.started_at = row.finished_at = None
        self.save(row, att)  # before the POST: a kill now is seen as an interrupted submission
        http = server.http
        try:
            sub = execute(http, self.plan.process, self.bodies[row.tile_id], prefer="respond-async",
                          accept="application/json")
        except RequestFailed as exc:
            self._settle(row, att, "start_failed", error=http.redact(str(exc)), exception=None)
            return None
        resp = sub.response
        if sub.mode == "error":
            exc_doc = exception_of(resp, http.redact)
            self._settle(row, att, "start_failed", error=f"POST {http.redact(sub.url)}: status {resp.status_code}",
                         exception=exc_doc)
            return None
        if sub.mode == "sync" and not sub.job_url:
            att.accepted = True
            ok, note = check_results(server.description, resp)
            self._settle(row, att, "successful", results=(ok, f"answered synchronously ({resp.status_code}); {note}"))
            return None
        if not sub.job_url:
            self._settle(row, att, "start_failed", exception=None,
                         error=f"POST {http.redact(sub.url)}: 201 without Location header or jobID")
            return None
        if not http.is_own(sub.job_url):
            self._settle(row, att, "start_failed", exception=None,
                         error=f"POST {http.redact(sub.url)}: job URL on another host refused ({http.redact(sub.job_url)})")
            return None
        att.accepted, att.job_url = True, sub.job_url
        row.job_url = sub.job_url
        row.job_id = sub.job_url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        doc = sub.status_doc if isinstance(sub.status_doc, Mapping) else {}
        self._observe(row, att, str(doc.get("status") or "accepted"), doc)
        self.save(row, att)
        return att

    def _observe(self, row: TileRow, att: Attempt, status: str, doc: Mapping[str, Any]) -> None:
        now = self.clock()
        if status == "running" and att.seen_running is None:
            att.seen_running = now
            row.started_at = row.started_at or now
        started, finished = parse_time(doc.get("started")), parse_time(doc.get("finished"))
        if started is not None:
            att.server_started = row.started_at = started
        if finished is not None:
            att.server_finished = finished
        if status in ("accepted", "running"):
            row.status = att.status = "queued" if status == "accepted" else "running"

    def _follow(self, server: Server, row: TileRow, att: Attempt) -> None:
        http = server.http
        url = att.job_url or ""
        end = max((att.submitted_at or self.clock()) + self.plan.job_timeout, self.clock() + 10.0)
        misses = 0

        def seen(_url: str, doc: Any) -> None:  # every statusInfo: status and the server's timestamps
            if isinstance(doc, Mapping) and isinstance(doc.get("status"), str):
                before = (row.status, att.server_started)
                self._observe(row, att, doc["status"], doc)
                if (row.status, att.server_started) != before:
                    self.save(row, att)

        while True:
            remaining = end - self.clock()
            if remaining <= 0:
                self._settle(row, att, "stuck", exception=None,
                             error=f"GET {http.redact(url)}: still {row.status} after {self.plan.job_timeout:g} s")
                return
            trace = wait_for_job(http, url, deadline_s=remaining, clock=self.clock, sleep=self.sleep,
                                 intervals=backoff(0.2, 1.5, self.plan.poll_max), observe=seen)
            att.polls += trace.polls
            last_doc = trace.last_doc
            if isinstance(last_doc, Mapping) and isinstance(last_doc.get("status"), str):
                self._observe(row, att, last_doc["status"], last_doc)
            if trace.finished:
                break
            if trace.timed_out:
                continue  # the loop settles it as stuck
            if getattr(trace, "unknown_status", False):  # a status word outside the statusCode enum
                self._settle(row, att, "failed", exception=None, error=http.redact(trace.problem))
                return
            resp = trace.last_response
            if resp is not None and resp.status_code in (404, 410) and f": status {resp.status_code}" in trace.problem:
                misses += 1
                if misses >= LOST_AFTER:
                    self._settle(row, att, "lost", exception=exception_of(resp, http.redact),
                                 error=f"GET {http.redact(url)}: status {resp.status_code}: the server no longer knows the job")
                    return
            else:
                misses = 0
                att.error = http.redact(trace.problem)
            self.sleep(min(self.plan.poll_max, max(0.0, end - self.clock())))
        status = trace.status
        doc = last_doc if isinstance(last_doc, Mapping) else {}
        results_url = self._results_url(http, url, doc)
        res, res_error = None, ""
        try:
            res = http.get(results_url, headers={"Accept": "application/json"}, accept=None)
        except RequestFailed as exc:
            res_error = http.redact(str(exc))
        if status == "successful":
            if res is None:
                self._settle(row, att, "successful", results=(None, f"results not fetched: {res_error}"))
            elif res.status_code >= 400:
                self._settle(row, att, "successful", results=(False, f"GET {http.redact(results_url)}: status "
                                                                     f"{res.status_code} for a successful job"))
            else:
                self._settle(row, att, "successful", results=check_results(server.description, res),
                             log=log_link(doc, json_or_none(res), resp=res))
            return
        exc_doc: dict[str, Any] = {}
        if res is not None and res.status_code >= 400:
            exc_doc = exception_of(res, http.redact)
        if doc.get("message") and "detail" not in exc_doc:
            exc_doc["detail"] = http.redact(str(doc["message"]))[:2000]
        exc_doc.setdefault("job_status", status)
        self._settle(row, att, "failed", exception=exc_doc, error=f"job {row.job_id} ended {status}",
                     log=log_link(doc, json_or_none(res) if res is not None else None, resp=res))

    @staticmethod
    def _results_url(http: Http, job_url: str, doc: Mapping[str, Any]) -> str:
        for lk in doc.get("links") or []:
            if isinstance(lk, Mapping) and str(lk.get("rel", "")).endswith("results") and lk.get("href"):
                target = urljoin(job_url, str(lk["href"]))
                if http.is_own(target):
                    return target
        base, _, query = job_url.partition("?")
        return base.rstrip("/") + "/results" + (f"?{query}" if query else "")

    def _settle(self, row: TileRow, att: Attempt, status: str, *, exception: dict[str, Any] | None = None,
                error: str | None = None, results: tuple[bool | None, str] | None = None, log: str | None = None) -> None:
        now = self.clock()
        att.status = row.status = status
        att.seen_end = now
        row.finished_at = att.server_finished or now
        row.log_link = att.log_link = log
        if status == "successful":
            row.last_error, row.exception = None, None
            att.error = att.cause = None
            if results is not None:
                ok, note = results
                row.results_note = ("INVALID: " if ok is False else "") + note
        else:
            row.last_error, row.exception = error, exception
            att.error, att.exception = error, exception
            att.cause = cause_of(status, exception, error)
        self.save(row, att)
