"""A city's documents site for tests that run real `askcity worker` processes: a copy of the sample
knowledge base, the bot database on PostgreSQL, an RQ queue in Redis of the test's own, the documents
desk the console's routes call, and workers started (and killed) as process groups (their parsers too)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from bot.documents.desk import DocumentsDesk
from bot.documents.factory import uploads_dir
from bot.documents.models import Job, UploadMetadata
from bot.documents.runners import RqRunner
from bot.settings import BotSettings
from bot.storage.database import BotDatabase
from bot.storage.jobs import JobStore
from knowledge_base.factory import open_knowledge_base
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import Manifest, Snapshot

ROOT = Path(__file__).resolve().parents[3]
METADATA = UploadMetadata(
    department="Parks Department", contact="311", source_url="https://www.millbrook.example/parks"
)


@dataclass
class Site:
    settings: BotSettings
    kb: KnowledgeBase
    store: JobStore
    desk: DocumentsDesk

    def env(self, threads: int = 1) -> dict[str, str]:
        s = self.settings
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("ASKCITY_")},
            "HF_HUB_OFFLINE": "1",
            "OMP_NUM_THREADS": str(threads),
            "ASKCITY_ENV": "test",
            "ASKCITY_DATA_DIR": str(s.data_dir),
            "ASKCITY_BOT_DATABASE_URL": s.bot_database_url,
            "ASKCITY_REDIS_URL": s.redis_url,
            "ASKCITY_REDIS_PREFIX": s.redis_prefix,
            "ASKCITY_JOBS_BACKEND": "rq",
            "ASKCITY_JOBS_QUEUE": s.jobs_queue,
            "ASKCITY_JOBS_STALE_SECONDS": str(s.jobs_stale_seconds),
            "ASKCITY_JOBS_MAX_ATTEMPTS": str(s.jobs_max_attempts),
            "ASKCITY_JOBS_EMBED_PART_TEXTS": str(s.jobs_embed_part_texts),
            "ASKCITY_PUBLISH_REQUIRES_APPROVAL": "0",
        }

    def worker(self, name: str, threads: int = 1) -> subprocess.Popen[bytes]:
        """`askcity worker` in a process group of its own (its parser processes join it)."""
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "askcity_cli.main",
                "worker",
                "--name",
                f"{self.settings.redis_prefix}{name}",
            ],
            cwd=ROOT,
            env=self.env(threads),
            start_new_session=True,
        )

    def upload(self, files: dict[str, bytes], metadata: UploadMetadata = METADATA) -> Job:
        """What `POST /api/v1/staff/documents` does: stage the files and queue one job."""
        import io

        from bot.documents.desk import Upload

        uploads = [Upload(name, io.BytesIO(content)) for name, content in files.items()]
        return self.desk.upload(uploads, metadata, False, "dev-editor", "Editor")

    def wait(self, job_id: str, seconds: float = 300) -> Job:
        deadline = time.monotonic() + seconds  # a guard against a hang, not a measurement
        while True:
            job = self.store.get(job_id)
            assert job is not None
            if job.finished:
                return job
            assert time.monotonic() < deadline, f"job still {job.state} after {seconds:.0f} s: {job}"
            time.sleep(0.1)

    def served_whole(self) -> Manifest:
        """The version CURRENT names, loaded as a bot loads it: every file of its manifest present and
        unaltered, the indexes consistent (raises CorruptVersionError otherwise)."""
        path = self.kb.versions.current_path()
        return Snapshot.load(path, self.kb.embedder.name).manifest


def stop(process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait(timeout=120)


def peak_rss_mb(process: subprocess.Popen[bytes]) -> float:
    """The worker process's own peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


class TreeMemory:
    """Samples the resident memory of a process and its children (the parsers) while it runs."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.root = psutil.Process(process.pid)
        self.peak_tree_mb = 0.0

    def sample(self) -> None:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
            total = 0
            for p in tree:
                with suppress(psutil.NoSuchProcess):
                    total += p.memory_info().rss
        except psutil.NoSuchProcess:
            return
        self.peak_tree_mb = max(self.peak_tree_mb, total / 1024 / 1024)


@contextmanager
def documents_site(
    sample_kb_dir: Path, work: Path, postgres_url: str, redis_url: str, prefix: str, **overrides: object
) -> Iterator[Site]:
    data_dir = work / "data"
    shutil.copytree(sample_kb_dir, data_dir)
    values: dict[str, object] = {
        "env": "test",
        "data_dir": data_dir,
        "bot_database_url": postgres_url,
        "redis_url": redis_url,
        "redis_prefix": prefix,
        "jobs_backend": "rq",
        "jobs_queue": f"{prefix}ingest",
        "jobs_stale_seconds": 2.0,
        "publish_requires_approval": False,
    }
    settings = BotSettings(**(values | overrides))  # type: ignore[arg-type]
    kb = open_knowledge_base(settings)
    database = BotDatabase(settings.bot_database())
    database.migrate()
    client = redis.Redis.from_url(settings.redis_url)
    store = JobStore(database.engine)
    desk = DocumentsDesk(kb, store, RqRunner(client, settings.jobs_queue), uploads_dir(settings))
    try:
        yield Site(settings, kb, store, desk)
    finally:
        client.close()
        database.close()
        kb.close()
