"""Is the URL we were given a landing page at all? A usage-level diagnosis before the run.

A wrong URL (an HTML site, a typo such as ``/proceses``, the ``/processes`` URL itself) would
otherwise produce dozens of failures and no explanation. This looks only at answers that
*cannot* be a landing page; anything that could be one, however odd its links, is left to the
checks (``/conf/core/landingpage-op``, ``/conf/core/landingpage-success``) to judge. A 5xx is
not diagnosed either: the server is there and failing, which is a verdict (exit 1), not a wrong URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

WHAT_A_LANDING_PAGE_HAS = ("a landing page answers 200 with a JSON object whose `links` point to the API definition, "
                           "/conformance and /processes")
# link relations only a landing page carries (OAProc 1.0, 7.2 and the OGC link relation register)
LANDING_RELS = ("conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", "service-desc", "service-doc",
                "http://www.opengis.net/def/rel/ogc/1.0/processes")
# members that make a JSON body clearly another OAProc/OpenAPI document
OTHER_DOCUMENTS = (("processes", list, "a process list"), ("jobs", list, "a job list"),
                   ("conformsTo", list, "a conformance declaration"), ("openapi", str, "an API definition"),
                   ("swagger", str, "an API definition"), ("jobID", str, "a job status"),
                   ("inputs", Mapping, "a process description"))
_HTML_REL = re.compile(r"""<(?:a|link)\b[^>]*\brel\s*=\s*["']?([^"'>]+)""", re.IGNORECASE)
_HTML_HREF = re.compile(r"""<(?:a|link)\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def diagnose_landing(resp: httpx.Response) -> str | None:
    """One line saying why ``resp`` cannot be an OAProc landing page, or None when it could be one."""
    url = str(resp.request.url)
    ctype = resp.headers.get("content-type", "") or "no Content-Type"
    got = f"GET {url} answered {resp.status_code} {ctype.split(';')[0].strip()}"
    if resp.status_code >= 500:
        return None  # the server failed to answer: a verdict on the server, which the checks give
    if not 200 <= resp.status_code < 300:  # 404 (a typo), 401/403 (credentials), 405, 3xx not followed
        return f"{got}; {WHAT_A_LANDING_PAGE_HAS}"
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = _NOT_JSON
    if doc is _NOT_JSON:
        if "html" in ctype.lower() and _html_could_be_landing(resp.text):
            return None  # an HTML landing page: the checks say what is wrong with it
        kind = "an HTML page without links to conformance or the API definition" if "html" in ctype.lower() else "a body that is not JSON"
        return f"{got}, {kind}; {WHAT_A_LANDING_PAGE_HAS}"
    if not isinstance(doc, Mapping):
        return f"{got}, a JSON {type(doc).__name__ if doc is not None else 'null'} instead of an object; {WHAT_A_LANDING_PAGE_HAS}"
    links = doc.get("links")
    has_landing_rel = isinstance(links, list) and any(
        isinstance(lk, Mapping) and lk.get("rel") in LANDING_RELS for lk in links)
    if not has_landing_rel:
        for member, kind_type, kind in OTHER_DOCUMENTS:
            if isinstance(doc.get(member), kind_type):
                return f"{got}, {kind} (member `{member}`), not a landing page; {WHAT_A_LANDING_PAGE_HAS}"
    if not isinstance(links, list):
        return f"{got}, a JSON object without `links`; {WHAT_A_LANDING_PAGE_HAS}"
    return None


_NOT_JSON = object()


def _html_could_be_landing(text: str) -> bool:
    """An HTML rendering of a landing page links to the conformance page or the API definition."""
    head = text[:500_000]
    rels = {r.strip().lower() for m in _HTML_REL.finditer(head) for r in m.group(1).split()}
    if rels & {r.lower() for r in LANDING_RELS}:
        return True
    return any(h.rstrip("/").split("?")[0].endswith("/conformance") for h in _HTML_HREF.findall(head))
