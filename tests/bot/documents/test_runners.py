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
    store.heartbeat("b" * 32)
    assert reap(store, 30, 2, lambda job_id: None) == 0
    job = store.get("b" * 32)
    assert job is not None and job.state == JobState.RUNNING
