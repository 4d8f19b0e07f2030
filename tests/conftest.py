"""Shared fixtures of the toolkit's own tests: real servers started on free loopback ports.

Real servers are installed into cached virtual environments (``~/.cache/oaproc-testkit/venvs``)
on first use; a missing Python 3.12 skips those tests with the reason, any other failure to
install or start is an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

# Deterministic property tests: the same examples on every run and in CI.
settings.register_profile("oaproc-ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "oaproc-ci"))


def _pygeoapi() -> Iterator[object]:
    from oaproc_testkit.servers._proc import ServerError, python312
    from oaproc_testkit.servers.pygeoapi import ensure_venv, running_pygeoapi

    try:
        python312()
    except ServerError as exc:
        pytest.skip(str(exc))
    with running_pygeoapi(venv=ensure_venv()) as handle:
        yield handle


@pytest.fixture(scope="session")
def pygeoapi_server() -> Iterator[object]:
    """pygeoapi 0.24.0 with the TinyDB manager, HelloWorld, Echo and our probe processes."""
    yield from _pygeoapi()


@pytest.fixture(scope="module")
def second_pygeoapi_server() -> Iterator[object]:
    """Another pygeoapi like ``pygeoapi_server``, for a campaign over two servers at once."""
    yield from _pygeoapi()


@pytest.fixture(scope="module")
def prefect_stack() -> Iterator[object]:
    """pygeoapi-prefect 0.9.1 + a Prefect server + a local worker limited to 3 concurrent runs."""
    from oaproc_testkit.servers._proc import ServerError, python312
    from oaproc_testkit.servers.prefect import ensure_venv, running_prefect

    try:
        python312()
    except ServerError as exc:
        pytest.skip(str(exc))
    with running_prefect(limit=3, venv=ensure_venv()) as stack:
        yield stack


@pytest.fixture(scope="module")
def wraptile_server() -> Iterator[object]:
    """wraptile's demo service (a pool of 3 workers)."""
    from oaproc_testkit.servers.wraptile import ensure_venv, running_wraptile

    with running_wraptile(venv=ensure_venv()) as handle:
        yield handle


def _need_python312() -> None:
    from oaproc_testkit.servers._proc import ServerError, python312

    try:
        python312()
    except ServerError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pygeoapi_postgresql_server() -> Iterator[object]:
    """pygeoapi 0.24.0 with its PostgreSQL job manager (output_dir set) on a private PostgreSQL cluster."""
    from oaproc_testkit.servers.pygeoapi_postgresql import ensure_venv, running_pygeoapi_postgresql

    _need_python312()
    with running_pygeoapi_postgresql(venv=ensure_venv()) as handle:
        yield handle


@pytest.fixture(scope="session")
def fastprocesses_stack() -> Iterator[object]:
    """fastprocesses 0.24.1: Redis, two Celery workers of concurrency 2, the uvicorn front end, our probes."""
    from oaproc_testkit.servers.fastprocesses import ensure_venv, running_fastprocesses

    _need_python312()
    with running_fastprocesses(workers=(2, 2), venv=ensure_venv()) as stack:
        yield stack
