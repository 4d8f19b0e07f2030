"""Benchmark (not a test): what the campaign machinery costs per tile, against an instant server (our
reference server, ``sleep`` of 0 s, no limit), next to the same jobs sent and followed without it.

    .venv/bin/python bench/bench_campaign.py            # 1,000 tiles
    .venv/bin/python bench/bench_campaign.py --tiles 200 --parallel 10

Prints, from one run: the campaign's wall time per tile; the same jobs through the bare job helpers
(jobs.execute + wait_for_job, same parallelism, no database, map or engine) per tile; their ratio; the
time spent writing the database per tile; the database size per tile; and a resumed run on the
finished database (nothing left to do) per tile.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fault_server  # noqa: E402

from oaproc_testkit.campaign import run as R  # noqa: E402
from oaproc_testkit.campaign.db import JobDB  # noqa: E402
from oaproc_testkit.campaign.plan import CampaignPlan, ServerSpec  # noqa: E402
from oaproc_testkit.campaign.tiles import grid  # noqa: E402
from oaproc_testkit.http import Http  # noqa: E402
from oaproc_testkit.jobs import backoff, execute, wait_for_job  # noqa: E402


def bare(url: str, n: int, parallel: int) -> float:
    """The same n jobs with the bare helpers: POST, poll to the end, GET results."""
    local = threading.local()

    def one(_i: int) -> None:
        if not hasattr(local, "http"):
            local.http = Http(ServerSpec(url=url).settings(30))
        sub = execute(local.http, "sleep", {"inputs": {"seconds": 0}}, prefer="respond-async")
        wait_for_job(local.http, sub.job_url, deadline_s=60, clock=time.time, intervals=backoff(0.2, 1.5, 1.0))
        local.http.get(sub.job_url + "/results")

    start = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, range(n)))
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=1000)
    ap.add_argument("--parallel", type=int, default=20)
    args = ap.parse_args()
    side = math.ceil(math.sqrt(args.tiles))
    tiles = grid((0, 0, side, side), 1)[: args.tiles]
    handle = fault_server.start_server()
    out = Path(tempfile.mkdtemp(prefix="oaproc-bench-campaign-"))
    plan = CampaignPlan(process="sleep", template={"inputs": {"seconds": 0}}, db=str(out / "c.db"),
                        report_dir=str(out / "report"), servers=(ServerSpec(url=handle.url, parallel=args.parallel),),
                        poll_max=1.0, map_every=2.0)
    saved = {"n": 0, "s": 0.0}
    orig = JobDB.save

    def timed_save(self, row, attempt=None):  # the bench measures the writes; the engine is untouched
        t = time.perf_counter()
        orig(self, row, attempt)
        saved["n"] += 1
        saved["s"] += time.perf_counter() - t

    try:
        floor = bare(handle.url, args.tiles, args.parallel)
        JobDB.save = timed_save
        t = time.perf_counter()
        summary = R.run_campaign(plan, tiles, progress=False, show=False)
        wall = time.perf_counter() - t
        JobDB.save = orig
        t = time.perf_counter()
        again = R.run_campaign(plan, tiles, progress=False, show=False)
        resume = time.perf_counter() - t
    finally:
        JobDB.save = orig
        handle.stop()
    size = Path(plan.db).stat().st_size + sum(p.stat().st_size for p in out.glob("c.db-*"))
    n = args.tiles
    print(f"campaign bench: {n} tiles, parallel {args.parallel}, instant server "
          f"(successful {summary['counts']['successful']}, attempts {summary['attempts']}, passed {summary['passed']})")
    print(f"  campaign               {wall:.2f} s  {wall / n * 1000:.2f} ms/tile")
    print(f"  bare job helpers       {floor:.2f} s  {floor / n * 1000:.2f} ms/tile")
    print(f"  ratio campaign / bare  {wall / floor:.2f}")
    print(f"  database writes        {saved['n']} ({saved['n'] / n:.1f}/tile), {saved['s'] / n * 1000:.3f} ms/tile "
          "(summed over the threads, waits for the database lock included)")
    print(f"  database size          {size / 1024:.0f} KiB  {size / n:.0f} bytes/tile")
    print(f"  resumed, nothing to do {resume:.2f} s  {resume / n * 1000:.2f} ms/tile (attempts still {again['attempts']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
