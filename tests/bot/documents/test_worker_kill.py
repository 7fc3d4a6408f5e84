"""An `askcity worker` (RQ, real Redis, PostgreSQL) SIGKILLed, with its parser processes, at seeded random
moments of an upload job, spread over its parse, embed, save and publish stages (issue 14).

After every kill: CURRENT names a whole version (every file of its manifest present and unaltered, its
indexes consistent), a resident's retriever that searched all along never failed, and the job is not
left "running": the next worker reaps it and runs it again to done, or (killed in every attempt) fails
it with the reason, and the same upload then goes through. The default suite kills in the save and the
publish stage; `-m slow` at 20 seeded points over all four (every fifth kills the retry too).
Each upload's embedding is split into parts that both workers take (`bot/documents/parts.py`), so a kill
may land while the other worker holds a part. `tests/ingest/test_kill.py` covers the pipeline alone at
named stages.
"""

from __future__ import annotations

import random
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen

import pytest
import sqlalchemy as sa

from bot.documents.models import JobState
from bot.storage.tables import IngestJobRow
from knowledge_base.snapshot import served_documents
from tests.bot.documents.worker_harness import Site, documents_site, stop

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
SEED = 14
STAGES = ("parse", "embed", "save", "publish")
# how long after its stage begins a kill may land (drawn uniformly): parse and embed take seconds here,
# save and publish a fraction of one; a kill drawn late lands in a later stage, as it would in life
WINDOW = {"parse": 1.0, "embed": 3.0, "save": 0.05, "publish": 0.5}
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


@dataclass(frozen=True)
class Point:
    stage: str
    delay: float
    twice: bool  # kill the retry as well: the job must end failed with its reason


def kill_points(count: int, seed: int = SEED) -> list[Point]:
    rng = random.Random(seed)
    points = []
    for n in range(count):
        stage = STAGES[n % len(STAGES)]
        points.append(Point(stage, rng.uniform(0, WINDOW[stage]), twice=n % 5 == 4))
    return points


def upload_files(n: int) -> dict[str, bytes]:
    """Four documents of a few hundred distinct sentences (a few seconds of parsing and embedding)."""
    rng = random.Random(n)
    files = {}
    for f in range(4):
        lines = [f"# Municipal code {n}-{f}", ""]
        for section in range(8):
            lines += [f"## Part {section}", ""]
            for r in range(12):
                picked = " ".join(rng.choice(WORDS) for _ in range(7))
                lines.append(
                    f"Rule {n}.{f}.{section}.{r}: the {picked} rule applies from day {rng.randint(1, 365)}."
                )
            lines.append("")
        files[f"code-{n}-{f}.md"] = "\n".join(lines).encode()
    return files


@dataclass
class Residents:
    """A resident's retriever in this process, searching all along and reloading new versions."""

    site: Site
    failures: list[str] = field(default_factory=list)
    searches: int = 0
    versions: set[str] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        retriever = self.site.kb.retriever(reload_check_seconds=0.2)
        while not self.stop.wait(0.25):
            try:
                found = retriever.retrieve("How much does a dog licence cost?")
                assert found, "no chunk found"
                self.searches += 1
                self.versions.add(retriever.snapshot.name)
            except Exception as exc:  # counted: the test fails on any
                self.failures.append(repr(exc))


@pytest.fixture
def site(
    sample_kb_dir: Path, tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Site]:
    with documents_site(
        sample_kb_dir,
        tmp_path,
        postgres_url,
        redis_url,
        redis_prefix,
        jobs_max_attempts=2,
        # 2 s (the harness's) was once exceeded by a live worker's heartbeat at load 20: the job was
        # failed while it still ran
        jobs_stale_seconds=5.0,
        jobs_embed_part_texts=150,  # each upload's embedding in parts both workers take (parts.py)
    ) as s:
        yield s


def _holder(site: Site, job_id: str) -> int:
    """The pid of the worker that claimed the job's latest attempt (`job_context` names it)."""
    with site.store._sessions.begin() as s:
        name = s.scalar(sa.select(IngestJobRow.worker).where(IngestJobRow.id == job_id)) or ""
    found = re.search(r"pid (\d+)$", name)
    assert found, name
    return int(found.group(1))


def _kill_at(site: Site, job_id: str, workers: dict[int, Popen[bytes]], point: Point, attempt: int) -> str:
    """SIGKILL the job's worker `point.delay` s after its attempt reached `point.stage`; returns the stage
    (or "done") the job row showed at the kill."""
    deadline = time.monotonic() + 600  # a guard against a hang
    index = STAGES.index(point.stage)
    while True:
        job = site.store.get(job_id)
        assert job is not None
        if job.finished or (
            job.attempts == attempt
            and job.state == JobState.RUNNING
            and job.stage in STAGES
            and STAGES.index(job.stage) >= index
        ):
            break
        assert all(w.poll() is None for w in workers.values()), "a worker died on its own"
        assert time.monotonic() < deadline, f"the job never reached {point.stage}: {job}"
        time.sleep(0.005)
    time.sleep(point.delay)
    pid = _holder(site, job_id)
    stop(workers.pop(pid), signal.SIGKILL)
    job = site.store.get(job_id)
    assert job is not None
    return "done" if job.finished else job.stage


def _run_points(site: Site, points: list[Point]) -> list[str]:
    """Two workers take the jobs; the one holding the job is killed at each point and replaced (the
    other reaps the job and runs it again while the new one loads its model)."""
    residents = Residents(site)
    searching = threading.Thread(target=residents.run, daemon=True)
    searching.start()
    landed: list[str] = []
    workers = {w.pid: w for w in (site.worker("a"), site.worker("b"))}
    try:
        for n, point in enumerate(points):
            files = upload_files(n)
            before = site.kb.versions.current()
            job = site.upload(files)
            for attempt in range(1, 3 if point.twice else 2):
                landed.append(_kill_at(site, job.id, workers, point, attempt))
                site.served_whole()  # raises unless CURRENT names a whole version
                replacement = site.worker(f"w{n}-{attempt}")
                workers[replacement.pid] = replacement
                if landed[-1] == "done":
                    break
            finished = site.wait(job.id, seconds=600)
            if point.twice and landed[-1] != "done":
                assert finished.state == JobState.FAILED and finished.attempts == 2, finished
                assert "worker stopped (killed or lost) during each of 2 attempts" in finished.reason
                assert {f.reason for f in finished.files} == {finished.reason}
                job = site.upload(files)  # the editor uploads again: the next run succeeds
                finished = site.wait(job.id, seconds=600)
            assert finished.state == JobState.DONE, finished
            assert {f.outcome.value for f in finished.files} <= {"added", "unchanged"}, finished.files
            served = served_documents(site.kb.versions.current_path())
            assert {Path(name).stem for name in files} <= set(served), "the job's documents are served"
            manifest = site.served_whole()
            assert manifest.name != before
    finally:
        for worker in workers.values():
            stop(worker)
        residents.stop.set()
        searching.join(timeout=10)
    assert residents.failures == [], residents.failures[:3]
    assert residents.searches > 0 and len(residents.versions) > 1
    return landed


# two worker processes start for it (model, index): `make soak`; `make test` has the ingest killed at
# each stage (tests/ingest/test_kill.py) and a real worker killed mid-job (test_documents_worker.py)
@pytest.mark.slow
def test_a_worker_killed_while_saving_or_publishing_leaves_a_whole_version_and_the_job_runs_again(
    site: Site,
) -> None:
    """The short form: the two stages that write (a real worker killed while embedding:
    tests/bot/staff/test_documents_worker.py)."""
    landed = _run_points(site, [Point("save", 0.0, False), Point("publish", 0.0, False)])
    print("kills landed in", landed)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_a_worker_killed_at_20_random_points_never_serves_half_a_version(site: Site) -> None:
    landed = _run_points(site, kill_points(20))
    print("kills landed in", landed)
    # the save stage lasts tens of milliseconds here: kills aimed at it land in publish (the named-stage
    # kill of tests/ingest/test_kill.py stops the pipeline inside it); the others are each hit
    assert {"parse", "embed", "publish"} <= set(landed), landed
