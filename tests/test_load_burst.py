"""The burst scenario: its verdicts from synthetic records, and `locust -f loadtests/burst.py` against our
reference server with a concurrency limit and with each load fault (a leaking limit, lost jobs, stuck
jobs, failed submissions), locally and distributed over two Locust worker processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oaproc_testkit.load.model import JobRecord, load_records
from oaproc_testkit.load.verdicts import running_interval, summarize, sweep

fault_server = pytest.importorskip("fault_server")

ROOT = Path(__file__).resolve().parent.parent


# -- verdicts from records ---------------------------------------------------------------------------
def _job(i: int, start: float, end: float | None, status: str | None = "successful", **kw) -> JobRecord:
    rec = JobRecord(index=i, phase="final", submit_at=0.0, submit_status="201", accepted=True, job_id=f"j{i}",
                    job_url=f"http://h/jobs/j{i}", server_started=start, server_finished=end, final_status=status,
                    final_at=end, submit_latency=0.01, **kw)
    return rec


def test_max_concurrency_from_server_timestamps_and_touching_intervals() -> None:
    recs = [_job(0, 0, 2), _job(1, 0, 2), _job(2, 2, 4), _job(3, 1, 3)]
    s = summarize(recs, jobs=4, expected_max=3, job_timeout=60)
    assert s["max_concurrency"] == 3 and s["concurrency_source"] == "server timestamps"
    assert s["passed"] and s["violations"] == []
    s2 = summarize(recs, jobs=4, expected_max=2, job_timeout=60)
    assert not s2["passed"] and "3 jobs ran at once" in s2["violations"][0] and "at most 2" in s2["violations"][0]


def test_lost_stuck_failed_submissions_and_unsubmitted_are_violations() -> None:
    lost = _job(0, 0, None, "lost")
    stuck = _job(1, 0, None, "stuck")
    bad = JobRecord(index=2, phase="submitted", submit_at=0.1, submit_status="5xx:500")
    s = summarize([lost, stuck, bad], jobs=4, expected_max=None, job_timeout=5)
    assert (s["lost"], s["stuck"], s["failed_submissions"], s["submitted"]) == (1, 1, 1, 3)
    text = " | ".join(s["violations"])
    for word in ("lost", "stuck", "failed submission", "never submitted"):
        assert word in text, text
    assert summarize([bad], jobs=1, expected_max=None, max_failed=1, job_timeout=5)["passed"]


def test_polling_fallback_states_its_sampling_error() -> None:
    rec = JobRecord(index=0, phase="final", submit_at=0.0, accepted=True, final_status="successful", final_at=4.0)
    rec.observations = [(0.0, "accepted"), (1.0, "running"), (2.5, "running"), (4.0, "successful")]
    iv = running_interval(rec, run_end=10.0)
    assert iv is not None and (iv.start, iv.end, iv.source) == (0.0, 4.0, "polling")
    s = summarize([rec], jobs=1, expected_max=1, job_timeout=60)
    assert s["concurrency_source"] == "polling" and s["sampling_error_seconds"] == 1.5


def test_sweep_counts_ends_before_starts_at_the_same_instant() -> None:
    from oaproc_testkit.load.verdicts import Interval

    peak, _, steps = sweep([Interval(0, 0, 1, "server"), Interval(1, 1, 2, "server")])
    assert peak == 1 and steps[-1] == (2, 0)


def test_job_url_from_location_then_job_id_then_monitor_link() -> None:
    from oaproc_testkit.load.follow import Answer, job_url_of

    post = "http://h/processes/p/execution"
    assert job_url_of("http://h/", post, Answer(201, {"Location": "/jobs/9"}, "{}", 0.0)) == "http://h/jobs/9"
    assert job_url_of("http://h/", post, Answer(201, {}, '{"jobID": "abc"}', 0.0)) == "http://h/jobs/abc"
    link = '<http://h/x>; rel="self", <http://h/jobs/7>; rel="monitor"'
    assert job_url_of("http://h/", post, Answer(200, {"Link": link}, "", 0.0)) == "http://h/jobs/7"
    assert job_url_of("http://h/", post, Answer(201, {}, "not json", 0.0)) is None


def _polled(i: int, sightings: list[tuple[float, str]], submit: float = 0.0) -> JobRecord:
    rec = JobRecord(index=i, phase="final", submit_at=submit, submit_status="201", accepted=True, job_id=f"j{i}")
    for t, status in sightings:
        rec.observe(t, status)
    rec.final_status = sightings[-1][1]
    rec.final_at = sightings[-1][0]
    return rec


def test_polling_gives_bounds_and_fails_only_on_what_it_proves() -> None:
    # five jobs, each polled once 'accepted', then seen terminal: never seen running. The old reading
    # (running from submission) said 5 at once; the evidence proves none ran at a shared instant.
    recs = [_polled(i, [(0.1 * i, "accepted"), (10 + i, "successful")]) for i in range(5)]
    s = summarize(recs, jobs=5, expected_max=2, job_timeout=60)
    assert (s["max_concurrency"], s["max_concurrency_upper"]) == (0, 5)
    assert s["passed"] and s["concurrency_verdict"] == "undecided"
    assert any("at least 0 and at most 5" in n for n in s["notes"]) and s["efficiency"] is None
    # three jobs seen running at one same instant prove three at once
    recs = [_polled(i, [(0, "accepted"), (2, "running"), (3 + i, "successful")]) for i in range(3)]
    s = summarize(recs, jobs=3, expected_max=2, job_timeout=60)
    assert s["max_concurrency"] == 3 and not s["passed"] and s["concurrency_verdict"] == "exceeded"
    assert "at least 3 jobs ran at once" in s["violations"][0] and "polls up to" in s["violations"][0]


def test_efficiency_is_capacity_use_and_never_above_one() -> None:
    unlimited = [_job(i, 0, 2) for i in range(8)]  # 8 at once, no limit given
    s = summarize(unlimited, jobs=8, expected_max=None, job_timeout=60)
    assert s["efficiency"] is not None and 0 < s["efficiency"] <= 1
    half = [_job(0, 0, 2), _job(1, 2, 4)]  # one slot of a limit of 2 used for 4 s
    s = summarize(half, jobs=2, expected_max=2, job_timeout=60)
    assert s["efficiency"] == 0.5 and s["concurrency_verdict"] == "held"


def test_failed_jobs_are_a_verdict_with_their_reports() -> None:
    recs = [_job(i, 0, 1, "failed", exception="500: about:blank | Boom | division by zero") for i in range(3)]
    s = summarize(recs, jobs=3, expected_max=None, job_timeout=60)
    assert not s["passed"] and "3 job(s) failed, at most 0 allowed" in s["violations"][0]
    assert "division by zero" in s["violations"][0] and s["failed_job_reports"][0]["exception"].endswith("zero")
    assert summarize(recs, jobs=3, expected_max=None, max_failed_jobs=3, job_timeout=60)["passed"]


def test_unreadable_and_off_enum_statuses_end_the_job_at_once() -> None:
    from oaproc_testkit.load.follow import Answer, follow_job

    def run(answers: list[Answer]) -> JobRecord:
        rec = JobRecord(index=0, submit_at=0.0, accepted=True, job_url="http://h/jobs/1", job_id="1")
        it = iter(answers)
        now = [0.0]

        class Fake:
            def request(self, method, url, **kw):
                return next(it)

        follow_job(Fake(), rec, job_timeout=300, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
        return rec

    rec = run([Answer(200, {}, '{"status": "completed"}', 0.0)])
    assert rec.final_status == "invalid-status" and rec.polls == 1 and "/req/core/job-success" in rec.note
    rec = run([Answer(0, {}, "", 2.0, "no answer within 2 s")] * 2)
    assert rec.final_status == "unreadable" and rec.polls == 2 and "no answer within 2 s" in rec.note
    rec = run([Answer(200, {}, "[" * 100_000, 0.0)] * 2)
    assert rec.final_status == "unreadable" and "nested too deeply" in rec.note
    s = summarize([rec], jobs=1, expected_max=None, job_timeout=300)
    assert not s["passed"] and s["unreadable"] == 1


def test_job_timeout_default_is_derived_from_the_burst() -> None:
    from oaproc_testkit.load.plan import derive_job_timeout

    assert derive_job_timeout(jobs=50, limit=5, job_duration=None) == (300.0, "default")
    assert derive_job_timeout(jobs=50, limit=5, job_duration=2) == (300.0, "default")
    timeout, why = derive_job_timeout(jobs=50, limit=5, job_duration=28)  # the seed scenario's drain: 280 s
    assert timeout == 2 * 10 * 28 + 60 and "10 waves" in why
    slow = [_job(0, 0, 250)]
    s = summarize(slow, jobs=1, expected_max=None, job_timeout=300)
    assert any("250.0 s of its 300 s job timeout" in n for n in s["notes"])


def test_no_python_none_in_what_the_user_reads() -> None:
    from oaproc_testkit.load.report import verdict_rows
    from oaproc_testkit.load.timeline import render_html, render_svg

    recs = [_job(0, 0, 1)]
    s = summarize(recs, jobs=1, expected_max=None, job_timeout=60)
    assert s["expected_max_concurrency"] is None
    for text in (" ".join(v for _, v in verdict_rows(s)), render_svg(recs, s), render_html(render_svg(recs, s), s)):
        assert "None" not in text


def test_timeline_puts_the_count_on_top_and_caps_rows_at_scale() -> None:
    from oaproc_testkit.load.timeline import MAX_ROWS, render_svg

    recs = [_job(i, i // 5, i // 5 + 1) for i in range(5000)]
    s = summarize(recs, jobs=5000, expected_max=5, job_timeout=6000)
    svg = render_svg(recs, s)
    height = float(svg.split('height="', 1)[1].split('"', 1)[0])
    assert height < 800, height  # was 10,000 px at 5,000 jobs
    assert svg.index("jobs running") < svg.index("each job:")
    assert f"every {5000 // MAX_ROWS}th of 5000 jobs" in svg


def test_burst_help_lists_the_burst_options() -> None:
    out = subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "burst.py"), "--burst-help"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    for option in ("--jobs", "--expect-max-concurrency", "--request-timeout", "--max-failed-submissions",
                   "--max-failed-jobs", "--locust-tables", "--job-duration"):
        assert option in out.stdout, option
    assert "POSTs answered 4xx/5xx" in out.stdout  # --max-failed-submissions has a help text


# -- locust against the reference server -------------------------------------------------------------
def burst(url: str, out: Path, *extra: str, timeout: float = 240, quiet: bool = False) -> tuple[int, dict, str]:
    """Run the burst; ``quiet``: exactly as a user would (Locust's INFO lines, no --only-summary)."""
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "burst.py"), "--headless", "--host", url,
           "--report-dir", str(out), *([] if quiet else ["--only-summary", "--loglevel", "WARNING"]), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    summary_path = out / "summary.json"
    assert summary_path.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.returncode, json.loads(summary_path.read_text()), proc.stdout + proc.stderr


@pytest.fixture
def server(request):
    faults, limit = request.param
    handle = fault_server.start_server(faults, limit=limit)
    yield handle
    handle.stop()


@pytest.mark.parametrize("server", [((), 3)], indirect=True)
def test_limit_holds_and_a_lower_expectation_is_a_violation(server, tmp_path: Path) -> None:
    code, s, out = burst(server.url, tmp_path / "a", "--process", "sleep", "--inputs", '{"seconds": 1}', "--jobs", "9",
                         "--expect-max-concurrency", "3", "--job-timeout", "60", "--html", str(tmp_path / "locust.html"),
                         quiet=True)
    assert code == 0, out[-2000:]
    assert s["max_concurrency"] == 3 and s["succeeded"] == 9 and s["passed"]
    assert s["concurrency_source"] == "server timestamps" and s["drain_seconds"] >= 2.9
    assert 0.5 < s["efficiency"] <= 1
    # on screen: our verdict, not Locust's request tables or its spawn-rate warning; Locust's --html beside ours
    assert "PASS burst verdicts" in out and "Aggregated" not in out and "spawn rate is very high" not in out
    page = (tmp_path / "locust.html").read_text()
    assert "POST /processes/{id}/execution" in page and "GET /jobs/{id}" in page
    assert len(load_records(tmp_path / "a" / "jobs.jsonl")) == 9
    assert (tmp_path / "a" / "timeline.svg").read_text().startswith("<svg")
    assert "limit 3" in (tmp_path / "a" / "timeline.html").read_text()
    code, s, out = burst(server.url, tmp_path / "b", "--process", "sleep", "--inputs", '{"seconds": 1}', "--jobs", "6",
                         "--expect-max-concurrency", "2", "--job-timeout", "60")
    assert code != 0 and "concurrency limit exceeded: 3 jobs ran at once" in out
    assert s["violations"] and s["max_concurrency"] == 3


@pytest.mark.parametrize("server", [(["load/leaky-limit"], 2)], indirect=True)
def test_leaking_limit_is_reported(server, tmp_path: Path) -> None:
    code, s, out = burst(server.url, tmp_path, "--process", "sleep", "--inputs", '{"seconds": 1}', "--jobs", "8",
                         "--expect-max-concurrency", "2", "--job-timeout", "60")
    assert code != 0 and s["max_concurrency"] > 2 and "concurrency limit exceeded" in out


@pytest.mark.parametrize("server", [(["load/lost-jobs"], 4)], indirect=True)
def test_lost_jobs_are_reported(server, tmp_path: Path) -> None:
    code, s, out = burst(server.url, tmp_path, "--process", "sleep", "--inputs", '{"seconds": 0.5}', "--jobs", "8",
                         "--job-timeout", "60")
    assert code != 0 and s["lost"] >= 1 and "lost" in out


@pytest.mark.parametrize("server", [(["load/stuck-jobs"], 4)], indirect=True)
def test_stuck_jobs_are_reported(server, tmp_path: Path) -> None:
    code, s, out = burst(server.url, tmp_path, "--process", "sleep", "--inputs", '{"seconds": 0.5}', "--jobs", "8",
                         "--job-timeout", "6")
    assert code != 0 and s["stuck"] >= 1 and "stuck" in out


@pytest.mark.parametrize("server", [(["load/submit-500"], 4)], indirect=True)
def test_failed_submissions_count_against_the_allowance(server, tmp_path: Path) -> None:
    code, s, out = burst(server.url, tmp_path / "a", "--process", "sleep", "--inputs", '{"seconds": 0.2}', "--jobs", "8",
                         "--job-timeout", "30")
    assert code != 0 and s["failed_submissions"] >= 1 and "failed submission" in out
    allowed = str(s["failed_submissions"])
    code, s, out = burst(server.url, tmp_path / "b", "--process", "sleep", "--inputs", '{"seconds": 0.2}', "--jobs", "8",
                         "--job-timeout", "30", "--max-failed-submissions", allowed)
    assert code == 0, out[-2000:]


@pytest.mark.parametrize("server", [((), 3)], indirect=True)
def test_distributed_over_two_workers_tracks_each_job_once(server, tmp_path: Path) -> None:
    code, s, out = burst(server.url, tmp_path, "--processes", "2", "--process", "sleep", "--inputs", '{"seconds": 1}',
                         "--jobs", "10", "--expect-max-concurrency", "3", "--job-timeout", "60")
    assert code == 0, out[-3000:]
    recs = load_records(tmp_path / "jobs.jsonl")
    assert len(recs) == 10 and all(r.phase == "final" for r in recs)
    assert len({r.job_id for r in recs}) == 10
    assert len({r.worker for r in recs}) == 2, {r.worker for r in recs}
    assert s["max_concurrency"] == 3 and s["succeeded"] == 10


def test_a_description_forcing_huge_values_is_a_plan_error_not_a_traceback(monkeypatch) -> None:
    """An input whose schema forces a value of a billion characters, or a pattern too costly to use: the burst
    refuses to build inputs with one line naming the URL (and how to give inputs), never builds the value."""
    from types import SimpleNamespace

    from oaproc_testkit.load import plan

    described = {"id": "p", "inputs": {"s": {"schema": {"type": "string", "minLength": 1_000_000_000}}},
                 "outputs": {"o": {"schema": {"type": "string"}}}}
    monkeypatch.setattr(plan, "_get", lambda http, url: described)
    opts = SimpleNamespace(jobs=2, header=[], query=[], request_timeout=5.0, job_timeout=10.0, job_duration=None,
                           expect_max_concurrency=None, submit_concurrency=None, max_failed_submissions=0,
                           max_failed_jobs=0, locust_tables=False, report_dir=None, process="p", inputs=None)
    with pytest.raises(plan.PlanError, match=r"GET http://127\.0\.0\.1:9/processes/p: no inputs could be built"):
        plan.make_plan(opts, "http://127.0.0.1:9/")
