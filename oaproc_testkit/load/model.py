"""What the burst scenario records about each job, and the append-only ``jobs.jsonl`` it keeps.

One ``JobRecord`` per planned job. Times are POSIX seconds (wall clock) on the load generator
(``*_at``) or parsed from the server's statusInfo (``server_*``): both are wall clocks, comparable
on loopback. A record is written twice to ``jobs.jsonl``: when the job is submitted (``phase``
"submitted") and when it is settled ("final"); a run killed half-way still leaves every submitted
job on disk, and ``load_records`` keeps the latest line per job.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

TERMINAL = ("successful", "failed", "dismissed")
#: how the burst can end a job besides its terminal status (see follow.py)
ENDS = ("lost", "stuck", "unreadable", "invalid-status")


def parse_time(value: Any) -> float | None:
    """An RFC 3339 timestamp of a statusInfo as POSIX seconds; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:  # a naive time in a statusInfo: read as UTC, the usual server habit
        from datetime import timezone

        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


@dataclass
class JobRecord:
    """Everything observed about one job of the burst."""

    index: int
    phase: str = "planned"  # planned -> submitted -> final
    worker: str = "local"
    submit_at: float | None = None
    submit_latency: float | None = None
    submit_status: str = ""  # "201", "200", "4xx:400", "5xx:500", "timeout", "error", "refused", "no job URL"
    accepted: bool = False  # a job was created (201 with a job URL, or a sync 200)
    job_id: str | None = None
    job_url: str | None = None
    observations: list[tuple[float, str]] = field(default_factory=list)  # (local time, status) on change
    polls: int = 0
    server_created: float | None = None
    server_started: float | None = None
    server_finished: float | None = None
    server_updated: float | None = None
    final_status: str | None = None  # successful/failed/dismissed, one of ENDS, or None (no job)
    final_at: float | None = None  # local time the final status was first seen
    results_status: int | None = None
    note: str = ""
    exception: str = ""  # a failed job's exception report, one line
    last_seen: list[float] = field(default_factory=list)  # the last sighting of each stretch in observations

    def observe(self, at: float, status: str) -> None:
        if not self.observations or self.observations[-1][1] != status:
            self.observations.append((at, status))
            self.last_seen.append(at)
        elif self.last_seen and len(self.last_seen) == len(self.observations):
            self.last_seen[-1] = at

    def stretches(self) -> list[tuple[float, float, str]]:
        """(first seen, last seen, status) of each run of equal statuses the polling saw."""
        lasts = self.last_seen if len(self.last_seen) == len(self.observations) else [t for t, _ in self.observations]
        return [(t, max(t, last), s) for (t, s), last in zip(self.observations, lasts)]

    def take_times(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        for attr, key in (("server_created", "created"), ("server_started", "started"),
                          ("server_finished", "finished"), ("server_updated", "updated")):
            value = parse_time(doc.get(key))
            if value is not None:
                setattr(self, attr, value)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["observations"] = [list(o) for o in self.observations]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobRecord:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        rec = cls(**known)
        rec.observations = [(float(t), str(s)) for t, s in d.get("observations", [])]
        rec.last_seen = [float(t) for t in d.get("last_seen", [])]
        return rec


class JsonlLog:
    """Append-only JSON lines, flushed per line, safe to call from several greenlets/threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = open(path, "w", encoding="utf-8")  # a new run starts a new file
        self._lock = threading.Lock()

    def write(self, record: JobRecord) -> None:
        line = json.dumps(record.to_dict(), separators=(",", ":"))
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


def load_records(path: Path) -> list[JobRecord]:
    """The latest record of each job in a ``jobs.jsonl`` (a truncated last line is ignored)."""
    latest: dict[int, JobRecord] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        rec = JobRecord.from_dict(d)
        latest[rec.index] = rec
    return [latest[i] for i in sorted(latest)]
