"""The landing-page diagnosis: only an answer that cannot be a landing page stops the run."""

from __future__ import annotations

import json

import httpx
import pytest

from oaproc_testkit.landing import diagnose_landing

URL = "http://127.0.0.1:5000/"


def answer(status: int = 200, body: object = None, *, ctype: str = "application/json", text: str | None = None) -> httpx.Response:
    content = text.encode() if text is not None else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"Content-Type": ctype}, request=httpx.Request("GET", URL))


LANDING = {"title": "x", "links": [{"href": URL + "conformance", "rel": "http://www.opengis.net/def/rel/ogc/1.0/conformance"},
                                  {"href": URL + "openapi", "rel": "service-desc"}]}


@pytest.mark.parametrize("resp", [
    answer(body=LANDING),
    answer(body={"title": "odd", "links": [{"href": "/x", "rel": "about"}]}),  # odd links: the checks judge them
    answer(body={"links": []}),
    answer(body={**LANDING, "processes": []}),  # a landing page may carry extra members
    answer(ctype="text/html", text='<html><a rel="conformance" href="/conformance">conformance</a></html>'),
    answer(ctype="text/html", text='<html><a href="https://x.test/api/conformance?f=html">Conformance</a></html>'),
    answer(500, ctype="text/html", text="<h1>Internal Server Error</h1>"),  # a failing server: the checks fail it
    answer(503, {"code": "Unavailable"}),
], ids=["landing", "odd-links", "empty-links", "extra-member", "html-rel", "html-href", "500", "503"])
def test_could_be_a_landing_page(resp: httpx.Response) -> None:
    assert diagnose_landing(resp) is None


@pytest.mark.parametrize(("resp", "says"), [
    (answer(404, {"code": "NotFound"}), "answered 404 application/json"),
    (answer(401, {"code": "Unauthorized"}), "answered 401 application/json"),
    (answer(405, ctype="text/plain", text="no"), "answered 405 text/plain"),
    (answer(ctype="text/html", text="<html><a href='/about'>About</a></html>"), "an HTML page without links"),
    (answer(ctype="text/plain", text="hello"), "a body that is not JSON"),
    (answer(body=[1, 2]), "a JSON list instead of an object"),
    (answer(body=None), "a JSON null instead of an object"),
    (answer(body={"title": "no links"}), "a JSON object without `links`"),
    (answer(body={"processes": [], "links": [{"href": URL, "rel": "self"}]}), "a process list"),
    (answer(body={"conformsTo": ["x"]}), "a conformance declaration"),
    (answer(body={"openapi": "3.0.2", "paths": {}}), "an API definition"),
    (answer(body={"jobID": "1", "status": "running", "links": []}), "a job status"),
])
def test_cannot_be_a_landing_page(resp: httpx.Response, says: str) -> None:
    line = diagnose_landing(resp)
    assert line is not None and "\n" not in line
    assert line.startswith(f"GET {URL} answered ") and says in line and "`links`" in line
