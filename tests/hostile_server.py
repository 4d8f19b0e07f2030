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
- ``flip-flop``: a job reports ``successful``, then ``running`` again;
- the job-level cases of ``BURST_MODES`` (listed there, served by ``burst_post``/``burst_job`` at the end of
  this file): job URLs and redirects off the origin, status answers that cannot be read, a status word
  outside the enum.
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
BURST_MODES: dict[str, str] = {}  # filled at the end of this file
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
        if self.server.mode in BURST_MODES and burst_job(self, job_id, results=results):
            return
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
        if self.server.mode in BURST_MODES and burst_post(self):
            return
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

    def __init__(self, mode: str, other_port: int, local_other_port: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), Hostile)
        self.mode = mode
        self.other_port = other_port
        self.local_other_port = local_other_port  # another port on this very host (BURST_MODES)
        self.ids = itertools.count(1)
        self.polls = itertools.count(0)
        self.stopping = threading.Event()


@dataclass
class Handle:
    url: str
    server: HostileServer
    other: ThreadingHTTPServer
    hits: Hits
    local_other: ThreadingHTTPServer | None = None  # 127.0.0.1, another port; its requests land in hits too

    def stop(self) -> None:
        self.server.stopping.set()
        for srv in (self.server, self.other, self.local_other):
            if srv is not None:
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
    local_other = ThreadingHTTPServer(("127.0.0.1", 0), other_handler) if mode in BURST_MODES else None
    if mode.startswith("gzip-bomb"):
        _bomb(2 if mode == "gzip-bomb" else 3)  # made before serving: ~2 s of CPU
    server = HostileServer(mode, other.server_address[1], local_other.server_address[1] if local_other else 0)
    for srv in (server, other, local_other):
        if srv is not None:
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return Handle(url=f"http://127.0.0.1:{server.server_address[1]}/", server=server, other=other, hits=hits,
                  local_other=local_other)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- job-level cases (the burst follows jobs; so do the suites) ----------------------------------------
BURST_MODES.update({
    "location-other-port": "the 201's Location is on another port of the same host",
    "post-307-other-port": "the POST is answered 307 to another port of the same host",
    "location-file": "the 201's Location is a file: URL",
    "location-metadata": "the 201's Location is the cloud metadata address 169.254.169.254",
    "status-redirect-metadata": "the job status answers 302 to the cloud metadata address",
    "deep-json": "the job status is JSON nested 100,000 levels deep",
    "endless-body": "the job status is a chunked body that never ends, sent as fast as it is read",
    "closed-mid-body": "the job status connection closes after 10 of 1,000 announced bytes",
    "wrong-length": "the job status announces 500 bytes, sends 20 and holds the connection",
    "huge-headers": "the job status comes with 1 MB of headers",
    "never-reads": "the POST is never read nor answered",
    "invalid-utf8": "the job status is JSON with bytes that are not UTF-8",
    "gzip-bomb": "the job status is 1 KB of Content-Encoding gzip, gzip that inflates to 512 MiB",
    "gzip-bomb-nested": "the job status is 231 bytes of gzip, gzip, gzip that inflate to 512 MiB",
    "chunked-forever": "the job status is a chunked body with a small chunk every 0.1 s, forever",
    "slow-body": "the job status body comes one byte every 0.5 s",
    "endless-1xx": "the job status is 102 Processing, again and again, never a final answer",
    "status-completed": "the job status word is 'completed', outside the statusCode enum",
})
MODES = (*MODES, *BURST_MODES)
METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
_BOMBS: dict[int, bytes] = {}


def _bomb(layers: int) -> bytes:
    """512 MiB of zeros, gzipped ``layers`` times (made once per process, 1 MiB at a time)."""
    if layers not in _BOMBS:
        import zlib

        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = b"\0" * (1 << 20)
        data = b"".join([comp.compress(zeros) for _ in range(512)] + [comp.flush()])
        for _ in range(layers - 1):
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            data = comp.compress(data) + comp.flush()
        _BOMBS[layers] = data
    return _BOMBS[layers]


def _hold(h: Hostile, seconds: float = HOLD_S) -> None:
    h.server.stopping.wait(seconds)
    h.close_connection = True


def _trickle(h: Hostile, pieces: Any, pause: float) -> None:
    """Write ``pieces`` one after another with a pause, until the client hangs up or the server stops."""
    end = time.monotonic() + HOLD_S
    for piece in pieces:
        if h.server.stopping.is_set() or time.monotonic() > end:
            break
        try:
            h.wfile.write(piece)
            h.wfile.flush()
        except OSError:
            break
        if pause:
            time.sleep(pause)
    h.close_connection = True


def burst_post(h: Hostile) -> bool:
    """The POST of BURST_MODES that misbehave at submission; False: answer normally."""
    mode, srv = h.server.mode, h.server
    if mode == "never-reads":
        _hold(h)
        return True
    if mode not in ("location-other-port", "location-file", "location-metadata", "post-307-other-port"):
        return False
    h.rfile.read(min(int(h.headers.get("Content-Length") or 0), 1 << 20))
    job_id = f"j{next(srv.ids)}"
    where = {"location-other-port": f"http://127.0.0.1:{srv.local_other_port}/jobs/{job_id}",
             "location-file": "file:///etc/passwd", "location-metadata": METADATA}.get(mode)
    if mode == "post-307-other-port":
        h.wfile.write(f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{srv.local_other_port}"
                      f"{h.path}\r\nContent-Length: 0\r\n\r\n".encode())
        return True
    h.send_doc({"jobID": job_id, "type": "process", "status": "accepted"}, 201, {"Location": where})
    return True


def burst_job(h: Hostile, job_id: str, *, results: bool) -> bool:
    """GET /jobs/{id} of BURST_MODES that misbehave when followed; False: answer normally."""
    mode = h.server.mode
    if results:
        return False
    doc = {"jobID": job_id, "type": "process", "status": "running"}
    w = h.wfile
    if mode == "status-redirect-metadata":
        w.write(f"HTTP/1.1 302 Found\r\nLocation: {METADATA}\r\nContent-Length: 0\r\n\r\n".encode())
    elif mode == "deep-json":
        body = b"[" * 100_000 + b"]" * 100_000
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    elif mode in ("endless-body", "chunked-forever"):
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        size = 1 << 16 if mode == "endless-body" else 8
        chunk = b"%x\r\n" % size + b" " * size + b"\r\n"
        _trickle(h, itertools.repeat(chunk), 0.0 if mode == "endless-body" else 0.1)
    elif mode == "closed-mid-body":
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"jobID\": ")
        w.flush()
        h.close_connection = True
    elif mode == "wrong-length":
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                b'{"status": "running"}')
        w.flush()
        _hold(h)
    elif mode == "huge-headers":
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"".join(
            b"X-Filler-%d: %s\r\n" % (i, b"y" * 8000) for i in range(128))
        body = json.dumps(doc).encode()
        _trickle(h, [head + b"Content-Length: %d\r\n\r\n" % len(body) + body], 0.0)
    elif mode == "invalid-utf8":
        body = b'{"jobID": "' + job_id.encode() + b'", "type": "process", "status": "runn\xff\xfeing"}'
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body) + body)
    elif mode in ("gzip-bomb", "gzip-bomb-nested"):
        layers = 2 if mode == "gzip-bomb" else 3
        body = _bomb(layers)
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n"
                b"Content-Length: %d\r\n\r\n" % (", ".join(["gzip"] * layers).encode(), len(body)) + body)
    elif mode == "slow-body":
        body = json.dumps(doc).encode().ljust(1000)
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        _trickle(h, (bytes([c]) for c in body), 0.5)
    elif mode == "endless-1xx":
        _trickle(h, itertools.repeat(b"HTTP/1.1 102 Processing\r\n\r\n"), 0.1)
    elif mode == "status-completed":
        h.send_doc({**doc, "status": "completed"})
    else:
        return False
    return True
