"""The reference server (tests/fault_server.py) with quirks the old verdicts got wrong (issue 8 classes 5, 6,
7, 11; issue 12's status word outside the enum). Kept apart from fault_server.py: each quirk is a legal
choice or a deviation that no single abstract-test fault describes.

    handle = start_quirk_server({"wrap-slow"})
    ...
    handle.stop()

Quirks:
- ``wrap-slow``: adds process ``slow-echo`` (a ``pause`` input of at least 2 s, sync+async, one string output);
  its raw single output by value comes back wrapped ``{"text": ...}`` (sync and async). Only a toolkit that
  executes slow processes too sees it.
- ``running-statusinfo``: statusInfo of an ``accepted``/``running`` job has ``"finished": null`` and
  ``"progress": 0.5``; finished jobs are fine. Every job runs at least ``RUN_S`` so a poll sees it running.
- ``object-envelope`` / ``object-id-value``: adds process ``objects`` (one output ``result``, schema
  ``{"type": "object"}``); its raw single output comes back as ``{"result": {...}}`` / ``{"id": "result",
  "value": {...}}``.
- ``ignore-prefer``: processes that allow both modes answer ``Prefer: respond-async`` synchronously (legal:
  it is a preference) and call no subscriber for such a synchronous execution; async-only processes stay
  asynchronous.
- ``ignore-prefer-all``: as above, and there is no async-only process (``sleep`` is hidden).
- ``completed``: statusInfo says ``completed`` where 1.0 says ``successful``.
- ``wps-400``: not an OAProc server at all: every request answers 400 with an OWS ExceptionReport in XML
  (what a WPS server says to a request without ``service=WPS``), class 2.
- ``sync-location``: a synchronous answer names its job with ``Location: /jobs/{id}`` (the job exists and is
  ``successful``) and has no ``Link rel=monitor``: a deviation of /req/core/job-results-success-sync (class 8).
- ``sync-no-job``: a synchronous answer carries no sign of a job (no Link, no Location): legal, the test
  must skip saying so (class 8).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import fault_server as fs

RUN_S = 0.4

SLOW_ECHO = fs.Process(
    id="slow-echo", title="Slow echo", description="Returns its text after a pause of at least two seconds.",
    job_control=("sync-execute", "async-execute"),
    inputs={"text": {"title": "Text", "schema": fs.literal("string")},
            "pause": {"title": "Pause", "schema": fs.literal("number", minimum=2, maximum=10)}},
    outputs={"text": {"title": "Text", "schema": fs.literal("string", contentMediaType="text/plain")}},
    run=lambda values, job: (fs.pause(job, float(values["pause"])), {"text": values["text"]})[1],
    transmission=("value",))

OBJECTS = fs.Process(
    id="objects", title="Objects", description="Returns an object.",
    job_control=("sync-execute", "async-execute"),
    inputs={"name": {"title": "Name", "schema": fs.literal("string")}},
    outputs={"result": {"title": "Result", "schema": {"type": "object", "contentMediaType": fs.JSON}}},
    run=lambda values, job: {"result": {"name": values["name"], "size": len(values["name"])}},
    transmission=("value",))

QUIRKS = ("wrap-slow", "running-statusinfo", "object-envelope", "object-id-value", "ignore-prefer",
          "ignore-prefer-all", "completed", "wps-400", "sync-location",
          "sync-no-job")

WPS_EXCEPTION = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1"'
                 b' version="1.0.0"><ows:Exception exceptionCode="MissingParameterValue" locator="service"/>'
                 b"</ows:ExceptionReport>\n")


class QuirkHandler(fs.Handler):
    server: QuirkServer

    def quirk(self, name: str) -> bool:
        return name in self.server.quirks

    def dispatch(self, method: str) -> None:
        if self.quirk("wps-400"):
            if method in ("POST", "PUT"):
                self.rfile.read(min(int(self.headers.get("Content-Length") or 0), fs.MAX_BODY))
            self.send(400, WPS_EXCEPTION, "text/xml; charset=utf-8")
            return
        super().dispatch(method)

    def process_of(self, pid: str) -> fs.Process:
        if self.quirk("ignore-prefer-all") and pid == "sleep":
            raise fs.ApiError(404, fs.NO_SUCH_PROCESS, f"no process {pid!r}", title="No such process")
        return super().process_of(pid)

    def post_execution(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.quirk("ignore-prefer") or self.quirk("ignore-prefer-all"):
            proc = fs.PROCESSES.get(segs[1])
            if proc is not None and "sync-execute" in proc.job_control:
                del self.headers["Prefer"]
        super().post_execution(segs, query)

    def send_results(self, job: fs.Job, *, sync: bool, headers: list[tuple[str, str]]) -> None:
        if sync and (self.quirk("sync-location") or self.quirk("sync-no-job")):
            headers = [(k, v) for k, v in headers if k.lower() != "link"]
            if self.quirk("sync-location"):
                headers.append(("Location", f"/jobs/{job.id}"))
        outs = job.outputs
        if job.response == "raw" and len(outs) == 1 and outs[0][1] == "value" and job.results is not None:
            oid = outs[0][0]
            wrapped: Any = None
            if job.process.id == "slow-echo" and self.quirk("wrap-slow"):
                wrapped = {oid: job.results[oid]}
            elif job.process.id == "objects" and self.quirk("object-envelope"):
                wrapped = {oid: job.results[oid]}
            elif job.process.id == "objects" and self.quirk("object-id-value"):
                wrapped = {"id": oid, "value": job.results[oid]}
            if wrapped is not None:
                self.send_json(200, wrapped, headers)
                return
        super().send_results(job, sync=sync, headers=headers)

    def send_json(self, status: int, doc: Any, headers: Iterable[tuple[str, str]] = (), ctype: str = fs.JSON) -> None:
        super().send_json(status, self._quirky(doc), headers, ctype)

    def send_doc(self, doc: Any, title: str, query: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().send_doc(self._quirky(doc), title, query, headers)

    def _quirky(self, doc: Any) -> Any:
        if isinstance(doc, dict) and "jobs" in doc and isinstance(doc["jobs"], list):
            return {**doc, "jobs": [self._quirky(j) for j in doc["jobs"]]}
        if not (isinstance(doc, dict) and "jobID" in doc and "status" in doc):
            return doc
        doc = dict(doc)
        if self.quirk("running-statusinfo") and doc["status"] in ("accepted", "running"):
            doc["finished"], doc["progress"] = None, 0.5
        if self.quirk("completed") and doc["status"] == "successful":
            doc["status"] = "completed"
        return doc


class QuirkServer(fs.FaultServer):
    def __init__(self, quirks: Iterable[str]) -> None:
        super().__init__(0, (), None, 4)
        self.RequestHandlerClass = QuirkHandler
        self.quirks = frozenset(quirks)
        unknown = self.quirks - set(QUIRKS)
        if unknown:
            self.server_close()
            raise ValueError(f"unknown quirk(s): {sorted(unknown)}")

    def callback(self, job: fs.Job, kind: str, doc: Any) -> None:
        if job.sync and {"ignore-prefer", "ignore-prefer-all"} & self.quirks:
            return  # a synchronous execution answers with its results; this server calls no subscriber then
        super().callback(job, kind, doc)

    def execute_job(self, job: fs.Job) -> None:
        if "running-statusinfo" in self.quirks:
            job.set("running", "running", 0)
            time.sleep(RUN_S)
        super().execute_job(job)


def extra_processes(quirks: Iterable[str]) -> dict[str, fs.Process]:
    """Processes a quirk adds to ``fault_server.PROCESSES`` (the test puts them there with monkeypatch)."""
    out: dict[str, fs.Process] = {}
    if "wrap-slow" in quirks:
        out[SLOW_ECHO.id] = SLOW_ECHO
    if {"object-envelope", "object-id-value"} & set(quirks):
        out[OBJECTS.id] = OBJECTS
    return out


def start_quirk_server(quirks: Iterable[str]) -> fs.Handle:
    import threading

    server = QuirkServer(quirks)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="quirk-server",
                              daemon=True)
    thread.start()
    return fs.Handle(server, thread)
