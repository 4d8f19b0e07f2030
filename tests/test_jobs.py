"""Job polling with an injected clock: bounded by its deadline, stops on problems, records changes."""

from __future__ import annotations

import httpx

from oaproc_testkit.http import Http
from oaproc_testkit.jobs import execute, parse_link_header, wait_for_job
from oaproc_testkit.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def http_for(handler) -> Http:
    return Http(Settings(server_url="http://sut.test"), transport=httpx.MockTransport(handler))


def test_wait_until_successful_records_status_changes() -> None:
    states = iter(["accepted", "running", "running", "successful"])

    def handler(request):
        return httpx.Response(200, json={"jobID": "1", "status": next(states), "type": "process"})

    clock = FakeClock()
    trace = wait_for_job(http_for(handler), "http://sut.test/jobs/1", deadline_s=10, clock=clock, sleep=clock.sleep)
    assert [s for _, s in trace.statuses] == ["accepted", "running", "successful"]
    assert trace.polls == 4 and trace.finished and not trace.timed_out


def test_deadline_bounds_a_job_that_never_ends() -> None:
    def handler(request):
        return httpx.Response(200, json={"jobID": "1", "status": "running"})

    clock = FakeClock()
    trace = wait_for_job(http_for(handler), "http://sut.test/jobs/1", deadline_s=5, clock=clock, sleep=clock.sleep)
    assert trace.timed_out and trace.status == "running"
    assert clock.now <= 5.0 + 1e-9
    assert trace.polls < 30


def test_malformed_status_stops_polling_with_a_reason() -> None:
    def handler(request):
        return httpx.Response(200, text="<html>oops</html>", headers={"content-type": "text/html"})

    clock = FakeClock()
    trace = wait_for_job(http_for(handler), "http://sut.test/jobs/1", deadline_s=5, clock=clock, sleep=clock.sleep)
    assert "not a JSON object" in trace.problem and trace.polls == 1


def test_execute_async_takes_location_and_falls_back_to_job_id() -> None:
    def with_location(request):
        assert request.headers["prefer"] == "respond-async"
        return httpx.Response(201, json={"jobID": "a", "status": "accepted"}, headers={"Location": "/jobs/a"})

    sub = execute(http_for(with_location), "p", {"inputs": {}}, prefer="respond-async")
    assert sub.mode == "async" and sub.job_url == "http://sut.test/jobs/a" and sub.job_url_source == "location"

    def without(request):
        return httpx.Response(201, json={"jobID": "b", "status": "accepted"})

    sub = execute(http_for(without), "p", {"inputs": {}}, prefer="respond-async")
    assert sub.job_url == "http://sut.test/jobs/b" and sub.job_url_source == "jobID"


def test_link_header_parsing_keeps_every_link() -> None:
    links = parse_link_header('<http://a/1>; rel="monitor", <http://a/2?x=1,2>; rel=results; type="application/json"')
    assert [lk["href"] for lk in links] == ["http://a/1", "http://a/2?x=1,2"]
    assert links[1]["type"] == "application/json" and links[0]["rel"] == "monitor"
