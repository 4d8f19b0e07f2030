"""Deterministic example values for OAS 3.0 schema objects (the engine behind ``inputs.example_value``).

A value is picked as: the schema's ``const``/``example``/``default``/``examples``/``enum`` entries that
validate, else one built from type, format and bounds (bbox and GeoJSON by ``format`` or ``$ref`` URL;
a ``pattern`` through ``_regex_example``). Every built value is re-validated; when nothing validates
the first candidate is returned as a best effort. Made-up URIs point at 127.0.0.1 port 9 (discard).
"""

from __future__ import annotations

import base64
import copy
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._oas_values import (
    MAX_VALUE_SIZE,
    too_large,
    BBOX,
    CRS84,
    FEATURE,
    FEATURE_COLLECTION,
    GEOMETRY,
    declared_types,
    float_multiple,
    int_keyword,
    is_binary_schema,
    is_number,
    json_equal,
    map_keyword,
    media_type_of,
    norm_format,
    numeric_bounds,
    positive_number,
    ref_shape,
    schema_parts,
    shape_of,
    validate_value,
)
from ._regex_example import regex_example

DEFAULT_STRING = "oaproc"
EXAMPLE_URI = "http://127.0.0.1:9/oaproc-testkit"
BASE64_EXAMPLE = base64.b64encode(b"oaproc-testkit").decode("ascii")
FORMAT_EXAMPLES = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00Z",
    "uri": EXAMPLE_URI,
    "url": EXAMPLE_URI,
    "iri": EXAMPLE_URI,
    "uri-reference": EXAMPLE_URI,
    "iri-reference": EXAMPLE_URI,
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "oaproc@example.org",
}
POINT = {"type": "Point", "coordinates": [5.0, 50.0]}
FEATURE_EXAMPLE = {"type": "Feature", "geometry": POINT, "properties": {}}

_MAX_DEPTH = 8
_MISSING = object()


# -- valid examples -----------------------------------------------------------------------------------
def example_value(schema: Mapping[str, Any]) -> object:
    """A simple value ``schema`` accepts: its example, else default, else first enum value, else one made up
    from type/format/bounds. The first candidate that validates wins; best effort if none does."""
    return _example(schema, 0)


def _example(schema: object, depth: int) -> object:
    if not isinstance(schema, Mapping):
        return DEFAULT_STRING
    candidates: list[object] = []
    for key in ("const", "example", "default"):
        if schema.get(key) is not None:
            candidates.append(schema[key])
    for key in ("examples", "enum"):
        if isinstance(schema.get(key), list):
            candidates.extend(c for c in schema[key] if c is not None)
    for cand in candidates:
        if not validate_value(schema, cand):
            return copy.deepcopy(cand)
    built = _build(schema, depth)
    if not validate_value(schema, built):
        return built
    for cand in candidates:
        if not validate_value(schema, cand, strict_oneof=False):
            return copy.deepcopy(cand)
    return copy.deepcopy(candidates[0]) if candidates else built


def _build(schema: Mapping[str, Any], depth: int) -> object:
    if depth > _MAX_DEPTH:
        return DEFAULT_STRING
    if "$ref" in schema:
        shape = ref_shape(schema["$ref"])
        return shape_example(shape, schema) if shape else {}
    if isinstance(schema.get("allOf"), list):
        merged = merge_all_of(schema)
        if "$ref" in merged or "allOf" not in merged:
            return _example(merged, depth + 1)
    shape = shape_of(schema)
    if shape:
        return shape_example(shape, schema)
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            return _branch_example(schema, key, branches, depth)
    types = declared_types(schema) or inferred_types(schema)
    kind = next((t for t in types if t != "null"), "null" if types else "string")
    if kind == "string":
        return string_example(schema)
    if kind in ("integer", "number"):
        return number_example(schema, integer=kind == "integer")
    if kind == "boolean":
        return False
    if kind == "array":
        return array_example(schema, depth)
    if kind == "object":
        return object_example(schema, depth)
    return None


def _branch_example(schema: Mapping[str, Any], key: str, branches: list[Any], depth: int) -> object:
    rest = {k: v for k, v in schema.items() if k not in (key, "example", "default", "examples", "enum")}
    # The first branch is the default format (/req/ogc-process-description/input-mixed-type), but a JSON-ready
    # branch makes a value a server can actually read, so non-JSON media types go last.
    order = sorted(range(len(branches)), key=lambda i: _non_json_media(branches[i]))
    first: object = _MISSING
    for i in order:
        sub = merge_all_of({"allOf": [rest, branches[i]]}) if rest else branches[i]
        value = _example(sub, depth + 1)
        if first is _MISSING:
            first = value
        if not validate_value(schema, value):
            return value
    return first


def _non_json_media(branch: object) -> bool:
    mt = media_type_of(branch)
    return mt is not None and "json" not in mt


def inferred_types(schema: Mapping[str, Any]) -> list[str]:
    """Type implied by the keywords of a schema that declares none (``properties`` -> object, ...)."""
    keys = set(schema)
    if keys & {"properties", "required", "additionalProperties", "minProperties", "maxProperties"}:
        return ["object"]
    if keys & {"items", "minItems", "maxItems", "uniqueItems"}:
        return ["array"]
    if keys & {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}:
        return ["number"]
    if keys & {"minLength", "maxLength", "pattern", "format", "contentEncoding", "contentMediaType"}:
        return ["string"]
    return []


def shape_example(shape: str, schema: Mapping[str, Any]) -> object:
    """A small bbox / GeoJSON value (around 5°E 50°N)."""
    if shape == BBOX:
        crs = bbox_crs_choices(schema)[0]
        box = [5.0, 50.0, 0.0, 6.0, 51.0, 100.0] if crs.lower().endswith("crs84h") else [5.0, 50.0, 6.0, 51.0]
        return {"bbox": box, "crs": crs}
    if shape == GEOMETRY:
        return copy.deepcopy(POINT)
    if shape == FEATURE:
        return copy.deepcopy(FEATURE_EXAMPLE)
    if shape == FEATURE_COLLECTION:
        return {"type": "FeatureCollection", "features": [copy.deepcopy(FEATURE_EXAMPLE)]}
    return {}


def bbox_crs_choices(schema: Mapping[str, Any]) -> list[str]:
    """CRS URIs a bbox schema allows (its ``crs`` default/enum when inline), CRS84 first otherwise."""
    found: list[str] = []
    for part in schema_parts(schema):
        props = part.get("properties")
        crs = props.get("crs") if isinstance(props, Mapping) else None
        if isinstance(crs, Mapping):
            if isinstance(crs.get("default"), str):
                found.append(crs["default"])
            if isinstance(crs.get("enum"), list):
                found.extend(c for c in crs["enum"] if isinstance(c, str))
    return list(dict.fromkeys(found)) or [CRS84]


def string_example(schema: Mapping[str, Any]) -> str:
    lo = int_keyword(schema, "minLength") or 0
    hi = int_keyword(schema, "maxLength")
    if lo > MAX_VALUE_SIZE:
        raise too_large(f"minLength {lo}", lo)
    if is_binary_schema(schema):
        if lo <= len(BASE64_EXAMPLE) and (hi is None or len(BASE64_EXAMPLE) <= hi):
            return BASE64_EXAMPLE
        size = max(4, -(-lo // 4) * 4)
        return "A" * size
    fmt = norm_format(schema)
    text = FORMAT_EXAMPLES.get(fmt or "")
    pattern = schema.get("pattern")
    if text is None and isinstance(pattern, str):
        text = regex_example(pattern)
    if text is None:
        text = DEFAULT_STRING
    if len(text) < lo:
        text += "x" * (lo - len(text))
    if hi is not None and len(text) > hi:
        text = text[:hi]
    return text


def integer_range(schema: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """The inclusive integer range the schema's bounds leave open (None: unbounded on that side)."""
    lo, lo_x, hi, hi_x = numeric_bounds(schema)
    ilo = None if lo is None else (math.floor(lo) + 1 if lo_x and float(lo).is_integer() else math.ceil(lo))
    ihi = None if hi is None else (math.ceil(hi) - 1 if hi_x and float(hi).is_integer() else math.floor(hi))
    return ilo, ihi


def number_example(schema: Mapping[str, Any], *, integer: bool) -> int | float:
    """A number inside the schema's bounds, on its multipleOf grid when it has one; 1 / 1.0 if unbounded."""
    step = positive_number(schema, "multipleOf")
    if integer:
        ilo, ihi = integer_range(schema)
        unit = step if isinstance(step, int) else 1
        if ilo is not None:
            value = -(-ilo // unit) * unit
        elif ihi is not None:
            value = min(unit, (ihi // unit) * unit)
        else:
            value = unit
        return value
    lo, lo_x, hi, hi_x = numeric_bounds(schema)
    if step is not None:
        d = Decimal(repr(step))
        k = 1 if lo is None else math.floor(Decimal(repr(lo)) / d) + (1 if lo_x else 0)
        if lo is not None and Decimal(k) * d < Decimal(repr(lo)):
            k += 1
        if lo is None and hi is not None:
            k = min(1, math.floor(Decimal(repr(hi)) / d) - (1 if hi_x else 0))
        for j in range(k, k + 64):  # prefer a grid point that also passes validators' floating-point test
            if float_multiple(float(Decimal(j) * d), step):
                candidate = float(Decimal(j) * d)
                if not validate_value(schema, candidate):
                    return candidate
        return float(Decimal(k) * d)
    if lo is not None:
        if not lo_x:
            return float(lo)
        return float((lo + hi) / 2) if hi is not None else float(lo + 1)
    if hi is not None:
        return 1.0 if hi > 1.0 or (hi == 1.0 and not hi_x) else float(hi - 1)
    return 1.0


def array_example(schema: Mapping[str, Any], depth: int) -> list[Any]:
    items = map_keyword(schema, "items")
    lo = int_keyword(schema, "minItems") or 0
    hi = int_keyword(schema, "maxItems")
    if lo > MAX_VALUE_SIZE:
        raise too_large(f"minItems {lo}", lo)
    n = max(lo, 1) if hi is None else min(max(lo, 1), hi)
    if n <= 0:
        return []
    first = _example(items, depth + 1)
    if n == 1:
        return [first]
    if schema.get("uniqueItems") is True:
        return distinct_examples(items, first, n)
    return [copy.deepcopy(first) for _ in range(n)]


def distinct_examples(items: Mapping[str, Any], first: object, n: int) -> list[Any]:
    """Up to ``n`` pairwise different values the item schema accepts, ``first`` first."""
    pool: list[object] = [first]
    if isinstance(items.get("enum"), list):
        pool.extend(items["enum"])
    step = positive_number(items, "multipleOf") or 1
    for k in range(1, 4 * n + 1):
        if is_number(first):
            pool.append(first + k * step)  # type: ignore[operator]
        elif isinstance(first, str):
            pool.append(f"{first}{k}")
        elif isinstance(first, bool):
            pool.append(not first)
    out: list[object] = []
    for cand in pool:
        if len(out) == n:
            break
        if not validate_value(items, cand) and not any(json_equal(cand, o) for o in out):
            out.append(copy.deepcopy(cand))
    return out


def object_example(schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
    props = map_keyword(schema, "properties")
    required = [r for r in schema.get("required") or [] if isinstance(r, str)]
    extra = schema.get("additionalProperties")
    fallback = extra if isinstance(extra, Mapping) else {}
    keys = required or list(props)
    value = {k: _example(props.get(k, fallback), depth + 1) for k in keys}
    if keys != required and validate_value(schema, value):
        value = {k: _example(props.get(k, fallback), depth + 1) for k in required}
    return value


def merge_all_of(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``allOf`` folded into one schema, for *generating* values (always re-validate against the original).

    Properties merge, ``required`` unions, length/item bounds take the tighter side, a bbox/GeoJSON
    ``$ref`` is kept and opaque refs are dropped."""
    out = {k: v for k, v in schema.items() if k != "allOf"}
    parts = [out]
    for sub in schema.get("allOf") or ():
        if not isinstance(sub, Mapping):
            continue
        if isinstance(sub.get("allOf"), list):
            sub = merge_all_of(sub)
        if "$ref" in sub:
            if ref_shape(sub["$ref"]) and "$ref" not in out:
                out["$ref"] = sub["$ref"]
            continue
        parts.append(sub)
        for key, val in sub.items():
            if key not in out:
                out[key] = val
                continue
            cur = out[key]
            if key == "properties" and isinstance(cur, Mapping) and isinstance(val, Mapping):
                merged = dict(cur)
                for name, sch in val.items():
                    merged[name] = {"allOf": [merged[name], sch]} if name in merged else sch
                out[key] = merged
            elif key == "required" and isinstance(cur, list) and isinstance(val, list):
                out[key] = cur + [x for x in val if x not in cur]
            elif key in ("minLength", "minItems", "minProperties") and isinstance(cur, int) and isinstance(val, int):
                out[key] = max(cur, val)
            elif key in ("maxLength", "maxItems", "maxProperties") and isinstance(cur, int) and isinstance(val, int):
                out[key] = min(cur, val)
            elif key == "enum" and isinstance(cur, list) and isinstance(val, list):
                out[key] = [x for x in cur if any(json_equal(x, y) for y in val)]
    bounds = [numeric_bounds(p) for p in parts]
    lows = [(b[0], b[1]) for b in bounds if b[0] is not None]
    highs = [(b[2], b[3]) for b in bounds if b[2] is not None]
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        out.pop(key, None)
    if lows:
        lo, lo_x = max(lows, key=lambda b: (b[0], b[1]))
        out["minimum"], out["exclusiveMinimum"] = lo, lo_x
    if highs:
        hi, hi_x = min(highs, key=lambda b: (b[0], not b[1]))
        out["maximum"], out["exclusiveMaximum"] = hi, hi_x
    return out
