"""Hypothesis strategies for process inputs: values a schema accepts or rejects, and whole ``inputs`` maps.

Written for the OAS 3.0 schema subset of OGC API - Processes (``schema.yaml``) instead of
hypothesis-jsonschema (incompatible with current hypothesis). Values are generated inside the schema's
bounds and filtered only where construction cannot be exact (``allOf``/``oneOf`` overlaps, ``pattern``
with lengths, ``not``); every strategy ends in a check with ``inputs.validate_value``, so:

- ``valid_values(schema)`` only yields values that pass (with exactly-one ``oneOf``);
- ``invalid_values(schema)`` only yields values that fail under strict *and* lenient ``oneOf``
  (``inputs.is_really_invalid``); it is ``st.nothing()`` when no violation can be constructed.

String ``format``s other than bbox/GeoJSON are generated correctly but never violated on purpose
(JSON Schema makes them annotations). Made-up URIs point at 127.0.0.1 port 9.
"""

from __future__ import annotations

import base64
import copy
import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from ._oas_values import (
    BBOX,
    CRS84H,
    FEATURE,
    FEATURE_COLLECTION,
    GEOMETRY,
    MAX_VALUE_SIZE,
    compiled_pattern,
    declared_types,
    float_multiple,
    int_keyword,
    map_keyword,
    norm_format,
    numeric_bounds,
    positive_number,
    ref_shape,
    shape_of,
    validate_value,
)
from .inputs import (
    EXAMPLE_URI,
    accepted_types,
    bbox_crs_choices,
    encode_value,
    example_value,
    inferred_types,
    input_descriptions,
    input_schema,
    integer_range,
    invalid_examples,
    is_binary_schema,
    is_really_invalid,
    merge_all_of,
    occurs,
    unambiguous_invalid,
)

__all__ = ["invalid_inputs", "invalid_values", "valid_inputs", "valid_values"]

_MAX_DEPTH = 6
_INT_LIMIT = 2**53  # integers beyond this lose precision in many JSON parsers (RFC 8259 section 6)
_INT_FORMATS = {"int32": 2**31, "int64": 2**63}
_EXTRA_ITEMS = 4  # array sizes drawn up to minItems + this when maxItems is absent
_EXTRA_OCCURRENCES = 3
_DRAWN_OCCURRENCES_LIMIT = 12  # above this maxOccurs, "too many occurrences" repeats one drawn value
_TEXT = st.characters(codec="utf-8")  # no lone surrogates: they cannot travel as UTF-8 JSON
_NAME = st.text(st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")), min_size=1, max_size=8)
_SIMPLE_JSON = st.one_of(st.text(_TEXT, max_size=12), st.integers(-1000, 1000), st.booleans(),
                         st.floats(-1e6, 1e6, allow_nan=False))


def _ok(schema: Mapping[str, Any]) -> Callable[[object], bool]:
    return lambda value: not validate_value(schema, value)


def _bad(schema: Mapping[str, Any]) -> Callable[[object], bool]:
    return lambda value: is_really_invalid(schema, value)


# -- valid values -------------------------------------------------------------------------------------
def valid_values(schema: Mapping[str, Any]) -> SearchStrategy[Any]:
    """Values ``schema`` accepts (JSON-ready: no NaN, no infinities, no lone surrogates)."""
    return _valid(schema, 0).filter(_ok(schema))


def _fallback(schema: Mapping[str, Any]) -> SearchStrategy[Any]:
    value = example_value(schema)
    return st.just(value) if not validate_value(schema, value) else st.nothing()


def _valid(schema: object, depth: int) -> SearchStrategy[Any]:
    if not isinstance(schema, Mapping):
        return _SIMPLE_JSON if schema is not False else st.nothing()
    if depth > _MAX_DEPTH:
        return _fallback(schema)
    if "$ref" in schema:
        shape = ref_shape(schema["$ref"])
        return _shape(shape, schema) if shape else st.just(example_value(schema))
    base = _valid_non_null(schema, depth)
    return st.one_of(st.none(), base) if schema.get("nullable") is True else base


def _valid_non_null(schema: Mapping[str, Any], depth: int) -> SearchStrategy[Any]:
    if "const" in schema:
        return st.just(copy.deepcopy(schema["const"])).filter(_ok(schema))
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return st.sampled_from([copy.deepcopy(e) for e in schema["enum"]]).filter(_ok(schema))
    if isinstance(schema.get("allOf"), list):
        merged = merge_all_of(schema)
        return _valid(merged, depth + 1).filter(_ok(schema))
    shape = shape_of(schema)
    if shape:
        return _shape(shape, schema).filter(_ok(schema))
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _branches(schema, key, depth)
    if isinstance(schema.get("not"), (Mapping, bool)):
        rest = {k: v for k, v in schema.items() if k != "not"}
        return _valid(rest, depth + 1).filter(_ok(schema))
    types = declared_types(schema) or inferred_types(schema)
    kinds = [t for t in types if t != "null"]
    if not types:
        return _SIMPLE_JSON.filter(_ok(schema))
    if not kinds:
        return st.none()
    return st.one_of([_by_type(kind, schema, depth) for kind in kinds])


def _by_type(kind: str, schema: Mapping[str, Any], depth: int) -> SearchStrategy[Any]:
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return _integer(schema)
    if kind == "number":
        return _number(schema)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return _array(schema, depth)
    if kind == "object":
        return _object(schema, depth)
    return _fallback(schema)


def _branches(schema: Mapping[str, Any], key: str, depth: int) -> SearchStrategy[Any]:
    branches = schema[key]
    rest = {k: v for k, v in schema.items() if k not in (key, "example", "default", "examples")}
    subs = [merge_all_of({"allOf": [rest, b]}) if rest else b for b in branches]
    # Branches whose own example already fails the whole schema (overlapping oneOf) would feed the filter
    # nothing but rejects; keep them only if every branch is like that.
    usable = [s for s in subs if isinstance(s, Mapping) and not validate_value(schema, example_value(s))]
    return st.one_of([_valid(s, depth + 1) for s in (usable or subs)]).filter(_ok(schema))


def _string(schema: Mapping[str, Any]) -> SearchStrategy[str]:
    lo = int_keyword(schema, "minLength") or 0
    hi = int_keyword(schema, "maxLength")
    if lo > MAX_VALUE_SIZE:
        return st.nothing()  # a value that large is not built
    fmt = norm_format(schema)
    pattern = schema.get("pattern")
    exact_length = False
    if is_binary_schema(schema):
        low_bytes = max(0, (lo * 3) // 4 - 2)
        high_bytes = max(low_bytes, (min(hi, MAX_VALUE_SIZE) * 3) // 4) if hi is not None else low_bytes + 48
        base: SearchStrategy[str] = st.binary(min_size=low_bytes, max_size=high_bytes).map(
            lambda b: base64.b64encode(b).decode("ascii"))
    elif fmt == "date-time":
        base = st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)).map(
            lambda d: d.isoformat().replace("+00:00", "Z"))
    elif fmt == "date":
        base = st.dates(datetime(1970, 1, 1).date(), datetime(2100, 1, 1).date()).map(lambda d: d.isoformat())
    elif fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
        base = st.one_of(_NAME.map(lambda s: f"{EXAMPLE_URI}/{s}"), _NAME.map(lambda s: f"urn:oaproc:{s}"))
    elif fmt == "uuid":
        base = st.uuids().map(str)
    elif isinstance(pattern, str):
        base = _pattern(pattern, schema)
    else:
        size_hi = min(hi, MAX_VALUE_SIZE) if hi is not None else lo + 24  # hypothesis may draw the maximum
        base = st.text(_TEXT, min_size=lo, max_size=max(lo, size_hi))
        exact_length = True
    if not exact_length and (lo or hi is not None):
        base = base.filter(lambda s: len(s) >= lo and (hi is None or len(s) <= hi))
    return base


def _pattern(pattern: str, schema: Mapping[str, Any]) -> SearchStrategy[str]:
    rx = compiled_pattern(pattern)
    if rx is None:
        return _fallback(schema)
    strategy = st.from_regex(rx.re, alphabet=_TEXT)
    try:
        strategy.validate()
    except (InvalidArgument, ValueError):
        return _fallback(schema)
    return strategy


def _integer(schema: Mapping[str, Any]) -> SearchStrategy[int]:
    ilo, ihi = integer_range(schema)
    limit = _INT_FORMATS.get(norm_format(schema) or "", _INT_LIMIT)
    ilo = -limit if ilo is None else ilo
    ihi = limit - 1 if ihi is None else ihi
    if ilo > ihi:
        return st.nothing()
    step = positive_number(schema, "multipleOf")
    if isinstance(step, int):
        unit = step
        klo, khi = -(-ilo // unit), ihi // unit
        return st.nothing() if klo > khi else st.integers(klo, khi).map(lambda k: k * unit)
    if step is not None:
        fstep = step
        return st.integers(ilo, ihi).filter(lambda v: float_multiple(v, fstep))
    return st.integers(ilo, ihi)


def _number(schema: Mapping[str, Any]) -> SearchStrategy[float | int]:
    lo, lo_x, hi, hi_x = numeric_bounds(schema)
    step = positive_number(schema, "multipleOf")
    if step is not None:
        fstep = step
        d = Decimal(repr(step))
        klo = -_INT_LIMIT if lo is None else math.floor(Decimal(repr(lo)) / d)
        khi = _INT_LIMIT if hi is None else math.ceil(Decimal(repr(hi)) / d)
        if klo > khi:
            return st.nothing()
        # on-grid values that also pass the plain floating-point test servers' validators run
        return st.integers(klo, khi).map(lambda k: float(Decimal(k) * d)).filter(
            lambda v: float_multiple(v, fstep) and not validate_value(schema, v))
    floats = _floats(lo, hi, exclude_min=lo_x, exclude_max=hi_x)
    ilo, ihi = integer_range(schema)
    ilo = -_INT_LIMIT if ilo is None else max(ilo, -_INT_LIMIT)
    ihi = _INT_LIMIT if ihi is None else min(ihi, _INT_LIMIT)
    return st.one_of(floats, st.integers(ilo, ihi)) if ilo <= ihi else floats


def _floats(lo: float | None, hi: float | None, *, exclude_min: bool = False,
            exclude_max: bool = False) -> SearchStrategy[float]:
    """Finite floats in the range; ``st.nothing()`` when the range holds none (instead of an error at draw)."""
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (exclude_min or exclude_max))):
        return st.nothing()
    strategy = st.floats(min_value=lo, max_value=hi, exclude_min=exclude_min and lo is not None,
                         exclude_max=exclude_max and hi is not None, allow_nan=False, allow_infinity=False)
    try:
        strategy.validate()
    except InvalidArgument:
        return st.nothing()
    return strategy


def _lists(elements: SearchStrategy[Any], *, min_size: int = 0, max_size: int | None = None,
           unique_by: Callable[[Any], object] | None = None) -> SearchStrategy[list[Any]]:
    """``st.lists`` that degrades to ``[]`` / ``st.nothing()`` when no element can be drawn."""
    if max_size is not None and max_size < min_size:
        return st.nothing()
    if _is_empty(elements):
        return st.just([]) if min_size == 0 else st.nothing()
    strategy = st.lists(elements, min_size=min_size, max_size=max_size, unique_by=unique_by)
    try:
        strategy.validate()  # e.g. more unique elements wanted than an enum holds
    except InvalidArgument:
        return st.just([]) if min_size == 0 else st.nothing()
    return strategy


def _canonical(value: object) -> str:
    """A key equal for JSON-equal values (1 and 1.0), for ``uniqueItems``."""
    def norm(v: object) -> object:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer():
            return int(v)
        if isinstance(v, (list, tuple)):
            return [norm(x) for x in v]
        if isinstance(v, Mapping):
            return {str(k): norm(x) for k, x in v.items()}
        return v
    return json.dumps(norm(value), sort_keys=True)


def _array(schema: Mapping[str, Any], depth: int) -> SearchStrategy[list[Any]]:
    items = schema.get("items")
    if isinstance(items, list):
        return _fallback(schema)
    item_strategy = _valid(items, depth + 1).filter(_ok(items)) if isinstance(items, Mapping) else _SIMPLE_JSON
    lo = int_keyword(schema, "minItems") or 0
    hi = int_keyword(schema, "maxItems")
    hi = lo + _EXTRA_ITEMS if hi is None else min(hi, lo + _EXTRA_ITEMS)
    if hi < lo or lo > MAX_VALUE_SIZE:
        return st.nothing()
    unique = _canonical if schema.get("uniqueItems") is True else None
    return _lists(item_strategy, min_size=lo, max_size=hi, unique_by=unique)


def _object(schema: Mapping[str, Any], depth: int) -> SearchStrategy[dict[str, Any]]:
    props = map_keyword(schema, "properties")
    required = [r for r in schema.get("required") or [] if isinstance(r, str)]
    extra = schema.get("additionalProperties")
    fallback: object = extra if isinstance(extra, Mapping) else {}
    needed = {name: _valid(props.get(name, fallback), depth + 1) for name in required}
    optional = {name: _valid(sub, depth + 1) for name, sub in props.items() if name not in needed}
    return st.fixed_dictionaries(needed, optional=optional)


# -- bbox and GeoJSON ---------------------------------------------------------------------------------
_LON = st.floats(-180, 180, allow_nan=False)
_LAT = st.floats(-90, 90, allow_nan=False)
_POSITION = st.tuples(_LON, _LAT).map(list)


def _bbox(schema: Mapping[str, Any]) -> SearchStrategy[dict[str, Any]]:
    crs_choices = bbox_crs_choices(schema)

    def build(xs: tuple[float, float], ys: tuple[float, float], zs: tuple[float, float], crs: str) -> dict[str, Any]:
        (x1, x2), (y1, y2), (z1, z2) = sorted(xs), sorted(ys), sorted(zs)
        box = [x1, y1, z1, x2, y2, z2] if crs.endswith(CRS84H[-6:]) else [x1, y1, x2, y2]
        return {"bbox": box, "crs": crs}

    pair = st.tuples
    return st.builds(build, pair(_LON, _LON), pair(_LAT, _LAT), pair(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)),
                     st.sampled_from(crs_choices))


def _geometry() -> SearchStrategy[dict[str, Any]]:
    def polygon(x: float, y: float, d: float) -> dict[str, Any]:
        ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
        return {"type": "Polygon", "coordinates": [ring]}

    corner = st.floats(-170, 170, allow_nan=False)
    return st.one_of(
        _POSITION.map(lambda p: {"type": "Point", "coordinates": p}),
        st.lists(_POSITION, min_size=2, max_size=5).map(lambda ps: {"type": "LineString", "coordinates": ps}),
        st.lists(_POSITION, min_size=1, max_size=4).map(lambda ps: {"type": "MultiPoint", "coordinates": ps}),
        st.builds(polygon, corner, st.floats(-80, 80, allow_nan=False), st.floats(0.001, 5)),
    )


def _feature() -> SearchStrategy[dict[str, Any]]:
    props = st.dictionaries(_NAME, st.one_of(st.text(_TEXT, max_size=8), st.integers(-100, 100)), max_size=3)
    return st.builds(lambda g, p: {"type": "Feature", "geometry": g, "properties": p}, _geometry(), props)


def _shape(shape: str, schema: Mapping[str, Any]) -> SearchStrategy[Any]:
    if shape == BBOX:
        return _bbox(schema)
    if shape == GEOMETRY:
        return _geometry()
    if shape == FEATURE:
        return _feature()
    if shape == FEATURE_COLLECTION:
        return st.lists(_feature(), max_size=3).map(lambda fs: {"type": "FeatureCollection", "features": fs})
    return st.just(example_value(schema))


# -- invalid values -----------------------------------------------------------------------------------
def invalid_values(schema: Mapping[str, Any]) -> SearchStrategy[Any]:
    """Values ``schema`` rejects under any reading of ``oneOf``; ``st.nothing()`` if none can be made."""
    parts = _invalid_parts(schema)
    if not parts:
        return st.nothing()
    return st.one_of(parts).filter(lambda v: is_really_invalid(schema, v) and unambiguous_invalid(schema, v))


def _invalid_parts(schema: Mapping[str, Any]) -> list[SearchStrategy[Any]]:
    parts: list[SearchStrategy[Any]] = []
    fixed = [value for _what, value in invalid_examples(schema)]
    if fixed:
        parts.append(st.sampled_from(fixed))
    if not isinstance(schema, Mapping):
        return parts
    acc = accepted_types(schema)
    if acc is not None:
        wrong = _wrong_types(acc)
        if wrong is not None:
            parts.append(wrong)
    merged = merge_all_of(schema) if isinstance(schema.get("allOf"), list) else dict(schema)
    if "$ref" in merged:
        return parts  # bbox/GeoJSON refs: the fixed cases say all that can be said; opaque refs: nothing
    types = declared_types(merged) or inferred_types(merged)
    if set(types) & {"number", "integer"} or not types:
        parts.extend(_out_of_range(merged, integer="integer" in types and "number" not in types))
    if "string" in types or not types:
        parts.extend(_bad_strings(merged))
    if "array" in types and isinstance(merged.get("items"), Mapping):
        parts.extend(_bad_arrays(merged))
    if "object" in types:
        parts.extend(_bad_objects(merged))
    return parts


def _wrong_types(acc: set[str]) -> SearchStrategy[Any] | None:
    options: list[SearchStrategy[Any]] = []
    if "string" not in acc:
        options.append(st.text(_TEXT, max_size=12))
    if "integer" not in acc:
        options.append(st.integers(-10**6, 10**6))
    if "number" not in acc:
        options.append(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda f: not f.is_integer()))
    if "boolean" not in acc:
        options.append(st.booleans())
    if "array" not in acc:
        options.append(st.lists(_SIMPLE_JSON, max_size=3))
    if "object" not in acc:
        options.append(st.dictionaries(_NAME, _SIMPLE_JSON, max_size=3))
    if "null" not in acc:
        options.append(st.none())
    return st.one_of(options) if options else None


def _out_of_range(schema: Mapping[str, Any], *, integer: bool) -> list[SearchStrategy[Any]]:
    lo, lo_x, hi, hi_x = numeric_bounds(schema)
    out: list[SearchStrategy[Any]] = []
    if lo is not None:
        if integer:
            ilo, _ = integer_range(schema)
            out.append(st.integers(max_value=ilo - 1, min_value=ilo - 10**6))  # type: ignore[operator]
        else:
            out.append(_floats(lo - 1e6, lo, exclude_max=not lo_x))
    if hi is not None:
        if integer:
            _, ihi = integer_range(schema)
            out.append(st.integers(min_value=ihi + 1, max_value=ihi + 10**6))  # type: ignore[operator]
        else:
            out.append(_floats(hi, hi + 1e6, exclude_min=not hi_x))
    return out


def _bad_strings(schema: Mapping[str, Any]) -> list[SearchStrategy[Any]]:
    out: list[SearchStrategy[Any]] = []
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if isinstance(lo, int) and lo > 0:
        out.append(st.text(_TEXT, max_size=min(lo - 1, MAX_VALUE_SIZE)))
    if isinstance(hi, int) and 0 <= hi < MAX_VALUE_SIZE:
        out.append(st.text(_TEXT, min_size=hi + 1, max_size=hi + 16))
    pattern = schema.get("pattern")
    rx = compiled_pattern(pattern) if isinstance(pattern, str) else None
    if rx is not None and not isinstance(schema.get("enum"), list):
        probe = ["", " ", "!", "0", "a", "Z", "-", "\u00e9", "a b", "12ab"]
        misses = sum(1 for p in probe if not rx.search(p))
        if misses >= 3:  # random text misses the pattern often enough to filter for it
            out.append(st.text(_TEXT, max_size=16).filter(lambda s: not rx.search(s)))
    return out


def _bad_arrays(schema: Mapping[str, Any]) -> list[SearchStrategy[Any]]:
    items = schema["items"]
    good = _valid(items, 1).filter(_ok(items))
    out: list[SearchStrategy[Any]] = []
    lo, hi = schema.get("minItems"), schema.get("maxItems")
    if isinstance(lo, int) and lo > 0:
        out.append(_lists(good, max_size=min(lo - 1, MAX_VALUE_SIZE)))
    if isinstance(hi, int) and hi < MAX_VALUE_SIZE:
        out.append(_lists(good, min_size=hi + 1, max_size=hi + 3))
    item_parts = _invalid_parts(items)
    if item_parts:
        bad_item = st.one_of(item_parts).filter(_bad(items))
        size = lo if isinstance(lo, int) and 0 < lo <= MAX_VALUE_SIZE else 0
        out.append(st.tuples(bad_item, _lists(good, min_size=max(size - 1, 0), max_size=max(size - 1, 0) + 2),
                             st.integers(0, 8)).map(lambda t: _insert(t[1], t[2], t[0])))
    return out


def _insert(items: list[Any], where: int, value: object) -> list[Any]:
    out = list(items)
    out.insert(where % (len(out) + 1), value)
    return out


def _setter(key: str) -> Callable[[tuple[dict[str, Any], Any]], dict[str, Any]]:
    """(object, value) -> a copy of the object with ``key`` set to the value."""
    return lambda pair: {**pair[0], key: pair[1]}


def _bad_objects(schema: Mapping[str, Any]) -> list[SearchStrategy[Any]]:
    props = map_keyword(schema, "properties")
    good = _object(schema, 1)
    out: list[SearchStrategy[Any]] = []
    required = [r for r in schema.get("required") or [] if isinstance(r, str)]
    if required:
        out.append(st.tuples(good, st.sampled_from(required)).map(
            lambda t: {k: v for k, v in t[0].items() if k != t[1]}))
    for name, sub in props.items():
        if isinstance(sub, Mapping):
            sub_parts = _invalid_parts(sub)
            if sub_parts:
                bad = st.one_of(sub_parts).filter(_bad(sub))
                out.append(st.tuples(good, bad).map(_setter(name)))
    if schema.get("additionalProperties") is False:
        extra_key = _NAME.filter(lambda k: k not in props)
        out.append(st.tuples(good, extra_key, _SIMPLE_JSON).map(lambda t: {**t[0], t[1]: t[2]}))
    return out


# -- whole inputs maps --------------------------------------------------------------------------------
def _occurrences(idesc: Mapping[str, Any], values: SearchStrategy[Any]) -> SearchStrategy[Any]:
    """One input's execute value: a single occurrence, or an array of them when maxOccurs allows."""
    schema = input_schema(idesc)
    lo, hi = occurs(idesc)
    if hi == 1:
        return values.map(lambda v: encode_value(schema, v))
    least = max(lo, 1)
    if least > MAX_VALUE_SIZE:
        return st.nothing()
    most = least + _EXTRA_OCCURRENCES if hi is None else min(hi, least + _EXTRA_OCCURRENCES)
    lists = _lists(values, min_size=least, max_size=most)

    def encode(drawn: tuple[list[Any], bool]) -> object:
        vals, single = drawn
        if single and len(vals) == 1 and lo <= 1:  # both forms are legal for one value (req 19)
            return encode_value(schema, vals[0])
        return [encode_value(schema, v) for v in vals]

    return st.tuples(lists, st.booleans()).map(encode)


def _is_empty(strategy: SearchStrategy[Any]) -> bool:
    return bool(getattr(strategy, "is_empty", False))


def valid_inputs(description: Mapping[str, Any]) -> SearchStrategy[dict[str, Any]]:
    """Whole ``inputs`` maps, encoded per ``inputs.encode_input``: every required input, optional ones at random."""
    required: dict[str, SearchStrategy[Any]] = {}
    optional: dict[str, SearchStrategy[Any]] = {}
    for iid, idesc in input_descriptions(description).items():
        values = valid_values(input_schema(idesc))
        lo, _hi = occurs(idesc)
        if lo >= 1:
            required[iid] = _occurrences(idesc, values)
        elif not _is_empty(values):
            optional[iid] = _occurrences(idesc, values)
    return st.fixed_dictionaries(required, optional=optional)


def invalid_inputs(description: Mapping[str, Any]) -> SearchStrategy[tuple[str, dict[str, Any]]]:
    """(offending input id, ``inputs`` map) where exactly that input breaks the description: a value its
    schema rejects, a required input left out, or more/fewer occurrences than maxOccurs/minOccurs allow.
    The input is picked first (uniformly), then one of the ways it can be broken."""
    base = valid_inputs(description)
    by_input: dict[str, list[SearchStrategy[tuple[str, dict[str, Any]]]]] = {}
    for iid, idesc in input_descriptions(description).items():
        cases = _breaking_cases(base, iid, idesc)
        if cases:
            by_input[iid] = cases
    if not by_input:
        return st.nothing()
    return st.sampled_from(sorted(by_input)).flatmap(lambda iid: st.one_of(by_input[iid]))


def _breaking_cases(base: SearchStrategy[dict[str, Any]], iid: str,
                    idesc: Mapping[str, Any]) -> list[SearchStrategy[tuple[str, dict[str, Any]]]]:
    schema = input_schema(idesc)
    lo, hi = occurs(idesc)
    cases: list[SearchStrategy[tuple[str, dict[str, Any]]]] = []
    bad = invalid_values(schema)
    if lo == 0:
        bad = bad.filter(lambda v: v is not None)  # null may read as "absent", fine for an optional input
    if not _is_empty(bad):
        cases.append(st.tuples(base, bad).map(lambda t: (iid, {**t[0], iid: _encode_bad(idesc, t[1])})))
    if lo >= 1:
        cases.append(base.map(lambda m: (iid, {k: v for k, v in m.items() if k != iid})))
    good = valid_values(schema)
    if hi is not None and hi < MAX_VALUE_SIZE and not _is_empty(good):
        if hi < _DRAWN_OCCURRENCES_LIMIT:
            many = _lists(good, min_size=hi + 1, max_size=hi + 2)
        else:  # drawing maxOccurs + 1 values would overrun hypothesis' buffer: repeat one instead
            many = good.map(lambda v: [copy.deepcopy(v) for _ in range(hi + 1)])
        too_many = many.filter(lambda vs: bool(validate_value(schema, vs, strict_oneof=False)))  # not one valid value
        cases.append(st.tuples(base, too_many).map(
            lambda t: (iid, {**t[0], iid: [encode_value(schema, v) for v in t[1]]})))
    if lo > 1 and not _is_empty(good):
        too_few = _lists(good, min_size=1, max_size=min(lo - 1, _DRAWN_OCCURRENCES_LIMIT))
        cases.append(st.tuples(base, too_few).map(
            lambda t: (iid, {**t[0], iid: [encode_value(schema, v) for v in t[1]]})))
    return [c for c in cases if not _is_empty(c)]


def _encode_bad(idesc: Mapping[str, Any], value: object) -> object:
    """An invalid value in execute form; padded with valid occurrences so only the value itself is wrong."""
    schema = input_schema(idesc)
    lo, hi = occurs(idesc)
    if hi == 1:
        return encode_value(schema, value)
    filler = example_value(schema)
    return [encode_value(schema, copy.deepcopy(filler)) for _ in range(max(lo, 1) - 1)] + [encode_value(schema, value)]
