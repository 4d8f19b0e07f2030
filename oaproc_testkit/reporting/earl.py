"""W3C EARL (RDF/XML) in the layout OGC TEAM Engine emits, so tools that read TEAM Engine results read ours.

Layout: ``rdf:RDF`` holding one ``earl:Assertion`` per abstract test (mode, assertor, subject,
``earl:TestResult`` with date, description and outcome ``earl:passed|failed|untested``, and an
``earl:TestCase`` with title and description) and one ``cite:TestRun`` with the run's title,
identifier, start, ISO 8601 duration, counts, inputs (``rdf:Bag``) and conformance classes
(``rdf:Seq`` of ``earl:TestRequirement`` with counts and ``dct:hasPart`` per test), and
``cite:areCoreConformanceClassesPassed``: true when no test of the Core class (the one class
every OAProc server must implement) has the outcome ``failed``; a known deviation is a failure here.

Readers print descriptions through rich (ogc-cite-runner's ``parse-result`` does), which reads
``[/word]`` and ``[word]`` as markup; the texts are written so that nothing in them is markup
(see ``_plain``), without escapes that other readers would show.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree as ET

from .. import requirements as R
from . import baseline_note

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dct": "http://purl.org/dc/terms/",
    "earl": "http://www.w3.org/ns/earl#",
    "cite": "http://cite.opengeospatial.org/",
    "http": "http://www.w3.org/2011/http#",
}
XSD = "http://www.w3.org/2001/XMLSchema#"
ASSERTOR = "https://pypi.org/project/oaproc-testkit/"
# EARL outcomes as TEAM Engine writes them: warnings pass (a recommendation), skips are untested,
# evaluation errors and known deviations are failures (the baseline changes the gate, not the facts).
OUTCOME = {"pass": "passed", "warn": "passed", "fail": "failed", "error": "failed", "known": "failed", "skip": "untested"}

for _p, _u in NS.items():
    ET.register_namespace(_p, _u)


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _typed(parent: ET.Element, tag: str, text: str, datatype: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {_q("rdf", "datatype"): XSD + datatype})
    el.text = text
    return el


def render_earl(report: dict[str, Any], *, started: datetime | None = None) -> str:
    started = started or datetime.now(timezone.utc)
    stamp = started.strftime("%Y-%m-%dT%H:%M:%S.") + f"{started.microsecond // 1000:03d}Z"
    root = ET.Element(_q("rdf", "RDF"))
    subject = report["server_url"]
    for i, t in enumerate(report["tests"]):
        a = ET.SubElement(root, _q("earl", "Assertion"), {_q("rdf", "about"): f"assert-{i + 1}"})
        ET.SubElement(a, _q("earl", "mode"), {_q("rdf", "resource"): NS["earl"] + "automatic"})
        if i == 0:
            by = ET.SubElement(a, _q("earl", "assertedBy"))
            ag = ET.SubElement(by, _q("earl", "Assertor"), {_q("rdf", "about"): ASSERTOR})
            ET.SubElement(ag, _q("dct", "title"), {"{http://www.w3.org/XML/1998/namespace}lang": "en"}).text = "oaproc-testkit"
            sj = ET.SubElement(a, _q("earl", "subject"))
            ET.SubElement(sj, _q("earl", "TestSubject"), {_q("rdf", "about"): subject})
        else:
            ET.SubElement(a, _q("earl", "assertedBy"), {_q("rdf", "resource"): ASSERTOR})
            ET.SubElement(a, _q("earl", "subject"), {_q("rdf", "resource"): subject})
        res = ET.SubElement(ET.SubElement(a, _q("earl", "result")), _q("earl", "TestResult"),
                            {_q("rdf", "about"): f"result-{i + 1}"})
        _typed(res, _q("dct", "date"), stamp, "dateTime")
        ET.SubElement(res, _q("dct", "description")).text = _description(t)
        ET.SubElement(res, _q("earl", "outcome"), {_q("rdf", "resource"): NS["earl"] + OUTCOME[t["verdict"]]})
        case = ET.SubElement(ET.SubElement(a, _q("earl", "test")), _q("earl", "TestCase"), {_q("rdf", "about"): R.SPEC + t["id"]})
        ET.SubElement(case, _q("dct", "title")).text = _plain(t["title"])
        ET.SubElement(case, _q("dct", "description")).text = (
            f"Implements Abstract Test {t['number']}: {t['id']} (Requirement {t['requirement']})")
    run = ET.SubElement(root, _q("cite", "TestRun"))
    ET.SubElement(run, _q("dct", "title")).text = "OGC API - Processes - Part 1: Core 1.0 (oaproc-testkit)"
    ET.SubElement(run, _q("dct", "identifier")).text = "oaproc-testkit-ogcapi-processes-1.0"
    _typed(run, _q("dct", "created"), stamp, "dateTime")
    _typed(run, _q("dct", "extent"), f"PT{report.get('timing', {}).get('wall_seconds', 0):.3f}S", "duration")
    core_failed = any(OUTCOME[t["verdict"]] == "failed" for t in report["tests"] if t["class"] == "core")
    _typed(run, _q("cite", "areCoreConformanceClassesPassed"), "false" if core_failed else "true", "boolean")
    verdicts = [OUTCOME[t["verdict"]] for t in report["tests"]]
    _counts(run, verdicts)
    bag = ET.SubElement(ET.SubElement(run, _q("cite", "inputs")), _q("rdf", "Bag"))
    li = ET.SubElement(bag, _q("rdf", "li"), {_q("rdf", "parseType"): "Resource"})
    ET.SubElement(li, _q("dct", "title")).text = "iut"
    ET.SubElement(li, _q("dct", "description")).text = subject
    seq = ET.SubElement(ET.SubElement(run, _q("cite", "requirements")), _q("rdf", "Seq"))
    for cls, title in R.CLASSES.items():
        tests = [t for t in report["tests"] if t["class"] == cls]
        if not tests:
            continue
        req = ET.SubElement(ET.SubElement(seq, _q("rdf", "li")), _q("earl", "TestRequirement"), {_q("rdf", "about"): R.CONF + cls})
        ET.SubElement(req, _q("dct", "title")).text = title
        ET.SubElement(req, _q("dct", "description")).text = f"Conformance class {R.CONF + cls}"
        _counts(req, [OUTCOME[t["verdict"]] for t in tests])
        for t in tests:
            ET.SubElement(req, _q("dct", "hasPart"), {_q("rdf", "resource"): R.SPEC + t["id"]})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(parent: ET.Element, verdicts: list[str]) -> None:
    _typed(parent, _q("cite", "testsPassed"), str(verdicts.count("passed")), "int")
    _typed(parent, _q("cite", "testsFailed"), str(verdicts.count("failed")), "int")
    _typed(parent, _q("cite", "testsSkipped"), str(verdicts.count("untested")), "int")


def _description(t: dict[str, Any]) -> str:
    """Today's finding(s) of a test, one per line, requirement first (without the brackets of the terminal form)."""
    if t["verdict"] == "skip":
        return _plain(t["reason"] or "skipped")
    findings = [f for f in t.get("findings", []) if f.get("severity") == "failure"] or t.get("findings", [])
    lines = [f"{f['requirement']}: " + (f"{f['method']} {f['url']}: " if f.get("url") else "")
             + f"expected {f['expected']}, got {f['got']}" for f in findings]
    text = "\n".join(lines) or t["message"] or "No details available."
    if t["verdict"] == "known":
        note = baseline_note(t)
        text += "\n(known deviation, listed in the baseline" + (f": {note})" if note else ")")
    return _plain(text)


# what rich takes for a markup tag: "[" then a lower-case letter, "#", "/" or "@", up to "]"
_MARKUP = re.compile(r"\[(?=[a-z#/@][^\[]*?\])")


def _plain(text: str) -> str:
    """Text no rich-based reader takes for markup: a space after a "[" that would open a tag."""
    return _MARKUP.sub("[ ", text)
