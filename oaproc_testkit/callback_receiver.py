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

MAX_BODY_BYTES = 16 * 1024 * 1024
SOCKET_TIMEOUT_S = 5.0
MAX_RECORDED = 1000


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
        body, problem = self._read_body()
        path = urlsplit(self.path).path
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.receiver._record(CallbackPost(path, headers, body, time.monotonic(), problem))  # noqa: SLF001
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _refuse(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "POST")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    do_GET = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

    def _read_body(self) -> tuple[bytes, str]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length", "0") or "0")
        except ValueError:
            return b"", "invalid Content-Length"
        if length > MAX_BODY_BYTES:
            return b"", f"body of {length} bytes is larger than {MAX_BODY_BYTES} bytes"
        data = self.rfile.read(max(0, length))
        return data, "" if len(data) == length else f"body truncated ({len(data)} of {length} bytes)"

    def _read_chunked(self) -> tuple[bytes, str]:
        parts: list[bytes] = []
        total = 0
        for _ in range(100_000):  # bounded count of chunks
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
            if total > MAX_BODY_BYTES:
                return b"", f"chunked body larger than {MAX_BODY_BYTES} bytes"
            chunk = self.rfile.read(size)
            self.rfile.readline(8)  # CRLF after the chunk
            parts.append(chunk)
            if len(chunk) < size:
                return b"".join(parts), "chunked body truncated"
        return b"".join(parts), "too many chunks"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        return  # the receiver is quiet; what it saw is in ``posts``


class CallbackReceiver:
    """Records POSTs on 127.0.0.1:<free port>; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, 0), _Handler)
        self._server.receiver = self
        self._cond = threading.Condition()
        self._posts: list[CallbackPost] = []
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="oaproc-callback-receiver", daemon=True)
        self._thread.start()
        self._closed = False

    # -- addresses ----------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def uri(self, name: str) -> str:
        """A fresh callback URL whose path is unique to this call (``/<uuid>/<name>``)."""
        return f"{self.base_url}/{uuid.uuid4().hex}/{name}"

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
