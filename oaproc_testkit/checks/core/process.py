"""Process list and process description: Annex A tests 8-15.

- 8/10 ``process-list``/``process-list-success``: GET /processes is supported, 200, processList.yaml.
- 9 ``pl-limit-definition``: the API definition (when it is OpenAPI) declares an optional integer
  query parameter ``limit`` on /processes with a minimum of at least 1 ($refs followed within the
  server's origin; the standard's parameter file recognised by name). Without a readable OpenAPI
  definition: a skip (cannot tell), or a failure when the server refuses ``limit=1``.
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
from dataclasses import dataclass
from typing import Any

from ...discovery import Unavailable, find_links
from ...documents import Unresolved
from ...errors import RequestFailed
from ...requirements import CONF, NO_SUCH_PROCESS
from ...runner import CheckContext, media_type
from .._registry import check
from ._op import expect_operation

MAX_DESCRIPTIONS = 10  # descriptions fetched by tests 13/14


def _supported(ctx: CheckContext, resp: Any, what: str) -> bool:
    return expect_operation(ctx, resp, what) is not None


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
STANDARD_LIMIT_FILES = ("limit", "limitprocesses")  # the standard's parameter files for limit (never fetched)


@dataclass
class LimitDecl:
    """``limit`` on GET /processes as the API definition declares it."""

    where: str  # the path template, or what is missing ("no /processes path")
    param: Mapping[str, Any] | None = None
    schema: Any = None  # with its $refs followed
    standard_ref: str = ""  # declared by a $ref to the standard's own parameter file
    cannot_tell: str = ""  # why the declaration could not be read


def _processes_path(paths: Mapping[str, Any]) -> tuple[str, Any] | None:
    for key, item in paths.items():
        if isinstance(key, str) and key.rstrip("/").endswith("/processes") and "{" not in key:
            return key, item
    return None


def limit_parameter(ctx: CheckContext) -> LimitDecl | None:
    """``limit`` on GET /processes of the OpenAPI definition (None without one), $refs followed."""

    def load() -> LimitDecl | None:
        try:
            _, api = ctx.snap.api_definition
            res = ctx.snap.api_resolver
        except (Unavailable, RequestFailed):
            return None
        if not (isinstance(api, Mapping) and isinstance(api.get("openapi"), str)):
            return None
        paths = api.get("paths")
        if not isinstance(paths, Mapping):
            return LimitDecl("no paths")
        found = _processes_path(paths)
        if found is None:
            return LimitDecl("no /processes path")
        key, raw_item = found
        item, at = res.resolve(raw_item)
        if isinstance(item, Unresolved):
            return LimitDecl(key, cannot_tell=f"the path item {key} is a $ref that could not be followed: "
                                              f"{item.ref} ({item.reason})")
        op, oat = res.resolve(item.get("get") if isinstance(item, Mapping) else None, at)
        if not isinstance(op, Mapping):
            return LimitDecl(f"{key} without a GET operation")
        entries = [(p, at) for p in _list(item.get("parameters"))] + [(p, oat) for p in _list(op.get("parameters"))]
        unfollowed = []
        for entry, base in entries:
            p, pat = res.resolve(entry, base)
            if isinstance(p, Unresolved):
                if p.stem in STANDARD_LIMIT_FILES:
                    return LimitDecl(key, standard_ref=p.ref)
                unfollowed.append(f"{p.ref} ({p.reason})")
                continue
            if isinstance(p, Mapping) and p.get("name") == "limit" and p.get("in") == "query":
                schema = res.inline(p.get("schema"), pat)
                if isinstance(schema, Unresolved):
                    return LimitDecl(key, p, cannot_tell=f"the schema of 'limit' could not be followed: "
                                                         f"{schema.ref} ({schema.reason})")
                return LimitDecl(key, p, schema)
        if unfollowed:
            return LimitDecl(key, cannot_tell=f"'limit' is not among the readable parameters of GET {key}; "
                                              f"{len(unfollowed)} $ref(s) could not be followed ({unfollowed[0]})")
        return LimitDecl(key)

    return ctx.session.shared(("processes-limit",), load)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def declared_limit_maximum(ctx: CheckContext) -> int | None:
    decl = limit_parameter(ctx)
    maximum = decl.schema.get("maximum") if decl is not None and isinstance(decl.schema, Mapping) else None
    return int(maximum) if isinstance(maximum, (int, float)) and not isinstance(maximum, bool) else None


@check("/conf/core/pl-limit-definition")
def pl_limit_definition(ctx: CheckContext) -> None:
    """/processes takes an optional integer ``limit`` >= 1 (/req/core/pl-limit-definition).

    Without a readable OpenAPI definition the verdict is "cannot tell" (skip), unless the server
    refuses ``limit=1``: a definition test that read no definition did not check its requirement."""
    decl = limit_parameter(ctx)
    api_url = ""
    if decl is not None:
        api_url = ctx.snap.api_definition[0]
    gap = ""
    if decl is None:
        try:
            ctx.snap.api_definition
            gap = "the API definition is not an OpenAPI document"
        except Unavailable as exc:
            gap = f"no API definition could be read ({exc.finding.headline})"
        except RequestFailed as exc:
            gap = f"no API definition could be read ({exc.reason})"
    elif decl.cannot_tell:
        gap = decl.cannot_tell
    elif decl.standard_ref:
        ctx.note(f"limit is declared by reference to the standard's parameter file {decl.standard_ref}")
    elif ctx.expect(decl.param is not None, None, "a query parameter 'limit' on GET /processes in the API definition",
                    decl.where if decl.where.startswith("no ") or " without " in decl.where
                    else f"{decl.where} without it", method="GET", url=api_url):
        assert decl.param is not None
        schema = decl.schema
        ctx.expect(decl.param.get("required") is not True, None, "'limit' to be optional", "required: true",
                   method="GET", url=api_url)
        if ctx.expect(isinstance(schema, Mapping) and schema.get("type") == "integer", None,
                      "'limit' of type integer", f"schema {schema!r}"[:120], method="GET", url=api_url):
            minimum = schema.get("minimum")
            ctx.expect(minimum is None or (isinstance(minimum, (int, float)) and minimum >= 1), None,
                       "a minimum of at least 1 for 'limit'", f"minimum {minimum!r}", method="GET", url=api_url)
    if gap:
        resp = ctx.get(ctx.url("/processes"), params={"limit": 1})
        ctx.expect_status(resp, 200)
        if not ctx.failed:
            ctx.skip(f"{gap}: the declaration of 'limit' was not checked; the server did accept limit=1")


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
