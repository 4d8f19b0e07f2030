"""Tests of oaproc_testkit.inputs: the OAS 3.0 value validator, example values, OAProc encodings, execute
bodies and invalid variants, over the corpus in tests/input_corpus.py."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest
from input_corpus import (
    CRS84,
    DESCRIPTIONS,
    HELLO_WORLD,
    OGC_ECHO,
    PYGEOAPI_ECHO,
    SCHEMAS,
    SHAPELY,
    SLEEP,
    UNSUPPORTED,
    assert_execute_body_shape,
    assert_inputs_valid,
)

from oaproc_testkit.inputs import (
    build_execute_request,
    decode_input,
    encode_input,
    example_value,
    input_descriptions,
    input_features,
    input_schema,
    invalid_examples,
    invalid_variants,
    is_really_invalid,
    occurs,
    validate_value,
)


# -- validate_value ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("schema", "good", "bad"), [
    ({"type": "integer", "minimum": 0, "exclusiveMinimum": True}, [1, 7], [0, -1, 0.5, "1", True]),
    ({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3}, [1, 2, 2.0], [0, 3, 4]),
    ({"type": "number", "maximum": 10, "exclusiveMaximum": False}, [10, 9.99, -3], [10.01, None]),
    ({"type": "number", "maximum": 10, "exclusiveMaximum": True}, [9.99], [10, 10.0]),
    ({"type": "number", "nullable": True}, [None, 1.5], ["x"]),
    ({"type": "number", "multipleOf": 0.1}, [0.3, 0.2, 1, 0], [0.35, 0.05]),
    ({"type": "string", "enum": ["a", "b"]}, ["a"], ["c", 1]),
    ({"enum": [1, True]}, [1, 1.0, True], [False, 0, "1"]),
    ({"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"}, ["ab", "abc"], ["a", "abcd", "A1"]),
    ({"type": "string", "format": "date-time"}, ["2024-02-29T23:59:60.5+01:00", "2024-01-01T00:00:00Z"],
     ["2023-02-29T00:00:00Z", "2024-01-01", "2024-01-01T25:00:00Z"]),
    ({"type": "string", "format": "byte"}, ["b2Fwcm9j", "", "YQ=="], ["not base64!", "a"]),
    ({"type": "string", "format": "uri"}, ["http://127.0.0.1/x", "urn:a:b"], ["no scheme here", "/relative"]),
    ({"type": "array", "items": {"type": "integer"}, "uniqueItems": True, "minItems": 1}, [[1, 2]],
     [[], [1, 1.0], [1, "x"]]),
    ({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}, "additionalProperties": False},
     [{"a": "x"}], [{}, {"a": 1}, {"a": "x", "b": 1}, "a"]),
    ({"type": "float"}, [1.5, 2], ["1.5"]),
    ({"type": "flavour"}, ["anything", 1, None], []),
    ({"allOf": [{"format": "ogc-bbox"}, {"$ref": "../bbox.yaml"}]},
     [{"bbox": [1, 2, 3, 4]}, {"bbox": [1, 2, 3, 4, 5, 6], "crs": CRS84}],
     [{"bbox": [1, 2, 3]}, {"crs": CRS84}, {"bbox": [1, 2, 3, 4], "crs": 84}, "1,2,3,4"]),
    ({"$ref": "#/components/schemas/Opaque"}, [1, "x", {}, None], []),
    ({"type": "object", "format": "http://www.opengis.net/def/format/ogcapi-processes/0/geojson-feature"},
     [{"type": "Feature", "geometry": None, "properties": {}}], [{"type": "Point", "coordinates": [1, 2]}]),
    ({"$ref": "https://geojson.org/schema/FeatureCollection.json"},
     [{"type": "FeatureCollection", "features": []}], [{"type": "FeatureCollection"}, []]),
    ({"type": "integer", "not": {"enum": [13]}}, [12], [13]),
    ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, [1, "x"], [1.5, None]),
])
def test_validate_value_accepts_and_rejects(schema: dict[str, Any], good: list[Any], bad: list[Any]) -> None:
    for value in good:
        assert validate_value(schema, value) == [], value
    for value in bad:
        assert validate_value(schema, value), value


def test_one_of_is_exactly_one_unless_lenient() -> None:
    overlapping = {"oneOf": [{"type": "number"}, {"type": "integer"}]}
    assert validate_value(overlapping, 1.5) == []
    errs = validate_value(overlapping, 2)
    assert errs and "2 oneOf branches" in errs[0]
    assert validate_value(overlapping, 2, strict_oneof=False) == []
    assert validate_value(overlapping, "x", strict_oneof=False)


def test_one_of_branches_told_apart_by_media_type_count_once() -> None:
    assert validate_value(SCHEMAS["binary_mixed"], "b2Fwcm9j") == []
    assert validate_value(SCHEMAS["feature_collection_mixed"], "<gml/>") == []
    assert validate_value(SCHEMAS["feature_collection_mixed"], {"type": "FeatureCollection", "features": []}) == []
    assert validate_value(SCHEMAS["feature_collection_mixed"], 5)


def test_error_messages_carry_the_path() -> None:
    errs = validate_value(SCHEMAS["nested"], {"point": [1, "x"], "tags": []})
    assert errs == ["$.point[1]: expected number, got string"]


def test_validator_agrees_with_oas30_validator_on_plain_schemas() -> None:
    """On schemas without our extensions, jsonschema's OAS 3.0 validator gives the same verdicts."""
    from openapi_schema_validator import OAS30Validator

    plain = ["hello_name", "echo_enum", "int_exclusive_oas30", "double_default", "int_multiple", "object_required",
             "measure", "array_ints", "array_unique_enum", "nullable_number", "epsg_pattern", "short_string",
             "boolean", "int_or_auto", "not_thirteen", "nested", "string_or_object"]
    for name in plain:
        schema = SCHEMAS[name]
        validator = OAS30Validator(schema)
        values = [example_value(schema)] + [v for _w, v in invalid_examples(schema)]
        for value in values:
            ours = validate_value(schema, value) == []
            assert ours == validator.is_valid(value), (name, value)


# -- example_value -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_example_value_is_valid(name: str) -> None:
    schema = SCHEMAS[name]
    assert validate_value(schema, example_value(schema)) == []


def test_example_value_priorities() -> None:
    assert example_value({"type": "integer", "example": 7, "default": 3, "enum": [3, 7]}) == 7
    assert example_value({"type": "integer", "default": 3, "enum": [3, 7]}) == 3
    assert example_value({"type": "integer", "enum": [9, 7]}) == 9
    assert example_value({"type": "integer", "example": 700, "maximum": 10}) != 700  # invalid example skipped
    assert example_value({"type": "integer", "minimum": 0, "exclusiveMinimum": True}) == 1
    assert example_value({"type": "number", "multipleOf": 0.1, "minimum": 0.25}) == 0.4  # 0.3 / 0.1 != 3 in floats
    assert example_value({"type": "string", "format": "date-time"}) == "2024-01-01T00:00:00Z"
    assert example_value({"type": "string", "pattern": "^EPSG:[0-9]{4,5}$"}) == "EPSG:0000"
    assert example_value({"type": "boolean"}) is False
    assert example_value(SCHEMAS["bbox_ref"]) == {"bbox": [5.0, 50.0, 6.0, 51.0], "crs": CRS84}
    assert base64.b64decode(example_value(SCHEMAS["binary_png"]))  # decodes
    uniq = example_value({"type": "array", "items": {"type": "integer"}, "minItems": 3, "uniqueItems": True})
    assert len(set(uniq)) == 3


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_constructs_do_not_crash(name: str) -> None:
    schema = UNSUPPORTED[name]
    example_value(schema)
    for _what, value in invalid_examples(schema):
        assert is_really_invalid(schema, value)


# -- invalid_examples --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_invalid_examples_are_really_invalid(name: str) -> None:
    schema = SCHEMAS[name]
    found = invalid_examples(schema)
    assert found, f"no invalid example for {name}"
    for what, value in found:
        assert validate_value(schema, value), (what, value)
        assert validate_value(schema, value, strict_oneof=False), (what, value)


def test_invalid_examples_name_what_they_break() -> None:
    kinds = dict(invalid_examples(SCHEMAS["int_exclusive_oas30"]))
    assert kinds["equal to exclusive minimum"] == 0
    assert kinds["equal to exclusive maximum"] == 100
    assert kinds["below minimum"] == -1 and kinds["above maximum"] == 101
    kinds = dict(invalid_examples(SCHEMAS["int_exclusive_2019"]))
    assert kinds["equal to exclusive minimum"] == -5 and kinds["equal to exclusive maximum"] == 5
    whats = [w for w, _ in invalid_examples(SCHEMAS["object_required"])]
    assert "missing required property 'property1'" in whats
    assert any(w.startswith("property 'property3': wrong type") for w in whats)
    assert "not in enum" in dict(invalid_examples(SCHEMAS["echo_enum"]))
    assert "string too long" in dict(invalid_examples(SCHEMAS["short_string"]))
    assert "pattern mismatch" in dict(invalid_examples(SCHEMAS["epsg_pattern"]))
    assert "bbox with 3 numbers" in dict(invalid_examples(SCHEMAS["bbox_ref"]))
    assert "additional property: " not in " ".join(w for w, _ in invalid_examples(SCHEMAS["measure"]))
    assert invalid_examples(UNSUPPORTED["opaque_ref"]) == []


def test_invalid_arrays_for_single_inputs_are_unambiguous() -> None:
    """A list sent for a maxOccurs=1 input may be read as occurrences: none of its items may be valid."""
    for name in ("hello_name", "echo_enum", "date_time"):
        for _what, value in invalid_examples(SCHEMAS[name]):
            if isinstance(value, list):
                assert all(validate_value(SCHEMAS[name], item) for item in value)


# -- features and encoding ---------------------------------------------------------------------------
def test_input_features() -> None:
    ins = input_descriptions(OGC_ECHO)
    assert input_features(ins["stringInput"]) == {"literal"}
    assert input_features(ins["complexObjectInput"]) == {"object"}
    assert input_features(ins["boundingBoxInput"]) == {"bbox"}
    assert {"array", "binary", "mixed", "complex"} <= input_features(ins["imagesInput"])
    assert {"array", "mixed", "complex"} <= input_features(ins["geometryInput"])
    assert "array" in input_features(ins["manyTags"])
    assert "object" not in input_features({"schema": SCHEMAS["bbox_inline"]})
    assert input_features({"schema": SCHEMAS["binary_png"]}) == {"binary", "complex"}


def test_encode_input_forms() -> None:
    ins = input_descriptions(OGC_ECHO)
    assert encode_input(ins["complexObjectInput"], {"property1": "a", "property5": True}) == {
        "value": {"property1": "a", "property5": True}}
    bbox = {"bbox": [1.0, 2.0, 3.0, 4.0], "crs": CRS84}
    assert encode_input(ins["boundingBoxInput"], bbox) == bbox
    assert encode_input({"schema": SCHEMAS["binary_png"]}, b"\x89PNG") == base64.b64encode(b"\x89PNG").decode()
    assert encode_input(ins["imagesInput"], "AAAA", as_array=True) == [
        {"value": "AAAA", "mediaType": "image/tiff; application=geotiff", "encoding": "base64"}]
    point = {"type": "Point", "coordinates": [1.0, 2.0]}
    assert encode_input(ins["geometryInput"], point) == [{"value": point, "mediaType": "application/geo+json"}]
    assert encode_input(ins["geometryInput"], [point, point]) == [
        {"value": point, "mediaType": "application/geo+json"}] * 2
    assert encode_input(ins["manyTags"], "x") == "x"
    assert encode_input(ins["manyTags"], ["x", "y"], as_array=True) == ["x", "y"]
    assert encode_input(ins["arrayInput"], [1, 2], as_array=True) == [[1, 2]]  # one array-typed value
    assert encode_input(ins["stringInput"], "Value1") == "Value1"


def test_decode_input_inverts_encode_input() -> None:
    for iid, idesc in input_descriptions(OGC_ECHO).items():
        value = example_value(input_schema(idesc))
        for as_array in (False, True):
            decoded = decode_input(idesc, encode_input(idesc, value, as_array=as_array))
            if as_array or occurs(idesc)[0] > 1:
                assert decoded == [value] or occurs(idesc)[1] == 1, iid
            else:
                assert decoded == [value], iid


# -- build_execute_request ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DESCRIPTIONS))
@pytest.mark.parametrize("include_optional", [False, True])
def test_build_execute_request_is_valid(name: str, include_optional: bool) -> None:
    description = DESCRIPTIONS[name]
    body = build_execute_request(description, include_optional=include_optional)
    assert_execute_body_shape(body, description)
    assert_inputs_valid(description, body["inputs"], strict=False)
    optional = {i for i, d in input_descriptions(description).items() if occurs(d)[0] == 0}
    assert bool(optional & set(body["inputs"])) == (include_optional and bool(optional))


def test_build_prefers_published_examples_that_fit() -> None:
    assert build_execute_request(HELLO_WORLD) == {"inputs": {"name": "World"}}
    assert build_execute_request(HELLO_WORLD, include_optional=True)["inputs"]["message"] == "An optional message."
    # pygeoapi Echo's example names a non-existent input and a pause outside the enum: neither is used
    assert build_execute_request(PYGEOAPI_ECHO) == {"inputs": {"echoInput": "Echo", "pause": 5.5}}
    assert build_execute_request(SHAPELY)["inputs"]["geoms"] == SHAPELY["example"]["inputs"]["geoms"]
    assert build_execute_request(SLEEP) == {"inputs": {"duration": 0.5}}  # OpenAPI Example Object form


def test_build_options() -> None:
    body = build_execute_request(OGC_ECHO, response="document", transmission="reference",
                                 inputs={"stringInput": "Value3", "extra": 1})
    assert body["response"] == "document"
    assert body["outputs"] == {"stringOutput": {"transmissionMode": "reference"},
                               "boundingBoxOutput": {"transmissionMode": "reference"}}
    assert body["inputs"]["stringInput"] == "Value3" and body["inputs"]["extra"] == 1
    body = build_execute_request(OGC_ECHO, outputs={"stringOutput": {}}, transmission="value")
    assert body["outputs"] == {"stringOutput": {"transmissionMode": "value"}}
    assert "outputs" not in build_execute_request(OGC_ECHO)
    assert len(build_execute_request(OGC_ECHO)["inputs"]["geometryInput"]) == 2  # minOccurs 2
    with pytest.raises(ValueError):
        build_execute_request(HELLO_WORLD, response="json")
    with pytest.raises(ValueError):
        build_execute_request(HELLO_WORLD, transmission="ref")
    assert build_execute_request({"id": "noinputs", "version": "1"}) == {"inputs": {}}


# -- invalid_variants --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DESCRIPTIONS))
def test_invalid_variants_break_exactly_one_input(name: str) -> None:
    description = DESCRIPTIONS[name]
    base = build_execute_request(description)
    declared = input_descriptions(description)
    variants = invalid_variants(description)
    assert variants
    for iid, what, body in variants:
        assert_execute_body_shape(body, description)
        others = {k: v for k, v in body["inputs"].items() if k != iid}
        assert others == {k: v for k, v in base["inputs"].items() if k != iid}, (iid, what)
        idesc = declared[iid]
        lo, hi = occurs(idesc)
        if iid not in body["inputs"]:
            assert what == "missing required input" and lo >= 1
            continue
        schema = input_schema(idesc)
        if what.startswith(("too many occurrences", "too few occurrences")):
            raw = body["inputs"][iid]
            assert isinstance(raw, list)
            occ = [o["value"] if isinstance(o, dict) and "value" in o else o for o in raw]
            assert len(occ) < lo or (hi is not None and len(occ) > hi), (iid, what, occ)
            assert not any(is_really_invalid(schema, o) for o in occ), (iid, what, occ)
            if hi == 1:  # a server reading the array as one value must reject it as well
                assert is_really_invalid(schema, occ)
            continue
        values = decode_input(idesc, body["inputs"][iid])
        assert max(lo, 1) <= len(values) and (hi is None or len(values) <= hi), (iid, what, values)
        assert len([v for v in values if is_really_invalid(schema, v)]) == 1, (iid, what, values)


def test_invalid_variants_cover_the_usual_breaks() -> None:
    whats = {(iid, what) for iid, what, _ in invalid_variants(OGC_ECHO)}
    assert ("doubleInput", "equal to exclusive maximum") in whats
    assert ("stringInput", "not in enum") in whats
    assert ("arrayInput", "too many items") in whats
    assert ("geometryInput", "too few occurrences (1 < minOccurs 2)") in whats
    assert ("geometryInput", "too many occurrences (6 > maxOccurs 5)") in whats
    assert ("boundingBoxInput", "bbox with 3 numbers") in whats
    assert ("complexObjectInput", "missing required property 'property5'") in whats
    assert ("dateInput", "missing required input") in whats
    assert not any(iid == "optionalNote" and what == "missing required input" for iid, what in whats)
    # null for an optional input may read as "absent": never offered as a break
    assert all(body["inputs"].get(iid, 0) is not None
               for iid, _w, body in invalid_variants(OGC_ECHO) if iid in ("optionalNote", "manyTags"))


def test_variants_do_not_mutate_the_description() -> None:
    before = copy.deepcopy(OGC_ECHO)
    invalid_variants(OGC_ECHO)
    build_execute_request(OGC_ECHO, include_optional=True)
    assert before == OGC_ECHO
