"""Issue 8 classes 5, 6, 7, 11 and issue 12 (status word outside the enum, --run-timeout, live line) against
tests/quirk_server.py. Each test names the verdict the toolkit gave before (old) and asserts today's (new)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oaproc_testkit.checks import load_all
from oaproc_testkit.checks._registry import CHECKS
from oaproc_testkit.jobs import status_outside_enum
from oaproc_testkit.live import LiveLine
from oaproc_testkit.results import Outcome
from oaproc_testkit.runner import Session, run_check
from oaproc_testkit.runstate import StaggerGate, StatusLog, WaitBoard
from oaproc_testkit.settings import Settings

fault_server = pytest.importorskip("fault_server")
quirk_server = pytest.importorskip("quirk_server")
load_all()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def quirky(monkeypatch):
    handles = []

    def start(*quirks: str, drop: tuple[str, ...] = ()):
        for pid, proc in quirk_server.extra_processes(quirks).items():
            monkeypatch.setitem(fault_server.PROCESSES, pid, proc)
        for pid in drop:
            monkeypatch.delitem(fault_server.PROCESSES, pid)
        handle = quirk_server.start_quirk_server(quirks)
        handles.append(handle)
        return Session(Settings(server_url=handle.url, timeout=5.0, job_timeout=30.0))

    yield start
    for h in handles:
        h.stop()


def _run(session: Session, test_id: str):
    return run_check(CHECKS[test_id], session)


# -- class 5: every process that fits a test, within a budget ---------------------------------------------
@pytest.mark.parametrize("test_id", ["/conf/core/job-creation-sync-raw-value-one",
                                     "/conf/core/job-results-async-raw-value-one"])
def test_slow_process_with_wrapped_results_is_exercised(quirky, test_id):
    """Old: pass (only processes with a delay of at most 1 s were executed; slow-echo's wrapped output was
    never seen). New: fail, and the notes name every process exercised."""
    session = quirky("wrap-slow")
    result = _run(session, test_id)
    assert result.outcome is Outcome.FAILED, result.headline
    assert any("output 'text'" in f.expected for f in result.failures), [f.headline for f in result.failures]
    exercised = [n for n in result.notes if n.startswith("processes exercised:")]
    assert exercised and "slow-echo" in exercised[0] and "echo" in exercised[0]


def test_budget_left_out_processes_are_named(quirky):
    session = quirky("wrap-slow")
    session.settings = Settings(server_url=session.settings.server_url, timeout=5.0, job_timeout=30.0,
                                max_processes_per_test=1)
    result = _run(session, "/conf/core/job-creation-sync-raw-value-one")
    assert any(n.startswith("budget: --max-processes-per-test 1 left out") for n in result.notes), result.notes


# -- class 6: statusInfo validated at every stage ---------------------------------------------------------
def test_running_status_info_is_validated(quirky):
    """Old: pass (only the statusInfo of the finished job was validated). New: fail on the accepted/running
    document ('finished': null, 'progress': 0.5)."""
    session = quirky("running-statusinfo")
    result = _run(session, "/conf/core/job-success")
    assert result.outcome is Outcome.FAILED, result.headline
    text = " ".join(f.got + f.detail for f in result.failures)
    assert "finished" in text or "progress" in text, text


def test_status_log_keeps_distinct_shapes_only():
    log = StatusLog(limit=3)
    for i in range(10):
        log.add("u", {"jobID": "j", "status": "running", "progress": i * 10, "updated": f"t{i}"})
    log.add("u", {"jobID": "j", "status": "running", "progress": 0.5})
    assert len(log.documents()) == 2


# -- class 7: wrapped raw object outputs ------------------------------------------------------------------
@pytest.mark.parametrize("quirk", ["object-envelope", "object-id-value"])
@pytest.mark.parametrize("test_id", ["/conf/core/job-creation-sync-raw-value-one",
                                     "/conf/core/job-results-async-raw-value-one"])
def test_wrapped_object_output_fails(quirky, quirk, test_id):
    """Old: pass (any object matches {"type": "object"}). New: fail, naming the envelope."""
    session = quirky(quirk)
    result = _run(session, test_id)
    assert result.outcome is Outcome.FAILED, result.headline
    assert any("wrapped" in f.expected and "output 'result'" in f.expected for f in result.failures), result.headline


def test_object_output_on_the_reference_server_passes(quirky):
    session = quirky()  # no quirk: the reference server's outputs are bare
    assert _run(session, "/conf/core/job-creation-sync-raw-value-one").outcome is Outcome.PASSED


# -- class 11: callbacks only from asynchronous executions ------------------------------------------------
def test_callback_uses_a_process_that_runs_async(quirky):
    """Old: fail after --job-timeout (echo answered respond-async synchronously and no callback came). New:
    pass, with the async-only process."""
    session = quirky("ignore-prefer")
    start = time.monotonic()
    result = _run(session, "/conf/callback/job-callback")
    assert result.outcome is Outcome.PASSED, result.headline
    assert time.monotonic() - start < 10


def test_callback_skips_when_nothing_runs_async(quirky):
    """Old: fail after --job-timeout. New: skip, saying that every execution answered synchronously."""
    session = quirky("ignore-prefer-all", drop=("sleep",))
    start = time.monotonic()
    result = _run(session, "/conf/callback/job-callback")
    assert result.outcome is Outcome.SKIPPED, result.headline
    assert "synchronously" in result.reason
    assert time.monotonic() - start < 10


def test_callback_wait_ends_when_the_job_does_not_move(quirky):
    """A server that accepts the subscriber but never runs that job (pygeoapi with loopback URLs): the wait
    ends once the control job has ended and the subscriber's job stayed put, well before --job-timeout."""
    handle = fault_server.start_server(["callback/job-callback"])
    try:
        session = Session(Settings(server_url=handle.url, timeout=5.0, job_timeout=60.0))
        start = time.monotonic()
        result = _run(session, "/conf/callback/job-callback")
    finally:
        handle.stop()
    assert result.outcome is Outcome.FAILED
    assert time.monotonic() - start < 15
    assert "no callback followed" in result.failures[0].got or "stayed" in result.failures[0].got


# -- issue 12: a status word outside the statusCode enum ends every wait at once ----------------------------
def test_status_outside_enum():
    assert status_outside_enum("successful") is None
    assert "/req/core/job-success" in (status_outside_enum("completed") or "")
    assert status_outside_enum(None)


def test_completed_status_ends_the_run_quickly(quirky):
    """Old: every job waited its whole job timeout (a full run did not end in 10 minutes). New: all 82 checks
    end within a bound far below one job timeout per job, and job-success names the status word."""
    session = quirky("completed")
    start = time.monotonic()
    results = {tid: run_check(fn, session) for tid, fn in CHECKS.items()}
    elapsed = time.monotonic() - start
    assert elapsed < 60, elapsed  # job timeout 30 s: one full wait per job would take many minutes
    js = results["/conf/core/job-success"]
    assert js.outcome is Outcome.FAILED and any("'completed'" in f.got for f in js.failures), js.headline
    assert all(r.outcome is not Outcome.ERROR for r in results.values()), [
        r.headline for r in results.values() if r.outcome is Outcome.ERROR]


# -- issue 12: --run-timeout, reports still written ---------------------------------------------------------
def test_run_timeout_reports_remaining_tests_as_not_run(tmp_path):
    handle = fault_server.start_server()
    try:
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "--server-url", handle.url,
                               "--run-timeout", "1", "--report-dir", str(tmp_path), "-q", "-p", "no:cacheprovider"],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
        elapsed = time.monotonic() - start
    finally:
        handle.stop()
    report = json.loads((tmp_path / "report.json").read_text())
    reasons = [t["reason"] for t in report["tests"]]
    assert any("--run-timeout 1 s" in r for r in reasons), reasons
    assert (tmp_path / "junit.xml").is_file() and (tmp_path / "summary.md").is_file()
    assert elapsed < 60, elapsed
    assert "Traceback" not in proc.stdout


# -- issue 12: the live line ---------------------------------------------------------------------------------
class _Writer:
    def __init__(self, markup: bool) -> None:
        self.hasmarkup = markup
        self.fullwidth = 80
        self.width_of_current_line = 5
        self.out: list[str] = []

    def write(self, text: str) -> None:
        self.out.append(text)

    def flush(self) -> None:
        pass


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self._tw = _Writer(tty)
        self.isatty = tty
        self.lines: list[str] = []

    def write_line(self, text: str) -> None:
        self.lines.append(text)


def test_live_line_on_a_terminal_and_in_a_log():
    now = [0.0]
    board = WaitBoard()
    tty, log = _Terminal(True), _Terminal(False)
    lines = [LiveLine(t, None, board, lambda: now[0]) for t in (tty, log)]
    with board.waiting("sleep", lambda: now[0]), board.waiting("echo", lambda: now[0]):
        for step in range(40):
            now[0] = step * 0.5
            for line in lines:
                line.tick()
    for line in lines:
        line.tick()
        line.clear()
    drawn = "".join(tty._tw.out)
    assert "waiting on 2 jobs: sleep" in drawn and "\x1b[K" in drawn and drawn.endswith("\x1b[5C")
    assert log._tw.out == []  # nothing redrawn in a log
    assert log.lines and all("\x1b" not in text and text.startswith("oaproc: waiting on 2 jobs") for text in log.lines)
    assert len(log.lines) <= 2  # occasional, not per tick


def test_stagger_gate_lets_a_long_request_be_overtaken():
    now = [0.0]
    gate = StaggerGate(1.0, lambda: now[0])
    with gate.passage():
        now[0] = 1.5  # the first request has been in flight longer than the gap
        with gate.passage():
            pass
