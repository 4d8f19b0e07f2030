"""Benchmark: wall time of a full conformance run next to its critical path, on each server, in one run.

The critical path is the longest single wait the run cannot avoid: one job from its POST to the end the
toolkit saw (polls included), or one answer (a synchronous execution). Checks run concurrently and share
jobs, so a run should last about that long. Target: wall <= 1.5x the critical path, on pygeoapi 0.24 in
its standard configuration (HelloWorld, Echo with its 5.5 s pause, a one-file sleep processor, TinyDB with
output_dir; ``running_pygeoapi(standard=True)``) and on our reference server (tests/fault_server.py).
The time spent waiting for answers (summed over requests, which overlap) is printed too.

    .venv/bin/python bench/bench_conformance.py            # reference server and pygeoapi (standard)
    .venv/bin/python bench/bench_conformance.py --url URL  # any server
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5


def run_suites(name: str, url: str, extra: list[str]) -> dict:
    out = Path(tempfile.mkdtemp(prefix="oaproc-bench-"))
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "--server-url", url, "--report-dir", str(out),
                    "-q", "-p", "no:cacheprovider", *extra], capture_output=True, text=True, timeout=900, cwd=ROOT)
    outer = time.monotonic() - start
    report = json.loads((out / "report.json").read_text())
    t = report["timing"]
    verdicts = [x["verdict"] for x in report["tests"]]
    return {"server": name, "process_wall": round(outer, 2), "wall": t["wall_seconds"], "requests": t["requests"],
            "request_seconds": t["request_seconds"], "critical": t["critical_path_seconds"],
            "ratio": round(t["wall_seconds"] / max(t["critical_path_seconds"], 1e-9), 2),
            "verdicts": {v: verdicts.count(v) for v in sorted(set(verdicts))}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", action="append", default=[])
    ap.add_argument("pytest_args", nargs="*", help="extra suite options, after --")
    args = ap.parse_args()
    rows = []
    with ExitStack() as stack:
        targets = [(u, u) for u in args.url]
        if not targets:
            sys.path.insert(0, str(ROOT / "tests"))
            import fault_server

            from oaproc_testkit.servers.pygeoapi import running_pygeoapi

            handle = fault_server.start_server()
            stack.callback(handle.stop)
            pygeoapi = stack.enter_context(running_pygeoapi(standard=True))
            targets = [("reference server", handle.url), ("pygeoapi 0.24 standard", pygeoapi.url)]
        for name, url in targets:
            rows.append(run_suites(name, url, args.pytest_args))
    print(f"{'server':<26} {'wall s':>7} {'critical s':>11} {'wall/critical':>14} {'requests':>9} "
          f"{'answers s':>10}  verdicts")
    for r in rows:
        flag = "" if r["ratio"] <= TARGET else f"  (target {TARGET}x)"
        print(f"{r['server']:<26} {r['wall']:>7} {r['critical']:>11} {r['ratio']:>13}x {r['requests']:>9} "
              f"{r['request_seconds']:>10}  {r['verdicts']}{flag}")


if __name__ == "__main__":
    main()
