"""Core: landing page (Annex A tests 1-2)."""

import pytest

from oaproc_testkit.checks.core import landingpage


@pytest.mark.oaproc("/conf/core/landingpage-op")
def test_landingpage_op(oaproc):
    """/conf/core/landingpage-op -> /req/core/landingpage-op: GET / is supported."""
    oaproc.run(landingpage.landingpage_op)


@pytest.mark.oaproc("/conf/core/landingpage-success")
def test_landingpage_success(oaproc):
    """/conf/core/landingpage-success -> /req/core/landingpage-success: 200, schema, three links."""
    oaproc.run(landingpage.landingpage_success)
