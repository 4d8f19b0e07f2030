"""OGC Process Description (Annex A tests 48-54)."""

import pytest

from oaproc_testkit.checks import process_description


@pytest.mark.oaproc("/conf/ogc-process-description/json-encoding")
def test_json_encoding(oaproc):
    """/conf/ogc-process-description/json-encoding -> /req/ogc-process-description/json-encoding:
    Each JSON process description validates against process.yaml (/req/ogc-process-description/json-encoding)."""
    oaproc.run(process_description.json_encoding)


@pytest.mark.oaproc("/conf/ogc-process-description/inputs-def")
def test_inputs_def(oaproc):
    """/conf/ogc-process-description/inputs-def -> /req/ogc-process-description/inputs-def:
    Each input description validates against inputDescription.yaml, keyed by its identifier"""
    oaproc.run(process_description.inputs_def)


@pytest.mark.oaproc("/conf/ogc-process-description/input-def")
def test_input_def(oaproc):
    """/conf/ogc-process-description/input-def -> /req/ogc-process-description/input-def:
    Each input declares a schema valid against schema.yaml (/req/ogc-process-description/input-def)."""
    oaproc.run(process_description.input_def)


@pytest.mark.oaproc("/conf/ogc-process-description/input-mixed-type")
def test_input_mixed_type(oaproc):
    """/conf/ogc-process-description/input-mixed-type -> /req/ogc-process-description/input-mixed-type:
    Every oneOf branch of a multi-type input validates against schema.yaml"""
    oaproc.run(process_description.input_mixed_type)


@pytest.mark.oaproc("/conf/ogc-process-description/outputs-def")
def test_outputs_def(oaproc):
    """/conf/ogc-process-description/outputs-def -> /req/ogc-process-description/outputs-def:
    Each output description validates against outputDescription.yaml, keyed by its identifier"""
    oaproc.run(process_description.outputs_def)


@pytest.mark.oaproc("/conf/ogc-process-description/output-def")
def test_output_def(oaproc):
    """/conf/ogc-process-description/output-def -> /req/ogc-process-description/output-def:
    Each output declares a schema valid against schema.yaml (/req/ogc-process-description/output-def)."""
    oaproc.run(process_description.output_def)


@pytest.mark.oaproc("/conf/ogc-process-description/output-mixed-type")
def test_output_mixed_type(oaproc):
    """/conf/ogc-process-description/output-mixed-type -> /req/ogc-process-description/output-mixed-type:
    Every oneOf branch of a multi-type output validates against schema.yaml"""
    oaproc.run(process_description.output_mixed_type)
