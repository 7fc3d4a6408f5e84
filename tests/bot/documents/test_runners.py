"""Reaping the jobs of workers that stopped, on a real SQLite bot database: run again while attempts
are left, then failed with the reason (each file too); a live worker's job is left alone."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.documents.models import FileOutcome, JobFile, JobKind, JobState
from bot.documents.runners import reap
from bot.storage.database import BotDatabase
from bot.storage.jobs import JobStore


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    database = BotDatabase(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    database.migrate()
    return JobStore(database.engine)


def _running(store: JobStore, job_id: str) -> None:
    files = [JobFile(ordinal=0, filename="a.md", document_id="a", size=3)]
    store.create(job_id, JobKind.UPLOAD, "dev-editor", "Editor", files)
    assert store.start(job_id, "worker 1") is not None
    assert store.start(job_id, "worker 2") is None  # claimed once


def test_a_stale_job_is_queued_again_while_attempts_are_left_then_failed_with_the_reason(
    store: JobStore,
) -> None:
    _running(store, "a" * 32)
    resubmitted: list[str] = []
    time.sleep(0.05)
    assert reap(store, 0.01, 2, resubmitted.append) == 1
    job = store.get("a" * 32)
    assert job is not None and job.state == JobState.QUEUED and resubmitted == ["a" * 32]
    assert "stopped during attempt 1" in job.reason
    assert store.start("a" * 32, "worker 3") is not None  # attempt 2, and its worker dies too
    time.sleep(0.05)
    assert reap(store, 0.01, 2, resubmitted.append) == 1
    job = store.get("a" * 32)
    assert job is not None and job.state == JobState.FAILED and job.attempts == 2
    assert "worker stopped" in job.reason and resubmitted == ["a" * 32]
    assert [(f.outcome, f.reason) for f in job.files] == [(FileOutcome.FAILED, job.reason)]


def test_a_job_whose_worker_beats_is_not_reaped(store: JobStore) -> None:
    _running(store, "b" * 32)
    store.heartbeat("b" * 32, 1)
    assert reap(store, 30, 2, lambda job_id: None) == 0
    job = store.get("b" * 32)
    assert job is not None and job.state == JobState.RUNNING


def test_a_worker_thought_dead_changes_nothing_once_its_job_was_claimed_again(store: JobStore) -> None:
    """Worker 1 stalls past the stale limit; its job is queued again and worker 3 claims attempt 2. When
    worker 1 wakes up, its progress, heartbeat and result are all ignored; worker 3's stand."""
    _running(store, "c" * 32)
    time.sleep(0.05)
    assert reap(store, 0.01, 3, lambda job_id: None) == 1
    second = store.start("c" * 32, "worker 3")
    assert second is not None and second.attempts == 2
    store.progress("c" * 32, 1, "embed", 0.9)
    store.heartbeat("c" * 32, 1)
    assert not store.requeue("c" * 32, 1, "worker 1's reaper")
    assert not store.finish("c" * 32, 1, JobState.DONE, "", {0: (FileOutcome.ADDED, "")}, "v-old")
    job = store.get("c" * 32)
    assert job is not None and job.state == JobState.RUNNING and job.attempts == 2
    assert job.progress == 0.0 and job.published_version is None
    store.progress("c" * 32, 2, "embed", 0.4)
    assert store.finish("c" * 32, 2, JobState.FAILED, "bad file", {0: (FileOutcome.FAILED, "bad file")})
    job = store.get("c" * 32)
    assert job is not None and job.state == JobState.FAILED and job.attempts == 2
    assert job.progress == 0.4 and [(f.outcome, f.reason) for f in job.files] == [
        (FileOutcome.FAILED, "bad file")
    ]
    assert not store.finish("c" * 32, 2, JobState.DONE)  # once finished, a job stays as it ended
