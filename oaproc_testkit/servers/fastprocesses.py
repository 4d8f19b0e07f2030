"""fastprocesses 0.24.1 (FastAPI + Celery + Redis) with the toolkit's probe processes.

Started in this order, stopped in the reverse: a private Redis (Debian ``redis-server`` on a free
loopback port, ``--save "" --appendonly no``: nothing written to disk), one or more Celery workers
(``celery -A oaproc_fp_worker worker -n NAME@127.0.0.1 --concurrency N``), the uvicorn front end.
Jobs running at once = the sum of the workers' concurrency; ``FastprocessesStack.add_worker()``
starts another worker while the stack runs (capacity added by starting workers).

The probes (``oaproc_testkit/probes/fastprocesses.py``) are copied into the run directory as
``oaproc_fp_probes.py``; the worker's Celery app module and the API both import them so that
``@register_process`` runs in each. fastprocesses needs Python 3.12 here (its wheels' pins) and
``packaging`` (kombu's Redis transport imports it; without it the worker dies at start).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ._proc import Log, ServerError, Service, free_port, http_ok
from ._proc import ensure_venv as _ensure_venv

VERSION = "0.24.1"
REQUIREMENTS = (f"fastprocesses=={VERSION}", "packaging")
PROBES_SOURCE = Path(__file__).resolve().parent.parent / "probes" / "fastprocesses.py"
PROBES_MODULE = "oaproc_fp_probes"
WORKER_MODULE = "oaproc_fp_worker"
TITLE = "oaproc-testkit fastprocesses"


def ensure_venv(*, log: Log = lambda _line: None) -> Path:
    """The cached Python 3.12 environment with fastprocesses 0.24.1."""
    return _ensure_venv(f"fastprocesses-{VERSION}", list(REQUIREMENTS), log=log)


def redis_server() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if not found:
        raise ServerError("redis-server not found (`apt-get install redis-server`)")
    return found


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _log_says(path: Path, text: str) -> bool:
    try:
        return text in path.read_text(errors="replace")
    except OSError:
        return False


@dataclass
class FastprocessesStack:
    url: str
    redis_port: int
    workdir: Path
    venv: Path
    env: dict[str, str]
    workers: dict[str, int] = field(default_factory=dict)  # name -> concurrency
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def capacity(self) -> int:
        return sum(self.workers.values())

    def add_worker(self, concurrency: int, *, name: str | None = None, ready_timeout: float = 90) -> str:
        """Start one more Celery worker (``NAME@127.0.0.1``) and wait until it is ready; returns its node name."""
        name = name or f"w{len(self.workers) + 1}"
        node = f"{name}@127.0.0.1"
        if node in self.workers:
            raise ServerError(f"a worker named {node} already runs")
        log_path = self.workdir / f"worker-{name}.log"
        worker = Service(f"celery worker {node}",
                         [str(self.venv / "bin" / "celery"), "-A", WORKER_MODULE, "worker", "-n", node,
                          "--concurrency", str(concurrency), "--pool", "prefork", "--loglevel", "INFO",
                          "--without-gossip", "--without-mingle", "--without-heartbeat"],
                         env=self.env, cwd=self.workdir, log_path=log_path)
        self._stack.callback(worker.stop)  # stopped before Redis (registered after it)
        worker.wait_for(lambda: _log_says(log_path, f"{node} ready."), timeout=ready_timeout, what="'ready.' in its log")
        self.workers[node] = concurrency
        return node


@contextmanager
def running_fastprocesses(*, workers: tuple[int, ...] = (2,), venv: Path | None = None,
                          ready_timeout: float = 90) -> Iterator[FastprocessesStack]:
    """Redis + one Celery worker per entry of ``workers`` (its concurrency) + the uvicorn front end."""
    venv = venv or ensure_venv()
    redis_bin = redis_server()
    work = Path(tempfile.mkdtemp(prefix="oaproc-fastprocesses-"))
    shutil.copyfile(PROBES_SOURCE, work / f"{PROBES_MODULE}.py")
    (work / f"{WORKER_MODULE}.py").write_text(
        "# Celery app of the oaproc-testkit fastprocesses workers: fastprocesses' app plus the probes.\n"
        f"import {PROBES_MODULE}  # noqa: F401  (registers the probe processes)\n"
        "from fastprocesses.common import celery_app  # noqa: F401\n", encoding="utf-8")
    redis_port, port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "FP_"))}
    env.update(
        PYTHONPATH=str(work), PYTHONUNBUFFERED="1", VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
        HOME=str(work), FP_API_TITLE=TITLE, FP_LOG_LEVEL="WARNING",
        **{f"FP_{kind}_HOST": "127.0.0.1" for kind in ("RESULT_CACHE", "CELERY_BROKER", "CELERY_RESULT")},
        **{f"FP_{kind}_PORT": str(redis_port) for kind in ("RESULT_CACHE", "CELERY_BROKER", "CELERY_RESULT")},
    )
    stack = FastprocessesStack(url=f"http://127.0.0.1:{port}/", redis_port=redis_port, workdir=work, venv=venv, env=env)
    with stack._stack:
        if os.environ.get("OAPROC_KEEP_SERVER_DIRS") != "1":
            stack._stack.callback(shutil.rmtree, work, True)  # registered first: runs last
        redis = Service("redis-server", [redis_bin, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(work), "--protected-mode", "no"],
                        env=env, cwd=work, log_path=work / "redis.log")
        stack._stack.callback(redis.stop)
        redis.wait_for(lambda: _redis_ping(redis_port), timeout=30, what="PONG")
        api = Service(f"fastprocesses {VERSION}",
                      [str(venv / "bin" / "python"), "-c",
                       f"import {PROBES_MODULE}, uvicorn; from fastprocesses.api.server import OGCProcessesAPI; "
                       f"uvicorn.run(OGCProcessesAPI().get_app(), host='127.0.0.1', port={port}, log_level='warning')"],
                      env=env, cwd=work, log_path=work / "api.log")
        stack._stack.callback(api.stop)
        started = time.monotonic()
        for concurrency in workers:
            stack.add_worker(concurrency, ready_timeout=ready_timeout)
        api.wait_for(http_ok(stack.url + "processes", timeout=5), timeout=max(10.0, ready_timeout - (time.monotonic() - started)),
                     what="/processes")
        yield stack


CACHE_MESSAGE = "Result retrieved from cache."


def job_workers(url: str, job_ids: list[str], *, timeout: float = 10) -> dict[str, str]:
    """Which Celery worker ran each ``sleep`` job, as the probe's result says (``NAME@HOST``).

    fastprocesses' statusInfo does not name the worker; the sleep probe's output does. A job answered
    from fastprocesses' result cache (same inputs as an earlier job; its message says so) ran nowhere:
    ``"cache"``. A job whose result cannot be read: ``"unknown: <why>"``."""
    import httpx

    out: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=timeout) as client:
        for jid in job_ids:
            status = client.get(f"jobs/{jid}")
            if status.status_code == 200 and status.json().get("message") == CACHE_MESSAGE:
                out[jid] = "cache"
                continue
            res = client.get(f"jobs/{jid}/results")
            try:
                worker = res.json().get("worker") if res.status_code == 200 else None
            except ValueError:
                worker = None
            out[jid] = worker if isinstance(worker, str) else f"unknown: results {res.status_code}"
    return out


def main() -> int:
    """``python -m oaproc_testkit.servers.fastprocesses [N ...]``: run it (workers of concurrency N) until Ctrl-C."""
    import sys

    workers = tuple(int(a) for a in sys.argv[1:]) or (2,)
    with running_fastprocesses(workers=workers, venv=ensure_venv(log=print)) as stack:
        print(f"fastprocesses {VERSION} at {stack.url}, workers {stack.workers} (logs in {stack.workdir}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            print("stopping fastprocesses")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
