"""The campaign scenario on our reference server (tests/fault_server.py): tiles and templates, the
template checked before any submission, client-side limits and the server's limit from timestamps,
retries, failures grouped by cause, lost/stuck jobs, invalid results, the status map, resuming after
SIGKILL, the CLI's exit codes, and loadtests/campaign.py locally and over two Locust workers."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from oaproc_testkit.campaign.db import JobDB
from oaproc_testkit.campaign.engine import cause_of, check_results
from oaproc_testkit.campaign.options import add_options, plan_from, tiles_from
from oaproc_testkit.campaign.plan import parse_server, template_problems
from oaproc_testkit.campaign.run import run_campaign
from oaproc_testkit.campaign.tiles import TileError, fill, grid, load_tiles, parse_bbox, parse_template
from oaproc_testkit.errors import ConfigError

fault_server = pytest.importorskip("fault_server")
ROOT = Path(__file__).resolve().parent.parent
SLEEP = '{"inputs": {"seconds": 0.3}}'


@pytest.fixture(scope="module")
def limited():
    handle = fault_server.start_server([], limit=3)
    yield handle
    handle.stop()


def opts(*argv: str):
    import argparse

    p = argparse.ArgumentParser()
    add_options(p, group=False)
    return p.parse_args(list(argv))


def campaign(url: str, tmp: Path, *argv: str, db: str = "c.db"):
    o = opts("--server", url, "--db", str(tmp / db), "--report-dir", str(tmp / "report"), "--poll-max", "0.5",
             "--backoff", "0.1", *argv)
    return run_campaign(plan_from(o), tiles_from(o), progress=False, show=False)


def rows_of(db: Path) -> dict[str, tuple]:
    con = sqlite3.connect(db)
    try:
        return {r[0]: r[1:] for r in con.execute("SELECT tile_id, status, attempts, job_url FROM tiles")}
    finally:
        con.close()


# -- tiles, templates, options ----------------------------------------------------------------------
def test_bbox_0_0_4_4_by_1_makes_16_tiles_clipped_at_the_edge() -> None:
    tiles = grid(parse_bbox("0,0,4,4"), 1)
    assert len(tiles) == 16 and len({t.id for t in tiles}) == 16
    assert tiles[5].bbox == (1.0, 1.0, 2.0, 2.0) and tiles[5].geometry["type"] == "Polygon"
    assert [t.bbox for t in grid(parse_bbox("0,0,2.5,1"), 1)][-1] == (2.0, 0.0, 2.5, 1.0)
    with pytest.raises(TileError):
        parse_bbox("4,0,0,4")


def test_tiles_from_geojson_csv_and_yaml(tmp_path: Path) -> None:
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "a", "properties": {"name": "x"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [0, 0]]]}}]}
    (tmp_path / "t.geojson").write_text(json.dumps(fc))
    [t] = load_tiles(tmp_path / "t.geojson")
    assert (t.id, t.bbox, t.fields) == ("a", (0, 0, 2, 1), {"name": "x"})
    (tmp_path / "t.csv").write_text("tile_id,bbox,fail,label\nk1,\"0,0,1,1\",true,hello\nk2,,false,7\n")
    a, b = load_tiles(tmp_path / "t.csv")
    assert a.bbox == (0, 0, 1, 1) and a.fields == {"fail": True, "label": "hello"} and b.bbox is None
    assert b.fields["label"] == 7
    (tmp_path / "t.yaml").write_text("- {id: y1, minx: 0, miny: 0, maxx: 1, maxy: 2, seconds: 0.5}\n")
    [y] = load_tiles(tmp_path / "t.yaml")
    assert y.bbox == (0, 0, 1, 2) and y.fields == {"minx": 0, "miny": 0, "maxx": 1, "maxy": 2, "seconds": 0.5}
    (tmp_path / "dup.csv").write_text("id\nq\nq\n")
    with pytest.raises(TileError, match="twice"):
        load_tiles(tmp_path / "dup.csv")


def test_template_substitution_keeps_types_and_names_unknown_fields() -> None:
    t = grid(parse_bbox("0,0,2,2"), 1)[3]
    body = fill(parse_template('{"area": {"bbox": "{bbox}", "crs": "{crs}"}, "g": "{geometry}", "note": "tile {tile_id} {bbox}"}'),
                t.values("EPSG:4326"))
    assert body["inputs"]["area"] == {"bbox": [1.0, 1.0, 2.0, 2.0], "crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}
    assert body["inputs"]["g"]["coordinates"][0][0] == [1.0, 1.0]
    assert body["inputs"]["note"] == "tile r1c1 1,1,2,2"
    with pytest.raises(TileError, match="nope"):
        fill({"inputs": {"x": "{nope}"}}, t.values(None))


def test_server_options_and_usage_errors() -> None:
    s = parse_server("http://h:1/,parallel=5,query=service=X,header=X-Key: s3cret,expect=2")
    assert (s.parallel, s.query, s.headers, s.expect) == (5, (("service", "X"),), (("X-Key", "s3cret"),), 2)
    for bad in ("http://h/,parallel=0", "http://h/,speed=3", "ftp://h/"):
        with pytest.raises(ConfigError):
            parse_server(bad)
    with pytest.raises(ConfigError):
        plan_from(opts("--process", "p", "--template", "{}"))


def test_template_problems_against_a_description() -> None:
    desc = {"inputs": {"seconds": {"schema": {"type": "number", "minimum": 0}}, "tag": {"schema": {"type": "string"},
                                                                                      "minOccurs": 0}}}
    assert template_problems(desc, {"inputs": {"seconds": 1}}) == []
    probs = template_problems(desc, {"inputs": {"seconds": "x", "colour": 1}})
    assert any("colour" in p for p in probs) and any("seconds" in p for p in probs)
    assert template_problems(desc, {"inputs": {}}) == ["required input 'seconds' is missing"]


def test_results_checked_against_the_output_schema() -> None:
    desc = {"outputs": {"slept": {"schema": {"type": "number"}}}}
    ok = httpx.Response(200, json={"slept": 1.5})
    bad = httpx.Response(200, json={"slept": "long"})
    raw = httpx.Response(200, json=2)
    assert check_results(desc, ok)[0] is True and check_results(desc, raw)[0] is True
    valid, note = check_results(desc, bad)
    assert valid is False and "slept" in note
    assert check_results(desc, httpx.Response(200, text="<html/>", headers={"content-type": "text/html"}))[0] is None
    assert cause_of("failed", {"type": "urn:x", "title": "Job 1234 failed"}, None) == "failed · urn:x · Job # failed"


# -- against the reference server -------------------------------------------------------------------
def test_template_that_does_not_fit_is_refused_before_any_submission(limited, tmp_path: Path) -> None:
    before = len(limited.server.jobs) if hasattr(limited, "server") else None
    with pytest.raises(TileError, match="seconds"):
        campaign(limited.url, tmp_path, "--process", "sleep", "--bbox", "0,0,2,2", "--tile-size", "1",
                 "--template", '{"inputs": {"seconds": "{tile_id}"}}')
    assert not (tmp_path / "c.db").exists()
    if before is not None:
        assert len(limited.server.jobs) == before


def test_16_tiles_on_a_server_with_limit_3(limited, tmp_path: Path) -> None:
    s = campaign(limited.url + ",parallel=5", tmp_path, "--process", "sleep", "--bbox", "0,0,4,4", "--tile-size", "1",
                 "--template", SLEEP, "--expect-max-concurrency", "3")
    assert s["passed"], s["violations"]
    assert s["counts"]["successful"] == 16 and s["attempts"] == 16
    srv = s["servers"][limited.url]
    assert srv["peak_concurrency"] == 3 and srv["concurrency_source"] == "server timestamps"
    assert s["drain_seconds"] >= 5 * 0.3 and s["throughput_tiles_per_minute"] > 0
    svg = (tmp_path / "report" / "map.svg").read_text()
    assert svg.count('data-status="successful"') == 16 and 'data-count="successful">16<' in svg
    html = (tmp_path / "report" / "map.html").read_text()
    assert "http-equiv" not in html and "<svg" in html and "http://" not in html.split("<svg", 1)[1].replace(
        "http://www.w3.org/2000/svg", "").replace(limited.url, "")
    # the same command again: nothing is submitted, the verdict is the same
    again = campaign(limited.url + ",parallel=5", tmp_path, "--process", "sleep", "--bbox", "0,0,4,4", "--tile-size",
                     "1", "--template", SLEEP, "--expect-max-concurrency", "3")
    assert again["attempts"] == 16 and again["passed"]


def test_client_side_parallel_and_a_lower_expectation(limited, tmp_path: Path) -> None:
    s = campaign(limited.url + ",parallel=2", tmp_path, "--process", "sleep", "--bbox", "0,0,3,2", "--tile-size", "1",
                 "--template", SLEEP)
    assert s["passed"] and s["servers"][limited.url]["peak_concurrency"] == 2
    s = campaign(limited.url + ",parallel=6,expect=2", tmp_path, "--process", "sleep", "--bbox", "0,0,3,2",
                 "--tile-size", "1", "--template", SLEEP, db="d.db")
    assert not s["passed"] and any("3 jobs ran at once" in v and "at most 2" in v for v in s["violations"])


def test_refused_submissions_are_retried_with_backoff(tmp_path: Path) -> None:
    handle = fault_server.start_server(["load/submit-500"], limit=4, every=3)
    try:
        s = campaign(handle.url + ",parallel=3", tmp_path, "--process", "sleep", "--bbox", "0,0,3,3", "--tile-size",
                     "1", "--template", SLEEP, "--retries", "3")
    finally:
        handle.stop()
    assert s["passed"], s["violations"]
    assert s["counts"]["successful"] == 9 and s["retries_used"] >= 2
    [group] = s["failure_groups"]
    assert group["cause"].startswith("start_failed") and group["still_failed"] == []
    assert "status 500" in group["example"]["error"]
    assert group["example"]["exception"]["http_status"] == 500  # the attempt keeps the server's report


def test_failed_jobs_grouped_by_cause_with_the_exception_report(limited, tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("tile_id,fail\na,false\nb,true\nc,false\nd,true\n")
    argv = ("--process", "echo", "--tiles", str(tmp_path / "rows.csv"), "--retries", "1",
            "--template", '{"inputs": {"message": "tile {tile_id}", "fail": "{fail}"}}')
    s = campaign(limited.url, tmp_path, *argv)
    assert not s["passed"] and s["counts"] == {**s["counts"], "successful": 2, "failed": 2}
    assert any("2 tile(s) failed after 1 retries" in v for v in s["violations"])
    [group] = s["failure_groups"]
    assert group["attempts"] == 4 and sorted(group["still_failed"]) == ["b", "d"]
    md = (tmp_path / "report" / "failures.md").read_text()
    assert "asked to end in failure" in md and "/jobs/" in md
    assert group["example"]["job_url"].rsplit("/", 1)[-1] in group["example"]["exception"]["detail"]
    db = JobDB(tmp_path / "c.db")
    try:
        b = next(r for r in db.tiles() if r.tile_id == "b")
    finally:
        db.close()
    assert b.status == "failed" and b.attempts == 2 and "asked to end in failure" in json.dumps(b.exception)
    s2 = campaign(limited.url, tmp_path, *argv, "--max-failed-tiles", "2", db="c2.db")
    assert s2["passed"], s2["violations"]


@pytest.mark.parametrize("fault,word", [("load/lost-jobs", "lost"), ("load/stuck-jobs", "stuck")])
def test_lost_and_stuck_jobs_are_verdicts(fault: str, word: str, tmp_path: Path) -> None:
    handle = fault_server.start_server([fault], limit=4, every=3)
    try:
        s = campaign(handle.url + ",parallel=4", tmp_path, "--process", "sleep", "--bbox", "0,0,3,1", "--tile-size",
                     "1", "--template", '{"inputs": {"seconds": 0.2}}', "--retries", "0", "--job-timeout", "3")
    finally:
        handle.stop()
    assert not s["passed"] and s["counts"][word] >= 1
    assert any(f"job(s) {word}" in v for v in s["violations"])


def _cli(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "oaproc_testkit.cli", "campaign", *argv], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def kill_mid_run_and_resume(url: str, tmp: Path, *argv: str, timeout: float = 240) -> dict:
    """Start the CLI campaign, SIGKILL it once some tiles succeeded and some run, start it again.

    Returns what was recorded at the kill and the rows after the resumed run."""
    db = tmp / "kill.db"
    cmd = [sys.executable, "-m", "oaproc_testkit.cli", "campaign", "--server", url, "--db", str(db),
           "--report-dir", str(tmp / "report"), "--poll-max", "0.5", *argv]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    at_kill: dict[str, tuple] = {}
    try:
        end = time.time() + timeout
        while time.time() < end and proc.poll() is None:
            time.sleep(0.2)
            if not db.exists():
                continue
            try:
                rows = rows_of(db)
            except sqlite3.Error:
                continue
            done = [r for r in rows.values() if r[0] == "successful"]
            flying = [r for r in rows.values() if r[0] in ("queued", "running")]
            if len(done) >= 2 and flying:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
                at_kill = rows_of(db)
                break
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert at_kill, "the campaign ended before it could be killed mid-run"
    assert proc.returncode == -signal.SIGKILL
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    after = rows_of(db)
    con = sqlite3.connect(db)
    try:
        attempts = con.execute("SELECT count(*) FROM attempts").fetchone()[0]
    finally:
        con.close()
    return {"at_kill": at_kill, "after": after, "code": again.returncode, "out": again.stdout + again.stderr,
            "attempts": attempts, "summary": json.loads((tmp / "report" / "summary.json").read_text())}


def assert_resumed_without_loss(r: dict) -> None:
    at_kill, after = r["at_kill"], r["after"]
    assert r["code"] == 0, r["out"][-3000:]
    assert all(row[0] == "successful" for row in after.values()), after
    for tid, (status, attempts, job_url) in at_kill.items():
        if status == "successful":  # never submitted again
            assert after[tid][1:] == (attempts, job_url), (tid, at_kill[tid], after[tid])
        if status in ("queued", "running"):  # re-attached through the stored job URL
            assert after[tid][1:] == (attempts, job_url), (tid, at_kill[tid], after[tid])
    assert "re-attached" in r["out"]
    assert r["summary"]["counts"]["lost"] == 0 and r["summary"]["passed"]


def test_sigkill_mid_run_then_resume_loses_nothing(limited, tmp_path: Path) -> None:
    r = kill_mid_run_and_resume(limited.url + ",parallel=3", tmp_path, "--process", "sleep", "--bbox", "0,0,4,3",
                                "--tile-size", "1", "--template", '{"inputs": {"seconds": 1}}',
                                "--expect-max-concurrency", "3")
    assert_resumed_without_loss(r)
    print(f"\nreference server: killed with {sum(v[0] == 'successful' for v in r['at_kill'].values())} successful, "
          f"{sum(v[0] in ('queued', 'running') for v in r['at_kill'].values())} in flight; {r['attempts']} attempts for 12 tiles")


def test_cli_exit_codes(limited, tmp_path: Path) -> None:
    p = _cli("--process", "sleep", "--bbox", "0,0,1,1", "--tile-size", "1", "--template", SLEEP)
    assert p.returncode == 2 and "--server" in p.stderr
    p = _cli("--server", limited.url, "--process", "nope", "--bbox", "0,0,1,1", "--tile-size", "1", "--template", SLEEP,
             "--db", str(tmp_path / "x.db"))
    assert p.returncode == 2 and "status 404" in p.stderr and "Traceback" not in p.stderr
    p = _cli("--server", limited.url + ",parallel=4,expect=2", "--process", "sleep", "--bbox", "0,0,2,2", "--tile-size",
             "1", "--template", SLEEP, "--db", str(tmp_path / "y.db"), "--report-dir", str(tmp_path / "r"))
    assert p.returncode == 3 and "VIOLATION concurrency limit exceeded" in p.stdout


def test_a_secret_header_never_reaches_the_reports(limited, tmp_path: Path) -> None:
    s = campaign(limited.url + ",header=X-Api-Key: topsecret123", tmp_path, "--process", "sleep", "--bbox", "0,0,2,1",
                 "--tile-size", "1", "--template", SLEEP)
    assert s["passed"]
    for f in (tmp_path / "report").iterdir():
        assert "topsecret123" not in f.read_text()


def _locust(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "campaign.py"), "--headless",
           "--only-summary", "--loglevel", "WARNING", "--host", url, "--db", str(tmp / "l.db"),
           "--report-dir", str(tmp / "report"), "--poll-max", "0.5", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=ROOT)


@pytest.mark.parametrize("distributed", [False, True], ids=["local", "two-workers"])
def test_locust_file_runs_headless_and_distributed(limited, tmp_path: Path, distributed: bool) -> None:
    extra = ["--processes", "2"] if distributed else []
    server = f"{limited.url},parallel=4"
    p = _locust(limited.url, tmp_path, "--server", server, "--process", "sleep", "--bbox", "0,0,4,4", "--tile-size",
                "1", "--template", SLEEP, "--expect-max-concurrency", "3", *extra)
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    s = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert s["counts"]["successful"] == 16 and s["attempts"] == 16
    assert s["servers"][limited.url]["peak_concurrency"] == 3
    assert "POST /processes/{id}/execution" in p.stdout + p.stderr  # the requests are in Locust's statistics


def test_verdicts_from_the_database_rows_alone() -> None:
    from oaproc_testkit.campaign.db import Attempt, TileRow
    from oaproc_testkit.campaign.plan import CampaignPlan, ServerSpec
    from oaproc_testkit.campaign.report import summarize

    plan = CampaignPlan(process="p", template={}, servers=(ServerSpec(url="http://h/", parallel=2, expect=1),))
    rows = [TileRow("a", 0, status="successful", server="http://h/", results_note="INVALID: output 'x' does not fit"),
            TileRow("b", 1, status="successful", server="http://h/", results_note="1 output(s) valid"),
            TileRow("c", 2, status="running", server="http://h/")]
    atts = [Attempt("a", 1, "http://h/", "successful", "http://h/jobs/1", 0.0, True, None, 3.0, 1.0, 3.0),
            Attempt("b", 1, "http://h/", "successful", "http://h/jobs/2", 0.0, True, None, 3.0, 2.0, 3.0)]
    s = summarize(plan, rows, atts, run_end=5.0)
    text = " | ".join(s["violations"])
    assert "do not validate against the output schema" in text and "not finished" in text
    assert "2 jobs ran at once" in text and s["servers"]["http://h/"]["peak_concurrency"] == 2
    assert not s["passed"]
