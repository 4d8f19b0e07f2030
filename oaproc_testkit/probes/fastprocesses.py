"""Probe processes for fastprocesses 0.24 (FastAPI + Celery + Redis): observable work for conformance and load.

This module imports only fastprocesses (and Celery, which it brings) and the standard library: it runs
inside fastprocesses' own Python, both in the API (uvicorn) and in every Celery worker, which must
import it so that the ``@register_process`` decorators run. Put it on both PYTHONPATHs (the harness
copies it as ``oaproc_fp_probes.py``) and import it before the app or worker starts.

- ``sleep``: waits ``seconds`` (0..600), then reports its own start and end (UTC, RFC 3339) and the
  Celery worker that ran it (``NAME@HOST`` as given to ``celery worker -n``): fastprocesses' job
  status does not say which worker ran a job, the probe's result does. ``fail: true`` fails it after
  the wait. ``tag`` (optional string) is echoed: fastprocesses caches results by inputs, so equal
  inputs are answered from its cache without running again; a distinct tag forces a real run.
- ``echo``: returns its string input ``text`` unchanged.
- ``multi-output``: ``x`` (number) gives ``double`` (a number, JSON) and ``text`` (a string, text/plain).
- ``fail``: always fails (a failed job on demand).

Every ``execute()`` returns a ``BaseProcessResult`` subclass whose ``output_serializers`` name one
serializer per advertised media type (fastprocesses answers 500 for a plain dict), and every output
schema names its ``contentMediaType`` (registration demands it once ``execute`` is annotated).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, ClassVar

from fastprocesses.core.base_process import BaseProcess
from fastprocesses.core.models import (
    ProcessDescription,
    ProcessInput,
    ProcessJobControlOptions,
    ProcessOutput,
    ProcessOutputTransmission,
    Schema,
)
from fastprocesses.core.output_protocol import BaseProcessResult
from fastprocesses.processes.process_registry import register_process

MAX_SECONDS = 600.0
_BOTH = [ProcessJobControlOptions.SYNC_EXECUTE, ProcessJobControlOptions.ASYNC_EXECUTE]
_TRANSMISSION = [ProcessOutputTransmission.VALUE, ProcessOutputTransmission.REFERENCE]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _worker_name() -> str | None:
    try:
        from celery import current_task
    except ImportError:
        return None
    request = getattr(current_task, "request", None)
    return getattr(request, "hostname", None) if current_task else None


def _json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def _describe(pid: str, title: str, description: str, inputs: dict[str, ProcessInput],
              outputs: dict[str, ProcessOutput]) -> ProcessDescription:
    return ProcessDescription(id=pid, title=title, version="1.0.0", description=description, jobControlOptions=_BOTH,
                              outputTransmission=_TRANSMISSION, keywords=["oaproc-testkit", "probe"],
                              inputs=inputs, outputs=outputs)


def _input(title: str, schema: Schema, *, min_occurs: int = 1) -> ProcessInput:
    return ProcessInput(title=title, description=title, schema=schema, minOccurs=min_occurs, maxOccurs=1)


def _output(title: str, schema: Schema) -> ProcessOutput:
    return ProcessOutput(title=title, description=title, schema=schema)


class SleepResult(BaseProcessResult):
    slept: dict[str, Any]
    output_serializers: ClassVar[dict[str, dict[str, str]]] = {"slept": {"application/json": "slept_json"}}

    def slept_json(self) -> bytes:
        return _json(self.slept)


@register_process("sleep")
class SleepProcess(BaseProcess):
    process_description = _describe(
        "sleep", "Sleep", "Waits the given number of seconds; reports when it started and ended and which worker ran it.",
        {"seconds": _input("Seconds to wait", Schema(type="number", minimum=0, maximum=MAX_SECONDS, default=1)),
         "fail": _input("Fail after the wait", Schema(type="boolean", default=False), min_occurs=0),
         "tag": _input("Echoed; distinct tags defeat the result cache", Schema(type="string"), min_occurs=0)},
        {"slept": _output("What the process did", Schema(
            type="object", contentMediaType="application/json",
            properties={"seconds": Schema(type="number"), "started": Schema(type="string", format="date-time"),
                        "finished": Schema(type="string", format="date-time"), "worker": Schema(type="string")}))},
    )

    def execute(self, exec_body: dict[str, Any], job_progress_callback: Any = None) -> SleepResult:
        inputs = exec_body.get("inputs") or {}
        seconds = inputs.get("seconds", 1)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_SECONDS:
            raise ValueError(f"seconds must be a number from 0 to {MAX_SECONDS:g}")
        started = _now()
        time.sleep(float(seconds))
        if inputs.get("fail") is True:
            raise ValueError("failing on request (fail=true)")
        slept: dict[str, Any] = {"seconds": seconds, "started": started, "finished": _now(), "worker": _worker_name()}
        if "tag" in inputs:
            slept["tag"] = inputs["tag"]
        return SleepResult(slept=slept)


class EchoResult(BaseProcessResult):
    echo: str
    output_serializers: ClassVar[dict[str, dict[str, str]]] = {"echo": {"text/plain": "echo_text"}}

    def echo_text(self) -> bytes:
        return self.echo.encode("utf-8")


@register_process("echo")
class EchoProcess(BaseProcess):
    process_description = _describe(
        "echo", "Echo", "Returns its text input unchanged.",
        {"text": _input("Text to return", Schema(type="string"))},
        {"echo": _output("The text", Schema(type="string", contentMediaType="text/plain"))},
    )

    def execute(self, exec_body: dict[str, Any], job_progress_callback: Any = None) -> EchoResult:
        text = (exec_body.get("inputs") or {}).get("text")
        if not isinstance(text, str):
            raise ValueError("text must be a string")
        return EchoResult(echo=text)


class MultiResult(BaseProcessResult):
    double: float
    text: str
    output_serializers: ClassVar[dict[str, dict[str, str]]] = {
        "double": {"application/json": "double_json"}, "text": {"text/plain": "text_plain"}}

    def double_json(self) -> bytes:
        return _json(self.double)

    def text_plain(self) -> bytes:
        return self.text.encode("utf-8")


@register_process("multi-output")
class MultiOutputProcess(BaseProcess):
    process_description = _describe(
        "multi-output", "Two outputs", "Returns x times two (a number) and x as text.",
        {"x": _input("A number", Schema(type="number"))},
        {"double": _output("x times two", Schema(type="number", contentMediaType="application/json")),
         "text": _output("x as text", Schema(type="string", contentMediaType="text/plain"))},
    )

    def execute(self, exec_body: dict[str, Any], job_progress_callback: Any = None) -> MultiResult:
        x = (exec_body.get("inputs") or {}).get("x")
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError("x must be a number")
        return MultiResult(double=x * 2, text=str(x))


class NeverResult(BaseProcessResult):
    never: str
    output_serializers: ClassVar[dict[str, dict[str, str]]] = {"never": {"text/plain": "never_text"}}

    def never_text(self) -> bytes:
        return self.never.encode("utf-8")


@register_process("fail")
class FailProcess(BaseProcess):
    process_description = _describe(
        "fail", "Fail", "Always fails: a failed job on demand.",
        {"message": _input("Text of the error", Schema(type="string"), min_occurs=0)},
        {"never": _output("Never produced", Schema(type="string", contentMediaType="text/plain"))},
    )

    def execute(self, exec_body: dict[str, Any], job_progress_callback: Any = None) -> NeverResult:
        message = (exec_body.get("inputs") or {}).get("message") or "failing on purpose"
        raise ValueError(str(message))
