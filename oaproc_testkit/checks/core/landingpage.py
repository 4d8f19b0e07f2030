"""Landing page: abstract tests /conf/core/landingpage-op and /conf/core/landingpage-success."""

from __future__ import annotations

from ...discovery import find_links
from ...requirements import REL_CONFORMANCE, REL_PROCESSES
from ...runner import CheckContext
from .._registry import check
from ._op import expect_operation


@check("/conf/core/landingpage-op")
def landingpage_op(ctx: CheckContext) -> None:
    """GET / is supported: it succeeds with a JSON landing page (/req/core/landingpage-op)."""
    expect_operation(ctx, ctx.get(ctx.settings.server_url), "GET /")


@check("/conf/core/landingpage-success")
def landingpage_success(ctx: CheckContext) -> None:
    """GET / gives 200 and a landingPage.yaml body with links to the API definition, conformance and processes."""
    resp = ctx.get(ctx.settings.server_url)
    ctx.require_status(resp, 200)
    doc = ctx.require_json(resp)
    ctx.expect_schema(doc, "landingPage", resp)
    api = find_links(doc, "service-desc", "service-doc")
    ctx.expect(bool(api), resp, "a link with rel service-desc or service-doc", "none")
    # The requirement names the full URIs. The short forms are what the pre-fix ATS asked for (digest §6.19)
    # and what OGC API - Common lets a landing page use; accepting them is a leniency, reported as a warning.
    for full, short in ((REL_CONFORMANCE, "conformance"), (REL_PROCESSES, "processes")):
        if find_links(doc, full):
            continue
        if find_links(doc, short):
            ctx.warn(resp, f"a link with rel {full}", f"only the short rel '{short}'")
        else:
            ctx.fail(resp, f"a link with rel {full}", _rels(doc))


def _rels(doc: object) -> str:
    from ...discovery import links_of

    rels = sorted({str(lk.get("rel")) for lk in links_of(doc)})
    return "rels " + ", ".join(rels) if rels else "no links"
