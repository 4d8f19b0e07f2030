"""Probe processes for pygeoapi: observable work for conformance and load tests.

This module imports only pygeoapi and the standard library: it runs inside pygeoapi's own Python
(3.12 for pygeoapi 0.24), which need not have the toolkit installed. Copy this file next to your
pygeoapi (any directory on its PYTHONPATH, e.g. as ``oaproc_probes.py``) or install the toolkit
there, then add resources to the pygeoapi configuration::

    resources:
      sleep:
        type: process
        processor:
          name: oaproc_probes.SleepProcessor        # or oaproc_testkit.probes.pygeoapi.SleepProcessor
      sleep-async:
        type: process
        processor: {name: oaproc_probes.AsyncSleepProcessor}
      fail:
        type: process
        processor: {name: oaproc_probes.FailProcessor}
      multi-output:
        type: process
        processor: {name: oaproc_probes.MultiOutputProcessor}
      inputs:
        type: process
        processor: {name: oaproc_probes.InputsProcessor}

- ``sleep``: waits ``seconds`` (0..600) and reports its own start and end (UTC, RFC 3339), so a
  load test can compare the server's job timestamps with the work actually done. A boolean
  ``fail`` makes it fail after the wait (a failed job on demand).
- ``sleep-async``: the same, but its description allows ``async-execute`` only (a server must then
  answer asynchronously even without ``Prefer: respond-async``).
- ``fail``: always fails (``ProcessorExecuteError``).
- ``multi-output``: two outputs, a number and a string.
- ``inputs``: declares inputs of many kinds (enum string, bounded integer and number, boolean,
  bbox, base64 binary, object, array with maxOccurs) and echoes what it got as one JSON output.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from pygeoapi.process.base import BaseProcessor, ProcessorExecuteError

MAX_SECONDS = 600.0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _meta(pid: str, title: str, description: str, inputs: dict[str, Any], outputs: dict[str, Any],
          example: dict[str, Any], *, modes: tuple[str, ...] = ("sync-execute", "async-execute")) -> dict[str, Any]:
    return {
        "version": "1.0.0", "id": pid, "title": title, "description": description,
        "jobControlOptions": list(modes), "outputTransmission": ["value"], "keywords": ["oaproc-testkit", "probe"],
        "inputs": inputs, "outputs": outputs, "example": {"inputs": example},
    }


def _input(title: str, schema: dict[str, Any], *, min_occurs: int = 1, max_occurs: int = 1) -> dict[str, Any]:
    return {"title": title, "description": title, "schema": schema, "minOccurs": min_occurs, "maxOccurs": max_occurs}


SLEEP_METADATA = _meta(
    "sleep", "Sleep", "Waits the given number of seconds and reports when it started and ended.",
    {"seconds": _input("Seconds to wait", {"type": "number", "minimum": 0, "maximum": MAX_SECONDS, "default": 1}),
     "fail": _input("Fail after the wait", {"type": "boolean", "default": False}, min_occurs=0)},
    {"slept": {"title": "What the process did", "description": "seconds, started, finished",
               "schema": {"type": "object", "contentMediaType": "application/json",
                          "properties": {"seconds": {"type": "number"}, "started": {"type": "string", "format": "date-time"},
                                         "finished": {"type": "string", "format": "date-time"}}}}},
    {"seconds": 1},
)

SLEEP_ASYNC_METADATA = {**SLEEP_METADATA, "id": "sleep-async", "title": "Sleep (async only)",
                        "description": "The sleep process, offered for asynchronous execution only.",
                        "jobControlOptions": ["async-execute"]}

FAIL_METADATA = _meta(
    "fail", "Fail", "Always fails: a failed job on demand.",
    {"message": _input("Text of the error", {"type": "string"}, min_occurs=0)},
    {"never": {"title": "Never produced", "description": "The process fails before producing it.",
               "schema": {"type": "string"}}},
    {"message": "failing on purpose"},
)

MULTI_OUTPUT_METADATA = _meta(
    "multi-output", "Two outputs", "Returns a number and a string.",
    {"x": _input("A number", {"type": "number"})},
    {"double": {"title": "x times two", "description": "x times two", "schema": {"type": "number"}},
     "text": {"title": "x as text", "description": "x as text", "schema": {"type": "string"}}},
    {"x": 21},
)

INPUTS_METADATA = _meta(
    "inputs", "Inputs of many kinds", "Echoes inputs of many kinds as one JSON output.",
    {
        "colour": _input("An enumerated string", {"type": "string", "enum": ["red", "green", "blue"]}),
        "count": _input("A bounded integer", {"type": "integer", "minimum": 1, "maximum": 10}),
        "ratio": _input("A bounded number", {"type": "number", "minimum": 0, "maximum": 1}, min_occurs=0),
        "flag": _input("A boolean", {"type": "boolean"}, min_occurs=0),
        "area": _input("A bounding box", {
            "type": "object", "format": "ogc-bbox", "required": ["bbox"],
            "properties": {"bbox": {"type": "array", "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
                                    "items": {"type": "number"}},
                           "crs": {"type": "string", "format": "uri"}}}, min_occurs=0),
        "blob": _input("Binary content", {"type": "string", "contentEncoding": "base64",
                                          "contentMediaType": "application/octet-stream"}, min_occurs=0),
        "point": _input("An object", {"type": "object", "required": ["x", "y"],
                                      "properties": {"x": {"type": "number"}, "y": {"type": "number"}}}, min_occurs=0),
        "tags": _input("Up to three strings", {"type": "string"}, min_occurs=0, max_occurs=3),
    },
    {"echo": {"title": "The inputs", "description": "The inputs as received",
              "schema": {"type": "object", "contentMediaType": "application/json"}}},
    {"colour": "red", "count": 3},
)


class SleepProcessor(BaseProcessor):
    """``sleep``: wait, then report start and end."""

    def __init__(self, processor_def: dict[str, Any]) -> None:
        super().__init__(processor_def, SLEEP_METADATA)

    def execute(self, data: dict[str, Any], outputs: dict[str, Any] | None = None) -> tuple[str, Any]:
        seconds = data.get("seconds", 1)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_SECONDS:
            raise ProcessorExecuteError(f"seconds must be a number from 0 to {MAX_SECONDS:g}")
        started = _now()
        time.sleep(float(seconds))
        if data.get("fail") is True:
            raise ProcessorExecuteError("failing on request (fail=true)")
        return "application/json", {"slept": {"seconds": seconds, "started": started, "finished": _now()}}


class AsyncSleepProcessor(SleepProcessor):
    """``sleep-async``: ``sleep`` whose description allows asynchronous execution only."""

    def __init__(self, processor_def: dict[str, Any]) -> None:
        BaseProcessor.__init__(self, processor_def, SLEEP_ASYNC_METADATA)


class FailProcessor(BaseProcessor):
    """``fail``: always raises."""

    def __init__(self, processor_def: dict[str, Any]) -> None:
        super().__init__(processor_def, FAIL_METADATA)

    def execute(self, data: dict[str, Any], outputs: dict[str, Any] | None = None) -> tuple[str, Any]:
        raise ProcessorExecuteError(str(data.get("message") or "failing on purpose"))


class MultiOutputProcessor(BaseProcessor):
    """``multi-output``: two outputs from one number."""

    def __init__(self, processor_def: dict[str, Any]) -> None:
        super().__init__(processor_def, MULTI_OUTPUT_METADATA)

    def execute(self, data: dict[str, Any], outputs: dict[str, Any] | None = None) -> tuple[str, Any]:
        x = data.get("x")
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ProcessorExecuteError("x must be a number")
        produced = {"double": x * 2, "text": f"{x:g}"}
        if outputs:
            produced = {k: v for k, v in produced.items() if k in outputs}
        return "application/json", produced


class InputsProcessor(BaseProcessor):
    """``inputs``: echo what arrived."""

    def __init__(self, processor_def: dict[str, Any]) -> None:
        super().__init__(processor_def, INPUTS_METADATA)

    def execute(self, data: dict[str, Any], outputs: dict[str, Any] | None = None) -> tuple[str, Any]:
        if data.get("colour") not in ("red", "green", "blue"):
            raise ProcessorExecuteError("colour must be red, green or blue")
        return "application/json", {"echo": data}
