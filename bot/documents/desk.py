"""The console's documents desk: stage an upload and queue its job, queue a retire, read jobs and documents.

Nothing here ingests or publishes: a request only writes the uploaded files to the job's folder and a
job row, then hands the job id to the runner (`bot.documents.runners`).
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from bot.documents.errors import UnknownDocumentError, UnknownJobError, UploadRefusedError
from bot.documents.ingest_job import staged_file, write_sidecar
from bot.documents.models import (
    ChunkEntry,
    DocumentDetail,
    DocumentEntry,
    Job,
    JobFile,
    JobKind,
    ServedVersion,
    UploadMetadata,
)
from bot.documents.runners import JobRunner
from bot.storage.jobs import JobStore
from ingest.metadata import default_id
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import served_documents
from knowledge_base.tables import ChunkRow, DocumentRow

MAX_FILES = 50


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content: BinaryIO


def safe_filename(name: str) -> str:
    """The file's own name, without folders or characters a file system or a page would trip on."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")[:200]
    return cleaned or "upload"


class DocumentsDesk:
    def __init__(self, kb: KnowledgeBase, store: JobStore, runner: JobRunner, uploads: Path) -> None:
        self.kb = kb
        self.store = store
        self.runner = runner
        self.uploads = uploads

    # ---- jobs ------------------------------------------------------------------------------------
    def upload(
        self,
        files: Sequence[Upload],
        metadata: UploadMetadata,
        accept_missing_metadata: bool,
        subject: str,
        name: str,
    ) -> Job:
        """Stage the files with their metadata and queue one job for them (returned queued)."""
        if not files:
            raise UploadRefusedError("Choose at least one file to upload.")
        if len(files) > MAX_FILES:
            raise UploadRefusedError(f"Upload at most {MAX_FILES} files at a time.")
        if len(files) > 1 and (metadata.document_id or metadata.title):
            raise UploadRefusedError(
                "A document id or a title names one document: upload that file on its own."
            )
        job_id = uuid.uuid4().hex
        staged: list[JobFile] = []
        try:
            for ordinal, upload in enumerate(files):
                filename = safe_filename(upload.filename)
                path = staged_file(self.uploads, job_id, ordinal, filename)
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as out:
                    shutil.copyfileobj(upload.content, out, 1024 * 1024)
                document_id = metadata.document_id or default_id(path, path.parent)
                write_sidecar(path, document_id, metadata)
                staged.append(
                    JobFile(
                        ordinal=ordinal,
                        filename=filename,
                        document_id=document_id,
                        size=path.stat().st_size,
                        metadata=metadata,
                    )
                )
            job = self.store.create(
                job_id, JobKind.UPLOAD, subject, name, staged, accept_missing_metadata=accept_missing_metadata
            )
        except BaseException:
            shutil.rmtree(self.uploads / job_id, ignore_errors=True)
            raise
        self.runner.submit(job.id)
        return job

    def retire(self, document_id: str, subject: str, name: str) -> Job:
        state = self.kb.store.state(document_id)
        if state is None or state.retired:
            raise UnknownDocumentError(f"There is no document in service with id {document_id!r}.")
        job = self.store.create(uuid.uuid4().hex, JobKind.RETIRE, subject, name, document_id=document_id)
        self.runner.submit(job.id)
        return job

    def job(self, job_id: str) -> Job:
        job = self.store.get(job_id) if re.fullmatch(r"[0-9a-f]{32}", job_id) else None
        if job is None:
            raise UnknownJobError("There is no job with that id.")
        return job

    # ---- documents -------------------------------------------------------------------------------
    def _served(self) -> tuple[str | None, dict[str, list[ServedVersion]]]:
        current = self.kb.versions.current()
        held: dict[str, list[ServedVersion]] = {}
        for name in reversed(self.kb.versions.names()):
            try:
                documents = served_documents(self.kb.versions.versions_dir / name)
            except KnowledgeBaseError:  # a version being pruned or unreadable: not shown
                continue
            for document_id, version in documents.items():
                held.setdefault(document_id, []).append(
                    ServedVersion(kb_version=name, document_version=version, current=name == current)
                )
        return current, held

    def documents(self) -> list[DocumentEntry]:
        """Every document of the working set with the versions each kept KB version holds."""
        _, held = self._served()
        review_by = self.store.review_by()
        return [
            DocumentEntry(
                id=d.id,
                title=d.title,
                department=d.department,
                version=d.version,
                served_version=next((v.document_version for v in held.get(d.id, []) if v.current), None),
                chunks=d.chunks,
                retired=d.retired,
                review=d.review,
                findings=[f.reason for f in d.findings],
                updated_at=d.updated_at,
                versions=held.get(d.id, []),
                review_by=review_by.get(d.id),
            )
            for d in self.kb.store.summaries()
        ]

    def document(self, document_id: str) -> DocumentDetail:
        entry = next((d for d in self.documents() if d.id == document_id), None)
        if entry is None:
            raise UnknownDocumentError(f"There is no document with id {document_id!r}.")
        with self.kb.store.session() as s:
            row = s.get(DocumentRow, document_id)
            assert row is not None
            chunks = [
                ChunkEntry(
                    ordinal=c.ordinal,
                    section_path=list(c.section_path),
                    text=c.text,
                    token_count=c.token_count,
                )
                for c in s.scalars(
                    sa.select(ChunkRow).where(ChunkRow.document_id == document_id).order_by(ChunkRow.ordinal)
                )
            ]
            extra = {
                "source_url": row.source_uri if row.source_uri.startswith(("http://", "https://")) else "",
                "contact": row.contact,
                "language": row.language,
                "effective_date": row.effective_date,
            }
        uploads = [file for _, file in self.store.uploads_of(document_id)]
        return DocumentDetail(**entry.model_dump(), **extra, chunk_list=chunks, uploads=uploads)
