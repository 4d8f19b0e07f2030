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

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .curl import curl_command
from .errors import RequestFailed
from .jobs import execute, json_or_none, wait_for_job
from .runner import Session, media_type

REQ = "/req/core/process-execute-input-validation"
SHRINK_BUDGET_S = 20.0  # once a property failed, how long hypothesis may go on sending smaller requests


class _Bounded:
    """Wraps a property (which returns a problem, or None): failing inputs are remembered (a replay fails
    again without a request) and, once ``SHRINK_BUDGET_S`` have passed since the first failure, new
    inputs pass unsent, so that hypothesis stops shrinking with the smallest failure found so far.
    Every failure is raised from one place, so hypothesis sees one and the same bug on replay."""

    def __init__(self, prop: Callable[[Any], str | None], clock: Callable[[], float]) -> None:
        self.prop, self.clock = prop, clock
        self.failed: dict[str, str] = {}
        self.first_failure: float | None = None

    def __call__(self, case: Any) -> None:
        key = json.dumps(case, sort_keys=True, default=str)
        problem = self.failed.get(key)
        if problem is None:
            if self.first_failure is not None and self.clock() - self.first_failure > SHRINK_BUDGET_S:
                return
            problem = self.prop(case)
            if problem is None:
                return
            self.failed[key] = problem
            if self.first_failure is None:
                self.first_failure = self.clock()
        raise AssertionError(problem)


def _as_function(bounded: _Bounded) -> Callable[[Any], None]:
    def prop(case: Any) -> None:  # hypothesis wants a plain function with a named parameter
        bounded(case)

    return prop


def _run(prop: Callable[[Any], str | None], strategy: Any, *, examples: int, seed: int | None,
         clock: Callable[[], float]) -> bool:
    """Run ``prop`` under hypothesis; True when it was falsified."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    runner = settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
                      suppress_health_check=list(HealthCheck), print_blob=False,
                      report_multiple_bugs=False)(given(strategy)(_as_function(_Bounded(prop, clock))))
    if seed is not None:
        runner = hseed(seed)(runner)
    try:
        runner()
    except AssertionError:
        return True
    return False


def quiet(description: Mapping[str, Any], inputs: Mapping[str, Any], *, keep: str | None = None) -> dict[str, Any]:
    """``inputs`` with the process's fail switch off and its delay at the minimum (as the execution
    checks do): a generated ``fail: true`` is the process doing what it was asked, not a finding.
    ``keep`` names an input to leave as generated (the one made invalid on purpose)."""
    from .checks._jobs_fixture import delay_input, delay_value, fail_input

    out = dict(inputs)
    switch = fail_input(description)
    if switch and switch != keep:
        out[switch] = False
    delay = delay_input(description)
    if delay and delay[0] != keep:
        out[delay[0]] = delay_value(delay[1], 0.0)
    return out


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


def _curl(session: Session, pid: str, body: Any, prefer: str | None) -> str:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if prefer:
        headers["Prefer"] = prefer
    return curl_command("POST", session.http.url(f"/processes/{pid}/execution"), settings=session.settings,
                        headers=headers, body=body)


def check_valid(session: Session, pid: str, description: Mapping[str, Any], *, examples: int,
                seed: int | None) -> Falsified | None:
    """Run the valid-input property for one process; return the shrunk counterexample, if any."""
    from .inputs import validate_value
    from .strategies import valid_inputs

    last: list[Falsified] = []

    def prop(generated: dict[str, Any]) -> str | None:
        inputs = quiet(description, generated)
        try:
            sub, body = _post(session, pid, inputs)
        except RequestFailed as exc:
            last.append(Falsified(pid, REQ, "an answer", exc.reason, _curl(session, pid, {"inputs": inputs}, None)))
            return exc.reason
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
            return problem[1]
        return None

    falsified = _run(prop, valid_inputs(description), examples=examples, seed=seed, clock=session.clock)
    return last[-1] if falsified and last else None


def check_invalid(session: Session, pid: str, description: Mapping[str, Any], *, examples: int,
                  seed: int | None) -> Falsified | None:
    """Run the invalid-input property for one process; return the shrunk counterexample, if any."""
    from .strategies import invalid_inputs

    last: list[Falsified] = []

    def prop(case: tuple[str, dict[str, Any]]) -> str | None:
        bad_input, generated = case
        inputs = quiet(description, generated, keep=bad_input)
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
            return problem[1]
        return None

    falsified = _run(prop, invalid_inputs(description), examples=examples, seed=seed, clock=session.clock)
    return last[-1] if falsified and last else None


def check_malformed(session: Session, pid: str, description: Mapping[str, Any], *, examples: int,
                    seed: int | None) -> Falsified | None:
    """Bodies that are JSON but not an execute object (an array, a string, a number, ``inputs`` that is
    not a map) never get a 5xx (/req/core/process-execute-request: the body is an execute.yaml object).
    Whether a lenient server may accept such a body the standard does not say; only a crash is judged."""
    from hypothesis import strategies as st

    leaf = st.one_of(st.integers(-5, 5), st.text(max_size=4), st.booleans(), st.none())
    bodies = st.one_of(st.lists(st.one_of(leaf, st.fixed_dictionaries({"inputs": st.just({})})), max_size=3),
                       leaf, st.fixed_dictionaries({"inputs": st.one_of(st.lists(leaf, max_size=2), leaf)}))
    last: list[Falsified] = []
    url = session.http.url(f"/processes/{pid}/execution")

    def prop(body: Any) -> str | None:
        try:
            resp = session.http.post(url, json=body)
        except RequestFailed as exc:
            problem = ("an answer", exc.reason)
        else:
            problem = None
            if resp.status_code >= 500:
                problem = ("a 4xx exception for a body that is not an execute object", f"status {resp.status_code}")
        if problem:
            last.append(Falsified(pid, "/req/core/process-execute-request", problem[0], problem[1],
                                  _curl(session, pid, body, None)))
            return problem[1]
        return None

    falsified = _run(prop, bodies, examples=examples, seed=seed, clock=session.clock)
    return last[-1] if falsified and last else None
