"""pygeoapi-prefect 0.9.1 with a real Prefect server and a local worker: a job manager with a limit.

Start order (and the reverse to stop): ``prefect server start`` (SQLite in a private PREFECT_HOME,
ready when ``/api/health`` answers), pygeoapi with ``pygeoapi_prefect.PrefectManager``, then
``pygeoapi plugins prefect deploy-local --concurrency-limit N`` which serves every configured
process as a Prefect deployment and runs at most N flow runs at once. The worker is stopped first:
a worker whose server went away first hangs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._proc import Log, ServerError, Service, free_port, http_ok
from ._proc import ensure_venv as _ensure_venv
from .pygeoapi import PROBES_MODULE, prepare

VERSION = "0.9.1"
REQUIREMENTS = ("pygeoapi==0.24.0", f"pygeoapi-prefect=={VERSION}", "fastapi==0.150.0")
PROCESSES: Mapping[str, str] = {"sleep": f"{PROBES_MODULE}.SleepProcessor"}


def ensure_venv(*, log: Log = lambda _line: None) -> Path:
    """The cached Python 3.12 environment with pygeoapi, pygeoapi-prefect and Prefect."""
    return _ensure_venv(f"pygeoapi-prefect-{VERSION}", list(REQUIREMENTS), log=log)


@dataclass
class PrefectStack:
    url: str  # pygeoapi's landing page
    prefect_api: str
    workdir: Path
    limit: int


def _worker_ready(log_path: Path) -> bool:
    try:
        return "being served" in log_path.read_text(errors="replace").lower()
    except OSError:
        return False


@contextmanager
def running_prefect(*, limit: int, venv: Path | None = None, processes: Mapping[str, str] = PROCESSES,
                    ready_timeout: float = 180) -> Iterator[PrefectStack]:
    """Prefect server + pygeoapi-prefect + a local worker limited to ``limit`` concurrent runs."""
    venv = venv or ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="oaproc-prefect-"))
    prefect_port, port = free_port(), free_port()
    api = f"http://127.0.0.1:{prefect_port}/api"
    prefect_env = {
        "PREFECT_HOME": str(work / "prefect-home"), "PREFECT_API_URL": api,
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1", "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    manager = {"name": "pygeoapi_prefect.PrefectManager", "enable_sync_job_execution": True}
    env = {**prepare(venv, work, port, manager=manager, processes=processes), **prefect_env}
    bin_ = venv / "bin"
    with ExitStack() as stack:
        if os.environ.get("OAPROC_KEEP_SERVER_DIRS") != "1":
            stack.callback(shutil.rmtree, work, True)  # registered first: runs last, after every stop
        server = Service("prefect server", [str(bin_ / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
                                            str(prefect_port)], env=env, cwd=work, log_path=work / "prefect-server.log")
        stack.callback(server.stop)
        server.wait_for(http_ok(f"{api}/health"), timeout=ready_timeout, what="Prefect API health")
        pygeoapi = Service("pygeoapi-prefect", [str(bin_ / "python"), "-c",
                                                "from pygeoapi.flask_app import APP; "
                                                f"APP.run(host='127.0.0.1', port={port}, threaded=True, debug=False, "
                                                "use_reloader=False)"],
                           env=env, cwd=work, log_path=work / "pygeoapi.log")
        stack.callback(pygeoapi.stop)
        url = f"http://127.0.0.1:{port}/"
        pygeoapi.wait_for(http_ok(url + "?f=json"), timeout=ready_timeout, what="landing page")
        worker_log = work / "worker.log"
        worker = Service("prefect worker (deploy-local)", [str(bin_ / "pygeoapi"), "plugins", "prefect", "deploy-local",
                                                           "--concurrency-limit", str(limit)],
                         env=env, cwd=work, log_path=worker_log)
        stack.callback(worker.stop)  # registered last: stopped first
        worker.wait_for(lambda: _worker_ready(worker_log), timeout=ready_timeout, what="'being served' in its log")
        time.sleep(1.0)  # the runner polls for scheduled runs from here on
        yield PrefectStack(url=url, prefect_api=api, workdir=work, limit=limit)


__all__ = ["PrefectStack", "ServerError", "ensure_venv", "running_prefect"]
