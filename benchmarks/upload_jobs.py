"""Console uploads as jobs (issue 13, ADR 13): from the upload request to "done", and to "served" by a
bot's retriever, with the in-process thread runner, on a fresh copy of the sample knowledge base.

`python -m benchmarks.upload_jobs [--repeat N]` prints JSON: per run the seconds from the upload call to
the job's done, from done to a retriever that checks every second serving the new version, and the job's
stages. The machine is shared: compare runs, not machines.

`--phases parts [--workers 1 2] [--files F --sections S]` (needs Redis: `--redis-url`, default
$ASKCITY_REDIS_URL): one big synthetic upload (F files of S sections: 5,000+ chunks by default) run by
1, then 2 `askcity worker` processes (each with OMP_NUM_THREADS=1: one core each, for a fair
comparison), each on a fresh data directory: chunks/s over the embed stage (the part that is spread
over the workers, bot/documents/parts.py) and over the whole job, with the parts each worker embedded.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from rq import Queue, Worker

from bot.documents.desk import DocumentsDesk, Upload
from bot.documents.factory import job_context, uploads_dir
from bot.documents.models import UploadMetadata
from bot.documents.runners import RqRunner, ThreadRunner
from bot.settings import BotSettings
from bot.storage.database import BotDatabase
from bot.storage.jobs import JobStore
from ingest.pipeline import Ingestor
from knowledge_base.factory import open_knowledge_base

SAMPLE = Path(__file__).resolve().parents[1] / "ingest" / "sample_kb" / "documents"


def _page(n: int) -> bytes:
    return (
        f"# Community garden plot {n}\n\n## How to apply\n\nApply for garden plot {n} at the Parks office "
        f"before March {n % 28 + 1}. Plots cost {10 + n} dollars a season.\n\n## Rules\n\nWater only before "
        "9 am. Compost bins are shared.\n"
    ).encode()


def run(repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = BotSettings(env="test", data_dir=Path(tmp))
        kb = open_knowledge_base(settings)
        Ingestor(kb).ingest([SAMPLE])
        database = BotDatabase(settings.bot_database())
        database.migrate()
        context = job_context(settings, kb, database, "bench")
        runner = ThreadRunner(context, settings.jobs_stale_seconds, settings.jobs_max_attempts)
        desk = DocumentsDesk(kb, context.store, runner, context.uploads)
        retriever = kb.retriever(reload_check_seconds=1.0)
        retriever.refresh()
        runner.start()
        metadata = UploadMetadata(
            department="Parks", contact="311", source_url="https://www.millbrook.example/gardens"
        )
        runs: list[dict[str, float | str]] = []
        to_done: list[float] = []
        to_served: list[float] = []
        try:
            for n in range(repeat):
                started = time.perf_counter()
                job = desk.upload([Upload(f"garden-{n}.md", io.BytesIO(_page(n)))], metadata, False, "b", "b")
                while not (current := desk.job(job.id)).finished:
                    time.sleep(0.02)
                done = time.perf_counter()
                while retriever.snapshot.name != current.published_version:
                    time.sleep(0.02)
                served = time.perf_counter()
                to_done.append(done - started)
                to_served.append(served - done)
                runs.append(
                    {
                        "to_done_s": round(done - started, 3),
                        "done_to_served_s": round(served - done, 3),
                        "state": current.state.value,
                    }
                )
        finally:
            runner.close()
            database.close()
            kb.close()
    return {
        "benchmark": "upload_jobs (thread runner, sample knowledge base)",
        "runs": runs,
        "median_to_done_s": round(statistics.median(to_done), 3),
        "median_done_to_served_s": round(statistics.median(to_served), 3),
    }


WORDS = [
    "permit",
    "garden",
    "street",
    "waste",
    "library",
    "parking",
    "licence",
    "fee",
    "tree",
    "noise",
    "water",
    "school",
    "bridge",
]
ROOT = Path(__file__).resolve().parents[1]


def _big_file(n: int, sections: int) -> bytes:
    """A code of `sections` short parts, each a chunk of its own (distinct sentences: nothing cached)."""
    rng = random.Random(n)
    lines = [f"# Municipal code volume {n}", ""]
    for section in range(sections):
        lines += [f"## Article {n}.{section}", ""]
        for rule in range(2):
            picked = " ".join(rng.choice(WORDS) for _ in range(8))
            lines.append(
                f"Rule {n}.{section}.{rule}: the {picked} rule applies from day {rng.randint(1, 365)}."
            )
        lines.append("")
    return "\n".join(lines).encode()


def _workers_env(settings: BotSettings) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASKCITY_")},
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "ASKCITY_ENV": "test",
        "ASKCITY_DATA_DIR": str(settings.data_dir),
        "ASKCITY_REDIS_URL": settings.redis_url,
        "ASKCITY_REDIS_PREFIX": settings.redis_prefix,
        "ASKCITY_JOBS_BACKEND": "rq",
        "ASKCITY_JOBS_QUEUE": settings.jobs_queue,
        "ASKCITY_JOBS_EMBED_PART_TEXTS": str(settings.jobs_embed_part_texts),
        "ASKCITY_PUBLISH_REQUIRES_APPROVAL": "0",
    }


def run_parts(workers: int, files: int, sections: int, redis_url: str, part_texts: int) -> dict[str, object]:
    """One big upload run by `workers` worker processes on a fresh data directory."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = f"bench-parts-{os.getpid()}-{workers}:"
        settings = BotSettings(
            env="test",
            data_dir=Path(tmp),
            redis_url=redis_url,
            redis_prefix=prefix,
            jobs_backend="rq",
            jobs_queue=f"{prefix}ingest",
            jobs_embed_part_texts=part_texts,
        )
        kb = open_knowledge_base(settings)
        database = BotDatabase(settings.bot_database())
        database.migrate()
        client = redis.Redis.from_url(redis_url)
        store = JobStore(database.engine)
        desk = DocumentsDesk(kb, store, RqRunner(client, settings.jobs_queue), uploads_dir(settings))
        queue = Queue(settings.jobs_queue, connection=client)
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "askcity_cli.main", "worker", "--name", f"{prefix}w{n}"],
                cwd=ROOT,
                env=_workers_env(settings),
                start_new_session=True,
            )
            for n in range(workers)
        ]
        try:
            while len(Worker.all(queue=queue)) < workers:  # registered: model loaded
                time.sleep(0.2)
            metadata = UploadMetadata(
                department="Clerk", contact="311", source_url="https://www.millbrook.example/code"
            )
            uploads = [Upload(f"code-{n}.md", io.BytesIO(_big_file(n, sections))) for n in range(files)]
            started = time.perf_counter()
            job = desk.upload(uploads, metadata, False, "bench", "bench")
            stages: dict[str, float] = {}
            while not (current := desk.job(job.id)).finished:
                stages.setdefault(current.stage, time.perf_counter() - started)
                time.sleep(0.05)
            total = time.perf_counter() - started
            done_by = {w.name.removeprefix(prefix): w.successful_job_count for w in Worker.all(queue=queue)}
            ids = queue.failed_job_registry.get_job_ids()
            failed = [str(j.exc_info)[-300:] for j in (queue.fetch_job(i) for i in ids) if j is not None]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=120)
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)
            for key in client.scan_iter(f"rq:*{prefix}*"):
                client.delete(key)
            client.close()
        chunks = sum(d.chunks for d in kb.store.summaries())
        database.close()
        kb.close()
    embed = stages.get("save", total) - stages.get("embed", 0.0)
    return {
        "workers": workers,
        "state": current.state.value,
        "files": files,
        "chunks": chunks,
        "embed_stage_s": round(embed, 1),
        "job_s": round(total, 1),
        "chunks_per_s_embed": round(chunks / embed, 1),
        "chunks_per_s_job": round(chunks / total, 1),
        "stages_started_at_s": {k: round(v, 1) for k, v in stages.items()},
        "rq_jobs_done_by_worker": done_by,
        "rq_jobs_failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phases", nargs="+", default=["thread"], choices=["thread", "parts"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--files", type=int, default=25)
    parser.add_argument("--sections", type=int, default=200)
    parser.add_argument("--part-texts", type=int, default=1000)
    parser.add_argument(
        "--redis-url", default=os.environ.get("ASKCITY_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    args = parser.parse_args()
    out: dict[str, object] = {}
    if "thread" in args.phases:
        out["thread"] = run(args.repeat)
    if "parts" in args.phases:
        load = os.getloadavg()
        out["parts"] = {
            "runs": [
                run_parts(n, args.files, args.sections, args.redis_url, args.part_texts) for n in args.workers
            ],
            "load_average_1_5_15": [round(x, 2) for x in load],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "cores": os.cpu_count(),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
