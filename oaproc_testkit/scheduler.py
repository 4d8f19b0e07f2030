"""Run the suite's checks concurrently, so that a run lasts as long as its slowest unavoidable wait.

The pytest plugin hands every collected check to ``CheckScheduler.start`` as soon as collection is done;
up to ``--concurrency`` of them run at once in worker threads (checks are independent by design and share
jobs through ``Session.shared``). Each suite test then only collects its check's result
(``CheckScheduler.result``), in pytest's order, so output, reports and exit codes are what a sequential
run gives. Checks that wait on jobs are started first. While the main thread waits for a result it keeps
the live "waiting on ..." line up to date (``Session.on_wait``) and honours ``--run-timeout``: past it,
a check that has not finished is reported as stopped, one that never started as not run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from .results import CheckResult, Outcome

if TYPE_CHECKING:
    from .runner import CheckContext, Session

Check = Callable[["CheckContext"], None]
TICK_S = 0.25  # how often the main thread looks up from a wait (live line, run deadline)
STOP_GRACE_S = 2.0  # after --run-timeout, how long a running check gets to notice and stop by itself

# Checks whose procedure waits on jobs: started first so that their waits overlap everything else.
_WAITERS = ("/conf/callback/", "/conf/dismiss/", "/conf/job-list/", "results-not-ready", "job-results-failed",
            "/conf/core/job", "/conf/core/job-creation")


def priority(test_id: str) -> int:
    """0 for checks that wait on jobs (the longest first), 1 for the rest."""
    for rank, marker in enumerate(_WAITERS):
        if marker in test_id:
            return 0 if rank < 5 else 1
    return 2


class CheckScheduler:
    """Runs checks in a bounded pool; ``result(fn)`` waits for one (see module docstring)."""

    def __init__(self, session: Session, *, workers: int) -> None:
        self.session = session
        self.workers = max(1, workers)
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future[CheckResult]] = {}
        self._started: set[str] = set()
        self._lock = threading.Lock()

    def start(self, checks: Sequence[Check]) -> None:
        from .runner import run_check

        if self.workers <= 1 or not checks:
            return
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="oaproc-check")
        unique = list({fn.test_id: fn for fn in checks}.values())  # type: ignore[attr-defined]
        for fn in sorted(unique, key=lambda f: priority(f.test_id)):  # type: ignore[attr-defined]
            test_id = fn.test_id  # type: ignore[attr-defined]

            def job(fn: Check = fn, test_id: str = test_id) -> CheckResult:
                with self._lock:
                    self._started.add(test_id)
                return run_check(fn, self.session, record=False)

            self._futures[test_id] = self._pool.submit(job)

    def has(self, fn: Check) -> bool:
        return getattr(fn, "test_id", None) in self._futures

    def result(self, fn: Check) -> CheckResult:
        """The check's result (recorded in the session), waiting for it while keeping the live line going."""
        from . import requirements as R

        session = self.session
        future = self._futures[fn.test_id]  # type: ignore[attr-defined]
        while True:
            try:
                result = future.result(timeout=TICK_S)
                break
            except FutureTimeout:
                pass
            if session.on_wait is not None:
                session.on_wait()
            if session.deadline is not None and session.clock() >= session.deadline + STOP_GRACE_S:
                with self._lock:
                    started = fn.test_id in self._started  # type: ignore[attr-defined]
                future.cancel()
                limit = f"--run-timeout {session.settings.run_timeout:g} s"
                result = CheckResult(
                    test=R.get(fn.test_id),  # type: ignore[attr-defined]
                    outcome=Outcome.ERROR if started else Outcome.SKIPPED,
                    reason=(f"stopped before it could finish: the run reached {limit}" if started
                            else f"not run: the run reached {limit}"))
                break
        session.results.append(result)
        return result

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
