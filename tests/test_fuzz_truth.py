"""The fuzz suite tells the truth: no false alarm against our correct reference server over a few
hundred examples, and against a real pygeoapi 0.24.0 it finds the known gaps (wrong-type inputs
accepted, a 500 on a JSON array body), each with a minimal curl reproduction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

fault_server = pytest.importorskip("fault_server")

ROOT = Path(__file__).resolve().parent.parent


def fuzz(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites" / "fuzz"), "--server-url", url, "--fuzz",
                           "--fuzz-seed", "7", "-q", "-p", "no:cacheprovider", "--job-timeout", "20", *extra],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_no_false_alarm_on_a_correct_server() -> None:
    handle = fault_server.start_server()
    try:
        proc = fuzz(handle.url, "--fuzz-examples", "200")
    finally:
        handle.stop()
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "3 passed" in proc.stdout


@pytest.mark.realserver
def test_pygeoapi_gaps_are_found_with_curl_reproductions(pygeoapi_server) -> None:
    proc = fuzz(pygeoapi_server.url, "--fuzz-examples", "20", "--process", "inputs", "--timeout", "5")
    out = proc.stdout
    assert proc.returncode == 1 and "Traceback" not in out, out[-4000:]
    assert "expected an exception for invalid input" in out and "got status 200 (success)" in out
    assert "a 4xx exception for a body that is not an execute object, got status 500" in out
    assert "Reproduce with: curl -sS -i -X POST" in out
    assert "-d '[" in out, out[-3000:]  # the JSON array body that crashed it
