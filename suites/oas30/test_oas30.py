"""OpenAPI 3.0 (Annex A tests 58-63)."""

import pytest

from oaproc_testkit.checks import oas30


@pytest.mark.oaproc("/conf/oas30/completeness")
def test_completeness(oaproc):
    """/conf/oas30/completeness -> /req/oas30/completeness:
    Every status code the server answers is listed by its operation (/req/oas30/completeness)."""
    oaproc.run(oas30.completeness)


@pytest.mark.oaproc("/conf/oas30/exceptions-codes")
def test_exceptions_codes(oaproc):
    """/conf/oas30/exceptions-codes -> /req/oas30/exceptions-codes:
    Every error status code the server answers is listed by its operation (/req/oas30/exceptions-codes)."""
    oaproc.run(oas30.exceptions_codes)


@pytest.mark.oaproc("/conf/oas30/oas-definition-1")
def test_oas_definition_1(oaproc):
    """/conf/oas30/oas-definition-1 -> /req/oas30/oas-definition-1:
    The OpenAPI document as application/vnd.oai.openapi+json;version=3.0 (service-desc) and as HTML"""
    oaproc.run(oas30.oas_definition_1)


@pytest.mark.oaproc("/conf/oas30/oas-definition-2")
def test_oas_definition_2(oaproc):
    """/conf/oas30/oas-definition-2 -> /req/oas30/oas-definition-2:
    The JSON API definition is a valid OpenAPI 3.0 document (/req/oas30/oas-definition-2)."""
    oaproc.run(oas30.oas_definition_2)


@pytest.mark.oaproc("/conf/oas30/oas-impl")
def test_oas_impl(oaproc):
    """/conf/oas30/oas-impl -> /req/oas30/oas-impl:
    Every GET path the API definition declares is implemented (/req/oas30/oas-impl)."""
    oaproc.run(oas30.oas_impl)


@pytest.mark.oaproc("/conf/oas30/security")
def test_security(oaproc):
    """/conf/oas30/security -> /req/oas30/security:
    Access control in use is declared as security schemes and requirements (/req/oas30/security)."""
    oaproc.run(oas30.security)
