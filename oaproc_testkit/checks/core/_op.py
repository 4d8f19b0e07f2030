"""The one judgement of the ``-op`` tests (landingpage-op, api-definition-op, conformance-op, process-list,
process, job-op): the operation succeeded.

"Supported" is read as "the operation worked": a 2xx status, the media type the operation promises and a
body that parses as it. A 400 (or any 4xx/5xx) is not a supported operation; a server that answers every
path 400 (a WPS endpoint) fails each ``-op`` test instead of passing it.
"""

from __future__ import annotations

from typing import Any

import httpx

from ...discovery import definition_document
from ...runner import JSON_TYPES, CheckContext, media_type
from ._workbench import hint


def _hint(resp: httpx.Response) -> str:
    """What the refusal said, in a few words: an exception's detail/title, else the kind of body. The body
    itself is not quoted: a server's error page may hold anything, its own tracebacks included."""
    said = hint(resp)
    if said or not resp.content:
        return said
    return f" ({resp.headers.get('content-type', 'no Content-Type')} body of {len(resp.content)} bytes)"


def expect_operation(ctx: CheckContext, resp: httpx.Response, what: str, *, body: str = "json") -> Any:
    """Record a failure unless ``resp`` is a 2xx with a parseable body of the promised kind.

    ``body``: ``"json"`` (a JSON document), ``"definition"`` (JSON or YAML API definition), ``"any"`` (a
    non-empty body of any media type). Returns the parsed document (or the text for ``"any"``), else None."""
    code = resp.status_code
    if not ctx.expect(200 <= code < 300, resp, f"{what} to succeed (a 2xx status)", f"status {code}{_hint(resp)}"):
        return None
    ctype = media_type(resp)
    if body == "json":
        if not ctx.expect(ctype in JSON_TYPES or ctype.endswith("+json"), resp,
                          f"{what}: a JSON body (application/json)",
                          f"Content-Type {resp.headers.get('content-type', 'none')}"):
            return None
        try:
            return resp.json()
        except ValueError as exc:
            ctx.fail(resp, f"{what}: valid JSON", f"invalid JSON ({str(exc).splitlines()[0][:80]})")
            return None
    if body == "definition":
        doc = definition_document(resp)
        ctx.expect(doc is not None, resp, f"{what}: an API definition (JSON or YAML document)",
                   f"a {ctype or 'untyped'} body that parses as neither")
        return doc
    ctx.expect(bool(resp.content.strip()), resp, f"{what}: a document", "an empty body")
    return resp.text
