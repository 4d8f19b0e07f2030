"""Execute requests built from process descriptions: example values, OAProc encodings, invalid variants.

Deterministic (no hypothesis; the random counterparts live in ``strategies.py``). Used wherever the
toolkit must execute a process it only knows from ``GET /processes/{id}``:

- ``example_value(schema)``: one simple value the input schema accepts;
- ``encode_input(...)``: that value in the form an execute request carries it (/req/core/process-execute-inputs):
  object values as qualified ``{"value": ...}`` (req 20), bbox as ``{"bbox": [...], "crs": ...}`` (req 23),
  binary as a base64 string (req 22), an array of values for ``maxOccurs`` > 1 (req 19), ``mediaType`` for a
  multi-type input (req 21);
- ``build_execute_request(...)``: a whole ``execute.yaml`` body (/req/core/process-execute-request);
- ``invalid_variants(...)``: bodies that break the input schemas (/req/core/process-execute-input-validation);
- ``validate_value(schema, value)``: the OAS 3.0 schema-subset check those rely on.

The per-schema engines live in private modules: ``_oas_values`` (validator), ``_oas_examples`` (valid
examples), ``_oas_breakers`` (invalid examples); their public names are re-exported here.

Values here are the *decoded* input values (what the schema describes); ``encode_input`` turns them into
execute-request form. URIs the toolkit makes up point at 127.0.0.1 port 9 (discard), so a server that
dereferences one fails fast instead of reaching the network.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping
from typing import Any

from ._oas_breakers import accepted_types, invalid_examples, is_really_invalid, unambiguous_invalid
from ._oas_examples import (
    EXAMPLE_URI,
    bbox_crs_choices,
    example_value,
    inferred_types,
    integer_range,
    merge_all_of,
    number_example,
    shape_example,
)
from ._oas_values import (
    MAX_VALUE_SIZE,
    PatternTooCostly,
    ValueTooLarge,
    too_large,
    BBOX,
    FEATURE,
    FEATURE_COLLECTION,
    GEOMETRY,
    declared_types,
    is_binary_schema,
    json_type,
    media_type_of,
    schema_parts,
    shape_of,
    validate_value,
)

__all__ = [
    "EXAMPLE_URI",
    "FEATURE_TAGS",
    "accepted_types",
    "bbox_crs_choices",
    "build_execute_request",
    "decode_input",
    "encode_input",
    "encode_value",
    "example_value",
    "inferred_types",
    "input_descriptions",
    "input_features",
    "input_schema",
    "integer_range",
    "invalid_examples",
    "invalid_variants",
    "is_binary_schema",
    "is_really_invalid",
    "merge_all_of",
    "number_example",
    "occurs",
    "output_ids",
    "published_example_inputs",
    "shape_example",
    "unambiguous_invalid",
    "validate_value",
]

RESPONSES = ("raw", "document")
TRANSMISSIONS = ("value", "reference")
FEATURE_TAGS = ("array", "object", "mixed", "binary", "bbox", "literal", "complex")

_MISSING = object()


# -- reading process descriptions ---------------------------------------------------------------------
def input_descriptions(description: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Input id -> input description; accepts the 1.0 map and the older list-with-``id`` form."""
    return _described(description.get("inputs"))


def output_ids(description: Mapping[str, Any]) -> list[str]:
    """The ids of the outputs the description declares, in order."""
    return list(_described(description.get("outputs")))


def _described(raw: object) -> dict[str, Mapping[str, Any]]:
    if isinstance(raw, Mapping):
        return {str(k): v for k, v in raw.items() if isinstance(v, Mapping)}
    if isinstance(raw, list):
        return {str(item["id"]): item for item in raw if isinstance(item, Mapping) and "id" in item}
    return {}


def input_schema(input_description: Mapping[str, Any]) -> Mapping[str, Any]:
    """The input's ``schema`` (an empty schema, accepting anything, when it has none)."""
    schema = input_description.get("schema")
    return schema if isinstance(schema, Mapping) else {}


def occurs(input_description: Mapping[str, Any]) -> tuple[int, int | None]:
    """(minOccurs, maxOccurs) with the 1.0 defaults of 1 and 1; None means ``unbounded``."""
    lo = _as_int(input_description.get("minOccurs"), 1)
    raw_hi = input_description.get("maxOccurs", 1)
    hi = None if isinstance(raw_hi, str) and raw_hi.strip().lower() == "unbounded" else _as_int(raw_hi, 1)
    lo = max(lo, 0)
    if hi is not None:
        hi = max(hi, lo, 1)
    return lo, hi


def _as_int(raw: object, default: int) -> int:
    if isinstance(raw, bool):
        return default
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return default


def _is_mixed(schema: Mapping[str, Any]) -> bool:
    merged = merge_all_of(schema) if isinstance(schema.get("allOf"), list) else schema
    branches = merged.get("oneOf")
    return isinstance(branches, list) and len(branches) > 1


def input_features(input_description: Mapping[str, Any]) -> frozenset[str]:
    """Which execute-request features (``FEATURE_TAGS``) an input exercises, for picking test processes."""
    tags: set[str] = set()
    _lo, hi = occurs(input_description)
    if hi is None or hi > 1:
        tags.add("array")
    schema = input_schema(input_description)
    parts = schema_parts(schema)
    if _is_mixed(schema):
        tags.add("mixed")
    shapes = {shape_of(p) for p in parts}
    if BBOX in shapes:
        tags.add("bbox")
    if shapes & {GEOMETRY, FEATURE, FEATURE_COLLECTION}:
        tags.update(("object", "complex"))
    for part in parts:
        types = declared_types(part) or []
        if is_binary_schema(part):
            tags.update(("binary", "complex"))
            continue
        if isinstance(part.get("contentMediaType"), str):
            tags.add("complex")
        elif set(types) & {"string", "number", "integer", "boolean"} or (not types and _scalar_enum(part)):
            tags.add("literal")
        if ("object" in types or isinstance(part.get("properties"), Mapping)) and BBOX not in shapes:
            tags.add("object")
        if "array" in types and isinstance(part.get("items"), Mapping) and _literal_items(part["items"]):
            tags.add("literal")  # an array of literals is still a literal input, sent as a plain JSON array
    return frozenset(tags)


def _scalar_enum(schema: Mapping[str, Any]) -> bool:
    enum = schema.get("enum")
    return isinstance(enum, list) and bool(enum) and all(not isinstance(e, (dict, list)) for e in enum)


def _literal_items(items: Mapping[str, Any]) -> bool:
    parts = schema_parts(items)
    return bool(parts) and all(
        set(declared_types(p) or []) <= {"string", "number", "integer", "boolean"} and not is_binary_schema(p)
        and not isinstance(p.get("contentMediaType"), str) and shape_of(p) is None for p in parts) and any(
        declared_types(p) or isinstance(p.get("enum"), list) for p in parts)


# -- encoding values for an execute request -----------------------------------------------------------
def encode_value(schema: Mapping[str, Any], value: object) -> object:
    """One occurrence of an input value in execute-request form (see module docstring)."""
    if isinstance(value, (bytes, bytearray)):
        value = base64.b64encode(bytes(value)).decode("ascii")
    parts = schema_parts(schema)
    if isinstance(value, Mapping):
        if "bbox" in value and any(shape_of(p) == BBOX for p in parts):
            return dict(value)
        qualified: dict[str, Any] = {"value": value}
        branch = _matching_branch(schema, value) if _is_mixed(schema) else schema
        mt = media_type_of(branch)
        if mt:
            qualified["mediaType"] = mt
        return qualified
    if _is_mixed(schema):
        branch = _matching_branch(schema, value)
        mt = media_type_of(branch)
        if mt:
            qualified = {"value": value, "mediaType": mt}
            if isinstance(branch, Mapping) and any(is_binary_schema(p) for p in schema_parts(branch)):
                qualified["encoding"] = "base64"
            return qualified
    return value


def _matching_branch(schema: Mapping[str, Any], value: object) -> Mapping[str, Any] | None:
    merged = merge_all_of(schema) if isinstance(schema.get("allOf"), list) else schema
    for branch in merged.get("oneOf") or ():
        if isinstance(branch, Mapping) and not validate_value(branch, value, strict_oneof=False):
            return branch
    return None


def encode_input(input_description: Mapping[str, Any], value: object, *, as_array: bool | None = None) -> object:
    """``value`` encoded for the ``inputs`` map of an execute request.

    With ``as_array`` (default: when minOccurs > 1) the result is an array of occurrences: a list ``value``
    is read as the occurrences (unless the schema takes arrays and ``value`` is one such array), anything
    else becomes a one-element array. Without it ``value`` is one occurrence."""
    schema = input_schema(input_description)
    lo, _hi = occurs(input_description)
    if as_array is None:
        as_array = lo > 1
    if not as_array:
        return encode_value(schema, value)
    occurrences = value if isinstance(value, list) and _is_occurrence_list(schema, value) else [value]
    return [encode_value(schema, v) for v in occurrences]


def decode_input(input_description: Mapping[str, Any], encoded: object) -> list[object]:
    """The occurrence values carried by one execute-request input: qualified values unwrapped, bbox and
    literal values as they are, links (``{"href": ...}``) left as link objects."""
    schema = input_schema(input_description)
    _lo, hi = occurs(input_description)
    occurrences: list[Any] = [encoded]
    if isinstance(encoded, list) and hi != 1 and _is_occurrence_list(schema, encoded):
        occurrences = list(encoded)
    return [o["value"] if isinstance(o, Mapping) and "value" in o else o for o in occurrences]


def _single_is_array(schema: Mapping[str, Any]) -> bool:
    return any("array" in (declared_types(p) or inferred_types(p)) for p in schema_parts(schema))


def _is_occurrence_list(schema: Mapping[str, Any], value: list[Any]) -> bool:
    if not _single_is_array(schema):
        return True
    return bool(value) and all(isinstance(v, list) for v in value)


# -- whole execute requests ---------------------------------------------------------------------------
def published_example_inputs(description: Mapping[str, Any]) -> dict[str, Any]:
    """The ``inputs`` of the first execute example the description publishes (``example``/``examples``)."""
    candidates: list[Any] = []
    if isinstance(description.get("example"), Mapping):
        candidates.append(description["example"])
    examples = description.get("examples")
    if isinstance(examples, list):
        candidates.extend(examples)
    elif isinstance(examples, Mapping):
        candidates.extend(examples.values())
    for cand in candidates:
        if isinstance(cand, Mapping) and "inputs" not in cand and isinstance(cand.get("value"), Mapping):
            cand = cand["value"]  # an OpenAPI Example Object wrapping the request
        if isinstance(cand, Mapping) and isinstance(cand.get("inputs"), Mapping):
            return dict(cand["inputs"])
    return {}


def _usable_published(input_description: Mapping[str, Any], published: object) -> object:
    """The published example value in execute form if every occurrence fits the schema, else ``_MISSING``.

    Checked with lenient ``oneOf`` (servers' own examples often hit overlapping branches). Values by
    reference are not used: the server would fetch them from wherever they point."""
    schema = input_schema(input_description)
    lo, hi = occurs(input_description)
    many = isinstance(published, list) and hi != 1 and _is_occurrence_list(schema, published)
    occurrences: list[Any] = list(published) if isinstance(published, list) and many else [published]
    if len(occurrences) < max(lo, 1) or (hi is not None and len(occurrences) > hi):
        return _MISSING
    out: list[object] = []
    for occ in occurrences:
        raw: object
        encoded: object
        if isinstance(occ, Mapping) and "href" in occ and "value" not in occ:
            return _MISSING
        if isinstance(occ, Mapping) and "value" in occ:
            raw, encoded = occ["value"], copy.deepcopy(dict(occ))
        elif isinstance(occ, Mapping):
            raw, encoded = occ, encode_value(schema, copy.deepcopy(occ))
        else:
            raw, encoded = occ, copy.deepcopy(occ)
        if validate_value(schema, raw, strict_oneof=False):
            return _MISSING
        out.append(encoded)
    return out if many else out[0]


def _default_input(input_description: Mapping[str, Any]) -> object:
    schema = input_schema(input_description)
    lo, _hi = occurs(input_description)
    if lo > MAX_VALUE_SIZE:
        raise too_large(f"minOccurs {lo}", lo)
    value = example_value(schema)
    if lo > 1:
        return [encode_value(schema, copy.deepcopy(value)) for _ in range(lo)]
    return encode_value(schema, value)


def build_execute_request(description: Mapping[str, Any], *, inputs: Mapping[str, Any] | None = None,
                          include_optional: bool = False, response: str | None = None,
                          outputs: Mapping[str, Any] | None = None, transmission: str | None = None) -> dict[str, Any]:
    """A valid ``execute.yaml`` body for the process ``description``.

    Every required input (minOccurs >= 1) gets a value: the server's published example when it fits the
    schema, else ``example_value`` of the input schema; optional inputs only with ``include_optional``.
    ``inputs`` are taken as already-encoded execute values and override (or add to) the generated ones.
    ``response`` sets ``response``; ``outputs`` is copied as the outputs map; ``transmission`` sets every
    requested output's ``transmissionMode`` (requesting all declared outputs when ``outputs`` is None)."""
    if not isinstance(description, Mapping):
        raise TypeError(f"a process description must be a JSON object, got {json_type(description)}")
    if response is not None and response not in RESPONSES:
        raise ValueError(f"response must be one of {RESPONSES}, got {response!r}")
    if transmission is not None and transmission not in TRANSMISSIONS:
        raise ValueError(f"transmission must be one of {TRANSMISSIONS}, got {transmission!r}")
    given = dict(inputs or {})
    published = published_example_inputs(description)
    body_inputs: dict[str, Any] = {}
    for iid, idesc in input_descriptions(description).items():
        if iid in given:
            body_inputs[iid] = given.pop(iid)
            continue
        lo, _hi = occurs(idesc)
        if lo < 1 and not include_optional:
            continue
        value = _usable_published(idesc, published[iid]) if iid in published else _MISSING
        if value is _MISSING and lo < 1:
            # an optional input is sent only with a value its schema accepts (none could be derived for a
            # pattern the example builder cannot follow) and of a bounded size
            try:
                schema = input_schema(idesc)
                if validate_value(schema, example_value(schema), strict_oneof=False):
                    continue
                value = _default_input(idesc)
            except (ValueTooLarge, PatternTooCostly):
                continue
        body_inputs[iid] = value if value is not _MISSING else _default_input(idesc)
    body_inputs.update(given)
    body: dict[str, Any] = {"inputs": body_inputs}
    out_map: dict[str, Any] | None = None
    if outputs is not None:
        out_map = {str(k): dict(v) if isinstance(v, Mapping) else {} for k, v in outputs.items()}
    elif transmission is not None:
        out_map = {oid: {} for oid in output_ids(description)}
    if out_map is not None:
        if transmission is not None:
            for spec in out_map.values():
                spec.setdefault("transmissionMode", transmission)
        body["outputs"] = out_map
    if response is not None:
        body["response"] = response
    return body


def invalid_variants(description: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Execute bodies that each break one input: ``(input id, what is broken, body)``.

    Value-level breaks come from ``invalid_examples``; input-level ones are a missing required input,
    more occurrences than ``maxOccurs`` and fewer than ``minOccurs``. Everything else in the body is the
    valid ``build_execute_request(description)``."""
    base = build_execute_request(description)
    variants: list[tuple[str, str, dict[str, Any]]] = []
    for iid, idesc in input_descriptions(description).items():
        schema = input_schema(idesc)
        lo, hi = occurs(idesc)
        try:
            good = example_value(schema)
            breakers = invalid_examples(schema)
        except (ValueTooLarge, PatternTooCostly):
            continue  # every value too large to build, or a pattern too costly to match: this input is not varied
        for what, bad in breakers:
            if bad is None and lo == 0:
                continue  # a server may read null as "input absent", which is fine for an optional input
            occurrences = [copy.deepcopy(good) for _ in range(max(lo, 1) - 1)] + [bad]
            if hi == 1:
                encoded = encode_value(schema, bad)
            else:
                encoded = [encode_value(schema, v) for v in occurrences]
            variants.append((iid, what, _with_input(base, iid, encoded)))
        if lo >= 1:
            body = copy.deepcopy(base)
            body["inputs"].pop(iid, None)
            variants.append((iid, "missing required input", body))
        if hi is not None and hi < MAX_VALUE_SIZE:  # maxOccurs 1e9: "too many" is not built
            many = [copy.deepcopy(good) for _ in range(hi + 1)]
            if validate_value(schema, many, strict_oneof=False):  # the array must not read as one valid value
                variants.append((iid, f"too many occurrences ({hi + 1} > maxOccurs {hi})",
                                 _with_input(base, iid, [encode_value(schema, v) for v in many])))
        if lo > 1:
            few = [copy.deepcopy(good) for _ in range(lo - 1)]
            variants.append((iid, f"too few occurrences ({lo - 1} < minOccurs {lo})",
                             _with_input(base, iid, [encode_value(schema, v) for v in few])))
    return variants


def _with_input(base: Mapping[str, Any], iid: str, encoded: object) -> dict[str, Any]:
    body = copy.deepcopy(dict(base))
    body["inputs"] = {**body.get("inputs", {}), iid: encoded}
    return body
