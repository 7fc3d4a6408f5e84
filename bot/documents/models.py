"""The values of the documents desk, declared once and returned by the API as they are."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from ingest.errors import MetadataError
from ingest.links import checked_source_uri

# what editors upload (`ingest` also reads JSONL, which holds many documents: that stays a CLI matter)
UPLOAD_TYPES = (".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt")


class JobKind(StrEnum):
    UPLOAD = "upload"
    RETIRE = "retire"
    EDIT = "edit"  # an editor changed a document's metadata (no file): re-checked, re-chunked, saved
    RESTORE = "restore"  # an editor undid a retirement that was only in the draft


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class FileOutcome(StrEnum):
    PENDING = "pending"
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    HELD = "held"  # saved, not served: an editor must look at it (or confirm missing metadata)
    FAILED = "failed"  # not ingested; nothing served changed for it


class UploadMetadata(BaseModel):
    """What an editor may say about an uploaded file (written to its `.meta.json` sidecar for ingest;
    `review_by`, which is not indexed, is set on the document by the job: `kb_documents.review_by`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    document_id: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")
    title: str | None = Field(default=None, max_length=300)
    department: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=500)
    source_url: str = Field(default="", max_length=2000)
    effective_date: date | None = None
    review_by: date | None = None
    language: str = Field(default="en", min_length=2, max_length=16, pattern=r"^[A-Za-z-]+$")

    @field_validator("document_id")
    @classmethod
    def _names_something(cls, value: str | None) -> str | None:
        if value is not None and not any(ch.isalnum() for ch in value):
            raise ValueError('a document id needs a letter or a digit ("." and ".." name folders)')
        return value

    @field_validator("source_url")
    @classmethod
    def _public_address(cls, value: str) -> str:
        if value:
            try:
                checked_source_uri(value)
            except MetadataError as exc:
                raise ValueError(str(exc)) from None
        return value


class MetadataEdit(BaseModel):
    """`PATCH /api/v1/staff/documents/{id}`: the fields given change, the others stay (`null` clears an
    optional date; `""` clears a department, contact or source URL)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=300)
    department: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=500)
    source_url: str | None = Field(default=None, max_length=2000, description="Public http(s) address.")
    effective_date: date | None = None
    review_by: date | None = None
    language: str | None = Field(default=None, min_length=2, max_length=16, pattern=r"^[A-Za-z-]+$")
    accept_missing_metadata: bool = Field(
        default=False, description="Publish it even if the edit leaves no source URL, department or contact."
    )

    @field_validator("title", "department", "contact", "language")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError('give a value (or "" to clear a department or contact), not null')
        return value

    @field_validator("source_url")
    @classmethod
    def _public_address(cls, value: str | None) -> str:
        return UploadMetadata._public_address(value or "")

    def changes(self) -> dict[str, object]:
        """The fields given, by name (the other fields are left as they are)."""
        return self.model_dump(exclude_unset=True, exclude={"accept_missing_metadata"})


class JobFile(BaseModel):
    ordinal: int
    filename: str
    document_id: str
    size: int
    metadata: UploadMetadata = Field(default_factory=UploadMetadata)
    outcome: FileOutcome = FileOutcome.PENDING
    reason: str = ""


class Job(BaseModel):
    id: str
    kind: JobKind
    state: JobState
    stage: str = Field(description="parse, check, chunk, embed, save, publish, done")
    progress: float = Field(ge=0, le=1, description="0 to 1")
    reason: str = Field(description="Why the job failed (or why it was run again); empty otherwise.")
    attempts: int
    document_id: str | None = Field(
        description="The document a retire job retires (a restore job: brings back; an edit job: edits)."
    )
    accept_missing_metadata: bool
    published_version: str | None = Field(description="The knowledge-base version this job published.")
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    files: list[JobFile]

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        return round(self.progress * 100)

    @staticmethod
    def _later(file: JobFile) -> bool:
        """Saved with an effective date after today: no version holds it before that day."""
        return file.metadata.effective_date is not None and file.metadata.effective_date > date.today()

    @computed_field(  # type: ignore[prop-decorator]
        description="What became of a finished job, for staff: published, in the draft, held, or nothing "
        "changed (empty while it runs or when it failed: `reason` says why)."
    )
    @property
    def note(self) -> str:
        if self.state != JobState.DONE:
            return ""
        held = sum(f.outcome == FileOutcome.HELD for f in self.files)
        saved = [f for f in self.files if f.outcome in (FileOutcome.ADDED, FileOutcome.UPDATED)]
        later = sorted({(f.document_id, str(f.metadata.effective_date)) for f in saved if self._later(f)})
        changed = self.kind in (JobKind.RETIRE, JobKind.RESTORE) or any(not self._later(f) for f in saved)
        said = []
        if self.published_version and (changed or not later):
            said.append(f"Published as knowledge-base version {self.published_version}.")
        elif changed and self.kind == JobKind.RETIRE:
            said.append(
                "Retired in the draft: residents are served it until a supervisor approves the draft. "
                "To keep it, choose “Undo retirement” on its page."
            )
        elif changed and self.kind == JobKind.RESTORE:
            said.append(
                "Retirement undone: the draft holds the document again, and residents go on being served it."
            )
        elif changed:
            said.append("Added to the draft: residents see it once a supervisor approves the draft.")
        elif not held and not later:
            said.append("Nothing changed: residents are served what they were.")
        if later:
            said.append(
                # the words of the Drafts page, which lists such documents
                "Taking effect later (not served before the date): "
                + "; ".join(f"{d} on {when}" for d, when in later)
                + ". Residents see it from that date, once a version is built on or after it (the "
                "daily “askcity kb publish-due”, or the draft rebuilt and approved then)."
            )
        if held:
            what = "it is" if held == 1 and len(self.files) == 1 else f"{held} of the files are"
            said.append(
                f"Held for review: {what} not served to residents and not in any draft (the Reason "
                "column says why). Missing metadata: add it on the document's page, or tick “Publish "
                "even without a source URL, department or contact” there and save. Anything else: a "
                "supervisor reads it and confirms it on the document's page."
            )
        return " ".join(said)


class JobAccepted(BaseModel):
    job_id: str
    state: JobState
    url: str = Field(description="Where to follow the job (GET).")


class ServedVersion(BaseModel):
    kb_version: str = Field(description="A published knowledge-base version.")
    document_version: int = Field(description="The document's version in it.")
    current: bool = Field(description="True for the version residents are served.")


class DocumentEntry(BaseModel):
    id: str
    title: str
    department: str
    version: int = Field(description="The document's newest saved version (the next publish uses it).")
    served_version: int | None = Field(
        description="Its version in the served knowledge base; None: not served."
    )
    chunks: int
    retired: bool
    review: str = Field(description="ok, held (waiting for an editor) or confirmed")
    findings: list[str]
    updated_at: datetime
    versions: list[ServedVersion] = Field(description="Which document version each kept KB version holds.")
    review_by: date | None = Field(
        default=None, description="When an editor must look at it again (set by an upload or an edit)."
    )
    withdrawn_by: str | None = Field(
        default=None,
        description="The version served since a rollback took this document (or its saved version) "
        "away from residents; None otherwise.",
    )
    state: str = Field(default="", description="Its state in words, as the console shows it.")

    @property
    def retired_in_draft(self) -> bool:
        """Retired in the working set while residents are still served it: the retirement can be undone
        (`restore`) before a draft without it is approved."""
        return self.retired and self.served_version is not None


class ChunkEntry(BaseModel):
    ordinal: int
    section_path: list[str]
    text: str
    token_count: int


class DocumentDetail(DocumentEntry):
    source_url: str
    contact: str
    language: str
    effective_date: date | None
    chunk_list: list[ChunkEntry] = Field(description="Its chunks (newest saved version), with section paths.")
    uploads: list[JobFile] = Field(description="Its latest uploads, newest first.")
