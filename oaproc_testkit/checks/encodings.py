"""JSON and HTML encodings: Annex A tests 55 (json/definition), 56 (html/content), 57 (html/definition).

- 55: with ``Accept: application/json`` the landing page, conformance, process list, a process
  description and a job's status answer 200 as ``application/json``; so does an execute request
  that asks for ``response: document`` or goes asynchronous.
- 57: with ``Accept: text/html`` the same resources answer 200 as ``text/html``.
- 56: such an HTML answer is an HTML5 document (``<!DOCTYPE html>`` and a ``<body>``) that renders
  links as ``<a>`` elements. How every JSON member is shown cannot be judged by a machine; a link of
  the JSON document that has no ``<a>`` with the same target is a warning, an HTML page without any
  ``<a>`` while the JSON has links is a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from ..discovery import Unavailable, links_of
from ..errors import RequestFailed
from ..jobs import json_or_none
from ..runner import CheckContext, media_type
from . import _jobs_fixture as fx
from ._registry import check

HTML_ACCEPT = "text/html"
JSON_ACCEPT = "application/json"


def _resources(ctx: CheckContext) -> list[tuple[str, str]]:
    """(label, URL) of the resources both encodings must offer; a job when one can be created."""
    out = [("landing page", ctx.settings.server_url), ("conformance", ctx.url("/conformance")),
           ("process list", ctx.url("/processes"))]
    try:
        ids = ctx.snap.process_ids
    except (Unavailable, RequestFailed):
        ids = []
    if ids:
        out.append((f"process {ids[0]!r}", ctx.url(f"/processes/{ids[0]}")))
    job = job_url(ctx)
    if job:
        out.append(("job status", job))
    return out


def job_url(ctx: CheckContext) -> str | None:
    """The status URL of one successful job of this run (created once, shared by the checks)."""
    def make() -> str | None:
        plans = fx.plan_processes(ctx.session)
        for plan in plans.short[:1]:
            job, _why = fx.submit(ctx.session, plan, "successful")
            if job is not None:
                return job.url
        return None

    url = ctx.session.shared("encodings:job", make)
    if url is None:
        ctx.note("no job could be created: /jobs/{jobID} not checked")
    return url


@check("/conf/json/definition")
def json_definition(ctx: CheckContext) -> None:
    """200 responses are available as application/json (/req/json/definition)."""
    for label, url in _resources(ctx):
        resp = ctx.get(url, accept=JSON_ACCEPT)
        if ctx.expect_status(resp, 200):
            ctx.expect(media_type(resp) == JSON_ACCEPT, resp, f"the {label} as application/json",
                       f"Content-Type {resp.headers.get('content-type', 'none')}")
    plans = fx.plan_processes(ctx.session)
    if not plans.short:
        ctx.note("no process the toolkit can execute: the execute responses were not checked")
        return
    plan = plans.short[0]
    body = {**plan.body, "response": "document"}
    resp = ctx.post(ctx.url(f"/processes/{plan.process_id}/execution"), json=body, accept=JSON_ACCEPT)
    if resp.status_code in (200, 201):
        ctx.expect(media_type(resp) == JSON_ACCEPT, resp,
                   "a results document (response=document) or statusInfo as application/json",
                   f"Content-Type {resp.headers.get('content-type', 'none')}")


@check("/conf/html/definition")
def html_definition(ctx: CheckContext) -> None:
    """200 responses are available as text/html (/req/html/definition)."""
    for label, url in _resources(ctx):
        resp = ctx.get(url, accept=HTML_ACCEPT)
        if ctx.expect_status(resp, 200):
            ctx.expect(media_type(resp) == "text/html", resp, f"the {label} as text/html",
                       f"Content-Type {resp.headers.get('content-type', 'none')}")


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _norm(url: str) -> str:
    """A URL without its ``f`` parameter and trailing slash, for comparing link targets."""
    p = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(p.query) if k != "f"])
    return urlunsplit((p.scheme, p.netloc, p.path.rstrip("/"), query, ""))


def _html_problems(resp: httpx.Response) -> tuple[str | None, _Html]:
    text = resp.text
    parser = _Html()
    parser.feed(text)
    if not text.lstrip().lower().startswith("<!doctype html"):
        return "a document that does not start with <!DOCTYPE html>", parser
    if "body" not in parser.tags:
        return "no <body> element", parser
    return None, parser


@check("/conf/html/content")
def html_content(ctx: CheckContext) -> None:
    """HTML answers are HTML5 documents that render links as <a> elements (/req/html/content)."""
    for label, url in _resources(ctx):
        resp = ctx.get(url, accept=HTML_ACCEPT)
        if resp.status_code != 200 or media_type(resp) != "text/html":
            ctx.note(f"the {label} is not available as text/html (status {resp.status_code}): see /conf/html/definition")
            continue
        problem, parser = _html_problems(resp)
        if problem:
            ctx.fail(resp, f"the {label} as an HTML5 document", problem)
            continue
        json_resp = ctx.get(url, accept=JSON_ACCEPT)
        doc: Any = json_or_none(json_resp) if json_resp.status_code == 200 else None
        links = [lk["href"] for lk in links_of(doc) if isinstance(lk.get("href"), str)] if isinstance(doc, Mapping) else []
        if not links:
            continue
        if not ctx.expect(bool(parser.hrefs), resp, f"the {len(links)} links of the {label} rendered as <a> elements",
                          "no <a> element with an href"):
            continue
        shown = {_norm(urljoin(str(resp.url), h)) for h in parser.hrefs}
        missing = [h for h in links if _norm(urljoin(str(json_resp.url), h)) not in shown]
        if missing:
            ctx.warn(resp, f"every link of the {label} as an <a> element",
                     f"{len(missing)} of {len(links)} without one, e.g. {missing[0]}")
