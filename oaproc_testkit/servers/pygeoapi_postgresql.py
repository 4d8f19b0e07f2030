"""pygeoapi 0.24.0 with its PostgreSQL job manager on a private PostgreSQL cluster.

The cluster (``servers/postgresql.py``) is created, started on a free loopback port and stopped by
``running_pygeoapi_postgresql()``; pygeoapi creates its ``jobs`` table itself. The manager is given
``output_dir``: without it pygeoapi 0.24 never writes results (every async job ends ``successful``
and ``/jobs/{id}/results`` is a 500 ``JobResultNotFound``). Same probe processes as the TinyDB
configuration (``servers/pygeoapi.py``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._proc import Log
from .postgresql import PostgresCluster, running_postgresql
from .pygeoapi import DEFAULT_PROCESSES, PygeoapiHandle, running_pygeoapi
from .pygeoapi import ensure_venv as _pygeoapi_venv

EXTRA = ("psycopg2-binary", "geoalchemy2")
VENV_NAME = "pygeoapi-postgresql-0.24.0"


def ensure_venv(*, log: Log = lambda _line: None) -> Path:
    """The cached Python 3.12 environment with pygeoapi 0.24.0, psycopg2-binary and geoalchemy2."""
    return _pygeoapi_venv(log=log, extra=EXTRA, name=VENV_NAME)


def postgresql_manager(cluster: PostgresCluster, output_dir: Path) -> dict[str, Any]:
    """pygeoapi's ``server.manager`` for the PostgreSQL job manager, results written to ``output_dir``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    return {"name": "PostgreSQL", "connection": cluster.manager_connection(), "output_dir": str(output_dir)}


@contextmanager
def running_pygeoapi_postgresql(*, venv: Path | None = None, processes: Mapping[str, str] = DEFAULT_PROCESSES,
                                ready_timeout: float = 90) -> Iterator[PygeoapiHandle]:
    venv = venv or ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="oaproc-pygeoapi-pg-"))
    try:
        with running_postgresql() as cluster:
            manager = postgresql_manager(cluster, work / "out")
            with running_pygeoapi(venv=venv, manager=manager, processes=processes, workdir=work,
                                  ready_timeout=ready_timeout) as handle:
                yield handle
    finally:
        if os.environ.get("OAPROC_KEEP_SERVER_DIRS") != "1":
            shutil.rmtree(work, ignore_errors=True)
