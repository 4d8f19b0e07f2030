"""Verdicts on fixtures that behave as issue 8 describes (classes 2, 8 and 12): each was misjudged before.

- class 2: a WPS-like endpoint answers 400 to every path; the ``-op`` tests used to pass (a 400 is neither
  404/405/501 nor 5xx) and now fail.
- class 8: a server whose synchronous answers carry ``Location: /jobs/{id}`` to a job that exists, but no
  ``monitor`` link; ``job-results-sync`` used to skip ("the server does not create jobs") and now fails.
- class 12: the pygeoapi probe processes declare only the output transmission pygeoapi implements.
"""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

from oaproc_testkit.checks import load_all
from oaproc_testkit.checks._registry import CHECKS
from oaproc_testkit.http import Http
from oaproc_testkit.results import Outcome
from oaproc_testkit.runner import Session, run_check
from oaproc_testkit.settings import Settings

load_all()
ROOT = "http://sut.test/"


def _wps(request: httpx.Request) -> httpx.Response:
    return httpx.Response(400, text="<ExceptionReport>MissingParameterValue: service</ExceptionReport>",
                          headers={"content-type": "text/xml"})


@pytest.mark.parametrize("test_id", ["/conf/core/landingpage-op", "/conf/core/conformance-op",
                                     "/conf/core/process-list"])
def test_op_tests_fail_on_400_everywhere(test_id: str) -> None:
    settings = Settings(server_url=ROOT, timeout=2.0)
    session = Session(settings, Http(settings, transport=httpx.MockTransport(_wps)))
    try:
        result = run_check(CHECKS[test_id], session)
    finally:
        session.close()
    assert result.outcome is Outcome.FAILED, (result.outcome, result.reason)
    assert any("status 400" in f.headline for f in result.failures), [f.headline for f in result.failures]


def test_landingpage_op_fails_on_html_200() -> None:
    settings = Settings(server_url=ROOT, timeout=2.0)
    transport = httpx.MockTransport(lambda r: httpx.Response(200, text="<html></html>",
                                                             headers={"content-type": "text/html"}))
    session = Session(settings, Http(settings, transport=transport))
    try:
        result = run_check(CHECKS["/conf/core/landingpage-op"], session)
    finally:
        session.close()
    assert result.outcome is Outcome.FAILED


fault_server = pytest.importorskip("fault_server")


def _run(test_id: str, behaviours: list[str]) -> object:
    handle = fault_server.start_server(behaviours)
    session = Session(Settings(server_url=handle.url, timeout=5.0, job_timeout=20.0))
    try:
        return run_check(CHECKS[test_id], session)
    finally:
        session.close()
        handle.stop()


def test_sync_job_shown_by_location_without_monitor_fails() -> None:
    result = _run("/conf/core/job-results-sync", ["x/sync-location-no-monitor"])
    assert result.outcome is Outcome.FAILED, (result.outcome, result.reason)
    assert any("monitor" in f.headline for f in result.failures)


def test_sync_without_any_job_sign_skips_truthfully() -> None:
    result = _run("/conf/core/job-results-sync", ["x/sync-no-job"])
    assert result.outcome is Outcome.SKIPPED, (result.outcome, [f.headline for f in result.findings])
    assert "no sign of a job" in result.reason


@pytest.mark.parametrize("test_id", ["/conf/core/job-creation-input-ref", "/conf/core/job-creation-inputs"])
def test_reference_value_fits_the_schema_on_a_strict_server(test_id: str) -> None:
    result = _run(test_id, ["x/strict-reference-media"])
    assert result.outcome is Outcome.PASSED, (result.outcome, result.reason, [f.headline for f in result.findings])
    assert any("fetched" in n for n in result.notes), result.notes


def test_reference_to_a_remote_server_skips_saying_so() -> None:
    settings = Settings(server_url="http://sut.example:8080/", timeout=2.0)
    info = {"id": "p", "version": "1", "jobControlOptions": ["sync-execute"],
            "inputs": {"m": {"schema": {"type": "string"}}}, "outputs": {"o": {"schema": {"type": "string"}}}}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/processes":
            return httpx.Response(200, json={"processes": [info], "links": []})
        if path == "/processes/p":
            return httpx.Response(200, json=info)
        return httpx.Response(200, json={"links": [], "conformsTo": []})

    session = Session(settings, Http(settings, transport=httpx.MockTransport(handler)))
    try:
        result = run_check(CHECKS["/conf/core/job-creation-input-ref"], session)
    finally:
        session.close()
    assert result.outcome is Outcome.SKIPPED and "--reference-base-url" in result.reason, result.reason


def test_pygeoapi_probes_declare_value_transmission_only() -> None:
    src = Path(__file__).resolve().parent.parent / "oaproc_testkit" / "probes" / "pygeoapi.py"
    tree = ast.parse(src.read_text())
    declared = [ast.literal_eval(value) for d in ast.walk(tree) if isinstance(d, ast.Dict)
                for key, value in zip(d.keys, d.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "outputTransmission"]
    assert declared, "no outputTransmission found in the probes"
    assert all(t == ["value"] for t in declared), declared


def test_failed_job_provoked_when_no_process_is_built_to_fail() -> None:
    """class 9: no fail switch is described; an invalid value sent async is accepted and its job fails."""
    result = _run("/conf/core/job-results-failed", ["x/late-validation"])
    assert result.outcome is Outcome.PASSED, (result.outcome, result.reason, [f.headline for f in result.findings])
    assert any("respond-async" in n for n in result.notes), result.notes


def test_no_failed_job_skip_lists_the_attempts() -> None:
    """class 9: the same description, but the server rejects invalid requests up front (4xx): a skip naming
    what was tried, never a failure."""
    result = _run("/conf/core/job-results-failed", ["x/no-fail-switch"])
    assert result.outcome is Outcome.SKIPPED, (result.outcome, [f.headline for f in result.findings])
    assert "respond-async" in result.reason and "answered 400" in result.reason, result.reason
