"""Variants of the reference server (``fault_server``) whose API definition or process descriptions are
shaped the way servers we never tuned for shape them (issue 8, classes 3, 4 and 10) or the way hostile
servers do (issue 12: documents and value bounds). Everything else is the reference server.

- ``split-refs``: the ``/jobs`` and ``/processes`` path items are ``$ref``s to YAML files on the same
  origin (one absolute, one relative), which ``$ref`` the standard's parameter files by URL
  (``https://schemas.opengis.net/...``, never fetched), a sibling YAML file and the root document;
- ``foreign-refs``: the same path items ``$ref`` a document on another origin (``other`` records hits);
- ``no-service-desc``: the landing page links no API definition;
- ``delete-html``: DELETE /jobs/{jobID} dismisses the job but answers text/html (JSON is declared);
- ``results-object``: results are declared ``application/json`` of type string, and come as an object;
- ``yaml-bomb``: the API definition is 2 KB of YAML whose aliases expand to 10^10 nodes;
- ``ref-fanout``: the API definition's local ``$ref``s fan out (ten levels of ``allOf`` of ten refs);
- ``input-bounds``: the description of ``echo`` adds optional inputs with astronomically large bounds
  (``maxLength: 1e9``, ``maxItems: 1e8``, ``maxOccurs: 1e9``) and patterns that backtrack; the server
  checks their bounds but not their patterns (``largest_body`` records the largest request body).

    handle = start("split-refs"); ... handle.url ...; handle.stop()
"""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import ThreadingHTTPServer
from typing import Any

import yaml

import fault_server as fs
from hostile_server import Hits, _Other  # the recording 'other host' listener

VARIANTS = ("split-refs", "foreign-refs", "no-service-desc", "delete-html", "results-object", "yaml-bomb",
            "ref-fanout", "input-bounds")
STANDARD = "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/parameters/"
JOBS_PARAMS = ("type", "processIdQueryParam", "status", "datetime", "minDuration", "maxDuration", "limit")
HOSTILE_INPUTS: dict[str, dict[str, Any]] = {
    "huge-string": {"title": "Huge string", "minOccurs": 0, "schema": {"type": "string", "maxLength": 10**9}},
    "huge-array": {"title": "Huge array", "minOccurs": 0,
                   "schema": {"type": "array", "items": {"type": "string"}, "maxItems": 10**8}},
    "many": {"title": "Many", "minOccurs": 0, "maxOccurs": 10**9, "schema": {"type": "string"}},
    "backtracking": {"title": "Backtracking", "minOccurs": 0,
                     "schema": {"type": "string", "pattern": "^(|(!+)+a)$", "minLength": 40}},
    "backtracking-2": {"title": "Backtracking 2", "minOccurs": 0,
                       "schema": {"type": "string", "pattern": "^(a|aa)+$", "minLength": 40}},
}


def yaml_bomb(levels: int = 10, width: int = 10) -> str:
    """``openapi: 3.0.3`` plus aliases nesting ``width`` copies ``levels`` deep: width**levels nodes."""
    lines = ["openapi: 3.0.3", "info: {title: bomb, version: '1'}", "paths: {}",
             "x-l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"x-l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def ref_fanout(doc: dict[str, Any], levels: int = 10, width: int = 10) -> dict[str, Any]:
    """``doc`` whose landing-page schema is also an ``allOf`` fanning out ``width`` refs ``levels`` deep."""
    schemas = doc["components"]["schemas"]
    for i in range(levels):
        schemas[f"fan{i}"] = {"allOf": [{"$ref": f"#/components/schemas/fan{i + 1}"} for _ in range(width)]}
    schemas[f"fan{levels}"] = {}
    content = doc["paths"]["/"]["get"]["responses"]["200"]["content"][fs.JSON]
    content["schema"] = {"allOf": [content["schema"], {"$ref": "#/components/schemas/fan0"}]}
    return doc


class DefinitionHandler(fs.Handler):
    server: DefinitionServer

    @property
    def variant(self) -> str:
        return self.server.variant

    def route(self, method: str, segs: list[str]) -> Any:
        if method == "GET" and len(segs) == 2 and segs[0] == "api" and self.variant == "split-refs":
            return self.get_api_file
        if method == "DELETE" and len(segs) == 2 and segs[0] == "jobs" and self.variant == "delete-html":
            return self.delete_job_html
        if method == "GET" and len(segs) == 3 and segs[0] == "jobs" and segs[2] == "results" \
                and self.variant == "results-object":
            return self.get_results_object
        return super().route(method, segs)

    # -- the API definition -------------------------------------------------------------------------
    def get_api(self, segs: list[str], query: dict[str, list[str]]) -> None:
        if self.variant == "yaml-bomb":
            self.send(200, yaml_bomb().encode(), "application/vnd.oai.openapi;version=3.0")
            return
        doc = fs.openapi(self.base, self.fault)
        if self.variant == "split-refs":
            doc["paths"]["/jobs"] = {"$ref": f"{self.base}/api/jobs.yml"}  # absolute, same origin
            doc["paths"]["/processes"] = {"$ref": "api/processes.yml"}  # relative to /api
        elif self.variant == "foreign-refs":
            other = f"http://127.0.0.1:{self.server.other_port}"
            doc["paths"]["/jobs"] = {"$ref": f"{other}/jobs.yml"}
            doc["paths"]["/processes"] = {"$ref": f"{other}/processes.yml"}
        elif self.variant == "results-object":
            results = doc["paths"]["/jobs/{jobID}/results"]["get"]["responses"]["200"]
            results["content"] = {fs.JSON: {"schema": {"type": "string"}}}
        elif self.variant == "ref-fanout":
            doc = ref_fanout(doc)
        self.send_json(200, doc, ctype=fs.OAS_TYPE)

    def get_api_file(self, segs: list[str], query: dict[str, list[str]]) -> None:
        files = {"jobs.yml": self.jobs_item(), "processes.yml": self.processes_item(),
                 "params.yml": {"offset": {"name": "offset", "in": "query", "required": False,
                                           "schema": {"type": "integer", "minimum": 0, "default": 0}},
                                "f": {"name": "f", "in": "query", "required": False,
                                      "schema": {"type": "string", "enum": ["json", "html"]}}}}
        if segs[1] not in files:
            raise fs.ApiError(404, fs.NOT_FOUND, f"no file {segs[1]}")
        self.send(200, yaml.safe_dump(files[segs[1]], sort_keys=False).encode(), "application/yaml")

    def jobs_item(self) -> dict[str, Any]:
        params = [{"$ref": f"{STANDARD}{name}.yaml"} for name in JOBS_PARAMS]
        return {"get": {"operationId": "getJobs", "summary": "Job list",
                        "parameters": [*params, {"$ref": "params.yml#/offset"}, {"$ref": "params.yml#/f"}],
                        "responses": {"200": {"description": "The jobs", "content": {
                            fs.JSON: {"schema": {"$ref": "../api#/components/schemas/jobList"}}}},
                            "default": {"$ref": "../api#/components/responses/ServerError"}}}}

    def processes_item(self) -> dict[str, Any]:
        return {"get": {"operationId": "getProcesses", "summary": "Process list",
                        "parameters": [{"$ref": f"{STANDARD}limit.yaml"}, {"$ref": "params.yml#/offset"},
                                       {"$ref": "params.yml#/f"}],
                        "responses": {"200": {"description": "The processes", "content": {
                            fs.JSON: {"schema": {"$ref": "../api#/components/schemas/processList"}}}},
                            "default": {"$ref": "../api#/components/responses/ServerError"}}}}

    # -- landing page and descriptions ----------------------------------------------------------------
    def process_of(self, pid: str) -> fs.Process:
        """``echo`` also takes the hostile inputs; it checks their bounds but not their patterns (matching
        them here would backtrack in this server), so values that only break a pattern are accepted."""
        proc = super().process_of(pid)
        if self.variant == "input-bounds" and proc.id == "echo":
            lax = {iid: {**d, "schema": {k: v for k, v in d["schema"].items() if k != "pattern"}}
                   for iid, d in HOSTILE_INPUTS.items()}
            proc = dataclasses.replace(proc, inputs={**proc.inputs, **lax})
        return proc

    def body_json(self) -> Any:
        self.server.largest_body = max(self.server.largest_body, int(self.headers.get("Content-Length") or 0))
        return super().body_json()

    def send_doc(self, doc: Any, title: str, query: Any, headers: Any = ()) -> None:
        if self.variant == "no-service-desc" and title == "Landing page":
            doc = {**doc, "links": [lk for lk in doc["links"] if lk["rel"] not in ("service-desc", "service-doc")]}
        if self.variant == "input-bounds" and isinstance(doc, dict) and doc.get("id") == "echo" and "inputs" in doc:
            doc = {**doc, "inputs": {**doc["inputs"], **HOSTILE_INPUTS}}
        super().send_doc(doc, title, query, headers)

    # -- answers that contradict the definition ------------------------------------------------------
    def delete_job_html(self, segs: list[str], query: dict[str, list[str]]) -> None:
        job = self.job_of(segs[1])
        job.cancel.set()
        job.set("dismissed", "dismissed by the client")
        with self.server.lock:
            self.server.lock.notify_all()
        self.send(200, fs.to_html("Dismissed", job.status_info(self.base)), "text/html; charset=utf-8")

    def get_results_object(self, segs: list[str], query: dict[str, list[str]]) -> None:
        job = self.job_of(segs[1])
        self.send_json(200, {"value": {"jobID": job.id, "note": "an object where a string is declared"}})


class DefinitionServer(fs.FaultServer):
    def __init__(self, variant: str, other_port: int) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; known: {VARIANTS}")
        super().__init__(0, (), None, 4)
        self.RequestHandlerClass = DefinitionHandler
        self.variant = variant
        self.other_port = other_port
        self.largest_body = 0  # the largest request body received (bytes)


class Handle:
    def __init__(self, server: DefinitionServer, other: ThreadingHTTPServer, hits: Hits) -> None:
        self.server, self.other, self.hits = server, other, hits
        self.threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
                        for s in (server, other)]
        for t in self.threads:
            t.start()

    @property
    def url(self) -> str:
        return self.server.base + "/"

    def stop(self) -> None:
        self.server.stop()
        self.other.shutdown()
        self.other.server_close()
        for t in self.threads:
            t.join(timeout=5.0)


def start(variant: str) -> Handle:
    hits = Hits()
    handler = type("Other", (_Other,), {"hits": hits})
    other = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    return Handle(DefinitionServer(variant, other.server_address[1]), other, hits)


if __name__ == "__main__":  # python tests/definition_server.py VARIANT: serve until interrupted
    import sys
    import time

    h = start(sys.argv[1])
    print(f"serving {h.url} variant={sys.argv[1]}", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        h.stop()
    print(json.dumps({"other-host hits": h.hits.paths}))
