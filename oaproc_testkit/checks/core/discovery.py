"""API definition, conformance declaration and HTTP: Annex A tests 3-7.

- 3/4 ``api-definition-op/-success``: every ``service-desc``/``service-doc`` link of the landing
  page answers GET with 200 and an API definition. 1.0 mandates no format; a ``service-desc``
  that claims OpenAPI (JSON or YAML) must parse as one (``openapi`` member present).
- 5/6 ``conformance-op/-success``: ``{root}/conformance`` and every conformance link of the landing
  page answer 200 with a ``confClasses.yaml`` body that lists the core class.
- 7 ``http``: the answers were HTTP/1.1 (what httpx saw), and an https server URL means TLS.
"""

from __future__ import annotations

from collections.abc import Mapping


from ...discovery import find_links, read_definition
from ...errors import RequestFailed
from ...requirements import CONF, REL_CONFORMANCE
from ...runner import CheckContext, media_type
from .._registry import check
from ._op import expect_operation

API_ACCEPT = "application/vnd.oai.openapi+json;version=3.0, application/json;q=0.9, application/yaml;q=0.8, */*;q=0.5"
MAX_LINKS = 6  # API definition / conformance links fetched per check


def _links(ctx: CheckContext, *rels: str) -> list[str]:
    resp, doc = ctx.snap.landing
    base = str(resp.request.url)
    out: list[str] = []
    for lk in find_links(doc, *rels):
        href = lk.get("href")
        if isinstance(href, str) and href:
            url = ctx.http.resolve(base, href)
            if url not in out:
                out.append(url)
    return out[:MAX_LINKS]


def _api_links(ctx: CheckContext) -> list[tuple[str, str]]:
    resp, doc = ctx.snap.landing
    base = str(resp.request.url)
    out: list[tuple[str, str]] = []
    for rel in ("service-desc", "service-doc"):
        for lk in find_links(doc, rel):
            href = lk.get("href")
            if isinstance(href, str) and href:
                out.append((rel, ctx.http.resolve(base, href)))
    return out[:MAX_LINKS]


@check("/conf/core/api-definition-op")
def api_definition_op(ctx: CheckContext) -> None:
    """Every API-definition URI of the landing page answers GET (/req/core/api-definition-op)."""
    links = _api_links(ctx)
    if not links:
        ctx.fail(ctx.snap.landing[0], "a service-desc or service-doc link on the landing page", "none")
        return
    for rel, url in links:
        try:
            resp = ctx.get(url, accept=API_ACCEPT if rel == "service-desc" else "text/html, */*;q=0.5")
        except RequestFailed as exc:
            ctx.fail(None, f"GET of the {rel} link to be supported", exc.reason, method="GET", url=exc.url)
            continue
        expect_operation(ctx, resp, f"GET of the {rel} link", body="definition" if rel == "service-desc" else "any")


@check("/conf/core/api-definition-success")
def api_definition_success(ctx: CheckContext) -> None:
    """The API definition answers 200 with a document (/req/core/api-definition-success).

    A ``service-desc`` must be a machine-readable definition: JSON or YAML that names its
    format (``openapi`` or ``swagger``); a ``service-doc`` must be a non-empty document."""
    links = _api_links(ctx)
    if not links:
        ctx.fail(ctx.snap.landing[0], "a service-desc or service-doc link on the landing page", "none")
        return
    for rel, url in links:
        resp = ctx.get(url, accept=API_ACCEPT if rel == "service-desc" else "text/html, */*;q=0.5")
        if not ctx.expect_status(resp, 200):
            continue
        if rel == "service-doc":
            ctx.expect(bool(resp.content.strip()), resp, "a non-empty API documentation", "an empty body")
            continue
        doc, why = read_definition(resp)
        if not ctx.expect(doc is not None, resp, "an API definition document (JSON or YAML object)",
                          f"{media_type(resp) or 'no Content-Type'} body: {why}"):
            continue
        assert doc is not None
        version = doc.get("openapi") or doc.get("swagger")
        ctx.expect(isinstance(version, str) and bool(version), resp,
                   "a machine-readable API definition naming its format (an 'openapi' member)",
                   f"members {', '.join(sorted(map(str, doc))[:6]) or 'none'}")
        if isinstance(version, str) and version.startswith("3."):
            ctx.expect(isinstance(doc.get("paths"), Mapping), resp, "an OpenAPI document with 'paths'",
                       "no paths object")


def _conformance_urls(ctx: CheckContext) -> list[str]:
    urls = [ctx.url("/conformance")]
    for url in _links(ctx, REL_CONFORMANCE, "conformance"):
        if url not in urls:
            urls.append(url)
    return urls


@check("/conf/core/conformance-op")
def conformance_op(ctx: CheckContext) -> None:
    """GET {root}/conformance and every conformance link is supported (/req/core/conformance-op)."""
    for url in _conformance_urls(ctx):
        expect_operation(ctx, ctx.get(url), "GET of the conformance declaration")


@check("/conf/core/conformance-success")
def conformance_success(ctx: CheckContext) -> None:
    """200 with a confClasses.yaml body listing the core class (/req/core/conformance-success)."""
    core = CONF + "core"
    for url in _conformance_urls(ctx):
        resp = ctx.get(url)
        if not ctx.expect_status(resp, 200):
            continue
        doc = ctx.expect_json(resp)
        if doc is None or not ctx.expect_schema(doc, "confClasses", resp):
            continue
        classes = doc.get("conformsTo", [])
        ctx.expect(core in classes, resp, f"conformsTo to list {core}",
                   f"{len(classes)} classes without it" if classes else "an empty list")


@check("/conf/core/http")
def http(ctx: CheckContext) -> None:
    """The server answers over HTTP/1.1 (or later); an https URL is served over TLS (/req/core/http).

    httpx here speaks HTTP/1.1 only, so every answer must come back as HTTP/1.1."""
    urls = [ctx.settings.server_url, ctx.url("/conformance"), ctx.url("/processes")]
    for url in urls:
        resp = ctx.get(url)
        ctx.expect(resp.http_version in ("HTTP/1.1", "HTTP/2", "HTTP/3"), resp, "an HTTP/1.1 response",
                   f"{resp.http_version or 'an unknown protocol'}")
        if url.startswith("https://"):
            ctx.expect(str(resp.url).startswith("https://"), resp, "the https URL to be answered over TLS (RFC 2818)",
                       f"answered from {resp.url}")
