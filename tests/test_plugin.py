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
