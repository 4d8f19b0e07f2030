"""Property tests of oaproc_testkit.strategies over the corpus in tests/input_corpus.py: every valid value
validates, every invalid value does not, and whole inputs maps respect the process description."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from input_corpus import (
    DESCRIPTIONS,
    OGC_ECHO,
    SCHEMAS,
    UNSUPPORTED,
    assert_execute_body_shape,
    assert_inputs_valid,
)

from oaproc_testkit.inputs import (
    decode_input,
    input_descriptions,
    input_schema,
    is_really_invalid,
    occurs,
    validate_value,
)
from oaproc_testkit.strategies import invalid_inputs, invalid_values, valid_inputs, valid_values

FAST = settings(max_examples=50, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def _json_round_trip(value: object) -> object:
    """Values must survive JSON: no NaN/infinity (allow_nan=False) and no lone surrogates (UTF-8 encode)."""
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
    return json.loads(text)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_valid_values_validate(name: str) -> None:
    schema = SCHEMAS[name]

    @FAST
    @given(valid_values(schema))
    def prop(value: Any) -> None:
        assert validate_value(schema, value) == [], value
        assert validate_value(schema, _json_round_trip(value)) == []

    prop()


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_invalid_values_do_not_validate(name: str) -> None:
    schema = SCHEMAS[name]

    @FAST
    @given(invalid_values(schema))
    def prop(value: Any) -> None:
        assert validate_value(schema, value), value
        assert validate_value(schema, value, strict_oneof=False), value
        _json_round_trip(value)

    prop()


def test_valid_values_reach_the_edges() -> None:
    """Generation covers the range, not one point: both ends of an exclusive integer range, both oneOf kinds."""
    seen: set[Any] = set()
    kinds: set[type] = set()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(valid_values(SCHEMAS["int_exclusive_2019"]), valid_values(SCHEMAS["string_or_object"]))
    def prop(number: int, mixed: Any) -> None:
        seen.add(number)
        kinds.add(type(mixed))

    prop()
    assert seen == set(range(-4, 5))
    assert kinds == {str, dict}


def test_nullable_generates_null_and_non_nullable_rejects_it() -> None:
    nulls: list[bool] = []

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(valid_values(SCHEMAS["nullable_number"]), invalid_values({"type": "number"}))
    def prop(value: Any, bad: Any) -> None:
        nulls.append(value is None)
        assert not isinstance(bad, (int, float)) or isinstance(bad, bool)

    prop()
    assert any(nulls) and not all(nulls)


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_constructs_fall_back(name: str) -> None:
    schema = UNSUPPORTED[name]
    valid = valid_values(schema)
    invalid = invalid_values(schema)

    @settings(max_examples=20, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(valid.map(lambda v: ("ok", v)), invalid.map(lambda v: ("bad", v))))
    def prop(case: tuple[str, Any]) -> None:
        kind, value = case
        assert (validate_value(schema, value) == []) == (kind == "ok")

    if valid.is_empty and invalid.is_empty:
        return  # nothing can be said about this schema, and both strategies admit it
    prop()


def test_opaque_reference_has_no_invalid_values() -> None:
    assert invalid_values(UNSUPPORTED["opaque_ref"]).is_empty


@pytest.mark.parametrize("name", sorted(DESCRIPTIONS))
def test_valid_inputs_respect_the_description(name: str) -> None:
    description = DESCRIPTIONS[name]

    @FAST
    @given(valid_inputs(description))
    def prop(inputs: dict[str, Any]) -> None:
        assert_execute_body_shape({"inputs": inputs}, description)
        assert_inputs_valid(description, inputs)
        _json_round_trip(inputs)

    prop()


@pytest.mark.parametrize("name", sorted(DESCRIPTIONS))
def test_invalid_inputs_break_the_named_input(name: str) -> None:
    description = DESCRIPTIONS[name]
    declared = input_descriptions(description)

    @FAST
    @given(invalid_inputs(description))
    def prop(case: tuple[str, dict[str, Any]]) -> None:
        iid, inputs = case
        assert_execute_body_shape({"inputs": inputs}, description)
        others = {k: v for k, v in inputs.items() if k != iid}
        assert_inputs_valid({"inputs": {k: d for k, d in declared.items() if k != iid}}, others)
        idesc = declared[iid]
        lo, hi = occurs(idesc)
        schema = input_schema(idesc)
        if iid not in inputs:
            assert lo >= 1
            return
        raw = inputs[iid]
        values = decode_input(idesc, raw)
        count_ok = max(lo, 1) <= len(values) and (hi is None or len(values) <= hi)
        if count_ok:
            assert any(is_really_invalid(schema, v) for v in values), (iid, raw)
        else:
            occ = [o["value"] if isinstance(o, dict) and "value" in o else o for o in raw]
            assert hi != 1 or is_really_invalid(schema, occ), (iid, raw)
        _json_round_trip(inputs)

    prop()


def test_invalid_inputs_reach_every_input_of_the_ogc_echo() -> None:
    hit: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(invalid_inputs(OGC_ECHO))
    def prop(case: tuple[str, dict[str, Any]]) -> None:
        hit.add(case[0])

    prop()
    assert hit == set(input_descriptions(OGC_ECHO))


def test_valid_inputs_use_both_array_forms_for_multi_occurrence_inputs() -> None:
    forms: set[str] = set()
    manytags = input_descriptions(OGC_ECHO)["manyTags"]

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)
    @given(valid_inputs({"inputs": {"manyTags": manytags | {"minOccurs": 1}}}))
    def prop(inputs: dict[str, Any]) -> None:
        forms.add("array" if isinstance(inputs["manyTags"], list) else "single")

    prop()
    assert forms == {"array", "single"}


# -- random schemas: the generators must not crash and must stay truthful ----------------------------
_NUM = st.one_of(st.integers(-20, 20), st.floats(-20, 20, allow_nan=False))
_SIMPLE = st.one_of(st.text(max_size=4), st.integers(-5, 5), st.booleans(), st.floats(-5, 5, allow_nan=False))
_LEAF = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["string", "integer", "number", "boolean", "array", "object", "float", "null"])
    | st.lists(st.sampled_from(["string", "integer", "null"]), max_size=2),
    "minimum": _NUM, "maximum": _NUM, "exclusiveMinimum": st.booleans() | _NUM,
    "exclusiveMaximum": st.booleans() | _NUM, "multipleOf": st.sampled_from([1, 2, 3, 0.5, 0.1, 0.25, 7]),
    "minLength": st.integers(0, 5), "maxLength": st.integers(0, 10),
    "pattern": st.sampled_from(["^[a-z]+$", "^\\d{2,3}$", "x", "^(?=a)a.*$", "[", "^$", "^(ab|c)*$"]),
    "format": st.sampled_from(["date-time", "date", "uri", "byte", "binary", "ogc-bbox", "geojson-geometry",
                               "int32", "double", "uuid"]),
    "contentEncoding": st.sampled_from(["base64", "binary"]),
    "contentMediaType": st.sampled_from(["application/json", "image/png", "text/xml"]),
    "enum": st.lists(_SIMPLE, min_size=1, max_size=3), "nullable": st.booleans(), "const": _SIMPLE,
    "default": _SIMPLE, "example": _SIMPLE, "minItems": st.integers(0, 3), "maxItems": st.integers(0, 4),
    "uniqueItems": st.booleans(),
    "$ref": st.sampled_from(["bbox.yaml", "#/x/Opaque", "https://geojson.org/schema/Feature.json"]),
})
_SCHEMAS = st.recursive(_LEAF, lambda inner: st.one_of(
    st.builds(lambda b, i: {**b, "type": "array", "items": i}, _LEAF, inner),
    st.builds(lambda b, ps, req, ap: {**b, "type": "object", "properties": ps, "required": req,
                                      "additionalProperties": ap},
              _LEAF, st.dictionaries(st.sampled_from("abcd"), inner, max_size=3),
              st.lists(st.sampled_from("abcde"), max_size=2, unique=True), st.booleans() | inner),
    st.builds(lambda k, bs: {k: bs}, st.sampled_from(["allOf", "oneOf", "anyOf"]), st.lists(inner, min_size=1,
                                                                                         max_size=3)),
    st.builds(lambda b, n: {**b, "not": n}, _LEAF, inner),
), max_leaves=6)


@settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(_SCHEMAS, st.data())
def test_random_schemas_do_not_break_the_generators(schema: dict[str, Any], data: st.DataObject) -> None:
    from oaproc_testkit.inputs import build_execute_request, example_value, invalid_examples, invalid_variants

    _json_round_trip(example_value(schema))
    for _what, value in invalid_examples(schema):
        assert is_really_invalid(schema, value)
    description = {"inputs": {"a": {"schema": schema}, "b": {"schema": schema, "minOccurs": 0, "maxOccurs": 3}}}
    assert_execute_body_shape(build_execute_request(description, include_optional=True), description)
    invalid_variants(description)
    for strategy, want_valid in ((valid_values(schema), True), (invalid_values(schema), False)):
        if strategy.is_empty:
            continue
        value = data.draw(strategy)
        assert (validate_value(schema, value) == []) is want_valid
        _json_round_trip(value)
    valid_inputs(description).validate()
    invalid_inputs(description).validate()
