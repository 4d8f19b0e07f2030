"""Core: API definition, conformance, HTTP (Annex A tests 3-7)."""

import pytest

from oaproc_testkit.checks.core import discovery


@pytest.mark.oaproc("/conf/core/api-definition-op")
def test_api_definition_op(oaproc):
    """/conf/core/api-definition-op -> /req/core/api-definition-op:
    Every API-definition URI of the landing page answers GET (/req/core/api-definition-op)."""
    oaproc.run(discovery.api_definition_op)


@pytest.mark.oaproc("/conf/core/api-definition-success")
def test_api_definition_success(oaproc):
    """/conf/core/api-definition-success -> /req/core/api-definition-success:
    The API definition answers 200 with a document (/req/core/api-definition-success)."""
    oaproc.run(discovery.api_definition_success)


@pytest.mark.oaproc("/conf/core/conformance-op")
def test_conformance_op(oaproc):
    """/conf/core/conformance-op -> /req/core/conformance-op:
    GET {root}/conformance and every conformance link is supported (/req/core/conformance-op)."""
    oaproc.run(discovery.conformance_op)


@pytest.mark.oaproc("/conf/core/conformance-success")
def test_conformance_success(oaproc):
    """/conf/core/conformance-success -> /req/core/conformance-success:
    200 with a confClasses.yaml body listing the core class (/req/core/conformance-success)."""
    oaproc.run(discovery.conformance_success)


@pytest.mark.oaproc("/conf/core/http")
def test_http(oaproc):
    """/conf/core/http -> /req/core/http:
    The server answers over HTTP/1.1 (or later); an https URL is served over TLS (/req/core/http)."""
    oaproc.run(discovery.http)
