"""wraptile (Eozilla's FastAPI OGC API - Processes server) with its demo service: a worker pool of 3.

``wraptile run --host 127.0.0.1 --port P wraptile.services.local.testing:service``; the demo process
``sleep_a_while`` (input ``duration``) makes slow jobs. wraptile answers every execution with 201 and
no ``Location``; the burst finds the job through ``jobID``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._proc import Log, Service, free_port, http_ok
from ._proc import ensure_venv as _ensure_venv

SERVICE = "wraptile.services.local.testing:service"
SLOW_PROCESS = "sleep_a_while"
WORKERS = 3  # wraptile's default pool size


def ensure_venv(*, log: Log = lambda _line: None) -> Path:
    """The cached environment with wraptile (any Python >= 3.11; the toolkit's own is used)."""
    return _ensure_venv("wraptile", ["wraptile"], python=[sys.executable], log=log)


@dataclass
class WraptileHandle:
    url: str
    service: Service


@contextmanager
def running_wraptile(*, venv: Path | None = None, ready_timeout: float = 90) -> Iterator[WraptileHandle]:
    venv = venv or ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="oaproc-wraptile-"))
    port = free_port()
    service = Service("wraptile", [str(venv / "bin" / "wraptile"), "run", "--host", "127.0.0.1", "--port", str(port),
                                   SERVICE], env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(work)},
                      cwd=work, log_path=work / "wraptile.log")
    url = f"http://127.0.0.1:{port}/"
    try:
        service.wait_for(http_ok(url + "processes"), timeout=ready_timeout, what="/processes")
        yield WraptileHandle(url=url, service=service)
    finally:
        service.stop()
        shutil.rmtree(work, ignore_errors=True)
