"""Build the documents desk and the job context from settings (called by the composition root and by
`askcity worker`); domain classes get plain values."""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

import redis

from bot.documents.desk import DocumentsDesk
from bot.documents.ingest_job import JobContext
from bot.documents.runners import JobRunner, RqRunner, ThreadRunner
from bot.settings import BotSettings
from bot.storage.database import BotDatabase
from bot.storage.jobs import JobStore
from ingest.cli import make_ingestor
from knowledge_base.kb import KnowledgeBase


def uploads_dir(settings: BotSettings) -> Path:
    return settings.data_dir / "uploads"


def job_context(settings: BotSettings, kb: KnowledgeBase, database: BotDatabase, role: str) -> JobContext:
    return JobContext(
        kb=kb,
        store=JobStore(database.engine),
        make_ingestor=functools.partial(make_ingestor, settings=settings),
        uploads=uploads_dir(settings),
        worker=f"{role} {socket.gethostname()} pid {os.getpid()}",
        heartbeat_seconds=max(0.5, settings.jobs_stale_seconds / 6),
        review=settings.publish_requires_approval,
    )


def build_documents(
    settings: BotSettings, kb: KnowledgeBase, database: BotDatabase, client: redis.Redis[bytes] | None
) -> DocumentsDesk:
    """The desk with its runner: RQ over the bot's Redis, or (default) a thread of this process."""
    context = job_context(settings, kb, database, "bot")
    runner: JobRunner
    if settings.jobs_backend == "rq" and client is not None:
        runner = RqRunner(client, settings.jobs_queue)
    else:
        runner = ThreadRunner(context, settings.jobs_stale_seconds, settings.jobs_max_attempts)
    return DocumentsDesk(kb, context.store, runner, context.uploads)
