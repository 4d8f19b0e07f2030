"""``oaproc-testkit``: the CI gate. It assembles arguments for the same engine the suites and the
burst use (pytest + the oaproc plugin; Locust + loadtests/burst.py) and writes the reports.

Exit codes: 0 all good; 1 conformance failure (not excused by the baseline); 2 usage error or
server unreachable; 3 load verdict failed (when conformance passed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_CONFORMANCE, EXIT_USAGE, EXIT_LOAD = 0, 1, 2, 3
EXIT_CODES_HELP = """exit codes:
  0  all good (known deviations listed in the baseline do not count)
  1  a conformance failure the baseline does not excuse
  2  usage error, server unreachable, or the URL is not an OGC API - Processes landing page
  3  the burst's load verdict failed (conformance passed)"""
CLASS_DIRS = {"core": "core", "ogc-process-description": "ogc_process_description", "json": "json", "html": "html",
              "oas30": "oas30", "job-list": "job_list", "callback": "callback", "dismiss": "dismiss"}


def data_dir(name: str) -> Path:
    """A shipped data folder (suites, schemas, loadtests): package data in a wheel, the repo in a checkout."""
    from importlib.resources import files

    packaged = Path(str(files("oaproc_testkit"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--header", action="append", default=[], metavar="'Name: value'",
                   help="header sent with every request (repeatable; never written to reports)")
    p.add_argument("--query", action="append", default=[], metavar="key=value", help="query parameter on every request")
    p.add_argument("--timeout", default="10", metavar="S", help="timeout of one request (10 s)")
    p.add_argument("--job-timeout", default="60", metavar="S", help="longest wait for one job (60 s)")
    p.add_argument("--process", action="append", default=[], metavar="ID", help="restrict the processes exercised")
    p.add_argument("--class", dest="classes", action="append", default=[], choices=sorted(CLASS_DIRS),
                   help="run only this conformance class (repeatable; default all)")
    p.add_argument("--strict", action="store_true", help="recommendations fail instead of warn")
    p.add_argument("--schema-pedantic", action="store_true", help="read the standard's schemas literally")
    p.add_argument("--report-dir", default=None, metavar="DIR", help="write junit.xml, report.json, summary.md, earl.rdf")
    p.add_argument("--reference-base-url", default=None, metavar="URL",
                   help="http://HOST:PORT where the server reaches the toolkit's by-reference value receiver")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show pytest's own output and list each known deviation")


def _burst_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("burst load scenario")
    g.add_argument("--burst", action="store_true", help="also run the burst scenario (loadtests/burst.py)")
    g.add_argument("--jobs", type=int, default=None, metavar="N", help="jobs in the burst (burst default 50)")
    g.add_argument("--burst-process", default=None, metavar="ID",
                   help="process of the burst (default: the first --process, else the burst's own choice)")
    g.add_argument("--inputs", default=None, metavar="JSON", help="execute inputs of the burst jobs")
    g.add_argument("--expect-max-concurrency", type=int, default=None, metavar="N", help="the job manager's limit")
    g.add_argument("--submit-concurrency", type=int, default=None, metavar="K", help="POSTs in flight at once")
    g.add_argument("--max-failed-submissions", type=int, default=None, metavar="M",
                   help="failed POSTs (5xx, timeouts) the burst tolerates (burst default 0)")


def _para(text: str) -> str:
    import textwrap

    return textwrap.fill(text, width=min(100, max(60, _width() - 2)))


def build_parser() -> argparse.ArgumentParser:
    with_codes = {"epilog": EXIT_CODES_HELP, "formatter_class": argparse.RawDescriptionHelpFormatter}
    parser = argparse.ArgumentParser(prog="oaproc-testkit", description="OGC API - Processes conformance and load gate",
                                     **with_codes)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="run the conformance suites (and optionally the burst) against URL",
                           description=_para("Run the conformance suites (and with --burst the load scenario) against URL "
                                       "and print the conformance matrix; --report-dir writes the reports."), **with_codes)
    check.add_argument("url", help="landing page URL of the server under test")
    _common(check)
    check.add_argument("--baseline", default=None, metavar="FILE", help="known deviations (YAML: test ID -> reason)")
    _burst_options(check)
    base = sub.add_parser("baseline", help="write the current failures of URL as a baseline file",
                          description=_para("Run the conformance suites against URL and write every failing test, with "
                                      "its failure line as the reason, to FILE (for check --baseline FILE)."),
                          epilog="exit codes: 0 written; 2 usage error or server unreachable",
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    base.add_argument("url", help="landing page URL of the server under test")
    base.add_argument("-o", "--output", required=True, metavar="FILE", help="the baseline file to write (YAML)")
    _common(base)
    demo = sub.add_parser("demo", help="start an embedded pygeoapi with our probe processes and check it",
                          description=_para("Build (once, cached under ~/.cache/oaproc-testkit) a Python 3.12 venv with "
                                      "pygeoapi, start it on a free loopback port with the probe processes, run the "
                                      "conformance suites against it with the shipped baseline, then a small burst."),
                          **with_codes)
    demo.add_argument("--report-dir", default="oaproc-report", metavar="DIR",
                      help="where junit.xml, report.json, summary.md, earl.rdf and burst/ go (oaproc-report)")
    demo.add_argument("--no-burst", action="store_true", help="skip the burst scenario")
    demo.add_argument("--jobs", type=int, default=8, metavar="N", help="jobs in the demo burst (8)")
    demo.add_argument("-v", "--verbose", action="store_true",
                      help="show pytest's own output and list each known deviation")
    sub.add_parser("list", help="list the abstract tests and where each is checked")
    suites = sub.add_parser("suites", help="run the packaged pytest suites with raw pytest arguments "
                                           "(suites --help: the toolkit's options; --pytest-help: pytest's)")
    suites.add_argument("pytest_args", nargs=argparse.REMAINDER, help="e.g. --server-url URL -k landingpage")
    _campaign_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["suites"]:  # everything after "suites" belongs to pytest, options included
        return cmd_suites(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "baseline":
            return cmd_baseline(args)
        if args.command == "demo":
            return cmd_demo(args)
        if args.command == "list":
            return cmd_list()
        if args.command == "campaign":
            return cmd_campaign(args)
    except KeyboardInterrupt:
        print("oaproc-testkit: interrupted", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE


def _pytest_suites(args: Sequence[str]) -> int:
    import pytest

    return int(pytest.main([str(data_dir("suites")), "-p", "no:cacheprovider", "--import-mode=importlib",
                            "--rootdir", str(data_dir("suites")), *args]))


def cmd_suites(args: list[str]) -> int:
    """The packaged suites through pytest. ``--help`` shows the toolkit's options (pytest's own
    are about 190 lines); ``--pytest-help`` shows all of pytest's."""
    if "--pytest-help" in args:
        return _pytest_suites([a if a != "--pytest-help" else "--help" for a in args])
    if "-h" not in args and "--help" not in args:
        return _pytest_suites(args)
    import contextlib
    import io

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        _pytest_suites(["--help"])
    lines = captured.getvalue().splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("OGC API - Processes conformance")), None)
    if start is None:  # pytest changed its layout: show everything rather than nothing
        print(captured.getvalue(), end="")
        return EXIT_OK
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    print("usage: oaproc-testkit suites --server-url URL [toolkit options] [pytest options] [file_or_dir ...]\n\n"
          "Runs the packaged conformance suites with pytest; every pytest option works (-k, -x, -v, --junitxml ...).\n")
    print("\n".join(lines[start:end]))
    print("\npytest's own options: oaproc-testkit suites --pytest-help\n"
          "exit codes are pytest's: 0 passed, 1 tests failed, 2 interrupted or the URL is not a landing page / "
          "unreachable, 4 usage error")
    return EXIT_OK


# -- conformance ------------------------------------------------------------------------------------
class _Capture:
    """pytest plugin object: keeps the run's report and shows progress."""

    def __init__(self, total_hint: int = 0, show_progress: bool = True) -> None:
        self.report: dict[str, Any] | None = None
        self.unreachable: str | None = None
        self.usage_error: str | None = None
        self.progress = None
        self.task = None
        self.show = show_progress

    def pytest_collection_finish(self, session: Any) -> None:
        if not self.show:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(TextColumn("conformance"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                                 transient=True)
        self.task = self.progress.add_task("", total=len(session.items))
        self.progress.start()

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        """pytest.exit() from the plugin (e.g. the server is unreachable): keep its one-line message."""
        self.unreachable = str(getattr(excinfo.value, "msg", excinfo.value))

    def pytest_runtest_logreport(self, report: Any) -> None:
        if self.progress is not None and report.when == "teardown":
            self.progress.update(self.task, advance=1, description=report.nodeid.rsplit("::", 1)[-1])

    def pytest_sessionfinish(self, session: Any, exitstatus: int) -> None:
        if self.progress is not None:
            self.progress.stop()
        reporter = session.config.pluginmanager.get_plugin("oaproc-reporter")
        if reporter is not None:
            self.report = reporter.report


def run_conformance(url: str, args: argparse.Namespace, *, baseline: str | None, report_dir: str | None) -> tuple[int, dict[str, Any] | None]:
    """Run the suites through pytest; return (pytest exit code, report dict)."""
    import pytest

    suites = data_dir("suites")
    paths = [str(suites / CLASS_DIRS[c]) for c in args.classes] or [str(suites)]
    pargs = [*paths, "--server-url", url, "--oaproc-timeout", str(args.timeout), "--job-timeout", str(args.job_timeout),
             "-p", "no:cacheprovider", "--import-mode=importlib", "-o", "addopts=", "--rootdir", str(suites)]
    for h in args.header:
        pargs += ["--header", h]
    for q in args.query:
        pargs += ["--query", q]
    for p in args.process:
        pargs += ["--process", p]
    if getattr(args, "reference_base_url", None):
        pargs += ["--reference-base-url", args.reference_base_url]
    if args.strict:
        pargs.append("--oaproc-strict")
    if args.schema_pedantic:
        pargs.append("--schema-pedantic")
    if baseline:
        pargs += ["--baseline", baseline]
    if report_dir:
        pargs += ["--report-dir", report_dir]
    if not getattr(args, "verbose", False):
        pargs += ["-p", "no:terminal", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    capture = _Capture(show_progress=not getattr(args, "verbose", False) and sys.stdout.isatty())
    code = int(pytest.main(pargs, plugins=[capture]))
    if capture.report is None and capture.unreachable:
        print(f"oaproc-testkit: {capture.unreachable.removeprefix('oaproc: ')}", file=sys.stderr)
    return code, capture.report


def cmd_check(args: argparse.Namespace, *, extra_baseline: str | None = None) -> int:
    from .reporting import gate_failed, write_reports
    from .reporting.terminal import render_summary

    report_dir = args.report_dir
    code, report = run_conformance(args.url, args, baseline=args.baseline or extra_baseline, report_dir=None)
    if report is None:
        # pytest stopped before any check ran: usage error (4) or unreachable server (our exit 2)
        if code not in (2, 4):
            print(f"oaproc-testkit: the conformance run ended without results (pytest exit {code})", file=sys.stderr)
        return EXIT_USAGE
    load_failed = False
    if getattr(args, "burst", False):
        burst, load_failed = run_burst(args, report_dir)
        report["burst"] = burst
    if report_dir:
        write_reports(report, report_dir, redact=_redactor(args))
    print(render_summary(report, width=_width(), color=sys.stdout.isatty(), verbose=getattr(args, "verbose", False)),
          end="")
    if report.get("burst"):
        _print_burst(report["burst"])
    if gate_failed(report):
        return EXIT_CONFORMANCE
    return EXIT_LOAD if load_failed else EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    from .baseline import dump_baseline

    code, report = run_conformance(args.url, args, baseline=None, report_dir=args.report_dir)
    if report is None:
        return EXIT_USAGE
    Path(args.output).write_text(dump_baseline(report, server=report["server_url"]), encoding="utf-8")
    failing = sum(1 for t in report["tests"] if t["verdict"] in ("fail", "error"))
    print(f"wrote {args.output}: {failing} known deviations")
    return EXIT_OK


def cmd_list() -> int:
    from . import requirements as R
    from .checks import load_all
    from .checks._registry import CHECKS

    load_all()
    for t in R.ABSTRACT_TESTS.values():
        fn = CHECKS.get(t.id)
        where = f"{fn.__module__}.{fn.__name__}" if fn else "(no check)"
        print(f"A.{t.number:<3} {t.id:<58} {t.requirement:<55} {where}")
    return EXIT_OK


# -- burst -----------------------------------------------------------------------------------------
def run_burst(args: argparse.Namespace, report_dir: str | None) -> tuple[dict[str, Any], bool]:
    """Run loadtests/burst.py headless in a Locust subprocess; return (summary, failed)."""
    out = Path(report_dir or tempfile.mkdtemp(prefix="oaproc-burst-")) / "burst"
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "locust", "-f", str(data_dir("loadtests") / "burst.py"), "--headless",
           "--host", args.url, "--report-dir", str(out), "--job-timeout", str(args.job_timeout),
           "--loglevel", "WARNING", "--only-summary"]
    process = args.burst_process or (args.process[0] if args.process else None)
    for flag, value in (("--process", process), ("--jobs", args.jobs), ("--inputs", args.inputs),
                        ("--expect-max-concurrency", args.expect_max_concurrency),
                        ("--submit-concurrency", args.submit_concurrency),
                        ("--max-failed-submissions", getattr(args, "max_failed_submissions", None))):
        if value is not None:
            cmd += [flag, str(value)]
    env = dict(os.environ)
    # secrets travel by environment, never on the command line (visible to every user of the machine)
    if args.header:
        env["OAPROC_HEADERS"] = json.dumps(args.header)
    if args.query:
        env["OAPROC_QUERY"] = json.dumps(args.query)
    limit = float(args.job_timeout) * 4 + 600
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"error": f"burst did not finish within {limit:.0f} s", "violations": ["burst timed out"]}, True
    summary_path = out / "summary.json"
    if not summary_path.is_file():
        tail = _redactor(args)(((proc.stderr or proc.stdout).strip().splitlines() or ["no output"])[-1])
        return {"error": f"burst wrote no summary (exit {proc.returncode}): {tail}", "violations": ["no burst summary"]}, True
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return summary, proc.returncode != 0


def _print_burst(burst: dict[str, Any]) -> None:
    from .reporting import shown

    if "error" in burst:
        print(f"burst: {burst['error']}")
        return
    keys = ("jobs", "accepted", "failed_submissions", "succeeded", "failed", "lost", "stuck", "max_concurrency",
            "expected_max_concurrency", "drain_seconds")
    print("burst: " + ", ".join(f"{k}={shown(k, burst[k])}" for k in keys if k in burst))
    for v in burst.get("violations", []):
        print(f"burst VIOLATION: {v}")


# -- demo ------------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from .servers.pygeoapi import PYGEOAPI_VERSION, ensure_venv, running_pygeoapi

    print(f"oaproc-testkit demo: preparing pygeoapi {PYGEOAPI_VERSION} (Python 3.12 venv, cached after the first run)")
    started = time.monotonic()
    venv = ensure_venv(log=lambda line: print(f"  {line}"))
    with running_pygeoapi(venv=venv) as server:
        print(f"pygeoapi {PYGEOAPI_VERSION} is up at {server.url} ({time.monotonic() - started:.0f} s)")
        baseline = Path(__file__).resolve().parent / "baselines" / f"pygeoapi-{PYGEOAPI_VERSION}.yaml"
        ns = build_parser().parse_args(["check", server.url, "--report-dir", args.report_dir,
                                        *(["--baseline", str(baseline)] if baseline.is_file() else []),
                                        *([] if args.no_burst else ["--burst", "--jobs", str(args.jobs),
                                                                     "--burst-process", "sleep",
                                                                     "--inputs", '{"seconds": 1}',
                                                                     "--expect-max-concurrency", str(args.jobs)]),
                                        *(["-v"] if args.verbose else [])])
        if not args.no_burst:
            # the embedded pygeoapi runs jobs with its TinyDB manager, which has no limit: the demo's expectation
            # is the burst size itself, so the verdict shows what a limit check looks like and holds
            print(f"demo burst: {args.jobs} jobs of 1 s; pygeoapi's TinyDB manager has no job limit, so up to "
                  f"{args.jobs} may run at once (expected at most {args.jobs}); against a server with a worker "
                  "limit, pass it: check URL --burst --expect-max-concurrency N")
        code = cmd_check(ns)
    print(f"reports in {args.report_dir}/ (junit.xml, report.json, summary.md, earl.rdf)")
    return code


def _redactor(args: argparse.Namespace) -> Any:
    from .settings import Settings, parse_header

    try:
        settings = Settings(server_url=args.url, headers=tuple(parse_header(h) for h in args.header))
    except Exception:  # a malformed header was already refused by the pytest run; redact nothing more
        return lambda s: s
    return settings.redact


def _width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 120


# -- campaign (oaproc_testkit/campaign; the same engine as loadtests/campaign.py) ------------------------
def _campaign_parser(sub: Any) -> None:
    from .campaign.options import add_options

    add_options(sub.add_parser("campaign", help="one job per tile over one or several servers; resumable (--db)"),
                group=False)


def cmd_campaign(args: argparse.Namespace) -> int:
    from .campaign.options import plan_from, tiles_from
    from .campaign.run import run_campaign
    from .campaign.tiles import TileError
    from .errors import ConfigError

    try:
        summary = run_campaign(plan_from(args), tiles_from(args), progress=not args.no_progress and sys.stdout.isatty())
    except (ConfigError, TileError) as exc:
        print(f"oaproc-testkit campaign: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK if summary["passed"] else EXIT_LOAD


if __name__ == "__main__":
    raise SystemExit(main())
