"""Property-based execution testing (``--fuzz``): hypothesis drives execute requests built from each
process description and shrinks any falsifying request to a minimal curl reproduction.

Properties, per process:
- valid inputs never get a 5xx, and a synchronous JSON result validates against its output schema
  (/req/core/process-execute-input-validation, part A; /req/core/process-execute-sync-raw-value-one);
- invalid inputs get an exception report — a 4xx whose body is an exception naming the offending
  input — never a 5xx (a crash is a finding here, although the OGC ETS tolerates a 500) and never a
  job that silently succeeds (/req/core/process-execute-input-validation, part B).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .curl import curl_command
from .errors import RequestFailed
from .jobs import execute, json_or_none, wait_for_job
from .runner import Session, media_type

REQ = "/req/core/process-execute-input-validation"


@dataclass
class Falsified:
    process_id: str
    requirement: str
    expected: str
    got: str
    curl: str

    def render(self) -> str:
        return (f"[{self.requirement}] POST {self.process_id}: expected {self.expected}, got {self.got}\n"
                f"    Reproduce with: {self.curl}")


def _sync_capable(session: Session, pid: str) -> bool:
    opts = session.snapshot.job_control(pid)
    return not opts or "sync-execute" in opts


def _post(session: Session, pid: str, inputs: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    body = {"inputs": dict(inputs)}
    prefer = None if _sync_capable(session, pid) else "respond-async"
    return execute(session.http, pid, body, prefer=prefer), body


def _curl(session: Session, pid: str, body: dict[str, Any], prefer: str | None) -> str:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if prefer:
        headers["Prefer"] = prefer
    return curl_command("POST", session.http.url(f"/processes/{pid}/execution"), settings=session.settings,
                        headers=headers, body=body)


def check_valid(session: Session, pid: str, description: Mapping[str, Any], *, examples: int,
                seed: int | None) -> Falsified | None:
    """Run the valid-input property for one process; return the shrunk counterexample, if any."""
    from hypothesis import HealthCheck, given, settings

    from .inputs import validate_value
    from .strategies import valid_inputs

    last: list[Falsified] = []

    def prop(inputs: dict[str, Any]) -> None:
        try:
            sub, body = _post(session, pid, inputs)
        except RequestFailed as exc:
            last.append(Falsified(pid, REQ, "an answer", exc.reason, _curl(session, pid, {"inputs": inputs}, None)))
            raise AssertionError(exc.reason) from None
        resp = sub.response
        problem = None
        if resp.status_code >= 500:
            problem = ("no 5xx for schema-valid inputs", f"status {resp.status_code}")
        elif resp.status_code == 200 and media_type(resp) == "application/json":
            outputs = description.get("outputs") or {}
            doc = json_or_none(resp)
            if len(outputs) == 1 and doc is not None:
                (oid, odesc), = outputs.items()
                schema = odesc.get("schema") if isinstance(odesc, Mapping) else None
                errs = validate_value(schema, doc) if isinstance(schema, Mapping) else []
                if errs and not (isinstance(doc, Mapping) and oid in doc):  # a document keyed by output id is fine
                    problem = (f"a result valid against the schema of output {oid!r}", errs[0])
        if problem:
            last.append(Falsified(pid, REQ, problem[0], problem[1], _curl(session, pid, body, sub.headers.get("Prefer"))))
            raise AssertionError(problem[1])

    runner = settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
                      suppress_health_check=list(HealthCheck), print_blob=False)(given(valid_inputs(description))(prop))
    if seed is not None:
        from hypothesis import seed as hseed

        runner = hseed(seed)(runner)
    try:
        runner()
    except AssertionError:
        return last[-1] if last else None
    return None


def check_invalid(session: Session, pid: str, description: Mapping[str, Any], *, examples: int,
                  seed: int | None) -> Falsified | None:
    """Run the invalid-input property for one process; return the shrunk counterexample, if any."""
    from hypothesis import HealthCheck, given, settings

    from .strategies import invalid_inputs

    last: list[Falsified] = []

    def prop(case: tuple[str, dict[str, Any]]) -> None:
        bad_input, inputs = case
        try:
            sub, body = _post(session, pid, inputs)
            problem = None
            resp = sub.response
            if resp.status_code >= 500:
                problem = (f"a 4xx exception for invalid input {bad_input!r}", f"status {resp.status_code}")
            elif sub.mode == "sync" and 200 <= resp.status_code < 300:
                problem = (f"an exception for invalid input {bad_input!r}", f"status {resp.status_code} (success)")
            elif sub.mode == "async" and sub.job_url:
                trace = wait_for_job(session.http, sub.job_url, deadline_s=session.settings.job_timeout,
                                     clock=session.clock, sleep=session.sleep)
                if trace.status == "successful":
                    problem = (f"the job of invalid input {bad_input!r} to fail", "it succeeded")
            elif 400 <= resp.status_code < 500:
                doc = json_or_none(resp)
                if not (isinstance(doc, Mapping) and isinstance(doc.get("type"), str)):
                    problem = ("an exception body (JSON with a type)", f"{media_type(resp) or 'no'} body")
                elif bad_input not in resp.text:
                    problem = (f"an exception that identifies input {bad_input!r}", f"{resp.text[:100]!r}")
        except RequestFailed as exc:
            problem, body = ("an answer", exc.reason), {"inputs": inputs}
        if problem:
            last.append(Falsified(pid, REQ, problem[0], problem[1], _curl(session, pid, body, None)))
            raise AssertionError(problem[1])

    runner = settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
                      suppress_health_check=list(HealthCheck), print_blob=False)(given(invalid_inputs(description))(prop))
    if seed is not None:
        from hypothesis import seed as hseed

        runner = hseed(seed)(runner)
    try:
        runner()
    except AssertionError:
        return last[-1] if last else None
    return None
