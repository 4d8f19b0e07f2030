"""JSON encoding (Annex A test 55)."""

import pytest

from oaproc_testkit.checks import encodings


@pytest.mark.oaproc("/conf/json/definition")
def test_json_definition(oaproc):
    """/conf/json/definition -> /req/json/definition:
    200 responses are available as application/json (/req/json/definition)."""
    oaproc.run(encodings.json_definition)
