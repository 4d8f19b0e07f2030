"""Issue 8 classes 2 and 8, cross-checked over a real socket against tests/quirk_server.py (written
independently of tests/test_verdicts_exec.py, which uses a mock transport and fault_server behaviours): a
WPS-like server answering 400 + XML to every method and path, so every -op test is exercised, not three;
a synchronous answer whose job is named only by a *relative* ``Location``; one with no sign of a job.
Each test names the verdict the toolkit gave before (old) and asserts today's (new)."""

from __future__ import annotations

import pytest

from oaproc_testkit.checks import load_all
from oaproc_testkit.checks._registry import CHECKS
from oaproc_testkit.results import Outcome
from oaproc_testkit.runner import Session, run_check
from oaproc_testkit.settings import Settings

fault_server = pytest.importorskip("fault_server")
quirk_server = pytest.importorskip("quirk_server")
load_all()


@pytest.fixture
def quirky(monkeypatch):
    handles = []

    def start(*quirks: str, **settings):
        for pid, proc in quirk_server.extra_processes(quirks).items():
            monkeypatch.setitem(fault_server.PROCESSES, pid, proc)
        handle = quirk_server.start_quirk_server(quirks)
        handles.append(handle)
        return Session(Settings(server_url=handle.url, timeout=5.0, job_timeout=30.0, **settings))

    yield start
    for h in handles:
        h.stop()


def _run(session: Session, test_id: str):
    return run_check(CHECKS[test_id], session)


# -- class 2: an -op test passes only when the operation succeeded -------------------------------------
OP_GETS = ["/conf/core/landingpage-op", "/conf/core/conformance-op", "/conf/core/process-list"]


@pytest.mark.parametrize("test_id", OP_GETS)
def test_op_fails_on_a_server_answering_400(quirky, test_id):
    """Old: pass for landingpage-op and process-list (400 is neither 404/405/501 nor 5xx, so GET counted as
    supported). New: fail, naming the status (conformance-op already failed on its landing-page prerequisite)."""
    result = _run(quirky("wps-400"), test_id)
    assert result.outcome is Outcome.FAILED, result.headline
    assert any("status 400" in f.got for f in result.failures), \
        [f.headline for f in result.failures]


@pytest.mark.parametrize("test_id", ["/conf/core/api-definition-op", "/conf/core/process", "/conf/core/job-op",
                                     "/conf/core/job-results", "/conf/core/job-creation-op",
                                     "/conf/job-list/job-list-op", "/conf/dismiss/job-dismiss-op"])
def test_other_ops_do_not_pass_on_a_server_answering_400(quirky, test_id):
    """These need a landing page, a process or a job first: on the WPS server they must not pass."""
    result = _run(quirky("wps-400"), test_id)
    assert result.outcome is not Outcome.PASSED, result.headline


@pytest.mark.parametrize("test_id", OP_GETS + ["/conf/core/api-definition-op", "/conf/core/process",
                                               "/conf/core/job-op", "/conf/core/job-results"])
def test_op_passes_on_the_reference_server(quirky, test_id):
    result = _run(quirky(), test_id)
    assert result.outcome is Outcome.PASSED, result.headline


# -- class 8: a job the server shows us exists, without a monitor link ----------------------------------
def test_sync_job_shown_by_location_without_monitor_fails(quirky):
    """Old: skip ("the server does not create jobs for synchronous execution") although every sync 200
    carried Location: /jobs/{id} to a job answering 'successful'. New: fail, naming the Location."""
    result = _run(quirky("sync-location"), "/conf/core/job-results-sync")
    assert result.outcome is Outcome.FAILED, result.headline
    assert any("monitor" in f.headline and "/jobs/" in f.headline and "'successful'" in f.headline
               for f in result.failures), [f.headline for f in result.failures]


def test_sync_without_any_sign_of_a_job_skips_saying_so(quirky):
    result = _run(quirky("sync-no-job"), "/conf/core/job-results-sync")
    assert result.outcome is Outcome.SKIPPED, result.headline
    assert "no Location" in result.headline and "monitor" in result.headline, result.headline


def test_sync_monitor_on_the_reference_server_passes(quirky):
    assert _run(quirky(), "/conf/core/job-results-sync").outcome is Outcome.PASSED
