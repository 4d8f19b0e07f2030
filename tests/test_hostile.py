"""The toolkit survives hostile servers: each misbehaviour ends the affected check with a named,
one-line failure within its timeout, the other checks still run, no traceback reaches the user, memory
stays bounded and no request leaves for a host other than the server under test."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

import hostile_server
from oaproc_testkit.checks import load_all
from oaproc_testkit.checks._registry import CHECKS
from oaproc_testkit.results import Outcome
from oaproc_testkit.runner import Session, run_check
from oaproc_testkit.settings import Settings

load_all()
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT, JOB_TIMEOUT = 2.0, 4.0
DISCOVERY = ("/conf/core/landingpage-success", "/conf/core/conformance-success", "/conf/core/process-list-success",
             "/conf/core/process-success")


@pytest.fixture
def hostile(request):
    handle = hostile_server.start(request.param)
    yield handle
    handle.stop()


def run(url: str, ids: tuple[str, ...]) -> dict[str, object]:
    session = Session(Settings(server_url=url, timeout=TIMEOUT, job_timeout=JOB_TIMEOUT))
    try:
        return {tid: run_check(CHECKS[tid], session) for tid in ids}
    finally:
        session.close()


def assert_named_failure(result, *, words: tuple[str, ...] = ()) -> None:
    assert result.outcome is Outcome.FAILED, (result.outcome, result.reason)
    f = result.failures[0]
    assert f.requirement.startswith("/req/") and f.url.startswith("http://127.0.0.1:"), f.headline
    assert "\n" not in f.headline
    for w in words:
        assert w in f.headline, f.headline


@pytest.mark.parametrize("hostile, words", [
    ("html-500", ("status 500",)),
    ("invalid-json", ("JSON",)),
    ("big-body", ("JSON",)),
    ("wrong-content-type", ("text/plain",)),
    ("redirect-loop", ("redirects",)),
    ("never-answers", ()),
    ("trickle", ()),
], indirect=["hostile"])
def test_discovery_checks_fail_by_name_and_in_time(hostile, words) -> None:
    start = time.monotonic()
    results = run(hostile.url, DISCOVERY)
    took = time.monotonic() - start
    assert took < len(DISCOVERY) * (TIMEOUT + 1) + 5, f"{took:.1f} s"
    assert len(results) == len(DISCOVERY)  # the run went on after the first failure
    if hostile.server.mode not in ("big-body", "wrong-content-type"):  # there, only the landing page is broken
        for tid in DISCOVERY:
            assert results[tid].outcome is Outcome.FAILED, (tid, results[tid].outcome)
    assert_named_failure(results["/conf/core/landingpage-success"], words=words)


@pytest.mark.parametrize("hostile", ["huge-body"], indirect=True)
def test_a_body_above_the_cap_is_refused_with_bounded_memory(hostile) -> None:
    tracemalloc.start()
    try:
        results = run(hostile.url, ("/conf/core/landingpage-success",))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_named_failure(results["/conf/core/landingpage-success"], words=("larger than",))
    assert peak < 48 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB while refusing a 40 MiB body"


@pytest.mark.parametrize("hostile", ["foreign-location"], indirect=True)
def test_a_location_on_another_host_is_never_followed(hostile) -> None:
    ids = ("/conf/core/job-creation-success-async", "/conf/core/job-success", "/conf/core/job-results")
    results = run(hostile.url, ids)
    assert hostile.hits.paths == [], f"requests reached another host: {hostile.hits.paths}"
    result = results["/conf/core/job-creation-success-async"]
    assert result.outcome is Outcome.FAILED and "refused" in result.failures[0].headline, result.failures


@pytest.mark.parametrize("hostile", ["stuck-status"], indirect=True)
def test_a_job_that_never_ends_fails_within_the_job_timeout(hostile) -> None:
    start = time.monotonic()
    results = run(hostile.url, ("/conf/core/job-results",))
    assert time.monotonic() - start < JOB_TIMEOUT + 3 * TIMEOUT + 5
    assert_named_failure(results["/conf/core/job-results"], words=("/jobs/",))


@pytest.mark.parametrize("hostile", ["flip-flop"], indirect=True)
def test_a_job_that_goes_back_to_running_is_caught(hostile) -> None:
    results = run(hostile.url, ("/conf/core/job-success",))
    assert_named_failure(results["/conf/core/job-success"], words=("already ended",))


@pytest.mark.parametrize("hostile", ["html-500"], indirect=True)
def test_user_path_on_a_500_server_reports_every_test_without_traceback(hostile, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "--server-url", hostile.url,
                           "--oaproc-timeout", str(TIMEOUT), "--job-timeout", str(JOB_TIMEOUT), "-q",
                           "--report-dir", str(tmp_path), "-p", "no:cacheprovider"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "Traceback" not in out, out[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["tests"]) == 82
    # only the HTTP/1.1 check can pass: the 500s do come over HTTP/1.1
    assert [t["id"] for t in report["tests"] if t["verdict"] == "pass"] in ([], ["/conf/core/http"])


@pytest.mark.parametrize("hostile", ["never-answers"], indirect=True)
def test_user_path_on_a_silent_server_is_one_line_and_exit_2(hostile) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "--server-url", hostile.url,
                           "--oaproc-timeout", "2", "-q", "-p", "no:cacheprovider"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "Traceback" not in out
    assert "unreachable" in out and hostile.url.rstrip("/") in out
