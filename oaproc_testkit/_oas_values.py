"""Check JSON values against the OAS 3.0 schema-object subset that process descriptions use
(``schema.yaml`` of OGC API - Processes 1.0): the validator behind ``inputs.validate_value``.

Where real servers stray from OAS 3.0 the check stays lenient rather than guessing: numeric
``exclusiveMinimum``/``exclusiveMaximum`` (JSON Schema 2019+) are accepted next to the boolean OAS
form, ``type`` may be a list or an alias such as ``float``, unknown types and unknown ``$ref`` targets
accept anything. A ``$ref`` is never fetched: references to bbox / GeoJSON schemas are recognised by
the end of their URL and checked structurally, every other reference is opaque.

``oneOf`` means "exactly one branch" unless ``strict_oneof=False`` (then "at least one", the lenient
reading the requirements digest §4.5 recommends). Branches told apart only by ``contentMediaType``
(a multi-type input, /req/core/process-execute-input-mixed-type) count as one match: the qualified
value's ``mediaType`` picks the branch, not the value itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"
GEOJSON_MEDIA_TYPE = "application/geo+json"

BBOX = "ogc-bbox"
GEOMETRY = "geojson-geometry"
FEATURE = "geojson-feature"
FEATURE_COLLECTION = "geojson-feature-collection"
SHAPES = frozenset({BBOX, GEOMETRY, FEATURE, FEATURE_COLLECTION})
GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                            "GeometryCollection"})

# Type names seen in the wild (pygeoapi's Echo declares "float") mapped onto JSON Schema types.
TYPE_ALIASES = {"float": "number", "double": "number", "int": "integer", "long": "integer", "str": "string",
                "bool": "boolean", "dict": "object", "list": "array"}
JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
BINARY_FORMATS = frozenset({"byte", "binary"})
BINARY_ENCODINGS = frozenset({"base64", "binary"})

_MAX_DEPTH = 64
_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$")
_NO_SPACE = re.compile(r"^\S*$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_\-]*={0,2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PATTERNS: dict[str, "BoundedPattern | None"] = {}


# -- small helpers shared with inputs.py / strategies.py ---------------------------------------------
def is_number(x: object) -> bool:
    """A JSON number (bool is excluded although Python counts it as an int)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def int_keyword(schema: Mapping[str, Any], key: str) -> int | None:
    """An integer keyword (``minLength``, ``maxItems``, ...) or None when absent or not an integer."""
    value = schema.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def map_keyword(schema: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """An object keyword (``properties``, ``items``, ...); empty when absent or not an object."""
    value = schema.get(key)
    return value if isinstance(value, Mapping) else {}


def positive_number(schema: Mapping[str, Any], key: str) -> float | None:
    """A number keyword that must be > 0 (``multipleOf``), or None."""
    value = schema.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value
    return None


MAX_VALUE_SIZE = 4096  # characters, items or occurrences of any value the toolkit builds


class ValueTooLarge(ValueError):
    """A schema that forces a value larger than ``MAX_VALUE_SIZE`` (``minLength: 1e9``): not built."""


def too_large(what: str, size: int) -> ValueTooLarge:
    return ValueTooLarge(f"{what} forces a value of {size} (more than the {MAX_VALUE_SIZE} the toolkit builds)")


PATTERN_BUDGET_S = 1.0  # longest one search against a server-supplied pattern may take (wall clock, so generous)


class PatternTooCostly(Exception):
    """A server-supplied ``pattern`` whose matching exceeded the time budget (catastrophic backtracking):
    values cannot be generated or judged against it. ``str()`` is the one-line reason."""

    def __init__(self, pattern: str) -> None:
        super().__init__(f"pattern too costly to use: {pattern[:80]!r} (one match took over {PATTERN_BUDGET_S} s)")
        self.pattern = pattern


class BoundedPattern:
    """A compiled server pattern whose ``search`` is bounded in time (the ``regex`` engine's timeout).

    Python's ``re`` cannot be interrupted, and ``^(|(!+)+a)$`` against forty ``!`` backtracks for hours.
    A search that runs out of budget raises ``PatternTooCostly``, and so does every later search of
    the same pattern (no second wait). ``re`` is the ``re`` compilation (for hypothesis' ``from_regex``
    and the example builder, which generate by construction and never backtrack)."""

    def __init__(self, source: str, rx: re.Pattern[str], bounded: Any) -> None:
        self.pattern = source
        self.re = rx
        self._bounded = bounded
        self.costly = False

    def search(self, text: str) -> Any:
        if self.costly:
            raise PatternTooCostly(self.pattern)
        if self._bounded is None:
            return self.re.search(text)
        try:
            return self._bounded.search(text, timeout=PATTERN_BUDGET_S)
        except TimeoutError:
            self.costly = True
            raise PatternTooCostly(self.pattern) from None


def compiled_pattern(pattern: str) -> BoundedPattern | None:
    """``pattern`` compiled (cached) with ECMA 262 meaning where Python differs, or None when ``re``
    cannot read it. In ECMA ``$`` matches only at the very end (Python also before a final newline)
    and ``\\d``/``\\w`` are ASCII-only, so ``$`` becomes ``\\Z`` and the pattern is compiled ASCII.
    Searches are bounded in time (``BoundedPattern``)."""
    if pattern not in _PATTERNS:
        try:
            source = _ecma_anchors(pattern)
            rx = re.compile(source, re.ASCII)
        except (re.error, OverflowError, RecursionError, ValueError):
            _PATTERNS[pattern] = None
        else:
            try:
                import regex

                bounded = regex.compile(source, regex.ASCII | regex.VERSION0)
            except Exception:  # noqa: BLE001 - a pattern the regex engine reads differently: re, unbounded
                bounded = None
            _PATTERNS[pattern] = BoundedPattern(pattern, rx, bounded)
    return _PATTERNS[pattern]


def _ecma_anchors(pattern: str) -> str:
    """``pattern`` with every unescaped ``$`` outside a character class replaced by ``\\Z``."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":  # a "]" right after "[" or "[^" is a literal member
                out.append("[^")
                i += 2
            else:
                out.append("[")
                i += 1
            if pattern[i:i + 1] == "]":
                out.append("]")
                i += 1
            continue
        elif ch == "$":
            out.append("\\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def norm_format(schema: Mapping[str, Any]) -> str | None:
    """The schema's ``format`` in lower case; an OGC format URI is shortened to its last segment."""
    fmt = schema.get("format")
    if not isinstance(fmt, str):
        return None
    if fmt.startswith(("http://", "https://")):
        fmt = fmt.rstrip("/").rsplit("/", 1)[-1]
    return fmt.lower()


def ref_shape(ref: object) -> str | None:
    """bbox / GeoJSON kind named by the end of a ``$ref`` URL (``.../bbox.yaml``, ``.../Feature.json``)."""
    if not isinstance(ref, str):
        return None
    stem = ref.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0] or ref.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0].lower() if "." in stem else stem.lower()
    if stem in ("bbox", "boundingbox", "ogc-bbox"):
        return BBOX
    if "featurecollection" in stem:
        return FEATURE_COLLECTION
    if "feature" in stem:
        return FEATURE
    if "geometry" in stem or stem in {t.lower() for t in GEOMETRY_TYPES}:
        return GEOMETRY
    return None


def shape_of(schema: Mapping[str, Any]) -> str | None:
    """The structured kind (bbox or a GeoJSON kind) the schema names through ``format`` or ``$ref``."""
    fmt = norm_format(schema)
    if fmt in SHAPES:
        return fmt
    return ref_shape(schema.get("$ref"))


def declared_types(schema: Mapping[str, Any]) -> list[str] | None:
    """The schema's types normalised to JSON type names, or None when it declares none it understands."""
    raw = schema.get("type")
    names = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
    out = []
    for name in names:
        if not isinstance(name, str):
            continue
        name = TYPE_ALIASES.get(name.lower(), name.lower())
        if name not in JSON_TYPES:
            return None  # an unknown type name: accept any value rather than reject valid input
        out.append(name)
    return out or None


def json_type(value: object) -> str:
    """The JSON type name of a Python value decoded from JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def has_type(value: object, name: str) -> bool:
    """``value`` is of JSON type ``name`` (integral floats count as integers, as in JSON Schema)."""
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if name == "number":
        return is_number(value)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "array":
        return isinstance(value, (list, tuple))
    if name == "object":
        return isinstance(value, Mapping)
    if name == "null":
        return value is None
    return True


def json_equal(a: object, b: object) -> bool:
    """JSON equality: 1 == 1.0, but true != 1 and key order does not matter."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def numeric_bounds(schema: Mapping[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    """(lower, lower exclusive?, upper, upper exclusive?) from OAS 3.0 boolean and 2019+ numeric forms."""
    lo: float | None = None
    hi: float | None = None
    lo_x = hi_x = False
    if is_number(schema.get("minimum")):
        lo, lo_x = schema["minimum"], schema.get("exclusiveMinimum") is True
    if is_number(schema.get("exclusiveMinimum")) and (lo is None or schema["exclusiveMinimum"] >= lo):
        lo, lo_x = schema["exclusiveMinimum"], True
    if is_number(schema.get("maximum")):
        hi, hi_x = schema["maximum"], schema.get("exclusiveMaximum") is True
    if is_number(schema.get("exclusiveMaximum")) and (hi is None or schema["exclusiveMaximum"] <= hi):
        hi, hi_x = schema["exclusiveMaximum"], True
    return lo, lo_x, hi, hi_x


def is_multiple(value: float, step: float) -> bool:
    """``value`` is a multiple of ``step``: exact in decimal, or in binary floating point (either counts)."""
    if step <= 0:
        return True
    try:
        quotient = Decimal(repr(value)) / Decimal(repr(step))
        if quotient == quotient.to_integral_value():
            return True
    except (InvalidOperation, ValueError):
        pass
    return float_multiple(value, step)


def float_multiple(value: float, step: float) -> bool:
    """The floating-point test most validators run (``value / step`` is a whole number)."""
    if step <= 0:
        return True
    if isinstance(value, int) and isinstance(step, int):
        return value % step == 0
    try:
        q = value / step
    except OverflowError:
        return False
    return math.isfinite(q) and float(q).is_integer()


def media_type_of(schema: object) -> str | None:
    """The media type a (branch) schema stands for: ``contentMediaType``, or GeoJSON for GeoJSON shapes."""
    if not isinstance(schema, Mapping):
        return None
    mt = schema.get("contentMediaType")
    if isinstance(mt, str) and mt:
        return mt
    for sub in schema.get("allOf") or ():
        found = media_type_of(sub)
        if found:
            return found
    if shape_of(schema) in (GEOMETRY, FEATURE, FEATURE_COLLECTION):
        return GEOJSON_MEDIA_TYPE
    return None


def base64_ok(text: str) -> bool:
    """Loose base64 check (standard or URL-safe alphabet, padding optional, whitespace ignored)."""
    compact = "".join(text.split())
    return bool(_BASE64.match(compact)) and len(compact.rstrip("=")) % 4 != 1


def schema_parts(schema: object, depth: int = 0) -> list[Mapping[str, Any]]:
    """The schema and the allOf/oneOf/anyOf parts it is built from (a few levels deep)."""
    if not isinstance(schema, Mapping) or depth > 4:
        return []
    out = [schema]
    for key in ("allOf", "oneOf", "anyOf"):
        subs = schema.get(key)
        if isinstance(subs, list):
            for sub in subs:
                out.extend(schema_parts(sub, depth + 1))
    return out


def is_binary_schema(schema: Mapping[str, Any]) -> bool:
    """A string schema for binary content (format byte/binary or contentEncoding base64/binary)."""
    types = declared_types(schema) or []
    return (not types or "string" in types) and (
        norm_format(schema) in BINARY_FORMATS or schema.get("contentEncoding") in BINARY_ENCODINGS)


# -- the validator ------------------------------------------------------------------------------------
def validate_value(schema: object, value: object, *, strict_oneof: bool = True) -> list[str]:
    """Every way ``value`` violates ``schema`` as ``"$.path: message"`` lines; empty when it conforms."""
    errors: list[str] = []
    _check(schema, value, "$", strict_oneof, errors, 0)
    return errors


def _check(schema: object, value: object, path: str, strict: bool, out: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        out.append(f"{path}: schema nested too deeply to check")
        return
    if schema is False:
        out.append(f"{path}: no value is allowed here")
        return
    if not isinstance(schema, Mapping):
        return
    if "$ref" in schema:  # OAS 3.0: siblings of $ref are ignored
        shape = ref_shape(schema["$ref"])
        if shape:
            _check_shape(shape, value, path, out)
        return
    if value is None and schema.get("nullable") is True:
        return
    types = declared_types(schema)
    if types is not None and not any(has_type(value, t) for t in types):
        out.append(f"{path}: expected {' or '.join(types)}, got {json_type(value)}")
        return
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(json_equal(value, e) for e in enum):
        out.append(f"{path}: {_short(value)} is not one of {_short(enum)}")
    if "const" in schema and not json_equal(value, schema["const"]):  # not OAS 3.0, but servers write it
        out.append(f"{path}: {_short(value)} is not the constant {_short(schema['const'])}")
    shape = shape_of(schema)
    if shape:
        _check_shape(shape, value, path, out)
    if is_number(value):
        _check_number(schema, value, path, out)  # type: ignore[arg-type]
    elif isinstance(value, str):
        _check_string(schema, value, path, out)
    elif isinstance(value, (list, tuple)):
        _check_array(schema, value, path, strict, out, depth)
    elif isinstance(value, Mapping):
        _check_object(schema, value, path, strict, out, depth)
    _check_combinators(schema, value, path, strict, out, depth)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_number(schema: Mapping[str, Any], value: float, path: str, out: list[str]) -> None:
    lo, lo_x, hi, hi_x = numeric_bounds(schema)
    if lo is not None and (value < lo or (lo_x and value == lo)):
        out.append(f"{path}: {value!r} is {'not above' if lo_x else 'below'} the minimum {lo!r}")
    if hi is not None and (value > hi or (hi_x and value == hi)):
        out.append(f"{path}: {value!r} is {'not below' if hi_x else 'above'} the maximum {hi!r}")
    step = positive_number(schema, "multipleOf")
    if step is not None and not is_multiple(value, step):
        out.append(f"{path}: {value!r} is not a multiple of {step!r}")


def _check_string(schema: Mapping[str, Any], value: str, path: str, out: list[str]) -> None:
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if isinstance(lo, int) and len(value) < lo:
        out.append(f"{path}: string of length {len(value)} is shorter than minLength {lo}")
    if isinstance(hi, int) and len(value) > hi:
        out.append(f"{path}: string of length {len(value)} is longer than maxLength {hi}")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        rx = compiled_pattern(pattern)
        if rx is not None and not rx.search(value):
            out.append(f"{path}: {_short(value)} does not match pattern {pattern!r}")
    problem = string_format_problem(schema, value)
    if problem:
        out.append(f"{path}: {problem}")


def string_format_problem(schema: Mapping[str, Any], value: str) -> str | None:
    """Why ``value`` breaks the schema's string ``format``/``contentEncoding`` (None when it does not)."""
    fmt = norm_format(schema)
    enc = schema.get("contentEncoding")
    if fmt == "date-time":
        m = _DATE_TIME.match(value)
        if not m or not _date_ok(m.group(1), m.group(2), m.group(3)) or not _clock_ok(m.group(4), m.group(5),
                                                                                      m.group(6)):
            return f"{_short(value)} is not an RFC 3339 date-time"
    elif fmt == "date":
        m = _DATE.match(value)
        if not m or not _date_ok(m.group(1), m.group(2), m.group(3)):
            return f"{_short(value)} is not an RFC 3339 full-date"
    elif fmt == "time":
        m = _TIME.match(value)
        if not m or not _clock_ok(m.group(1), m.group(2), m.group(3)):
            return f"{_short(value)} is not an RFC 3339 time"
    elif fmt in ("uri", "url", "iri"):
        if not _URI.match(value):
            return f"{_short(value)} is not an absolute URI"
    elif fmt in ("uri-reference", "iri-reference"):
        if not _NO_SPACE.match(value):
            return f"{_short(value)} is not a URI reference"
    elif fmt == "uuid":
        if not _UUID.match(value):
            return f"{_short(value)} is not a UUID"
    elif fmt == "email":
        if not _EMAIL.match(value):
            return f"{_short(value)} is not an e-mail address"
    if (fmt == "byte" or enc == "base64") and not base64_ok(value):
        return f"{_short(value)} is not base64"
    return None


def _date_ok(y: str, m: str, d: str) -> bool:
    try:
        date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True


def _clock_ok(h: str, mi: str, s: str) -> bool:
    return int(h) < 24 and int(mi) < 60 and int(s) <= 60


def _check_array(schema: Mapping[str, Any], value: list[Any] | tuple[Any, ...], path: str, strict: bool,
                 out: list[str], depth: int) -> None:
    lo, hi = schema.get("minItems"), schema.get("maxItems")
    if isinstance(lo, int) and len(value) < lo:
        out.append(f"{path}: {len(value)} items, fewer than minItems {lo}")
    if isinstance(hi, int) and len(value) > hi:
        out.append(f"{path}: {len(value)} items, more than maxItems {hi}")
    if schema.get("uniqueItems") is True:
        for i, item in enumerate(value):
            if any(json_equal(item, other) for other in value[:i]):
                out.append(f"{path}[{i}]: duplicate item {_short(item)} (uniqueItems)")
                break
    items = schema.get("items")
    if isinstance(items, (Mapping, bool)):
        for i, item in enumerate(value):
            _check(items, item, f"{path}[{i}]", strict, out, depth + 1)
    elif isinstance(items, list):  # tuple form (not OAS 3.0, but seen): check positionally
        for i, (item, sub) in enumerate(zip(value, items, strict=False)):
            _check(sub, item, f"{path}[{i}]", strict, out, depth + 1)


def _check_object(schema: Mapping[str, Any], value: Mapping[str, Any], path: str, strict: bool, out: list[str],
                  depth: int) -> None:
    required = schema.get("required")
    if isinstance(required, list):
        for name in required:
            if isinstance(name, str) and name not in value:
                out.append(f"{path}: required property {name!r} is missing")
    props = schema.get("properties")
    props = props if isinstance(props, Mapping) else {}
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        where = f"{path}.{key}"
        if key in props:
            _check(props[key], item, where, strict, out, depth + 1)
        elif extra is False:
            out.append(f"{path}: additional property {key!r} is not allowed")
        elif isinstance(extra, Mapping):
            _check(extra, item, where, strict, out, depth + 1)
    lo, hi = schema.get("minProperties"), schema.get("maxProperties")
    if isinstance(lo, int) and len(value) < lo:
        out.append(f"{path}: {len(value)} properties, fewer than minProperties {lo}")
    if isinstance(hi, int) and len(value) > hi:
        out.append(f"{path}: {len(value)} properties, more than maxProperties {hi}")


def _check_combinators(schema: Mapping[str, Any], value: object, path: str, strict: bool, out: list[str],
                       depth: int) -> None:
    all_of = schema.get("allOf")
    if isinstance(all_of, list):
        for sub in all_of:
            _check(sub, value, path, strict, out, depth + 1)
    any_of = schema.get("anyOf")
    if isinstance(any_of, list) and any_of:
        if not any(_matches(sub, value, strict, depth) for sub in any_of):
            out.append(f"{path}: {_short(value)} matches none of the {len(any_of)} anyOf branches")
    one_of = schema.get("oneOf")
    if isinstance(one_of, list) and one_of:
        matched = [sub for sub in one_of if _matches(sub, value, strict, depth)]
        if not matched:
            out.append(f"{path}: {_short(value)} matches none of the {len(one_of)} oneOf branches")
        elif strict and len(matched) > 1 and not _told_apart_by_media_type(matched):
            out.append(f"{path}: {_short(value)} matches {len(matched)} oneOf branches, not exactly one")
    not_schema = schema.get("not")
    if isinstance(not_schema, (Mapping, bool)) and _matches(not_schema, value, strict, depth):
        out.append(f"{path}: {_short(value)} matches the 'not' schema")


def _matches(schema: object, value: object, strict: bool, depth: int) -> bool:
    errs: list[str] = []
    _check(schema, value, "$", strict, errs, depth + 1)
    return not errs


def _told_apart_by_media_type(branches: list[Any]) -> bool:
    kinds = [media_type_of(b) for b in branches]
    return all(kinds) and len(set(kinds)) == len(kinds)


# -- bbox and GeoJSON, loosely ------------------------------------------------------------------------
def _check_shape(shape: str, value: object, path: str, out: list[str]) -> None:
    problem = {BBOX: bbox_problem, GEOMETRY: geometry_problem, FEATURE: feature_problem,
               FEATURE_COLLECTION: feature_collection_problem}[shape](value)
    if problem:
        out.append(f"{path}: {problem}")


def bbox_problem(value: object) -> str | None:
    """Why ``value`` is not a ``bbox.yaml`` object (``{"bbox": [4 or 6 numbers], "crs"?: uri}``)."""
    if not isinstance(value, Mapping):
        return f"a bounding box must be an object, got {json_type(value)}"
    box = value.get("bbox")
    if not isinstance(box, (list, tuple)) or len(box) not in (4, 6) or not all(is_number(x) for x in box):
        return f"'bbox' must be an array of 4 or 6 numbers, got {_short(box)}"
    if "crs" in value and not isinstance(value["crs"], str):
        return f"'crs' must be a string (URI), got {json_type(value['crs'])}"
    return None


def geometry_problem(value: object) -> str | None:
    """Why ``value`` is not a GeoJSON geometry object (shape only; coordinates are not checked deeply)."""
    if not isinstance(value, Mapping):
        return f"a GeoJSON geometry must be an object, got {json_type(value)}"
    kind = value.get("type")
    if kind not in GEOMETRY_TYPES:
        return f"GeoJSON geometry 'type' must be one of {sorted(GEOMETRY_TYPES)}, got {_short(kind)}"
    if kind == "GeometryCollection":
        parts = value.get("geometries")
        if not isinstance(parts, (list, tuple)):
            return "a GeometryCollection needs a 'geometries' array"
        for part in parts:
            problem = geometry_problem(part)
            if problem:
                return problem
        return None
    if not isinstance(value.get("coordinates"), (list, tuple)):
        return f"a GeoJSON {kind} needs a 'coordinates' array"
    return None


def feature_problem(value: object) -> str | None:
    """Why ``value`` is not a GeoJSON Feature."""
    if not isinstance(value, Mapping):
        return f"a GeoJSON Feature must be an object, got {json_type(value)}"
    if value.get("type") != "Feature":
        return f"a GeoJSON Feature has type 'Feature', got {_short(value.get('type'))}"
    geom = value.get("geometry")
    if geom is not None:
        problem = geometry_problem(geom)
        if problem:
            return problem
    if "properties" in value and value["properties"] is not None and not isinstance(value["properties"], Mapping):
        return "a GeoJSON Feature's 'properties' must be an object or null"
    return None


def feature_collection_problem(value: object) -> str | None:
    """Why ``value`` is not a GeoJSON FeatureCollection."""
    if not isinstance(value, Mapping):
        return f"a GeoJSON FeatureCollection must be an object, got {json_type(value)}"
    if value.get("type") != "FeatureCollection":
        return f"a GeoJSON FeatureCollection has type 'FeatureCollection', got {_short(value.get('type'))}"
    feats = value.get("features")
    if not isinstance(feats, (list, tuple)):
        return "a GeoJSON FeatureCollection needs a 'features' array"
    for feat in feats:
        problem = feature_problem(feat)
        if problem:
            return problem
    return None
