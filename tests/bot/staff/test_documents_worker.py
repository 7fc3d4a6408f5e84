"""Ingest jobs on a real RQ queue in Redis, run by real `askcity worker` processes: one job end to end,
and a worker killed (SIGKILL, with its parser processes) in the middle of an ingest: the served version
stays as it was, and another worker runs the job again to the end."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.documents.models import JobState
from tests.bot.staff.documents_harness import GOOD_MARKDOWN, SIDECAR_FIELDS, documents_stack, wait_for_job
from tests.bot.staff.staff_harness import StaffStack
from tests.web_widget.harness import RecordsService

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def docs(
    sample_kb_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    dev_identity: RecordsService,
    redis_module: tuple[str, str],
    postgres_url_module: str,
) -> Iterator[StaffStack]:
    url, prefix = redis_module
    with documents_stack(
        sample_kb_dir,
        tmp_path_factory.mktemp("rq-documents"),
        dev_identity,
        redis_url=url,
        redis_prefix=prefix,
        bot_database_url=postgres_url_module,
        jobs_backend="rq",
        jobs_queue=f"{prefix}ingest",
        jobs_stale_seconds=3,
    ) as stack:
        yield stack


def _worker(stack: StaffStack, name: str) -> subprocess.Popen[bytes]:
    """`askcity worker` with the bot's settings, in a process group of its own (its parsers too)."""
    s = stack.settings
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASKCITY_ENV": "test",
        "ASKCITY_DATA_DIR": str(s.data_dir),
        "ASKCITY_BOT_DATABASE_URL": s.bot_database_url,
        "ASKCITY_REDIS_URL": s.redis_url,
        "ASKCITY_REDIS_PREFIX": s.redis_prefix,
        "ASKCITY_JOBS_BACKEND": "rq",
        "ASKCITY_PUBLISH_REQUIRES_APPROVAL": "0",
        "ASKCITY_JOBS_QUEUE": s.jobs_queue,
        "ASKCITY_JOBS_STALE_SECONDS": str(s.jobs_stale_seconds),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "askcity_cli.main", "worker", "--name", f"{s.redis_prefix}{name}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait(timeout=60)


def _upload(stack: StaffStack, name: str, content: bytes) -> str:
    response = stack.client().post(
        "/api/v1/staff/documents",
        files=[("files", (name, content))],
        data=SIDECAR_FIELDS,
        headers=stack.bearer("editor"),
    )
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def _long_document() -> bytes:
    """Enough distinct sentences that embedding them takes several seconds."""
    rng = random.Random(13)
    words = [
        "permit",
        "garden",
        "street",
        "waste",
        "library",
        "parking",
        "license",
        "fee",
        "tree",
        "noise",
        "water",
        "school",
    ]
    lines = ["# Municipal code digest", ""]
    for section in range(60):
        lines += [f"## Part {section}", ""]
        for n in range(25):
            picked = " ".join(rng.choice(words) for _ in range(8))
            lines.append(f"Rule {section}.{n}: the {picked} rule applies from day {rng.randint(1, 365)}.")
        lines.append("")
    return "\n".join(lines).encode()


def test_a_worker_process_runs_an_upload_to_the_end(docs: StaffStack) -> None:
    worker = _worker(docs, "one")
    try:
        job = wait_for_job(docs, _upload(docs, "beekeeping.md", GOOD_MARKDOWN), seconds=180)
    finally:
        _stop(worker)
    assert job["state"] == "done" and [f["outcome"] for f in job["files"]] == ["added"]
    assert docs.runtime.kb.versions.current() == job["published_version"]
    assert docs.runtime.kb.store.state("beekeeping") is not None


def test_a_worker_killed_mid_ingest_changes_nothing_served_and_the_job_runs_again(docs: StaffStack) -> None:
    store = docs.runtime.documents.store  # type: ignore[union-attr]
    served = docs.runtime.kb.versions.current()
    first = _worker(docs, "doomed")
    job_id = _upload(docs, "municipal-code.md", _long_document())
    try:
        deadline = time.monotonic() + 180
        while True:
            job = store.get(job_id)
            assert job is not None and job.state != JobState.DONE, "the job ended before it could be killed"
            if job.state == JobState.RUNNING and job.stage == "embed" and job.progress > 0.5:
                break
            assert time.monotonic() < deadline, f"the job never reached the embedding: {job}"
            time.sleep(0.05)
    finally:
        _stop(first, signal.SIGKILL)
    killed = store.get(job_id)
    assert killed is not None and killed.state == JobState.RUNNING and killed.attempts == 1
    assert docs.runtime.kb.versions.current() == served
    assert docs.runtime.kb.store.state("municipal-code") is None  # the batch never reached the save
    second = _worker(docs, "rescuer")
    try:
        job = wait_for_job(docs, job_id, seconds=300)
    finally:
        _stop(second)
    assert job["state"] == "done" and job["attempts"] == 2, job
    assert [f["outcome"] for f in job["files"]] == ["added"]
    assert docs.runtime.kb.versions.current() == job["published_version"] != served
