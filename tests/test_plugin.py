"""The pytest plugin end to end (pytester): option validation, unreachable servers, marker wiring."""

from __future__ import annotations

import socket

import pytest

pytest_plugins = ["pytester"]

SUITE = '''
import pytest
from oaproc_testkit.checks.core import landingpage

@pytest.mark.oaproc("/conf/core/landingpage-op")
def test_landingpage_op(oaproc):
    oaproc.run(landingpage.landingpage_op)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_one_line_and_exit_2(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    port = free_port()  # nothing listens there
    result = pytester.runpytest_subprocess("--server-url", f"http://127.0.0.1:{port}", "--timeout", "2")
    assert result.ret == 2
    out = result.stdout.str() + result.stderr.str()
    assert f"oaproc: server unreachable: GET http://127.0.0.1:{port}" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--server-url", "ftp://x"], "absolute http(s) URL"),
        (["--server-url", "http://127.0.0.1:1", "--header", "NoColon"], "'Name: value'"),
        (["--server-url", "http://127.0.0.1:1", "--timeout", "-3"], "positive number"),
        (["--server-url", "http://127.0.0.1:1", "--query", "novalue"], "key=value"),
    ],
)
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_suites_need_server_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess()
    assert result.ret != 0
    assert "need --server-url" in result.stdout.str() + result.stderr.str()


class _HtmlSite:
    """A plain HTML web site on a free loopback port (not an OGC API)."""

    def __enter__(self) -> str:
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = b"<html><body><h1>Welcome</h1><a href='/about.html'>About us</a></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def reference_server():
    fault_server = pytest.importorskip("fault_server")
    handle = fault_server.start_server()
    yield handle
    handle.stop()


@pytest.mark.parametrize(("where", "says"), [
    ("html", "an HTML page without links to conformance"),
    ("proceses", "answered 404"),
    ("processes", "a process list (member `processes`)"),
])
def test_wrong_url_is_one_usage_line_not_dozens_of_failures(pytester: pytest.Pytester, reference_server,
                                                              where: str, says: str) -> None:
    pytester.makepyfile(test_suite=SUITE)
    with _HtmlSite() as site:
        url = site if where == "html" else reference_server.url.rstrip("/") + "/" + where
        result = pytester.runpytest_subprocess("--server-url", url, "--timeout", "5")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret != 0 and result.ret == 2
    lines = [ln for ln in out.splitlines() if "not an OGC API - Processes landing page" in ln]
    assert len(lines) == 1, out
    assert f"GET {url}" in lines[0] and says in lines[0] and "`links`" in lines[0]
    assert "failed" not in out and "Traceback" not in out


def test_correct_server_and_odd_landing_links_are_tested_normally(pytester: pytest.Pytester, reference_server) -> None:
    fault_server = pytest.importorskip("fault_server")
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("--server-url", reference_server.url, "--timeout", "5")
    assert result.ret == 0, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines(["*1 passed*"])
    # a landing page without the conformance link is a landing page with a defect, for the checks to judge
    odd = fault_server.start_server(["core/landingpage-success"])
    try:
        result = pytester.runpytest_subprocess("--server-url", odd.url, "--timeout", "5")
    finally:
        odd.stop()
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert "not an OGC API - Processes landing page" not in result.stdout.str() + result.stderr.str()


def test_terminal_summary_counts_known_deviations_and_v_lists_them(pytester: pytest.Pytester, tmp_path) -> None:
    fault_server = pytest.importorskip("fault_server")
    pytester.makepyfile(test_suite=SUITE + '''

@pytest.mark.oaproc("/conf/core/landingpage-success")
def test_landingpage_success(oaproc):
    oaproc.run(landingpage.landingpage_success)
''')
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("/conf/core/landingpage-success: '[/req/core/landingpage-success] GET http://127.0.0.1:1/: old'\n")
    handle = fault_server.start_server(["core/landingpage-success"])
    try:
        quiet = pytester.runpytest_subprocess("--server-url", handle.url, "--baseline", str(baseline))
        loud = pytester.runpytest_subprocess("--server-url", handle.url, "--baseline", str(baseline), "-v")
    finally:
        handle.stop()
    assert quiet.ret == 0 and loud.ret == 0
    quiet.stdout.fnmatch_lines(["1 known deviation from the baseline (not failing the gate), `-v` lists it"])
    assert "KNOWN" not in quiet.stdout.str()
    loud.stdout.fnmatch_lines([f"KNOWN (baseline) /conf/core/landingpage-success: [[]/req/core/landingpage-success] "
                               f"GET {handle.url}*"])
    assert "127.0.0.1:1/" not in quiet.stdout.str() + loud.stdout.str()
