"""Tests of ``schemas/*.yaml`` and ``oaproc_testkit.schemas`` (offline validation, lenient vs pedantic).

Valid example documents live in ``tests/data/schema_examples/<schemaName>/<label>.json``; a label
ending in ``.lenient-only`` marks a document that the standard's schemas, read literally (pedantic),
reject although it is a valid document (overlapping ``oneOf``, missing ``statusInfo.type``).
Invalid documents are built below, next to the path the error message must name.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import Draft202012Validator

from oaproc_testkit import schemas

EXAMPLES = Path(__file__).parent / "data" / "schema_examples"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
BASE_URI = "https://oaproc-testkit.invalid/schemas/1.0/"

EXPECTED_NAMES = sorted([
    "landingPage", "confClasses", "link", "processList", "processSummary", "descriptionType", "metadata",
    "additionalParameter", "process", "inputDescription", "outputDescription", "schema", "reference",
    "jobControlOptions", "transmissionMode", "execute", "output", "format", "inlineOrRefData",
    "inputValueNoObject", "inputValue", "qualifiedInputValue", "binaryInputValue", "bbox", "subscriber",
    "statusInfo", "statusCode", "jobList", "results", "exception",
])


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _example(name: str, label: str) -> Any:
    return _load(EXAMPLES / name / f"{label}.json")


def _raw_documents() -> dict[str, dict[str, Any]]:
    import yaml

    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SCHEMA_DIR.glob("*.yaml"))}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a parsed document (schemas and data alike)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


# -- the files themselves -------------------------------------------------------------------------

def test_schema_names_are_the_standards_file_names() -> None:
    assert schemas.schema_names() == EXPECTED_NAMES
    assert sorted(p.stem for p in SCHEMA_DIR.glob("*.yaml")) == EXPECTED_NAMES


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_each_file_is_a_2020_12_schema_with_our_id(name: str) -> None:
    doc = _raw_documents()[name]
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"{BASE_URI}{name}.yaml"
    assert doc.get("title") == name and doc.get("description")
    Draft202012Validator.check_schema(doc)


def test_every_ref_is_relative_and_names_an_existing_file() -> None:
    names = set(EXPECTED_NAMES)
    refs = [(name, node["$ref"]) for name, doc in _raw_documents().items() for node in _walk(doc)
            if isinstance(node.get("$ref"), str) and not isinstance(node.get("type"), str)]
    assert len(refs) > 40
    for name, ref in refs:
        target, _, fragment = ref.partition("#")
        assert "://" not in ref, f"{name}.yaml: absolute $ref {ref}"
        assert target == "" or target.removesuffix(".yaml") in names, f"{name}.yaml: $ref {ref} names no file"
        if fragment:
            assert fragment.startswith("/$defs/"), f"{name}.yaml: $ref {ref}"


def test_only_schema_yaml_closes_its_objects() -> None:
    closed = {name for name, doc in _raw_documents().items()
              for node in _walk(doc) if node.get("additionalProperties") is False}
    assert closed == {"schema"}
    assert _raw_documents()["exception"]["additionalProperties"] is True


def test_fixes_of_known_defects_are_applied() -> None:
    docs = _raw_documents()
    assert docs["execute"]["properties"]["response"]["default"] == "raw"
    assert docs["transmissionMode"]["default"] == "value"
    assert "required" not in docs["subscriber"]
    assert docs["statusInfo"]["required"] == ["jobID", "status", "type"]  # leniency lives in code, not here


def test_validation_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rebuild everything from scratch with sockets disabled; references to schemas.opengis.net are data."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for cached in (schemas._documents, schemas._registry_and_docs, schemas._validator):
        cached.cache_clear()
    try:
        for path in _example_files():
            assert schemas.validate(_load(path), path.parent.name) == [], path
            schemas.validate(_load(path), path.parent.name, pedantic=True)
    finally:
        for cached in (schemas._documents, schemas._registry_and_docs, schemas._validator):
            cached.cache_clear()


def test_unknown_references_are_not_fetched() -> None:
    from referencing.exceptions import Unresolvable

    registry, _ = schemas._registry_and_docs(False)
    with pytest.raises(Unresolvable):
        registry.resolver().lookup("https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/link.yaml")


# -- valid documents ------------------------------------------------------------------------------

def test_every_schema_has_examples() -> None:
    assert sorted({p.parent.name for p in _example_files()}) == EXPECTED_NAMES


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_valid_examples(path: Path) -> None:
    doc, name = _load(path), path.parent.name
    assert schemas.validate(doc, name) == []
    assert schemas.is_valid(doc, name)
    pedantic_errors = schemas.validate(doc, name, pedantic=True)
    if path.stem.endswith(".lenient-only"):
        assert pedantic_errors, "expected the literal 1.0 schema to reject this document"
        assert not schemas.is_valid(doc, name, pedantic=True)
    else:
        assert pedantic_errors == []


# -- invalid documents ----------------------------------------------------------------------------

def _with(doc: Any, path: list[str | int], value: Any) -> Any:
    """A deep copy of ``doc`` with the member at ``path`` set to ``value`` (deleted when value is DELETE)."""
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


DELETE = object()
STATUS = _example("statusInfo", "successful")
PROCESS = _example("process", "simple")
EXECUTE = _example("execute", "strict-clean")

INVALID: list[tuple[str, str, Any, str, str]] = [
    # (id, schema, document, line prefix, fragment of the line)
    ("landing-no-links", "landingPage", {"title": "x"}, "at $:", "'links' is a required property"),
    ("landing-link-no-href", "landingPage", {"links": [{"rel": "self"}]}, "at $.links[0]:", "'href'"),
    ("conformance-not-list", "confClasses", {"conformsTo": "core"}, "at $.conformsTo:", "is not of type 'array'"),
    ("conformance-uri-number", "confClasses", {"conformsTo": [1]}, "at $.conformsTo[0]:", "not of type 'string'"),
    ("link-no-href", "link", {"rel": "self"}, "at $:", "'href' is a required property"),
    ("process-list-no-links", "processList", {"processes": []}, "at $:", "'links' is a required property"),
    ("process-list-summary-no-version", "processList",
     {"processes": [{"id": "echo"}], "links": []}, "at $.processes[0]:", "'version' is a required property"),
    ("summary-bad-job-control", "processSummary", {"id": "a", "version": "1", "jobControlOptions": ["sync"]},
     "at $.jobControlOptions[0]:", "'sync' is not one of"),
    ("summary-bad-transmission", "processSummary", {"id": "a", "version": "1", "outputTransmission": ["ref"]},
     "at $.outputTransmission[0]:", "'ref' is not one of"),
    ("process-input-no-schema", "process", _with(PROCESS, ["inputs", "x", "schema"], DELETE),
     "at $.inputs.x:", "'schema' is a required property"),
    ("process-output-no-schema", "process", _with(PROCESS, ["outputs", "y", "schema"], DELETE),
     "at $.outputs.y:", "'schema' is a required property"),
    ("process-max-occurs-word", "process", _with(PROCESS, ["inputs", "x", "maxOccurs"], "many"),
     "at $.inputs.x.maxOccurs:", "not valid under any"),
    ("process-min-occurs-text", "process", _with(PROCESS, ["inputs", "x", "minOccurs"], "1"),
     "at $.inputs.x.minOccurs:", "not of type 'integer'"),
    ("schema-const", "process", _with(PROCESS, ["inputs", "x", "schema"], {"type": "string", "const": "a"}),
     "at $.inputs.x.schema:", "'const'"),
    ("schema-type-list", "process", _with(PROCESS, ["inputs", "x", "schema"], {"type": ["string", "null"]}),
     "at $.inputs.x.schema:", "at $.inputs.x.schema.type: ['string', 'null'] is not"),
    ("schema-type-null", "schema", {"type": "object", "properties": {"a": {"type": "null"}}},
     "at $:", "at $.properties.a.type: 'null' is not one of"),
    ("schema-numeric-exclusive-minimum", "schema", {"type": "integer", "exclusiveMinimum": 0},
     "at $:", "at $.exclusiveMinimum: 0 is not of type 'boolean'"),
    ("schema-dollar-schema", "schema", {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string"},
     "at $:", "Additional properties are not allowed ('$schema'"),
    ("schema-defs", "schema", {"$defs": {"a": {"type": "string"}}}, "at $:", "Additional properties are not allowed ('$defs'"),
    ("schema-empty-required", "schema", {"type": "object", "required": []}, "at $:", "at $.required: [] should be non-empty"),
    ("schema-items-list", "schema", {"type": "array", "items": [{"type": "string"}]}, "at $:", "at $.items:"),
    ("schema-nested-const", "schema", {"oneOf": [{"type": "string"}, {"const": 3}]}, "at $:", "at $.oneOf[1]:"),
    ("execute-response-json", "execute", _with(EXECUTE, ["response"], "json"), "at $.response:", "'json' is not one of"),
    ("execute-transmission-ref", "execute", _with(EXECUTE, ["outputs", "y", "transmissionMode"], "ref"),
     "at $.outputs.y.transmissionMode:", "'ref' is not one of ['value', 'reference']"),
    ("execute-null-input", "execute", _with(EXECUTE, ["inputs", "x"], None), "at $.inputs.x:", "None is not valid"),
    ("execute-bbox-5", "execute", _with(EXECUTE, ["inputs", "area", "bbox"], [1, 2, 3, 4, 5]),
     "at $.inputs.area:", "at $.inputs.area.bbox: [1, 2, 3, 4, 5] is too long"),
    ("execute-outputs-list", "execute", _with(EXECUTE, ["outputs"], ["y"]), "at $.outputs:", "not of type 'object'"),
    ("execute-subscriber-number", "execute", _with(EXECUTE, ["subscriber"], {"successUri": 5}),
     "at $.subscriber.successUri:", "not of type 'string'"),
    ("bbox-5-numbers", "bbox", {"bbox": [1, 2, 3, 4, 5]}, "at $.bbox:", "is too long"),
    ("bbox-3-numbers", "bbox", {"bbox": [1, 2, 3]}, "at $.bbox:", "is too short"),
    ("bbox-strings", "bbox", {"bbox": ["1", "2", "3", "4"]}, "at $.bbox[0]:", "not of type 'number'"),
    ("bbox-missing", "bbox", {"crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}, "at $:", "'bbox' is a required"),
    ("qualified-no-value", "qualifiedInputValue", {"mediaType": "text/plain"}, "at $:", "'value' is a required"),
    ("output-bad-format", "output", {"format": "json"}, "at $.format:", "not of type 'object'"),
    ("additional-parameter-no-value", "additionalParameter", {"name": "a"}, "at $:", "'value' is a required"),
    ("status-done", "statusInfo", _with(STATUS, ["status"], "done"), "at $.status:",
     "'done' is not one of ['accepted', 'running', 'successful', 'failed', 'dismissed']"),
    ("status-progress-101", "statusInfo", _with(STATUS, ["progress"], 101), "at $.progress:", "101 is greater than"),
    ("status-progress-negative", "statusInfo", _with(STATUS, ["progress"], -1), "at $.progress:", "-1 is less than"),
    ("status-progress-fraction", "statusInfo", _with(STATUS, ["progress"], 50.5), "at $.progress:", "not of type 'integer'"),
    ("status-no-job-id", "statusInfo", _with(STATUS, ["jobID"], DELETE), "at $:", "'jobID' is a required property"),
    ("status-no-status", "statusInfo", _with(STATUS, ["status"], DELETE), "at $:", "'status' is a required property"),
    ("status-type-job", "statusInfo", _with(STATUS, ["type"], "job"), "at $.type:", "'job' is not one of ['process']"),
    ("status-null-updated", "statusInfo", _with(STATUS, ["updated"], None), "at $.updated:", "None is not of type 'string'"),
    ("status-link-no-href", "statusInfo", _with(STATUS, ["links", 1, "href"], DELETE), "at $.links[1]:", "'href'"),
    ("job-list-no-links", "jobList", {"jobs": []}, "at $:", "'links' is a required property"),
    ("job-list-status-done", "jobList", {"jobs": [STATUS, _with(STATUS, ["status"], "done")], "links": []},
     "at $.jobs[1].status:", "'done' is not one of"),
    ("results-null", "results", {"out": None}, "at $.out:", "None is not valid under any"),
    ("results-not-object", "results", [1, 2], "at $:", "not of type 'object'"),
    ("exception-no-type", "exception", {"title": "Not found", "status": 404}, "at $:", "'type' is a required property"),
    ("exception-status-text", "exception", {"type": "x", "status": "404"}, "at $.status:", "not of type 'integer'"),
    ("status-code-done", "statusCode", "done", "at $:", "'done' is not one of"),
    ("job-control-typo", "jobControlOptions", "async", "at $:", "'async' is not one of"),
    ("reference-no-ref", "reference", {"ref": "#/a"}, "at $:", "'$ref' is a required property"),
]


@pytest.mark.parametrize("name,doc,prefix,fragment", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
@pytest.mark.parametrize("pedantic", [False, True], ids=["lenient", "pedantic"])
def test_invalid_documents_fail_naming_the_path(name: str, doc: Any, prefix: str, fragment: str,
                                                 pedantic: bool) -> None:
    errors = schemas.validate(doc, name, pedantic=pedantic)
    assert errors, f"{name}: expected errors for {doc!r}"
    assert not schemas.is_valid(doc, name, pedantic=pedantic)
    matching = [e for e in errors if e.startswith(prefix + " ") and fragment in e]
    assert matching, f"no error starting with {prefix!r} and containing {fragment!r} in {errors}"


def test_error_lines_are_capped_at_five() -> None:
    jobs = [_with(STATUS, ["status"], f"bad{i}") for i in range(12)]
    errors = schemas.validate({"jobs": jobs, "links": []}, "jobList")
    assert len(errors) == 5
    assert all(e.startswith("at $.jobs[") for e in errors)


def test_long_instances_are_abbreviated() -> None:
    doc = {"bbox": list(range(500))}
    (line,) = schemas.validate(doc, "bbox")
    assert line.startswith("at $.bbox: [0, 1, 2")
    assert len(line) < 400 and "…" in line


def test_odd_member_names_are_quoted_in_paths() -> None:
    (line,) = schemas.validate({"inputs": {"my input": None}}, "execute")
    assert line.startswith("at $.inputs['my input']: ")


def test_unknown_schema_name_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="statusinfo"):
        schemas.validate({}, "statusinfo")
    with pytest.raises(KeyError):
        schemas.is_valid({}, "statusInfo.yaml", pedantic=True)


# -- lenient versus pedantic ----------------------------------------------------------------------

def test_missing_status_type_is_only_pedantic() -> None:
    doc = {"jobID": "j1", "status": "running"}
    assert schemas.validate(doc, "statusInfo") == []
    assert schemas.validate(doc, "statusInfo", pedantic=True) == ["at $: 'type' is a required property"]


@pytest.mark.parametrize("value,why", [
    ("plain text", "is valid under each of"),     # string and binaryInputValue
    (7, "is valid under each of"),                # number and integer
    ([1.5, 2.5], "is valid under each of"),       # array value and array of values
    ([True, False], "is valid under each of"),
])
def test_overlapping_value_alternatives_are_only_pedantic(value: Any, why: str) -> None:
    doc = {"inputs": {"v": value}}
    assert schemas.validate(doc, "execute") == []
    errors = schemas.validate(doc, "execute", pedantic=True)
    assert len(errors) == 1 and errors[0].startswith("at $.inputs.v: ") and why in errors[0]


def test_nested_reference_in_schema_is_only_pedantic() -> None:
    schema = {"type": "object", "properties": {"geom": {"$ref": "#/components/schemas/Geometry"}}}
    assert schemas.validate(schema, "schema") == []
    (error,) = schemas.validate(schema, "schema", pedantic=True)
    assert "at $.properties.geom: " in error and "is valid under each of" in error


def test_openapi_extensions_in_schema_objects_are_only_pedantic() -> None:
    schema = {"type": "string", "x-ui-widget": "map", "items": {"type": "number", "x-unit": "m"}}
    assert schemas.validate(schema, "schema") == []
    (error,) = schemas.validate(schema, "schema", pedantic=True)
    assert "Additional properties are not allowed ('x-" in error
    (error,) = schemas.validate({"type": "string", "xui": 1, "x-ok": 2}, "schema")  # not an extension: refused
    assert "at $: Additional properties are not allowed ('xui' unexpected;" in error


def test_lenient_keeps_oneof_as_a_schema_member() -> None:
    """The lenient rewrite renames the oneOf *keyword*, not schema.yaml's description of a oneOf member."""
    multi = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    assert schemas.validate(multi, "schema") == []
    assert schemas.validate({"anyOf": [{"type": "string"}], "oneOf": [{"type": "integer"}]}, "schema") == []
    (error,) = schemas.validate({"oneOf": {"type": "string"}}, "schema")
    assert "at $.oneOf: {'type': 'string'} is not of type 'array'" in error


def test_lenient_still_rejects_values_no_alternative_accepts() -> None:
    assert schemas.validate({"inputs": {"v": {"bbox": [1, 2]}}}, "execute")
    assert schemas.validate({"inputs": {"v": {"unknown": 1}}}, "execute")  # bare objects need {"value": ...}
    assert schemas.validate({"oneOf": [{"type": "string"}, {"const": 1}]}, "schema")


# -- date-time --------------------------------------------------------------------------------------

@pytest.mark.parametrize("stamp", [
    "2021-05-03T10:00:00Z", "2021-05-03T10:00:00.5Z", "2021-05-03T10:00:00.123456789+02:00",
    "2021-05-03t10:00:00z", "2024-02-29T23:59:59-05:30", "2016-12-31T23:59:60Z", "2021-05-03T10:00:00+00:00",
])
@pytest.mark.parametrize("pedantic", [False, True], ids=["lenient", "pedantic"])
def test_rfc3339_date_times_are_accepted(stamp: str, pedantic: bool) -> None:
    doc = {"jobID": "j", "status": "accepted", "type": "process", "created": stamp}
    assert schemas.validate(doc, "statusInfo", pedantic=pedantic) == []


@pytest.mark.parametrize("stamp", [
    "2021-05-03T10:00:00",          # no offset
    "2021-05-03 10:00:00Z",         # space instead of T
    "2021-05-03",                   # date only
    "2021-13-03T10:00:00Z",         # month 13
    "2023-02-29T10:00:00Z",         # not a leap year
    "2021-05-03T24:00:00Z",         # hour 24
    "2021-05-03T10:00:00+2:00",     # short offset
    "2021-05-03T10:00:00.Z",        # empty fraction
    "yesterday",
])
@pytest.mark.parametrize("pedantic", [False, True], ids=["lenient", "pedantic"])
def test_other_date_times_are_rejected(stamp: str, pedantic: bool) -> None:
    doc = {"jobID": "j", "status": "accepted", "type": "process", "finished": stamp}
    assert schemas.validate(doc, "statusInfo", pedantic=pedantic) == [f"at $.finished: {stamp!r} is not a 'date-time'"]


def test_other_formats_are_not_asserted() -> None:
    assert schemas.validate({"href": "not a uri", "rel": "x"}, "link") == []
    assert schemas.validate("*** not base64 ***", "binaryInputValue") == []
    assert schemas.validate({"successUri": "not a uri"}, "subscriber") == []
