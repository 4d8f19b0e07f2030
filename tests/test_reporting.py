"""Reports rendered from one result model: JUnit parses, EARL is RDF/XML with one assertion per
test, Markdown names failures, baselines turn known failures into 'known' and flag stale entries,
and no secret reaches any file."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from oaproc_testkit import requirements as R
from oaproc_testkit.baseline import apply_baseline, dump_baseline, load_baseline
from oaproc_testkit.errors import ConfigError
from oaproc_testkit.http import Exchange
from oaproc_testkit.reporting import gate_failed, run_summary, write_reports
from oaproc_testkit.reporting.terminal import render_summary
from oaproc_testkit.results import CheckResult, Finding, Outcome
from oaproc_testkit.runner import Session
from oaproc_testkit.settings import Settings

SECRET = "Bearer hunter2-very-secret"


class _NoNetSession(Session):
    pass


def fake_session() -> Session:
    settings = Settings(server_url="http://127.0.0.1:5000", headers=(("Authorization", SECRET),))
    s = Session(settings)
    s.snapshot._cache["conformance"] = (True, [R.CONF + "core", R.CONF + "json"])
    outcomes = {1: Outcome.PASSED, 2: Outcome.FAILED, 15: Outcome.FAILED, 64: Outcome.SKIPPED, 17: Outcome.WARNING,
                34: Outcome.ERROR}
    for t in R.ABSTRACT_TESTS.values():
        o = outcomes.get(t.number, Outcome.PASSED)
        findings = []
        if o in (Outcome.FAILED, Outcome.ERROR):
            findings.append(Finding(t.requirement, "GET", "http://127.0.0.1:5000/x", "status 404", "status 500"))
        if o is Outcome.WARNING:
            findings.append(Finding("/rec/core/process-execute-preference-applied", "POST", "http://127.0.0.1:5000/p",
                                    "Preference-Applied", "none", severity="warning"))
        s.results.append(CheckResult(test=t, outcome=o, findings=findings,
                                     reason="server does not declare job-list" if o is Outcome.SKIPPED else ""))
    s.http.exchanges.append(Exchange("GET", "http://127.0.0.1:5000/", 200, 0.01, "application/json"))
    return s


def test_reports_render_and_parse(tmp_path) -> None:
    session = fake_session()
    report = run_summary(session, wall=1.5)
    assert len(report["tests"]) == 82
    assert report["classes"]["core"]["fail"] == 2 and report["classes"]["core"]["error"] == 1
    assert gate_failed(report)
    write_reports(report, tmp_path, redact=session.settings.redact)
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    cases = junit.findall(".//testcase")
    assert len(cases) == 82 and {c.get("name") for c in cases} == set(R.ABSTRACT_TESTS)
    assert junit.get("failures") == "2" and junit.get("errors") == "1" and junit.get("skipped") == "1"
    data = json.loads((tmp_path / "report.json").read_text())
    assert {t["id"] for t in data["tests"]} == set(R.ABSTRACT_TESTS)
    md = (tmp_path / "summary.md").read_text()
    assert "/conf/core/landingpage-success" in md and "| core |" in md
    for name in ("junit.xml", "report.json", "summary.md", "earl.rdf"):
        assert "hunter2" not in (tmp_path / name).read_text()
    assert "Authorization" in data["settings"]["headers"]


def test_earl_is_rdf_with_one_assertion_per_test(tmp_path) -> None:
    rdflib = pytest.importorskip("rdflib")
    report = run_summary(fake_session(), wall=1.0)
    write_reports(report, tmp_path)
    g = rdflib.Graph()
    g.parse(tmp_path / "earl.rdf", format="xml")
    EARL = rdflib.Namespace("http://www.w3.org/ns/earl#")
    assertions = list(g.subjects(rdflib.RDF.type, EARL.Assertion))
    assert len(assertions) == 82
    outcomes = {str(o).rsplit("#", 1)[1] for o in g.objects(None, EARL.outcome)}
    assert outcomes == {"passed", "failed", "untested"}
    tests = {str(t) for t in g.subjects(rdflib.RDF.type, EARL.TestCase)}
    assert R.SPEC + "/conf/core/job-creation-success-async" in tests


def test_earl_layout_matches_team_engine(tmp_path) -> None:
    """The elements a TEAM Engine reader looks up (cite:TestRun counts, requirements, assertion results)."""
    report = run_summary(fake_session(), wall=1.0)
    write_reports(report, tmp_path)
    root = ET.parse(tmp_path / "earl.rdf").getroot()
    ns = {"cite": "http://cite.opengeospatial.org/", "dct": "http://purl.org/dc/terms/",
          "earl": "http://www.w3.org/ns/earl#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    run = root.find("cite:TestRun", ns)
    assert run.find("dct:title", ns).text and run.find("dct:identifier", ns).text
    assert run.find("dct:extent", ns).text.startswith("PT")
    passed, failed, skipped = (int(run.find(f"cite:tests{k}", ns).text) for k in ("Passed", "Failed", "Skipped"))
    assert (passed, failed, skipped) == (78, 3, 1)
    reqs = run.findall("cite:requirements/rdf:Seq/rdf:li/earl:TestRequirement", ns)
    assert len(reqs) == 8 and sum(len(r.findall("dct:hasPart", ns)) for r in reqs) == 82
    for a in root.findall("earl:Assertion", ns):
        outcome = a.find("earl:result/earl:TestResult/earl:outcome", ns).attrib[f"{{{ns['rdf']}}}resource"]
        assert outcome.split("#")[1] in ("passed", "failed", "untested")
        assert a.find("earl:result/earl:TestResult/dct:description", ns).text


def test_baseline_known_and_stale(tmp_path) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text("/conf/core/landingpage-success: links missing\n/conf/core/process-exception-no-such-process: x\n"
                    "/conf/core/job-creation-success-async: y\n/conf/core/landingpage-op: fixed long ago\n")
    baseline = load_baseline(path)
    report = run_summary(fake_session(), wall=1.0, baseline=baseline)
    verdicts = {t["id"]: t["verdict"] for t in report["tests"]}
    assert verdicts["/conf/core/landingpage-success"] == "known"
    assert report["baseline"]["stale"] == ["/conf/core/landingpage-op"]
    assert not gate_failed(report)
    assert report["classes"]["core"]["known"] == 3 and report["classes"]["core"]["fail"] == 0
    text = render_summary(report)
    assert "STALE baseline entry /conf/core/landingpage-op" in text
    assert "3 known deviations from the baseline (not failing the gate), `-v` lists them" in text


def test_baseline_errors_are_config_errors(tmp_path) -> None:
    bad = tmp_path / "b.yaml"
    bad.write_text("/conf/core/nope: reason\n")
    with pytest.raises(ConfigError, match="unknown abstract tests"):
        load_baseline(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_baseline(tmp_path / "missing.yaml")


def test_dump_baseline_round_trips(tmp_path) -> None:
    report = run_summary(fake_session(), wall=1.0)
    path = tmp_path / "b.yaml"
    path.write_text(dump_baseline(report, server=report["server_url"]))
    assert set(load_baseline(path)) == {"/conf/core/landingpage-success", "/conf/core/process-exception-no-such-process",
                                         "/conf/core/job-creation-success-async"}
    apply_baseline(report, load_baseline(path))
    assert not gate_failed(report)


def test_terminal_summary_lists_each_failure_on_one_line() -> None:
    text = render_summary(run_summary(fake_session(), wall=1.0), width=200)
    fails = [ln for ln in text.splitlines() if ln.startswith("FAIL ")]
    assert len(fails) == 3
    assert "[/req/core/landingpage-success] GET http://127.0.0.1:5000/x: expected status 404, got status 500" in fails[0]
    assert "WARN /conf/core/job-creation-auto-execution-mode" in text


def _known_report(tmp_path, reason: str) -> dict:
    path = tmp_path / "baseline.yaml"
    path.write_text(f"/conf/core/landingpage-success: '{reason}'\n/conf/core/process-exception-no-such-process: x\n"
                    "/conf/core/job-creation-success-async: '[/req/core/x] GET http://127.0.0.1:47677/jobs/old-job-id: y'\n")
    return run_summary(fake_session(), wall=1.0, baseline=load_baseline(path))


def test_known_deviations_are_one_counted_line_unless_verbose(tmp_path) -> None:
    report = _known_report(tmp_path, "links missing, pygeoapi issue 1")
    quiet = render_summary(report, width=200)
    assert "KNOWN" not in quiet and "/conf/core/process-exception-no-such-process" not in quiet
    assert [ln for ln in quiet.splitlines() if "known deviation" in ln] == [
        "3 known deviations from the baseline (not failing the gate), `-v` lists them"]
    loud = [ln for ln in render_summary(report, width=200, verbose=True).splitlines() if ln.startswith("KNOWN")]
    assert len(loud) == 3 and all(ln.startswith("KNOWN (baseline) /conf/core/") for ln in loud)
    assert any("GET http://127.0.0.1:5000/x" in ln and "(baseline: links missing, pygeoapi issue 1)" in ln for ln in loud)


def test_summary_and_junit_show_todays_finding_not_the_stored_one(tmp_path) -> None:
    """A baseline written by `oaproc-testkit baseline` holds an old failure line (old port, old job id):
    summary.md and junit.xml show today's finding, like report.json; a reason a person wrote is kept."""
    stored = "[/req/core/landingpage-success] GET http://127.0.0.1:47677/x: expected status 404, got status 500"
    report = _known_report(tmp_path, stored)
    write_reports(report, tmp_path)
    md, junit = (tmp_path / "summary.md").read_text(), (tmp_path / "junit.xml").read_text()
    for text in (md, junit):
        assert "47677" not in text and "old-job-id" not in text
    assert ("- `/conf/core/landingpage-success`: [/req/core/landingpage-success] GET http://127.0.0.1:5000/x: "
            "expected status 404, got status 500") in md
    assert "`/conf/core/process-exception-no-such-process`: [/req/core/process-exception/no-such-process] GET " \
           "http://127.0.0.1:5000/x: expected status 404, got status 500 (baseline: x)" in md
    skipped = {c.get("name"): c.find("skipped") for c in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")}
    el = skipped["/conf/core/landingpage-success"]
    assert el.get("message") == f"known deviation (baseline): {report['tests'][1]['message']}"
    assert "http://127.0.0.1:5000/x" in el.get("message")
    assert skipped["/conf/core/process-exception-no-such-process"].text.endswith("baseline: x")
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["tests"][1]["baseline_reason"] == stored  # the canonical report keeps both


def test_no_python_none_reaches_a_reader(tmp_path, capsys) -> None:
    from oaproc_testkit.cli import _print_burst

    report = run_summary(fake_session(), wall=1.0)
    report["burst"] = {"jobs": 8, "accepted": 8, "failed_submissions": 0, "succeeded": 8, "failed": 0, "lost": 0,
                       "stuck": 0, "max_concurrency": 3, "expected_max_concurrency": None, "drain_seconds": None,
                       "violations": []}
    write_reports(report, tmp_path)
    _print_burst(report["burst"])
    printed = capsys.readouterr().out
    assert "expected_max_concurrency=no limit given" in printed and "drain_seconds=not measured" in printed
    assert "| expected_max_concurrency | no limit given |" in (tmp_path / "summary.md").read_text()
    texts = {name: (tmp_path / name).read_text() for name in ("summary.md", "junit.xml", "earl.rdf")}
    texts["terminal"] = render_summary(report, width=200, verbose=True)
    texts["burst line"] = printed
    for name, text in texts.items():
        assert "None" not in text, name


def _markup_report() -> dict:
    """The fake run, with texts a rich-based reader would take for markup."""
    report = run_summary(fake_session(), wall=1.25)
    t = next(t for t in report["tests"] if t["verdict"] == "fail")
    t["findings"].append({"requirement": "/req/core/x", "method": "GET", "url": "http://127.0.0.1:5000/y",
                          "expected": "[bold]links[/bold]", "got": "[/req/core/other] and [#fff]", "detail": "",
                          "severity": "failure"})
    return report


def test_earl_texts_carry_no_markup_and_say_whether_core_passed(tmp_path) -> None:
    from oaproc_testkit.reporting.earl import render_earl

    report = _markup_report()
    root = ET.fromstring(render_earl(report).encode())
    ns = {"cite": "http://cite.opengeospatial.org/", "dct": "http://purl.org/dc/terms/",
          "earl": "http://www.w3.org/ns/earl#"}
    assert root.find("cite:TestRun/cite:areCoreConformanceClassesPassed", ns).text == "false"
    details = [d.text for d in root.iterfind("earl:Assertion/earl:result/earl:TestResult/dct:description", ns)]
    lines = [ln for d in details for ln in d.splitlines()]
    assert "/req/core/landingpage-success: GET http://127.0.0.1:5000/x: expected status 404, got status 500" in lines
    assert any("expected [ bold]links[ /bold], got [ /req/core/other] and [ #fff]" in d for d in details)
    import re
    assert not [d for d in details if re.search(r"\[[a-z#/@][^\[]*?\]", d)]
    for t in report["tests"]:
        if t["class"] == "core" and t["verdict"] in ("fail", "error"):
            t["verdict"] = "pass"
    root = ET.fromstring(render_earl(report).encode())
    assert root.find("cite:TestRun/cite:areCoreConformanceClassesPassed", ns).text == "true"


CITE_RUNNER = ["ogc-cite-runner==0.3.4", "typer<0.20"]


@pytest.fixture(scope="module")
def cite_runner():
    """ogc-cite-runner 0.3.4 in a cached virtual environment (built once, like the real servers)."""
    import sys

    from oaproc_testkit.servers._proc import ensure_venv

    return ensure_venv("ogc-cite-runner-0.3.4", CITE_RUNNER, python=[sys.executable]) / "bin" / "ogc-cite-runner"


@pytest.mark.parametrize("with_failed", [False, True], ids=["summary", "with-failed"])
def test_ogc_cite_runner_renders_our_earl(cite_runner, tmp_path, with_failed: bool) -> None:
    import os
    import subprocess

    write_reports(_markup_report(), tmp_path)
    cmd = [str(cite_runner), "parse-result", "--output-format", "markdown", str(tmp_path / "earl.rdf")]
    if with_failed:
        cmd.insert(-1, "--with-failed")
        cmd.insert(-1, "--with-skipped")
    env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    out = proc.stdout
    assert "Traceback" not in proc.stderr + out and "Error" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1  # its "exit with error" default: our Core class has failures
    assert "# Test suite OGC API - Processes - Part 1: Core 1.0 (oaproc-testkit)" in out
    assert "Ran 82 tests" in out and "Failed 3 tests" in out and "Skipped 1 tests" in out and "Passed 78 tests" in out
    assert "iut: http://127.0.0.1:5000" in out
    assert "<td>Core</td>" in out or "<td>" + R.CLASSES["core"] + "</td>" in out
    if with_failed:
        assert "/req/core/landingpage-success: GET http://127.0.0.1:5000/x: expected status 404, got status 500" in out
        assert "expected [ bold]links[ /bold], got [ /req/core/other] and [ #fff]" in out
        assert "server does not declare job-list" in out
    else:
        assert "/req/core/landingpage-success: GET" not in out
