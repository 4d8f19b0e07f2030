"""Core: execute inputs (Annex A tests 20-28)."""

import pytest

from oaproc_testkit.checks.core import inputs


@pytest.mark.oaproc("/conf/core/job-creation-inputs")
def test_job_creation_inputs(oaproc):
    """/conf/core/job-creation-inputs -> /req/core/process-execute-inputs: inputs in-line and by reference."""
    oaproc.run(inputs.job_creation_inputs)


@pytest.mark.oaproc("/conf/core/job-creation-input-inline")
def test_job_creation_input_inline(oaproc):
    """/conf/core/job-creation-input-inline -> /req/core/process-execute-inputs: inputs in-line."""
    oaproc.run(inputs.job_creation_input_inline)


@pytest.mark.oaproc("/conf/core/job-creation-input-ref")
def test_job_creation_input_ref(oaproc):
    """/conf/core/job-creation-input-ref -> /req/core/process-execute-inputs: inputs by reference."""
    oaproc.run(inputs.job_creation_input_ref)


@pytest.mark.oaproc("/conf/core/job-creation-input-array")
def test_job_creation_input_array(oaproc):
    """/conf/core/job-creation-input-array -> /req/core/process-execute-input-array:
    maxOccurs > 1 inputs as arrays."""
    oaproc.run(inputs.job_creation_input_array)


@pytest.mark.oaproc("/conf/core/job-creation-input-inline-object")
def test_job_creation_input_inline_object(oaproc):
    """/conf/core/job-creation-input-inline-object -> /req/core/process-execute-input-inline-object:
    object inputs as qualified values."""
    oaproc.run(inputs.job_creation_input_inline_object)


@pytest.mark.oaproc("/conf/core/job-creation-input-inline-mixed")
def test_job_creation_input_inline_mixed(oaproc):
    """/conf/core/job-creation-input-inline-mixed -> /req/core/process-execute-input-mixed-type:
    oneOf inputs as qualified values."""
    oaproc.run(inputs.job_creation_input_inline_mixed)


@pytest.mark.oaproc("/conf/core/job-creation-input-inline-binary")
def test_job_creation_input_inline_binary(oaproc):
    """/conf/core/job-creation-input-inline-binary -> /req/core/process-execute-input-inline-binary:
    binary inputs as base64."""
    oaproc.run(inputs.job_creation_input_inline_binary)


@pytest.mark.oaproc("/conf/core/job-creation-input-inline-bbox")
def test_job_creation_input_inline_bbox(oaproc):
    """/conf/core/job-creation-input-inline-bbox -> /req/core/process-execute-input-inline-bbox: bbox inputs."""
    oaproc.run(inputs.job_creation_input_inline_bbox)


@pytest.mark.oaproc("/conf/core/job-creation-input-validation")
def test_job_creation_input_validation(oaproc):
    """/conf/core/job-creation-input-validation -> /req/core/process-execute-input-validation:
    invalid inputs give an exception."""
    oaproc.run(inputs.job_creation_input_validation)
