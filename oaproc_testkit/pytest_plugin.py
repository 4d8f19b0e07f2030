"""pytest plugin (entry point ``pytest11: oaproc``): options, the ``oaproc`` fixture, summary, reports.

Suite tests are thin::

    @pytest.mark.oaproc("/conf/core/landingpage-op")
    def test_landingpage_op(oaproc):
        oaproc.run(landingpage.landingpage_op)

Imports stay light at module level: this module is loaded in every pytest run of an
environment where the toolkit is installed.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .results import CheckResult
    from .runner import Session
    from .settings import Settings

SESSION_KEY = pytest.StashKey["Session"]()
GROUP = "oaproc"


class OaprocWarning(UserWarning):
    """A recommendation the server does not follow (or a leniency that was applied)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup(GROUP, "OGC API - Processes conformance (oaproc-testkit)")
    g.addoption("--server-url", dest="oaproc_server_url", metavar="URL", help="landing page URL of the server under test")
    g.addoption("--header", dest="oaproc_headers", action="append", default=[], metavar="'Name: value'",
                help="header sent with every request (repeatable; values never appear in reports)")
    g.addoption("--query", dest="oaproc_query", action="append", default=[], metavar="key=value",
                help="query parameter added to every request (repeatable)")
    # pytest-timeout owns --timeout when it is installed; --oaproc-timeout always works.
    names = ("--oaproc-timeout",) if _pytest_timeout_installed() else ("--timeout", "--oaproc-timeout")
    g.addoption(*names, dest="oaproc_timeout", default="10", metavar="S", help="timeout of one request in seconds (10)")
    g.addoption("--job-timeout", dest="oaproc_job_timeout", default="60", metavar="S",
                help="longest wait for one job to finish, in seconds (60)")
    g.addoption("--process", dest="oaproc_processes", action="append", default=[], metavar="ID",
                help="restrict the processes exercised (repeatable)")
    g.addoption("--oaproc-strict", dest="oaproc_strict", action="store_true", help="recommendations fail instead of warn")
    g.addoption("--schema-pedantic", dest="oaproc_pedantic", action="store_true",
                help="read the standard's schemas literally (strict oneOf, statusInfo.type required)")
    g.addoption("--fuzz", dest="oaproc_fuzz", action="store_true", help="run the property-based execution suite")
    g.addoption("--fuzz-examples", dest="oaproc_fuzz_examples", default="50", metavar="N", help="examples per property (50)")
    g.addoption("--fuzz-seed", dest="oaproc_fuzz_seed", default=None, metavar="N", help="seed for a reproducible fuzz run")
    g.addoption("--baseline", dest="oaproc_baseline", default=None, metavar="FILE",
                help="YAML of known deviations (abstract-test ID: reason): reported as known, not failed")
    g.addoption("--report-dir", dest="oaproc_report_dir", default=None, metavar="DIR",
                help="write report.json (and the other reports) to DIR")


def _pytest_timeout_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("pytest_timeout") is not None


def build_settings(config: pytest.Config) -> Settings:
    """Settings from pytest options; a bad value is a pytest.UsageError before any request."""
    from .errors import ConfigError
    from .settings import Settings, parse_header, parse_query, parse_server_url, positive_float

    opt = config.option
    try:
        return Settings(
            server_url=parse_server_url(opt.oaproc_server_url),
            headers=tuple(parse_header(h) for h in opt.oaproc_headers),
            query=tuple(parse_query(q) for q in opt.oaproc_query),
            timeout=positive_float(opt.oaproc_timeout),
            job_timeout=positive_float(opt.oaproc_job_timeout),
            processes=tuple(opt.oaproc_processes),
            strict=bool(opt.oaproc_strict),
            schema_pedantic=bool(opt.oaproc_pedantic),
            fuzz=bool(opt.oaproc_fuzz),
            fuzz_examples=int(positive_float(opt.oaproc_fuzz_examples)),
            fuzz_seed=int(opt.oaproc_fuzz_seed) if opt.oaproc_fuzz_seed is not None else None,
            report_dir=opt.oaproc_report_dir,
        )
    except (ConfigError, ValueError) as exc:
        raise pytest.UsageError(f"oaproc: {exc}") from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "oaproc(test_id): the OGC abstract test that a suite test runs")
    if config.option.oaproc_server_url:
        from .runner import Session

        from .baseline import load_baseline
        from .errors import ConfigError

        session = Session(build_settings(config))
        try:
            session.baseline = load_baseline(config.option.oaproc_baseline) if config.option.oaproc_baseline else None
        except ConfigError as exc:
            raise pytest.UsageError(f"oaproc: {exc}") from None
        config.stash[SESSION_KEY] = session
        config.pluginmanager.register(Reporter(config), "oaproc-reporter")


def _session(config: pytest.Config) -> Session | None:
    return config.stash.get(SESSION_KEY, None)


class Runner:
    """The ``oaproc`` fixture: runs one check and turns its result into a pytest outcome."""

    def __init__(self, session: Session, item: pytest.Item) -> None:
        self.session = session
        self.item = item

    @property
    def settings(self) -> Settings:
        return self.session.settings

    def run(self, fn: Any) -> CheckResult:
        from .results import Outcome
        from .runner import run_check

        marker = self.item.get_closest_marker("oaproc")
        test_id = getattr(fn, "test_id", None)
        if marker is None or not marker.args or marker.args[0] != test_id:
            pytest.fail(f"suite test {self.item.nodeid} is marked {marker.args if marker else None} "
                        f"but runs the check of {test_id}", pytrace=False)
        result = run_check(fn, self.session)
        self.item.user_properties.append(("oaproc", result.to_dict()))
        if result.outcome is Outcome.SKIPPED:
            pytest.skip(result.reason)
        known = (self.session.baseline or {}).get(result.test.id)
        if result.outcome in (Outcome.FAILED, Outcome.ERROR) and known is not None:
            pytest.xfail(f"known deviation ({known}): {result.headline}")
        if result.outcome in (Outcome.FAILED, Outcome.ERROR):
            pytest.fail("\n".join(f.headline for f in result.failures or result.findings), pytrace=False)
        for f in result.warnings:
            warnings.warn(OaprocWarning(f.headline), stacklevel=1)
        return result


@pytest.fixture
def oaproc(request: pytest.FixtureRequest) -> Runner:
    """Run OGC API - Processes checks against --server-url."""
    session = _session(request.config)
    if session is None:
        raise pytest.UsageError("oaproc: the conformance suites need --server-url URL")
    return Runner(session, request.node)


class Reporter:
    """Probes the server once before the run, prints the summary and writes reports after it."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.wall_start = time.monotonic()
        self.report: dict[str, Any] | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not any(item.get_closest_marker("oaproc") for item in session.items):
            return
        from .errors import RequestFailed

        run = _session(self.config)
        assert run is not None
        try:
            run.http.get(run.settings.server_url)
        except RequestFailed as exc:
            self.config.stash[UNREACHABLE] = True
            pytest.exit(f"oaproc: server unreachable: GET {exc.url}: {exc.reason}", returncode=2)
        self.wall_start = time.monotonic()

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        run = _session(self.config)
        if run is None or not run.results:
            return
        from .reporting import run_summary, write_reports

        self.report = run_summary(run, wall=time.monotonic() - self.wall_start, baseline=run.baseline)
        if run.settings.report_dir:
            write_reports(self.report, run.settings.report_dir, redact=run.settings.redact)

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if self.report is None:
            return
        from .reporting.terminal import render_summary

        terminalreporter.write_sep("=", "OGC API - Processes conformance summary")
        terminalreporter.write(render_summary(self.report, width=terminalreporter._tw.fullwidth))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        run = _session(config)
        if run is not None:
            run.close()


UNREACHABLE = pytest.StashKey[bool]()
