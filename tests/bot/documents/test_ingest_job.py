"""`ingest_upload`, the one call of the ingest pipeline for console uploads: a retry of a job killed
between the save and the publish still publishes; a held document publishes nothing; a worker thought
dead, whose job another worker claimed again, publishes nothing when it wakes up."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.documents.ingest_job import JobContext, ingest_upload, run_job, staged_file, write_sidecar
from bot.documents.models import FileOutcome, JobFile, JobKind, JobState, UploadMetadata
from bot.documents.runners import reap
from bot.storage.database import BotDatabase
from bot.storage.jobs import JobStore
from ingest.pipeline import Ingestor
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import served_documents
from tests.conftest import CountingEmbedder

METADATA = UploadMetadata(department="Parks", contact="311", source_url="https://www.millbrook.example/x")


@pytest.fixture
def kb(sample_kb_dir: Path, tmp_path: Path) -> Iterator[KnowledgeBase]:
    data = tmp_path / "data"
    shutil.copytree(sample_kb_dir, data)
    base = KnowledgeBase(data / "kb", f"sqlite:///{data / 'kb.sqlite3'}", CountingEmbedder())
    yield base
    base.close()


def _file(folder: Path, name: str, text: str, metadata: UploadMetadata = METADATA) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    write_sidecar(path, path.stem, metadata)
    return path


def _served(kb: KnowledgeBase) -> dict[str, int]:
    current = kb.versions.current()
    assert current is not None
    return served_documents(kb.versions.versions_dir / current)


def test_a_retry_after_a_kill_between_save_and_publish_publishes(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = _file(tmp_path / "job", "ice-rink.md", "# Ice rink\n\nThe ice rink opens in December.\n")
    before = kb.versions.current()
    Ingestor(kb).ingest([path], publish=False)  # the first attempt saved, then its worker died
    assert kb.versions.current() == before and "ice-rink" not in _served(kb)
    result = ingest_upload(kb, Ingestor(kb), [path], False, lambda step: None)
    assert result.summary.unchanged == ["ice-rink"] and result.published is not None
    assert _served(kb)["ice-rink"] == 1


def test_a_held_document_publishes_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    bare = UploadMetadata()
    path = _file(tmp_path / "job", "kiosk.md", "# Kiosk\n\nThe kiosk sells maps.\n", bare)
    before = kb.versions.current()
    result = ingest_upload(kb, Ingestor(kb, require_metadata=True), [path], False, lambda step: None)
    assert [h.document_id for h in result.summary.held] == ["kiosk"] and result.published is None
    assert kb.versions.current() == before


class _StallsBeforePublishing(JobStore):
    """A real job store whose worker stalls when it reaches the publish stage: while it is away its
    job is reaped as stale and claimed again by another worker (what a long pause or a lost network
    looks like to the others)."""

    def progress(self, job_id: str, attempt: int, stage: str, progress: float) -> None:
        super().progress(job_id, attempt, stage, progress)
        if stage == "publish" and attempt == 1:
            assert reap(self, 0.0, 3, lambda job: None) == 1
            assert self.start(job_id, "worker 2") is not None


@pytest.mark.parametrize("review", [False, True], ids=["publish", "draft"])
def test_a_worker_thought_dead_keeps_nothing_it_built_once_its_job_was_claimed_again(
    kb: KnowledgeBase, tmp_path: Path, review: bool
) -> None:
    database = BotDatabase(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    database.migrate()
    job_id = "d" * 32
    files = [JobFile(ordinal=0, filename="rink.md", document_id="rink", size=40)]
    JobStore(database.engine).create(job_id, JobKind.UPLOAD, "dev-editor", "Editor", files)
    staged = staged_file(tmp_path / "uploads", job_id, 0, "rink.md")
    _file(staged.parent, staged.name, "# Ice rink\n\nThe ice rink opens in December.\n")
    current, versions = kb.versions.current(), kb.versions.names()
    stalls = _StallsBeforePublishing(database.engine)

    job = run_job(JobContext(kb, stalls, Ingestor, tmp_path / "uploads", "worker 1", review=review), job_id)

    assert job is not None and job.state == JobState.RUNNING and job.attempts == 2  # worker 2's now
    assert job.published_version is None and [f.outcome for f in job.files] == [FileOutcome.PENDING]
    assert kb.versions.current() == current and kb.versions.names() == versions  # nothing kept
    assert kb.drafts.open_draft() is None and "rink" not in _served(kb)
    assert staged.is_file()  # the upload stays for the job's next attempt

    store = JobStore(database.engine)  # worker 2 dies too; worker 3 runs attempt 3 to the end
    assert reap(store, 0.0, 3, lambda job: None) == 1
    done = run_job(JobContext(kb, store, Ingestor, tmp_path / "uploads", "worker 3", review=review), job_id)
    assert done is not None and done.state == JobState.DONE and done.attempts == 3
    if review:
        draft = kb.drafts.open_draft()
        assert draft is not None and draft.version in kb.versions.names()
        assert kb.versions.current() == current
    else:
        assert done.published_version == kb.versions.current() != current and _served(kb)["rink"] == 1
