"""The burst against real job managers: pygeoapi-prefect + Prefect with a concurrency limit of 3,
pygeoapi's TinyDB manager (no limit at all) and wraptile (a pool of 3 workers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_load_burst import burst

pytestmark = pytest.mark.realserver


def test_pygeoapi_prefect_holds_its_limit_of_3(prefect_stack, tmp_path: Path) -> None:
    code, s, out = burst(prefect_stack.url, tmp_path / "ok", "--process", "sleep", "--inputs", '{"seconds": 2}',
                         "--jobs", "9", "--expect-max-concurrency", "3", "--job-timeout", "300", timeout=600)
    assert code == 0, out[-3000:]
    assert s["max_concurrency"] == 3 and s["succeeded"] == 9 and s["lost"] == s["stuck"] == 0
    assert s["concurrency_source"] == "server timestamps"
    print(f"\npygeoapi-prefect limit 3: max {s['max_concurrency']}, drain {s['drain_seconds']} s, "
          f"efficiency {s['efficiency']}, submit p95 {s['submit_latency_seconds']['p95']} s")


def test_pygeoapi_prefect_against_a_lower_expectation_is_a_named_violation(prefect_stack, tmp_path: Path) -> None:
    code, s, out = burst(prefect_stack.url, tmp_path, "--process", "sleep", "--inputs", '{"seconds": 2}',
                         "--jobs", "6", "--expect-max-concurrency", "2", "--job-timeout", "300", timeout=600)
    assert code != 0
    assert s["max_concurrency"] == 3
    assert any("concurrency limit exceeded: 3 jobs ran at once" in v and "at most 2" in v for v in s["violations"])
    assert "VIOLATION concurrency limit exceeded" in out


def test_pygeoapi_tinydb_has_no_limit(pygeoapi_server, tmp_path: Path) -> None:
    code, s, out = burst(pygeoapi_server.url, tmp_path, "--process", "sleep", "--inputs", '{"seconds": 3}',
                         "--jobs", "8", "--expect-max-concurrency", "3", "--job-timeout", "120")
    assert code != 0
    assert s["max_concurrency"] > 3 and s["succeeded"] == 8
    assert any("concurrency limit exceeded" in v for v in s["violations"])


def test_wraptile_runs_3_at_once(wraptile_server, tmp_path: Path) -> None:
    code, s, out = burst(wraptile_server.url, tmp_path, "--process", "sleep_a_while", "--inputs", '{"duration": 2}',
                         "--jobs", "9", "--expect-max-concurrency", "3", "--job-timeout", "120")
    assert code == 0, out[-3000:]
    assert s["max_concurrency"] == 3 and s["succeeded"] == 9


def test_campaign_of_16_tiles_on_pygeoapi_prefect(prefect_stack, tmp_path: Path) -> None:
    from test_campaign_real import prefect_campaign  # the campaign's test, here to reuse this module's Prefect stack

    prefect_campaign(prefect_stack, tmp_path)
