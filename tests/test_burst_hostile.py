"""The burst keeps the suites' walls against hostile servers (tests/hostile_server.py, ``BURST_MODES``).

Each case runs ``locust -f loadtests/burst.py --jobs 2 --job-timeout 10 --request-timeout 2`` as a
subprocess and asserts that it
- ends within ``BOUND_S`` (the job timeout + the request timeout + Locust's start and stop + margin),
- exits 1 (a verdict) or 2 (could not run) with a named finding in summary.json,
- prints no Python traceback,
- stays under ``RSS_CEILING_MIB`` of peak resident memory (``os.wait4`` of that very process),
- sends nothing off the server's origin: every connection the process attempts is logged by a
  ``socket.connect`` audit hook (tests/data/connect_audit/sitecustomize.py) *before* it is made, and must
  go to the server's port; the other listeners (another port of 127.0.0.1, and 127.0.0.2) count zero hits.
The gzip bombs are also checked on the suites' gateway (``Http``), in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

import hostile_server
from oaproc_testkit.errors import RequestFailed
from oaproc_testkit.http import Http
from oaproc_testkit.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
AUDIT = Path(__file__).resolve().parent / "data" / "connect_audit"
BOUND_S = 30.0
RSS_CEILING_MIB = 150  # measured: 59 MiB idle, 91 MiB at most (the 32 MiB body cap, gzip bombs)

# mode -> words that the named finding (a violation in summary.json) must contain
CASES = {
    "location-other-port": ("failed submission", "refused", "off the server's origin"),
    "post-307-other-port": ("failed submission", "redirect to another host"),
    "location-file": ("failed submission", "refused", "file:"),
    "location-metadata": ("failed submission", "refused", "169.254.169.254"),
    "status-redirect-metadata": ("could not be read", "redirect to another host"),
    "deep-json": ("could not be read", "nested too deeply"),
    "endless-body": ("could not be read",),
    "closed-mid-body": ("could not be read",),
    "wrong-length": ("could not be read", "2 s"),
    "huge-headers": ("could not be read",),
    "never-reads": ("failed submission", "timeout"),
    "invalid-utf8": ("statusCode", "/req/core/job-success"),
    "gzip-bomb": ("could not be read", "decoded body larger than 32 MiB"),
    "gzip-bomb-nested": ("could not be read", "decoded body larger than 32 MiB"),
    "chunked-forever": ("could not be read", "2 s"),
    "slow-body": ("could not be read", "2 s"),
    "endless-1xx": ("could not be read", "2 s"),
    "status-completed": ("'completed' is not a statusCode", "/req/core/job-success"),
    "foreign-location": ("failed submission", "refused"),
    "never-answers": ("failed submission", "timeout"),
}


@pytest.fixture
def hostile(request):
    handle = hostile_server.start(request.param)
    yield handle
    handle.stop()


def run_burst(url: str, out: Path) -> tuple[int, float, float, str, list[str]]:
    """(exit code, seconds, peak RSS MiB, stdout+stderr, connections attempted) of one bounded burst."""
    log = out / "connects.log"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(AUDIT), os.environ.get("PYTHONPATH", "")]),
           "OAPROC_CONNECT_LOG": str(log), "COLUMNS": "200"}
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "burst.py"), "--headless", "--host", url,
           "--process", "p", "--inputs", '{"x": 1}', "--jobs", "2", "--job-timeout", "10", "--request-timeout", "2",
           "--report-dir", str(out), "--loglevel", "WARNING"]
    with open(out / "output.txt", "wb") as sink:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        killer = threading.Timer(BOUND_S + 30, proc.kill)  # never hang the test run, whatever happens
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        took = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_mib = usage.ru_maxrss / 1024  # kilobytes on Linux
    text = (out / "output.txt").read_text(errors="replace")
    connects = log.read_text().splitlines() if log.exists() else []
    return proc.returncode, took, rss_mib, text, connects


@pytest.mark.parametrize("hostile", list(CASES), indirect=True)
def test_burst_ends_in_time_with_a_named_finding_and_stays_on_the_origin(hostile, tmp_path: Path) -> None:
    mode = hostile.server.mode
    code, took, rss, text, connects = run_burst(hostile.url, tmp_path)
    assert "Traceback" not in text, text[-3000:]
    assert took < BOUND_S, f"{mode}: {took:.1f} s"
    assert code in (1, 2), (code, text[-2000:])
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert not summary["passed"]
    found = " | ".join(summary["violations"])
    for word in CASES[mode]:
        assert word in found, (mode, found)
    assert "FAIL" in text
    assert rss < RSS_CEILING_MIB, f"{mode}: peak RSS {rss:.0f} MiB"
    port = str(hostile.server.server_address[1])
    assert connects, "the audit hook saw no connection at all: it is not active"
    assert all(c == f"127.0.0.1 {port}" for c in connects), connects
    assert hostile.hits.paths == []
    print(f"\n{mode}: exit {code} in {took:.1f} s, peak RSS {rss:.0f} MiB, {len(connects)} connection(s), "
          f"finding: {found[:160]}")


@pytest.mark.parametrize("hostile", ["gzip-bomb", "gzip-bomb-nested"], indirect=True)
def test_the_suites_gateway_caps_the_decoded_body_of_a_gzip_bomb(hostile) -> None:
    http = Http(Settings(server_url=hostile.url, timeout=10))
    tracemalloc.start()
    try:
        with pytest.raises(RequestFailed, match="decoded body larger than 32 MiB"):
            http.get(hostile.url + "jobs/j1")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        http.close()
    assert peak < 80 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_a_gzip_body_under_the_cap_is_decoded() -> None:
    import gzip

    import httpx

    body = json.dumps({"status": "running", "pad": "x" * 5000}).encode()

    class Streamed(httpx.SyncByteStream):  # read by the gateway as it arrives, not by httpx up front
        def __iter__(self):
            data = gzip.compress(gzip.compress(body))
            yield from (data[i:i + 100] for i in range(0, len(data), 100))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip, gzip", "Content-Type": "application/json"},
                              stream=Streamed())

    http = Http(Settings(server_url="http://sut.test/"), transport=httpx.MockTransport(handler))
    resp = http.get("/jobs/1")
    assert resp.json()["status"] == "running" and len(resp.content) == len(body)
