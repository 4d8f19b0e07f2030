"""The campaign's job database: SQLite (standard library), one row per tile and one per attempt.

Every change is committed at once (WAL journal), so a campaign killed at any moment, SIGKILL
included, leaves on disk every job it had submitted: the next run on the same file re-attaches to
jobs through their stored URL and never submits a successful tile again.

Tile statuses: not_started, queued (the server accepted the job, it has not started), running,
successful, failed (the job failed), start_failed (the submission was refused or got no answer),
lost (the server stopped knowing an accepted job), stuck (not finished within --job-timeout).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .tiles import Tile

STATUSES = ("not_started", "queued", "running", "successful", "failed", "start_failed", "lost", "stuck")
IN_FLIGHT = ("queued", "running")
FINAL = ("successful", "failed", "start_failed", "lost", "stuck")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tiles (
  tile_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, bbox TEXT, geometry TEXT, fields TEXT,
  status TEXT NOT NULL DEFAULT 'not_started', server TEXT, job_url TEXT, job_id TEXT,
  submitted_at REAL, started_at REAL, finished_at REAL, attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT, exception TEXT, log_link TEXT, results_note TEXT, updated_at REAL);
CREATE TABLE IF NOT EXISTS attempts (
  tile_id TEXT NOT NULL, attempt INTEGER NOT NULL, server TEXT NOT NULL, job_url TEXT,
  status TEXT NOT NULL, submitted_at REAL, accepted INTEGER NOT NULL DEFAULT 0, seen_running REAL, seen_end REAL,
  server_started REAL, server_finished REAL, polls INTEGER NOT NULL DEFAULT 0, error TEXT, cause TEXT, exception TEXT, log_link TEXT,
  PRIMARY KEY (tile_id, attempt));
"""


@dataclass
class TileRow:
    """The database row of one tile (JSON columns decoded)."""

    tile_id: str
    seq: int
    bbox: list[float] | None = None
    geometry: dict[str, Any] | None = None
    fields: dict[str, Any] | None = None
    status: str = "not_started"
    server: str | None = None
    job_url: str | None = None
    job_id: str | None = None
    submitted_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    last_error: str | None = None
    exception: dict[str, Any] | None = None
    log_link: str | None = None
    results_note: str | None = None
    updated_at: float | None = None

    def tile(self) -> Tile:
        b = tuple(self.bbox) if self.bbox else None
        return Tile(id=self.tile_id, bbox=b, geometry=self.geometry, fields=dict(self.fields or {}))  # type: ignore[arg-type]


@dataclass
class Attempt:
    """One submission of a tile and what became of its job."""

    tile_id: str
    attempt: int
    server: str
    status: str = "not_started"
    job_url: str | None = None
    submitted_at: float | None = None
    accepted: bool = False
    seen_running: float | None = None
    seen_end: float | None = None
    server_started: float | None = None
    server_finished: float | None = None
    polls: int = 0
    error: str | None = None
    cause: str | None = None
    exception: dict[str, Any] | None = None
    log_link: str | None = None


_JSON_COLS = ("bbox", "geometry", "fields", "exception")
_TILE_COLS = tuple(f.name for f in fields(TileRow))
_ATT_COLS = tuple(f.name for f in fields(Attempt))


class JobDB:
    """The database file; safe to use from several threads (one connection behind a lock)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process (not a power cut)
        self._con.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    # -- meta ---------------------------------------------------------------------------------------
    def meta(self, key: str) -> Any:
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        with self._lock:
            self._con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # -- tiles --------------------------------------------------------------------------------------
    def add_tiles(self, tiles: list[Tile]) -> int:
        """Insert the tiles not yet in the database (a resumed campaign keeps its rows); how many were new."""
        now = time.time()
        rows = [(t.id, i, json.dumps(list(t.bbox)) if t.bbox else None, json.dumps(t.geometry) if t.geometry else None,
                 json.dumps(t.fields), now) for i, t in enumerate(tiles)]
        with self._lock:
            before = self._con.total_changes
            self._con.execute("BEGIN")
            self._con.executemany("INSERT OR IGNORE INTO tiles (tile_id, seq, bbox, geometry, fields, updated_at) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", rows)
            self._con.execute("COMMIT")
            return self._con.total_changes - before

    def tiles(self) -> list[TileRow]:
        with self._lock:
            cur = self._con.execute(f"SELECT {', '.join(_TILE_COLS)} FROM tiles ORDER BY seq")
            rows = cur.fetchall()
        out = []
        for r in rows:
            d = dict(zip(_TILE_COLS, r))
            for k in _JSON_COLS:
                d[k] = json.loads(d[k]) if d[k] else None
            out.append(TileRow(**d))
        return out

    def attempts(self) -> list[Attempt]:
        with self._lock:
            rows = self._con.execute(f"SELECT {', '.join(_ATT_COLS)} FROM attempts ORDER BY tile_id, attempt").fetchall()
        out = []
        for r in rows:
            d = dict(zip(_ATT_COLS, r))
            d["accepted"] = bool(d["accepted"])
            d["exception"] = json.loads(d["exception"]) if d["exception"] else None
            out.append(Attempt(**d))
        return out

    def save(self, row: TileRow, attempt: Attempt | None = None) -> None:
        """Write the tile's row (and its current attempt) in one committed transaction."""
        row.updated_at = time.time()
        d = asdict(row)
        for k in _JSON_COLS:
            d[k] = json.dumps(d[k]) if d[k] is not None else None
        cols = [c for c in _TILE_COLS if c not in ("tile_id", "seq", "bbox", "geometry", "fields")]
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute(f"UPDATE tiles SET {', '.join(c + '=?' for c in cols)} WHERE tile_id=?",
                              [d[c] for c in cols] + [row.tile_id])
            if attempt is not None:
                a = asdict(attempt)
                a["accepted"] = int(a["accepted"])
                a["exception"] = json.dumps(a["exception"]) if a["exception"] is not None else None
                self._con.execute(f"INSERT OR REPLACE INTO attempts ({', '.join(_ATT_COLS)}) VALUES "
                                  f"({', '.join('?' for _ in _ATT_COLS)})", [a[c] for c in _ATT_COLS])
            self._con.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._con.execute("SELECT status, count(*) FROM tiles GROUP BY status").fetchall()
        return {s: 0 for s in STATUSES} | dict(rows)
