"""What a run keeps while it goes: the statusInfo documents it received, the waits under way, its deadline.

- ``StatusLog``: every distinct statusInfo a poll, a 201 answer or a refresh received, with the URL it came
  from (bounded), so that /conf/core/job-success validates the job documents of every stage, not only the
  last one of a finished job.
- ``WaitBoard``: the jobs the run is waiting on at this moment (label and since when), for the live
  "waiting on ..." line of the terminal.
- ``RunTimedOut``: raised in a check (from ``Session.sleep`` or a request) once ``--run-timeout`` has passed.

All three are shared by the threads that run checks concurrently (``scheduler.CheckScheduler``).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

MAX_STATUS_DOCS = 400  # distinct statusInfo documents kept per run


class RunTimedOut(Exception):
    """The whole-run bound (``--run-timeout``) has passed: the check stops and is reported as not run."""


class StatusLog:
    """Distinct statusInfo documents received during the run: (URL, document), in arrival order."""

    def __init__(self, limit: int = MAX_STATUS_DOCS) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._docs: list[tuple[str, Any]] = []
        self.limit = limit
        self.dropped = 0

    def add(self, url: str, doc: Any) -> None:
        if not isinstance(doc, Mapping):
            return
        key = _shape_key(doc)
        with self._lock:
            if key in self._seen:
                return
            if len(self._docs) >= self.limit:
                self.dropped += 1
                return
            self._seen.add(key)
            self._docs.append((url, dict(doc)))

    def documents(self) -> list[tuple[str, Any]]:
        with self._lock:
            return list(self._docs)


def _shape_key(doc: Mapping[str, Any]) -> str:
    """Documents that differ only in ``updated``, ``message`` or an in-range integer ``progress`` validate alike."""
    progress = doc.get("progress")
    plain = isinstance(progress, int) and not isinstance(progress, bool) and 0 <= progress <= 100
    rest = {k: v if k not in ("updated", "message") else type(v).__name__
            for k, v in doc.items() if k != "progress"}
    return json.dumps([rest, "ok" if plain or "progress" not in doc else repr(progress)], sort_keys=True,
                      default=str)


class WaitBoard:
    """The waits under way: ``with board.waiting("sleep", clock): ...`` while polling a job."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._active: dict[int, tuple[str, float]] = {}

    @contextmanager
    def waiting(self, label: str, clock: Callable[[], float]) -> Iterator[None]:
        token = next(self._ids)
        with self._lock:
            self._active[token] = (label, clock())
        try:
            yield
        finally:
            with self._lock:
                self._active.pop(token, None)

    def active(self) -> list[tuple[str, float]]:
        with self._lock:
            return sorted(self._active.values(), key=lambda item: item[1])

    def describe(self, now: float, *, min_age: float = 0.0, limit: int = 4) -> str:
        """``waiting on 3 jobs: sleep (12 s), echo (6 s), ...`` or "" when no wait is older than ``min_age``."""
        waits = [(label, now - since) for label, since in self.active() if now - since >= min_age]
        if not waits:
            return ""
        shown = ", ".join(f"{label} ({age:.0f} s)" for label, age in waits[:limit])
        more = ", ..." if len(waits) > limit else ""
        return f"waiting on {len(waits)} job{'s' if len(waits) != 1 else ''}: {shown}{more}"


class StaggerGate:
    """Execute requests start one at a time: a new one waits until the previous one has been answered or has
    been in flight long enough (a long synchronous execution then no longer blocks the others).

    Why: some servers keep per-request state on a shared object while they set a job up (pygeoapi 0.24's
    manager stores the current processor in ``self.processor``), so two execute requests arriving together
    can swap jobs; a request that has been with the server a while is past that point. "A while" is three
    times the slowest quick answer (under ``gap``) an execute request got so far, at least ``MIN_GAP_S``,
    at most ``gap`` (and ``gap`` until a first answer shows how fast the server sets a job up)."""

    MIN_GAP_S = 0.25

    def __init__(self, gap: float, clock: Callable[[], float]) -> None:
        self.gap = gap
        self.clock = clock
        self._cond = threading.Condition()
        self._holder: object | None = None
        self._since = 0.0
        self._fast: float | None = None  # slowest execute answer that came within ``gap``

    @property
    def current_gap(self) -> float:
        if self._fast is None:
            return self.gap
        return min(self.gap, max(self.MIN_GAP_S, 3 * self._fast))

    @contextmanager
    def passage(self) -> Iterator[None]:
        token = object()
        with self._cond:
            while self._holder is not None:
                left = self.current_gap - (self.clock() - self._since)
                if left <= 0:
                    break
                self._cond.wait(timeout=min(left, 0.25))
            self._holder, self._since = token, self.clock()
        start = self._since
        try:
            yield
        finally:
            took = self.clock() - start
            with self._cond:
                if took < self.gap:
                    self._fast = took if self._fast is None else max(self._fast, took)
                if self._holder is token:
                    self._holder = None
                self._cond.notify_all()
