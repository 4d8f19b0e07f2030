"""Realistic input schemas and process descriptions, plus two shared assertions, for the tests of
``inputs.py`` and ``strategies.py``.

Written for these tests after the shapes real servers publish: pygeoapi 0.24's HelloWorld, Echo and
ShapelyFunctions, the OGC 1.0 example EchoProcess, and wraptile's sleep demo. Quirks kept on purpose:
Echo's ``"type": "float"`` and its example keyed by a non-existent input, Shapely's overlapping
``oneOf`` and its GeoJSON example objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oaproc_testkit.inputs import _is_occurrence_list, decode_input, input_descriptions, input_schema, occurs, validate_value

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"
FMT = "http://www.opengis.net/def/format/ogcapi-processes/0/"
BBOX_REF = "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/bbox.yaml"
GEOMETRY_REF = "http://schemas.opengis.net/ogcapi/features/part1/1.0/openapi/schemas/geometryGeoJSON.yaml"

SCHEMAS: dict[str, dict[str, Any]] = {
    "hello_name": {"type": "string"},
    "echo_enum": {"type": "string", "enum": ["Echo", "Test", "42"]},
    "float_alias_enum": {"type": "float", "enum": [5.5, 10.25, 42.0]},
    "int_exclusive_oas30": {"type": "integer", "minimum": 0, "maximum": 100, "exclusiveMinimum": True,
                            "exclusiveMaximum": True},
    "int_exclusive_2019": {"type": "integer", "exclusiveMinimum": -5, "exclusiveMaximum": 5},
    "double_default": {"type": "number", "format": "double", "minimum": 0, "maximum": 10, "default": 5,
                       "exclusiveMaximum": True},
    "number_multiple": {"type": "number", "multipleOf": 0.25, "minimum": -1, "maximum": 1},
    "int_multiple": {"type": "integer", "multipleOf": 5, "minimum": 3},
    "bbox_ref": {"allOf": [{"format": "ogc-bbox"}, {"$ref": BBOX_REF}]},
    "bbox_inline": {
        "type": "object", "required": ["bbox"], "format": FMT + "ogc-bbox",
        "properties": {
            "bbox": {"type": "array", "items": {"type": "number"},
                     "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]},
            "crs": {"type": "string", "format": "uri", "default": CRS84, "enum": [CRS84, CRS84H]},
        },
    },
    "binary_png": {"type": "string", "format": "byte", "contentMediaType": "image/png"},
    "binary_mixed": {"oneOf": [
        {"type": "string", "contentEncoding": "binary", "contentMediaType": "image/tiff; application=geotiff"},
        {"type": "string", "contentEncoding": "binary", "contentMediaType": "image/jp2"}]},
    "object_required": {
        "type": "object", "required": ["property1", "property5"],
        "properties": {"property1": {"type": "string"}, "property2": {"type": "string", "format": "uri"},
                       "property3": {"type": "number"}, "property4": {"type": "string", "format": "date-time"},
                       "property5": {"type": "boolean"}}},
    "measure": {"type": "object", "required": ["measurement", "uom"],
                "properties": {"measurement": {"type": "number"}, "uom": {"type": "string"},
                               "reference": {"type": "string", "format": "uri"}}},
    "string_or_object": {"oneOf": [
        {"type": "string", "maxLength": 20},
        {"type": "object", "required": ["text"], "additionalProperties": False,
         "properties": {"text": {"type": "string"}, "lang": {"type": "string", "pattern": "^[a-z]{2}$"}}}]},
    "array_ints": {"type": "array", "minItems": 2, "maxItems": 10, "items": {"type": "integer"}},
    "array_unique_enum": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]},
                          "uniqueItems": True, "minItems": 1, "maxItems": 3},
    "nullable_number": {"type": "number", "nullable": True, "minimum": 0},
    "date_time": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "uri": {"type": "string", "format": "uri"},
    "epsg_pattern": {"type": "string", "pattern": "^EPSG:[0-9]{4,5}$"},
    "short_string": {"type": "string", "minLength": 2, "maxLength": 5},
    "geometry_ref": {"allOf": [{"format": "geojson-geometry"}, {"$ref": GEOMETRY_REF}]},
    "feature_collection_mixed": {"oneOf": [
        {"type": "string", "contentMediaType": "application/gml+xml; version=3.2"},
        {"type": "string", "contentMediaType": "application/vnd.google-earth.kml+xml"},
        {"allOf": [{"format": "geojson-feature-collection"},
                   {"$ref": "https://geojson.org/schema/FeatureCollection.json"}]}]},
    "feature_uri_format": {"type": "object", "format": FMT + "geojson-feature"},
    "boolean": {"type": "boolean"},
    "int_or_auto": {"anyOf": [{"type": "integer", "minimum": 10}, {"type": "string", "enum": ["auto"]}]},
    "not_thirteen": {"type": "integer", "minimum": 0, "maximum": 20, "not": {"enum": [13]}},
    "nested": {"type": "object", "required": ["point", "tags"], "properties": {
        "point": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 3},
        "meta": {"type": "object", "properties": {"k": {"type": "integer", "maximum": 5}}}}},
    "shapely_geoms": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"oneOf": [
        {"type": "string"}, {"oneOf": [{"format": "geojson-geometry"}, {"$ref": GEOMETRY_REF}]}]}},
    "free_object": {"type": "object", "contentMediaType": "application/json"},
}

# Constructs the generators do not understand: they must fall back, not crash.
UNSUPPORTED: dict[str, dict[str, Any]] = {
    "lookahead_pattern": {"type": "string", "pattern": "^(?=.*[0-9])[a-z0-9]{3,8}$"},
    "opaque_ref": {"$ref": "#/components/schemas/Something"},
    "broken_pattern": {"type": "string", "pattern": "[unclosed"},
}

HELLO_WORLD: dict[str, Any] = {
    "id": "hello-world", "version": "0.2.0", "title": "Hello World",
    "jobControlOptions": ["sync-execute", "async-execute"], "outputTransmission": ["value"],
    "inputs": {
        "name": {"title": "Name", "description": "The name to echo back", "schema": {"type": "string"},
                 "minOccurs": 1, "maxOccurs": 1},
        "message": {"title": "Message", "schema": {"type": "string"}, "minOccurs": 0, "maxOccurs": 1},
    },
    "outputs": {"echo": {"title": "Hello, world",
                         "schema": {"type": "object", "contentMediaType": "application/json"}}},
    "example": {"inputs": {"name": "World", "message": "An optional message."}},
}

PYGEOAPI_ECHO: dict[str, Any] = {
    "id": "echo", "version": "1.0.0", "jobControlOptions": ["async-execute", "sync-execute"],
    "outputTransmission": ["value", "reference"],
    "inputs": {
        "echoInput": {"minOccurs": 1, "maxOccurs": 1, "schema": {"type": "string", "enum": ["Echo", "Test", "42"]}},
        "pause": {"minOccurs": 1, "maxOccurs": 1, "schema": {"type": "float", "enum": [5.5, 10.25, 42.0]}},
    },
    "outputs": {"echoOutput": {"schema": {"type": "string"}}},
    "example": {"inputs": {"echo": "echoValue", "pause": 10.0}},
}

OGC_ECHO: dict[str, Any] = {
    "id": "EchoProcess", "version": "1.0.0", "jobControlOptions": ["async-execute", "sync-execute"],
    "outputTransmission": ["value", "reference"],
    "inputs": {
        "stringInput": {"schema": SCHEMAS["echo_enum"] | {"enum": ["Value1", "Value2", "Value3"]}},
        "measureInput": {"schema": SCHEMAS["measure"]},
        "dateInput": {"schema": SCHEMAS["date_time"]},
        "doubleInput": {"schema": SCHEMAS["double_default"]},
        "arrayInput": {"schema": SCHEMAS["array_ints"]},
        "complexObjectInput": {"schema": SCHEMAS["object_required"]},
        "geometryInput": {"schema": {"oneOf": [
            {"type": "string", "contentMediaType": "application/gml+xml; version=3.2"},
            SCHEMAS["geometry_ref"]]}, "minOccurs": 2, "maxOccurs": 5},
        "boundingBoxInput": {"schema": SCHEMAS["bbox_ref"]},
        "imagesInput": {"schema": SCHEMAS["binary_mixed"], "minOccurs": 1, "maxOccurs": 150},
        "featureCollectionInput": {"schema": SCHEMAS["feature_collection_mixed"]},
        "optionalNote": {"schema": {"type": "string", "maxLength": 40}, "minOccurs": 0},
        "manyTags": {"schema": {"type": "string", "minLength": 1}, "minOccurs": 0, "maxOccurs": "unbounded"},
    },
    "outputs": {"stringOutput": {"schema": {"type": "string"}},
                "boundingBoxOutput": {"schema": SCHEMAS["bbox_ref"]}},
}

SHAPELY: dict[str, Any] = {
    "id": "shapely-functions", "version": "0.2.0", "jobControlOptions": ["sync-execute", "async-execute"],
    "inputs": {
        "operation": {"schema": {"type": "string"}, "minOccurs": 1, "maxOccurs": 1},
        "geoms": {"schema": SCHEMAS["shapely_geoms"], "minOccurs": 1, "maxOccurs": 1},
        "output_format": {"schema": {"type": "string"}, "minOccurs": 0, "maxOccurs": 1},
    },
    "outputs": {"result": {"schema": {"type": "object", "contentMediaType": "application/json"}}},
    "example": {"inputs": {"operation": "predicates:within", "geoms": [
        {"type": "Polygon", "coordinates": [[[80.5, 24.0], [80.5, 20.2], [85.0, 20.2], [85.0, 24.0], [80.5, 24.0]]]},
        {"type": "Polygon", "coordinates": [[[80.5, 24.0], [80.5, 20.2], [85.0, 20.2], [85.0, 24.0], [80.5, 24.0]]]},
    ]}},
}

SLEEP: dict[str, Any] = {  # wraptile-like, inputs in the older list form, examples as OpenAPI Example Objects
    "id": "sleep_a_while", "version": "0.0.0", "jobControlOptions": ["async-execute"],
    "inputs": [
        {"id": "duration", "schema": {"type": "number", "minimum": 0, "maximum": 60, "default": 10}},
        {"id": "fail", "schema": {"type": "boolean", "default": False}, "minOccurs": 0},
    ],
    "outputs": [{"id": "return_value", "schema": {"type": "number"}}],
    "examples": {"quick": {"summary": "a short nap", "value": {"inputs": {"duration": 0.5}}}},
}

DESCRIPTIONS: dict[str, dict[str, Any]] = {
    "hello_world": HELLO_WORLD, "pygeoapi_echo": PYGEOAPI_ECHO, "ogc_echo": OGC_ECHO, "shapely": SHAPELY,
    "sleep": SLEEP,
}


# -- assertions shared by test_inputs and test_strategies ----------------------------------------
def assert_execute_body_shape(body: Mapping[str, Any], description: Mapping[str, Any]) -> None:
    """``body`` is well formed per execute.yaml (1.0): inputs map of inlineOrRefData (or arrays of them),
    outputs with transmissionMode value|reference, response raw|document."""
    assert set(body) <= {"inputs", "outputs", "response", "subscriber"}, body.keys()
    assert isinstance(body.get("inputs", {}), dict)
    for iid, value in body.get("inputs", {}).items():
        idesc = input_descriptions(description).get(iid, {})
        multi = occurs(idesc)[1] != 1
        # a list is the occurrences, unless the schema itself takes arrays and the list is one such value
        occurrences = value if isinstance(value, list) and multi and _is_occurrence_list(input_schema(idesc), value) \
            else [value]
        for occ in occurrences:
            if isinstance(occ, dict):
                assert "value" in occ or "href" in occ or "bbox" in occ, f"{iid}: bare object {occ!r}"
                for key in ("mediaType", "encoding"):
                    assert key not in occ or isinstance(occ[key], str)
            else:
                assert occ is None or isinstance(occ, (str, int, float, bool, list)), (iid, occ)
    for spec in body.get("outputs", {}).values():
        assert isinstance(spec, dict)
        assert spec.get("transmissionMode", "value") in ("value", "reference")
    assert body.get("response", "raw") in ("raw", "document")


def assert_inputs_valid(description: Mapping[str, Any], inputs: Mapping[str, Any], *, strict: bool = True) -> None:
    """Every input in ``inputs`` is declared, its occurrence count fits, and each value validates."""
    declared = input_descriptions(description)
    for iid, idesc in declared.items():
        lo, hi = occurs(idesc)
        if iid not in inputs:
            assert lo == 0, f"required input {iid!r} missing"
            continue
        values = decode_input(idesc, inputs[iid])
        assert max(lo, 1) <= len(values), (iid, values)
        assert hi is None or len(values) <= hi, (iid, values)
        for v in values:
            errs = validate_value(input_schema(idesc), v, strict_oneof=strict)
            assert errs == [], (iid, v, errs)
    assert set(inputs) <= set(declared)
