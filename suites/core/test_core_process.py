"""Core: process list and process description (Annex A tests 8-15)."""

import pytest

from oaproc_testkit.checks.core import process


@pytest.mark.oaproc("/conf/core/process-list")
def test_process_list(oaproc):
    """/conf/core/process-list -> /req/core/process-list:
    GET /processes is supported (/req/core/process-list)."""
    oaproc.run(process.process_list)


@pytest.mark.oaproc("/conf/core/pl-limit-definition")
def test_pl_limit_definition(oaproc):
    """/conf/core/pl-limit-definition -> /req/core/pl-limit-definition:
    /processes takes an optional integer ``limit`` >= 1 (/req/core/pl-limit-definition)."""
    oaproc.run(process.pl_limit_definition)


@pytest.mark.oaproc("/conf/core/process-list-success")
def test_process_list_success(oaproc):
    """/conf/core/process-list-success -> /req/core/process-list-success:
    GET /processes gives 200 and a processList.yaml body (/req/core/process-list-success)."""
    oaproc.run(process.process_list_success)


@pytest.mark.oaproc("/conf/core/pl-links")
def test_pl_links(oaproc):
    """/conf/core/pl-links -> /req/core/pl-links:
    The process list links to itself (rel=self) and to its other representations (/req/core/pl-links)."""
    oaproc.run(process.pl_links)


@pytest.mark.oaproc("/conf/core/pl-limit-response")
def test_pl_limit_response(oaproc):
    """/conf/core/pl-limit-response -> /req/core/pl-limit-response:
    ``limit=n`` returns at most n summaries, never more than a declared maximum (/req/core/pl-limit-response)."""
    oaproc.run(process.pl_limit_response)


@pytest.mark.oaproc("/conf/core/process")
def test_process(oaproc):
    """/conf/core/process -> /req/core/process:
    GET /processes/{processID} is supported (/req/core/process)."""
    oaproc.run(process.process)


@pytest.mark.oaproc("/conf/core/process-success")
def test_process_success(oaproc):
    """/conf/core/process-success -> /req/core/process-success:
    GET /processes/{processID} gives 200 and a description of that process (/req/core/process-success)."""
    oaproc.run(process.process_success)


@pytest.mark.oaproc("/conf/core/process-exception-no-such-process")
def test_process_exception_no_such_process(oaproc):
    """/conf/core/process-exception-no-such-process -> /req/core/process-exception/no-such-process:
    An unknown process ID gives 404 with type no-such-process (/req/core/process-exception/no-such-process)."""
    oaproc.run(process.process_exception_no_such_process)
