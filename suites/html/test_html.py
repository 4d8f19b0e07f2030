"""HTML encoding (Annex A tests 56-57)."""

import pytest

from oaproc_testkit.checks import encodings


@pytest.mark.oaproc("/conf/html/content")
def test_html_content(oaproc):
    """/conf/html/content -> /req/html/content:
    HTML answers are HTML5 documents that render links as <a> elements (/req/html/content)."""
    oaproc.run(encodings.html_content)


@pytest.mark.oaproc("/conf/html/definition")
def test_html_definition(oaproc):
    """/conf/html/definition -> /req/html/definition:
    200 responses are available as text/html (/req/html/definition)."""
    oaproc.run(encodings.html_definition)
