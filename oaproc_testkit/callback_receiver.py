"""A loopback HTTP endpoint that records the callback POSTs a server sends (Callback class, test 80).

``CallbackReceiver`` listens on 127.0.0.1 on a free port (stdlib ``ThreadingHTTPServer``),
answers every POST with 204 and records it (path, headers, body). ``uri(name)`` gives a
fresh, unguessable URL for one callback kind; ``wait_for(path, timeout)`` blocks at most
``timeout`` seconds for a POST to that path. Each connection has a socket timeout and a body
cap, so a slow or hostile sender cannot hold a thread or fill memory; ``close()`` stops the
server within a bounded time. Use it as a context manager::

    with CallbackReceiver() as rx:
        ok = rx.uri("success")
        ...  # send an execute request whose subscriber.successUri is ``ok``
        post = rx.wait_for(ok, timeout=30)

It also serves values for inputs by reference (Annex A test 22): ``serve(data, media_type)`` registers
bytes at a fresh unguessable path and returns its URL; ``fetches_of(url)`` counts the GETs it got.

Only its own paths are accepted: a POST or GET to any other path is answered 404 without reading the
body, and the connection is closed. Each body is capped (``MAX_BODY_BYTES``: a larger Content-Length is
answered 413 unread, a chunked body is cut off there) and so is everything recorded together
(``MAX_TOTAL_BYTES``); reading one request has a deadline (``REQUEST_DEADLINE_S``), so an endless or
trickling body ends on time. Bodies of the in-progress/failed kinds are counted but not kept.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

MAX_BODY_BYTES = 4 * 1024 * 1024  # one callback body (a results document)
MAX_TOTAL_BYTES = 16 * 1024 * 1024  # all bodies kept by one receiver
SOCKET_TIMEOUT_S = 5.0
REQUEST_DEADLINE_S = 10.0  # reading one request body
READ_PIECE = 64 * 1024
MAX_RECORDED = 1000
KEEP_BODIES = ("success",)  # callback kinds whose bodies are kept; others are recorded without their body


@dataclass(frozen=True, slots=True)
class CallbackPost:
    """One POST received: request path (without query), headers (lower-case names) and raw body."""

    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    problem: str = ""  # the body could not be read completely (too large, truncated, bad chunking)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    receiver: CallbackReceiver


class _Handler(BaseHTTPRequestHandler):
    timeout = SOCKET_TIMEOUT_S  # applied to the connection socket by StreamRequestHandler
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        path = urlsplit(self.path).path
        rx = self.server.receiver
        kind = rx._kind_of(path)  # noqa: SLF001
        if kind is None:
            self._answer(404)  # not one of our callback URLs: the body is never read
            return
        length = self.headers.get("Content-Length")
        if length is not None and length.strip().isdigit() and int(length) > MAX_BODY_BYTES:
            rx._record(CallbackPost(path, self._headers(), b"", time.monotonic(),  # noqa: SLF001
                                    f"body of {int(length)} bytes is larger than {MAX_BODY_BYTES} bytes (not read)"))
            self._answer(413)
            return
        keep = kind in KEEP_BODIES and rx._room() > 0  # noqa: SLF001
        body, problem = self._read_body(min(MAX_BODY_BYTES, rx._room()) if keep else MAX_BODY_BYTES)  # noqa: SLF001
        rx._record(CallbackPost(path, self._headers(), body if keep else b"", time.monotonic(), problem))  # noqa: SLF001
        self._answer(413 if problem.startswith("body larger") else 204)

    def do_GET(self) -> None:  # noqa: N802
        served = self.server.receiver._fetch(urlsplit(self.path).path)  # noqa: SLF001
        if served is None:
            self._answer(404)
            return
        data, mtype = served
        self.send_response(200)
        self.send_header("Content-Type", mtype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in list(self.headers.items())[:100]}

    def _answer(self, code: int) -> None:
        self.send_response(code)
        if code == 405:
            self.send_header("Allow", "GET, POST")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _refuse(self) -> None:
        self._answer(405)

    do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

    def _read_body(self, cap: int) -> tuple[bytes, str]:
        deadline = time.monotonic() + REQUEST_DEADLINE_S
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(cap, deadline)
        try:
            length = int(self.headers.get("Content-Length", "0") or "0")
        except ValueError:
            return b"", "invalid Content-Length"
        if length > cap:
            return b"", f"body larger than the receiver keeps ({length} > {cap} bytes)"
        return self._read_exact(max(0, length), deadline)

    def _read_exact(self, n: int, deadline: float) -> tuple[bytes, str]:
        parts: list[bytes] = []
        got = 0
        while got < n:
            if time.monotonic() > deadline:
                return b"".join(parts), f"body not complete within {REQUEST_DEADLINE_S:g} s"
            piece = self.rfile.read1(min(READ_PIECE, n - got))  # one socket read: the deadline is checked between reads
            if not piece:
                return b"".join(parts), f"body truncated ({got} of {n} bytes)"
            parts.append(piece)
            got += len(piece)
        return b"".join(parts), ""

    def _read_chunked(self, cap: int, deadline: float) -> tuple[bytes, str]:
        parts: list[bytes] = []
        total = 0
        for _ in range(100_000):  # bounded count of chunks
            if time.monotonic() > deadline:
                return b"", f"chunked body not complete within {REQUEST_DEADLINE_S:g} s"
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip() or b"x", 16)
            except ValueError:
                return b"".join(parts), "bad chunk size line"
            if size == 0:
                for _ in range(100):  # trailer lines up to the empty line
                    if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                        break
                return b"".join(parts), ""
            total += size
            if total > cap:
                return b"", f"body larger than the receiver keeps (chunked, over {cap} bytes)"
            chunk, problem = self._read_exact(size, deadline)
            self.rfile.readline(8)  # CRLF after the chunk
            parts.append(chunk)
            if problem:
                return b"".join(parts), "chunked body truncated"
        return b"".join(parts), "too many chunks"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        return  # the receiver is quiet; what it saw is in ``posts``


class CallbackReceiver:
    """Records POSTs on 127.0.0.1:<free port>; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.receiver = self
        self._cond = threading.Condition()
        self._posts: list[CallbackPost] = []
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="oaproc-callback-receiver", daemon=True)
        self._thread.start()
        self._closed = False
        self._kinds: dict[str, str] = {}  # path -> callback kind, for the paths uri() handed out
        self._served: dict[str, tuple[bytes, str]] = {}  # path -> (body, media type) of served values
        self._fetches: dict[str, int] = {}
        self._kept = 0  # bytes of bodies kept

    # -- addresses ----------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def uri(self, name: str) -> str:
        """A fresh callback URL whose path is unique to this call (``/<uuid>/<name>``)."""
        path = f"/{uuid.uuid4().hex}/{name}"
        with self._cond:
            self._kinds[path] = name
        return self.base_url + path

    def serve(self, data: bytes, media_type: str, *, base_url: str | None = None) -> str:
        """Serve ``data`` as ``media_type`` at a fresh unguessable path; its URL (on ``base_url`` if given)."""
        path = f"/{uuid.uuid4().hex}/value"
        with self._cond:
            self._served[path] = (bytes(data), media_type)
        return (base_url.rstrip("/") if base_url else self.base_url) + path

    def fetches_of(self, url_or_path: str) -> int:
        """How many GETs the served value at ``url_or_path`` received."""
        path = urlsplit(url_or_path).path or url_or_path
        with self._cond:
            return self._fetches.get(path, 0)

    def _kind_of(self, path: str) -> str | None:
        with self._cond:
            return self._kinds.get(path)

    def _room(self) -> int:
        with self._cond:
            return max(0, MAX_TOTAL_BYTES - self._kept)

    def _fetch(self, path: str) -> tuple[bytes, str] | None:
        with self._cond:
            served = self._served.get(path)
            if served is not None:
                self._fetches[path] = self._fetches.get(path, 0) + 1
            return served

    # -- what arrived -------------------------------------------------------------------------------
    @property
    def posts(self) -> list[CallbackPost]:
        with self._cond:
            return list(self._posts)

    def posts_to(self, url_or_path: str) -> list[CallbackPost]:
        path = urlsplit(url_or_path).path or url_or_path
        return [p for p in self.posts if p.path == path]

    def wait_for(self, url_or_path: str, timeout: float) -> CallbackPost | None:
        """The first POST to ``url_or_path``, waiting at most ``timeout`` seconds; None if none came."""
        path = urlsplit(url_or_path).path or url_or_path
        end = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while True:
                for post in self._posts:
                    if post.path == path:
                        return post
                remaining = end - time.monotonic()
                if remaining <= 0 or self._closed:
                    return None
                self._cond.wait(min(remaining, 0.5))

    def _record(self, post: CallbackPost) -> None:
        with self._cond:
            if len(self._posts) < MAX_RECORDED:
                self._posts.append(post)
                self._kept += len(post.body)
            self._cond.notify_all()

    # -- lifetime -----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop serving and release the port (returns within a few seconds at most)."""
        if self._closed:
            return
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._server.shutdown()  # returns once serve_forever has seen the flag (poll interval 0.1 s)
        self._server.server_close()
        self._thread.join(timeout=2.0)

    def __enter__(self) -> CallbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
