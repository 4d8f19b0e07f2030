"""Benchmark (not a test): how fast one Locust process submits a burst of async jobs, and what the polling
costs, against an instant local server (our reference server with jobs of 0 s and no limit).

    .venv/bin/python bench/bench_burst.py            # 1,000 jobs
    .venv/bin/python bench/bench_burst.py --jobs 200

Prints, side by side from one run: the submission window (first POST sent → last POST answered),
submissions per second, the ratio to the 2 s target for 1,000 jobs, status requests per job and per
second of job life (target: at most 1).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fault_server  # noqa: E402

from oaproc_testkit.load.model import load_records  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=1000)
    args = ap.parse_args()
    # the bench measures the load generator: the server's listen backlog (socketserver's default is 5) must
    # take a true burst of simultaneous connections, else the kernel resets most of them
    fault_server.FaultServer.request_queue_size = 4096
    handle = fault_server.start_server()
    out = Path(tempfile.mkdtemp(prefix="oaproc-bench-burst-"))
    try:
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "burst.py"), "--headless",
                               "--host", handle.url, "--process", "sleep", "--inputs", '{"seconds": 0}',
                               "--jobs", str(args.jobs), "--job-timeout", "120", "--report-dir", str(out),
                               "--only-summary", "--loglevel", "ERROR"],
                              capture_output=True, text=True, timeout=900, cwd=ROOT)
        wall = time.monotonic() - start
    finally:
        handle.stop()
    summary = json.loads((out / "summary.json").read_text())
    recs = [r for r in load_records(out / "jobs.jsonl") if r.submit_at is not None]
    first = min(r.submit_at for r in recs if r.submit_at is not None)
    last = max((r.submit_at or 0) + (r.submit_latency or 0) for r in recs)
    window = last - first
    per_job = summary["status_requests_per_job"]
    per_second = summary["status_requests_per_job_second"]
    print(f"burst bench: {args.jobs} jobs against an instant server (exit {proc.returncode}, whole run {wall:.1f} s)")
    print(f"  accepted {summary['accepted']}, succeeded {summary['succeeded']}, lost {summary['lost']}, "
          f"stuck {summary['stuck']}")
    print(f"  submission window      {window:.2f} s  ({args.jobs / window:.0f} submissions/s)")
    target = 2.0 * args.jobs / 1000
    print(f"  vs target {target:.2f} s      ratio {window / target:.2f}  ({'met' if window <= target else 'missed'})")
    print(f"  submit latency p50/p95 {summary['submit_latency_seconds']['p50']} / {summary['submit_latency_seconds']['p95']} s")
    print(f"  status requests/job    {per_job}")
    print(f"  per second of job life {per_second}  (target <= 1: {'met' if per_second is not None and per_second <= 1 else 'missed'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
