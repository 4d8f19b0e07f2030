"""A private PostgreSQL cluster on a free loopback port, for pygeoapi's PostgreSQL job manager.

Debian's PostgreSQL 15 (``/usr/lib/postgresql/15/bin``; ``apt-get install postgresql`` where missing).
``initdb`` refuses to run as root, so as root the cluster is created and run as the ``postgres``
user (``runuser -u postgres --``) in a temporary directory owned by it; as any other user the
commands run as that user. Trust authentication, TCP on 127.0.0.1 only, the socket in the data
directory's parent, no fsync (a throw-away database). ``running_postgresql()`` stops the cluster
(``pg_ctl stop -m fast``) and removes the directory on exit.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._proc import ServerError, free_port

DATABASE = "pygeoapi"


def bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/*/bin`` with initdb and pg_ctl (or the one holding ``initdb`` on PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise ServerError("PostgreSQL not found (no /usr/lib/postgresql/*/bin/initdb; `apt-get install postgresql`)")


def _as_owner(cmd: Sequence[str]) -> list[str]:
    if os.geteuid() != 0:
        return list(cmd)
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServerError("running as root but there is no 'postgres' user to run the cluster as") from None
    return ["runuser", "-u", "postgres", "--", *cmd]


def _run(cmd: Sequence[str], *, timeout: float, what: str) -> str:
    try:
        proc = subprocess.run(_as_owner(cmd), capture_output=True, text=True, timeout=timeout, cwd="/")
    except subprocess.TimeoutExpired:
        raise ServerError(f"PostgreSQL {what} did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise ServerError(f"PostgreSQL {what} failed (exit {proc.returncode}): {tail}")
    return proc.stdout


@dataclass
class PostgresCluster:
    host: str
    port: int
    user: str
    dbname: str
    root: Path

    def manager_connection(self) -> dict[str, object]:
        """pygeoapi's ``server.manager.connection`` mapping (trust authentication: any password)."""
        return {"host": self.host, "port": self.port, "dbname": self.dbname, "user": self.user, "password": "x"}


@contextmanager
def running_postgresql(*, ready_timeout: float = 60) -> Iterator[PostgresCluster]:
    """initdb, start on a free loopback port, create the database; stop and remove everything on exit."""
    pg = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="oaproc-postgresql-"))
    data, log = root / "data", root / "postgresql.log"
    if os.geteuid() == 0:
        _as_owner(["true"])  # a clear error when there is no postgres user
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    port = free_port()
    started = False
    try:
        _run([str(pg / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
             timeout=120, what="initdb")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        _run([str(pg / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", str(int(ready_timeout)),
              "start"], timeout=ready_timeout + 10, what="start")
        started = True
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                _run([str(pg / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                      "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {DATABASE}"], timeout=30, what="create database")
                break
            except ServerError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield PostgresCluster(host="127.0.0.1", port=port, user="postgres", dbname=DATABASE, root=root)
    finally:
        if started:
            try:
                _run([str(pg / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop"], timeout=40,
                     what="stop")
            except ServerError:
                pid_file = data / "postmaster.pid"
                if pid_file.is_file():  # last resort: the postmaster we started, by its recorded pid
                    pid = int(pid_file.read_text().split()[0])
                    os.kill(pid, 9)
        if os.environ.get("OAPROC_KEEP_SERVER_DIRS") != "1":
            shutil.rmtree(root, ignore_errors=True)
