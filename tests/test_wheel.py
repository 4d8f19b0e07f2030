"""The built wheel carries everything a user needs without a checkout: the suites, the schemas and
the Locust scenario as package data, and ``oaproc-testkit suites`` runs the same suites from there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

fault_server = pytest.importorskip("fault_server")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, built from this checkout and installed (no deps, not editable) into a private target."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(work.glob("oaproc_testkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for must in ("oaproc_testkit/_data/suites/core/test_core_landingpage.py",
                 "oaproc_testkit/_data/schemas/statusInfo.yaml",
                 "oaproc_testkit/_data/loadtests/burst.py"):
        assert must in names, f"{must} missing from {wheel.name}"
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return target


def test_installed_wheel_runs_the_suites_without_a_checkout(installed: Path, tmp_path: Path) -> None:
    handle = fault_server.start_server()
    try:
        env = {**os.environ, "PYTHONPATH": str(installed)}
        proc = subprocess.run(
            [sys.executable, "-m", "oaproc_testkit.cli", "suites", "--server-url", handle.url, "-q",
             "--report-dir", str(tmp_path), "-k", "landingpage or conformance"],
            capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    finally:
        handle.stop()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text())
    passed = {t["id"] for t in report["tests"] if t["verdict"] == "pass"}
    assert {"/conf/core/landingpage-op", "/conf/core/landingpage-success"} <= passed
    # what ran is the installed copy, not this checkout
    where = subprocess.run([sys.executable, "-c", "from oaproc_testkit.cli import data_dir; print(data_dir('suites'))"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env).stdout.strip()
    assert Path(where).is_relative_to(installed), where
