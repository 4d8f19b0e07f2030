"""OpenAPI 3.0: Annex A tests 58-63.

- 60 ``oas-definition-1``: ``service-desc`` gives the document as
  ``application/vnd.oai.openapi+json;version=3.0``; ``service-doc`` gives ``text/html``.
- 61 ``oas-definition-2``: the document is valid OpenAPI 3.0 (openapi-spec-validator). External
  ``$ref``s are not fetched for it: their targets count as opaque. A document whose local references
  fan out beyond ``documents.MAX_EXPANDED`` nodes is not validated (skip, naming the fan-out).
- 62 ``oas-impl``: every GET path of the document, with ``{processID}``/``{jobID}`` filled from this
  run, answers (no 404/405/501/5xx); and every answer the run gets (those GETs, the executions of
  58/59, the dismiss DELETE when dismiss is declared) has a media type its operation declares for
  that status and a JSON body valid against the declared schema ($refs followed through the bounded
  same-origin resolver; what cannot be read or interpreted is noted, not judged).
- 58 ``completeness`` / 59 ``exceptions-codes``: requests with known outcomes (the resources, an
  execution, unknown process and job IDs) are sent; every status they get must be listed by the
  matching operation (the exact code, its ``NXX`` range or ``default``). 58 judges every status,
  59 the error statuses. Requests whose path the document does not describe are noted, not judged.
- 63 ``security``: when the server turns away a request made without the ``--header`` values (401 or
  403), the document declares security schemes and applies them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..discovery import Unavailable, find_links
from ..documents import MAX_EXPANDED, RefResolver, Unresolved, expanded_size
from .._oas_values import PatternTooCostly, compiled_pattern
from ..errors import RequestFailed
from ..runner import CheckContext, media_type
from . import _jobs_fixture as fx
from ._registry import check
from .encodings import job_url

OAS_TYPE = "application/vnd.oai.openapi+json"
OAS_ACCEPT = f"{OAS_TYPE};version=3.0"
MAX_PATHS = 40
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _api(ctx: CheckContext) -> tuple[str, Mapping[str, Any]]:
    url, doc = ctx.snap.api_definition
    if _landing_link(ctx, "service-desc") is None:
        # The core definition tests may read a document linked under another relation; this class is about
        # the OpenAPI 3.0 document behind service-desc, so without that link there is nothing to exercise.
        ctx.fail(None, "an OpenAPI 3.0 document behind a service-desc link of the landing page",
                 "no service-desc link (an API definition is linked under another relation)", method="GET",
                 url=ctx.snap.landing[0].request.url.__str__())
        ctx.abort()
    version = doc.get("openapi") if isinstance(doc, Mapping) else None
    if not (isinstance(version, str) and version.startswith("3.")):
        ctx.fail(None, "an OpenAPI 3.0 document behind service-desc", f"openapi {version!r}", method="GET", url=url)
        ctx.abort()
    return url, doc


# -- 60, 61 ------------------------------------------------------------------------------------------
def _landing_link(ctx: CheckContext, rel: str) -> str | None:
    resp, doc = ctx.snap.landing
    links = [lk for lk in find_links(doc, rel) if isinstance(lk.get("href"), str)]
    return ctx.http.resolve(str(resp.request.url), links[0]["href"]) if links else None


@check("/conf/oas30/oas-definition-1")
def oas_definition_1(ctx: CheckContext) -> None:
    """The OpenAPI document as application/vnd.oai.openapi+json;version=3.0 (service-desc) and as HTML
    (service-doc) (/req/oas30/oas-definition-1)."""
    landing = ctx.snap.landing[0]
    desc = _landing_link(ctx, "service-desc")
    if ctx.expect(desc is not None, landing, "a service-desc link", "none"):
        assert desc is not None
        resp = ctx.get(desc, accept=OAS_ACCEPT)
        if ctx.expect_status(resp, 200):
            ctx.expect(media_type(resp) == OAS_TYPE, resp, f"Content-Type {OAS_ACCEPT}",
                       f"Content-Type {resp.headers.get('content-type', 'none')}")
    doc_link = _landing_link(ctx, "service-doc")
    if ctx.expect(doc_link is not None, landing, "a service-doc link (the HTML rendering)", "none"):
        assert doc_link is not None
        resp = ctx.get(doc_link, accept="text/html")
        if ctx.expect_status(resp, 200):
            ctx.expect(media_type(resp) == "text/html", resp, "Content-Type text/html",
                       f"Content-Type {resp.headers.get('content-type', 'none')}")


def without_external_refs(node: Any, parent: str = "") -> tuple[Any, int]:
    """A copy of an OpenAPI document whose external ``$ref``s are replaced by opaque stand-ins that fit
    their place (parameter, response, request body or schema), and how many were replaced. Nothing is
    fetched: the toolkit sends no traffic beyond the server under test."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            note = f"external reference {ref} (not fetched)"
            stand_in: dict[str, Any] = {
                "parameters": {"name": "external", "in": "query", "description": note, "schema": {}},
                "requestBody": {"description": note, "content": {}},
            }.get(parent, {"description": note})
            return stand_in, 1
        count, out = 0, {}
        for k, v in node.items():
            # the member name is the context of its value; the entries of a responses map are responses
            out[k], n = without_external_refs(v, "response" if parent == "responses" else str(k))
            count += n
        return out, count
    if isinstance(node, list):
        count, items = 0, []
        for v in node:
            item, n = without_external_refs(v, parent)
            items.append(item)
            count += n
        return items, count
    return node, 0


class TooCostly(Exception):
    """A document the validator would expand beyond the bounds of ``documents``."""


def oas_errors(doc: Mapping[str, Any], limit: int = 5) -> list[str]:
    """Up to ``limit`` OpenAPI 3.0 validation errors ("at path: message"), without network access.

    TooCostly when the document's local references fan out beyond ``documents.MAX_EXPANDED`` nodes
    (the validator follows references by path: ten levels of ten refs is 10^9 visits)."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    local, _ = without_external_refs(doc)
    size = expanded_size(local)
    if size > MAX_EXPANDED:
        raise TooCostly(f"the document stands for more than {MAX_EXPANDED} nodes once its local $refs are followed "
                        "(a fan-out of references): too costly to validate")
    out: list[str] = []
    for err in OpenAPIV30SpecValidator(local).iter_errors():
        where = "/".join(str(p) for p in getattr(err, "path", ()) or ())
        out.append(f"at {where or '$'}: {str(getattr(err, 'message', err)).splitlines()[0][:160]}")
        if len(out) >= limit:
            break
    return out


@check("/conf/oas30/oas-definition-2")
def oas_definition_2(ctx: CheckContext) -> None:
    """The JSON API definition is a valid OpenAPI 3.0 document (/req/oas30/oas-definition-2)."""
    url, doc = _api(ctx)
    version = str(doc.get("openapi"))
    ctx.expect(version.startswith("3.0"), None, "an OpenAPI 3.0.x document", f"openapi {version}",
               method="GET", url=url)
    if version.startswith("3.0"):
        _, external = without_external_refs(doc)
        if external:
            ctx.note(f"{external} external $ref(s) not fetched; their targets were not validated")
        try:
            errors = oas_errors(doc)
        except TooCostly as exc:
            ctx.skip(str(exc))
        ctx.expect(not errors, None, "a document valid against the OpenAPI 3.0 schema",
                   errors[0] if errors else "", detail="\n".join(errors[1:]), method="GET", url=url)


# -- matching requests to operations ---------------------------------------------------------------
def _base_path(ctx: CheckContext, doc: Mapping[str, Any]) -> str:
    """The path prefix of the API: the first ``servers`` URL's path, else the server URL's path."""
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], Mapping):
        path = urlsplit(str(servers[0].get("url", ""))).path
        if path and "{" not in path:
            return path.rstrip("/")
    return urlsplit(ctx.settings.root).path.rstrip("/")


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "/?$")


def operation_for(doc: Mapping[str, Any], base: str, method: str, url: str,
                  resolver: RefResolver | None = None) -> tuple[str, Mapping[str, Any]] | None:
    """(path template, operation) of the document that describes ``method url``; literal paths first.
    Path items that are ``$ref``s are followed through ``resolver`` (unfollowable ones describe nothing)."""
    found = _operation_at(doc, base, method, url, resolver)
    return (found[0], found[1]) if found else None


def _operation_at(doc: Mapping[str, Any], base: str, method: str, url: str,
                  resolver: RefResolver | None) -> tuple[str, Mapping[str, Any], str] | None:
    paths = doc.get("paths") if isinstance(doc.get("paths"), Mapping) else {}
    path = urlsplit(url).path
    if base and path.startswith(base):
        path = path[len(base):] or "/"
    ordered = sorted(paths, key=lambda t: ("{" in str(t), -len(str(t))))
    for template in ordered:
        template = str(template)
        if not (template == path or template.rstrip("/") == path.rstrip("/") or _template_regex(template).match(path)):
            continue
        item, at = (resolver.resolve(paths[template]) if resolver else (paths[template], ""))
        if isinstance(item, Mapping) and isinstance(item.get(method.lower()), Mapping):
            return template, item[method.lower()], at
    return None


def covers(responses: Any, status: int) -> bool:
    if not isinstance(responses, Mapping):
        return False
    keys = {str(k).upper() for k in responses}
    return str(status) in keys or f"{str(status)[0]}XX" in keys or "DEFAULT" in keys


def _exercise(ctx: CheckContext) -> list[httpx.Response]:
    """Requests with known outcomes, sent once per run and shared by tests 58 and 59."""

    def send() -> list[httpx.Response]:
        unknown = f"oaproc-testkit-unknown-{uuid.uuid4().hex[:10]}"
        out: list[httpx.Response] = []
        targets: list[tuple[str, str, Any]] = [
            ("GET", ctx.settings.server_url, None), ("GET", ctx.url("/conformance"), None),
            ("GET", ctx.url("/processes"), None), ("GET", ctx.url(f"/processes/{unknown}"), None),
            ("POST", ctx.url(f"/processes/{unknown}/execution"), {"inputs": {}}),
            ("GET", ctx.url(f"/jobs/{unknown}"), None), ("GET", ctx.url(f"/jobs/{unknown}/results"), None),
        ]
        try:
            ids = ctx.snap.process_ids
        except (Unavailable, RequestFailed):
            ids = []
        if ids:
            targets.append(("GET", ctx.url(f"/processes/{ids[0]}"), None))
        plans = fx.plan_processes(ctx.session)
        if plans.short:
            plan = plans.short[0]
            targets.append(("POST", ctx.url(f"/processes/{plan.process_id}/execution"), plan.body))
        for method, url, body in targets:
            try:
                out.append(ctx.request(method, url, json=body) if body is not None else ctx.request(method, url))
            except RequestFailed as exc:
                ctx.note(f"{method} {exc.url}: {exc.reason}")
        return out

    return ctx.session.shared("oas30:exercise", send)


def _judge_statuses(ctx: CheckContext, *, errors_only: bool) -> None:
    url, doc = _api(ctx)
    base = _base_path(ctx, doc)
    judged = 0
    for resp in _exercise(ctx):
        status = resp.status_code
        if errors_only and status < 400:
            continue
        method, target = resp.request.method, str(resp.request.url)
        found = operation_for(doc, base, method, target, _resolver(ctx))
        if found is None:
            ctx.note(f"{method} {ctx.http.redact(target)} ({status}): no operation of the API definition describes it")
            continue
        template, op = found
        judged += 1
        ctx.expect(covers(op.get("responses"), status), resp,
                   f"{method} {template} in the API definition to list status {status} (or {str(status)[0]}XX/default)",
                   f"responses {', '.join(sorted(map(str, (op.get('responses') or {}))))}")
    if not judged:
        ctx.skip("none of the exercised requests matches an operation of the API definition"
                 + (" with an error status" if errors_only else ""))


@check("/conf/oas30/completeness")
def completeness(ctx: CheckContext) -> None:
    """Every status code the server answers is listed by its operation (/req/oas30/completeness)."""
    _judge_statuses(ctx, errors_only=False)


@check("/conf/oas30/exceptions-codes")
def exceptions_codes(ctx: CheckContext) -> None:
    """Every error status code the server answers is listed by its operation (/req/oas30/exceptions-codes)."""
    _judge_statuses(ctx, errors_only=True)


# -- 62 ----------------------------------------------------------------------------------------------
@check("/conf/oas30/oas-impl")
def oas_impl(ctx: CheckContext) -> None:
    """Every GET path the API definition declares is implemented, and the answers to the operations the
    toolkit performs (GETs, executions, DELETE where dismiss is offered) have a media type and a body that
    the definition declares for their status (/req/oas30/oas-impl)."""
    _, doc = _api(ctx)
    base = _base_path(ctx, doc)
    res = _resolver(ctx)
    paths = doc.get("paths") if isinstance(doc.get("paths"), Mapping) else {}
    try:
        ids = ctx.snap.process_ids
    except (Unavailable, RequestFailed):
        ids = []
    tried = 0
    answers: list[httpx.Response] = []
    for template, raw_item in list(paths.items())[:MAX_PATHS]:
        item, _at = res.resolve(raw_item)
        if isinstance(item, Unresolved):
            ctx.note(f"path {template}: its $ref could not be followed ({item.ref}: {item.reason})")
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("get"), Mapping):
            continue
        path = _expand(ctx, str(template), ids)
        if path is None:
            ctx.note(f"GET {template}: no value for its path parameters")
            continue
        tried += 1
        resp = ctx.get(ctx.http.resolve(ctx.settings.root, base + path) if base else ctx.url(path))
        answers.append(resp)
        ctx.expect(resp.status_code not in (404, 405, 501) and resp.status_code < 500, resp,
                   f"GET {template} (declared in the API definition) to be implemented", f"status {resp.status_code}")
    if not tried:
        ctx.skip("the API definition declares no GET path the toolkit can fill in")
    answers += _exercise(ctx)
    answers += _dismiss_answer(ctx)
    compared = sum(compare_response(ctx, doc, base, res, resp) for resp in answers)
    ctx.note(f"{compared} of {len(answers)} answers compared with the media type and schema their operation declares"
             if compared else "no answer had a declared media type or schema to compare with")


def _resolver(ctx: CheckContext) -> RefResolver:
    return ctx.snap.api_resolver


def _dismiss_answer(ctx: CheckContext) -> list[httpx.Response]:
    """The run's one DELETE of a job (shared with the dismiss checks), when the server offers dismiss."""
    try:
        offered = ctx.snap.declares("dismiss")
    except (Unavailable, RequestFailed):
        offered = False
    if not offered:
        return []
    from .dismiss import _dismiss_once

    d = ctx.session.shared("dismissal", lambda: _dismiss_once(ctx.session))
    if d.response is None:
        ctx.note(f"no job was dismissed, DELETE not compared ({d.reason or (d.error.reason if d.error else '')})")
        return []
    return [d.response]


def _response_object(responses: Any, status: int) -> Any:
    if not isinstance(responses, Mapping):
        return None
    keys = {str(k).upper(): k for k in responses}
    for key in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
        if key in keys:
            return responses[keys[key]]
    return None


def declared_media(content: Mapping[str, Any], actual: str) -> str | None:
    """The key of ``content`` that ``actual`` (a bare media type) falls under: exact, ``type/*``, ``*/*``."""
    by_type = {str(k).split(";")[0].strip().lower(): str(k) for k in content}
    major = actual.split("/")[0]
    for key in (actual, f"{major}/*", "*/*"):
        if key in by_type:
            return by_type[key]
    return None


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def compare_response(ctx: CheckContext, doc: Mapping[str, Any], base: str, res: RefResolver,
                     resp: httpx.Response) -> bool:
    """Compare one answer with the response its operation declares for its status: the media type among
    the declared ``content`` keys, and a JSON body valid against the declared schema. What the definition
    does not declare, or declares in a way the toolkit cannot read, is noted, not judged. True when
    something was compared."""
    method, target = resp.request.method, str(resp.request.url)
    found = _operation_at(doc, base, method, target, res)
    if found is None:
        return False
    template, op, at = found
    declared, rat = res.resolve(_response_object(op.get("responses"), resp.status_code), at)
    if isinstance(declared, Unresolved):
        ctx.note(f"{method} {template} {resp.status_code}: the declared response is a $ref that could not be "
                 f"followed ({declared.ref}: {declared.reason}); not compared")
        return False
    content = declared.get("content") if isinstance(declared, Mapping) else None
    if not isinstance(content, Mapping) or not content or not resp.content or method == "HEAD":
        return False
    actual = media_type(resp)
    key = declared_media(content, actual) if actual else None
    what = f"{method} {template} answering {resp.status_code}"
    if not ctx.expect(key is not None, resp, f"{what} with a media type its definition declares "
                      f"({', '.join(sorted(map(str, content)))})", f"Content-Type {actual or 'none'}"):
        return True
    assert key is not None
    media = content[key]
    schema_node = media.get("schema") if isinstance(media, Mapping) else None
    if schema_node is None or not _is_json(actual):
        return True
    schema = res.inline(schema_node, rat)
    if isinstance(schema, Unresolved):
        ctx.note(f"{what}: the declared schema could not be read ({schema.ref or 'schema'}: {schema.reason}); "
                 "body not compared")
        return True
    try:
        body = resp.json()
    except ValueError:
        ctx.fail(resp, f"{what} with a JSON body ({actual} is declared)", "a body that is not JSON")
        return True
    problem = schema_problem(schema, body, strict_oneof=ctx.settings.schema_pedantic)
    if problem is None:
        ctx.note(f"{what}: the declared schema uses features the toolkit cannot interpret; body not compared")
    elif problem:
        ctx.fail(resp, f"{what} with a body valid against the schema its definition declares", problem)
    return True


def schema_problem(schema: Any, body: Any, *, strict_oneof: bool = False) -> str | None:
    """'' when ``body`` is valid against the OpenAPI 3.0 ``schema`` (already inlined), else the first error;
    None when the schema cannot be interpreted (invalid, or a pattern too costly to match)."""
    from jsonschema.exceptions import SchemaError

    converted = oas_to_json_schema(schema, strict_oneof=strict_oneof)
    validator_cls = _bounded_validator()
    try:
        validator_cls.check_schema(converted)
        errors = sorted(validator_cls(converted).iter_errors(body), key=lambda e: list(e.absolute_path))
        first = errors[0] if errors else None
    except (SchemaError, PatternTooCostly, RecursionError, TypeError, ValueError):
        return None
    if first is None:
        return ""
    where = "/".join(str(p) for p in first.absolute_path) or "$"
    return f"at {where}: {str(first.message)[:160]}"


def oas_to_json_schema(node: Any, *, strict_oneof: bool = False) -> Any:
    """An OpenAPI 3.0 schema object as draft-4 JSON Schema: ``nullable: true`` allows null, ``format`` is
    dropped (an annotation servers read differently), ``oneOf`` reads as ``anyOf`` unless ``strict_oneof``
    (the lenient reading of the digest); the other OpenAPI keywords (discriminator, readOnly, example,
    xml, ...) are annotations draft 4 ignores."""
    if not isinstance(node, Mapping):
        return node

    def sub(v: Any) -> Any:
        return oas_to_json_schema(v, strict_oneof=strict_oneof)

    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in ("nullable", "format"):
            continue
        if k in ("properties", "patternProperties", "definitions") and isinstance(v, Mapping):
            out[k] = {name: sub(s) for name, s in v.items()}
        elif k in ("items", "additionalProperties", "not", "additionalItems"):
            out[k] = [sub(x) for x in v] if isinstance(v, list) else sub(v)
        elif k in ("allOf", "anyOf", "oneOf") and isinstance(v, list):
            out["anyOf" if k == "oneOf" and not strict_oneof and "anyOf" not in node else k] = [sub(x) for x in v]
        else:
            out[k] = v
    if node.get("nullable") is True:
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


_BOUNDED: list[Any] = []


def _bounded_validator() -> Any:
    """Draft 4 whose ``pattern`` and ``patternProperties`` match with the time budget of ``_oas_values``."""
    if _BOUNDED:
        return _BOUNDED[0]
    from jsonschema import Draft4Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator: Any, patrn: Any, instance: Any, schema: Any) -> Any:
        if validator.is_type(instance, "string") and isinstance(patrn, str):
            rx = compiled_pattern(patrn)
            if rx is not None and not rx.search(instance):
                yield ValidationError(f"{instance[:60]!r} does not match {patrn!r}")

    def pattern_properties(validator: Any, props: Any, instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "object") or not isinstance(props, Mapping):
            return
        for patrn, sub in props.items():
            rx = compiled_pattern(str(patrn))
            for k, v in instance.items():
                if rx is not None and rx.search(k):
                    yield from validator.descend(v, sub, path=k, schema_path=patrn)

    cls = validators.extend(Draft4Validator, {"pattern": pattern, "patternProperties": pattern_properties})
    _BOUNDED.append(cls)
    return cls


def _expand(ctx: CheckContext, template: str, ids: list[str]) -> str | None:
    out = template
    for name in re.findall(r"\{([^}/]+)\}", template):
        low = name.lower()
        if low in ("processid", "process-id", "process_id", "id") and ids:
            value = ids[0]
        elif low in ("jobid", "job-id", "job_id"):
            job = job_url(ctx)
            if job is None:
                return None
            value = job.rstrip("/").rsplit("/", 1)[-1]
        else:
            return None
        out = out.replace("{" + name + "}", value)
    return out


# -- 63 ----------------------------------------------------------------------------------------------
@check("/conf/oas30/security")
def security(ctx: CheckContext) -> None:
    """Access control in use is declared as security schemes and requirements (/req/oas30/security)."""
    url, doc = _api(ctx)
    guarded = []
    for target in (ctx.settings.server_url, ctx.url("/processes")):
        resp = ctx.http.request("GET", target, anonymous=True)
        if resp.status_code in (401, 403):
            guarded.append(resp)
    if not guarded:
        ctx.note("requests without the --header values were answered: no access control to declare")
        return
    components = doc.get("components") if isinstance(doc.get("components"), Mapping) else {}
    schemes = components.get("securitySchemes")
    resp = guarded[0]
    ctx.expect(isinstance(schemes, Mapping) and bool(schemes), resp,
               "security schemes in components.securitySchemes (the server requires authentication)",
               f"status {resp.status_code} without credentials and no security scheme declared")
    applied = bool(doc.get("security")) or any(
        isinstance(item, Mapping) and any(isinstance(op, Mapping) and op.get("security") for m, op in item.items()
                                          if m in METHODS)
        for item in (doc.get("paths") or {}).values())
    ctx.expect(applied, resp, "security requirements applied to the API or its operations", "none",
               method="GET", url=url)
