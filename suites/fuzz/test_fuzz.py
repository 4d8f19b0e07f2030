"""Property-based execution testing (opt-in: --fuzz; budget --fuzz-examples N; --fuzz-seed N).

Not abstract tests of Annex A: these probe /req/core/process-execute-input-validation with many
generated requests and print each falsifying request, shrunk, as a curl command.
"""

import pytest

from oaproc_testkit import fuzz


@pytest.fixture
def fuzz_session(request):
    from oaproc_testkit.pytest_plugin import SESSION_KEY

    session = request.config.stash.get(SESSION_KEY, None)
    if session is None:
        raise pytest.UsageError("oaproc: the fuzz suite needs --server-url URL")
    if not session.settings.fuzz:
        pytest.skip("property-based execution testing is opt-in: pass --fuzz")
    return session


def _run(session, prop):
    found = []
    descriptions = session.snapshot.descriptions()
    if not descriptions:
        pytest.skip("no process description could be fetched")
    for pid, desc in descriptions.items():
        hit = prop(session, pid, desc, examples=session.settings.fuzz_examples, seed=session.settings.fuzz_seed)
        if hit:
            found.append(hit.render())
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def test_fuzz_valid_inputs(fuzz_session):
    """/req/core/process-execute-input-validation (A): valid inputs never get a 5xx; sync JSON results fit."""
    _run(fuzz_session, fuzz.check_valid)


def test_fuzz_invalid_inputs(fuzz_session):
    """/req/core/process-execute-input-validation (B): invalid inputs get a 4xx exception, never 5xx or success."""
    _run(fuzz_session, fuzz.check_invalid)


def test_fuzz_malformed_bodies(fuzz_session):
    """/req/core/process-execute-request: JSON bodies that are not execute objects never get a 5xx."""
    _run(fuzz_session, fuzz.check_malformed)
