"""Benchmark: wall time of a full conformance run next to the sum of its requests' latencies.

The floor of a sequential conformance run is the time spent waiting for answers; everything
above it is the toolkit's own overhead plus waiting for jobs. Target: wall <= 1.5x the floor.

    .venv/bin/python bench/bench_conformance.py            # embedded pygeoapi and our reference server
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


def run_suites(url: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="oaproc-bench-"))
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "--server-url", url, "--report-dir", str(out),
                    "-q", "-p", "no:cacheprovider"], capture_output=True, text=True, timeout=900, cwd=ROOT)
    outer = time.monotonic() - start
    report = json.loads((out / "report.json").read_text())
    t = report["timing"]
    return {"url": url, "process_wall": round(outer, 2), "run_wall": t["wall_seconds"], "requests": t["requests"],
            "request_seconds": t["request_seconds"], "ratio": round(t["wall_seconds"] / max(t["request_seconds"], 1e-9), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", action="append", default=[])
    args = ap.parse_args()
    rows = []
    with ExitStack() as stack:
        urls = list(args.url)
        if not urls:
            sys.path.insert(0, str(ROOT / "tests"))
            import fault_server

            from oaproc_testkit.servers.pygeoapi import running_pygeoapi

            handle = fault_server.start_server()
            stack.callback(handle.stop)
            urls = [handle.url, stack.enter_context(running_pygeoapi()).url]
        for url in urls:
            rows.append(run_suites(url))
    print(f"{'server':<32} {'wall s':>8} {'requests':>9} {'in requests s':>14} {'wall/floor':>11}")
    for r in rows:
        print(f"{r['url']:<32} {r['run_wall']:>8} {r['requests']:>9} {r['request_seconds']:>14} {r['ratio']:>10}x")


if __name__ == "__main__":
    main()
