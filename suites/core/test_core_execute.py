"""Core: execution (Annex A tests 16-19, 29-34, 39)."""

import pytest

from oaproc_testkit.checks.core import execute


@pytest.mark.oaproc("/conf/core/job-creation-op")
def test_job_creation_op(oaproc):
    """/conf/core/job-creation-op -> /req/core/process-execute-op:
    POST /processes/{processID}/execution is supported."""
    oaproc.run(execute.job_creation_op)


@pytest.mark.oaproc("/conf/core/job-creation-auto-execution-mode")
def test_job_creation_auto_execution_mode(oaproc):
    """/conf/core/job-creation-auto-execution-mode -> /req/core/process-execute-auto-execution-mode:
    Prefer: respond-async negotiation."""
    oaproc.run(execute.job_creation_auto_execution_mode)


@pytest.mark.oaproc("/conf/core/job-creation-default-execution-mode")
def test_job_creation_default_execution_mode(oaproc):
    """/conf/core/job-creation-default-execution-mode -> /req/core/process-execute-default-execution-mode:
    execution mode without Prefer."""
    oaproc.run(execute.job_creation_default_execution_mode)


@pytest.mark.oaproc("/conf/core/job-creation-request")
def test_job_creation_request(oaproc):
    """/conf/core/job-creation-request -> /req/core/process-execute-request:
    execute requests validate against execute.yaml."""
    oaproc.run(execute.job_creation_request)


@pytest.mark.oaproc("/conf/core/job-creation-sync-raw-value-one")
def test_job_creation_sync_raw_value_one(oaproc):
    """/conf/core/job-creation-sync-raw-value-one -> /req/core/process-execute-sync-raw-value-one:
    sync raw value, one output."""
    oaproc.run(execute.job_creation_sync_raw_value_one)


@pytest.mark.oaproc("/conf/core/job-creation-sync-raw-value-multi")
def test_job_creation_sync_raw_value_multi(oaproc):
    """/conf/core/job-creation-sync-raw-value-multi -> /req/core/process-execute-sync-raw-value-multi:
    sync raw value, several outputs."""
    oaproc.run(execute.job_creation_sync_raw_value_multi)


@pytest.mark.oaproc("/conf/core/job-creation-sync-raw-ref")
def test_job_creation_sync_raw_ref(oaproc):
    """/conf/core/job-creation-sync-raw-ref -> /req/core/process-execute-sync-raw-ref:
    sync raw reference: 204 + Link."""
    oaproc.run(execute.job_creation_sync_raw_ref)


@pytest.mark.oaproc("/conf/core/job-creation-sync-raw-mixed-multi")
def test_job_creation_sync_raw_mixed_multi(oaproc):
    """/conf/core/job-creation-sync-raw-mixed-multi -> /req/core/process-execute-sync-raw-mixed-multi:
    sync raw mixed value/reference."""
    oaproc.run(execute.job_creation_sync_raw_mixed_multi)


@pytest.mark.oaproc("/conf/core/job-creation-sync-document")
def test_job_creation_sync_document(oaproc):
    """/conf/core/job-creation-sync-document -> /req/core/process-execute-sync-document: sync document response."""
    oaproc.run(execute.job_creation_sync_document)


@pytest.mark.oaproc("/conf/core/job-creation-success-async")
def test_job_creation_success_async(oaproc):
    """/conf/core/job-creation-success-async -> /req/core/process-execute-success-async:
    async: 201 + Location + statusInfo."""
    oaproc.run(execute.job_creation_success_async)


@pytest.mark.oaproc("/conf/core/job-results-sync")
def test_job_results_sync(oaproc):
    """/conf/core/job-results-sync -> /req/core/job-results-success-sync:
    sync execution with a job: monitor link."""
    oaproc.run(execute.job_results_sync)
