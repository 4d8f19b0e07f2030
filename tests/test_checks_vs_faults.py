"""Every check passes against our correct reference server and fails when its rule is broken.

For each abstract test with a registered check: (1) against ``tests/fault_server.py`` with no
fault the check passes; (2) with the fault named after the test (its ID without ``/conf/``)
switched on, the check fails. A check no fault can make fail is a defect.
"""

from __future__ import annotations

import pytest

from oaproc_testkit import requirements as R
from oaproc_testkit.checks import load_all
from oaproc_testkit.checks._registry import CHECKS
from oaproc_testkit.results import Outcome
from oaproc_testkit.runner import Session, run_check
from oaproc_testkit.settings import Settings

fault_server = pytest.importorskip("fault_server")

load_all()
IDS = sorted(CHECKS, key=lambda t: R.ABSTRACT_TESTS[t].number)


def _settings(url: str) -> Settings:
    return Settings(server_url=url, timeout=5.0, job_timeout=20.0)


@pytest.fixture(scope="module")
def correct_session():
    handle = fault_server.start_server()
    session = Session(_settings(handle.url))
    yield session
    session.close()
    handle.stop()


@pytest.mark.parametrize("test_id", IDS)
def test_check_passes_on_correct_server(test_id: str, correct_session: Session) -> None:
    result = run_check(CHECKS[test_id], correct_session)
    assert result.outcome is Outcome.PASSED, [f.headline for f in result.findings] or result.reason


@pytest.mark.parametrize("test_id", IDS)
def test_check_fails_with_its_fault(test_id: str) -> None:
    fault = test_id[len("/conf/"):]
    assert fault in fault_server.FAULTS, f"no fault in tests/fault_server.py breaks {test_id}"
    handle = fault_server.start_server([fault])
    session = Session(_settings(handle.url))
    try:
        result = run_check(CHECKS[test_id], session)
    finally:
        session.close()
        handle.stop()
    assert result.outcome is Outcome.FAILED, (result.outcome, result.reason, [f.headline for f in result.findings])
    assert all(f.requirement.startswith(("/req/", "/rec/")) and f.url for f in result.failures)


def test_every_abstract_test_has_a_check() -> None:
    missing = [t for t in R.ABSTRACT_TESTS if t not in CHECKS]
    assert not missing, f"{len(missing)} abstract tests without a check: {missing[:10]}"
