"""Core: jobs and results (Annex A tests 35-38, 40-47)."""

import pytest

from oaproc_testkit.checks.core import job


@pytest.mark.oaproc("/conf/core/job-op")
def test_job_op(oaproc):
    """/conf/core/job-op -> /req/core/job: GET /jobs/{jobID} is supported."""
    oaproc.run(job.job_op)


@pytest.mark.oaproc("/conf/core/job-success")
def test_job_success(oaproc):
    """/conf/core/job-success -> /req/core/job-success: job status: 200 and statusInfo."""
    oaproc.run(job.job_success)


@pytest.mark.oaproc("/conf/core/job-exception-no-such-job")
def test_job_exception_no_such_job(oaproc):
    """/conf/core/job-exception-no-such-job -> /req/core/job-exception-no-such-job: unknown job: 404 no-such-job."""
    oaproc.run(job.job_exception_no_such_job)


@pytest.mark.oaproc("/conf/core/job-results")
def test_job_results(oaproc):
    """/conf/core/job-results -> /req/core/job-results: GET /jobs/{jobID}/results is supported."""
    oaproc.run(job.job_results)


@pytest.mark.oaproc("/conf/core/job-results-async-raw-value-one")
def test_job_results_async_raw_value_one(oaproc):
    """/conf/core/job-results-async-raw-value-one -> /req/core/job-results-async-raw-value-one:
    async results raw value, one output."""
    oaproc.run(job.job_results_async_raw_value_one)


@pytest.mark.oaproc("/conf/core/job-results-async-raw-value-multi")
def test_job_results_async_raw_value_multi(oaproc):
    """/conf/core/job-results-async-raw-value-multi -> /req/core/job-results-async-raw-value-multi:
    async results raw value, several outputs."""
    oaproc.run(job.job_results_async_raw_value_multi)


@pytest.mark.oaproc("/conf/core/job-results-async-raw-ref")
def test_job_results_async_raw_ref(oaproc):
    """/conf/core/job-results-async-raw-ref -> /req/core/job-results-async-raw-ref: async results raw reference."""
    oaproc.run(job.job_results_async_raw_ref)


@pytest.mark.oaproc("/conf/core/job-results-async-raw-mixed-multi")
def test_job_results_async_raw_mixed_multi(oaproc):
    """/conf/core/job-results-async-raw-mixed-multi -> /req/core/job-results-async-raw-mixed-multi:
    async results raw mixed."""
    oaproc.run(job.job_results_async_raw_mixed_multi)


@pytest.mark.oaproc("/conf/core/job-results-async-document")
def test_job_results_async_document(oaproc):
    """/conf/core/job-results-async-document -> /req/core/job-results-async-document: async results document."""
    oaproc.run(job.job_results_async_document)


@pytest.mark.oaproc("/conf/core/job-results-exception-no-such-job")
def test_job_results_exception_no_such_job(oaproc):
    """/conf/core/job-results-exception-no-such-job -> /req/core/job-results-exception/no-such-job:
    results of unknown job: 404 no-such-job."""
    oaproc.run(job.job_results_exception_no_such_job)


@pytest.mark.oaproc("/conf/core/job-results-exception-results-not-ready")
def test_job_results_exception_results_not_ready(oaproc):
    """/conf/core/job-results-exception-results-not-ready -> /req/core/job-results-exception/results-not-ready:
    results of a running job: 404 result-not-ready."""
    oaproc.run(job.job_results_exception_results_not_ready)


@pytest.mark.oaproc("/conf/core/job-results-failed")
def test_job_results_failed(oaproc):
    """/conf/core/job-results-failed -> /req/core/job-results-failed: results of a failed job: error + exception."""
    oaproc.run(job.job_results_failed)
