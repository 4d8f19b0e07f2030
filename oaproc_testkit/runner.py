"""Run one check against the server and turn what happened into a CheckResult.

A check is ``def name(ctx: CheckContext) -> None`` registered with ``@check(ID)``. It sends
requests through ``ctx`` and records broken expectations with ``ctx.fail``/``ctx.expect_*``
(soft: the check goes on and collects every finding) or ``ctx.require_*`` (hard: the check
stops). ``ctx.skip(reason)`` says the test cannot apply (e.g. no process offers the feature).
Nothing a server sends may escape as a traceback: transport problems, missing prerequisites
and malformed documents all end as one-line findings naming the requirement and the URL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import httpx

from . import requirements as R
from . import schemas
from ._oas_values import PatternTooCostly
from .discovery import ServerSnapshot, Unavailable
from .errors import RequestFailed
from .http import Http
from .jobs import JobTrace, wait_for_job
from .results import CheckResult, Finding, Outcome
from .runstate import RunTimedOut, StaggerGate, StatusLog, WaitBoard
from .settings import Settings

JSON_TYPES = ("application/json", "application/problem+json")


class Skip(Exception):
    """The abstract test does not apply; the message says why (and what was missing)."""


class Abort(Exception):
    """Stop the check; the finding that explains why has already been recorded."""


class Session:
    """State of one run: settings, the HTTP gateway, discovery and shared fixtures (jobs)."""

    def __init__(self, settings: Settings, http: Http | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.http = http or Http(settings, clock=clock)
        self.snapshot = ServerSnapshot(self.http, settings)
        self.clock = clock
        self._sleep = sleep
        self.results: list[CheckResult] = []
        self.started = clock()
        self.undeclared: dict[str, str] = {}
        self.baseline: dict[str, str] | None = None  # abstract-test ID -> reason (known deviations)
        self.status_log = StatusLog()  # every statusInfo received, for /conf/core/job-success
        self.waits = WaitBoard()  # jobs being waited on now (the terminal's live line)
        self.deadline: float | None = None  # clock() after which checks stop (--run-timeout); see start_clock
        self.on_wait: Callable[[], None] | None = None  # called from the main thread while it waits
        self.job_lives: list[tuple[str, float]] = []  # (label, seconds from POST to the end seen): critical path
        self._lock = threading.Lock()
        if settings.concurrency > 1 and settings.execution_gap > 0:
            self.http.execution_gate = StaggerGate(settings.execution_gap, clock).passage

    def start_clock(self) -> None:
        """The run begins now: ``--run-timeout`` counts from here."""
        self.started = self.clock()
        run_timeout = getattr(self.settings, "run_timeout", None)
        self.deadline = self.started + run_timeout if run_timeout else None

    def remaining(self) -> float | None:
        """Seconds left before ``--run-timeout`` (None: no bound)."""
        return None if self.deadline is None else self.deadline - self.clock()

    def check_deadline(self) -> None:
        """Raise RunTimedOut once the run's bound has passed."""
        if self.deadline is not None and self.clock() >= self.deadline:
            raise RunTimedOut(f"the run reached --run-timeout {self.settings.run_timeout:g} s")

    def sleep(self, seconds: float) -> None:
        """Wait between polls: never past the run's bound, and the live line is kept up to date."""
        self.check_deadline()
        left = self.remaining()
        self._sleep(max(0.0, min(seconds, left)) if left is not None else seconds)
        if self.on_wait is not None and threading.current_thread() is threading.main_thread():
            self.on_wait()
        self.check_deadline()

    def observe_status(self, url: str, doc: Any) -> None:
        """Keep a statusInfo received anywhere in the run (validated by /conf/core/job-success)."""
        self.status_log.add(self.http.redact(url), doc)

    def record_job_life(self, label: str, seconds: float) -> None:
        with self._lock:
            self.job_lives.append((label, seconds))

    def follow_job(self, url: str, *, label: str, deadline_s: float | None = None, sent_at: float | None = None,
                   **kw: Any) -> JobTrace:
        """Poll a job until it ends (``wait_for_job``): bounded by ``--job-timeout`` and the run's bound, every
        statusInfo kept for validation, the wait shown on the live line. ``sent_at``: when its POST was sent
        (then the job's life is recorded for the critical path)."""
        limit = self.settings.job_timeout if deadline_s is None else deadline_s
        with self.waits.waiting(label, self.clock):
            trace = wait_for_job(self.http, url, deadline_s=limit, clock=self.clock, sleep=self.sleep,
                                 observe=self.observe_status, **kw)
        if sent_at is not None and trace.finished:
            self.record_job_life(label, self.clock() - sent_at)
        return trace

    def critical_path(self) -> float:
        """The longest single wait of the run: a job's life (POST to the end seen) or one answer."""
        longest_answer = max((e.elapsed for e in self.http.exchanges), default=0.0)
        return max([longest_answer, *(s for _, s in self.job_lives)])

    def shared(self, key: Any, factory: Callable[[], Any]) -> Any:
        """A value computed once per run (e.g. a finished async job), shared by several checks."""
        return self.snapshot.cached(("shared", key), factory)

    def close(self) -> None:
        self.http.close()


class CheckContext:
    """What one check sees: the session plus finding recorders bound to its requirement."""

    def __init__(self, test: R.AbstractTest, session: Session) -> None:
        self.test = test
        self.session = session
        self.settings = session.settings
        self.http = session.http
        self.snap = session.snapshot
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.last: tuple[str, str] = ("", "")  # method, URL of the last request

    @property
    def requirement(self) -> str:
        return self.test.requirement

    # -- requests -----------------------------------------------------------------------------------
    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        self.session.check_deadline()
        url = self.http.url(url)
        self.last = (method, self.http.redact(url))
        return self.http.request(method, url, **kw)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    def url(self, path: str) -> str:
        return self.http.url(path)

    # -- recording ----------------------------------------------------------------------------------
    def _where(self, resp: httpx.Response | None, method: str | None, url: str | None) -> tuple[str, str]:
        if resp is not None and resp.request is not None:
            return method or resp.request.method, self.http.redact(url or str(resp.request.url))
        return method or self.last[0], self.http.redact(url or self.last[1])

    def fail(self, resp: httpx.Response | None, expected: str, got: str, *, detail: str = "",
             requirement: str | None = None, method: str | None = None, url: str | None = None) -> None:
        """Record a broken requirement (the check goes on)."""
        m, u = self._where(resp, method, url)
        self.findings.append(Finding(requirement or self.requirement, m, u, expected, self.http.redact(got),
                                     self.http.redact(detail)))

    def warn(self, resp: httpx.Response | None, expected: str, got: str, *, detail: str = "",
             requirement: str | None = None, method: str | None = None, url: str | None = None) -> None:
        """Record a broken recommendation or a leniency (a warning; a failure with --strict)."""
        m, u = self._where(resp, method, url)
        self.findings.append(Finding(requirement or self.requirement, m, u, expected, self.http.redact(got),
                                     self.http.redact(detail), severity="warning"))

    def note(self, text: str) -> None:
        self.notes.append(self.http.redact(text))

    def skip(self, reason: str) -> NoReturn:
        raise Skip(reason)

    def abort(self) -> NoReturn:
        raise Abort()

    @property
    def failed(self) -> bool:
        return any(f.severity == "failure" for f in self.findings)

    # -- expectations (soft: record and return whether it held) -------------------------------------
    def expect(self, condition: bool, resp: httpx.Response | None, expected: str, got: str, **kw: Any) -> bool:
        if not condition:
            self.fail(resp, expected, got, **kw)
        return bool(condition)

    def expect_status(self, resp: httpx.Response, *codes: int, **kw: Any) -> bool:
        if resp.status_code in codes:
            return True
        want = " or ".join(str(c) for c in codes)
        self.fail(resp, f"status {want}", f"status {resp.status_code}{_body_hint(resp)}", **kw)
        return False

    def expect_json(self, resp: httpx.Response, **kw: Any) -> Any:
        """The parsed JSON body, or None after recording why it is not JSON (media type or syntax)."""
        ctype = media_type(resp)
        if ctype not in JSON_TYPES and not ctype.endswith("+json"):
            self.fail(resp, "an application/json body", f"Content-Type {resp.headers.get('content-type', 'none')}"
                      f"{_body_hint(resp)}", **kw)
            return None
        try:
            return resp.json()
        except ValueError as exc:
            self.fail(resp, "valid JSON", f"invalid JSON ({str(exc).splitlines()[0][:80]})", **kw)
            return None

    def expect_schema(self, doc: Any, name: str, resp: httpx.Response | None, **kw: Any) -> bool:
        errors = schemas.validate(doc, name, pedantic=self.settings.schema_pedantic)
        if errors:
            self.fail(resp, f"a body valid against {name}.yaml", errors[0],
                      detail="\n".join(errors[1:]), **kw)
            return False
        return True

    def expect_exception(self, resp: httpx.Response, status: int | Sequence[int], type_uri: str | None, **kw: Any) -> bool:
        """Status, a JSON exception.yaml body and (when given) its exact ``type`` URI."""
        codes = (status,) if isinstance(status, int) else tuple(status)
        ok = self.expect_status(resp, *codes, **kw)
        doc = self.expect_json(resp, **kw)
        if doc is None:
            return False
        ok = self.expect_schema(doc, "exception", resp, **kw) and ok
        if type_uri is not None:
            got = doc.get("type") if isinstance(doc, Mapping) else None
            ok = self.expect(got == type_uri, resp, f"exception type {type_uri}", f"type {got!r}", **kw) and ok
        return ok

    # -- requirements (hard: record and stop the check) ---------------------------------------------
    def require(self, condition: bool, resp: httpx.Response | None, expected: str, got: str, **kw: Any) -> None:
        if not self.expect(condition, resp, expected, got, **kw):
            raise Abort()

    def require_status(self, resp: httpx.Response, *codes: int, **kw: Any) -> None:
        if not self.expect_status(resp, *codes, **kw):
            raise Abort()

    def require_json(self, resp: httpx.Response, **kw: Any) -> Any:
        doc = self.expect_json(resp, **kw)
        if doc is None:
            raise Abort()
        return doc

    def require_object(self, resp: httpx.Response, **kw: Any) -> dict[str, Any]:
        doc = self.require_json(resp, **kw)
        if not isinstance(doc, Mapping):
            self.fail(resp, "a JSON object", f"a JSON {type(doc).__name__}", **kw)
            raise Abort()
        return dict(doc)


def media_type(resp: httpx.Response) -> str:
    """The media type of a response without parameters, lower case ('' when absent)."""
    return resp.headers.get("content-type", "").split(";")[0].strip().lower()


def _body_hint(resp: httpx.Response) -> str:
    ctype = media_type(resp)
    if ctype.startswith("text/html"):
        return " (an HTML page)"
    try:
        doc = resp.json()
    except ValueError:
        return ""
    if isinstance(doc, Mapping):
        for key in ("type", "code", "title", "detail", "description"):
            if isinstance(doc.get(key), str):
                return f" ({key}: {doc[key][:80]})"
    return ""


def probe_undeclared(session: Session, conf_class: str) -> None:
    """Once per class: does the server visibly implement a class it does not declare?"""
    if conf_class in session.undeclared or conf_class not in ("job-list", "html", "oas30"):
        return
    session.undeclared[conf_class] = ""
    http = session.http
    try:
        if conf_class == "job-list":
            resp = http.get(http.url("/jobs"))
            doc = resp.json() if media_type(resp) in JSON_TYPES else None
            if resp.status_code == 200 and isinstance(doc, Mapping) and isinstance(doc.get("jobs"), list):
                session.undeclared[conf_class] = f"GET {http.redact(str(resp.request.url))} answers 200 with a job list"
        elif conf_class == "html":
            resp = http.get(session.settings.server_url, accept="text/html")
            if resp.status_code == 200 and media_type(resp) == "text/html":
                session.undeclared[conf_class] = "the landing page is served as text/html"
        elif conf_class == "oas30":
            url, doc = session.snapshot.api_definition
            if str(doc.get("openapi", "")).startswith("3.0"):
                session.undeclared[conf_class] = f"the service-desc document is OpenAPI {doc['openapi']}"
    except (RequestFailed, Unavailable, ValueError):
        return


def run_check(fn: Callable[[CheckContext], None], session: Session, *, record: bool = True) -> CheckResult:
    """Run ``fn`` (a registered check) and return its CheckResult; never raises for server behaviour.

    ``record``: append the result to ``session.results`` (the scheduler records when the test reports it).
    Once ``--run-timeout`` has passed a check is not started: it is skipped, saying so."""
    test = R.get(fn.test_id)  # type: ignore[attr-defined]
    start = session.clock()
    ctx = CheckContext(test, session)
    outcome: Outcome | None = None
    reason = ""
    if session.deadline is not None and start >= session.deadline:
        result = CheckResult(test=test, outcome=Outcome.SKIPPED,
                             reason=f"not run: the run reached --run-timeout {session.settings.run_timeout:g} s")
        if record:
            session.results.append(result)
        return result
    try:
        if test.conf_class != "core":
            try:
                declared = session.snapshot.declares(test.conf_class)
            except Unavailable as exc:
                raise Skip(f"conformance declaration unavailable ({exc.finding.headline})") from None
            if not declared:
                probe_undeclared(session, test.conf_class)
                raise Skip(f"server does not declare conformance class {test.conf_class} ({test.class_uri})")
        fn(ctx)
    except Skip as exc:
        outcome, reason = Outcome.SKIPPED, session.settings.redact(str(exc))
    except RunTimedOut as exc:  # not a verdict on the server: the check could not finish in the run's time
        outcome, reason = Outcome.ERROR, f"stopped before it could finish: {exc}"
    except PatternTooCostly as exc:  # a server pattern we cannot match in bounded time: cannot tell
        outcome, reason = Outcome.SKIPPED, session.settings.redact(str(exc))
    except Abort:
        pass
    except Unavailable as exc:
        f = exc.finding
        ctx.findings.append(Finding(test.requirement, f.method, f.url, f"prerequisite: {f.expected}", f.got,
                                    detail=f"needed by {test.id}; fails {f.requirement}"))
    except RequestFailed as exc:
        ctx.findings.append(Finding(test.requirement, exc.method, exc.url, "an HTTP response", exc.reason))
    except Exception as exc:  # a document shaped so oddly that the check could not evaluate it
        m, u = ctx.last
        ctx.findings.append(Finding(test.requirement, m, u, "a response the check can evaluate",
                                    f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}",
                                    detail="the check stopped on an unexpected response shape"))
        outcome = Outcome.ERROR
    if outcome is None:
        if any(f.severity == "failure" for f in ctx.findings):
            outcome = Outcome.FAILED
        elif ctx.findings:
            outcome = Outcome.FAILED if session.settings.strict else Outcome.WARNING
        else:
            outcome = Outcome.PASSED
    result = CheckResult(test=test, outcome=outcome, findings=ctx.findings, reason=reason, notes=ctx.notes,
                         duration=session.clock() - start)
    if record:
        session.results.append(result)
    return result
