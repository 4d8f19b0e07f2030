"""OGC Process Description: Annex A tests 48-54.

Every process description the server lists (up to the settings' cap) is fetched once (cached by the
session's snapshot) and validated: the whole document against ``process.yaml`` (48), each entry of
``inputs``/``outputs`` against ``inputDescription.yaml``/``outputDescription.yaml`` with its map key
as identifier (49, 52), each ``schema`` against ``schema.yaml`` (50, 53) and, for multi-type inputs
and outputs, every ``oneOf`` branch against ``schema.yaml`` (51, 54). A test whose feature no process
has (no ``oneOf`` input, say) is skipped naming what was missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import schemas
from ..discovery import Unavailable
from ..errors import RequestFailed
from ..runner import CheckContext
from ._registry import check


def _descriptions(ctx: CheckContext) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(process ID, URL, description) of every selected process; a missing one is a failure."""
    ids = ctx.snap.process_ids
    if not ids:
        ctx.skip("the server lists no process")
    for pid in ids:
        url = ctx.url(f"/processes/{pid}")
        try:
            doc = ctx.snap.description(pid)
        except (Unavailable, RequestFailed) as exc:
            got = exc.finding.got if isinstance(exc, Unavailable) else exc.reason
            ctx.fail(None, f"the description of process {pid!r} (200 JSON)", got, method="GET", url=url)
            continue
        yield pid, url, doc


def _validate(ctx: CheckContext, doc: Any, name: str, url: str, where: str) -> bool:
    errors = schemas.validate(doc, name, pedantic=ctx.settings.schema_pedantic)
    if errors:
        ctx.fail(None, f"{where} valid against {name}.yaml", errors[0], detail="\n".join(errors[1:]),
                 method="GET", url=url)
    return not errors


def _entries(ctx: CheckContext, doc: Mapping[str, Any], member: str, url: str, pid: str) -> list[tuple[str, Any]]:
    """The (key, description) pairs of ``inputs``/``outputs``; anything but a map is a failure."""
    value = doc.get(member)
    if value is None:
        return []
    if not isinstance(value, Mapping):
        ctx.fail(None, f"{member} of {pid!r} as a map keyed by identifier", f"a JSON {type(value).__name__}",
                 method="GET", url=url)
        return []
    return list(value.items())


@check("/conf/ogc-process-description/json-encoding")
def json_encoding(ctx: CheckContext) -> None:
    """Each JSON process description validates against process.yaml (/req/ogc-process-description/json-encoding)."""
    for pid, url, doc in _descriptions(ctx):
        _validate(ctx, doc, "process", url, f"the description of {pid!r}")


def _defs(ctx: CheckContext, member: str, schema_name: str) -> None:
    for pid, url, doc in _descriptions(ctx):
        for key, entry in _entries(ctx, doc, member, url, pid):
            where = f"{member}[{key!r}] of {pid!r}"
            _validate(ctx, entry, schema_name, url, where)
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str) and entry["id"] != key:
                ctx.fail(None, f"the key of {where} to be its identifier", f"an entry with id {entry['id']!r}",
                         method="GET", url=url)


def _schema_defs(ctx: CheckContext, member: str) -> None:
    for pid, url, doc in _descriptions(ctx):
        for key, entry in _entries(ctx, doc, member, url, pid):
            where = f"the schema of {member}[{key!r}] of {pid!r}"
            schema = entry.get("schema") if isinstance(entry, Mapping) else None
            if not ctx.expect(schema is not None, None, f"{member}[{key!r}] of {pid!r} to declare a schema", "none",
                              method="GET", url=url):
                continue
            _validate(ctx, schema, "schema", url, where)


def _mixed(ctx: CheckContext, member: str, what: str) -> None:
    found = 0
    for pid, url, doc in _descriptions(ctx):
        for key, entry in _entries(ctx, doc, member, url, pid):
            schema = entry.get("schema") if isinstance(entry, Mapping) else None
            branches = schema.get("oneOf") if isinstance(schema, Mapping) else None
            if branches is None:
                continue
            found += 1
            if not ctx.expect(isinstance(branches, list) and len(branches) > 0, None,
                              f"oneOf of {member}[{key!r}] of {pid!r} as a non-empty array", repr(branches)[:80],
                              method="GET", url=url):
                continue
            for i, branch in enumerate(branches):
                _validate(ctx, branch, "schema", url, f"oneOf[{i}] of {member}[{key!r}] of {pid!r}")
    if not found and not ctx.findings:
        ctx.skip(f"no process declares {what} (a schema with oneOf)")


@check("/conf/ogc-process-description/inputs-def")
def inputs_def(ctx: CheckContext) -> None:
    """Each input description validates against inputDescription.yaml, keyed by its identifier
    (/req/ogc-process-description/inputs-def)."""
    _defs(ctx, "inputs", "inputDescription")


@check("/conf/ogc-process-description/input-def")
def input_def(ctx: CheckContext) -> None:
    """Each input declares a schema valid against schema.yaml (/req/ogc-process-description/input-def)."""
    _schema_defs(ctx, "inputs")


@check("/conf/ogc-process-description/input-mixed-type")
def input_mixed_type(ctx: CheckContext) -> None:
    """Every oneOf branch of a multi-type input validates against schema.yaml
    (/req/ogc-process-description/input-mixed-type)."""
    _mixed(ctx, "inputs", "a multi-type input")


@check("/conf/ogc-process-description/outputs-def")
def outputs_def(ctx: CheckContext) -> None:
    """Each output description validates against outputDescription.yaml, keyed by its identifier
    (/req/ogc-process-description/outputs-def)."""
    _defs(ctx, "outputs", "outputDescription")


@check("/conf/ogc-process-description/output-def")
def output_def(ctx: CheckContext) -> None:
    """Each output declares a schema valid against schema.yaml (/req/ogc-process-description/output-def)."""
    _schema_defs(ctx, "outputs")


@check("/conf/ogc-process-description/output-mixed-type")
def output_mixed_type(ctx: CheckContext) -> None:
    """Every oneOf branch of a multi-type output validates against schema.yaml
    (/req/ogc-process-description/output-mixed-type)."""
    _mixed(ctx, "outputs", "a multi-type output")
