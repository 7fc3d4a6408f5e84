"""Console uploads as jobs (issue 13, ADR 13): from the upload request to "done", and to "served" by a
bot's retriever, with the in-process thread runner, on a fresh copy of the sample knowledge base.

`python -m benchmarks.upload_jobs [--repeat N]` prints JSON: per run the seconds from the upload call to
the job's done, from done to a retriever that checks every second serving the new version, and the job's
stages. The machine is shared: compare runs, not machines.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.documents.desk import DocumentsDesk, Upload
from bot.documents.factory import job_context
from bot.documents.models import UploadMetadata
from bot.documents.runners import ThreadRunner
from bot.settings import BotSettings
from bot.storage.database import BotDatabase
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    print(json.dumps(run(parser.parse_args().repeat), indent=2))


if __name__ == "__main__":
    main()
