"""Dismiss (Annex A tests 81-82): DELETE /jobs/{jobID}."""

import pytest

from oaproc_testkit.checks import dismiss


@pytest.mark.oaproc("/conf/dismiss/job-dismiss-op")
def test_job_dismiss_op(oaproc):
    """/conf/dismiss/job-dismiss-op -> /req/dismiss/job-dismiss-op: DELETE is supported; unknown job 404."""
    oaproc.run(dismiss.job_dismiss_op)


@pytest.mark.oaproc("/conf/dismiss/job-dismiss-success")
def test_job_dismiss_success(oaproc):
    """/conf/dismiss/job-dismiss-success -> /req/dismiss/job-dismiss-success: 200, statusInfo, dismissed."""
    oaproc.run(dismiss.job_dismiss_success)
