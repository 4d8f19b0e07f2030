"""The HTTP gateway: user headers/query on every request, same-origin only, bounded bodies and time."""

from __future__ import annotations

import httpx
import pytest

from oaproc_testkit.errors import RequestFailed
from oaproc_testkit.http import Http
from oaproc_testkit.settings import Settings

SUT = "http://sut.test/api"


def make(handler, **kw) -> Http:
    settings = Settings(server_url=SUT, **kw)
    return Http(settings, transport=httpx.MockTransport(handler))


def test_headers_and_query_go_on_every_request() -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    http = make(handler, headers=(("Authorization", "Bearer s3cr3t-token"),), query=(("service", "demo"),))
    http.get("/processes", params={"limit": 2})
    (req,) = seen
    assert req.headers["authorization"] == "Bearer s3cr3t-token"
    assert req.url.params["service"] == "demo" and req.url.params["limit"] == "2"
    assert str(req.url).startswith("http://sut.test/api/processes")
    assert req.headers["accept"] == "application/json"


def test_refuses_other_hosts_and_foreign_redirects() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://192.0.2.1/steal"})

    http = make(handler)
    with pytest.raises(RequestFailed, match="not on the server under test"):
        http.get("http://192.0.2.1/jobs/1")
    with pytest.raises(RequestFailed, match="redirect to another host"):
        http.get("/")
    assert calls == ["http://sut.test/api/"]


def test_redirect_loop_is_bounded() -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(302, headers={"Location": "/api/loop"})

    with pytest.raises(RequestFailed, match="redirects"):
        make(handler).get("/loop")
    assert count == 6


def test_timeout_becomes_one_line_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(RequestFailed) as info:
        make(handler, timeout=0.5).get("/")
    assert info.value.reason == "no answer within 0.5 s"
    assert "\n" not in str(info.value)


def test_body_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("oaproc_testkit.http.MAX_BODY_BYTES", 1000)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 5000)

    with pytest.raises(RequestFailed, match="body larger than"):
        make(handler).get("/")


def test_exchanges_logged_and_secrets_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused for token s3cr3t-token", request=request)

    http = make(handler, headers=(("X-Api-Key", "s3cr3t-token"),))
    with pytest.raises(RequestFailed) as info:
        http.get("/")
    assert "s3cr3t-token" not in str(info.value)
    assert http.exchanges and http.exchanges[0].status is None
    assert "s3cr3t-token" not in http.exchanges[0].error
