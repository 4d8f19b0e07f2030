"""The one gateway through which the toolkit talks to the server under test.

``Http`` wraps an ``httpx.Client`` (passed in or built from ``Settings``) and adds what every
check relies on: the user's headers and query parameters on every request, a per-request
timeout plus an overall deadline (a server that trickles bytes cannot hold a check forever),
a cap on body size, redirects followed only within the server's own origin, a refusal to send
anything to another host, and a log of every exchange (for latency figures and the OpenAPI
completeness checks). Transport problems become ``RequestFailed`` with a one-line reason.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from .errors import RequestFailed
from .settings import Settings

MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "oaproc-testkit/0.1"
ACCEPT_ENCODING = "gzip, deflate"  # the encodings _BodyReader undoes, each under the body cap
_INFLATE_STEP = 256 * 1024


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request/response pair as seen on the wire (no bodies, no header values)."""

    method: str
    url: str
    status: int | None
    elapsed: float
    content_type: str
    error: str = ""


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


# The deadline of the request this thread is sending (time.monotonic()), read by every socket
# operation: httpx's timeouts hold per read, so headers trickling in a byte at a time would never end.
_DEADLINE = threading.local()


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write is bounded by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    @staticmethod
    def _budget(timeout: float | None) -> float | None:
        end = getattr(_DEADLINE, "at", None)
        if end is None:
            return timeout
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise httpcore.ReadTimeout("the request's deadline passed")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._budget(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._budget(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, self._budget(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _DeadlineStream._budget(timeout), local_address,
                                                       socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _DeadlineStream._budget(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _deadline_transport(limits: httpx.Limits | None = None) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False, **({"limits": limits} if limits is not None else {}))
    transport._pool._network_backend = _DeadlineBackend()  # noqa: SLF001 - httpx offers no public hook for this
    return transport


class _BodyReader:
    """The body as the server meant it, its Content-Encoding layers undone with a cap on the *decoded* total.

    httpx inflates each chunk in one go, so 1 KB of ``gzip, gzip`` becomes 512 MiB in memory before any
    cap can look at it; here every layer inflates at most ``_INFLATE_STEP`` bytes at a time and each
    layer's output counts against ``limit``."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise ValueError(f"Content-Encoding {', '.join(unknown)} was not asked for (Accept-Encoding: "
                             f"{ACCEPT_ENCODING})")
        # the last coding listed was applied last: undo it first
        self._layers = [zlib.decompressobj(16 + zlib.MAX_WBITS if c != "deflate" else 32 + zlib.MAX_WBITS)
                        for c in reversed(codings)]
        self._sizes = [0] * len(self._layers)
        self.limit = limit
        self.total = 0
        self.chunks: list[bytes] = []

    def feed(self, data: bytes) -> None:
        self._feed(0, data)

    def finish(self) -> bytes:
        for level, layer in enumerate(self._layers):
            rest = layer.flush()
            if rest:
                self._count(level, len(rest))
                self._feed(level + 1, rest)
        return b"".join(self.chunks)

    def _count(self, level: int, size: int) -> None:
        self._sizes[level] += size
        if self._sizes[level] > self.limit:
            raise OverflowError(level)

    def _feed(self, level: int, data: bytes) -> None:
        if level == len(self._layers):
            self.total += len(data)
            if self.total > self.limit:
                raise OverflowError(level)
            self.chunks.append(data)
            return
        layer = self._layers[level]
        while data and not layer.eof:
            out = layer.decompress(data, _INFLATE_STEP)
            data = layer.unconsumed_tail
            if out:
                self._count(level, len(out))
                self._feed(level + 1, out)


def build_client(settings: Settings, *, transport: httpx.BaseTransport | None = None,
                 limits: httpx.Limits | None = None) -> httpx.Client:
    """The only place an httpx.Client is constructed for the server under test (``limits``: its pool)."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
    headers.update(dict(settings.headers))
    return httpx.Client(
        headers=headers,
        timeout=httpx.Timeout(settings.timeout),
        follow_redirects=False,
        transport=transport or _deadline_transport(limits),
        trust_env=False,  # never route through a proxy from the environment
    )


class Http:
    """Sends requests to the server under test only; see module docstring."""

    def __init__(
        self,
        settings: Settings,
        client: httpx.Client | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.client = client or build_client(settings, transport=transport)
        self.clock = clock
        self.exchanges: list[Exchange] = []
        self._origin = origin(settings.server_url)
        # Paces execute requests (POST .../execution) when checks run concurrently: a context-manager factory
        # (``runstate.StaggerGate.passage``) or None. See StaggerGate for why.
        self.execution_gate: Callable[[], Any] | None = None

    def close(self) -> None:
        self.client.close()

    # -- public API -------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """Absolute URL of a resource path (``/processes``) below the landing page."""
        if path.startswith(("http://", "https://")):
            return path
        return self.settings.root + "/" + path.lstrip("/")

    def resolve(self, base: str, href: str) -> str:
        return urljoin(base, href)

    def is_own(self, url: str) -> bool:
        return origin(url) == self._origin

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        timeout: float | None = None,
        follow_redirects: bool = True,
        accept: str | None = "application/json",
        anonymous: bool = False,
    ) -> httpx.Response:
        """Send one request (following same-origin redirects); raise RequestFailed without an answer.

        ``anonymous``: leave out the configured ``--header`` values (to see whether access is controlled)."""
        url = self.url(url)
        hdrs = dict(headers or {})
        if accept and not any(k.lower() == "accept" for k in hdrs):
            hdrs["Accept"] = accept
        query: list[tuple[str, Any]] = list(self.settings.query)
        if params:
            query += list(params.items()) if isinstance(params, Mapping) else list(params)
        gate = self.execution_gate if method == "POST" and url.rstrip("/").endswith("/execution") else None
        if gate is not None:
            with gate():
                return self._request(method, url, hdrs, query, json, content, timeout, follow_redirects, anonymous)
        return self._request(method, url, hdrs, query, json, content, timeout, follow_redirects, anonymous)

    def _request(self, method: str, url: str, hdrs: dict[str, str], query: list[tuple[str, Any]], json: Any,
                 content: bytes | str | None, timeout: float | None, follow_redirects: bool,
                 anonymous: bool) -> httpx.Response:
        budget = timeout if timeout is not None else self.settings.timeout
        deadline = self.clock() + budget
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._send_once(method, url, hdrs, query, json, content, budget, deadline, anonymous)
            if not (follow_redirects and resp.is_redirect and "location" in resp.headers):
                return resp
            target = urljoin(url, resp.headers["location"])
            if not self.is_own(target):
                raise RequestFailed(method, url, f"redirect to another host ({self.redact(target)}) not followed")
            if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
                method, json, content = "GET", None, None
            url, query = target, []  # the Location carries its own query
        raise RequestFailed(method, url, f"more than {MAX_REDIRECTS} redirects")

    def redact(self, text: str) -> str:
        return self.settings.redact(text)

    # -- internals --------------------------------------------------------------------------------
    def _send_once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        query: list[tuple[str, Any]],
        json: Any,
        content: bytes | str | None,
        budget: float,
        deadline: float,
        anonymous: bool = False,
    ) -> httpx.Response:
        if not self.is_own(url):
            raise RequestFailed(method, self.redact(url), "refused: URL is not on the server under test")
        start = self.clock()
        shown = self.redact(url)
        try:
            request = self.client.build_request(
                method, url, headers=headers, params=query or None, json=json, content=content,
                timeout=httpx.Timeout(max(0.001, deadline - start)),
            )
            shown = self.redact(str(request.url))
            if anonymous:
                for name, _value in self.settings.headers:
                    request.headers.pop(name, None)
            _DEADLINE.at = time.monotonic() + max(0.0, deadline - start)
            resp = self.client.send(request, stream=True)
            try:
                resp._content = self._read_body(resp, method, shown, budget, deadline)  # noqa: SLF001
            finally:
                resp.close()
        except RequestFailed as exc:
            self._log(method, shown, None, start, "", exc.reason)
            raise
        except httpx.TimeoutException:
            self._log(method, shown, None, start, "", "timeout")
            raise RequestFailed(method, shown, f"no answer within {budget:g} s") from None
        except httpx.HTTPError as exc:
            reason = self.redact(f"{type(exc).__name__}: {exc}".splitlines()[0])
            self._log(method, shown, None, start, "", reason)
            raise RequestFailed(method, shown, reason) from None
        finally:
            _DEADLINE.at = None
        self._log(method, shown, resp.status_code, start, resp.headers.get("content-type", ""))
        return resp

    def _read_body(self, resp: httpx.Response, method: str, shown: str, budget: float, deadline: float) -> bytes:
        """The decoded body, read under the size cap (on the decoded total) and the request's deadline."""
        cap = f"body larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB"
        try:
            reader = _BodyReader(resp.headers.get("content-encoding", ""), MAX_BODY_BYTES)
        except ValueError as exc:
            raise RequestFailed(method, shown, str(exc)) from None
        if resp.is_stream_consumed:  # an in-memory answer (a test transport): httpx has read it already
            if len(resp.content) > MAX_BODY_BYTES:
                raise RequestFailed(method, shown, cap)
            return resp.content
        raw = 0
        try:
            for chunk in resp.iter_raw():
                raw += len(chunk)
                if raw > MAX_BODY_BYTES:
                    raise RequestFailed(method, shown, cap)
                reader.feed(chunk)
                if self.clock() > deadline:
                    raise RequestFailed(method, shown, f"body not complete within {budget:g} s")
            return reader.finish()
        except OverflowError:
            what = "decoded " if resp.headers.get("content-encoding") else ""
            raise RequestFailed(method, shown, f"{what}{cap} (Content-Encoding: "
                                f"{resp.headers.get('content-encoding', 'none')[:40]})" if what else cap) from None
        except zlib.error as exc:
            raise RequestFailed(method, shown, f"body does not decode as its Content-Encoding "
                                f"{resp.headers.get('content-encoding', '')[:40]} says: {exc}") from None

    def _log(self, method: str, url: str, status: int | None, start: float, ctype: str, error: str = "") -> None:
        self.exchanges.append(Exchange(method, url, status, self.clock() - start, ctype, error))
