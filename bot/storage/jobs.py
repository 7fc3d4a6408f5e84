"""Ingest jobs in the bot's database (migration 0004; rows in `bot.storage.tables`): one row per job,
one per uploaded file.

The row is the job's truth for every process: the console reads it, whichever runner executes the job
writes it (a thread of the bot or an `askcity worker` process, possibly on another machine). A running
job's worker touches `heartbeat_at`; a job whose heartbeat is older than the stale limit belongs to a
dead worker (`stale`), and is queued again once or failed with a reason (`bot.documents.runners.reap`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload, sessionmaker

from bot.documents.models import FileOutcome, Job, JobFile, JobKind, JobState, UploadMetadata
from bot.storage.tables import IngestJobFileRow, IngestJobRow
from bot.storage.tables import now as _now


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _count(result: sa.Result[Any]) -> int:
    """Rows an UPDATE matched (`CursorResult.rowcount`)."""
    return int(getattr(result, "rowcount", 0))


def _job(row: IngestJobRow) -> Job:
    return Job(
        id=row.id,
        kind=JobKind(row.kind),
        state=JobState(row.state),
        stage=row.stage,
        progress=row.progress,
        reason=row.reason,
        attempts=row.attempts,
        document_id=row.document_id,
        accept_missing_metadata=row.accept_missing_metadata,
        published_version=row.published_version,
        created_by=row.created_by_name or row.created_by,
        created_at=_aware(row.created_at) or _now(),
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at),
        files=[
            JobFile(
                ordinal=f.ordinal,
                filename=f.filename,
                document_id=f.document_id,
                size=f.size,
                metadata=UploadMetadata.model_validate(f.meta),
                outcome=FileOutcome(f.outcome),
                reason=f.reason,
            )
            for f in row.files
        ],
    )


class JobStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create(
        self,
        job_id: str,
        kind: JobKind,
        subject: str,
        name: str,
        files: Sequence[JobFile] = (),
        document_id: str | None = None,
        accept_missing_metadata: bool = False,
    ) -> Job:
        with self._sessions.begin() as s:
            row = IngestJobRow(
                id=job_id,
                kind=kind.value,
                state=JobState.QUEUED.value,
                stage="",
                progress=0.0,
                reason="",
                attempts=0,
                document_id=document_id,
                accept_missing_metadata=accept_missing_metadata,
                created_by=subject,
                created_by_name=name,
                created_at=_now(),
                worker="",
                files=[
                    IngestJobFileRow(
                        ordinal=f.ordinal,
                        filename=f.filename,
                        document_id=f.document_id,
                        size=f.size,
                        # the fields given (an edit's "" or null clears a field: kept)
                        meta=f.metadata.model_dump(mode="json", exclude_unset=True),
                        # a line of a URL list that names no usable page is failed from the start
                        outcome=f.outcome.value,
                        reason=f.reason,
                    )
                    for f in files
                ],
            )
            s.add(row)
            s.flush()
            return _job(row)

    def get(self, job_id: str) -> Job | None:
        with self._sessions.begin() as s:
            row = s.get(IngestJobRow, job_id, options=[selectinload(IngestJobRow.files)])
            return _job(row) if row is not None else None

    def start(self, job_id: str, worker: str) -> Job | None:
        """Claim a queued job for this worker (None: gone, or already claimed or finished)."""
        now = _now()
        with self._sessions.begin() as s:
            claimed = _count(
                s.execute(
                    sa.update(IngestJobRow)
                    .where(IngestJobRow.id == job_id, IngestJobRow.state == JobState.QUEUED.value)
                    .values(
                        state=JobState.RUNNING.value,
                        attempts=IngestJobRow.attempts + 1,
                        started_at=now,
                        heartbeat_at=now,
                        worker=worker[:200],
                        stage="",
                        progress=0.0,
                    )
                )
            )
        return self.get(job_id) if claimed else None

    # A worker writes to its job only while the job is running the attempt it claimed (`Job.attempts`
    # as `start` returned it): a worker that was thought dead and whose job was queued again and claimed
    # by another one (or failed) changes nothing when it wakes up.
    @staticmethod
    def _claimed(job_id: str, attempt: int) -> sa.ColumnElement[bool]:
        return sa.and_(
            IngestJobRow.id == job_id,
            IngestJobRow.state == JobState.RUNNING.value,
            IngestJobRow.attempts == attempt,
        )

    def holds(self, job_id: str, attempt: int) -> bool:
        """Whether the job is still running that attempt (its worker's work still counts)."""
        with self._sessions() as s:
            return s.scalar(sa.select(IngestJobRow.id).where(self._claimed(job_id, attempt))) is not None

    def progress(self, job_id: str, attempt: int, stage: str, progress: float) -> None:
        with self._sessions.begin() as s:
            s.execute(
                sa.update(IngestJobRow)
                .where(self._claimed(job_id, attempt))
                .values(stage=stage, progress=max(0.0, min(1.0, progress)), heartbeat_at=_now())
            )

    def heartbeat(self, job_id: str, attempt: int) -> None:
        with self._sessions.begin() as s:
            s.execute(
                sa.update(IngestJobRow).where(self._claimed(job_id, attempt)).values(heartbeat_at=_now())
            )

    def finish(
        self,
        job_id: str,
        attempt: int,
        state: JobState,
        reason: str = "",
        outcomes: dict[int, tuple[FileOutcome, str]] | None = None,
        published_version: str | None = None,
    ) -> bool:
        """End the attempt: False (and nothing written) when the job is no longer running it."""
        with self._sessions.begin() as s:
            row = s.scalars(
                sa.select(IngestJobRow)
                .where(self._claimed(job_id, attempt))
                .options(selectinload(IngestJobRow.files))
                .with_for_update()
            ).one_or_none()
            if row is None:
                return False
            row.state, row.reason, row.finished_at = state.value, reason, _now()
            row.published_version = published_version
            if state == JobState.DONE:
                row.progress, row.stage = 1.0, "done"
            for file in row.files:
                outcome, why = (outcomes or {}).get(file.ordinal, (FileOutcome(file.outcome), file.reason))
                if state == JobState.FAILED and outcome == FileOutcome.PENDING:
                    outcome, why = FileOutcome.FAILED, reason
                file.outcome, file.reason = outcome.value, why
            return True

    def requeue(self, job_id: str, attempt: int, reason: str) -> bool:
        with self._sessions.begin() as s:
            return bool(
                _count(
                    s.execute(
                        sa.update(IngestJobRow)
                        .where(self._claimed(job_id, attempt))
                        .values(state=JobState.QUEUED.value, reason=reason, stage="", progress=0.0)
                    )
                )
            )

    def stale(self, older_than_seconds: float) -> list[Job]:
        """Running jobs whose worker has not been heard of for that long (it was killed or lost)."""
        limit = _now() - timedelta(seconds=older_than_seconds)
        with self._sessions.begin() as s:
            rows = s.scalars(
                sa.select(IngestJobRow)
                .where(IngestJobRow.state == JobState.RUNNING.value, IngestJobRow.heartbeat_at < limit)
                .options(selectinload(IngestJobRow.files))
            ).all()
            return [_job(r) for r in rows]

    def queued(self) -> list[str]:
        with self._sessions.begin() as s:
            return list(
                s.scalars(
                    sa.select(IngestJobRow.id)
                    .where(IngestJobRow.state == JobState.QUEUED.value)
                    .order_by(IngestJobRow.created_at)
                )
            )

    def recent(self, limit: int = 20) -> list[Job]:
        with self._sessions.begin() as s:
            rows = s.scalars(
                sa.select(IngestJobRow)
                .order_by(IngestJobRow.created_at.desc())
                .limit(limit)
                .options(selectinload(IngestJobRow.files))
            ).all()
            return [_job(r) for r in rows]

    def uploads_of(self, document_id: str, limit: int = 20) -> list[tuple[Job, JobFile]]:
        """The latest uploads that named this document, newest first."""
        with self._sessions.begin() as s:
            rows = s.execute(
                sa.select(IngestJobRow, IngestJobFileRow)
                .join(IngestJobFileRow, IngestJobFileRow.job_id == IngestJobRow.id)
                .where(IngestJobFileRow.document_id == document_id)
                .order_by(IngestJobRow.created_at.desc())
                .limit(limit)
                .options(selectinload(IngestJobRow.files))
            ).all()
            out = []
            for job_row, file_row in rows:
                job = _job(job_row)
                out.append((job, next(f for f in job.files if f.ordinal == file_row.ordinal)))
            return out
