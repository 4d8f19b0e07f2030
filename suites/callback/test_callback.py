"""Callback (Annex A test 80): subscriber callbacks reach a loopback receiver."""

import pytest

from oaproc_testkit.checks import callback


@pytest.mark.oaproc("/conf/callback/job-callback")
def test_job_callback(oaproc):
    """/conf/callback/job-callback -> /req/callback/job-callback: the results are POSTed to successUri."""
    oaproc.run(callback.job_callback)
