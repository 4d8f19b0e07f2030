"""The results-table judge of the core execution checks (checks/core/_workbench.py), offline.

Responses are built by hand and judged through a CheckContext whose Http talks to a MockTransport:
each table row accepts its correct shape and rejects the typical deviations.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from oaproc_testkit import requirements as R
from oaproc_testkit.checks.core import _workbench as wb
from oaproc_testkit.http import Http
from oaproc_testkit.runner import CheckContext, Session
from oaproc_testkit.settings import Settings

ROOT = "http://sut.test"
BOUNDARY = "b0undary"


def _ctx(handler: Any = None) -> CheckContext:
    settings = Settings(server_url=ROOT)
    transport = httpx.MockTransport(handler or (lambda request: httpx.Response(200, text="ref")))
    session = Session(settings, Http(settings, transport=transport))
    return CheckContext(R.get("/conf/core/job-creation-sync-document"), session)


def _info(outputs: dict[str, Any], transmission: tuple[str, ...] = ("value", "reference")) -> wb.ProcessInfo:
    return wb.ProcessInfo(id="p", description={"id": "p", "outputs": outputs}, job_control=("sync-execute",),
                          transmission=transmission, outputs=tuple(outputs), features={}, delay=None,
                          fail_switch=None, always_fails=False)


def _resp(status: int, *, content: bytes = b"", ctype: str | None = None, headers: dict[str, str] | None = None,
          json: Any = None) -> httpx.Response:
    hdrs = dict(headers or {})
    if ctype:
        hdrs["content-type"] = ctype
    request = httpx.Request("POST", f"{ROOT}/processes/p/execution")
    if json is not None:
        return httpx.Response(status, json=json, headers=hdrs, request=request)
    return httpx.Response(status, content=content, headers=hdrs, request=request)


def _multipart(parts: list[tuple[dict[str, str], bytes]]) -> bytes:
    out = b""
    for headers, body in parts:
        out += f"--{BOUNDARY}\r\n".encode()
        out += b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n" + body + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


ONE = {"a": {"schema": {"type": "string", "contentMediaType": "text/plain"}}}
TWO = {"a": {"schema": {"type": "integer"}}, "b": {"schema": {"type": "string"}}}
MULTI_CT = f'multipart/related; boundary="{BOUNDARY}"'


def _judge(resp: httpx.Response, info: wb.ProcessInfo, body: dict[str, Any]) -> list[str]:
    ctx = _ctx()
    shape = wb.ResultShape.of(info, body)
    wb.verify_results(ctx, resp, shape, requirement="/req/x")
    return [f.headline for f in ctx.findings if f.severity == "failure"]


@pytest.mark.parametrize(("body", "case"), [
    ({}, "raw-value-multi"),
    ({"outputs": {"a": {}}}, "raw-value-one"),
    ({"outputs": {"a": {"transmissionMode": "reference"}}}, "raw-ref"),
    ({"outputs": {"a": {}, "b": {"transmissionMode": "reference"}}}, "raw-mixed-multi"),
    ({"response": "document", "outputs": {"a": {"transmissionMode": "reference"}}}, "document"),
])
def test_shape_follows_the_request(body: dict[str, Any], case: str) -> None:
    assert wb.ResultShape.of(_info(TWO), body).case == case


def test_raw_value_one_wants_the_declared_media_type_and_the_bare_value() -> None:
    body = {"outputs": {"a": {"transmissionMode": "value"}}}
    assert _judge(_resp(200, content=b"hello", ctype="text/plain; charset=utf-8"), _info(ONE), body) == []
    wrong = _judge(_resp(200, json={"a": "hello"}), _info(ONE), body)
    assert any("Content-Type text/plain" in h for h in wrong)
    typed = _info({"a": {"schema": {"type": "integer"}}})
    assert _judge(_resp(200, json=42), typed, body) == []
    assert any("bare value" in h for h in _judge(_resp(200, json={"id": "a", "value": 42}), typed, body))


def test_multipart_needs_a_part_per_output_with_content_id() -> None:
    good = _multipart([({"Content-ID": "<a>", "Content-Type": "application/json"}, b"1"),
                       ({"Content-ID": "b", "Content-Type": "text/plain"}, b"bee")])
    assert _judge(_resp(200, content=good, ctype=MULTI_CT), _info(TWO), {}) == []
    one_part = _multipart([({"Content-ID": "<a>"}, b"1")])
    assert any("one part per requested output" in h for h in _judge(_resp(200, content=one_part, ctype=MULTI_CT),
                                                                     _info(TWO), {}))
    assert any("multipart/related" in h for h in _judge(_resp(200, json={"a": 1, "b": "x"}), _info(TWO), {}))


def test_mixed_reference_parts_are_empty_with_content_location() -> None:
    body = {"outputs": {"a": {"transmissionMode": "value"}, "b": {"transmissionMode": "reference"}}}
    good = _multipart([({"Content-ID": "<a>"}, b"1"), ({"Content-ID": "<b>", "Content-Location": f"{ROOT}/o/b"}, b"")])
    assert _judge(_resp(200, content=good, ctype=MULTI_CT), _info(TWO), body) == []
    inline = _multipart([({"Content-ID": "<a>"}, b"1"), ({"Content-ID": "<b>"}, b"bee")])
    failures = _judge(_resp(200, content=inline, ctype=MULTI_CT), _info(TWO), body)
    assert any("empty part" in h for h in failures) and any("Content-Location" in h for h in failures)


def test_raw_reference_is_204_with_a_link_per_output() -> None:
    body = {"outputs": {"a": {"transmissionMode": "reference"}, "b": {"transmissionMode": "reference"}}}
    links = f'<{ROOT}/o/a>; rel="a", <{ROOT}/o/b>; rel="b"'
    assert _judge(_resp(204, headers={"link": links}), _info(TWO), body) == []
    monitor_only = f'<{ROOT}/jobs/1>; rel="monitor", <{ROOT}/o/a>; rel="a"'
    assert any("Link header per requested output" in h
               for h in _judge(_resp(204, headers={"link": monitor_only}), _info(TWO), body))
    assert any("status 204" in h for h in _judge(_resp(200, json={"a": 1}), _info(TWO), body))


def test_document_is_a_map_keyed_by_output_id() -> None:
    body = {"response": "document"}
    assert _judge(_resp(200, json={"a": 1, "b": "x"}), _info(TWO), body) == []
    listed = _judge(_resp(200, json={"outputs": [{"id": "a", "value": 1}, {"id": "b", "value": "x"}]}), _info(TWO), body)
    assert any("results member per requested output" in h for h in listed)
    ref = {"response": "document", "outputs": {"a": {"transmissionMode": "reference"}}}
    assert any("as a link" in h for h in _judge(_resp(200, json={"a": 1}), _info(TWO), ref))
    assert _judge(_resp(200, json={"a": {"href": f"{ROOT}/o/a"}}), _info(TWO), ref) == []


def test_content_id_is_compared_with_and_without_angle_brackets() -> None:
    assert wb.normalize_content_id("<echo>") == wb.normalize_content_id(" echo ") == "echo"
    parts, problem = wb.parse_multipart(_resp(200, content=b"not multipart", ctype=MULTI_CT))
    assert parts == [] and "unreadable" in problem


def test_delay_values_respect_enum_and_bounds() -> None:
    assert wb.delay_value({"type": "number", "enum": [5.5, 10.25]}, 0) == 5.5
    assert wb.delay_value({"type": "number", "enum": [5.5, 10.25]}, 30) == 10.25
    assert wb.delay_value({"type": "integer", "minimum": 1}, 0) == 1
    assert wb.delay_value({"type": "number"}, 3.0) == 3.0
