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
from datetime import date
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from bot.documents.errors import (
    EditRefusedError,
    UndoRefusedError,
    UnknownDocumentError,
    UnknownJobError,
    UploadRefusedError,
)
from bot.documents.ingest_job import staged_file, write_sidecar
from bot.documents.models import (
    ChunkEntry,
    DocumentDetail,
    DocumentEntry,
    FileOutcome,
    Job,
    JobFile,
    JobKind,
    MetadataEdit,
    ServedVersion,
    UploadMetadata,
)
from bot.documents.runners import JobRunner
from bot.documents.wording import finding_text
from bot.storage.jobs import JobStore
from ingest.metadata import METADATA_CHECK, default_id
from ingest.url_list import read_url_list
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.records import public_url
from knowledge_base.snapshot import served_documents
from knowledge_base.store import DocumentSummary
from knowledge_base.tables import ChunkRow, DocumentRow

MAX_FILES = 50
MAX_PAGES = 2000  # lines of one URL list (pages are small; a city's site is imported in a few uploads)


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content: BinaryIO


def safe_filename(name: str) -> str:
    """The file's own name, without folders or characters a file system or a page would trip on."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")[:200]
    return cleaned or "upload"


def _path_keys(filename: str) -> list[str]:
    """The names a URL list may give an uploaded file: its path as the browser sent it (a folder
    upload sends `folder/sub/page.html`) and every tail of it (`sub/page.html`, `page.html`)."""
    parts = [p for p in re.split(r"[\\/]", filename or "") if p not in ("", ".")]
    return ["/".join(parts[i:]) for i in range(len(parts))]


def _shown(value: object) -> str:
    return "(none)" if value in (None, "") else str(value)


def _state(summary: DocumentSummary, served: int | None, withdrawn: str | None, draft_open: bool) -> str:
    """A document's state as the console words it: what residents are served of it, and why."""
    if summary.retired and served is None:
        return "retired"
    if summary.retired:  # retired in the working set; the version residents get still holds it
        if draft_open:
            return "retired in the draft — still served until the draft is approved"
        return "retired — still served until a version without it is published"
    if summary.review == "held":
        return "held for review"
    if served is None:
        return f"not served since the rollback to {withdrawn}" if withdrawn else "saved, not served yet"
    if withdrawn:
        return (
            f"in service (version {served} since the rollback to {withdrawn}; "
            f"version {summary.version} is saved, not served)"
        )
    return "in service"


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
        entries = [(f, f.filename, metadata.document_id or "", metadata, "") for f in files]
        return self._stage(entries, accept_missing_metadata, subject, name)

    def _not_withdrawn(self, document_id: str, effective: date | None) -> None:
        """Refuses a change that would take a page residents are served out of service until a later
        effective date: a version is built from what is in effect today, and a document has one saved
        form, so a future-dated replacement would leave residents with nothing until that day."""
        if effective is None or effective <= date.today():
            return
        current = self.kb.versions.current()
        if current is None or document_id not in served_documents(self.kb.versions.versions_dir / current):
            return
        raise UploadRefusedError(
            f"{document_id!r} is in service, and this would take effect on {effective.isoformat()}: "
            "residents would get no answer from it until then. Make the change on that day (or give "
            "today's date), and keep the page in service until it applies."
        )

    def _stage(
        self,
        entries: Sequence[tuple[Upload | None, str, str, UploadMetadata, str]],
        accept_missing_metadata: bool,
        subject: str,
        name: str,
    ) -> Job:
        """Write each (file, name, document id or "", metadata, reason it failed or "") to the job's
        folder with its sidecar, create the job row, queue it."""
        job_id = uuid.uuid4().hex
        staged: list[JobFile] = []
        try:
            for ordinal, (upload, given_name, given_id, metadata, failed) in enumerate(entries):
                filename = safe_filename(given_name)
                if upload is None:  # nothing to stage: the entry reports why
                    staged.append(
                        JobFile(
                            ordinal=ordinal, filename=filename, document_id=given_id or "-", size=0,
                            metadata=metadata, outcome=FileOutcome.FAILED, reason=failed,
                        )
                    )  # fmt: skip
                    continue
                path = staged_file(self.uploads, job_id, ordinal, filename)
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as out:
                    shutil.copyfileobj(upload.content, out, 1024 * 1024)
                document_id = given_id or default_id(path, path.parent)
                self._not_withdrawn(document_id, metadata.effective_date)  # by id or by file name
                metadata = self._with_saved(document_id, metadata)
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

    def _with_saved(self, document_id: str, metadata: UploadMetadata) -> UploadMetadata:
        """A replacement keeps what is saved of the document for each field the upload leaves empty
        (department, contact, source URL, effective date, review date): a new file for a page does not
        wipe its metadata, which would hold it for review and take it out of the next version."""
        saved = self._saved(document_id)
        if saved is None:
            return metadata
        given = metadata.model_dump()
        kept = {
            k: v
            for k, v in saved.items()
            if k not in ("title", "language") and given[k] in (None, "") and v not in (None, "")
        }
        return metadata.model_copy(update=kept) if kept else metadata

    def _saved(self, document_id: str) -> dict[str, object] | None:
        """The metadata saved of a document in the working set, by the upload form's field names."""
        document = self.kb.store.document(document_id)
        if document is None:
            return None
        summary = self._summary(document_id)
        return {
            "title": document.title,
            "department": document.department,
            "contact": document.contact,
            "source_url": public_url(document.source_uri),
            "effective_date": document.effective_date,
            "review_by": summary.review_by if summary is not None else None,
            "language": document.language,
        }

    def _summary(self, document_id: str) -> DocumentSummary | None:
        return next((d for d in self.kb.store.summaries() if d.id == document_id), None)

    def upload_pages(
        self,
        url_list: bytes,
        files: Sequence[Upload],
        metadata: UploadMetadata,
        accept_missing_metadata: bool,
        subject: str,
        name: str,
    ) -> Job:
        """A URL list (`ingest.url_list`) with the fetched pages it names, uploaded together: one job,
        each page with its address as source URL and its id made from it. A line naming no uploaded
        file, a bad address or a repeated page is a failed entry of the job with its reason; the good
        lines go through. Files the list does not name are left out (a fetched folder's images)."""
        if metadata.document_id or metadata.title or metadata.source_url:
            raise UploadRefusedError(
                "A URL list gives each page its address, id and title: leave document id, title and "
                "source URL empty."
            )
        try:
            text = url_list.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRefusedError("The URL list must be a UTF-8 text file.") from None
        pages, problems = read_url_list(text)
        by_path: dict[str, list[int]] = {}
        for index, upload in enumerate(files):
            for key in _path_keys(upload.filename):
                by_path.setdefault(key, []).append(index)
        entries: list[tuple[Upload | None, str, str, UploadMetadata, str]] = []
        for page in pages:
            # the path as listed, else its file name (pages chosen one by one, without their folders)
            matches = by_path.get(page.path) or by_path.get(page.path.rsplit("/", 1)[-1], [])
            reason = (
                "" if len(matches) == 1
                else f"line {page.line}: no uploaded file {page.path}" if not matches
                else f"line {page.line}: several uploaded files are {page.path}"
            )  # fmt: skip
            chosen = files[matches[0]] if len(matches) == 1 else None
            meta = metadata.model_copy(update={"source_url": page.url})
            entries.append((chosen, page.path, page.document_id, meta, reason))
        entries += [(None, p.path or "(URL list)", "", metadata, str(p)) for p in problems]
        if len(entries) > MAX_PAGES:
            raise UploadRefusedError(f"A URL list may name at most {MAX_PAGES:,} pages at a time.")
        return self._stage(entries, accept_missing_metadata, subject, name)

    def edit_metadata(
        self, document_id: str, edit: MetadataEdit, subject: str, name: str
    ) -> tuple[Job, dict[str, str]]:
        """Queue a job that saves the document again with the fields changed (into the working set, then
        the draft or, without review, published as uploads are); returns it with what changes
        (`field: before → after`, for the editors' audit log)."""
        before = self._saved(document_id)
        if before is None:
            raise UnknownDocumentError(f"There is no document in service with id {document_id!r}.")
        given = {k: v for k, v in edit.changes().items() if v != before[k]}
        # ticking "publish even without…" alone releases a document held only for missing metadata
        releases = edit.accept_missing_metadata and self._held_for_metadata(document_id)
        if not given and not releases:
            raise EditRefusedError("Nothing to change: these are the values saved now.")
        if isinstance(effective := given.get("effective_date"), date):
            self._not_withdrawn(document_id, effective)
        changes = {k: f"{_shown(before[k])} → {_shown(v)}" for k, v in given.items()}
        if releases:
            changes["accept_missing_metadata"] = "held for missing metadata → published without it"
        file = JobFile(
            ordinal=0,
            filename="(metadata)",
            document_id=document_id,
            size=0,
            metadata=UploadMetadata.model_validate(given),
        )
        job = self.store.create(
            uuid.uuid4().hex,
            JobKind.EDIT,
            subject,
            name,
            [file],
            document_id=document_id,
            accept_missing_metadata=edit.accept_missing_metadata,
        )
        self.runner.submit(job.id)
        return job, changes

    def _held_for_metadata(self, document_id: str) -> bool:
        """Held for review only because a source URL, department or contact is missing (what an editor may
        accept without a supervisor: `Ingestor` releases it when the edit accepts missing metadata)."""
        summary = self._summary(document_id)
        return (
            summary is not None
            and summary.review == "held"
            and bool(summary.findings)
            and all(f.check == METADATA_CHECK for f in summary.findings)
        )

    def confirm(self, document_id: str) -> None:
        """A supervisor has reviewed a held document's findings: it joins the working set, and so the
        next draft (residents see it once that is approved), as `askcity kb confirm` does."""
        summary = self._summary(document_id)
        if summary is None or summary.retired:
            raise UnknownDocumentError(f"There is no document in service with id {document_id!r}.")
        if summary.review != "held":  # ("confirmed" too: `kb.confirm` would take it again silently)
            raise EditRefusedError(f"{document_id!r} is not held for review: there is nothing to confirm.")
        self.kb.confirm(document_id)

    def retire(self, document_id: str, subject: str, name: str) -> Job:
        state = self.kb.store.state(document_id)
        if state is None or state.retired:
            raise UnknownDocumentError(f"There is no document in service with id {document_id!r}.")
        job = self.store.create(uuid.uuid4().hex, JobKind.RETIRE, subject, name, document_id=document_id)
        self.runner.submit(job.id)
        return job

    def restore(self, document_id: str, subject: str, name: str) -> Job:
        """Undo a retirement that residents do not have yet (the draft without the document is not
        approved): a job brings the document back into the working set and rebuilds the draft with it.
        Once the retirement is served, uploading the file again is the way back."""
        state = self.kb.store.state(document_id)
        if state is None:
            raise UnknownDocumentError(f"There is no document with id {document_id!r}.")
        if not state.retired:
            raise UndoRefusedError(f"{document_id!r} is not retired: there is nothing to undo.")
        current = self.kb.versions.current()
        if current is None or document_id not in served_documents(self.kb.versions.versions_dir / current):
            raise UndoRefusedError(
                f"The retirement of {document_id!r} is already served to residents: upload the file "
                "again to bring it back."
            )
        job = self.store.create(uuid.uuid4().hex, JobKind.RESTORE, subject, name, document_id=document_id)
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

    @staticmethod
    def _withdrawn(
        current: str | None, versions: list[ServedVersion], served: int | None, unserved: set[str]
    ) -> str | None:
        """`current` when residents were served this document (or a newer version of it) by a later
        version than the one served now: a rollback took it away. Draft builds never served
        (`unserved`) do not count."""
        if current is None:
            return None
        later = [v for v in versions if v.kb_version > current and v.kb_version not in unserved]
        return current if any(v.document_version != served for v in later) else None

    def documents(self) -> list[DocumentEntry]:
        """Every document of the working set with the versions each kept KB version holds, and its
        state in words (`_state`)."""
        current, held = self._served()
        draft, unserved = self.kb.drafts.open_draft(), self.kb.versions.unserved()
        entries = []
        for d in self.kb.store.summaries():
            versions = held.get(d.id, [])
            served = next((v.document_version for v in versions if v.current), None)
            withdrawn = None if d.retired else self._withdrawn(current, versions, served, unserved)
            entries.append(
                DocumentEntry(
                    id=d.id,
                    title=d.title,
                    department=d.department,
                    version=d.version,
                    served_version=served,
                    chunks=d.chunks,
                    retired=d.retired,
                    review=d.review,
                    findings=[finding_text(f, snippet=False) for f in d.findings],
                    updated_at=d.updated_at,
                    versions=versions,
                    review_by=d.review_by,
                    withdrawn_by=withdrawn,
                    state=_state(d, served, withdrawn, draft_open=draft is not None),
                )
            )
        return entries

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
