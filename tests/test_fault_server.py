"""Direct HTTP tests of the reference server in tests/fault_server.py (no toolkit checks involved).

The correct server: execution modes, results shapes, validation, job list, dismiss, callbacks, HTML and
OpenAPI; the load-test support: ``limit`` queueing (FIFO) and the four ``load/...`` faults.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import fault_server as fs
import httpx
import pytest


@pytest.fixture
def server() -> Iterator[fs.Handle]:
    handle = fs.start_server()
    yield handle
    handle.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c


def until(pred: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``pred`` every 50 ms for at most ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def status(c: httpx.Client, url: str) -> str | None:
    r = c.get(url)
    return r.json().get("status") if r.status_code == 200 else None


def submit(c: httpx.Client, base: str, pid: str, inputs: dict[str, Any], **body: Any) -> httpx.Response:
    return c.post(f"{base}processes/{pid}/execution", json={"inputs": inputs, **body},
                  headers={"Prefer": "respond-async"})


def test_sync_raw_value_with_monitor_link(server: fs.Handle, client: httpx.Client) -> None:
    r = client.post(server.url + "processes/echo/execution",
                    json={"inputs": {"message": "hi"}, "outputs": {"message": {}}})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain") and r.text == "hi"
    monitor = r.links["monitor"]["url"]
    assert client.get(monitor).json()["status"] == "successful"


def test_async_job_lifecycle(server: fs.Handle, client: httpx.Client) -> None:
    r = submit(client, server.url, "echo", {"message": "later", "pause": 0.3}, response="document")
    assert r.status_code == 201 and r.headers["preference-applied"] == "respond-async"
    job_url = r.headers["location"]
    assert r.json()["status"] in ("accepted", "running")
    nr = client.get(job_url + "/results")
    assert nr.status_code == 404 and nr.json()["type"] == fs.RESULT_NOT_READY
    assert until(lambda: status(client, job_url) == "successful")
    doc = client.get(job_url).json()
    assert doc["created"] <= doc["started"] <= doc["finished"] and doc["type"] == "process"
    res = client.get(job_url + "/results")
    assert res.status_code == 200 and res.json()["message"] == "later"
    assert res.json()["info"] == {"value": {"message": "later", "length": 5}, "mediaType": "application/json"}


def test_mode_table(server: fs.Handle, client: httpx.Client) -> None:
    base = server.url
    assert client.post(base + "processes/sleep/execution", json={"inputs": {"seconds": 0}}).status_code == 201
    assert client.post(base + "processes/echo/execution", json={"inputs": {"message": "x"}}).status_code == 200
    assert submit(client, base, "add", {"a": 1, "b": 2}).status_code == 200  # sync-only ignores respond-async


def test_multipart_and_reference_shapes(server: fs.Handle, client: httpx.Client) -> None:
    url = server.url + "processes/echo/execution"
    mixed = client.post(url, json={"inputs": {"message": "m"}, "outputs": {
        "message": {"transmissionMode": "value"}, "info": {"transmissionMode": "reference"}}})
    assert mixed.headers["content-type"].startswith("multipart/related")
    assert b"Content-ID: <message>" in mixed.content and b"Content-Location: " in mixed.content
    ref = client.post(url, json={"inputs": {"message": "m"}, "outputs": {"info": {"transmissionMode": "reference"}}})
    assert ref.status_code == 204 and not ref.content
    target = next(v for v in ref.headers.get_list("link") if "results" in v).split(">")[0].lstrip("<")
    assert client.get(target).json() == {"message": "m", "length": 1}


def test_invalid_input_is_a_400_exception_naming_it(server: fs.Handle, client: httpx.Client) -> None:
    r = client.post(server.url + "processes/kitchen-sink/execution", json={"inputs": {"label": "alpha", "count": 99}})
    assert r.status_code == 400 and "count" in r.json()["detail"]
    r = client.post(server.url + "processes/kitchen-sink/execution", json={"inputs": {"label": "delta"}})
    assert r.status_code == 400 and "label" in r.json()["detail"]
    ok = client.post(server.url + "processes/kitchen-sink/execution", json={"inputs": {
        "label": "beta", "numbers": [1, 2], "area": {"bbox": [0, 0, 1, 1]}, "blob": "aGVsbG8=",
        "shape": {"value": {"kind": "dot"}, "mediaType": "application/json"}, "settings": {"value": {"name": "n"}}}})
    assert ok.status_code == 200, ok.text
    unknown = client.post(server.url + "processes/nope/execution", json={})
    assert unknown.status_code == 404 and unknown.json()["type"] == fs.NO_SUCH_PROCESS


def test_failed_job_results_are_an_error(server: fs.Handle, client: httpx.Client) -> None:
    r = submit(client, server.url, "echo", {"message": "x", "fail": True})
    job_url = r.headers["location"]
    assert until(lambda: status(client, job_url) == "failed")
    res = client.get(job_url + "/results")
    assert res.status_code == 500 and res.json()["type"] == fs.PROCESS_FAILED


def test_job_list_filters_and_paging(server: fs.Handle, client: httpx.Client) -> None:
    for i in range(3):
        client.post(server.url + "processes/echo/execution", json={"inputs": {"message": str(i)}})
    slow = submit(client, server.url, "sleep", {"seconds": 30}).headers["location"]
    listing = client.get(server.url + "jobs", params={"limit": 2}).json()
    assert len(listing["jobs"]) == 2 and any(lk["rel"] == "next" for lk in listing["links"])
    running = client.get(server.url + "jobs", params={"status": "running,accepted"}).json()["jobs"]
    assert [j["jobID"] for j in running] == [slow.rsplit("/", 1)[1]]
    by_process = client.get(server.url + "jobs", params={"processID": "sleep"}).json()["jobs"]
    assert {j["processID"] for j in by_process} == {"sleep"}
    assert client.get(server.url + "jobs", params={"datetime": "2000-01-01T00:00:00Z/2000-01-02T00:00:00Z"}
                      ).json()["jobs"] == []
    assert client.get(server.url + "jobs", params={"status": "bogus"}).status_code == 400
    assert client.delete(slow).json()["status"] == "dismissed"
    assert client.delete(slow).status_code == 410


def test_html_and_openapi(server: fs.Handle, client: httpx.Client) -> None:
    from openapi_spec_validator import validate

    page = client.get(server.url + "processes", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and page.text.startswith("<!DOCTYPE html>")
    assert f'<a href="{server.url}processes/echo"' in page.text
    assert client.get(server.url + "?f=html").headers["content-type"].startswith("text/html")
    api = client.get(server.url + "api")
    assert api.headers["content-type"] == fs.OAS_TYPE
    validate(api.json())


class _Receiver(BaseHTTPRequestHandler):
    posts: ClassVar[list[tuple[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).posts.append((self.path, json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_callbacks_reach_a_loopback_subscriber(server: fs.Handle, client: httpx.Client) -> None:
    rx = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.posts = []
    threading.Thread(target=rx.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{rx.server_address[1]}"
        sub = {"successUri": base + "/ok", "inProgressUri": base + "/progress", "failedUri": base + "/failed"}
        submit(client, server.url, "echo", {"message": "cb"}, subscriber=sub, response="document")
        assert until(lambda: any(p == "/ok" for p, _ in _Receiver.posts))
        assert dict(_Receiver.posts)["/ok"]["message"] == "cb"
        assert "/progress" in dict(_Receiver.posts) and "/failed" not in dict(_Receiver.posts)
    finally:
        rx.shutdown()
        rx.server_close()


# == load-test support ===============================================================================
def _burst(c: httpx.Client, base: str, n: int, seconds: float) -> list[httpx.Response]:
    return [submit(c, base, "sleep", {"seconds": seconds}) for _ in range(n)]


def test_limit_queues_jobs_fifo(client: httpx.Client) -> None:
    handle = fs.start_server(limit=2)
    try:
        urls = [r.headers["location"] for r in _burst(client, handle.url, 5, 0.4)]
        assert until(lambda: all(status(client, u) == "successful" for u in urls), 15)
        started = [client.get(u).json()["started"] for u in urls]
        assert handle.peak_running == 2
        assert started == sorted(started)  # first come, first served
    finally:
        handle.stop()


def test_queued_jobs_wait_accepted(client: httpx.Client) -> None:
    handle = fs.start_server(limit=1)
    try:
        urls = [r.headers["location"] for r in _burst(client, handle.url, 3, 1.0)]
        assert until(lambda: status(client, urls[0]) == "running")
        assert [status(client, u) for u in urls[1:]] == ["accepted", "accepted"]
    finally:
        handle.stop()


def test_leaky_limit_runs_more_than_n(client: httpx.Client) -> None:
    handle = fs.start_server(["load/leaky-limit"], limit=1, every=2)
    try:
        urls = [r.headers["location"] for r in _burst(client, handle.url, 4, 0.5)]
        assert until(lambda: all(status(client, u) == "successful" for u in urls), 15)
        assert handle.peak_running > 1
    finally:
        handle.stop()


def test_lost_and_stuck_jobs(client: httpx.Client) -> None:
    handle = fs.start_server(["load/lost-jobs", "load/stuck-jobs"], every=2)
    try:
        urls = [r.headers["location"] for r in _burst(client, handle.url, 4, 0.0)]
        assert until(lambda: status(client, urls[0]) == "successful")
        # job 2 and 4 are both lost and stuck: stuck wins (a job that never ends is never dropped)
        assert until(lambda: client.get(urls[2]).status_code == 200 and status(client, urls[2]) == "successful")
        time.sleep(0.3)
        assert status(client, urls[1]) == "running" and status(client, urls[3]) == "running"
    finally:
        handle.stop()
    handle = fs.start_server(["load/lost-jobs"], every=2)
    try:
        urls = [r.headers["location"] for r in _burst(client, handle.url, 2, 0.0)]
        assert until(lambda: status(client, urls[0]) == "successful")
        assert until(lambda: client.get(urls[1]).status_code == 404)
        assert client.get(urls[1]).json()["type"] == fs.NO_SUCH_JOB
    finally:
        handle.stop()


def test_submit_500_creates_no_job(client: httpx.Client) -> None:
    handle = fs.start_server(["load/submit-500"], every=3)
    try:
        codes = [r.status_code for r in _burst(client, handle.url, 6, 0.0)]
        assert codes == [201, 201, 500, 201, 201, 500]
        assert len(client.get(handle.url + "jobs", params={"limit": 100}).json()["jobs"]) == 4
    finally:
        handle.stop()


def test_unknown_fault_and_option_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        fs.start_server(["core/no-such-thing"])
    with pytest.raises(TypeError):
        fs.start_server(colour="red")
