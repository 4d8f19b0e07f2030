"""A real pygeoapi 0.24.0 on a free loopback port, with the toolkit's probe processes.

pygeoapi 0.24 needs Python 3.12; ``ensure_venv()`` builds ``<cache>/venvs/pygeoapi-0.24.0`` once
(``PYENV_VERSION=3.12.1 python3.12 -m venv``). ``running_pygeoapi()`` writes a configuration
(HelloWorld, Echo and the probes ``sleep``, ``fail``, ``multi-output``, ``inputs``), generates the
OpenAPI document, starts Flask threaded without the debugger and waits for the landing page.

The probes live in ``oaproc_testkit/probes/pygeoapi.py``, which imports only pygeoapi: it is copied
into the run directory as ``oaproc_probes.py`` and put on pygeoapi's PYTHONPATH, so the 3.12
environment needs nothing of the toolkit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._proc import Log, ServerError, Service, free_port, http_ok
from ._proc import ensure_venv as _ensure_venv

PYGEOAPI_VERSION = "0.24.0"
REQUIREMENTS = (f"pygeoapi=={PYGEOAPI_VERSION}",)
PROBES_SOURCE = Path(__file__).resolve().parent.parent / "probes" / "pygeoapi.py"
PROBES_MODULE = "oaproc_probes"
STANDARD_SLEEP_SOURCE = PROBES_SOURCE.parent / "standard_sleep.py"
STANDARD_SLEEP_MODULE = "oaproc_standard_sleep"

#: resource name -> processor name (pygeoapi's own, or our probe classes)
DEFAULT_PROCESSES: Mapping[str, str] = {
    "hello-world": "HelloWorld",
    "echo": "Echo",
    "sleep": f"{PROBES_MODULE}.SleepProcessor",
    "sleep-async": f"{PROBES_MODULE}.AsyncSleepProcessor",
    "fail": f"{PROBES_MODULE}.FailProcessor",
    "multi-output": f"{PROBES_MODULE}.MultiOutputProcessor",
    "inputs": f"{PROBES_MODULE}.InputsProcessor",
}

#: pygeoapi's "standard configuration" (../shared/oaproc/real-servers.md): its own HelloWorld and Echo (Echo's
#: required ``pause`` is at least 5.5 s) and a one-file sleep processor; no probes of ours, default security
#: settings (loopback callback URLs refused). Used by ``bench/`` to measure the suites' speed.
STANDARD_PROCESSES: Mapping[str, str] = {
    "hello-world": "HelloWorld",
    "echo": "Echo",
    "sleep": f"{STANDARD_SLEEP_MODULE}.SleepProcessor",
}


def ensure_venv(*, log: Log = lambda _line: None, extra: tuple[str, ...] = (), name: str | None = None) -> Path:
    """The cached Python 3.12 environment with pygeoapi (plus ``extra`` requirements)."""
    return _ensure_venv(name or f"pygeoapi-{PYGEOAPI_VERSION}", [*REQUIREMENTS, *extra], log=log)


@dataclass
class PygeoapiHandle:
    url: str
    port: int
    workdir: Path
    service: Service

    def stop(self) -> None:
        self.service.stop()


def write_config(workdir: Path, port: int, *, manager: Mapping[str, Any] | None,
                 processes: Mapping[str, str], allow_internal: bool = True) -> Path:
    """A minimal pygeoapi configuration serving ``processes`` on 127.0.0.1:``port``."""
    server: dict[str, Any] = {
        "bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
        "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US", "cors": True,
        "pretty_print": False, "limits": {"default_items": 10, "max_items": 50},
        "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
    }
    if manager is not None:
        server["manager"] = dict(manager)
    contact = {k: "n/a" for k in ("name", "position", "address", "city", "stateorprovince", "postalcode", "country",
                                  "phone", "fax", "hours", "instructions")}
    config = {
        "server": server,
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "oaproc-testkit pygeoapi", "description": "pygeoapi with probe processes",
                               "keywords": ["oaproc-testkit"], "keywords_type": "theme", "terms_of_service": "n/a",
                               "url": "http://127.0.0.1/"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "oaproc-testkit", "url": "http://127.0.0.1/"},
            "contact": {**contact, "email": "nobody@example.org", "url": "http://127.0.0.1/", "role": "pointOfContact"},
        },
        # allow_internal_requests: pygeoapi refuses subscriber (callback) URLs on loopback otherwise, and the
        # toolkit's callback receiver listens on 127.0.0.1 only.
        "resources": {rid: {"type": "process", "processor": {"name": proc},
                            **({"allow_internal_requests": True} if allow_internal else {})}
                      for rid, proc in processes.items()},
    }
    path = workdir / "config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def tinydb_manager(workdir: Path) -> dict[str, Any]:
    (workdir / "out").mkdir(exist_ok=True)
    return {"name": "TinyDB", "connection": str(workdir / "jobs.db"), "output_dir": str(workdir / "out")}


def pygeoapi_env(venv: Path, workdir: Path, config: Path, openapi: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PYGEOAPI_CONFIG=str(config), PYGEOAPI_OPENAPI=str(openapi), PYTHONPATH=str(workdir),
               PYTHONUNBUFFERED="1", VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    return env


def prepare(venv: Path, workdir: Path, port: int, *, manager: Mapping[str, Any] | None,
            processes: Mapping[str, str], allow_internal: bool = True) -> dict[str, str]:
    """Write config and OpenAPI document into ``workdir``; return pygeoapi's environment."""
    shutil.copyfile(PROBES_SOURCE, workdir / f"{PROBES_MODULE}.py")
    shutil.copyfile(STANDARD_SLEEP_SOURCE, workdir / f"{STANDARD_SLEEP_MODULE}.py")
    config = write_config(workdir, port, manager=manager, processes=processes, allow_internal=allow_internal)
    openapi = workdir / "openapi.yml"
    env = pygeoapi_env(venv, workdir, config, openapi)
    proc = subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file",
                           str(openapi)], env=env, cwd=workdir, capture_output=True, text=True, timeout=180)
    if proc.returncode != 0 or not openapi.is_file():
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise ServerError(f"pygeoapi openapi generate failed (exit {proc.returncode}): {tail}")
    return env


@contextmanager
def running_pygeoapi(*, venv: Path | None = None, manager: str | Mapping[str, Any] | None = "tinydb",
                     processes: Mapping[str, str] | None = None, port: int | None = None,
                     workdir: Path | None = None, ready_timeout: float = 90,
                     standard: bool = False) -> Iterator[PygeoapiHandle]:
    """Start pygeoapi on 127.0.0.1 and yield a handle; stop it (and its children) on exit.

    ``manager``: "tinydb" (pygeoapi's TinyDB job manager with ``output_dir``, no concurrency limit), None
    (no manager: synchronous execution only), or a full ``server.manager`` mapping. ``standard``: pygeoapi's
    standard configuration (``STANDARD_PROCESSES``, loopback callbacks refused as pygeoapi does by default)
    instead of the probe configuration; ``processes`` overrides either."""
    if processes is None:
        processes = STANDARD_PROCESSES if standard else DEFAULT_PROCESSES
    venv = venv or ensure_venv()
    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="oaproc-pygeoapi-")) if workdir is None else workdir
    port = port or free_port()
    mgr = tinydb_manager(work) if manager == "tinydb" else manager
    env = prepare(venv, work, port, manager=None if mgr is None else dict(mgr), processes=processes,  # type: ignore[arg-type]
                  allow_internal=not standard)
    service = Service(
        f"pygeoapi {PYGEOAPI_VERSION}",
        [str(venv / "bin" / "python"), "-c",
         "from pygeoapi.flask_app import APP; "
         f"APP.run(host='127.0.0.1', port={port}, threaded=True, debug=False, use_reloader=False)"],
        env=env, cwd=work, log_path=work / "pygeoapi.log")
    url = f"http://127.0.0.1:{port}/"
    try:
        service.wait_for(http_ok(url + "?f=json"), timeout=ready_timeout, what="landing page")
        yield PygeoapiHandle(url=url, port=port, workdir=work, service=service)
    finally:
        service.stop()
        if own_dir and os.environ.get("OAPROC_KEEP_SERVER_DIRS") != "1":
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    """``python -m oaproc_testkit.servers.pygeoapi``: run the embedded pygeoapi until Ctrl-C."""
    import time

    with running_pygeoapi(venv=ensure_venv(log=print)) as handle:
        print(f"pygeoapi {PYGEOAPI_VERSION} at {handle.url} (log {handle.service.log_path}); Ctrl-C stops it")
        try:
            while handle.service.alive():
                time.sleep(1)
        except KeyboardInterrupt:
            print("stopping pygeoapi")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
