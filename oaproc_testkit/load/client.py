"""The burst's HTTP client: ``follow.Client`` on the suites' guarded gateway (``oaproc_testkit.http.Http``).

So the burst keeps every guarantee the suites give: requests only to the server's own origin (a job URL
or a redirect elsewhere is refused before any connection is opened), one total deadline per request
(``--request-timeout``: headers and body, however slowly they trickle), a cap on the *decoded* body, and
transport or protocol problems as a one-line reason (``Answer.error``), never an exception. Locust sees each
exchange through ``on_request`` (its statistics and ``--html`` report); nothing here imports Locust.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ..errors import RequestFailed
from ..http import Http, build_client
from ..settings import Settings
from .follow import Answer

#: on_request(method, name, seconds, response_length, error or None, status)
RequestHook = Callable[[str, str, float, int, "str | None", int], None]


class _QuietHttp(Http):
    """``Http`` without its exchange log: a burst of 5,000 jobs polls tens of thousands of times."""

    def _log(self, method: str, url: str, status: int | None, start: float, ctype: str, error: str = "") -> None:
        return


class GuardedClient:
    """One per load-generator process, shared by every submitter and follower greenlet."""

    def __init__(self, *, host: str, headers: tuple[tuple[str, str], ...] = (), query: tuple[tuple[str, str], ...] = (),
                 request_timeout: float = 30.0, on_request: RequestHook | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.settings = Settings(server_url=host, headers=headers, query=query, timeout=request_timeout)
        # a burst opens as many connections as it has requests in flight; keep-alive for the followers
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
        self.http = _QuietHttp(self.settings, client=build_client(self.settings, transport=transport, limits=limits))
        self.on_request = on_request

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, url: str, *, body: Any = None, headers: Mapping[str, str] | None = None,
                name: str, expected: tuple[int, ...]) -> Answer:
        start = time.monotonic()
        try:
            resp = self.http.request(method, url, json=body, headers=dict(headers or {}))
        except RequestFailed as exc:
            elapsed = time.monotonic() - start
            answer = Answer(0, {}, "", elapsed, exc.reason)
        else:
            elapsed = time.monotonic() - start
            answer = Answer(resp.status_code, dict(resp.headers), _text(resp), elapsed)
        if self.on_request is not None:
            error = answer.error or (None if answer.status in expected else f"status {answer.status}")
            self.on_request(method, name, elapsed, len(answer.text), error, answer.status)
        return answer


def _text(resp: httpx.Response) -> str:
    """The body as text; bytes that are not valid in its charset become U+FFFD, never an exception."""
    try:
        return resp.text
    except (LookupError, ValueError):  # an unknown or broken charset parameter
        return resp.content.decode("utf-8", errors="replace")
