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
    g.addoption("--run-timeout", dest="oaproc_run_timeout", default="600", metavar="S",
                help="bound of the whole run in seconds (600; 0: none): after it the remaining tests are reported "
                     "as not run and every report is still written")
    g.addoption("--max-processes-per-test", dest="oaproc_max_per_test", default="10", metavar="N",
                help="processes one result-shape test executes at most (10); the summary says when some were left out")
    g.addoption("--concurrency", dest="oaproc_concurrency", default="16", metavar="N",
                help="checks run at once (16; 1: one after the other)")
    g.addoption("--execution-gap", dest="oaproc_execution_gap", default="1", metavar="S",
                help="execute requests start one at a time: the next waits for the last one's answer at most S "
                     "seconds (1; 0: no pacing; some servers swap jobs when executions arrive together)")
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
    g.addoption("--reference-base-url", dest="oaproc_reference_base_url", default=None, metavar="URL",
                help="http://HOST:PORT under which the server under test reaches the toolkit's receiver of "
                     "by-reference input values (it then listens on that port on all interfaces); without it "
                     "only a loopback server is sent references")
    g.addoption("--report-dir", dest="oaproc_report_dir", default=None, metavar="DIR",
                help="write report.json (and the other reports) to DIR")


def _pytest_timeout_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("pytest_timeout") is not None


def build_settings(config: pytest.Config) -> Settings:
    """Settings from pytest options; a bad value is a pytest.UsageError before any request."""
    from .errors import ConfigError
    from .settings import (
        Settings,
        parse_header,
        parse_query,
        parse_reference_base_url,
        parse_server_url,
        positive_float,
    )

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
            run_timeout=_run_timeout(opt.oaproc_run_timeout),
            max_processes_per_test=int(positive_float(opt.oaproc_max_per_test)),
            concurrency=int(positive_float(opt.oaproc_concurrency)),
            execution_gap=_non_negative(opt.oaproc_execution_gap),
            reference_base_url=parse_reference_base_url(getattr(opt, "oaproc_reference_base_url", None)),
        )
    except (ConfigError, ValueError) as exc:
        raise pytest.UsageError(f"oaproc: {exc}") from None


def _run_timeout(value: str) -> float | None:
    from .errors import ConfigError
    from .settings import positive_float

    try:
        return None if float(value) == 0 else positive_float(value)
    except ValueError:
        raise ConfigError(f"--run-timeout takes seconds (0: no bound), got {value!r}") from None


def _non_negative(value: str) -> float:
    from .errors import ConfigError

    try:
        f = float(value)
    except ValueError:
        f = -1.0
    if not f >= 0:
        raise ConfigError(f"expected a number of seconds (0 or more), got {value!r}")
    return f


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
        scheduler = self.item.config.stash.get(SCHEDULER_KEY, None)
        if scheduler is not None and scheduler.has(fn):
            result = scheduler.result(fn)
        else:
            result = run_check(fn, self.session)
        live = self.item.config.stash.get(LIVE_KEY, None)
        if live is not None:
            live.clear()
        self.item.user_properties.append(("oaproc", result.to_dict()))
        if result.outcome is Outcome.SKIPPED:
            pytest.skip(result.reason)
        known = (self.session.baseline or {}).get(result.test.id)
        if result.outcome in (Outcome.FAILED, Outcome.ERROR) and known is not None:
            pytest.xfail(f"known deviation (baseline): {result.headline}")
        if result.outcome in (Outcome.FAILED, Outcome.ERROR):
            pytest.fail("\n".join(f.headline for f in result.failures or result.findings) or result.reason,
                        pytrace=False)
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
        from .landing import diagnose_landing

        try:
            resp = run.http.get(run.settings.server_url)
        except RequestFailed as exc:
            self.config.stash[UNREACHABLE] = True
            pytest.exit(f"oaproc: server unreachable: GET {exc.url}: {exc.reason}", returncode=2)
        why = diagnose_landing(resp)
        if why is not None:  # a wrong URL, not a verdict on a server: one line instead of dozens of failures
            self.config.stash[UNREACHABLE] = True
            pytest.exit(f"oaproc: not an OGC API - Processes landing page: {run.settings.redact(why)}", returncode=2)
        self.wall_start = time.monotonic()
        run.start_clock()
        self._start_checks(session, run)

    def _start_checks(self, session: pytest.Session, run: Session) -> None:
        """Hand every collected check to the scheduler (concurrent run) and set up the live line."""
        from .checks._registry import CHECKS
        from .live import LiveLine
        from .scheduler import CheckScheduler

        live = LiveLine(self.config.pluginmanager.get_plugin("terminalreporter"),
                        self.config.pluginmanager.get_plugin("capturemanager"), run.waits, run.clock)
        self.config.stash[LIVE_KEY] = live
        run.on_wait = live.tick
        fns = []
        for item in session.items:
            marker = item.get_closest_marker("oaproc")
            if marker is not None and marker.args and marker.args[0] in CHECKS:
                fns.append(CHECKS[marker.args[0]])
        scheduler = CheckScheduler(run, workers=run.settings.concurrency)
        scheduler.start(fns)
        self.config.stash[SCHEDULER_KEY] = scheduler

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
        terminalreporter.write(render_summary(self.report, width=terminalreporter._tw.fullwidth,
                                              verbose=config.option.verbose > 0))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        scheduler = config.stash.get(SCHEDULER_KEY, None)
        if scheduler is not None:
            scheduler.shutdown()
        run = _session(config)
        if run is not None:
            run.close()


UNREACHABLE = pytest.StashKey[bool]()
SCHEDULER_KEY = pytest.StashKey[Any]()
LIVE_KEY = pytest.StashKey[Any]()
