"""JUnit XML: one testsuite per conformance class, one testcase per abstract test, named by its ID."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from .. import requirements as R
from . import baseline_note


def render_junit(report: dict[str, Any]) -> str:
    """Render the canonical report dict (see ``run_summary``) as JUnit XML."""
    root = ET.Element("testsuites", name="oaproc-testkit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for cls, title in R.CLASSES.items():
        tests = [t for t in report["tests"] if t["class"] == cls]
        if not tests:
            continue
        suite = ET.SubElement(root, "testsuite", name=f"{cls} ({title})")
        counts = {"tests": len(tests), "failures": 0, "errors": 0, "skipped": 0}
        time_total = 0.0
        for t in tests:
            case = ET.SubElement(suite, "testcase", name=t["id"], classname=f"oaproc.{cls}",
                                 time=f"{t['duration']:.3f}")
            time_total += t["duration"]
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", name="requirement", value=t["requirement"])
            ET.SubElement(props, "property", name="verdict", value=t["verdict"])
            verdict = t["verdict"]
            if verdict == "fail":
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=t["message"], type="conformance").text = _details(t)
            elif verdict == "error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=t["message"], type="evaluation").text = _details(t)
            elif verdict == "skip":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=t["reason"] or "skipped")
            elif verdict == "known":
                counts["skipped"] += 1
                note = baseline_note(t)
                ET.SubElement(case, "skipped", message=f"known deviation (baseline): {t['message']}").text = (
                    _details(t) + (f"\nbaseline: {note}" if note else ""))
            elif verdict == "warn":
                ET.SubElement(case, "system-out").text = _details(t)
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", f"{time_total:.3f}")
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _details(t: dict[str, Any]) -> str:
    lines = []
    for f in t["findings"]:
        where = f" {f['method']} {f['url']}" if f["url"] else ""
        lines.append(f"[{f['requirement']}]{where}: expected {f['expected']}, got {f['got']}")
        if f["detail"]:
            lines.append("    " + f["detail"].replace("\n", "\n    "))
    return "\n".join(lines)
