"""Run one check against the server and turn what happened into a CheckResult.

A check is ``def name(ctx: CheckContext) -> None`` registered with ``@check(ID)``. It sends
requests through ``ctx`` and records broken expectations with ``ctx.fail``/``ctx.expect_*``
(soft: the check goes on and collects every finding) or ``ctx.require_*`` (hard: the check
stops). ``ctx.skip(reason)`` says the test cannot apply (e.g. no process offers the feature).
Nothing a server sends may escape as a traceback: transport problems, missing prerequisites
and malformed documents all end as one-line findings naming the requirement and the URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import httpx

from . import requirements as R
from . import schemas
from .discovery import ServerSnapshot, Unavailable
from .errors import RequestFailed
from .http import Http
from .results import CheckResult, Finding, Outcome
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
        self.sleep = sleep
        self.results: list[CheckResult] = []
        self.started = clock()
        self.undeclared: dict[str, str] = {}
        self.baseline: dict[str, str] | None = None  # abstract-test ID -> reason (known deviations)  # class -> what shows it is implemented anyway

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


def run_check(fn: Callable[[CheckContext], None], session: Session) -> CheckResult:
    """Run ``fn`` (a registered check) and return its CheckResult; never raises for server behaviour."""
    test = R.get(fn.test_id)  # type: ignore[attr-defined]
    start = session.clock()
    ctx = CheckContext(test, session)
    outcome: Outcome | None = None
    reason = ""
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
    session.results.append(result)
    return result
