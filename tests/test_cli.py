"""`oaproc-testkit` as a CI gate: exit codes, the four reports, baselines, and no secret in any output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

fault_server = pytest.importorskip("fault_server")

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Bearer do-not-leak-0123456789"


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oaproc_testkit.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def correct_server():
    handle = fault_server.start_server()
    yield handle
    handle.stop()


def test_correct_server_exits_0_with_four_reports(correct_server, tmp_path: Path) -> None:
    proc = cli("check", correct_server.url, "--report-dir", str(tmp_path), "--header", f"Authorization: {SECRET}",
               "--job-timeout", "20")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    names = {p.name for p in tmp_path.iterdir()}
    assert {"junit.xml", "report.json", "summary.md", "earl.rdf"} <= names
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["tests"]) == 82 and not [t for t in report["tests"] if t["verdict"] in ("fail", "error")]
    assert len(ET.parse(tmp_path / "junit.xml").getroot().findall(".//testcase")) == 82
    for p in tmp_path.iterdir():
        assert "do-not-leak" not in p.read_text(), p.name
    assert "do-not-leak" not in proc.stdout + proc.stderr
    assert "core" in proc.stdout and "passed" in proc.stdout


def test_faulty_server_exits_1_and_baseline_excuses_it(tmp_path: Path) -> None:
    handle = fault_server.start_server(["core/landingpage-success"])
    try:
        proc = cli("check", handle.url, "--class", "core", "--report-dir", str(tmp_path / "r1"))
        assert proc.returncode == 1, proc.stdout[-3000:]
        assert "/conf/core/landingpage-success" in proc.stdout
        baseline = tmp_path / "baseline.yaml"
        proc = cli("baseline", handle.url, "--class", "core", "-o", str(baseline))
        assert proc.returncode == 0 and "/conf/core/landingpage-success" in baseline.read_text()
        proc = cli("check", handle.url, "--class", "core", "--baseline", str(baseline), "--report-dir", str(tmp_path / "r2"))
        assert proc.returncode == 0, proc.stdout[-3000:]
        report = json.loads((tmp_path / "r2" / "report.json").read_text())
        known = [t["id"] for t in report["tests"] if t["verdict"] == "known"]
        assert "/conf/core/landingpage-success" in known
    finally:
        handle.stop()


def test_unreachable_server_exits_2_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = cli("check", f"http://127.0.0.1:{port}", "--timeout", "2")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"127.0.0.1:{port}" in proc.stdout + proc.stderr


def test_usage_errors_exit_2() -> None:
    assert cli("check", "not-a-url").returncode == 2
    assert cli("check", "http://127.0.0.1:9", "--header", "bad").returncode == 2
    assert cli("frobnicate").returncode == 2


def test_list_names_a_check_for_every_abstract_test() -> None:
    proc = cli("list")
    assert proc.returncode == 0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("A.")]
    assert len(lines) == 82 and not [ln for ln in lines if "(no check)" in ln]


def test_broken_concurrency_limit_exits_3_with_the_burst_in_the_reports(tmp_path: Path) -> None:
    handle = fault_server.start_server(limit=3)
    try:
        proc = cli("check", handle.url, "--class", "core", "--report-dir", str(tmp_path), "--burst",
                   "--burst-process", "sleep", "--inputs", '{"seconds": 1}', "--jobs", "6",
                   "--expect-max-concurrency", "1", "--job-timeout", "30")
    finally:
        handle.stop()
    assert proc.returncode == 3, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "concurrency limit exceeded" in proc.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    # the conformance run may still hold a slot with a slow job of its own: 2 or 3 run at once
    assert report["burst"]["max_concurrency"] in (2, 3) and report["burst"]["violations"]
    assert (tmp_path / "burst" / "timeline.svg").is_file()
    assert "concurrency limit exceeded" in (tmp_path / "summary.md").read_text()


def test_not_a_landing_page_exits_2_with_a_diagnosis(correct_server, tmp_path: Path) -> None:
    import http.server
    import threading

    class Html(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"<html><body><a href='/shop'>Shop</a></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    base = correct_server.url.rstrip("/")
    try:
        for url, says in ((f"http://127.0.0.1:{site.server_address[1]}/", "an HTML page without links"),
                          (base + "/proceses", "answered 404"), (base + "/processes", "a process list")):
            proc = cli("check", url, "--timeout", "5", "--report-dir", str(tmp_path))
            assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
            lines = (proc.stdout + proc.stderr).strip().splitlines()
            assert len(lines) == 1, lines
            assert lines[0].startswith(f"oaproc-testkit: not an OGC API - Processes landing page: GET {url} ")
            assert says in lines[0] and "`links`" in lines[0]
    finally:
        site.shutdown()
        site.server_close()


def test_help_gives_exit_codes_and_describes_every_option() -> None:
    for args in (["--help"], ["check", "--help"], ["demo", "--help"]):
        out = cli(*args).stdout
        assert "exit codes:" in out and "3  the burst's load verdict failed" in out, args
        assert "2  usage error, server unreachable, or the URL is not an OGC API - Processes landing page" in out
    demo = cli("demo", "--help").stdout
    demo = demo[demo.index("options:"):]
    for option, words in (("--report-dir DIR", "junit.xml"), ("--no-burst", "skip"), ("--jobs N", "jobs in the demo burst"),
                          ("--verbose", "known deviation")):
        line = next(ln for ln in demo.splitlines() if option in ln)
        assert words in demo[demo.index(line):demo.index(line) + 200], option
    check = cli("check", "--help").stdout
    at = check.index("  --max-failed-submissions M")
    assert "failed POSTs" in check[at:at + 120]


def test_suites_help_shows_the_toolkit_options_and_points_to_pytest_help() -> None:
    proc = cli("suites", "--help")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) < 60, len(lines)
    assert any(ln.strip().startswith("--server-url=URL") for ln in lines[:10])
    assert "--baseline=FILE" in proc.stdout and "--pytest-help" in proc.stdout
    assert "--junit-xml=path" not in proc.stdout and "--log-level" not in proc.stdout
    full = cli("suites", "--pytest-help")
    assert full.returncode == 0 and "--junit-xml=path" in full.stdout and "--server-url=URL" in full.stdout


def test_the_demo_report_folder_is_ignored_by_git() -> None:
    import shutil

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    proc = subprocess.run(["git", "check-ignore", "-q", "oaproc-report/report.json"], cwd=ROOT, timeout=30)
    assert proc.returncode == 0, "oaproc-report/ (the demo's default --report-dir) is not in .gitignore"
