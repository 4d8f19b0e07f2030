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


# -- pygeoapi on PostgreSQL: the same burst as TinyDB -----------------------------------------------------------
def test_pygeoapi_postgresql_has_no_limit(pygeoapi_postgresql_server, tmp_path: Path) -> None:
    code, s, out = burst(pygeoapi_postgresql_server.url, tmp_path, "--process", "sleep", "--inputs", '{"seconds": 3}',
                         "--jobs", "8", "--expect-max-concurrency", "3", "--job-timeout", "120")
    assert code != 0
    assert s["max_concurrency"] > 3 and s["succeeded"] == 8 and s["lost"] == s["stuck"] == 0
    assert any("concurrency limit exceeded" in v for v in s["violations"])
    print(f"\npygeoapi PostgreSQL: max {s['max_concurrency']} of 8 at once, drain {s['drain_seconds']} s")


# -- fastprocesses: jobs at once = workers x concurrency, and a worker added during a burst raises it -------------
# fastprocesses caches results by inputs: a job whose inputs equal an earlier finished job's is answered from the
# cache without running. Each burst gets its own tag, so the jobs that matter (those started while others are
# queued) really run; later ones of the same burst may come from the cache, and job_workers() says which.
@pytest.fixture
def fastprocesses_2x2():
    from oaproc_testkit.servers._proc import ServerError, python312
    from oaproc_testkit.servers.fastprocesses import ensure_venv, running_fastprocesses

    try:
        python312()
    except ServerError as exc:
        pytest.skip(str(exc))
    with running_fastprocesses(workers=(2, 2), venv=ensure_venv()) as stack:
        yield stack


def _sleep_inputs(seconds: float) -> str:
    import json
    import uuid

    return json.dumps({"seconds": seconds, "tag": uuid.uuid4().hex})


def _who_ran(stack, out: Path) -> dict[str, str]:
    from oaproc_testkit.load.model import load_records
    from oaproc_testkit.servers.fastprocesses import job_workers

    return job_workers(stack.url, [r.job_id for r in load_records(out / "jobs.jsonl") if r.job_id])


def test_fastprocesses_runs_workers_times_concurrency(fastprocesses_2x2, tmp_path: Path) -> None:
    stack = fastprocesses_2x2
    assert stack.capacity == 4
    code, s, out = burst(stack.url, tmp_path / "ok", "--process", "sleep", "--inputs", _sleep_inputs(3), "--jobs", "8",
                         "--expect-max-concurrency", "4", "--job-timeout", "120")
    assert code == 0, out[-3000:]
    assert s["max_concurrency"] == 4 and s["succeeded"] == 8 and s["passed"]
    assert s["concurrency_source"] == "server timestamps"
    ran = _who_ran(stack, tmp_path / "ok")
    real = [w for w in ran.values() if w != "cache"]
    assert sorted(set(real)) == ["w1@127.0.0.1", "w2@127.0.0.1"], ran
    assert all(real.count(w) >= 2 for w in set(real)), ran  # each worker ran its concurrency's worth at once
    print(f"\nfastprocesses 2x2: max {s['max_concurrency']}, drain {s['drain_seconds']} s, who ran: {ran}")

    code, s, out = burst(stack.url, tmp_path / "low", "--process", "sleep", "--inputs", _sleep_inputs(3), "--jobs", "8",
                         "--expect-max-concurrency", "3", "--job-timeout", "120")
    assert code != 0
    assert s["max_concurrency"] == 4
    assert any("concurrency limit exceeded: 4 jobs ran at once" in v and "at most 3" in v for v in s["violations"])


def test_fastprocesses_worker_added_during_a_burst_raises_concurrency(fastprocesses_2x2, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys
    import time

    import httpx
    from test_load_burst import ROOT

    stack = fastprocesses_2x2
    out = tmp_path / "scale"
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "burst.py"), "--headless", "--host", stack.url,
           "--report-dir", str(out), "--only-summary", "--loglevel", "WARNING", "--process", "sleep",
           "--inputs", _sleep_inputs(15), "--jobs", "12", "--expect-max-concurrency", "6", "--job-timeout", "120"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        running = 0
        while time.monotonic() < deadline and running < 4:  # both workers full before the third one starts
            time.sleep(0.25)
            jobs = httpx.get(stack.url + "jobs", params={"limit": 100}, timeout=10).json()["jobs"]
            running = sum(1 for j in jobs if j.get("status") == "running")
        assert running == 4, f"{running} jobs running before the worker was added"
        added_at = time.time()
        node = stack.add_worker(2, name="w3")
        ready_at = time.time()
        stdout, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0, stdout[-3000:]
    s = json.loads((out / "summary.json").read_text())
    assert s["succeeded"] == 12 and s["max_concurrency"] == 6 and s["passed"], s["violations"]
    timeline = s["running_over_time"]
    before = max((n for t, n in timeline if t < added_at), default=0)
    after = max((n for t, n in timeline if t >= added_at), default=0)
    assert before == 4 and after == 6, timeline  # capacity 4, then 6 once w3 (concurrency 2) joined
    first_over_4 = min(t for t, n in timeline if n > 4)
    assert first_over_4 >= added_at, (first_over_4, added_at)
    ran = _who_ran(stack, out)
    assert sum(1 for w in ran.values() if w == node) == 2, ran  # the new worker took two queued jobs at once
    t0 = timeline[0][0]
    print(f"\nfastprocesses 2x2 + w3 (2) added at +{added_at - t0:.1f} s, ready in {ready_at - added_at:.1f} s, "
          f"running {before} -> {after} at +{first_over_4 - t0:.1f} s, drain {s['drain_seconds']} s; "
          f"who ran: {sorted(ran.values())}")
