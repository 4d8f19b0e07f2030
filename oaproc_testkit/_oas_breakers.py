"""Deterministic values that break an OAS 3.0 schema object (the engine behind ``inputs.invalid_examples``).

Each value comes with what it breaks and is kept only if it fails under strict *and* lenient ``oneOf``
(``is_really_invalid``). String ``format``s other than bbox/GeoJSON are never broken on purpose: JSON
Schema treats them as annotations, so a server may rightly accept such values.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._oas_examples import (
    POINT,
    array_example,
    distinct_examples,
    example_value,
    inferred_types,
    merge_all_of,
    number_example,
    object_example,
    string_example,
)
from ._oas_values import (
    MAX_VALUE_SIZE,
    ValueTooLarge,
    BBOX,
    CRS84,
    FEATURE,
    GEOMETRY,
    compiled_pattern,
    declared_types,
    is_number,
    json_equal,
    json_type,
    map_keyword,
    numeric_bounds,
    positive_number,
    ref_shape,
    shape_of,
    validate_value,
)

_MAX_DEPTH = 8


# -- invalid examples -----------------------------------------------------------------------------------
def is_really_invalid(schema: Mapping[str, Any], value: object) -> bool:
    """``value`` breaks ``schema`` under strict and under lenient ``oneOf`` alike (no server may accept it)."""
    return bool(validate_value(schema, value)) and bool(validate_value(schema, value, strict_oneof=False))


_WRONG_TYPE_VALUES: list[tuple[str, object]] = [
    ("string", "oaproc-not-valid"), ("integer", 12345), ("object", {"oaproc": "unexpected"}), ("boolean", True),
    ("array", [{"oaproc": "unexpected"}, "oaproc-not-valid"]), ("number", 12.5), ("null", None)]


def accepted_types(schema: object, depth: int = 0) -> set[str] | None:
    """JSON types some value of the schema may have; None when any type may pass."""
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return {"object"} if ref_shape(schema["$ref"]) else None
    types = declared_types(schema)
    acc: set[str] | None = set(types) if types else ({"object"} if shape_of(schema) else None)
    for sub in schema.get("allOf") or ():
        sub_acc = accepted_types(sub, depth + 1)
        if sub_acc is not None:
            acc = sub_acc if acc is None else acc & sub_acc
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            union: set[str] | None = set()
            for branch in branches:
                b_acc = accepted_types(branch, depth + 1)
                if b_acc is None or union is None:
                    union = None
                    break
                union |= b_acc
            if union is not None:
                acc = union if acc is None else acc & union
    if acc is None and isinstance(schema.get("enum"), list):
        acc = {json_type(e) for e in schema["enum"]}
    if acc is None and "const" in schema:
        acc = {json_type(schema["const"])}
    if acc is not None:
        if "number" in acc:
            acc.add("integer")
        if schema.get("nullable") is True:
            acc.add("null")
    return acc


def invalid_examples(schema: Mapping[str, Any], *, limit: int = 24) -> list[tuple[str, object]]:
    """Deterministic values that break ``schema``, each with what it breaks: wrong type, out of range,
    not in enum, too long/short, pattern, items, required/extra properties, bbox/GeoJSON shape, ...

    Only values ``is_really_invalid`` confirms are returned. String ``format``s other than bbox/GeoJSON are
    not violated on purpose: JSON Schema treats them as annotations, so a server may rightly accept them."""
    return _invalid_examples(schema, 0)[:limit]


def _invalid_examples(schema: object, depth: int) -> list[tuple[str, object]]:
    if not isinstance(schema, Mapping) or depth > 3:
        return []
    found: list[tuple[str, object]] = []
    acc = accepted_types(schema)
    if acc is not None:
        wrong = [(t, v) for t, v in _WRONG_TYPE_VALUES if t not in acc]
        # three kinds, plus a fraction where integers are wanted and null (servers often trip on it)
        picked = wrong[:3] + [w for w in wrong[3:] if w[0] == "null" or (w[0] == "number" and "integer" in acc)]
        shown = " or ".join(sorted(acc - {"integer"} if "number" in acc else acc))
        for t, v in picked:
            found.append((f"wrong type ({t} instead of {shown})", copy.deepcopy(v)))
    merged = merge_all_of(schema) if isinstance(schema.get("allOf"), list) else dict(schema)
    shape = ref_shape(merged["$ref"]) if "$ref" in merged else shape_of(merged)
    if shape:
        found.extend(_shape_breakers(shape))
    if "$ref" not in merged:
        types = declared_types(merged) or inferred_types(merged)
        found.extend(_enum_breakers(merged))
        if not types or set(types) & {"number", "integer"}:
            found.extend(_number_breakers(merged, integer="integer" in types and "number" not in types))
        if not types or "string" in types:
            found.extend(_string_breakers(merged))
        if "array" in types:
            found.extend(_array_breakers(merged, depth))
        if "object" in types:
            found.extend(_object_breakers(merged, depth))
        found.extend(_combinator_breakers(schema, depth))
    out: list[tuple[str, object]] = []
    seen: set[str] = set()
    for what, value in found:
        key = _canonical_json(value)
        if what in seen or key in seen or not is_really_invalid(schema, value):
            continue
        if depth == 0 and not unambiguous_invalid(schema, value):
            continue
        seen.update((what, key))
        out.append((what, value))
    return out


def _canonical_json(value: object) -> str:
    return "json:" + json.dumps(value, sort_keys=True, default=repr)


def unambiguous_invalid(schema: Mapping[str, Any], value: object) -> bool:
    """An invalid top-level input value that stays invalid if a server reads a JSON array as a list of
    occurrences: no element of an array value may itself be a valid value."""
    if not isinstance(value, list):
        return True
    return all(is_really_invalid(schema, item) for item in value)


def _shape_breakers(shape: str) -> list[tuple[str, object]]:
    if shape == BBOX:
        return [("bbox with 3 numbers", {"bbox": [5.0, 50.0, 6.0], "crs": CRS84}),
                ("bbox with non-numeric corners", {"bbox": ["5", "50", "6", "51"], "crs": CRS84}),
                ("object without bbox", {"crs": CRS84})]
    if shape == GEOMETRY:
        return [("unknown GeoJSON geometry type", {"type": "Circle", "coordinates": [5.0, 50.0]}),
                ("GeoJSON geometry without coordinates", {"type": "Point"})]
    if shape == FEATURE:
        return [("geometry instead of Feature", copy.deepcopy(POINT))]
    return [("FeatureCollection without features", {"type": "FeatureCollection"})]


def _enum_breakers(schema: Mapping[str, Any]) -> list[tuple[str, object]]:
    enum = schema.get("enum")
    if "const" in schema:
        enum = [schema["const"]] + (enum if isinstance(enum, list) else [])
    if not isinstance(enum, list) or not enum:
        return []
    strings = [e for e in enum if isinstance(e, str)]
    numbers = [e for e in enum if is_number(e)]
    if strings:
        cand = f"{strings[0]}-not-in-enum"
        while any(json_equal(cand, e) for e in enum):
            cand += "x"
        return [("not in enum", cand)]
    if numbers:
        top = max(numbers)
        return [("not in enum", top + 1 if isinstance(top, int) else top + 0.5)]
    return []


def _number_breakers(schema: Mapping[str, Any], *, integer: bool) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    lo, lo_x, hi, hi_x = numeric_bounds(schema)
    if lo is not None:
        out.append(("below minimum", math.ceil(lo) - 1 if integer else lo - 1))
        if lo_x and (not integer or float(lo).is_integer()):
            out.append(("equal to exclusive minimum", int(lo) if integer else lo))
    if hi is not None:
        out.append(("above maximum", math.floor(hi) + 1 if integer else hi + 1))
        if hi_x and (not integer or float(hi).is_integer()):
            out.append(("equal to exclusive maximum", int(hi) if integer else hi))
    step = positive_number(schema, "multipleOf")
    if step is not None:
        base = number_example(schema, integer=integer)
        if integer and isinstance(step, int) and step > 1:
            out.append((f"not a multiple of {step}", int(base) + 1))
        elif not integer:
            out.append((f"not a multiple of {step}", float(Decimal(repr(base)) + Decimal(repr(step)) / 2)))
    return out


def _string_breakers(schema: Mapping[str, Any]) -> list[tuple[str, object]]:
    """Strings that break the length or the pattern; those larger than MAX_VALUE_SIZE are not built."""
    out: list[tuple[str, object]] = []
    try:
        base = string_example(schema)
    except ValueTooLarge:
        return out
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if isinstance(lo, int) and lo > 0:
        out.append(("string too short", base[: lo - 1] if len(base) >= lo - 1 else "x" * (lo - 1)))
    if isinstance(hi, int) and 0 <= hi < MAX_VALUE_SIZE:
        out.append(("string too long", base + "x" * max(1, hi + 1 - len(base))))
    pattern = schema.get("pattern")
    rx = compiled_pattern(pattern) if isinstance(pattern, str) else None
    if rx is not None:
        size = lo if isinstance(lo, int) else 1
        for cand in ("", "!" * max(size, 1), " " * max(size, 1), "-" * max(size, 1), "~", "\u00e9" * max(size, 1)):
            if not rx.search(cand):
                out.append(("pattern mismatch", cand))
                break
    return out


def _array_breakers(schema: Mapping[str, Any], depth: int) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    items = map_keyword(schema, "items")
    try:
        good = array_example(schema, 0)
    except ValueTooLarge:
        return out
    item = good[0] if good else example_value(items)
    lo, hi = schema.get("minItems"), schema.get("maxItems")
    if isinstance(lo, int) and lo > 0:
        out.append(("too few items", copy.deepcopy(good[: lo - 1])))
    if isinstance(hi, int) and hi < MAX_VALUE_SIZE:
        extra = distinct_examples(items, item, hi + 1) if schema.get("uniqueItems") is True else []
        out.append(("too many items", extra if len(extra) == hi + 1 else [copy.deepcopy(item)] * (hi + 1)))
    if schema.get("uniqueItems") is True and (not isinstance(hi, int) or hi >= 2):
        n = max(2, lo if isinstance(lo, int) else 0)
        out.append(("duplicate items", [copy.deepcopy(item) for _ in range(n)]))
    bad_items = _invalid_examples(items, depth + 1)
    if bad_items:
        what, bad = bad_items[0]
        rest = copy.deepcopy(good[1:]) if good else []
        out.append((f"item {what}", [bad, *rest]))
    return out


def _object_breakers(schema: Mapping[str, Any], depth: int) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    good = object_example(schema, 0)
    for name in [r for r in schema.get("required") or [] if isinstance(r, str)][:6]:
        out.append((f"missing required property {name!r}", {k: v for k, v in good.items() if k != name}))
    props = map_keyword(schema, "properties")
    for name, sub in list(props.items())[:6]:
        bad = _invalid_examples(sub, depth + 1)
        if bad:
            out.append((f"property {name!r}: {bad[0][0]}", {**copy.deepcopy(good), name: bad[0][1]}))
    extra = schema.get("additionalProperties")
    key = "oaproc_unexpected"
    while key in props:
        key += "_"
    if extra is False:
        out.append(("additional property not allowed", {**copy.deepcopy(good), key: 1}))
    elif isinstance(extra, Mapping):
        bad = _invalid_examples(extra, depth + 1)
        if bad:
            out.append((f"additional property: {bad[0][0]}", {**copy.deepcopy(good), key: bad[0][1]}))
    return out


def _combinator_breakers(schema: Mapping[str, Any], depth: int) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key in ("allOf", "oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            for i, branch in enumerate(branches[:6]):
                out.extend((f"{key}[{i}]: {what}", v) for what, v in _invalid_examples(branch, depth + 1)[:4])
    not_schema = schema.get("not")
    if isinstance(not_schema, Mapping):
        out.append(("matches the 'not' schema", example_value(not_schema)))
    return out
