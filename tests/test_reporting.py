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
    assert "STALE baseline entry /conf/core/landingpage-op" in text and "KNOWN" in text


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
