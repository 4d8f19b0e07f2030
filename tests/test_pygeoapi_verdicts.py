"""The suites against a real pygeoapi 0.24.0: every abstract test's verdict must equal the checked-in
expectation (tests/expected/pygeoapi-0.24.0.yaml). A changed verdict fails — either pygeoapi or a
check changed, and a person must look.

Runs the user's path: ``pytest suites --server-url URL --report-dir DIR`` in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "tests" / "expected" / "pygeoapi-0.24.0.yaml"

pytestmark = pytest.mark.realserver


@pytest.fixture(scope="module")
def pygeoapi_report(pygeoapi_server, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("pygeoapi-report")
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(ROOT / "suites"), "--server-url", pygeoapi_server.url,
         "--report-dir", str(out), "-q", "-p", "no:cacheprovider", "--job-timeout", "30"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    wall = time.monotonic() - start
    assert (out / "report.json").is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    report["_subprocess"] = {"returncode": proc.returncode, "wall": wall, "stdout": proc.stdout}
    return report


def test_every_abstract_test_has_the_expected_verdict(pygeoapi_report: dict) -> None:
    expected = yaml.safe_load(EXPECTED.read_text())
    got = {t["id"]: t["verdict"] for t in pygeoapi_report["tests"]}
    assert set(got) == set(expected), "report and expectation cover different abstract tests"
    changed = {tid: f"expected {expected[tid]['verdict']}, got {got[tid]}" for tid in expected
               if expected[tid]["verdict"] != got[tid]}
    messages = {t["id"]: t["message"] or t["reason"] for t in pygeoapi_report["tests"] if t["id"] in changed}
    assert not changed, "\n".join(f"{tid}: {why} ({messages.get(tid, '')})" for tid, why in changed.items())


def test_failures_name_requirement_method_and_url(pygeoapi_report: dict) -> None:
    for t in pygeoapi_report["tests"]:
        if t["verdict"] == "fail":
            assert t["findings"], t["id"]
            for f in t["findings"]:
                assert f["requirement"].startswith(("/req/", "/rec/")) and f["url"].startswith("http://127.0.0.1:")
