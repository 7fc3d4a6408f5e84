"""Where ingest jobs run (ADR 13).

- `ThreadRunner`: one thread of the bot process, the embedded default (`ASKCITY_JOBS_BACKEND=thread`):
  `make run` needs no Redis and no second process; it reuses the bot's loaded model.
- `RqRunner`: jobs go on an RQ queue in Redis (`ASKCITY_JOBS_BACKEND=rq`) and `askcity worker`
  processes (on any machine that shares the data directory and the databases) run them.

Either way the job's row in SQL is its truth. `reap` finds running jobs whose worker stopped beating
(killed, machine lost) and queues them again once (`max_attempts`) or fails them with the reason.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

import redis
from rq import Queue

from bot.documents.ingest_job import JobContext, run_job
from bot.documents.models import JobState
from bot.storage.jobs import JobStore

log = logging.getLogger(__name__)

PERFORM = "bot.documents.worker.perform"  # the function RQ workers import and call with a job id
JOB_TIMEOUT_SECONDS = 3600


class JobRunner(Protocol):
    def submit(self, job_id: str) -> None: ...

    def start(self) -> None: ...

    def close(self) -> None: ...


def reap(store: JobStore, stale_seconds: float, max_attempts: int, resubmit: Callable[[str], None]) -> int:
    """Run again (or fail) the jobs of workers that stopped; returns how many were found."""
    found = store.stale(stale_seconds)
    for job in found:
        if job.attempts < max_attempts:
            if store.requeue(
                job.id, job.attempts, f"its worker stopped during attempt {job.attempts}; running it again"
            ):
                log.warning("ingest job %s: worker stopped in attempt %s; queued again", job.id, job.attempts)
                resubmit(job.id)
        else:
            store.finish(
                job.id,
                job.attempts,
                JobState.FAILED,
                f"its worker stopped (killed or lost) during each of {job.attempts} attempts; "
                "nothing it had not published changed",
            )
    return len(found)


class ThreadRunner:
    """Jobs run one at a time in a daemon thread of this process; it also reaps stale jobs."""

    def __init__(self, context: JobContext, stale_seconds: float, max_attempts: int) -> None:
        self.context = context
        self.stale_seconds = stale_seconds
        self.max_attempts = max_attempts
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="askcity-ingest-jobs", daemon=True)

    def submit(self, job_id: str) -> None:
        self._queue.put(job_id)

    def start(self) -> None:
        """Start the thread (once; an app started again over the same runtime is a no-op here)."""
        if self._thread.is_alive():
            return
        for job_id in self.context.store.queued():  # left queued by a process that stopped
            self._queue.put(job_id)
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            try:
                job_id = self._queue.get(timeout=max(1.0, self.stale_seconds / 3))
            except queue.Empty:
                job_id = ""
            if job_id is None:
                return
            try:
                if job_id:
                    run_job(self.context, job_id)
                else:
                    reap(self.context.store, self.stale_seconds, self.max_attempts, self.submit)
            except Exception:  # the database is away: the job stays queued or is reaped later
                log.exception("ingest job runner")


class RqRunner:
    """Puts jobs on the RQ queue; `askcity worker` processes run them."""

    def __init__(self, client: redis.Redis[bytes], queue_name: str) -> None:
        self.queue = Queue(queue_name, connection=client)

    def submit(self, job_id: str) -> None:
        self.queue.enqueue(
            PERFORM, job_id, job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=3600, failure_ttl=86400
        )

    def start(self) -> None:
        return None

    def close(self) -> None:
        return None
