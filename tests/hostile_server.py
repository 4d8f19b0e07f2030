"""A hostile OGC API - Processes server for the toolkit's own robustness tests.

One misbehaviour per server (``start(mode)``); everything else is a minimal, plausible OAProc server
with one async process ``p`` so that job-level misbehaviours can be reached:

- ``html-500``: every answer is a 500 HTML error page;
- ``invalid-json``: JSON documents are cut off in the middle;
- ``big-body``: the landing page is a 10 MB body of junk; ``huge-body``: 40 MB (above the cap);
- ``never-answers``: connections are accepted and never answered;
- ``trickle``: the answer's headers come one byte every 0.2 s;
- ``redirect-loop``: every GET is a 302 to itself;
- ``wrong-content-type``: JSON documents are sent as text/plain;
- ``foreign-location``: the 201 of an execution points at another host (``other`` records any hit);
- ``stuck-status``: jobs stay ``running`` forever;
- ``flip-flop``: a job reports ``successful``, then ``running`` again.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("html-500", "invalid-json", "big-body", "huge-body", "never-answers", "trickle", "redirect-loop",
         "wrong-content-type", "foreign-location", "stuck-status", "flip-flop")
CONF = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
HOLD_S = 30.0  # how long a never-answering connection is held open (longer than any toolkit timeout)


@dataclass
class Hits:
    """Requests that reached the 'other host' listener (must stay empty)."""

    paths: list[str] = field(default_factory=list)


class _Other(BaseHTTPRequestHandler):
    hits: Hits

    def do_GET(self) -> None:  # noqa: N802
        self.hits.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        return


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- plumbing --------------------------------------------------------------------------------------
    def reply(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        mode = self.server.mode
        if mode == "html-500":
            status, ctype = 500, "text/html"
            body = b"<!DOCTYPE html><html><body><h1>Internal Server Error</h1><pre>Traceback ...</pre></body></html>"
        elif mode == "invalid-json" and ctype == "application/json":
            body = body[: max(1, len(body) // 2)]
        elif mode == "wrong-content-type" and ctype == "application/json":
            ctype = "text/plain"
        head = f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        for k, v in (extra or {}).items():
            head += f"{k}: {v}\r\n"
        head += "\r\n"
        if mode == "trickle":
            for ch in head.encode():
                if self.server.stopping.is_set():
                    return
                self.wfile.write(bytes([ch]))
                self.wfile.flush()
                time.sleep(0.2)
        else:
            self.wfile.write(head.encode())
        self.wfile.write(body)

    def send_doc(self, doc: Any, status: int = 200, extra: dict[str, str] | None = None) -> None:
        self.reply(status, json.dumps(doc).encode(), "application/json", extra)

    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # -- routes ----------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        mode, b = self.server.mode, self.base()
        if mode == "never-answers":
            self.server.stopping.wait(HOLD_S)
            self.close_connection = True
            return
        if mode == "redirect-loop":
            self.wfile.write(f"HTTP/1.1 302 Found\r\nLocation: {self.path}\r\nContent-Length: 0\r\n\r\n".encode())
            return
        path = self.path.split("?")[0].rstrip("/") or "/"
        if path == "/":
            if mode in ("big-body", "huge-body"):
                mib = 10 if mode == "big-body" else 40
                self.wfile.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 f"Content-Length: {mib << 20}\r\n\r\n".encode())
                chunk = b"x" * (1 << 20)  # streamed: the server's own memory stays small
                for _ in range(mib):
                    try:
                        self.wfile.write(chunk)
                    except OSError:  # the client hung up once it had enough
                        return
                return
            self.send_doc({"links": [{"href": f"{b}/api", "rel": "service-desc"},
                                     {"href": f"{b}/conformance", "rel": REL + "conformance"},
                                     {"href": f"{b}/processes", "rel": REL + "processes"}]})
        elif path == "/conformance":
            self.send_doc({"conformsTo": [CONF + "core"]})
        elif path == "/processes":
            self.send_doc({"processes": [self.summary()], "links": [{"href": f"{b}/processes", "rel": "self"}]})
        elif path == "/processes/p":
            self.send_doc({**self.summary(), "inputs": {"x": {"schema": {"type": "number"}}},
                           "outputs": {"y": {"schema": {"type": "number"}}}})
        elif path.startswith("/jobs/"):
            self.job(path.split("/")[2], results=path.endswith("/results"))
        else:
            self.send_doc({"type": "about:blank", "title": "not found"}, 404)

    def summary(self) -> dict[str, Any]:
        return {"id": "p", "version": "1.0", "jobControlOptions": ["async-execute"], "outputTransmission": ["value"]}

    def job(self, job_id: str, *, results: bool) -> None:
        n = next(self.server.polls)
        if results:
            self.send_doc({"y": 1})
            return
        status = "running"
        if self.server.mode == "flip-flop":
            status = "successful" if n % 2 == 0 else "running"
        elif self.server.mode not in ("stuck-status",):
            status = "successful"
        self.send_doc({"jobID": job_id, "type": "process", "status": status,
                       "links": [{"href": f"{self.base()}/jobs/{job_id}/results", "rel": REL + "results"}]})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 1 << 20))
        if self.server.mode in ("never-answers", "redirect-loop", "trickle"):
            self.do_GET()
            return
        job_id = f"j{next(self.server.ids)}"
        where = (f"http://127.0.0.2:{self.server.other_port}/jobs/{job_id}" if self.server.mode == "foreign-location"
                 else f"{self.base()}/jobs/{job_id}")
        self.send_doc({"jobID": job_id, "type": "process", "status": "accepted"}, 201, {"Location": where})


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str, other_port: int) -> None:
        super().__init__(("127.0.0.1", 0), Hostile)
        self.mode = mode
        self.other_port = other_port
        self.ids = itertools.count(1)
        self.polls = itertools.count(0)
        self.stopping = threading.Event()


@dataclass
class Handle:
    url: str
    server: HostileServer
    other: ThreadingHTTPServer
    hits: Hits

    def stop(self) -> None:
        self.server.stopping.set()
        for srv in (self.server, self.other):
            srv.shutdown()
            srv.server_close()


def start(mode: str) -> Handle:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    hits = Hits()
    other_handler = type("Other", (_Other,), {"hits": hits})
    try:
        other = ThreadingHTTPServer(("127.0.0.2", 0), other_handler)
    except OSError:  # no 127.0.0.2 on this machine: any other loopback port stands for "another host"
        other = ThreadingHTTPServer(("127.0.0.1", 0), other_handler)
    server = HostileServer(mode, other.server_address[1])
    for srv in (server, other):
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return Handle(url=f"http://127.0.0.1:{server.server_address[1]}/", server=server, other=other, hits=hits)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
