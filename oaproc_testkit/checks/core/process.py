"""Process list and process description: Annex A tests 8-15.

- 8/10 ``process-list``/``process-list-success``: GET /processes is supported, 200, processList.yaml.
- 9 ``pl-limit-definition``: the API definition (when it is OpenAPI) declares an optional integer
  query parameter ``limit`` on /processes with a minimum of at least 1; without an OpenAPI
  definition the server must at least accept ``limit=1``. Default and maximum are the server's.
- 11 ``pl-links``: a ``self`` link, and an ``alternate`` link to HTML when the server declares HTML.
- 12 ``pl-limit-response``: ``limit=n`` gives at most n summaries; a declared maximum caps the page.
- 13/14 ``process``/``process-success``: GET /processes/{id} is supported and gives 200 with a
  description of that process.
- 15 ``process-exception-no-such-process``: an unknown process ID gives 404 with the
  ``no-such-process`` exception, on GET /processes/{id} and on POST .../execution.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ...discovery import Unavailable, find_links
from ...errors import RequestFailed
from ...requirements import CONF, NO_SUCH_PROCESS
from ...runner import CheckContext, media_type
from .._registry import check

MAX_DESCRIPTIONS = 10  # descriptions fetched by tests 13/14


def _supported(ctx: CheckContext, resp: Any, what: str) -> bool:
    return ctx.expect(resp.status_code not in (404, 405, 501) and resp.status_code < 500, resp,
                      f"{what} to be supported", f"status {resp.status_code}")


@check("/conf/core/process-list")
def process_list(ctx: CheckContext) -> None:
    """GET /processes is supported (/req/core/process-list)."""
    _supported(ctx, ctx.get(ctx.url("/processes")), "GET /processes")


@check("/conf/core/process-list-success")
def process_list_success(ctx: CheckContext) -> None:
    """GET /processes gives 200 and a processList.yaml body (/req/core/process-list-success)."""
    resp = ctx.get(ctx.url("/processes"))
    ctx.require_status(resp, 200)
    doc = ctx.require_json(resp)
    ctx.expect_schema(doc, "processList", resp)


# -- limit -------------------------------------------------------------------------------------------
def _resolve(doc: Mapping[str, Any], node: Any, depth: int = 0) -> Any:
    """Follow local ``$ref``s (#/components/...) of an OpenAPI document, bounded."""
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and depth < 10:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, Mapping) else None
        node, depth = target, depth + 1
    return node


def _processes_path(paths: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    for key, item in paths.items():
        if isinstance(key, str) and key.rstrip("/").endswith("/processes") and "{" not in key and isinstance(item, Mapping):
            return key, item
    return None


def limit_parameter(api: Mapping[str, Any]) -> tuple[str, Mapping[str, Any] | None]:
    """(where, parameter object or None) of ``limit`` on GET /processes in an OpenAPI document."""
    paths = api.get("paths")
    if not isinstance(paths, Mapping):
        return "no paths", None
    found = _processes_path(paths)
    if found is None:
        return "no /processes path", None
    key, item = found
    op = _resolve(api, item.get("get"))
    params = [*(item.get("parameters") or []), *((op or {}).get("parameters") or [])] if isinstance(op, Mapping) else []
    for p in params:
        p = _resolve(api, p)
        if isinstance(p, Mapping) and p.get("name") == "limit" and p.get("in") == "query":
            return key, p
    return key, None


def declared_limit_maximum(ctx: CheckContext) -> int | None:
    try:
        _, api = ctx.snap.api_definition
    except (Unavailable, RequestFailed):
        return None
    _, param = limit_parameter(api) if isinstance(api, Mapping) and "openapi" in api else ("", None)
    schema = _resolve(api, param.get("schema")) if param else None
    maximum = schema.get("maximum") if isinstance(schema, Mapping) else None
    return int(maximum) if isinstance(maximum, (int, float)) and not isinstance(maximum, bool) else None


@check("/conf/core/pl-limit-definition")
def pl_limit_definition(ctx: CheckContext) -> None:
    """/processes takes an optional integer ``limit`` >= 1 (/req/core/pl-limit-definition)."""
    api: Any = None
    try:
        api_url, api = ctx.snap.api_definition
    except (Unavailable, RequestFailed):
        api_url = ""
    if isinstance(api, Mapping) and isinstance(api.get("openapi"), str):
        where, param = limit_parameter(api)
        if not ctx.expect(param is not None, None, "a query parameter 'limit' on GET /processes in the API definition",
                          where if where.startswith("no ") else f"{where} without it", method="GET", url=api_url):
            return
        assert param is not None
        schema = _resolve(api, param.get("schema"))
        ctx.expect(param.get("required") is not True, None, "'limit' to be optional", "required: true",
                   method="GET", url=api_url)
        if not ctx.expect(isinstance(schema, Mapping) and schema.get("type") == "integer", None,
                          "'limit' of type integer", f"schema {schema!r}"[:120], method="GET", url=api_url):
            return
        minimum = schema.get("minimum")
        ctx.expect(minimum is None or (isinstance(minimum, (int, float)) and minimum >= 1), None,
                   "a minimum of at least 1 for 'limit'", f"minimum {minimum!r}", method="GET", url=api_url)
        return
    ctx.note("no OpenAPI definition: checked that the server accepts limit=1")
    resp = ctx.get(ctx.url("/processes"), params={"limit": 1})
    ctx.expect_status(resp, 200)


@check("/conf/core/pl-limit-response")
def pl_limit_response(ctx: CheckContext) -> None:
    """``limit=n`` returns at most n summaries, never more than a declared maximum (/req/core/pl-limit-response)."""
    resp = ctx.get(ctx.url("/processes"), params={"limit": 1})
    ctx.require_status(resp, 200)
    doc = ctx.require_object(resp)
    procs = doc.get("processes")
    ctx.require(isinstance(procs, list), resp, "a processes array", f"{type(procs).__name__}")
    ctx.expect(len(procs) <= 1, resp, "at most 1 process summary with limit=1", f"{len(procs)}")
    maximum = declared_limit_maximum(ctx)
    if maximum is not None and maximum < 100000:
        big = ctx.get(ctx.url("/processes"), params={"limit": maximum + 1})
        if big.status_code == 200:  # a 400 for an out-of-range limit is allowed as well
            more = (ctx.expect_json(big) or {}).get("processes", [])
            ctx.expect(isinstance(more, list) and len(more) <= maximum, big,
                       f"at most the declared maximum of {maximum} summaries", f"{len(more)}")


@check("/conf/core/pl-links")
def pl_links(ctx: CheckContext) -> None:
    """The process list links to itself (rel=self) and to its other representations (/req/core/pl-links)."""
    resp = ctx.get(ctx.url("/processes"))
    ctx.require_status(resp, 200)
    doc = ctx.require_object(resp)
    ctx.expect(bool(find_links(doc, "self")), resp, "a link with rel=self", _rels(doc))
    if ctx.snap.declares("html"):
        alts = [lk for lk in find_links(doc, "alternate") if "html" in str(lk.get("type", "")).lower()]
        ctx.expect(bool(alts), resp, f"a rel=alternate link of type text/html (the server declares {CONF}html)",
                   _rels(doc))


def _rels(doc: Any) -> str:
    links = doc.get("links") if isinstance(doc, Mapping) else None
    if not isinstance(links, list) or not links:
        return "no links"
    return "links " + ", ".join(sorted({f"{lk.get('rel')}({lk.get('type', '')})" for lk in links if isinstance(lk, Mapping)}))


# -- one process -------------------------------------------------------------------------------------
def _ids(ctx: CheckContext) -> list[str]:
    ids = ctx.snap.process_ids[:MAX_DESCRIPTIONS]
    if not ids:
        ctx.skip("the server lists no process")
    return ids


@check("/conf/core/process")
def process(ctx: CheckContext) -> None:
    """GET /processes/{processID} is supported (/req/core/process)."""
    for pid in _ids(ctx):
        _supported(ctx, ctx.get(ctx.url(f"/processes/{pid}")), f"GET /processes/{pid}")


@check("/conf/core/process-success")
def process_success(ctx: CheckContext) -> None:
    """GET /processes/{processID} gives 200 and a description of that process (/req/core/process-success)."""
    for pid in _ids(ctx):
        resp = ctx.get(ctx.url(f"/processes/{pid}"))
        if not ctx.expect_status(resp, 200):
            continue
        if not ctx.expect(bool(resp.content.strip()), resp, "a process description", "an empty body"):
            continue
        if media_type(resp).endswith("json"):
            doc = ctx.expect_json(resp)
            if doc is None:
                continue
            ok = ctx.expect(isinstance(doc, Mapping), resp, "a JSON object describing the process",
                            f"a JSON {type(doc).__name__}")
            if ok and "id" in doc:
                ctx.expect(doc["id"] == pid, resp, f"the description of {pid!r}", f"id {doc['id']!r}")


@check("/conf/core/process-exception-no-such-process")
def process_exception_no_such_process(ctx: CheckContext) -> None:
    """An unknown process ID gives 404 with type no-such-process (/req/core/process-exception/no-such-process)."""
    unknown = f"oaproc-testkit-no-such-process-{uuid.uuid4().hex[:12]}"
    ctx.expect_exception(ctx.get(ctx.url(f"/processes/{unknown}")), 404, NO_SUCH_PROCESS)
    resp = ctx.post(ctx.url(f"/processes/{unknown}/execution"), json={"inputs": {}})
    ctx.expect_exception(resp, 404, NO_SUCH_PROCESS)
