"""Job list (Annex A tests 64-79): GET /jobs, its query parameters and filters."""

import pytest

from oaproc_testkit.checks import job_list


@pytest.mark.oaproc("/conf/job-list/job-list-op")
def test_job_list_op(oaproc):
    """/conf/job-list/job-list-op -> /req/job-list/job-list-op: GET /jobs is supported."""
    oaproc.run(job_list.job_list_op)


@pytest.mark.oaproc("/conf/job-list/type-definition")
def test_type_definition(oaproc):
    """/conf/job-list/type-definition -> /req/job-list/type-definition: /jobs accepts type (array of strings), declared and on the wire."""
    oaproc.run(job_list.type_definition)


@pytest.mark.oaproc("/conf/job-list/processID-definition")
def test_processid_definition(oaproc):
    """/conf/job-list/processID-definition -> /req/job-list/processID-definition: /jobs accepts processID (array of strings)."""
    oaproc.run(job_list.processid_definition)


@pytest.mark.oaproc("/conf/job-list/status-definition")
def test_status_definition(oaproc):
    """/conf/job-list/status-definition -> /req/job-list/status-definition: /jobs accepts status (array of statusCode values)."""
    oaproc.run(job_list.status_definition)


@pytest.mark.oaproc("/conf/job-list/datetime-definition")
def test_datetime_definition(oaproc):
    """/conf/job-list/datetime-definition -> /req/job-list/datetime-definition: /jobs accepts datetime (instant, interval, open ends)."""
    oaproc.run(job_list.datetime_definition)


@pytest.mark.oaproc("/conf/job-list/duration-definition")
def test_duration_definition(oaproc):
    """/conf/job-list/duration-definition -> /req/job-list/duration-definition: /jobs accepts minDuration and maxDuration."""
    oaproc.run(job_list.duration_definition)


@pytest.mark.oaproc("/conf/job-list/limit-definition")
def test_limit_definition(oaproc):
    """/conf/job-list/limit-definition -> /req/job-list/limit-definition: /jobs accepts limit (integer, at least 1)."""
    oaproc.run(job_list.limit_definition)


@pytest.mark.oaproc("/conf/job-list/job-list-success")
def test_job_list_success(oaproc):
    """/conf/job-list/job-list-success -> /req/job-list/job-list-success: 200 and a jobList.yaml body."""
    oaproc.run(job_list.job_list_success)


@pytest.mark.oaproc("/conf/job-list/links")
def test_links(oaproc):
    """/conf/job-list/links -> /req/job-list/links: self link and an alternate link per other media type."""
    oaproc.run(job_list.links)


@pytest.mark.oaproc("/conf/job-list/type-response")
def test_type_response(oaproc):
    """/conf/job-list/type-response -> /req/job-list/type-response: type=process lists only process jobs; no type lists all."""
    oaproc.run(job_list.type_response)


@pytest.mark.oaproc("/conf/job-list/processID-mandatory")
def test_processid_mandatory(oaproc):
    """/conf/job-list/processID-mandatory -> /req/job-list/processID-mandatory: every statusInfo carries processID."""
    oaproc.run(job_list.processid_mandatory)


@pytest.mark.oaproc("/conf/job-list/processID-response")
def test_processid_response(oaproc):
    """/conf/job-list/processID-response -> /req/job-list/processid-response: processID lists only jobs of the requested processes."""
    oaproc.run(job_list.processid_response)


@pytest.mark.oaproc("/conf/job-list/status-response")
def test_status_response(oaproc):
    """/conf/job-list/status-response -> /req/job-list/status-response: status lists only jobs in the requested states."""
    oaproc.run(job_list.status_response)


@pytest.mark.oaproc("/conf/job-list/datetime-response")
def test_datetime_response(oaproc):
    """/conf/job-list/datetime-response -> /req/job-list/datetime-response: datetime lists only jobs created within it."""
    oaproc.run(job_list.datetime_response)


@pytest.mark.oaproc("/conf/job-list/duration-response")
def test_duration_response(oaproc):
    """/conf/job-list/duration-response -> /req/job-list/duration-response: minDuration/maxDuration bound the listed jobs' durations."""
    oaproc.run(job_list.duration_response)


@pytest.mark.oaproc("/conf/job-list/limit-response")
def test_limit_response(oaproc):
    """/conf/job-list/limit-response -> /req/job-list/limit-response: at most limit jobs, and at most the declared maximum."""
    oaproc.run(job_list.limit_response)
