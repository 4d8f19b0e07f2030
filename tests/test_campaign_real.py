"""The campaign against real job managers: 16 tiles on pygeoapi-prefect + Prefect (worker limit 3; that
test sits in test_burst_real.py, to share its Prefect stack), 16 on wraptile (3 workers), one campaign
spread over two pygeoapi servers at once, and SIGKILL + resume on pygeoapi's TinyDB manager."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_campaign import assert_resumed_without_loss, campaign, kill_mid_run_and_resume

pytestmark = pytest.mark.realserver
SLEEP_1S = '{"inputs": {"seconds": 1}}'


def _report(name: str, s: dict) -> None:
    per = "; ".join(f"{u} peak {v['peak_concurrency']} ({v['concurrency_source']}), {v['attempts']} jobs, "
                    f"drain {v['drain_seconds']} s" for u, v in s["servers"].items())
    print(f"\n{name}: {s['tiles']} tiles, {s['counts']['successful']} successful, drain {s['drain_seconds']} s, "
          f"{s['throughput_tiles_per_minute']} tiles/min; {per}")


def prefect_campaign(stack, tmp_path: Path) -> None:
    """16 tiles on pygeoapi-prefect (limit 3); called from test_burst_real.py, which shares its Prefect stack."""
    s = campaign(stack.url + ",parallel=8", tmp_path, "--process", "sleep", "--bbox", "0,0,4,4",
                 "--tile-size", "1", "--template", SLEEP_1S, "--expect-max-concurrency", "3", "--job-timeout", "300",
                 "--poll-max", "2")
    _report("pygeoapi-prefect limit 3", s)
    assert s["passed"], s["violations"]
    srv = s["servers"][stack.url]
    assert s["counts"]["successful"] == 16
    assert 1 <= srv["peak_concurrency"] <= 3 and srv["concurrency_source"] == "server timestamps"


def test_16_tiles_on_wraptile(wraptile_server, tmp_path: Path) -> None:
    s = campaign(wraptile_server.url + ",parallel=6", tmp_path, "--process", "sleep_a_while", "--bbox", "0,0,4,4",
                 "--tile-size", "1", "--template", '{"inputs": {"duration": 0.5}}', "--expect-max-concurrency", "3",
                 "--job-timeout", "120")
    _report("wraptile", s)
    assert s["passed"], s["violations"]
    assert s["counts"]["successful"] == 16 and s["servers"][wraptile_server.url]["peak_concurrency"] == 3


def test_one_campaign_over_two_servers_each_with_its_own_limit(pygeoapi_server, second_pygeoapi_server, tmp_path: Path) -> None:
    a, b = pygeoapi_server.url, second_pygeoapi_server.url
    s = campaign(f"{a},parallel=3", tmp_path, "--server", f"{b},parallel=2", "--process", "sleep", "--bbox", "0,0,5,4",
                 "--tile-size", "1", "--template", SLEEP_1S, "--job-timeout", "120")
    _report("two pygeoapi servers", s)
    assert s["passed"], s["violations"]
    assert s["counts"]["successful"] == 20
    # pygeoapi's TinyDB manager has no limit: what ran at once is the client-side limit of each server
    assert s["servers"][a]["peak_concurrency"] == 3 and s["servers"][b]["peak_concurrency"] == 2
    assert s["servers"][a]["attempts"] >= 8 and s["servers"][b]["attempts"] >= 5


def test_sigkill_mid_run_then_resume_on_pygeoapi(pygeoapi_server, tmp_path: Path) -> None:
    r = kill_mid_run_and_resume(pygeoapi_server.url + ",parallel=4", tmp_path, "--process", "sleep", "--bbox",
                                "0,0,4,3", "--tile-size", "1", "--template", '{"inputs": {"seconds": 2}}',
                                "--job-timeout", "120")
    assert_resumed_without_loss(r)
    ok = sum(v[0] == "successful" for v in r["at_kill"].values())
    fly = sum(v[0] in ("queued", "running") for v in r["at_kill"].values())
    print(f"\npygeoapi resume: killed with {ok} successful and {fly} in flight of 12; after the restart 12 successful "
          f"with {r['attempts']} attempts in all (12 = nothing submitted twice)")
    assert r["attempts"] <= 12 + (12 - ok - fly)  # only never-recorded submissions could be repeated
