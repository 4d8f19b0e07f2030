"""Process plumbing shared by the real-server harnesses: cached virtual environments built once under
a file lock, free loopback ports, background services with a log file, a readiness deadline and a
stop that leaves no orphans."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

Log = Callable[[str], None]


class ServerError(RuntimeError):
    """A real server could not be installed or started; the message says which and where its log is."""


def cache_dir() -> Path:
    base = os.environ.get("OAPROC_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache",
                                                          "oaproc-testkit")
    return Path(base)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def python312() -> list[str]:
    """A command that runs Python 3.12: pyenv's 3.12.1 first (its shim refuses a bare python3.12)."""
    candidates: list[tuple[list[str], Mapping[str, str]]] = [
        (["python3.12"], {"PYENV_VERSION": "3.12.1"}), (["python3.12"], {}),
    ]
    for cmd, env in candidates:
        if shutil.which(cmd[0]) is None:
            continue
        try:
            out = subprocess.run([*cmd, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                                 env={**os.environ, **env}, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.stdout.strip() == "True":
            return ["env", *(f"{k}={v}" for k, v in env.items()), *cmd]
    raise ServerError("Python 3.12 not found (tried `PYENV_VERSION=3.12.1 python3.12` and `python3.12`)")


@contextmanager
def _locked(path: Path, timeout: float = 1800) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ServerError(f"gave up waiting for the lock {path}") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_venv(name: str, requirements: Sequence[str], *, python: Sequence[str] | None = None,
                log: Log = lambda _line: None, timeout: float = 1500) -> Path:
    """A virtual environment ``<cache>/venvs/<name>`` with ``requirements`` installed; built once.

    A marker file written after a successful install makes later calls instant; a half-built
    environment (no marker) is rebuilt. A lock keeps parallel callers from building it twice."""
    venv = cache_dir() / "venvs" / name
    marker = venv / ".oaproc-ready"
    wanted = "\n".join(requirements)
    if marker.is_file() and marker.read_text() == wanted:
        return venv
    with _locked(cache_dir() / "venvs" / f".{name}.lock"):
        if marker.is_file() and marker.read_text() == wanted:
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        started = time.monotonic()
        log(f"creating {venv}")
        _run([*(python or python312()), "-m", "venv", str(venv)], timeout=300)
        log(f"installing {' '.join(requirements)}")
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
             timeout=timeout)
        marker.write_text(wanted)
        log(f"ready in {time.monotonic() - started:.0f} s")
    return venv


def _run(cmd: Sequence[str], *, timeout: float) -> None:
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ServerError(f"`{' '.join(cmd[:4])} ...` did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip() and not ln.startswith("WARNING: Location")]
        raise ServerError(f"`{' '.join(cmd[:4])} ...` failed (exit {proc.returncode}): {' | '.join(lines[-3:])}")


class Service:
    """A background process in its own process group, with its output in ``log_path``."""

    def __init__(self, name: str, cmd: Sequence[str], *, env: Mapping[str, str], cwd: Path, log_path: Path) -> None:
        self.name, self.log_path = name, log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(list(cmd), env=dict(env), cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return " | ".join(ln.strip() for ln in text[-lines:] if ln.strip())

    def wait_for(self, ready: Callable[[], bool], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise ServerError(f"{self.name} exited (code {self.proc.returncode}) before {what}: {self.log_tail()}"
                                  f" (log: {self.log_path})")
            if ready():
                return
            time.sleep(0.25)
        raise ServerError(f"{self.name}: no {what} within {timeout:.0f} s: {self.log_tail()} (log: {self.log_path})")

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the whole group, SIGKILL after ``grace`` seconds."""
        if self.alive():
            for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        else:
            # the leader is gone; children in its group may not be (an empty group is fine)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


def http_ok(url: str, *, timeout: float = 2.0) -> Callable[[], bool]:
    """A readiness probe: ``url`` answers 200."""

    def probe() -> bool:
        try:
            return httpx.get(url, timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    return probe
