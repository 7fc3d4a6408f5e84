"""`askcity worker`: an RQ worker process that runs ingest jobs (ADR 13).

Start as many as you like, on any machine that shares the data directory (uploads, published versions),
the databases and Redis. Each loads the embedding model once and runs jobs one after the other in its own
process (RQ's `SimpleWorker`: no fork per job, so the model stays loaded). A thread reaps the jobs of
workers that stopped (`bot.documents.runners.reap`).
"""

from __future__ import annotations

import logging
import threading

import redis
from rq.worker import SimpleWorker

from bot.documents.factory import job_context
from bot.documents.ingest_job import JobContext, run_job
from bot.documents.parts import EmbedParts
from bot.documents.runners import RqRunner, reap
from bot.settings import BotSettings
from bot.storage.database import BotDatabase
from knowledge_base.factory import open_knowledge_base

log = logging.getLogger(__name__)

_context: JobContext | None = None  # this worker process's, set by `run_worker` before it takes jobs


def perform(job_id: str) -> None:
    """What RQ calls for each job (`runners.PERFORM`)."""
    if _context is None:
        raise RuntimeError("perform() runs inside `askcity worker` only")
    run_job(_context, job_id)


def help_embed(job_id: str, attempt: int) -> None:
    """What RQ calls for a helper job: embed parts of a big upload (`parts.HELP`)."""
    if _context is None or _context.parts is None:
        raise RuntimeError("help_embed() runs inside `askcity worker` only")
    _context.parts.help(_context.kb, job_id, attempt)


def run_worker(settings: BotSettings, burst: bool = False, name: str | None = None) -> None:
    """Take jobs until stopped (Ctrl-C / SIGTERM finish the current job first) or, `burst`, until the
    queue is empty."""
    global _context
    kb = open_knowledge_base(settings)
    database = BotDatabase(settings.bot_database())
    database.migrate()
    client = redis.Redis.from_url(settings.redis_url)
    context = _context = job_context(settings, kb, database, "worker")
    runner = RqRunner(client, settings.jobs_queue)
    context.parts = EmbedParts(
        client,
        runner.queue,
        context.uploads,
        settings.redis_prefix,
        settings.jobs_embed_part_texts,
        settings.jobs_stale_seconds,
        context.worker,
    )
    stop = threading.Event()

    def reaper() -> None:
        while not stop.wait(max(1.0, settings.jobs_stale_seconds / 3)):
            try:
                reap(context.store, settings.jobs_stale_seconds, settings.jobs_max_attempts, runner.submit)
            except Exception:
                log.warning("reaping stale jobs failed", exc_info=True)

    if not burst:
        threading.Thread(target=reaper, name="askcity-job-reaper", daemon=True).start()
    try:
        kb.embedder.embed(["warm up"])
        worker = SimpleWorker([runner.queue], connection=client, name=name)
        worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()
        _context = None
        client.close()
        database.close()
        kb.close()
